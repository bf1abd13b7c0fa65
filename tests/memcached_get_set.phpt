--TEST--
MemcachedStore: get/set/getMany/setMany/has*/delete* round-trip values of every type across two servers
--SKIPIF--
<?php require __DIR__ . '/memcached_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/memcached.inc';
$s = mc_test_memcached_store();
var_dump($s->get('d', 'missing'));
var_dump($s->set('d', 'str', 'hello'), $s->set('d', 'int', 42), $s->set('d', 'arr', ['a' => [1, 2.5, null, true]]));
var_dump($s->get('d', 'str'), $s->get('d', 'int'), $s->get('d', 'arr'));
$items = [];
for ($i = 0; $i < 40; $i++) $items["k$i"] = "v$i";
var_dump($s->setMany('d', $items));
$got = $s->getMany('d', array_merge(array_keys($items), ['nope', 'k3']));
var_dump(count($got), $got['k0'], $got['k39'], $got['nope']);
var_dump($got === array_merge($items, ['nope' => false]));
var_dump($s->has('d', 'k5'), $s->has('d', 'nope'), $s->hasAny('d', ['nope', 'k1']), $s->hasAll('d', ['k1', 'nope']), $s->hasAll('d', ['k1', 'k2']));
var_dump($s->delete('d', 'k1'), $s->delete('d', 'k1'), $s->get('d', 'k1'));
var_dump($s->deleteMany('d', ['k2', 'k3', 'nope']), $s->getMany('d', ['k2', 'k4']));
// Another definition with the same key is another value.
var_dump($s->set('other', 'str', 'elsewhere'), $s->get('d', 'str'), $s->get('other', 'str'));
var_dump($s->getMany('d', []), $s->setMany('d', []));
$z = mc_test_memcached_store(['compression' => 'zstd', 'compression_threshold' => 100]);
$big = str_repeat('moodle ', 20000);
var_dump($z->set('d', 'big', $big), $z->get('d', 'big') === $big);
$st = $s->stats();
var_dump($st['hits'] > 0, $st['misses'] > 0, $st['errors'], $st['servers'], $s->lastError());
?>
--EXPECT--
bool(false)
bool(true)
bool(true)
bool(true)
string(5) "hello"
int(42)
array(1) {
  ["a"]=>
  array(4) {
    [0]=>
    int(1)
    [1]=>
    float(2.5)
    [2]=>
    NULL
    [3]=>
    bool(true)
  }
}
int(40)
int(41)
string(2) "v0"
string(3) "v39"
bool(false)
bool(true)
bool(true)
bool(false)
bool(true)
bool(false)
bool(true)
bool(true)
bool(false)
bool(false)
int(2)
array(2) {
  ["k2"]=>
  bool(false)
  ["k4"]=>
  string(2) "v4"
}
bool(true)
string(5) "hello"
string(9) "elsewhere"
array(0) {
}
int(0)
bool(true)
bool(true)
bool(true)
bool(true)
int(0)
int(2)
NULL
