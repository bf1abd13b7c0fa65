--TEST--
RedisStore: setMany stores every item and returns the count, with or without TTL
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store();
var_dump($s->setMany('d', ['a' => 1, 'b' => 'two', 3 => [3]]));
var_dump($s->getMany('d', ['a', 'b', 3]));
var_dump($s->setMany('d', ['t1' => 'x', 't2' => 'y'], 100));
var_dump($s->getMany('d', ['t1', 't2']));
var_dump($s->setMany('d', []));
try {
    $s->setMany('d', ['k' => 1], -1);
} catch (ValueError $e) {
    echo $e->getMessage(), "\n";
}
$s->purgeAll();
?>
--EXPECT--
int(3)
array(3) {
  ["a"]=>
  int(1)
  ["b"]=>
  string(3) "two"
  [3]=>
  array(1) {
    [0]=>
    int(3)
  }
}
int(2)
array(2) {
  ["t1"]=>
  string(1) "x"
  ["t2"]=>
  string(1) "y"
}
int(0)
MoodleCache\RedisStore::setMany(): Argument #3 ($ttl) must be 0 (no expiry) or a number of seconds
