--TEST--
RedisStore cluster: read_from_replicas sends read-only calls to a replica of the slot (READONLY) and writes to its master
--SKIPIF--
<?php require __DIR__ . '/cluster_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/cluster.inc';
$prefix = 'phpt' . getmypid() . '_rep_';
$writer = mc_test_cluster_store(['prefix' => $prefix]);
$reader = mc_test_cluster_store(['prefix' => $prefix, 'read_from_replicas' => true]);
$seed = mc_test_cluster_port(mc_test_cluster_seeds()[0]);
$slot = mc_test_raw(['CLUSTER', 'KEYSLOT', '{' . $prefix . ':d}'], $seed);
$master = mc_test_cluster_owner($slot);
$masterid = mc_test_cluster_masters()[$master]['id'];
// A new cluster lists a replica in CLUSTER SLOTS only once every node has
// learnt of it: wait for that on every seed before the reader loads its map.
$listed = function () use ($slot): bool {
    foreach (mc_test_cluster_seeds() as $s) {
        $ok = false;
        foreach ((array)mc_test_raw(['CLUSTER', 'SLOTS'], mc_test_cluster_port($s)) as $range) {
            if (is_array($range) && $range[0] <= $slot && $slot <= $range[1] && count($range) >= 4) {
                $ok = true;
            }
        }
        if (!$ok) return false;
    }
    return true;
};
for ($i = 0; $i < 200 && !$listed(); $i++) usleep(50000);
$replicas = [];
foreach (explode("\n", trim(mc_test_raw(['CLUSTER', 'NODES'], $seed))) as $line) {
    $f = preg_split('/\s+/', $line);
    if ($f[3] === $masterid && str_contains($f[2], 'slave')) {
        $replicas[] = (int)substr($f[1], strrpos($f[1], ':') + 1, strpos($f[1], '@') - strrpos($f[1], ':') - 1);
    }
}
$gets = function (int $port): int {
    $info = mc_test_raw(['INFO', 'commandstats'], $port);
    return preg_match('/cmdstat_hget:calls=(\d+)/', $info, $m) ? (int)$m[1] : 0;
};
var_dump($writer->set('d', 'k', 'v1'), count($replicas) >= 1);
$seen = false;
for ($i = 0; $i < 100 && !$seen; $i++) {       // replication is asynchronous
    $seen = $reader->get('d', 'k') === 'v1';
    if (!$seen) usleep(50000);
}
var_dump($seen);
$before_master = $gets($master);
$before_replicas = array_sum(array_map($gets, $replicas));
for ($i = 0; $i < 10; $i++) {
    $reader->get('d', 'k');
}
var_dump(array_sum(array_map($gets, $replicas)) - $before_replicas >= 10, $gets($master) - $before_master);
// Writes go to the master (findAll, a read-only script, may be served by a replica).
var_dump($reader->set('d', 'k', 'v2'), $writer->get('d', 'k'), $reader->findAll('d'), $reader->lastError());
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
bool(true)
int(0)
bool(true)
string(2) "v2"
array(1) {
  [0]=>
  string(1) "k"
}
NULL
