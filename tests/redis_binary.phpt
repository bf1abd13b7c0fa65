--TEST--
RedisStore: binary keys, definitions and values (NUL, CR LF, braces, high bytes)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store(['prefix' => "bin\0{x}"]);
$keys = ["a\0b", "line\r\nbreak", "{tag}", "\xff\xfe", '', ' ', str_repeat('k', 5000)];
$value = "\0\1\2\r\n\xff" . str_repeat("\0", 100);
foreach ($keys as $i => $k) {
    $s->set("def\0{}", $k, $value . $i);
}
$ok = true;
foreach ($keys as $i => $k) {
    $ok = $ok && $s->get("def\0{}", $k) === $value . $i;
}
var_dump($ok);
$many = $s->getMany("def\0{}", $keys);
var_dump(count($many), array_values($many) === array_map(fn($i) => $value . $i, array_keys($keys)));
$found = $s->findAll("def\0{}");
sort($found);
$expected = $keys;
sort($expected);
var_dump($found === $expected);
var_dump($s->hasAll("def\0{}", $keys));
var_dump($s->deleteMany("def\0{}", $keys));
var_dump($s->purgeAll());
?>
--EXPECT--
bool(true)
int(7)
bool(true)
bool(true)
bool(true)
int(7)
bool(true)
