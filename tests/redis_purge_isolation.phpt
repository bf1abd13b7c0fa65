--TEST--
RedisStore: purge clears one definition only, even with look-alike names
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store(['prefix' => 'iso']);
$t = mc_test_store(['prefix' => 'iso:a']);
$defs = ['a:b', 'a', 'a:b:c', '{a}', 'a}b', '%3A', ':'];
foreach ($defs as $d) {
    $s->setMany($d, ['k1' => "$d-1", 'k2' => "$d-2"]);
    $s->set($d, 'ttl', 'x', 100);
}
$t->set('b', 'k1', 'other store');
foreach ($defs as $d) {
    var_dump($s->purge($d));
    $left = 0;
    foreach ($defs as $e) {
        $left += count(array_filter($s->getMany($e, ['k1', 'k2', 'ttl'])));
    }
    echo "after purging '$d': $left values left, other store: ", var_export($t->get('b', 'k1'), true), "\n";
}
var_dump($s->purge('never used'));
$s->purgeAll();
$t->purgeAll();
?>
--EXPECT--
bool(true)
after purging 'a:b': 18 values left, other store: 'other store'
bool(true)
after purging 'a': 15 values left, other store: 'other store'
bool(true)
after purging 'a:b:c': 12 values left, other store: 'other store'
bool(true)
after purging '{a}': 9 values left, other store: 'other store'
bool(true)
after purging 'a}b': 6 values left, other store: 'other store'
bool(true)
after purging '%3A': 3 values left, other store: 'other store'
bool(true)
after purging ':': 0 values left, other store: 'other store'
bool(true)
