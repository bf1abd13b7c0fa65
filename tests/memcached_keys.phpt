--TEST--
MemcachedStore: keys over 250 bytes, with spaces, control or binary bytes work (hashed), and stay distinct
--SKIPIF--
<?php require __DIR__ . '/memcached_skipif.inc'; ?>
--INI--
pcre.jit=0
--FILE--
<?php
require __DIR__ . '/memcached.inc';
$s = mc_test_memcached_store();
$long1 = str_repeat('x', 300) . '1';
$long2 = str_repeat('x', 300) . '2';
$keys = [$long1, $long2, "with space", "tab\tand\nnewline", "nul\0byte", "\x7f\x01", "caf\u{e9}", '', str_repeat('y', 1000)];
$items = [];
foreach ($keys as $i => $k) $items[$k] = "value $i";
var_dump($s->setMany('d', $items));
var_dump($s->getMany('d', $keys) === $items);
foreach ($keys as $i => $k) {
    if ($s->get('d', $k) !== "value $i") echo "get failed for key $i\n";
}
// A long definition and prefix hash too.
$t = mc_test_memcached_store(['prefix' => str_repeat('p', 400)]);
var_dump($t->set(str_repeat('d', 400), 'k', 'deep'), $t->get(str_repeat('d', 400), 'k'), $t->purge(str_repeat('d', 400)), $t->get(str_repeat('d', 400), 'k'));
// The hashed name is what memcached holds: 'mch:' + 64 hex digits.
$found = 0;
foreach (mc_test_memcached_servers() as $server) {
    $dump = mc_test_memcached_raw($server, 'lru_crawler metadump all');
    $found += preg_match_all('/^key=mch(:|%3A)[0-9a-f]{64} /m', $dump);
}
var_dump($found >= 7);
?>
--EXPECT--
int(9)
bool(true)
bool(true)
string(4) "deep"
bool(true)
bool(false)
bool(true)
