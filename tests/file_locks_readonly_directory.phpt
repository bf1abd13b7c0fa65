--TEST--
FileLocks: a read-only lock directory is a clear MoodleCache\Exception (read-only bind mount, as root)
--SKIPIF--
<?php
require __DIR__ . '/file_locks_skipif.inc';
if (posix_geteuid() !== 0) die('skip needs root for a read-only bind mount (as another user chmod 0555 shows the same)');
if (getenv('MOODLECACHE_TEST_SANITIZER') === 'valgrind') die('skip under valgrind: --trace-children cannot run the setuid mount(8); the plain run covers it');
exec('command -v unshare', $o, $rc);
if ($rc !== 0) die('skip needs unshare(1)');
?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$dir = mc_locks_dir();
$code = 'try { new MoodleCache\FileLocks($argv[1]); echo "no error\n"; } catch (MoodleCache\Exception $e) { echo str_replace($argv[1], "DIR", $e->getMessage()), "\n"; }';
$cmd = sprintf('unshare -m --propagation private sh -c %s 2>&1',
    escapeshellarg(sprintf('mount --bind %1$s %1$s && mount -o remount,bind,ro %1$s && %2$s -n -d extension=%3$s -r %4$s %1$s',
        escapeshellarg($dir), escapeshellarg(PHP_BINARY), escapeshellarg(mc_test_module()), escapeshellarg($code))));
passthru($cmd);
?>
--EXPECT--
moodlecache: lock directory DIR is not writable: Read-only file system
