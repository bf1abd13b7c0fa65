--TEST--
RedisStore: zstd above the threshold only; frames are readable whatever the reader's settings
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$zstd = mc_test_store(['prefix' => 'comp', 'compression' => 'zstd', 'compression_threshold' => 1000, 'compression_level' => 3]);
$plain = mc_test_store(['prefix' => 'comp']);
$big = str_repeat('compressible text ', 1000);   // 18 KB
$small = str_repeat('x', 500);
$zstd->set('d', 'big', $big);
$zstd->set('d', 'small', $small);
$stored = strlen(mc_test_raw(['HGET', '{comp:d}', 'big']));
echo 'big stored in ', $stored < 2000 ? 'under 2000' : $stored, " bytes\n";
echo 'small stored in ', strlen(mc_test_raw(['HGET', '{comp:d}', 'small'])) - strlen($small), " bytes more than its text\n";
var_dump($plain->get('d', 'big') === $big, $zstd->get('d', 'big') === $big);
$plain->set('d', 'plainbig', $big);
echo 'written without compression: ', strlen(mc_test_raw(['HGET', '{comp:d}', 'plainbig'])) - strlen($big), " bytes more than its text\n";
var_dump($zstd->get('d', 'plainbig') === $big);
$incompressible = random_bytes(50000);
$zstd->set('d', 'random', $incompressible);
echo 'random data stored in ', strlen(mc_test_raw(['HGET', '{comp:d}', 'random'])) - 50000, " bytes more\n";
var_dump($plain->get('d', 'random') === $incompressible);
$zstd->purgeAll();
?>
--EXPECT--
big stored in under 2000 bytes
small stored in 28 bytes more than its text
bool(true)
bool(true)
written without compression: 28 bytes more than its text
bool(true)
random data stored in 28 bytes more
bool(true)
