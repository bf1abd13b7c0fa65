--TEST--
RedisStore: findAll and findByPrefix list live keys of one definition
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store();
$s->setMany('d', ['user_1' => 1, 'user_2' => 2, 'course_1' => 3]);
$s->set('d', 'user_3', 4, 100);
$s->set('d', 'user_1', 'again', 100);   // now in both index sets: listed once
$s->set('e', 'user_9', 1);
$s->delete('d', 'user_2');
$all = $s->findAll('d');
sort($all);
var_dump($all);
$users = $s->findByPrefix('d', 'user_');
sort($users);
var_dump($users);
var_dump($s->findByPrefix('d', 'nothing'));
var_dump($s->findAll('empty'));
$s->purgeAll();
?>
--EXPECT--
array(3) {
  [0]=>
  string(8) "course_1"
  [1]=>
  string(6) "user_1"
  [2]=>
  string(6) "user_3"
}
array(2) {
  [0]=>
  string(6) "user_1"
  [1]=>
  string(6) "user_3"
}
array(0) {
}
array(0) {
}
