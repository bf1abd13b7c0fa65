<?php
// The near-cache latency benchmark: the Moodle-like operations timed with N
// concurrent PHP processes on moodlecache with and without its near cache,
// on phpredis used as Moodle's cachestore_redis uses it, and on APCu (the
// local limit), in one run.  Prints a table (ops/s over all processes,
// p50/p99 per call) with ratios, and appends the figures to --json.
//
//   php -d extension=moodlecache.so -d apc.enable_cli=1 latency.php
//       --host H --port P --procs N [--seconds 0.4] [--label "250 us"] [--json FILE]
//       [--only SUBSTRING]   (only the operations whose name contains it)
//
// Processes are forked once (they share APCu's and the near cache's memory,
// as PHP-FPM workers do) and run each phase together: every contender in
// turn per operation, each for --seconds.  Latencies go to a log-scaled
// histogram (1% bins), so percentiles cost no memory per call.
declare(strict_types=1);

require __DIR__ . '/adapters.php';
require __DIR__ . '/values.php';

$o = getopt('', ['host:', 'port:', 'procs:', 'seconds:', 'label:', 'json:', 'only:']);
$host = $o['host'] ?? '127.0.0.1';
$port = (int)($o['port'] ?? 6379);
$procs = max(1, (int)($o['procs'] ?? 1));
$seconds = (float)($o['seconds'] ?? 0.4);
$label = $o['label'] ?? '';
$server = "tcp://$host:$port";
const COLD_KEYS = 400;           // distinct never-read keys per process for the cold-read phase

/** moodlecache's RedisStore, with or without its near cache, one definition. */
final class LatencyMoodlecache implements BenchStore
{
    public \MoodleCache\RedisStore $store;

    public function __construct(string $server, bool $near, private string $definition = 'bench/def')
    {
        $this->store = new \MoodleCache\RedisStore(['server' => $server, 'prefix' => $near ? 'lat_near_' : 'lat_mc_',
            'near_cache' => $near, 'read_timeout' => 5.0]);
    }

    public function get(string $key): mixed { return $this->store->get($this->definition, $key); }
    public function getMany(array $keys): array { return $this->store->getMany($this->definition, $keys); }
    public function set(string $key, mixed $value): bool { return $this->store->set($this->definition, $key, $value); }
    public function setMany(array $items): int { return $this->store->setMany($this->definition, $items); }
    public function purge(): bool { return $this->store->purge($this->definition); }
    public function has(string $key): bool { return $this->store->has($this->definition, $key); }
    public function setTtl(string $key, mixed $value, int $ttl): bool
    {
        return $this->store->set($this->definition, $key, $value, $ttl);
    }
}

function contenders(string $server, string $host, int $port): array
{
    $c = [
        'near' => new LatencyMoodlecache($server, true),
        'moodlecache' => new LatencyMoodlecache($server, false),
        'phpredis' => new CachestoreRedisStyleBench($host, $port, false),
    ];
    if (function_exists('apcu_enabled') && apcu_enabled()) {
        $c['apcu'] = new ApcuBench();
    }
    return $c;
}

/** name => [function(store, i, proc), repeated?] */
function operations(): array
{
    $small = array_map(fn($i) => "small-$i", range(0, 19));
    return [
        'get 16 B string (repeated)' => fn($s, $i, $p) => $s->get('str-' . ($i % 10)),
        'get 1 KB (repeated)' => fn($s, $i, $p) => $s->get('small-' . ($i % 20)),
        'get ~5 KB (repeated)' => fn($s, $i, $p) => $s->get('medium-' . ($i % 10)),
        'get ~100 KB (repeated)' => fn($s, $i, $p) => $s->get('large-' . ($i % 4)),
        'getMany 20 x 1 KB (repeated)' => fn($s, $i, $p) => $s->getMany($small),
        'get 1 KB (cold)' => fn($s, $i, $p) => $s->get("cold-$p-$i"),
        'set 1 KB' => fn($s, $i, $p) => $s->set("w-$p-" . ($i % 50), bench_small_value($i % 50)),
        'set 1 KB with TTL' => fn($s, $i, $p) => $s->setTtl("wt-$p-" . ($i % 50), bench_small_value($i % 50), 3600),
        'has 1 KB (repeated)' => fn($s, $i, $p) => $s->has('small-' . ($i % 20)),
    ];
}

function fill_data(array $contenders, int $procs): void
{
    foreach ($contenders as $s) {
        $s->purge();
        $s->setMany(array_combine(array_map(fn($i) => "str-$i", range(0, 9)),
            array_map(fn($i) => "enabled-$i", range(0, 9))));
        $items = [];
        foreach (range(0, 19) as $i) $items["small-$i"] = bench_small_value($i);
        $s->setMany($items);
        for ($i = 0; $i < 10; $i++) $s->set("medium-$i", bench_medium_value($i));
        for ($i = 0; $i < 4; $i++) $s->set("large-$i", bench_large_value($i));
        for ($p = 0; $p < $procs; $p++) {
            $cold = [];
            for ($i = 0; $i < COLD_KEYS; $i++) $cold["cold-$p-$i"] = bench_small_value($i % 20);
            $s->setMany($cold);
        }
    }
}

/** Histogram bin of a latency in µs: 1% wide from 0.01 µs. */
function bin_of(float $us): int { return $us <= 0.01 ? 0 : (int)(log($us / 0.01) / log(1.01)) + 1; }
function bin_value(int $b): float { return $b === 0 ? 0.01 : 0.01 * 1.01 ** ($b - 0.5); }

/** CPU seconds of this process, all its threads (the near cache's listener among them). */
function process_cpu(): float
{
    $u = getrusage();
    return $u['ru_utime.tv_sec'] + $u['ru_stime.tv_sec'] + ($u['ru_utime.tv_usec'] + $u['ru_stime.tv_usec']) / 1e6;
}

function run_phase(BenchStore $store, callable $op, float $seconds, int $proc, int $first, int $limit): array
{
    $hist = [];
    $n = 0;
    $cpu = process_cpu();
    $start = hrtime(true);
    $end = $start + (int)($seconds * 1e9);
    $t = $start;
    while ($n < $limit && $t < $end) {
        $r = $op($store, $first + $n, $proc);
        $t2 = hrtime(true);
        $b = bin_of(($t2 - $t) / 1000);
        $hist[$b] = ($hist[$b] ?? 0) + 1;
        if ($r === false || $r === 0) {
            return ['error' => "operation failed"];
        }
        $t = $t2;
        $n++;
    }
    return ['n' => $n, 'start' => $start, 'end' => $t, 'hist' => $hist, 'cpu' => process_cpu() - $cpu];
}

function percentile(array $hist, int $total, float $q): float
{
    ksort($hist);
    $want = max(1, (int)ceil($total * $q));
    $seen = 0;
    foreach ($hist as $b => $c) {
        $seen += $c;
        if ($seen >= $want) return bin_value($b);
    }
    return 0.0;
}

foreach (['moodlecache' => 'MoodleCache\\RedisStore', 'redis' => 'Redis'] as $ext => $class) {
    if (!class_exists($class)) {
        fwrite(STDERR, "the $ext extension is not loaded\n");
        exit(1);
    }
}

fill_data(contenders($server, $host, $port), $procs);
// Children: each gets a socket pair; the parent sends "phase" lines, a child
// answers one JSON line per phase.
$children = [];
for ($p = 0; $p < $procs; $p++) {
    [$a, $b] = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
    $pid = pcntl_fork();
    if ($pid === 0) {
        fclose($a);
        $stores = contenders($server, $host, $port);
        $ops = operations();
        while (($line = fgets($b)) !== false) {
            [$opname, $cname, $warm, $secs, $first, $limit] = json_decode($line, true);
            $store = $stores[$cname];
            if ($warm) {
                for ($i = 0; $i < $warm; $i++) $ops[$opname]($store, $i, $p);   // near fills, connections
            } elseif ($cname === 'near') {
                $store->store->nearCacheSync(5.0);
            }
            // every process starts its phase at once: a sync that took one
            // process longer than another must not stretch the round's window
            fwrite($b, "ready\n");
            fgets($b);
            fwrite($b, json_encode(run_phase($store, $ops[$opname], $secs, $p, $first, $limit)) . "\n");
        }
        exit(0);
    }
    fclose($b);
    $children[] = $a;
}

$names = array_keys(contenders($server, $host, $port));
// The near cache trusts nothing until its listener is subscribed, and
// announces quietly (src/quiet.h) once the listener has proved that no
// other node needs the shared channel: less than a second after that.
$probe = (new LatencyMoodlecache($server, true))->store;
$probe->nearCacheSync(5.0);
for ($i = 0; $i < 100 && $probe->stats()['near_quiet_announcements'] === 0; $i++) {
    $probe->set('bench/quiet', 'probe', $i);
    usleep(20000);
}
// Each operation runs in ROUNDS rounds, every contender in turn in each, so
// the noise of a busy machine falls on all of them alike.
const ROUNDS = 4;
$results = [];
foreach (array_keys(operations()) as $opname) {
    if (isset($o['only']) && !str_contains($opname, $o['only'])) {
        continue;
    }
    $cold = str_contains($opname, 'cold');
    $acc = [];
    for ($round = 0; $round < ROUNDS; $round++) {
        foreach ($names as $cname) {
            $limit = $cold ? intdiv(COLD_KEYS, ROUNDS) : PHP_INT_MAX;
            $msg = [$opname, $cname, $cold ? 0 : 20, $seconds / ROUNDS, $cold ? $round * $limit : 0, $limit];
            // the listener thread may run in this process, which otherwise waits
            $parent_cpu = process_cpu();
            foreach ($children as $c) fwrite($c, json_encode($msg) . "\n");
            foreach ($children as $c) fgets($c);       // "ready": warmed up (and synced)
            foreach ($children as $c) fwrite($c, "go\n");
            $acc[$cname] ??= ['hist' => [], 'n' => 0, 'wall' => 0, 'cpu' => 0.0];
            $first = PHP_INT_MAX;
            $last = 0;
            foreach ($children as $k => $c) {
                $r = json_decode((string)fgets($c), true);
                if (!is_array($r) || isset($r['error'])) {
                    fwrite(STDERR, "$cname: $opname failed in a child\n");
                    exit(1);
                }
                $acc[$cname]['n'] += $r['n'];
                $acc[$cname]['cpu'] += $r['cpu'];
                $first = min($first, $r['start']);
                $last = max($last, $r['end']);
                foreach ($r['hist'] as $b => $cnt) $acc[$cname]['hist'][$b] = ($acc[$cname]['hist'][$b] ?? 0) + $cnt;
            }
            // throughput of the round: every call of every process over the
            // time from the first start to the last end (hrtime is one clock)
            $acc[$cname]['wall'] += ($last - $first) / 1e9;
            $acc[$cname]['cpu'] += process_cpu() - $parent_cpu;
        }
    }
    foreach ($names as $cname) {
        $a = $acc[$cname];
        $rate = $a['wall'] > 0 ? $a['n'] / $a['wall'] : 0.0;
        $results[$opname][$cname] = ['ops' => $rate, 'p50' => percentile($a['hist'], $a['n'], 0.5),
            'p99' => percentile($a['hist'], $a['n'], 0.99), 'n' => $a['n'],
            'cpu_us' => $a['n'] > 0 ? $a['cpu'] / $a['n'] * 1e6 : 0.0];
    }
}
foreach ($children as $c) fclose($c);
while (pcntl_wait($status) > 0) {
}

printf("\n%s, %d process%s (ops/s over all processes; p50/p99 µs per call)\n", $label ?: "delay ?", $procs,
    $procs > 1 ? 'es' : '');
$head = sprintf("%-29s", 'operation');
foreach ($names as $cname) $head .= sprintf(" | %-26s", $cname);
$head .= " | near/phpredis | mc/phpredis | near p50/APCu p50";
echo $head, "\n", str_repeat('-', strlen($head)), "\n";
foreach ($results as $opname => $row) {
    $line = sprintf("%-29s", $opname);
    foreach ($names as $cname) {
        $r = $row[$cname];
        $line .= sprintf(" | %9.0f %7.2f %8.2f", $r['ops'], $r['p50'], $r['p99']);
    }
    $line .= sprintf(" | %12.1fx | %10.2fx", $row['near']['ops'] / $row['phpredis']['ops'],
        $row['moodlecache']['ops'] / $row['phpredis']['ops']);
    $line .= isset($row['apcu']) ? sprintf(" | %8.2f", $row['near']['p50'] / $row['apcu']['p50']) : '';
    echo $line, "\n";
}
// What a write costs the CPU of the PHP side (every thread of every process,
// the listener's included), whatever the server and the network do.
foreach ($results as $opname => $row) {
    if (str_starts_with($opname, 'set ') && $row['moodlecache']['cpu_us'] > 0) {
        printf("%s: PHP CPU per call %.2f µs with the near cache, %.2f µs without: %.2fx\n", $opname,
            $row['near']['cpu_us'], $row['moodlecache']['cpu_us'], $row['near']['cpu_us'] / $row['moodlecache']['cpu_us']);
    }
}
if (isset($o['json'])) {
    $all = is_file($o['json']) ? json_decode(file_get_contents($o['json']), true) : [];
    $all[] = ['label' => $label, 'procs' => $procs, 'results' => $results];
    file_put_contents($o['json'], json_encode($all, JSON_PRETTY_PRINT));
}
