--TEST--
RedisStore: every script is sent by EVALSHA, never by its text; after SCRIPT FLUSH (a restart, a failover) the server's NOSCRIPT makes the store load it once and the call succeeds
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store(['near_cache' => false]);
$calls = function (string $cmd): int {
    return preg_match("/cmdstat_$cmd:calls=(\\d+)/", mc_test_raw(['INFO', 'commandstats']), $m) ? (int)$m[1] : 0;
};
$eval = $calls('eval') + $calls('eval_ro');
$s->set('d', 'a', 1, 60);
$s->setMany('d', ['b' => 2, 'c' => 3], 60);
mc_test_raw(['SCRIPT', 'FLUSH']);
var_dump($s->set('d', 'e', 5, 60), $s->has('d', 'a'), $s->hasAll('d', ['b', 'c']), $s->findByPrefix('d', 'e'));
mc_test_raw(['SCRIPT', 'FLUSH']);
var_dump($s->acquireLock('d', 'k', 'me', 10000), $s->releaseLock('d', 'k', 'me'), $s->checkLockState('d', 'k', 'me'));
var_dump($s->lastError());
echo "EVAL with the script's text: ", $calls('eval') + $calls('eval_ro') - $eval, "\n";
$s->purgeAll();
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
array(1) {
  [0]=>
  string(1) "e"
}
bool(true)
bool(true)
NULL
NULL
EVAL with the script's text: 0
