--TEST--
FileLocks: a held key cannot be acquired again, by the same or another object
--SKIPIF--
<?php require __DIR__ . '/file_locks_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$dir = mc_locks_dir();
foreach (['ofd', 'lease'] as $mode) {
    $a = new MoodleCache\FileLocks($dir, ['mode' => $mode]);
    $b = new MoodleCache\FileLocks($dir, ['mode' => $mode]);
    echo "$mode: ";
    var_dump($a->acquire('k'), $a->acquire('k'), $b->acquire('k'), $a->release('k'), $b->acquire('k'));
    $b->release('k');
}
?>
--EXPECT--
ofd: bool(true)
bool(false)
bool(false)
bool(true)
bool(true)
lease: bool(true)
bool(false)
bool(false)
bool(true)
bool(true)
