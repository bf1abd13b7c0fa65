--TEST--
RedisStore cluster: when a migrating slot's keys are split (the TTL set moved, the hash not yet), ASK sends again only the commands that were redirected: the write that ran on the source does not run again on the target
--SKIPIF--
<?php require __DIR__ . '/cluster_skipif.inc';
require_once __DIR__ . '/config.inc';
if (mc_test_field_ttl(mc_test_cluster_port(mc_test_cluster_seeds()[0]))) die('skip the servers keep TTLs on hash fields: no TTL set to split'); ?>
--FILE--
<?php
require __DIR__ . '/cluster.inc';
$prefix = 'phpt' . getmypid() . '_split_';
// reap_interval 0: the second write runs the reaper too (by default it would wait a second)
$s = mc_test_cluster_store(['prefix' => $prefix, 'near_cache' => false, 'reap_interval' => 0]);
$seed = mc_test_cluster_port(mc_test_cluster_seeds()[0]);
$hash = '{' . $prefix . ':d}';
$slot = mc_test_raw(['CLUSTER', 'KEYSLOT', $hash], $seed);
$source = mc_test_cluster_owner($slot);
$masters = mc_test_cluster_masters();
$target = array_values(array_diff(array_keys($masters), [$source]))[0];
var_dump($s->set('d', 'a', 'va', 600));                 // the hash and its TTL set, on the source
mc_test_raw(['CLUSTER', 'SETSLOT', $slot, 'IMPORTING', $masters[$source]['id']], $target);
mc_test_raw(['CLUSTER', 'SETSLOT', $slot, 'MIGRATING', $masters[$target]['id']], $source);
var_dump(mc_test_raw(['MIGRATE', '127.0.0.1', $target, '', 0, 5000, 'KEYS', "$hash#t"], $source));
// HSET runs on the source (the hash is there); ZADD and the reaper are sent on
// with ASK; the reaper's keys are split, so it cannot run: the TTL bookkeeping fails.
var_dump(@$s->set('d', 'b', 'vb', 600));
echo "keys of the slot on the target: ", mc_test_raw(['CLUSTER', 'COUNTKEYSINSLOT', $slot], $target), " (the TTL set only)\n";
echo "hash on the source holds b: ", mc_test_raw(['HEXISTS', $hash, 'b'], $source), "\n";
// finish the migration; everything is where it should be
var_dump(mc_test_raw(['MIGRATE', '127.0.0.1', $target, '', 0, 5000, 'KEYS', $hash], $source));
foreach (array_keys($masters) as $port) {
    mc_test_raw(['CLUSTER', 'SETSLOT', $slot, 'NODE', $masters[$target]['id']], $port);
}
var_dump($s->getMany('d', ['a', 'b']));
$s->purgeAll();
?>
--EXPECTF--
bool(true)
string(2) "OK"
bool(false)
keys of the slot on the target: 1 (the TTL set only)
hash on the source holds b: 1
string(2) "OK"
array(2) {
  ["a"]=>
  string(2) "va"
  ["b"]=>
  string(2) "vb"
}
