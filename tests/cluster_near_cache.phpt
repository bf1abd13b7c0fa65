--TEST--
RedisStore cluster: the near cache works across all three masters (announcements reach every node whatever shard holds the definition), read_from_replicas keeps it off, and asking for both is an error
--SKIPIF--
<?php require __DIR__ . '/cluster_skipif.inc';
if (getenv('USE_ZEND_ALLOC') === '0' && !getenv('ASAN_OPTIONS')) die('skip other nodes are too slow under valgrind'); ?>
--INI--
moodlecache.near_cache_enable_cli=1
--FILE--
<?php
require __DIR__ . '/cluster.inc';
require __DIR__ . '/near_cache.inc';
$seeds = mc_test_cluster_seeds();
$p = 'ncc' . getmypid() . '_';
$b = mc_test_cluster_store(['prefix' => $p]);
var_dump($b->nearCacheSync(10.0));
// definitions whose hashes live on different masters
$defs = ['core/config', 'core/string', 'mod_forum/x', 'a', 'b', 'c', 'd', 'e'];
$slots = [];
foreach ($defs as $d) {
    $b->get($d, 'k');       // held (absent): its write is installed, not written around
    $b->set($d, 'k', "$d v1");
    $slots[mc_test_raw(['CLUSTER', 'KEYSLOT', '{' . $p . ':' . $d . '}'], mc_test_cluster_port($seeds[0]))] = true;
}
$masters = [];
foreach (mc_test_cluster_masters() as $port => $m) {
    foreach (array_keys($slots) as $slot) {
        foreach ($m['ranges'] as $r) {
            [$lo, $hi] = array_map('intval', explode('-', $r . '-' . $r));
            if ($slot >= $lo && $slot <= $hi) $masters[$port] = true;
        }
    }
}
echo "masters holding the definitions: ", count($masters), "\n";
$b->nearCacheSync();
// every get from memory: the writes installed their values, and each
// announcement, delivered through all three masters' subscriptions, kept them
foreach ($defs as $d) { $b->get($d, 'k'); $b->get($d, 'k'); }
// (a write whose install met the lock taken, by the listener, is filled by its first get instead)
$h = $b->stats()['near_hits'];
echo "near hits: ", $h >= 12 ? 'at least 12 of 16' : $h, "\n";
// another node writes each definition; this node sees every change
$code = '$a = new MoodleCache\RedisStore(["cluster" => true, "servers" => ' . var_export($seeds, true)
    . ', "prefix" => ' . var_export($p, true) . ']); foreach (' . var_export($defs, true) . ' as $d) { $a->set($d, "k", "$d v2"); }'
    . '$a->purge("e");';
echo nc_other_node($code);
var_dump($b->nearCacheSync(5.0));
$right = 0;
foreach ($defs as $d) { $right += $b->get($d, 'k') === ($d === 'e' ? false : "$d v2") ? 1 : 0; }
echo "right after the other node's writes: $right of ", count($defs), "\n";
echo nc_other_node('(new MoodleCache\RedisStore(["cluster" => true, "servers" => ' . var_export($seeds, true)
    . ', "prefix" => ' . var_export($p, true) . ']))->purgeAll();');
var_dump($b->nearCacheSync(5.0), $b->get('a', 'k'));

// replicas may lag behind an invalidation: no near cache with read_from_replicas
$r = mc_test_cluster_store(['read_from_replicas' => true]);
var_dump($r->stats()['near_enabled']);
try {
    mc_test_cluster_store(['read_from_replicas' => true, 'near_cache' => true]);
} catch (ValueError $e) {
    echo get_class($e), ": ", $e->getMessage(), "\n";
}
?>
--EXPECT--
bool(true)
masters holding the definitions: 3
near hits: at least 12 of 16
bool(true)
right after the other node's writes: 8 of 8
bool(true)
bool(false)
bool(false)
ValueError: MoodleCache\RedisStore option 'near_cache' cannot be combined with 'read_from_replicas': a replica may answer with a value older than an invalidation already applied
