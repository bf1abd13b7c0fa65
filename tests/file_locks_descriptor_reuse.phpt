--TEST--
FileLocks: lock-file descriptors outlive the object (as across PHP-FPM requests) and are reused
--SKIPIF--
<?php require __DIR__ . '/file_locks_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$dir = mc_locks_dir();
$first = new MoodleCache\FileLocks($dir);
$first->acquire('session');
$first->release('session');
var_dump($first->stats()['fds_opened']);
unset($first);                       // end of "request 1"
$next = new MoodleCache\FileLocks($dir);
var_dump($next->acquire('session'));
$s = $next->stats();
var_dump($s['fds_opened'], $s['fds_reused']);
// A pooled descriptor never shares a lock: another object still conflicts.
$other = new MoodleCache\FileLocks($dir);
var_dump($other->acquire('session'));
$next->release('session');
var_dump($other->acquire('session'));
?>
--EXPECT--
int(1)
bool(true)
int(0)
int(1)
bool(false)
bool(true)
