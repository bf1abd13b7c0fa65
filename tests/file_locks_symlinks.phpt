--TEST--
FileLocks: a symbolic link planted where a key's subdirectory or lock file goes, or given as the lock directory, is never followed: a MoodleCache\Exception names it
--SKIPIF--
<?php require __DIR__ . '/file_locks_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$dir = mc_locks_dir();
$show = fn(Throwable $e) => str_replace($dir, 'DIR', $e->getMessage());
mkdir("$dir/locks");
mkdir("$dir/elsewhere");
symlink("$dir/locks", "$dir/link");
try { new MoodleCache\FileLocks("$dir/link"); } catch (MoodleCache\Exception $e) { echo $show($e), "\n"; }
foreach (['ofd', 'lease'] as $m) {
    $l = new MoodleCache\FileLocks("$dir/locks", ['mode' => $m]);
    // The key's 2-hex subdirectory replaced by a link to elsewhere.
    $sub = dirname($l->lockFile("sub-$m"));
    @rmdir($sub);
    symlink("$dir/elsewhere", $sub);
    try { $l->acquire("sub-$m"); echo "acquired\n"; } catch (MoodleCache\Exception $e) { echo "$m: ", preg_replace('~/[0-9a-f]{2}\b~', '/XX', $show($e)), "\n"; }
    unlink($sub);
    // The lock file itself a link to a file someone wants overwritten.
    $file = $l->lockFile("file-$m");
    @mkdir(dirname($file));
    symlink("$dir/elsewhere/victim", $file);
    try { $l->acquire("file-$m"); echo "acquired\n"; } catch (MoodleCache\Exception $e) { echo "$m: ", preg_replace('~/[0-9a-f]{2}/[0-9a-f]{64}~', '/XX/HASH', $show($e)), "\n"; }
}
var_dump(scandir("$dir/elsewhere"));
?>
--EXPECT--
moodlecache: lock directory DIR/link is a symbolic link: name the directory itself
ofd: moodlecache: lock directory DIR/locks is unusable: DIR/locks/XX is a symbolic link: locks never follow one below the lock directory (remove it)
ofd: moodlecache: lock directory DIR/locks is unusable: DIR/locks/XX/HASH.lck is a symbolic link: locks never follow one below the lock directory (remove it)
lease: moodlecache: lock directory DIR/locks is unusable: DIR/locks/XX is a symbolic link: locks never follow one below the lock directory (remove it)
lease: moodlecache: lock directory DIR/locks is unusable: DIR/locks/XX/HASH.lease is a symbolic link: locks never follow one below the lock directory (remove it)
array(2) {
  [0]=>
  string(1) "."
  [1]=>
  string(2) ".."
}
