--TEST--
Near cache: a key Redis does not have is remembered as absent (no round trip), until a write or delete of it, here or on another node
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
// valgrind traces the other node's process too: its start-up alone outlasts the waits
if (getenv('USE_ZEND_ALLOC') === '0' && !getenv('ASAN_OPTIONS')) die('skip other nodes are too slow under valgrind'); ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$p = 'nc_absent_' . getmypid() . '_';
$b = nc_store($p);
nc_ready($b);

/** Runs $f; prints its result and how many round trips it took. */
function trips(MoodleCache\RedisStore $s, string $what, callable $f): void
{
    $before = $s->stats()['round_trips'];
    $r = $f();
    echo $what, ': ', json_encode($r), ', round trips ', $s->stats()['round_trips'] - $before, "\n";
}

trips($b, 'get absent', fn() => $b->get('d', 'none'));
trips($b, 'get absent again', fn() => $b->get('d', 'none'));
trips($b, 'getMany, one known absent', fn() => $b->getMany('d', ['none', 'other']));
trips($b, 'getMany again', fn() => $b->getMany('d', ['none', 'other']));
print_r(nc_stats($b, ['near_absent_hits']));

// a write here makes it present at once
trips($b, 'set', fn() => $b->set('d', 'none', 'here'));
var_dump($b->get('d', 'none'));
// a write on another node, once its announcement is applied
echo nc_other_node('var_dump(nc_store(' . var_export($p, true) . ')->set("d", "other", "there"));');
var_dump($b->nearCacheSync());
var_dump($b->getMany('d', ['none', 'other']));
// a delete on another node makes it absent again, then remembered again
echo nc_other_node('var_dump(nc_store(' . var_export($p, true) . ')->delete("d", "other"));');
var_dump($b->nearCacheSync());
trips($b, 'get deleted', fn() => $b->get('d', 'other'));
trips($b, 'get deleted again', fn() => $b->get('d', 'other'));
// another definition's absent key is its own
trips($b, 'get in another definition', fn() => $b->get('e', 'other'));
// has() still asks Redis for a key known absent (false means "ask")
var_dump($b->has('d', 'none'), $b->has('d', 'other'));
// a write that bypasses the store (no announcement) is not seen until the
// near cache is flushed: here FLUSHDB, which the listener detects
$b->get('d', 'raw');
mc_test_raw(['FLUSHDB']);
var_dump($b->nearCacheSync());
$b2 = mc_test_store(['prefix' => $p, 'near_cache' => false]);
$b2->set('d', 'raw', 'written');
var_dump($b->get('d', 'raw'));
$b->purgeAll();
?>
--EXPECT--
get absent: false, round trips 1
get absent again: false, round trips 0
getMany, one known absent: {"none":false,"other":false}, round trips 1
getMany again: {"none":false,"other":false}, round trips 0
Array
(
    [near_absent_hits] => 4
)
set: true, round trips 1
string(4) "here"
bool(true)
bool(true)
array(2) {
  ["none"]=>
  string(4) "here"
  ["other"]=>
  string(5) "there"
}
bool(true)
bool(true)
get deleted: false, round trips 1
get deleted again: false, round trips 0
get in another definition: false, round trips 1
bool(true)
bool(false)
bool(true)
string(7) "written"
