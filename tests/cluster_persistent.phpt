--TEST--
RedisStore cluster: persistent connections per node: a store freed after reaching every master hands each node's connection to the next store; read_from_replicas (READONLY) stores never share with the others
--SKIPIF--
<?php require __DIR__ . '/cluster_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/cluster.inc';
$defs = array_map(fn($i) => "def$i", range(0, 29));    // on all three masters

/** Writes and reads every definition in a new store, frees it; its stats. */
function use_cluster(array $defs, array $options = []): array
{
    $s = mc_test_cluster_store(['prefix' => 'phpt' . getmypid() . '_persist_', 'near_cache' => false] + $options);
    $ok = 0;
    foreach ($defs as $def) {
        $ok += $s->set($def, 'k', "v$def") && $s->get($def, 'k') === "v$def";
    }
    return [$ok, $s->stats()];
}

[$ok, $first] = use_cluster($defs);
echo "first: $ok ok, connects ", $first['connects'] >= 3 ? '3 or more' : $first['connects'], ", reused {$first['reused']}, errors {$first['errors']}\n";
[$ok, $second] = use_cluster($defs);
echo "second: $ok ok, connects {$second['connects']}, reused = first's connects: ",
    var_export($second['reused'] === $first['connects'], true), ", errors {$second['errors']}\n";
[$ok, $replicas] = use_cluster($defs, ['read_from_replicas' => true]);
echo "read_from_replicas: $ok ok, reused {$replicas['reused']}, errors {$replicas['errors']}\n";
?>
--EXPECT--
first: 30 ok, connects 3 or more, reused 0, errors 0
second: 30 ok, connects 0, reused = first's connects: true, errors 0
read_from_replicas: 30 ok, reused 0, errors 0
