<?php
// The Moodle-like cache workload: times get, getMany, set, setMany and purge
// over Moodle-sized values on each contender in the same run, and prints
// ops/s, p50 and p99 per operation with the ratio to phpredis used as
// cachestore_redis uses it.
//
//   php workload.php --host 127.0.0.1 --port 6379 [--scale 1.0] [--json FILE]
//        [--memcached host:port,host:port] [--cluster tcp://host:port,...]
// --memcached adds MemcachedStore against php-memcached used as Moodle's
// cachestore_memcached; --cluster our cluster store against phpredis's
// RedisCluster used as cachestore_redis, both in the same run.

declare(strict_types=1);

require __DIR__ . '/adapters.php';
require __DIR__ . '/values.php';

$opts = getopt('', ['host:', 'port:', 'scale:', 'json:', 'note:', 'memcached:', 'cluster:']);
$host = $opts['host'] ?? '127.0.0.1';
$port = (int)($opts['port'] ?? 6379);
$scale = (float)($opts['scale'] ?? 1.0);
$server = "tcp://{$host}:{$port}";

/** Operations: name => [iterations at scale 1, function(store, i)]. */
function bench_operations(): array
{
    $smallkeys = array_map(fn($i) => "small-$i", range(0, 19));
    return [
        'get small (1 KB)' => [4000, fn($s, $i) => $s->get('small-' . ($i % 20))],
        'get ~5 KB' => [3000, fn($s, $i) => $s->get('medium-' . ($i % 10))],
        'get ~100 KB' => [600, fn($s, $i) => $s->get('large-' . ($i % 4))],
        'getMany 20 small' => [2000, fn($s, $i) => $s->getMany($smallkeys)],
        'set small (1 KB)' => [4000, fn($s, $i) => $s->set('small-' . ($i % 20), bench_small_value($i % 20))],
        'set ~5 KB' => [3000, fn($s, $i) => $s->set('medium-' . ($i % 10), bench_medium_value($i % 10))],
        'set ~100 KB' => [600, fn($s, $i) => $s->set('large-' . ($i % 4), bench_large_value($i % 4))],
        'setMany 20 small' => [2000, fn($s, $i) => $s->setMany(bench_small_items())],
        'purge (100 keys)' => [300, fn($s, $i) => $s->purge()],
    ];
}

function bench_small_items(): array
{
    static $items = null;
    if ($items === null) {
        foreach (range(0, 19) as $i) {
            $items["small-$i"] = bench_small_value($i);
        }
    }
    return $items;
}

function bench_fill(BenchStore $store, bool $forpurge): void
{
    if ($forpurge) {
        $items = [];
        for ($i = 0; $i < 100; $i++) {
            $items["p-$i"] = bench_small_value($i);
        }
        $store->setMany($items);
        return;
    }
    $store->setMany(bench_small_items());
    for ($i = 0; $i < 10; $i++) {
        $store->set("medium-$i", bench_medium_value($i));
    }
    for ($i = 0; $i < 4; $i++) {
        $store->set("large-$i", bench_large_value($i));
    }
}

/** Times $count calls; returns the latencies in microseconds. */
function bench_time(BenchStore $store, callable $op, int $count, bool $purge): array
{
    $lat = [];
    for ($i = 0; $i < $count; $i++) {
        if ($purge) {
            bench_fill($store, true);
        }
        $t = hrtime(true);
        $result = $op($store, $i);
        $lat[] = (hrtime(true) - $t) / 1000;
        if ($result === false || $result === 0) {
            fwrite(STDERR, "operation failed on " . get_class($store) . "\n");
            exit(1);
        }
    }
    return $lat;
}

function bench_summary(array $lat): array
{
    sort($lat);
    $n = count($lat);
    return [
        'ops' => $n / (array_sum($lat) / 1e6),
        'p50' => $lat[intdiv($n, 2)],
        'p99' => $lat[min($n - 1, (int)floor($n * 0.99))],
    ];
}

/** Runs every operation on every store, interleaved in rounds so that noise hits all alike. */
function bench_run(array $stores, float $scale): array
{
    $results = [];
    foreach ($stores as $store) {
        $store->purge();
        bench_fill($store, false);
    }
    foreach (bench_operations() as $name => [$iterations, $op]) {
        $purge = str_starts_with($name, 'purge');
        $count = max(20, (int)($iterations * $scale));
        $rounds = 4;
        $lat = array_fill_keys(array_keys($stores), []);
        foreach ($stores as $label => $store) {
            bench_time($store, $op, 10, $purge); // warm-up
        }
        for ($r = 0; $r < $rounds; $r++) {
            foreach ($stores as $label => $store) {
                $lat[$label] = array_merge($lat[$label], bench_time($store, $op, intdiv($count, $rounds), $purge));
            }
        }
        foreach ($stores as $label => $store) {
            $results[$name][$label] = bench_summary($lat[$label]);
        }
        if ($purge) {
            foreach ($stores as $store) {
                bench_fill($store, false);
            }
        }
    }
    return $results;
}

function bench_print(string $title, array $results, string $ours, string $base, ?string $extra): void
{
    echo "\n$title\n";
    $head = sprintf("%-18s | %-27s | %-27s | %-7s", 'operation', $ours, $base, 'ratio');
    if ($extra) {
        $head .= sprintf(" | %-27s", $extra);
    }
    echo $head, "\n", sprintf("%-18s | %-27s | %-27s | %-7s", '', 'ops/s     p50 µs   p99 µs', 'ops/s     p50 µs   p99 µs', 'ops/s'),
        $extra ? sprintf(" | %-27s", 'ops/s     p50 µs   p99 µs') : '', "\n";
    echo str_repeat('-', strlen($head)), "\n";
    $cell = fn($r) => sprintf("%8.0f %8.1f %8.1f", $r['ops'], $r['p50'], $r['p99']);
    foreach ($results as $name => $row) {
        $line = sprintf("%-18s | %-27s | %-27s | %6.2fx", $name, $cell($row[$ours]), $cell($row[$base]),
            $row[$ours]['ops'] / $row[$base]['ops']);
        if ($extra) {
            $line .= ' | ' . $cell($row[$extra]);
        }
        echo $line, "\n";
    }
}

foreach (['moodlecache' => 'MoodleCache\\RedisStore', 'redis' => 'Redis'] as $ext => $class) {
    if (!class_exists($class)) {
        fwrite(STDERR, "the $ext extension is not loaded\n");
        exit(1);
    }
}
$apcu = function_exists('apcu_enabled') && apcu_enabled();

$plain = [
    'moodlecache' => new MoodlecacheBench($server, 'none'),
    'phpredis (cachestore_redis)' => new CachestoreRedisStyleBench($host, $port, false),
];
if ($apcu) {
    $plain['APCu (local only)'] = new ApcuBench();
}
$compressed = [
    'moodlecache zstd' => new MoodlecacheBench($server, 'zstd'),
    'phpredis + gzip (cachestore_redis)' => new CachestoreRedisStyleBench($host, $port, true),
];

$info = (new Redis());
$info->connect($host, $port);
$version = $info->info('server')['redis_version'] ?? '?';
printf("Moodle cache workload: Redis %s at %s:%d, PHP %s, scale %.2f%s\n", $version, $host, $port, PHP_VERSION,
    $scale, isset($opts['note']) ? ", {$opts['note']}" : '');

$all = [];
$all['uncompressed'] = bench_run($plain, $scale);
bench_print('Without compression (ratio = moodlecache ops/s / phpredis ops/s):', $all['uncompressed'],
    'moodlecache', 'phpredis (cachestore_redis)', $apcu ? 'APCu (local only)' : null);
$all['compressed'] = bench_run($compressed, $scale);
bench_print('With compression (values >= 4 KB; cachestore_redis compresses every value):', $all['compressed'],
    'moodlecache zstd', 'phpredis + gzip (cachestore_redis)', null);

if (!empty($opts['memcached'])) {
    $servers = explode(',', $opts['memcached']);
    // cachestore_memcached's purge flushes the servers: it goes first, so its
    // flush at the start cannot empty our store after that was filled.
    $all['memcached'] = bench_run([
        'php-memcached (cachestore_memcached)' => new CachestoreMemcachedStyleBench($servers),
        'moodlecache memcached' => new MoodlecacheMemcachedBench($servers),
    ], $scale);
    bench_print(sprintf('Memcached, %d servers (both compress; cachestore_memcached purges by flushing every server):',
        count($servers)), $all['memcached'], 'moodlecache memcached', 'php-memcached (cachestore_memcached)', null);
}
if (!empty($opts['cluster'])) {
    $seeds = explode(',', $opts['cluster']);
    $all['cluster'] = bench_run([
        'moodlecache cluster' => new MoodlecacheClusterBench($seeds),
        'phpredis RedisCluster' => new CachestoreRedisClusterStyleBench($seeds),
    ], $scale);
    bench_print(sprintf('Redis Cluster, %d seeds (ratio = moodlecache ops/s / RedisCluster ops/s):', count($seeds)),
        $all['cluster'], 'moodlecache cluster', 'phpredis RedisCluster', null);
}

if (isset($opts['json'])) {
    file_put_contents($opts['json'], json_encode($all, JSON_PRETTY_PRINT));
}
