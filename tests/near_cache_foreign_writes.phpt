--TEST--
Near cache: with near_cache_foreign_writes, writes by other programs (a store that does not announce, a DEL by hand) are caught through keyspace notifications; a server that sends none refuses the option with one warning
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$server = mc_test_start_redis(['--notify-keyspace-events', 'Kgh']);
$port = $server[1];
$opts = ['server' => "tcp://127.0.0.1:$port", 'near_cache_foreign_writes' => true];
$s = nc_store('nc_foreign_', $opts);
nc_ready($s);
$other = new MoodleCache\RedisStore(['server' => "tcp://127.0.0.1:$port", 'prefix' => 'nc_foreign_', 'near_cache' => false]);
$s->set('d', 'k', 'v1');
$s->set('d', 'j', 'j1');
$s->nearCacheSync();
var_dump($s->get('d', 'k'), $s->get('d', 'k'));
$other->set('d', 'k', 'written by another program');
$ms = nc_wait_ms(fn() => $s->get('d', 'k') !== 'v1');
var_dump($s->get('d', 'k'));
echo $ms >= 0 && $ms < 1000 ? "caught within 1 s\n" : "caught after $ms ms\n";
$s->get('d', 'j');
mc_test_raw(['DEL', '{nc_foreign_:d}'], $port);        // by hand
$ms = nc_wait_ms(fn() => $s->get('d', 'j') === false);
echo $ms >= 0 && $ms < 1000 ? "DEL by hand caught within 1 s\n" : "DEL caught after $ms ms\n";
print_r(nc_stats($s, ['near_trusted']));
mc_test_stop_redis($server);

// a server without keyspace notifications cannot serve the option
$server = mc_test_start_redis();
$warnings = [];
set_error_handler(function (int $no, string $msg) use (&$warnings) { $warnings[] = $msg; return true; });
$s = nc_store('nc_foreign_', ['server' => "tcp://127.0.0.1:{$server[1]}", 'near_cache_foreign_writes' => true]);
var_dump($s->nearCacheSync(2.0));
$s->set('d', 'k', 'v');
var_dump($s->get('d', 'k'));
echo count($warnings), " warning: ", preg_replace('/.*: (no keyspace[^;]*);.*/', '$1', $warnings[0] ?? ''), "\n";
mc_test_stop_redis($server);
?>
--EXPECT--
string(2) "v1"
string(2) "v1"
string(26) "written by another program"
caught within 1 s
DEL by hand caught within 1 s
Array
(
    [near_trusted] => 1
)
bool(false)
string(1) "v"
1 warning: no keyspace notifications (near_cache_foreign_writes needs notify-keyspace-events with K, g and h)
