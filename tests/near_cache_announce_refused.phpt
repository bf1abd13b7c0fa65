--TEST--
Near cache: a writer whose announcement is refused (an ACL without Pub/Sub channels) warns once and deletes the prefix's epoch key, so other nodes flush instead of keeping the old value
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
if (getenv('USE_ZEND_ALLOC') === '0' && !getenv('ASAN_OPTIONS')) die('skip other nodes are too slow under valgrind'); ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$server = mc_test_start_redis();
$port = $server[1];
mc_test_raw(['ACL', 'SETUSER', 'nochannels', 'on', '>pw', '~*', '+@all', 'resetchannels'], $port);
$b = nc_store('nc_announce_', ['server' => "tcp://127.0.0.1:$port"]);
nc_ready($b);
$b->set('d', 'k', 'v1');
$b->nearCacheSync();
var_dump($b->get('d', 'k'), $b->get('d', 'k'));
echo nc_other_node('$a = nc_store("nc_announce_", ["server" => "tcp://127.0.0.1:' . $port . '", "username" => "nochannels", "password" => "pw"]);'
    . 'var_dump($a->set("d", "k", "v2"), $a->set("d", "k", "v2"));'
    . 'echo "announce errors: ", $a->stats()["near_announce_errors"], "\n";', [], ['moodlecache.near_cache_enable_cli' => '0']);
$ms = nc_wait_ms(fn() => $b->get('d', 'k') === 'v2', 5.0);
echo $ms >= 0 ? "the other node flushed: v2\n" : "the other node kept v1\n";
mc_test_stop_redis($server);
?>
--EXPECTF--
string(2) "v1"
string(2) "v1"

Warning: MoodleCache\RedisStore::set(): moodlecache: Redis tcp://127.0.0.1:%d: a change could not be announced to other nodes' near caches (NOPERM %s); allow the user Pub/Sub channels, or set near_cache to false on every store of prefix 'nc_announce_' in Command line code on line 1
bool(true)
bool(true)
announce errors: 2
the other node flushed: v2
