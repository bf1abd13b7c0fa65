--TEST--
FileLocks: bad options are ValueErrors naming the option
--SKIPIF--
<?php require __DIR__ . '/file_locks_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$dir = mc_locks_dir();
$bad = [
    ['mode' => 'nfs'], ['mode' => 1], ['max_open_files' => 0], ['max_open_files' => '8'],
    ['lease_ms' => 10], ['backoff_min_us' => 1000, 'backoff_max_us' => 10], ['verify_reuse' => 1],
    ['host' => ''], ['colour' => 'red'], [0 => 'x'],
];
foreach ($bad as $o) {
    try { new MoodleCache\FileLocks($dir, $o); echo "accepted\n"; } catch (ValueError $e) { echo $e->getMessage(), "\n"; }
}
$l = new MoodleCache\FileLocks($dir, ['mode' => 'lease', 'max_open_files' => 4, 'lease_ms' => 5000,
    'backoff_min_us' => 500, 'backoff_max_us' => 20000, 'verify_reuse' => false, 'owner_record' => true, 'host' => 'pod-1']);
var_dump($l->stats()['mode']);
var_dump((new MoodleCache\FileLocks($dir, ['mode' => 'ofd']))->stats()['mode']);
?>
--EXPECT--
MoodleCache\FileLocks option "mode" must be "auto", "ofd" or "lease", "nfs" given
MoodleCache\FileLocks option "mode" must be "auto", "ofd" or "lease"
MoodleCache\FileLocks option "max_open_files" must be between 1 and 1024
MoodleCache\FileLocks option "max_open_files" must be an int
MoodleCache\FileLocks option "lease_ms" must be between 100 and 86400000
MoodleCache\FileLocks option "backoff_max_us" must not be below "backoff_min_us"
MoodleCache\FileLocks option "verify_reuse" must be a bool
MoodleCache\FileLocks option "host" must be a non-empty string without NUL bytes
MoodleCache\FileLocks: unknown option "colour"
MoodleCache\FileLocks options must have string keys
string(5) "lease"
string(3) "ofd"
