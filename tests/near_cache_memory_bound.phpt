--TEST--
Near cache: memory stays within moodlecache.near_cache_size; old entries are evicted, large ones never stored
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
moodlecache.near_cache_size=1M
moodlecache.near_cache_max_item=16K
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$s = nc_store('nc_bound_' . getmypid() . '_');
nc_ready($s);
$value = str_repeat('x', 3000);
$items = [];
for ($i = 0; $i < 1000; $i++) {
    $items["k$i"] = "$i:$value";
}
$s->setMany('d', $items);
$s->nearCacheSync();                            // our own invalidations are applied
$s->getMany('d', array_keys($items));          // ~3 MB of fills through 1 MB
$st = $s->stats();
// (a fill may be dropped when the invalidation of our own setMany reaches the listener meanwhile)
echo "filled: ", $st['near_fills'] > 900 ? 'yes' : $st['near_fills'], "\n";
echo "within bound: ", $st['near_bytes_used'] <= $st['near_bytes_total'] ? 'yes' : 'no', "\n";
echo "total is the INI size: ", $st['near_bytes_total'] == 1024 * 1024 ? 'yes' : $st['near_bytes_total'], "\n";
echo "evicted: ", $st['near_evictions'] > 500 ? 'yes' : $st['near_evictions'], "\n";
// every value read back is right, new ones from memory, old ones from Redis
$hits = $st['near_hits'];
$bad = 0;
foreach ($s->getMany('d', array_keys($items)) as $k => $v) {
    $bad += $v !== $items[$k];
}
echo "bad: $bad\n";
$st = $s->stats();
echo "some hits, not all: ", ($st['near_hits'] - $hits > 50 && $st['near_hits'] - $hits < 1000) ? 'yes' : 'no', "\n";
// above near_cache_max_item: served from Redis, never stored
$s->set('d', 'big', str_repeat('y', 20000));
$s->get('d', 'big');
$fills = $s->stats()['near_fills'];
var_dump(strlen($s->get('d', 'big')));
echo "big filled: ", $s->stats()['near_fills'] - $fills, "\n";
$s->purgeAll();
?>
--EXPECT--
filled: yes
within bound: yes
total is the INI size: yes
evicted: yes
bad: 0
some hits, not all: yes
int(20000)
big filled: 0
