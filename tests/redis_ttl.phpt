--TEST--
RedisStore: an entry past its TTL is a miss (set, setMany, has, findAll)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store();
// Under valgrind a second can pass between the writes and the first reads.
$ttl = getenv('MOODLECACHE_TEST_SANITIZER') ? 5 : 1;
var_dump($s->set('d', 'short', 'v', $ttl));
var_dump($s->setMany('d', ['m1' => 1, 'm2' => 2], $ttl));
var_dump($s->set('d', 'long', 'v', 100));
var_dump($s->set('d', 'forever', 'v'));
var_dump($s->get('d', 'short'), $s->has('d', 'm1'));
usleep(($ttl + 1) * 1000000 + 100000);
var_dump($s->get('d', 'short'), $s->getMany('d', ['m1', 'm2']), $s->has('d', 'm1'));
var_dump($s->get('d', 'long'), $s->get('d', 'forever'));
$keys = $s->findAll('d');
sort($keys);
var_dump($keys);
try {
    $s->set('d', 'k', 1, -5);
} catch (ValueError $e) {
    echo $e->getMessage(), "\n";
}
$s->purgeAll();
?>
--EXPECT--
bool(true)
int(2)
bool(true)
bool(true)
string(1) "v"
bool(true)
bool(false)
array(2) {
  ["m1"]=>
  bool(false)
  ["m2"]=>
  bool(false)
}
bool(false)
string(1) "v"
string(1) "v"
array(2) {
  [0]=>
  string(7) "forever"
  [1]=>
  string(4) "long"
}
MoodleCache\RedisStore::set(): Argument #4 ($ttl) must be 0 (no expiry) or a number of seconds
