--TEST--
MemcachedStore: TTL expires values (set and setMany), 0 keeps them
--SKIPIF--
<?php require __DIR__ . '/memcached_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/memcached.inc';
$s = mc_test_memcached_store();
// Under valgrind a second can pass between the writes and the first reads.
$ttl = getenv('MOODLECACHE_TEST_SANITIZER') ? 5 : 1;
var_dump($s->set('d', 'short', 'a', $ttl), $s->setMany('d', ['m1' => 1, 'm2' => 2], $ttl), $s->set('d', 'forever', 'b'));
var_dump($s->get('d', 'short'), $s->get('d', 'm2'));
usleep(($ttl + 1) * 1000000 + 200000);
var_dump($s->get('d', 'short'), $s->getMany('d', ['m1', 'm2']), $s->get('d', 'forever'));
try {
    $s->set('d', 'k', 'v', -1);
} catch (ValueError $e) {
    echo $e->getMessage(), "\n";
}
?>
--EXPECT--
bool(true)
int(2)
bool(true)
string(1) "a"
int(2)
bool(false)
array(2) {
  ["m1"]=>
  bool(false)
  ["m2"]=>
  bool(false)
}
string(1) "b"
MoodleCache\MemcachedStore::set(): Argument #4 ($ttl) must be 0 (no expiry) or a number of seconds
