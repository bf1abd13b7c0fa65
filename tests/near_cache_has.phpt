--TEST--
Near cache: has/hasAny/hasAll are answered from the near cache when it holds live entries (no round trip); absence, or an expired entry, still asks the server
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$s = nc_store('nc_has_' . getmypid() . '_');
nc_ready($s);
$s->setMany('d', ['a' => 1, 'b' => 2]);
$s->set('d', 'short', 'x', 1);
// fill until all three are near (a fill is skipped while the node is busy or not trusted)
for ($i = 0; $i < 100; $i++) {
    $s->nearCacheSync();
    $hits = $s->stats()['near_hits'];
    $s->getMany('d', ['a', 'b', 'short']);
    if ($s->stats()['near_hits'] - $hits === 3) break;
}
$trips = fn() => $s->stats()['round_trips'];
$s->has('d', 'warm-up');        // the server loads its script once (NOSCRIPT) where it needs one
$t = $trips();
var_dump($s->has('d', 'a'), $s->hasAll('d', ['a', 'b']), $s->hasAny('d', ['nope', 'b']));
echo "round trips for near hits: ", $trips() - $t, "\n";
$t = $trips();
var_dump($s->has('d', 'nope'), $s->hasAll('d', ['a', 'nope']), $s->hasAny('d', ['nope', 'none']));
echo "round trips when a key is not near: ", $trips() - $t, "\n";
sleep(2);
$t = $trips();
var_dump($s->has('d', 'short'));                        // expired: the server decides
echo "round trips for an expired entry: ", $trips() - $t, "\n";
$s->purgeAll();
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
round trips for near hits: 0
bool(false)
bool(false)
bool(false)
round trips when a key is not near: 3
bool(false)
round trips for an expired entry: 1
