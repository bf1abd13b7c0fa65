--TEST--
RedisStore: password and ACL user authentication; a wrong password is a miss with a clear warning
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; if (!function_exists('posix_kill')) die('skip posix extension needed'); ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$server = mc_test_start_redis(['--requirepass', 's3cret']);
$port = $server[1];
mc_test_raw(['AUTH', 's3cret'], $port);
// &*: the near cache's listener subscribes as this user too (near_cache_refused.phpt covers a user without it)
var_dump(mc_test_raw(['ACL', 'SETUSER', 'moodle', 'on', '>userpass', '~*', '&*', '+@all'], $port));

$good = new MoodleCache\RedisStore(['server' => "tcp://127.0.0.1:$port", 'password' => 's3cret']);
var_dump($good->set('d', 'k', 'v'), $good->get('d', 'k'));

$user = new MoodleCache\RedisStore(['server' => "tcp://127.0.0.1:$port", 'username' => 'moodle', 'password' => 'userpass']);
var_dump($user->get('d', 'k'));

$bad = new MoodleCache\RedisStore(['server' => "tcp://127.0.0.1:$port", 'password' => 'wrong']);
var_dump($bad->get('d', 'k'));
var_dump(str_contains(strtolower($bad->lastError()), 'auth') || str_contains(strtolower($bad->lastError()), 'pass'));

$none = new MoodleCache\RedisStore(['server' => "tcp://127.0.0.1:$port"]);
var_dump($none->get('d', 'k'));
mc_test_stop_redis($server);
?>
--EXPECTF--
string(2) "OK"
bool(true)
string(1) "v"
string(1) "v"

Warning: MoodleCache\RedisStore::get(): moodlecache: Redis tcp://127.0.0.1:%d unavailable (%s); get() served as a miss in %s on line %d
bool(false)
bool(true)
bool(false)
