--TEST--
RedisStore: delete and deleteMany remove only the named keys and report what they removed
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store();
$s->setMany('d', ['a' => 1, 'b' => 2, 'c' => 3, 'd' => 4]);
var_dump($s->delete('d', 'a'));
var_dump($s->delete('d', 'a'));
var_dump($s->deleteMany('d', ['b', 'c', 'nope']));
var_dump($s->deleteMany('d', []));
var_dump($s->getMany('d', ['a', 'b', 'c', 'd']));
var_dump($s->findAll('d'));
var_dump($s->stats()['deletes']);
$s->purgeAll();
?>
--EXPECT--
bool(true)
bool(false)
int(2)
int(0)
array(4) {
  ["a"]=>
  bool(false)
  ["b"]=>
  bool(false)
  ["c"]=>
  bool(false)
  ["d"]=>
  int(4)
}
array(1) {
  [0]=>
  string(1) "d"
}
int(3)
