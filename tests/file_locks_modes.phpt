--TEST--
FileLocks: lock files 0600 and directories 0700 whatever the umask; with the group option 0660 and 02770 owned by it; a bad group is a ValueError naming the option
--SKIPIF--
<?php require __DIR__ . '/file_locks_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$mode = function (string $path): string { clearstatcache(); return sprintf('%o', fileperms($path) & 07777); };
umask(0);
foreach (['ofd', 'lease'] as $m) {
    $dir = mc_locks_dir();
    $l = new MoodleCache\FileLocks($dir, ['mode' => $m]);
    $l->acquire('k');
    echo "$m: file ", $mode($l->lockFile('k')), ", directory ", $mode(dirname($l->lockFile('k'))), "\n";
}
umask(077);
$gid = posix_getegid();
foreach (['ofd' => $gid, 'lease' => posix_getgrgid($gid)['name']] as $m => $group) {
    $dir = mc_locks_dir();
    $l = new MoodleCache\FileLocks($dir, ['mode' => $m, 'group' => $group]);
    $l->acquire('k');
    $f = $l->lockFile('k');
    echo "$m, group ", gettype($group), ": file ", $mode($f), ", directory ", $mode(dirname($f)),
        ", owned by the group: ", var_export(filegroup($f) === $gid && filegroup(dirname($f)) === $gid, true), "\n";
}
foreach (['no-such-group-for-phpt', '', -1, 1.5, ['x']] as $bad) {
    try { new MoodleCache\FileLocks($dir, ['group' => $bad]); echo "accepted\n"; } catch (ValueError $e) { echo $e->getMessage(), "\n"; }
}
?>
--EXPECT--
ofd: file 600, directory 700
lease: file 600, directory 700
ofd, group integer: file 660, directory 2770, owned by the group: true
lease, group string: file 660, directory 2770, owned by the group: true
MoodleCache\FileLocks option "group": no group named "no-such-group-for-phpt"
MoodleCache\FileLocks option "group" must be a group name or a group id (int, 0 or more)
MoodleCache\FileLocks option "group" must be a group name or a group id (int, 0 or more)
MoodleCache\FileLocks option "group" must be a group name or a group id (int, 0 or more)
MoodleCache\FileLocks option "group" must be a group name or a group id (int, 0 or more)
