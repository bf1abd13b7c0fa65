--TEST--
FileLocks: releasing a lock that was lost (forced away in lease mode) is false with a warning
--SKIPIF--
<?php require __DIR__ . '/file_locks_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$dir = mc_locks_dir();
$h = new MoodleCache\FileLocks($dir, ['mode' => 'lease']);
$adm = new MoodleCache\FileLocks($dir, ['mode' => 'lease']);
var_dump($h->acquire('x'), $adm->forceRelease('x'));
var_dump($h->release('x'));
var_dump($h->stats()['lost'], $h->holds('x'), $h->acquire('x'));
?>
--EXPECTF--
bool(true)
bool(true)

Warning: MoodleCache\FileLocks::release(): moodlecache: lock was lost before its release (NFS lease loss or forced release) in %s in %s on line %d
bool(false)
int(1)
bool(false)
bool(true)
