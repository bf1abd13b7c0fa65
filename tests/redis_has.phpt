--TEST--
RedisStore: has, hasAny and hasAll
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store();
$s->setMany('d', ['a' => 1, 'b' => 2]);
var_dump($s->has('d', 'a'), $s->has('d', 'z'), $s->has('other', 'a'));
var_dump($s->hasAny('d', ['z', 'b']), $s->hasAny('d', ['y', 'z']), $s->hasAny('d', []));
var_dump($s->hasAll('d', ['a', 'b']), $s->hasAll('d', ['a', 'b', 'a']), $s->hasAll('d', ['a', 'z']), $s->hasAll('d', []));
$s->purgeAll();
?>
--EXPECT--
bool(true)
bool(false)
bool(false)
bool(true)
bool(false)
bool(false)
bool(true)
bool(true)
bool(false)
bool(true)
