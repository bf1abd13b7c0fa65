--TEST--
MoodleCache\nodeStats(): every store identity of the node with its figures summed over processes (flushed when a store is freed or asks for stats()), near-cache figures and trust, no password in labels
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
if (getenv('USE_ZEND_ALLOC') === '0' && !getenv('ASAN_OPTIONS')) die('skip other nodes are too slow under valgrind'); ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$p = 'ns_' . getmypid() . '_';
function mine(string $p): array {
    return array_values(array_filter(MoodleCache\nodeStats()['stores'], fn($e) => str_contains($e['store'], "'$p'")));
}
$s = nc_store($p, ['password' => 'not-in-labels', 'username' => 'default']);
nc_ready($s);
$s->set('d', 'k', 'v');
$s->nearCacheSync();
// the write installed its value, served once its announcement is back; when the listener applied
// the announcement before the worker installed it, the first get fills instead (a hit and one round trip fewer, or not)
$s->get('d', 'k');
$s->get('d', 'k');
$s->get('d', 'nope');
$s->stats();                                     // flushes this store's figures
$e = mine($p);
echo count($e), " entry: ", str_contains($e[0]['store'], 'not-in-labels') ? 'password shown!' : 'no password', "\n";
foreach (['hits', 'misses', 'near_hits', 'sets', 'round_trips', 'errors', 'near_trusted', 'near_error'] as $k) {
    $v = $e[0][$k];
    $either = ['near_hits' => [1, 2], 'round_trips' => [4, 5]][$k] ?? null;
    echo "$k: ", $either && in_array($v, $either, true) ? implode(' or ', $either) : var_export($v, true), "\n";
}
// another process of the same node would add to it; a freed store flushes
$t = nc_store($p, ['password' => 'not-in-labels', 'username' => 'default']);
$t->get('d', 'k');
unset($t);
echo "hits after another store object: ", mine($p)[0]['hits'], "\n";
$n = MoodleCache\nodeStats()['near_cache'];
echo "near cache: enabled=", var_export($n['enabled'], true), " fills>0=", var_export($n['fills'] > 0, true),
    " bytes_total=", $n['bytes_total'] >> 20, "M\n";
$before = mine($p)[0]['near_hits'];
$s->get('d', 'nope');                            // known absent since its first read
$s->stats();
echo "a read of a key known absent counts as a near hit: ", mine($p)[0]['near_hits'] - $before, "\n";
$s->purgeAll();
?>
--EXPECT--
1 entry: no password
hits: 2
misses: 1
near_hits: 1 or 2
sets: 1
round_trips: 4 or 5
errors: 0
near_trusted: true
near_error: NULL
hits after another store object: 3
near cache: enabled=true fills>0=true bytes_total=64M
a read of a key known absent counts as a near hit: 1
