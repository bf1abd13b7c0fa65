--TEST--
MemcachedStore: purge clears one definition and purgeAll one prefix, without flushing the servers; another object sees a purge at once
--SKIPIF--
<?php require __DIR__ . '/memcached_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/memcached.inc';
$prefix = 'phpt' . getmypid() . '_purge_';
$a = mc_test_memcached_store(['prefix' => $prefix]);
$b = mc_test_memcached_store(['prefix' => $prefix]);   // another process, same prefix
$other = mc_test_memcached_store(['prefix' => $prefix . 'x']);
$a->setMany('d1', ['k1' => 1, 'k2' => 2]);
$a->set('d2', 'k1', 'two');
$other->set('d1', 'k1', 'other prefix');
// A key written outside any store: a flush would remove it, we never flush.
$server = mc_test_memcached_servers()[0];
mc_test_memcached_raw($server, "set phpt_foreign_" . getmypid() . " 0 0 3\r\nabc");
var_dump($b->get('d1', 'k1'));        // b learns the generations
var_dump($a->purge('d1'));
var_dump($b->get('d1', 'k1'), $b->getMany('d1', ['k2']), $b->has('d1', 'k2'));
var_dump($b->get('d2', 'k1'), $other->get('d1', 'k1'));
// b writes after a's purge with the generations it saw at its last read: still readable.
var_dump($b->set('d1', 'k3', 'new'), $a->get('d1', 'k3'));
var_dump($b->purgeAll());
// a's cached generations are stale now: its write goes under the old generation and reads as a miss, never as old data.
var_dump($a->set('d1', 'k4', 'stale gen?'), $b->get('d1', 'k4'));
var_dump($a->get('d2', 'k1'), $a->get('d1', 'k3'), $a->get('d1', 'k4'), $other->get('d1', 'k1'));
var_dump($a->set('d1', 'k4', 'fresh'), $b->get('d1', 'k4'));   // a has seen the new generation
var_dump(str_contains(mc_test_memcached_raw($server, "get phpt_foreign_" . getmypid()), 'abc'));
// Purging a definition nobody wrote is fine.
var_dump($a->purge('never-written'));
?>
--EXPECT--
int(1)
bool(true)
bool(false)
array(1) {
  ["k2"]=>
  bool(false)
}
bool(false)
string(3) "two"
string(12) "other prefix"
bool(true)
string(3) "new"
bool(true)
bool(true)
bool(false)
bool(false)
bool(false)
bool(false)
string(12) "other prefix"
bool(true)
string(5) "fresh"
bool(true)
bool(true)
