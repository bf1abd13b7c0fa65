--TEST--
RedisStore cluster: a slot migrating by hand (SETSLOT MIGRATING/IMPORTING, MIGRATE, SETSLOT NODE) is followed through ASK then MOVED, with every answer right
--SKIPIF--
<?php require __DIR__ . '/cluster_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/cluster.inc';
$prefix = 'phpt' . getmypid() . '_mig_';
// near cache off: every read must go to Redis and meet the redirections (with
// write-through, values this store wrote would be served from memory)
$s = mc_test_cluster_store(['prefix' => $prefix, 'near_cache' => false]);
$seed = mc_test_cluster_port(mc_test_cluster_seeds()[0]);
$slot = mc_test_raw(['CLUSTER', 'KEYSLOT', '{' . $prefix . ':mig}'], $seed);
$source = mc_test_cluster_owner($slot);
$masters = mc_test_cluster_masters();
$target = array_values(array_diff(array_keys($masters), [$source]))[0];
var_dump($s->setMany('mig', ['a' => 'va', 'c' => 'vc']));
var_dump(mc_test_raw(['CLUSTER', 'SETSLOT', $slot, 'IMPORTING', $masters[$source]['id']], $target));
var_dump(mc_test_raw(['CLUSTER', 'SETSLOT', $slot, 'MIGRATING', $masters[$target]['id']], $source));
// The definition's hash is still on the source: it serves reads and writes.
var_dump($s->get('mig', 'a'), $s->set('mig', 'b', 'vb'), $s->get('mig', 'b'));
// Move the hash: the source now answers ASK, and the target serves it after ASKING.
$keys = mc_test_raw(['CLUSTER', 'GETKEYSINSLOT', $slot, 1000], $source);
var_dump(mc_test_raw(array_merge(['MIGRATE', '127.0.0.1', $target, '', 0, 5000, 'REPLACE', 'KEYS'], $keys), $source));
var_dump($s->get('mig', 'a'), $s->set('mig', 'd', 'vd'), $s->getMany('mig', ['b', 'd']));
$asked = $s->stats()['cluster_ask'];
// Hand the slot over: MOVED, then the new owner.
foreach (array_keys($masters) as $port) {
    mc_test_raw(['CLUSTER', 'SETSLOT', $slot, 'NODE', $masters[$target]['id']], $port);
}
var_dump($s->getMany('mig', ['a', 'b', 'c', 'd']));
$found = $s->findAll('mig');
sort($found);
var_dump($found);
$st = $s->stats();
var_dump($asked >= 3, $st['cluster_moved'] > 0, $s->lastError());
?>
--EXPECTF--
int(2)
string(2) "OK"
string(2) "OK"
string(2) "va"
bool(true)
string(2) "vb"
string(2) "OK"
string(2) "va"
bool(true)
array(2) {
  ["b"]=>
  string(2) "vb"
  ["d"]=>
  string(2) "vd"
}
array(4) {
  ["a"]=>
  string(2) "va"
  ["b"]=>
  string(2) "vb"
  ["c"]=>
  string(2) "vc"
  ["d"]=>
  string(2) "vd"
}
array(4) {
  [0]=>
  string(1) "a"
  [1]=>
  string(1) "b"
  [2]=>
  string(1) "c"
  [3]=>
  string(1) "d"
}
bool(true)
bool(true)
NULL
