--TEST--
MemcachedStore: binary_protocol => true gives the same answers (multi-get, noreply setMany, generations, locks, hashed keys)
--SKIPIF--
<?php require __DIR__ . '/memcached_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/memcached.inc';
$s = mc_test_memcached_store(['binary_protocol' => true]);
$items = [];
for ($i = 0; $i < 30; $i++) $items["k$i"] = ['n' => $i];
$items[str_repeat('long', 100)] = 'hashed';
$items["with space"] = 'hashed too';
var_dump($s->setMany('d', $items), $s->getMany('d', array_keys($items)) === $items);
var_dump($s->set('d', 'one', 1), $s->get('d', 'one'), $s->has('d', 'k3'), $s->delete('d', 'k3'), $s->has('d', 'k3'));
var_dump($s->purge('d'), $s->get('d', 'one'), $s->set('d', 'one', 2), $s->get('d', 'one'));
var_dump($s->purgeAll(), $s->get('d', 'one'));
var_dump($s->acquireLock('d', 'L', 'me', 60000), $s->acquireLock('d', 'L', 'you', 60000), $s->releaseLock('d', 'L', 'me'));
var_dump($s->stats()['errors'], $s->lastError());
?>
--EXPECT--
int(32)
bool(true)
bool(true)
int(1)
bool(true)
bool(true)
bool(false)
bool(true)
bool(false)
bool(true)
int(2)
bool(true)
bool(false)
bool(true)
bool(false)
bool(true)
int(0)
NULL
