<?php
// Failover and resharding checks with figures, for tests/suites/45-memcached-cluster.sh.
//   php failover.php cluster-failover SEEDS DIR     kill -9 the master of the test definition mid-loop
//   php failover.php cluster-reshard SEEDS          read/write while slots move (run next to redis-cli reshard)
//   php failover.php memcached-failover SERVERS PIDFILE   kill -9 one memcached mid-loop, then restart it
// Prints one JSON line of figures; exits 1 when an answer was wrong (a value of
// another key, definition or prefix, an exception) or the store never recovered.
// Misses while a node is down are expected and counted, never asserted on time.

declare(strict_types=1);

[$self, $mode, $servers] = $argv + [null, null, null];
$seeds = explode(',', (string)$servers);
$warnings = 0;
set_error_handler(function (int $no, string $msg) use (&$warnings) {
    $warnings++;
    fwrite(STDERR, "warning: $msg\n");
    return true;
});

function make_store(string $mode, array $seeds, string $prefix): object
{
    if (str_starts_with($mode, 'memcached')) {
        return new MoodleCache\MemcachedStore(['servers' => $seeds, 'prefix' => $prefix,
            'connect_timeout' => 0.2, 'read_timeout' => 0.2]);
    }
    return new MoodleCache\RedisStore(['cluster' => true, 'servers' => $seeds, 'prefix' => $prefix,
        'connect_timeout' => 0.2, 'read_timeout' => 0.5]);
}

/** A value that says where it belongs, so a misrouted answer cannot pass. */
function tagged(string $prefix, string $def, string $key, int $seq): string
{
    return "$prefix|$def|$key|$seq";
}

/** false: a miss; true: right owner; string: what was wrong. */
function check($value, string $prefix, string $def, string $key, ?int $exact = null)
{
    if ($value === false) {
        return false;
    }
    if (!is_string($value) || !str_starts_with($value, "$prefix|$def|$key|")) {
        return 'foreign value ' . var_export($value, true) . " for $prefix $def $key";
    }
    if ($exact !== null && $value !== tagged($prefix, $def, $key, $exact)) {
        return "stale value $value for $prefix $def $key, expected seq $exact";
    }
    return true;
}

function now_ms(): float { return hrtime(true) / 1e6; }

function master_pidfile_of(string $dir, array $seeds, string $tag): string
{
    $port = (int)substr($seeds[0], strrpos($seeds[0], ':') + 1);
    $slot = (int)trim(shell_exec("redis-cli -p $port cluster keyslot " . escapeshellarg($tag)));
    foreach (explode("\n", trim(shell_exec("redis-cli -p $port cluster nodes"))) as $line) {
        $f = preg_split('/\s+/', $line);
        if (!str_contains($f[2], 'master') || str_contains($f[2], 'fail')) continue;
        foreach (array_slice($f, 8) as $range) {
            [$a, $b] = array_pad(explode('-', $range), 2, $range);
            if ($slot >= (int)$a && $slot <= (int)$b) {
                $p = substr($f[1], strrpos($f[1], ':') + 1, strpos($f[1], '@') - strrpos($f[1], ':') - 1);
                return "$dir/$p/redis.pid";
            }
        }
    }
    throw new RuntimeException("no master for slot $slot");
}

/** The kill/recover loop shared by both failover modes. */
function failover_loop(object $store, object $other, callable $kill, ?callable $restart): array
{
    $prefix = 'fo_';
    $def = 'fo';
    $keys = array_map(fn($i) => "k$i", range(0, 19));
    $last = [];
    $seq = 0;
    foreach ($keys as $k) {
        $store->set($def, $k, tagged($prefix, $def, $k, ++$seq));
        $last[$k] = $seq;
    }
    $other->set($def, 'k0', tagged('fo_other_', $def, 'k0', 1));   // same definition, another prefix
    $store->set('fo_neighbour', 'k0', tagged($prefix, 'fo_neighbour', 'k0', 1));
    $errors = [];
    $misses = 0;
    $ops = 0;
    $first_miss = $last_miss = null;
    $killed_at = null;
    $restarted = false;
    $ok_streak = 0;
    $start = now_ms();
    while (now_ms() - $start < 30000) {
        $t = now_ms();
        if ($killed_at === null && $t - $start > 300) {
            $kill();
            $killed_at = now_ms();
        }
        if ($restart && !$restarted && $killed_at !== null && $t - $killed_at > 1500) {
            $restart();
            $restarted = true;
        }
        $k = $keys[$ops % 20];
        $good = true;
        try {
            $seq++;
            if ($store->set($def, $k, tagged($prefix, $def, $k, $seq))) {
                $last[$k] = $seq;
            }
            $r = check($store->get($def, $k), $prefix, $def, $k);
            $many = $store->getMany($def, $keys);
            foreach ($keys as $kk) {
                $c = check($many[$kk] ?? 'absent', $prefix, $def, $kk);
                if (is_string($c)) $errors[] = $c;
                $good = $good && $c === true;
            }
            $n = check($store->get('fo_neighbour', 'k0'), $prefix, 'fo_neighbour', 'k0');
            if (is_string($n)) $errors[] = $n;
            if (is_string($r)) $errors[] = $r;
            $good = $good && $r === true;
        } catch (Throwable $e) {
            $errors[] = get_class($e) . ': ' . $e->getMessage();
            $good = false;
        }
        $ops++;
        if (!$good) {
            $misses++;
            $first_miss ??= now_ms();
            $last_miss = now_ms();
            $ok_streak = 0;
        } else {
            $ok_streak++;
        }
        if ($killed_at !== null && (!$restart || $restarted) && $ok_streak >= 200 && now_ms() - $killed_at > 1000) {
            break;
        }
        usleep(2000);
    }
    return [
        'iterations' => $ops,
        'iterations_with_misses' => $misses,
        'miss_window_ms' => $first_miss === null ? 0 : (int)round($last_miss - $first_miss),
        'first_miss_after_kill_ms' => $first_miss === null || $killed_at === null ? null : (int)round($first_miss - $killed_at),
        'errors' => count($errors),
        'error_samples' => array_slice($errors, 0, 3),
        'recovered' => $ok_streak >= 200,
    ];
}

switch ($mode) {
case 'cluster-failover':
    $dir = $argv[3];
    $store = make_store($mode, $seeds, 'fo_');
    $other = make_store($mode, $seeds, 'fo_other_');
    $pidfile = master_pidfile_of($dir, $seeds, '{fo_:fo}');
    $result = failover_loop($store, $other, function () use ($pidfile) {
        posix_kill((int)file_get_contents($pidfile), 9);
    }, null);
    $result += ['killed' => basename(dirname($pidfile)), 'stats' => array_intersect_key($store->stats(),
        array_flip(['errors', 'reconnects', 'cluster_refreshes', 'cluster_moved']))];
    break;
case 'memcached-failover':
    $pidfile = $argv[3];
    $store = make_store($mode, $seeds, 'fo_');
    $other = make_store($mode, $seeds, 'fo_other_');
    $cmdline = file_get_contents('/proc/' . (int)file_get_contents($pidfile) . '/cmdline');
    $result = failover_loop($store, $other, function () use ($pidfile) {
        posix_kill((int)file_get_contents($pidfile), 9);
        usleep(50000);
    }, function () use ($cmdline) {
        exec(implode(' ', array_map('escapeshellarg', explode("\0", rtrim($cmdline, "\0")))), $out, $rc);
    });
    $result += ['stats' => array_intersect_key($store->stats(), array_flip(['errors', 'round_trips']))];
    break;
case 'cluster-reshard':
    // Reads and writes many definitions (spread over all slots) until the file
    // named by argv[3] appears; every answer must be exactly the last write.
    $stopfile = $argv[3];
    $store = make_store($mode, $seeds, 're_');
    $defs = array_map(fn($i) => "def$i", range(0, 99));
    $last = [];
    $errors = [];
    $misses = 0;
    $ops = 0;
    $seq = 0;
    $start = now_ms();
    foreach ($defs as $d) {
        $store->set($d, 'k', tagged('re_', $d, 'k', ++$seq));
        $last[$d] = $seq;
    }
    while (!file_exists($stopfile) && now_ms() - $start < 240000) {
        $d = $defs[$ops % 100];
        try {
            if ($ops % 3 === 0) {
                $store->set($d, 'k', tagged('re_', $d, 'k', ++$seq)) ? $last[$d] = $seq : $misses++;
            }
            $c = check($store->get($d, 'k'), 're_', $d, 'k', $last[$d]);
            $many = $store->getMany($d, ['k', 'absent']);
            $m = check($many['k'], 're_', $d, 'k', $last[$d]);
            foreach ([$c, $m] as $x) {
                if (is_string($x)) $errors[] = $x;
                if ($x === false) $misses++;
            }
            if ($many['absent'] !== false) $errors[] = 'absent key answered';
        } catch (Throwable $e) {
            $errors[] = get_class($e) . ': ' . $e->getMessage();
        }
        $ops++;
    }
    $st = $store->stats();
    $result = ['iterations' => $ops, 'misses' => $misses, 'errors' => count($errors),
        'error_samples' => array_slice($errors, 0, 3), 'recovered' => true,
        'moved' => $st['cluster_moved'], 'ask' => $st['cluster_ask'], 'tryagain' => $st['cluster_tryagain'],
        'refreshes' => $st['cluster_refreshes']];
    break;
default:
    fwrite(STDERR, "usage: php failover.php cluster-failover|cluster-reshard|memcached-failover ...\n");
    exit(2);
}
$result['warnings'] = $warnings;
echo json_encode(['mode' => $mode] + $result), "\n";
exit($result['errors'] === 0 && $result['recovered'] ? 0 : 1);
