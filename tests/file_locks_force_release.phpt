--TEST--
FileLocks: forceRelease breaks another process's lock; the old holder learns it lost the lock
--SKIPIF--
<?php require __DIR__ . '/file_locks_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$dir = mc_locks_dir();
foreach (['ofd', 'lease'] as $mode) {
    echo "$mode\n";
    $holder = new MoodleCache\FileLocks($dir, ['mode' => $mode]);
    $admin = new MoodleCache\FileLocks($dir, ['mode' => $mode]);
    $next = new MoodleCache\FileLocks($dir, ['mode' => $mode]);
    var_dump($admin->forceRelease('stuck'));
    var_dump($holder->acquire('stuck'));
    var_dump($admin->forceRelease('stuck'));
    var_dump($next->acquire('stuck'));
    // The old holder cannot take the lock back while $next holds it.
    $r = @$holder->release('stuck');
    var_dump($holder->acquire('stuck'));
    var_dump($next->release('stuck'), $holder->acquire('stuck'), $holder->forceRelease('stuck'), $holder->holds('stuck'));
}
?>
--EXPECT--
ofd
bool(false)
bool(true)
bool(true)
bool(true)
bool(false)
bool(true)
bool(true)
bool(true)
bool(false)
lease
bool(false)
bool(true)
bool(true)
bool(true)
bool(false)
bool(true)
bool(true)
bool(true)
bool(false)
