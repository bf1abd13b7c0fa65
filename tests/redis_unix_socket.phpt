--TEST--
RedisStore: unix:// server and the database option
--SKIPIF--
<?php
require __DIR__ . '/skipif.inc';
if (!getenv('MOODLECACHE_TEST_REDIS_SOCKET')) die('skip MOODLECACHE_TEST_REDIS_SOCKET not set');
?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$socket = getenv('MOODLECACHE_TEST_REDIS_SOCKET');
$db0 = new MoodleCache\RedisStore(['server' => "unix://$socket", 'prefix' => 'sock']);
$db3 = new MoodleCache\RedisStore(['server' => "unix://$socket", 'prefix' => 'sock', 'database' => 3]);
$tcp3 = mc_test_store(['prefix' => 'sock', 'database' => 3]);
var_dump($db3->set('d', 'k', 'in db 3'));
var_dump($db0->get('d', 'k'), $db3->get('d', 'k'), $tcp3->get('d', 'k'));
var_dump(mc_test_raw(['HEXISTS', '{sock:d}', 'k']));
$db3->purgeAll();
var_dump($tcp3->get('d', 'k'));
?>
--EXPECT--
bool(true)
bool(false)
string(7) "in db 3"
string(7) "in db 3"
int(0)
bool(false)
