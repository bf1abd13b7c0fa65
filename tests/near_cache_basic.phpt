--TEST--
Near cache: repeated reads are served from shared memory; writes, deletes and purges on this node are seen at once
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$p = 'nc_basic_' . getmypid() . '_';
$s = nc_store($p);
nc_ready($s);
var_dump($s->set('d', 'k', ['a' => 1]));
$s->nearCacheSync();
$s->get('d', 'k');          // the write installed its value, served once its announcement is back; when the listener applied the announcement before the worker installed it, the first get fills instead
$before = $s->stats()['round_trips'];
var_dump($s->get('d', 'k'), $s->get('d', 'k'), $s->get('d', 'k'));
echo "round trips for 3 gets: ", $s->stats()['round_trips'] - $before, "\n";
print_r(nc_stats($s, ['near_enabled', 'near_trusted']));
echo "near hits: ", $s->stats()['near_hits'] >= 3 ? 'the 3 gets' : 'too few', "\n";

// getMany: hits from memory, the rest in one round trip, in the asked order
$s->set('d', 'k2', 'two');
$s->nearCacheSync();
$before = $s->stats()['round_trips'];
var_dump($s->getMany('d', ['nope', 'k', 'k2']));
var_dump($s->getMany('d', ['k2', 'k']));
echo "round trips for 2 getMany: ", $s->stats()['round_trips'] - $before, "\n";

// this node's writes are seen by the next read, with no wait
$s->set('d', 'k', 'new');
var_dump($s->get('d', 'k'));
$s->setMany('d', ['k' => 'newer', 'k2' => 'two again']);
var_dump($s->getMany('d', ['k', 'k2']));
$s->delete('d', 'k');
var_dump($s->get('d', 'k'));
$s->get('d', 'k2');
$s->purge('d');
var_dump($s->get('d', 'k2'));
$s->set('d', 'k', 1);
$s->get('d', 'k');
$s->purgeAll();
var_dump($s->get('d', 'k'));

// a TTL frame that expired is a miss even from memory
$s->set('t', 'x', 'short', 1);
$s->get('t', 'x');
sleep(2);
var_dump($s->get('t', 'x'));

// a store with the option off never uses it
$plain = new MoodleCache\RedisStore(['server' => mc_test_server(), 'prefix' => $p, 'near_cache' => false]);
$plain->set('d', 'k', 'v');
$plain->get('d', 'k');
print_r(nc_stats($plain, ['near_enabled', 'near_hits']));
$s->purgeAll();
?>
--EXPECT--
bool(true)
array(1) {
  ["a"]=>
  int(1)
}
array(1) {
  ["a"]=>
  int(1)
}
array(1) {
  ["a"]=>
  int(1)
}
round trips for 3 gets: 0
Array
(
    [near_enabled] => 1
    [near_trusted] => 1
)
near hits: the 3 gets
array(3) {
  ["nope"]=>
  bool(false)
  ["k"]=>
  array(1) {
    ["a"]=>
    int(1)
  }
  ["k2"]=>
  string(3) "two"
}
array(2) {
  ["k2"]=>
  string(3) "two"
  ["k"]=>
  array(1) {
    ["a"]=>
    int(1)
  }
}
round trips for 2 getMany: 1
string(3) "new"
array(2) {
  ["k"]=>
  string(5) "newer"
  ["k2"]=>
  string(9) "two again"
}
bool(false)
bool(false)
bool(false)
bool(false)
Array
(
    [near_enabled] => 
    [near_hits] => 0
)
