--TEST--
FileLocks: locks a script leaves held (in a global, in a cycle) are released at request end
--SKIPIF--
<?php require __DIR__ . '/file_locks_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/file_locks.inc';
$dir = mc_locks_dir();
// Lease mode: nothing but our own release removes a lease file, so the
// child's exit alone would not free it.
$code = '$GLOBALS["keep"] = new MoodleCache\FileLocks($argv[1], ["mode" => "lease"]);
$GLOBALS["keep"]->acquire("global");
$o = new stdClass; $o->self = $o; $o->locks = new MoodleCache\FileLocks($argv[1], ["mode" => "lease"]);
$o->locks->acquire("cycle");
echo "held\n";';
// The child leaves a reference cycle for shutdown on purpose; under ASan
// (sanitizer runs) PHP's own unfreed cycle would be reported as a leak.
$asan = trim(getenv('ASAN_OPTIONS') . ':detect_leaks=0', ':');
passthru(sprintf('ASAN_OPTIONS=%s %s -n -d extension=%s -r %s %s', escapeshellarg($asan), escapeshellarg(PHP_BINARY), escapeshellarg(mc_test_module()),
    escapeshellarg($code), escapeshellarg($dir)));
$l = new MoodleCache\FileLocks($dir, ['mode' => 'lease']);
var_dump($l->isLocked('global'), $l->isLocked('cycle'));
exec('find ' . escapeshellarg($dir) . ' -name "*.lease" | wc -l', $out);
var_dump(trim($out[0]));
?>
--EXPECT--
held
bool(false)
bool(false)
string(1) "0"
