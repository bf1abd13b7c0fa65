--TEST--
RedisStore: getMany returns every asked key, false for misses
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store();
$s->set('d', 'a', 1);
$s->set('d', '7', 'seven');
$s->set('d', 'c', ['x']);
var_dump($s->getMany('d', ['a', 'missing', 7, 'c', 'a']));
var_dump($s->getMany('d', []));
var_dump($s->getMany('other', ['a']));
$s->purgeAll();
?>
--EXPECT--
array(4) {
  ["a"]=>
  int(1)
  ["missing"]=>
  bool(false)
  [7]=>
  string(5) "seven"
  ["c"]=>
  array(1) {
    [0]=>
    string(1) "x"
  }
}
array(0) {
}
array(1) {
  ["a"]=>
  bool(false)
}
