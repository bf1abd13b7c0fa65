--TEST--
RedisStore: a value that cannot be serialized throws and stores nothing
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store();
$s->set('d', 'k', 'old');
try {
    $s->set('d', 'k', function () {});
} catch (Exception $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
var_dump($s->get('d', 'k'));
try {
    $s->setMany('d', ['a' => 1, 'k' => (object)['f' => fn() => 1]]);
} catch (Exception $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
var_dump($s->getMany('d', ['a', 'k']));
$s->purgeAll();
?>
--EXPECT--
Exception: Serialization of 'Closure' is not allowed
string(3) "old"
Exception: Serialization of 'Closure' is not allowed
array(2) {
  ["a"]=>
  bool(false)
  ["k"]=>
  string(3) "old"
}
