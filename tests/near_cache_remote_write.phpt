--TEST--
Near cache: a write on another node (another process tree, its own shared memory) is seen here once invalidations are applied
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
// valgrind traces the other node's process too: its start-up alone outlasts the waits
if (getenv('USE_ZEND_ALLOC') === '0' && !getenv('ASAN_OPTIONS')) die('skip other nodes are too slow under valgrind'); ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$p = 'nc_remote_' . getmypid() . '_';
$b = nc_store($p);
nc_ready($b);
$b->set('d', 'k', 'v1');
$b->setMany('d', ['m1' => 'a1', 'm2' => 'a2']);
$b->nearCacheSync();
var_dump($b->get('d', 'k'), $b->get('d', 'k'));          // installed by the writes (or filled), then near hits
$b->getMany('d', ['m1', 'm2']);
$b->getMany('d', ['m1', 'm2']);
echo "hits before: ", $b->stats()['near_hits'] >= 3 ? 'at least 3' : $b->stats()['near_hits'], "\n";

// node A writes; its set() has returned when nc_other_node returns
echo nc_other_node('$a = nc_store(' . var_export($p, true) . ');'
    . 'var_dump($a->set("d", "k", "v2"), $a->setMany("d", ["m1" => "b1"]), $a->delete("d", "m2"));');
var_dump($b->nearCacheSync());
var_dump($b->get('d', 'k'));
var_dump($b->getMany('d', ['m1', 'm2']));
// another node's purge
$b->set('d', 'k', 'v3');
$b->get('d', 'k');
echo nc_other_node('nc_store(' . var_export($p, true) . ')->purge("d");');
var_dump($b->nearCacheSync());
var_dump($b->get('d', 'k'));
// FLUSHALL on the server flushes the near cache
$b->set('d', 'k', 'v4');
$b->get('d', 'k');
mc_test_raw(['FLUSHDB']);
var_dump($b->nearCacheSync());
var_dump($b->get('d', 'k'));
print_r(nc_stats($b, ['near_trusted']));
$b->purgeAll();
?>
--EXPECT--
string(2) "v1"
string(2) "v1"
hits before: at least 3
bool(true)
int(1)
bool(true)
bool(true)
string(2) "v2"
array(2) {
  ["m1"]=>
  string(2) "b1"
  ["m2"]=>
  bool(false)
}
bool(true)
bool(false)
bool(true)
bool(false)
Array
(
    [near_trusted] => 1
)
