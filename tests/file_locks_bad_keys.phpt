--TEST--
FileLocks: any bytes make a key, no key escapes the directory; empty and oversized keys are ValueErrors
--SKIPIF--
<?php require __DIR__ . '/file_locks_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$dir = mc_locks_dir();
$l = new MoodleCache\FileLocks($dir);
$keys = ['../../etc/passwd', "/abs", "a\0b", "a\0c", "\xff\xfe\n", str_repeat('k', 4096), '.', '..'];
foreach ($keys as $k) {
    $f = $l->lockFile($k);
    if (!str_starts_with($f, $dir . '/') || str_contains(substr($f, strlen($dir)), '..')) {
        echo "escapes: $f\n";
    }
    if (!$l->acquire($k)) {
        echo "not acquired: ", bin2hex($k), "\n";
    }
}
var_dump($l->stats()['held']);
var_dump($l->owner("a\0b")['key'], $l->owner("\xff\xfe\n")['key']);
exec('find ' . escapeshellarg($dir) . ' -type f -name "*.lck" | wc -l', $out);
echo trim($out[0]) >= 8 ? "8 lock files\n" : "lock files: $out[0]\n";
foreach (['', str_repeat('k', 4097)] as $bad) {
    try { $l->acquire($bad); } catch (ValueError $e) { echo $e->getMessage(), "\n"; }
}
try { $l->isLocked(''); } catch (ValueError $e) { echo $e->getMessage(), "\n"; }
?>
--EXPECT--
int(8)
string(5) "a%00b"
string(9) "%FF%FE%0A"
8 lock files
MoodleCache\FileLocks::acquire(): Argument #1 ($key) must not be empty
MoodleCache\FileLocks::acquire(): Argument #1 ($key) must be at most 4096 bytes long
MoodleCache\FileLocks::isLocked(): Argument #1 ($key) must not be empty
