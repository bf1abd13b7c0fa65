--TEST--
FileLocks lease mode: a holder on another node that dies loses its lock when the lease expires, and not before
--SKIPIF--
<?php require __DIR__ . '/file_locks_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$dir = mc_locks_dir();
$opts = ['mode' => 'lease', 'lease_ms' => 400];
// A live holder on "node-b" renews its lease: it keeps the lock.
[$pid, $ch] = mc_locks_fork(function ($ch) use ($dir, $opts) {
    $c = new MoodleCache\FileLocks($dir, $opts + ['host' => 'node-b']);
    fwrite($ch, ($c->acquire('job') ? 'held' : 'not held') . "\n");
    sleep(60);
    return 0;
});
echo mc_locks_read_line($ch), "\n";
$a = new MoodleCache\FileLocks($dir, $opts);
var_dump($a->acquire('job', 1.6));   // four leases
$o = $a->owner('job');
var_dump($o['host'], $o['expires_at'] > $o['acquired_at']);
// The node dies: the lock goes within about two leases.
posix_kill($pid, SIGKILL);
pcntl_waitpid($pid, $status);
var_dump($a->acquire('job', 10));
var_dump($a->stats()['stale_taken']);
?>
--EXPECT--
held
bool(false)
string(6) "node-b"
bool(true)
bool(true)
int(1)
