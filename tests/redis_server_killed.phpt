--TEST--
RedisStore: a server killed mid-test gives misses, then the store reconnects when it is back
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; if (!function_exists('posix_kill')) die('skip posix extension needed'); ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$server = mc_test_start_redis();
$port = $server[1];
$s = new MoodleCache\RedisStore(['server' => "tcp://127.0.0.1:$port", 'read_timeout' => 0.5, 'connect_timeout' => 0.5]);
var_dump($s->set('d', 'k', 'before'), $s->get('d', 'k'));
mc_test_stop_redis($server);                 // kill -9
var_dump($s->get('d', 'k'));                 // a miss and one warning
var_dump($s->set('d', 'k', 'during'));       // no second warning
var_dump($s->getMany('d', ['k']));
$server = mc_test_start_redis([], $port);    // back, empty
usleep(1100000);                             // longer than the largest reconnect backoff
var_dump($s->get('d', 'k'));
var_dump($s->set('d', 'k', 'after'), $s->get('d', 'k'));
var_dump($s->lastError());
$stats = $s->stats();
var_dump($stats['reconnects'] >= 1, $stats['errors'] >= 2);
mc_test_stop_redis($server);
?>
--EXPECTF--
bool(true)
string(6) "before"

Warning: MoodleCache\RedisStore::get(): moodlecache: Redis tcp://127.0.0.1:%d unavailable (%s); get() served as a miss in %s on line %d
bool(false)
bool(false)
array(1) {
  ["k"]=>
  bool(false)
}
bool(false)
bool(true)
string(5) "after"
NULL
bool(true)
bool(true)
