--TEST--
RedisStore: a corrupt or foreign value is a miss plus one warning, never a crash
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store(['prefix' => 'corrupt']);
$s->set('d', 'good', ['a' => 1]);
$s->set('d', 'flip', str_repeat('value ', 100));
$frame = mc_test_raw(['HGET', '{corrupt:d}', 'flip']);
$frame[strlen($frame) - 3] = chr(ord($frame[strlen($frame) - 3]) ^ 1);    // one bit in the payload
mc_test_raw(['HSET', '{corrupt:d}', 'flip', $frame]);
mc_test_raw(['HSET', '{corrupt:d}', 'foreign', 's:5:"hello";']);              // written by another client
mc_test_raw(['HSET', '{corrupt:d}', 'short', 'MC']);                          // truncated header
$good = mc_test_raw(['HGET', '{corrupt:d}', 'good']);
mc_test_raw(['HSET', '{corrupt:d}', 'truncated', substr($good, 0, -4)]);
mc_test_raw(['HSET', '{corrupt:d}', 'newer', "MC\x09" . substr($good, 3)]);   // a future frame version

foreach (['flip', 'foreign', 'short', 'truncated', 'newer'] as $k) {
    var_dump($s->get('d', $k));
}
var_dump($s->getMany('d', ['good', 'flip']));
var_dump($s->get('d', 'good'));
echo $s->lastError() === null ? "no error after a good read\n" : "stale error\n";
var_dump($s->stats()['corrupt']);
$s->purgeAll();
?>
--EXPECTF--
Warning: MoodleCache\RedisStore::get(): moodlecache: get: unreadable value for key 'flip' of 'd' (corrupt value); served as a miss in %s on line %d
bool(false)
bool(false)
bool(false)
bool(false)
bool(false)
array(2) {
  ["good"]=>
  array(1) {
    ["a"]=>
    int(1)
  }
  ["flip"]=>
  bool(false)
}
array(1) {
  ["a"]=>
  int(1)
}
no error after a good read
int(6)
