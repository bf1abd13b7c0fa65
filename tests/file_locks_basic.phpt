--TEST--
FileLocks: acquire, isLocked, holds, owner record, release, stats
--SKIPIF--
<?php require __DIR__ . '/file_locks_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$dir = mc_locks_dir();
$a = new MoodleCache\FileLocks($dir);
$b = new MoodleCache\FileLocks($dir);
var_dump($b->isLocked('task'), $b->owner('task'));
var_dump($a->acquire('task'));
var_dump($a->holds('task'), $b->holds('task'), $b->isLocked('task'));
$o = $b->owner('task');
var_dump($o['pid'] === getmypid(), $o['host'] === gethostname(), strlen($o['boot_id']) === 36,
    abs($o['acquired_at'] - microtime(true)) < 60, $o['key'], $o['generation']);
var_dump($b->release('task'), $a->release('task'), $a->release('task'));
var_dump($b->isLocked('task'), $b->owner('task'), $b->acquire('task'));
$s = $b->stats();
var_dump($s['mode'], $s['held'], $s['acquired'], $s['directory'] === $dir, is_bool($s['nfs']), is_string($s['filesystem']));
var_dump(str_starts_with($a->lockFile('task'), $dir . '/'), (new ReflectionClass($a))->isFinal());
try { clone $a; } catch (Error $e) { echo get_class($e), "\n"; }
try { serialize($a); } catch (Exception $e) { echo $e->getMessage(), "\n"; }
?>
--EXPECT--
bool(false)
NULL
bool(true)
bool(true)
bool(false)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
string(4) "task"
int(1)
bool(false)
bool(true)
bool(false)
bool(false)
NULL
bool(true)
string(3) "ofd"
int(1)
int(1)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
Error
Serialization of 'MoodleCache\FileLocks' is not allowed
