--TEST--
RedisStore: purgeAll removes everything under its prefix and nothing under another
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$prefixes = ['pa', 'pa*', 'pa_', 'p', 'pa?', 'pa[1]', 'pa\\'];
$stores = [];
foreach ($prefixes as $p) {
    $stores[$p] = mc_test_store(['prefix' => $p]);
    $items = [];
    for ($i = 0; $i < 1500; $i++) {
        $items["k$i"] = $i;
    }
    $stores[$p]->setMany('def', $items);
    $stores[$p]->set('def2', 'x', 'y', 100);
}
mc_test_raw(['SET', 'unrelated-key', 'keep']);
foreach ($prefixes as $p) {
    var_dump($stores[$p]->purgeAll());
    $counts = [];
    foreach ($prefixes as $q) {
        $counts[] = count($stores[$q]->findAll('def')) + count($stores[$q]->findAll('def2'));
    }
    echo "after purgeAll of '$p': ", implode(' ', $counts), "\n";
}
var_dump(mc_test_raw(['GET', 'unrelated-key']));
mc_test_raw(['DEL', 'unrelated-key']);
?>
--EXPECT--
bool(true)
after purgeAll of 'pa': 0 1501 1501 1501 1501 1501 1501
bool(true)
after purgeAll of 'pa*': 0 0 1501 1501 1501 1501 1501
bool(true)
after purgeAll of 'pa_': 0 0 0 1501 1501 1501 1501
bool(true)
after purgeAll of 'p': 0 0 0 0 1501 1501 1501
bool(true)
after purgeAll of 'pa?': 0 0 0 0 0 1501 1501
bool(true)
after purgeAll of 'pa[1]': 0 0 0 0 0 0 1501
bool(true)
after purgeAll of 'pa\': 0 0 0 0 0 0 0
string(4) "keep"
