--TEST--
FileLocks: acquire waits up to its timeout, and a waiter gets the lock once it is released
--SKIPIF--
<?php require __DIR__ . '/file_locks_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$dir = mc_locks_dir();
$a = new MoodleCache\FileLocks($dir);
$b = new MoodleCache\FileLocks($dir);
$a->acquire('t');
$t = microtime(true);
var_dump($b->acquire('t', 0.25));
$waited = microtime(true) - $t;
echo $waited >= 0.25 ? "waited the timeout\n" : "returned early after $waited s\n";
$s = $b->stats();
echo $s['attempts'] > 2 && $s['attempts'] < 250 ? "backoff\n" : "attempts: {$s['attempts']}\n";
var_dump($s['timeouts']);
try { $b->acquire('t', -1); } catch (ValueError $e) { echo $e->getMessage(), "\n"; }
try { $b->acquire('t', INF); } catch (ValueError $e) { echo $e->getMessage(), "\n"; }
// A waiter in another process gets the lock when it is released.
[$pid, $ch] = mc_locks_fork(function ($ch) use ($dir) {
    $c = new MoodleCache\FileLocks($dir);
    fwrite($ch, "waiting\n");
    fwrite($ch, ($c->acquire('t', 20) ? 'acquired' : 'timed out') . "\n");
    return 0;
});
echo mc_locks_read_line($ch), "\n";
usleep(200000);
$a->release('t');
echo mc_locks_read_line($ch, 20), "\n";
pcntl_waitpid($pid, $status);
?>
--EXPECT--
bool(false)
waited the timeout
backoff
int(1)
MoodleCache\FileLocks::acquire(): Argument #2 ($timeout) must be a finite number of seconds, 0 or more
MoodleCache\FileLocks::acquire(): Argument #2 ($timeout) must be a finite number of seconds, 0 or more
waiting
acquired
