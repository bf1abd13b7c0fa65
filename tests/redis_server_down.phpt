--TEST--
RedisStore: no server is a miss for every method, one warning, never an exception
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = new MoodleCache\RedisStore(['server' => 'tcp://127.0.0.1:' . mc_test_free_port(), 'connect_timeout' => 0.5]);
var_dump($s->get('d', 'k'));
var_dump($s->lastError() !== null);
var_dump($s->getMany('d', ['a', 'b']));
var_dump($s->set('d', 'k', 1), $s->setMany('d', ['a' => 1]), $s->delete('d', 'k'), $s->deleteMany('d', ['k']));
var_dump($s->has('d', 'k'), $s->hasAny('d', ['k']), $s->hasAll('d', ['k']));
var_dump($s->purge('d'), $s->purgeAll(), $s->findAll('d'), $s->findByPrefix('d', 'x'));
// a lock call that cannot reach the server: not taken, not released, state unknown (false: never "ours", never "free")
var_dump($s->acquireLock('d', 'k', 'me', 1000), $s->releaseLock('d', 'k', 'me'), $s->checkLockState('d', 'k', 'me'));
$stats = $s->stats();
var_dump($stats['errors'] > 0, $stats['misses']);
?>
--EXPECTF--
Warning: MoodleCache\RedisStore::get(): moodlecache: Redis tcp://127.0.0.1:%d unavailable (%s); get() served as a miss in %s on line %d
bool(false)
bool(true)
array(2) {
  ["a"]=>
  bool(false)
  ["b"]=>
  bool(false)
}
bool(false)
int(0)
bool(false)
int(0)
bool(false)
bool(false)
bool(false)
bool(false)
bool(false)
array(0) {
}
array(0) {
}
bool(false)
bool(false)
bool(false)
bool(true)
int(3)
