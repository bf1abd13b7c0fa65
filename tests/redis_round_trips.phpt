--TEST--
RedisStore: every method, single or multi, costs one network round trip
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store(['near_cache' => false]);     // Redis's round trips (near-cache calls: near_cache_has.phpt)
$s->get('d', 'warm-up');   // connects
// the scripts loaded (a server's first EVALSHA of one is NOSCRIPT: loaded, sent again)
$s->findAll('d');
$s->releaseLock('d', 'warm-up', 'o');
$keys = array_map(fn($i) => "k$i", range(1, 50));
$items = array_combine($keys, range(1, 50));
$calls = [
    'set' => fn() => $s->set('d', 'k', 'v'),
    'set ttl' => fn() => $s->set('d', 'k', 'v', 60),
    'setMany' => fn() => $s->setMany('d', $items),
    'setMany ttl' => fn() => $s->setMany('d', $items, 60),
    'get' => fn() => $s->get('d', 'k'),
    'getMany' => fn() => $s->getMany('d', $keys),
    'has' => fn() => $s->has('d', 'k'),
    'hasAny' => fn() => $s->hasAny('d', $keys),
    'hasAll' => fn() => $s->hasAll('d', $keys),
    'findAll' => fn() => $s->findAll('d'),
    'findByPrefix' => fn() => $s->findByPrefix('d', 'k1'),
    'delete' => fn() => $s->delete('d', 'k'),
    'deleteMany' => fn() => $s->deleteMany('d', $keys),
    'acquireLock' => fn() => $s->acquireLock('d', 'k', 'o', 1000),
    'checkLockState' => fn() => $s->checkLockState('d', 'k', 'o'),
    'releaseLock' => fn() => $s->releaseLock('d', 'k', 'o'),
    'purge' => fn() => $s->purge('d'),
];
foreach ($calls as $name => $call) {
    $before = $s->stats()['round_trips'];
    $call();
    echo $name, ': ', $s->stats()['round_trips'] - $before, "\n";
}
$s->purgeAll();
?>
--EXPECT--
set: 1
set ttl: 1
setMany: 1
setMany ttl: 1
get: 1
getMany: 1
has: 1
hasAny: 1
hasAll: 1
findAll: 1
findByPrefix: 1
delete: 1
deleteMany: 1
acquireLock: 1
checkLockState: 1
releaseLock: 1
purge: 1
