--TEST--
Near cache: a Redis restart flushes the near cache (no old value is served), then it refills
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$server = mc_test_start_redis();
$port = $server[1];
$s = nc_store('nc_restart_', ['server' => "tcp://127.0.0.1:$port"]);
nc_ready($s);
$s->set('d', 'k', 'before');
var_dump($s->get('d', 'k'), $s->get('d', 'k'));
$flushes = $s->stats()['near_flushes'];

mc_test_stop_redis($server);                     // kill -9: the data is gone
$server = mc_test_start_redis([], $port);
// The listener saw its connection drop: nothing old may be served now,
// whether or not it has reconnected yet.
var_dump(@$s->get('d', 'k'));
var_dump($s->nearCacheSync(5.0));                 // the listener is back
echo "flushed: ", $s->stats()['near_flushes'] > $flushes ? 'yes' : 'no', "\n";
var_dump($s->get('d', 'k'));
$s->set('d', 'k', 'after');
$s->nearCacheSync();
$hits = $s->stats()['near_hits'];
var_dump($s->get('d', 'k'), $s->get('d', 'k'));
// the write installed its value, served once its announcement is back; when the listener applied
// the announcement before the worker installed it, the first get fills instead
echo "served from memory again: ", $s->stats()['near_hits'] - $hits >= 1 ? 'yes' : 'no', "\n";
mc_test_stop_redis($server);
?>
--EXPECT--
string(6) "before"
string(6) "before"
bool(false)
bool(true)
flushed: yes
bool(false)
string(5) "after"
string(5) "after"
served from memory again: yes
