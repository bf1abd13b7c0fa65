<?php
// One "node" of the near-cache coherence stress test: this process is the
// node (its shared memory is made at start-up), its workers are forked
// children sharing it, as PHP-FPM workers would.
//
//   php -d extension=moodlecache.so node.php (--port P | --cluster SEEDS) --prefix X
//       --name A --writers N --readers M --keys K --key-offset O --seconds S
//       [--chaos-ms T] --result FILE
//
// Writers own keys O..O+N*? (key i belongs to writer i % N): each writes
// "k<i>:<version>:..." with increasing versions and, after set() returned
// true, records the version in a "published" store (no near cache).
// Readers check the coherence rule: read published version n of a key
// (a set that has returned), apply pending invalidations (nearCacheSync),
// read the key: the value must be version >= n (an older one served by
// Redis itself, not by the near cache, is Redis losing a write - a restart
// or a failover - and counted apart).  Between checks they read
// random keys at full speed (near hits, fills racing with writes) and check
// each value's shape.  With --chaos-ms, the node kill -9s a random worker
// every T ms (the listener's worker included) and starts a new one.
declare(strict_types=1);

$o = getopt('', ['port:', 'cluster:', 'prefix:', 'name:', 'writers:', 'readers:', 'keys:', 'key-offset:', 'seconds:',
    'chaos-ms:', 'result:']);
$port = (int)($o['port'] ?? 0);
$seeds = isset($o['cluster']) ? explode(',', $o['cluster']) : null;
$prefix = $o['prefix'];
$name = $o['name'];
$writers = (int)$o['writers'];
$readers = (int)$o['readers'];
$keys = (int)$o['keys'];
$offset = (int)$o['key-offset'];
$deadline = microtime(true) + (float)$o['seconds'];
$chaos = isset($o['chaos-ms']) ? (int)$o['chaos-ms'] : 0;
$result = $o['result'];
$server = $seeds ?? "tcp://127.0.0.1:$port";
$tmp = $result . '.d';
@mkdir($tmp);

/** $server: "tcp://host:port", or the seeds of a cluster. */
function store(string|array $server, string $prefix, bool $near): MoodleCache\RedisStore
{
    $where = is_array($server) ? ['cluster' => true, 'servers' => $server] : ['server' => $server];
    return new MoodleCache\RedisStore($where + ['prefix' => $prefix, 'near_cache' => $near,
        'read_timeout' => 2.0, 'connect_timeout' => 0.5]);
}

function value_of(int $k, int $v): string
{
    return "k$k:$v:" . str_repeat(chr(65 + ($k + $v) % 26), ($k * 37 + $v) % 1500);
}

/** version of a value of key k, or -1 if it is not a value of k at all. */
function version_of(mixed $value, int $k): int
{
    if (!is_string($value) || !preg_match('/^k(\d+):(\d+):/', $value, $m) || (int)$m[1] !== $k) {
        return -1;
    }
    return $value === value_of($k, (int)$m[2]) ? (int)$m[2] : -1;
}

function writer(int $id, array $ctx): array
{
    [$server, $prefix, $deadline, $writers, $keys, $offset] = $ctx;
    $s = store($server, $prefix, true);
    $pub = store($server, $prefix . 'pub_', false);
    $mine = [];
    for ($k = $offset; $k < $offset + $keys; $k++) {
        if ($k % $writers === $id) $mine[] = $k;
    }
    // versions continue from what was published (a replaced worker goes on)
    $version = (int)(microtime(true) * 1000) * 1000;
    $writes = 0;
    while (microtime(true) < $deadline) {
        $k = $mine[array_rand($mine)];
        $version++;
        if (@$s->set('d', "k$k", value_of($k, $version))) {
            @$pub->set('d', "k$k", $version);
            $writes++;
        }
    }
    $st = $s->stats();
    return ['writes' => $writes, 'quiet' => $st['near_quiet_announcements'], 'reannounced' => $st['near_reannouncements']];
}

function reader(int $id, array $ctx): array
{
    [$server, $prefix, $deadline, , $keys, , $allkeys] = $ctx;
    $s = store($server, $prefix, true);
    $pub = store($server, $prefix . 'pub_', false);
    $raw = store($server, $prefix, false);     // Redis itself, for the diagnosis of a stale read
    $checked = $stale = $unsynced_stale = $lost = $older = $bad = $reads = $synced = 0;
    $examples = [];
    while (microtime(true) < $deadline) {
        // the rule
        $k = random_int(0, $allkeys - 1);
        $n = @$pub->get('d', "k$k");
        if ($n !== false) {
            $sync = $s->nearCacheSync(2.0);
            $synced += $sync ? 1 : 0;
            $before = $s->stats();
            $read = @$s->get('d', "k$k");
            $after = $s->stats();
            $near = $after['near_hits'] > $before['near_hits'];
            // "absent" from the near cache, after a set that returned, is a stale read too
            $near_absent = $after['near_absent_hits'] > $before['near_absent_hits'];
            $v = version_of($read, $k);
            $checked++;
            if ($read === false && $near_absent) {
                if ($sync) {
                    $stale++;
                    if ($stale <= 3) $examples[] = sprintf("k$k: near cache said absent after set of $n had returned (at %.3f)", microtime(true));
                } else {
                    $unsynced_stale++;
                }
            } elseif ($read === false) {
                // not staleness: the data is gone (a Redis restart loses it)
                $lost++;
                if ($lost <= 3) $examples[] = sprintf("k$k: a miss after set of $n had returned (at %.3f)", microtime(true));
            } elseif ($v < (int)$n && !$near) {
                // Redis itself answered with the older value: it lost the write
                $older++;
                if ($older <= 3) $examples[] = "k$k: Redis answered version $v after set of $n had returned";
            } elseif ($v < (int)$n && !$sync) {
                // the sync failed (its poke could not be sent, or trust did not
                // return in time): the rule promises nothing for this read
                $unsynced_stale++;
                if ($unsynced_stale <= 3) $examples[] = sprintf("k$k: (no sync) near cache served version $v after set of $n had returned (at %.3f)", microtime(true));
            } elseif ($v < (int)$n) {
                $stale++;
                // the first few of each kind: misses must not hide the stale reads
                if ($stale <= 3) {
                    // what Redis held right after: newer (the near cache missed an invalidation)
                    // or the same older value (Redis lost the write, a failover)
                    $t = microtime(true);
                    $held = @$raw->get('d', "k$k");
                    $examples[] = sprintf("k$k: near cache served version $v after set of $n had returned (at %.3f); "
                        . "Redis held %s right after", $t, $held === false ? 'nothing' : 'version ' . version_of($held, $k));
                }
            }
        }
        // load: repeated reads, near hits and fills racing with writes
        for ($i = 0; $i < 30; $i++) {
            $k = random_int(0, min($allkeys, 40) - 1);
            $value = @$s->get('d', "k$k");
            $reads++;
            if ($value !== false && version_of($value, $k) < 0) {
                $bad++;
                if (count($examples) < 5) $examples[] = "k$k: malformed value";
            }
        }
    }
    $st = $s->stats();
    return ['checked' => $checked, 'stale' => $stale, 'unsynced_stale' => $unsynced_stale, 'lost' => $lost, 'older' => $older, 'bad' => $bad, 'reads' => $reads, 'synced' => $synced,
        'near_hits' => $st['near_hits'], 'near_absent_hits' => $st['near_absent_hits'], 'near_fills' => $st['near_fills'],
        'near_fill_drops' => $st['near_fill_drops'], 'examples' => $examples];
}

$ctx = [$server, $prefix, $deadline, $writers, $keys, $offset, 2 * $keys];
$children = [];      // pid => [role, slot]; a replaced worker keeps its slot (its keys)
$spawn = function (string $role, int $slot) use (&$children, $ctx, $tmp): void {
    $pid = pcntl_fork();
    if ($pid === 0) {
        $r = $role === 'writer' ? writer($slot, $ctx) : reader($slot, $ctx);
        file_put_contents("$tmp/$role-$slot-" . getmypid() . ".json", json_encode($r));
        exit(0);
    }
    $children[$pid] = [$role, $slot];
};
for ($i = 0; $i < $writers; $i++) $spawn('writer', $i);
for ($i = 0; $i < $readers; $i++) $spawn('reader', $i);

$kills = 0;
while (microtime(true) < $deadline - 0.5 && $chaos > 0) {
    usleep($chaos * 1000);
    $pids = array_keys($children);
    $victim = $pids[array_rand($pids)];
    posix_kill($victim, SIGKILL);
    pcntl_waitpid($victim, $status);
    [$role, $slot] = $children[$victim];
    unset($children[$victim]);
    $kills++;
    $spawn($role, $slot);
}
foreach (array_keys($children) as $pid) {
    pcntl_waitpid($pid, $status);
}
$total = ['node' => $name, 'kills' => $kills, 'writes' => 0, 'checked' => 0, 'stale' => 0, 'unsynced_stale' => 0, 'lost' => 0, 'older' => 0, 'bad' => 0,
    'reads' => 0, 'synced' => 0, 'near_hits' => 0, 'near_absent_hits' => 0, 'near_fills' => 0, 'near_fill_drops' => 0,
    'quiet' => 0, 'reannounced' => 0, 'examples' => []];
foreach (glob("$tmp/*.json") as $f) {
    foreach (json_decode(file_get_contents($f), true) as $k => $v) {
        $total[$k] = is_array($v) ? array_merge($total[$k], $v) : $total[$k] + $v;
    }
    unlink($f);
}
rmdir($tmp);
// the node still works: its near cache is trusted again and serves hits
$s = store($server, $prefix, true);
$total['trusted_at_end'] = $s->nearCacheSync(5.0);
// a key of its own (k0 may be gone after a restart, and "absent" is not a value),
// read before it is written as Moodle does, so the write installs it (a key
// written around would be filled by a read, and in a cluster the copies of
// its announcement still arriving through the other masters drop such fills)
$s->get('d', "end-$name");
$s->set('d', "end-$name", 'v');
$s->nearCacheSync(5.0);
$s->get('d', "end-$name");
$s->get('d', "end-$name");
$end = $s->stats();
$total['hit_at_end'] = $end['near_hits'] > 0;
$total['end_state'] = sprintf('trusted %s, near hits %d, fills %d, fill drops %d, error %s',
    var_export($end['near_trusted'], true), $end['near_hits'], $end['near_fills'], $end['near_fill_drops'],
    var_export($end['near_error'] ?? null, true));
file_put_contents($result, json_encode($total));
