--TEST--
RedisStore cluster: every method across definitions on all three masters; multi-key calls cost one round trip to one node; purgeAll clears the prefix on every master
--SKIPIF--
<?php require __DIR__ . '/cluster_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/cluster.inc';
$prefix = 'phpt' . getmypid() . '_basic_';
$s = mc_test_cluster_store(['prefix' => $prefix, 'near_cache' => false]);   // every read goes to its node
$other = mc_test_cluster_store();
$s->get('warm', 'up');                       // loads the slot map
$defs = array_map(fn($i) => "def$i", range(0, 29));
$keys = array_map(fn($i) => "k$i", range(1, 50));
$items = array_combine($keys, array_map(fn($i) => "v$i", range(1, 50)));
$ok = 0;
foreach ($defs as $def) {
    $before = $s->stats();
    $stored = $s->setMany($def, $items);
    $mid = $s->stats();
    $got = $s->getMany($def, $keys);
    $after = $s->stats();
    $one_trip = $mid['round_trips'] - $before['round_trips'] === 1 && $after['round_trips'] - $mid['round_trips'] === 1;
    $ok += $stored === 50 && $got === $items && $one_trip && $s->hasAll($def, $keys)
        && count($s->findAll($def)) === 50 && $s->findByPrefix($def, 'k1') !== [];
}
var_dump($ok);
$other->set('def0', 'k1', 'other prefix');
var_dump($s->delete('def0', 'k1'), $s->deleteMany('def0', ['k2', 'k3']), $s->has('def0', 'k1'), $s->hasAny('def0', ['k1', 'k4']));
var_dump($s->purge('def1'), $s->get('def1', 'k1'), $s->get('def2', 'k1'));
var_dump($s->acquireLock('def5', 'L', 'me', 5000), $s->acquireLock('def5', 'L', 'you', 5000),
    $s->checkLockState('def5', 'L', 'me'), $s->releaseLock('def5', 'L', 'me'));
// The definitions used live on all three masters...
$owners = [];
foreach ($defs as $def) {
    $owners[mc_test_cluster_owner(mc_test_raw(['CLUSTER', 'KEYSLOT', '{' . $prefix . ':' . $def . '}'],
        mc_test_cluster_port(mc_test_cluster_seeds()[0])))] = true;
}
var_dump(count($owners));
// ...and purgeAll reaches each of them.
var_dump($s->purgeAll());
$left = 0;
foreach ($defs as $def) {
    $left += count(array_filter($s->getMany($def, $keys)));
}
var_dump($left, $other->get('def0', 'k1'));
$st = $s->stats();
var_dump($st['errors'], $st['connects'] >= 3, $s->lastError());
?>
--EXPECT--
int(30)
bool(true)
int(2)
bool(false)
bool(true)
bool(true)
bool(false)
string(2) "v1"
bool(true)
bool(false)
bool(true)
bool(true)
int(3)
bool(true)
int(0)
string(12) "other prefix"
int(0)
bool(true)
NULL
