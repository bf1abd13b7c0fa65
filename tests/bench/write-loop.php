<?php
// One measurement of tests/bench/write-cost.sh: N forked writers call
// RedisStore::set() with one value for S seconds and report, as one JSON
// line, the writes done and the CPU time spent by the writers' own threads
// and by the other threads of their processes (the near-cache listener,
// which runs in whichever writer won its election), how many writes
// found the near cache trusted (a starved listener falls behind and the
// near cache is then distrusted: writes skip it), and how many were
// announced quietly (on the node's own channel, src/quiet.h).
//
//   php write-loop.php --port P --procs N --seconds S --near 0|1 [--value-bytes B] [--listener-nice N]
//
// --listener-nice: the nice value given to the listener thread after the
// warm-up (negative values need root), to keep it fed where the writers
// would starve it.
declare(strict_types=1);

$opt = getopt('', ['port:', 'procs:', 'seconds:', 'near:', 'value-bytes:', 'listener-nice:']);
foreach (['port', 'procs', 'seconds', 'near'] as $name) {
    if (!isset($opt[$name]) || !is_numeric($opt[$name])) {
        fwrite(STDERR, "write-loop.php: --$name needs a number\n");
        exit(2);
    }
}
$port = (int)$opt['port'];
$procs = max(1, (int)$opt['procs']);
$seconds = (float)$opt['seconds'];
$near = (bool)(int)$opt['near'];
$bytes = max(1, (int)($opt['value-bytes'] ?? 1024));
$value = array_fill(0, max(1, intdiv($bytes, 34)), str_repeat('x', 20));   // ~34 bytes each, serialized
$listenernice = $opt['listener-nice'] ?? null;
if ($listenernice !== null && !preg_match('/^-?[0-9]+$/', (string)$listenernice)) {
    fwrite(STDERR, "write-loop.php: --listener-nice needs a whole number, not '$listenernice'\n");
    exit(2);
}

/** Gives this process's listener thread, if it runs here, the nice value. */
function renice_listener(int $nice): void
{
    foreach (glob('/proc/self/task/*/comm') ?: [] as $file) {
        if (trim((string)@file_get_contents($file)) === 'mc-listener') {
            $tid = (int)basename(dirname($file));
            if (!pcntl_setpriority($nice, $tid)) {
                fwrite(STDERR, "write-loop.php: cannot give the listener thread nice $nice\n");
                exit(1);
            }
            return;
        }
    }
}

/** CPU seconds of this process's threads: [its main thread, all the others]. */
function thread_cpu(): array
{
    $hz = 100;  // USER_HZ, what /proc reports in
    $main = $other = 0.0;
    foreach (glob('/proc/self/task/*/stat') ?: [] as $file) {
        $stat = @file_get_contents($file);
        if ($stat === false) {
            continue;       // a thread that just ended
        }
        // fields after the ")" of the name: utime and stime are the 12th and 13th
        $fields = explode(' ', substr($stat, strrpos($stat, ')') + 2));
        $cpu = ((int)$fields[11] + (int)$fields[12]) / $hz;
        if ((int)basename(dirname($file)) === getmypid()) {
            $main += $cpu;
        } else {
            $other += $cpu;
        }
    }
    return [$main, $other];
}

$dir = sys_get_temp_dir() . '/write-loop.' . getmypid();
if (!mkdir($dir, 0700)) {
    fwrite(STDERR, "write-loop.php: cannot make $dir\n");
    exit(1);
}
$children = [];
for ($p = 0; $p < $procs; $p++) {
    $pid = pcntl_fork();
    if ($pid < 0) {
        fwrite(STDERR, "write-loop.php: fork failed\n");
        exit(1);
    }
    if ($pid === 0) {
        $store = new \MoodleCache\RedisStore(['server' => "tcp://127.0.0.1:$port", 'prefix' => 'writecost',
            'near_cache' => $near]);
        $store->set('bench/def', 'warm', 1);
        usleep(1000000);    // the listener subscribed, trusted, and has proved its node's own channel
        if ($listenernice !== null) {
            renice_listener((int)$listenernice);
        }
        [$main0, $other0] = thread_cpu();
        $quiet0 = $store->stats()['near_quiet_announcements'] ?? 0;
        $end = hrtime(true) + (int)($seconds * 1e9);
        $n = $failed = 0;
        while (hrtime(true) < $end) {
            $store->set('bench/def', 'k' . mt_rand(0, 999), $value) ? $n++ : $failed++;
        }
        [$main1, $other1] = thread_cpu();
        // The writers never read, so every write made while the near cache was trusted is a write-around;
        // the warm-up write above counts too when it was trusted.
        $trusted = max(0, ($store->stats()['near_write_arounds'] ?? 0) - 1);
        $quiet = ($store->stats()['near_quiet_announcements'] ?? 0) - $quiet0;
        file_put_contents("$dir/$p", json_encode(['writes' => $n, 'failed' => $failed,
            'writer_cpu' => $main1 - $main0, 'other_cpu' => $other1 - $other0, 'trusted_writes' => $trusted,
            'quiet_writes' => $quiet]));
        exit(0);
    }
    $children[] = $pid;
}
$ok = true;
foreach ($children as $pid) {
    pcntl_waitpid($pid, $status);
    $ok = $ok && pcntl_wifexited($status) && pcntl_wexitstatus($status) === 0;
}
$sum = ['writes' => 0, 'failed' => 0, 'writer_cpu' => 0.0, 'other_cpu' => 0.0, 'trusted_writes' => 0, 'quiet_writes' => 0];
foreach (glob("$dir/*") ?: [] as $file) {
    foreach (json_decode((string)file_get_contents($file), true) ?: [] as $k => $v) {
        $sum[$k] += $v;
    }
    unlink($file);
}
rmdir($dir);
if (!$ok || $sum['writes'] === 0) {
    fwrite(STDERR, "write-loop.php: a writer failed ({$sum['writes']} writes, {$sum['failed']} failed)\n");
    exit(1);
}
echo json_encode(['near' => $near, 'procs' => $procs, 'seconds' => $seconds] + $sum), "\n";
