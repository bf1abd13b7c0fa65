--TEST--
FileLocks: a missing directory, a file, or a directory removed later give a clear MoodleCache\Exception
--SKIPIF--
<?php require __DIR__ . '/file_locks_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$dir = mc_locks_dir();
try { new MoodleCache\FileLocks("$dir/missing"); } catch (MoodleCache\Exception $e) { echo str_replace($dir, 'DIR', $e->getMessage()), "\n"; }
touch("$dir/file");
try { new MoodleCache\FileLocks("$dir/file"); } catch (MoodleCache\Exception $e) { echo str_replace($dir, 'DIR', $e->getMessage()), "\n"; }
try { new MoodleCache\FileLocks(''); } catch (ValueError $e) { echo $e->getMessage(), "\n"; }
mkdir("$dir/gone");
$l = new MoodleCache\FileLocks("$dir/gone");
exec("rm -rf " . escapeshellarg("$dir/gone"));
try { $l->acquire('k'); } catch (MoodleCache\Exception $e) { echo str_replace($dir, 'DIR', $e->getMessage()), "\n"; }
?>
--EXPECTF--
moodlecache: lock directory DIR/missing: No such file or directory
moodlecache: lock directory DIR/file: not a directory
MoodleCache\FileLocks::__construct(): Argument #1 ($directory) must not be empty
moodlecache: lock directory DIR/gone is unusable: mkdir: No such file or directory: DIR/gone/%s
