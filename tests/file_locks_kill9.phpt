--TEST--
FileLocks: kill -9 of the holder frees its lock at once (OFD mode) and at once on the same host (lease mode)
--SKIPIF--
<?php require __DIR__ . '/file_locks_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$dir = mc_locks_dir();
foreach (['ofd', 'lease'] as $mode) {
    [$pid, $ch] = mc_locks_fork(function ($ch) use ($dir, $mode) {
        $c = new MoodleCache\FileLocks($dir, ['mode' => $mode, 'lease_ms' => 60000]);
        fwrite($ch, ($c->acquire('cron') ? 'held' : 'not held') . "\n");
        sleep(60);
        return 0;
    });
    echo "$mode: ", mc_locks_read_line($ch), "\n";
    $a = new MoodleCache\FileLocks($dir, ['mode' => $mode, 'lease_ms' => 60000]);
    var_dump($a->acquire('cron'));
    var_dump($a->owner('cron')['pid'] === $pid);
    posix_kill($pid, SIGKILL);
    pcntl_waitpid($pid, $status);
    $t = microtime(true);
    var_dump($a->acquire('cron', 10));
    // Recovery well under the 60 s lease: the dead pid is detected.
    echo microtime(true) - $t < 10 ? "recovered\n" : "too slow\n";
    $a->release('cron');
}
?>
--EXPECT--
ofd: held
bool(false)
bool(true)
bool(true)
recovered
lease: held
bool(false)
bool(true)
bool(true)
recovered
