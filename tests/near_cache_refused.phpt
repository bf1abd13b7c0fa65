--TEST--
Near cache: a server that refuses what the listener needs (an ACL without Pub/Sub) leaves the store without near cache: one warning, the error in stats(), no reconnect storm, the data path intact
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$server = mc_test_start_redis();
$port = $server[1];
// SUBSCRIBE refused, PUBLISH allowed (with channels refused too, every write
// would also warn that it could not be announced: near_cache_announce.phpt)
mc_test_raw(['ACL', 'SETUSER', 'nopubsub', 'on', '>pw', '~*', '&*', '+@all', '-subscribe'], $port);
$warnings = [];
set_error_handler(function (int $no, string $msg) use (&$warnings) { $warnings[] = $msg; return true; });
$s = nc_store('nc_refused_', ['server' => "tcp://127.0.0.1:$port", 'username' => 'nopubsub', 'password' => 'pw']);
$before = (int)preg_replace('/.*total_connections_received:(\d+).*/s', '$1', mc_test_raw(['INFO', 'stats'], $port));
// a page's worth of calls for 3 s while the listener is refused
$end = microtime(true) + 3.0;
$ok = true;
while (microtime(true) < $end) {
    $ok = $s->set('d', 'k', 'v') && $s->get('d', 'k') === 'v' && $ok;
    usleep(2000);
}
$after = (int)preg_replace('/.*total_connections_received:(\d+).*/s', '$1', mc_test_raw(['INFO', 'stats'], $port));
echo "data path worked: ", $ok ? 'yes' : 'no', "\n";
echo "warnings: ", count($warnings), "\n";
echo preg_replace('/next try in \d+ s/', 'next try in N s', $warnings[0] ?? ''), "\n";
$st = $s->stats();
var_dump($st['near_enabled'], $st['near_trusted'], $st['near_hits'], $st['near_announce_errors']);
echo preg_replace('/\'[^\']*\' command/', 'a command', (string)$st['near_error']), "\n";
$made = $after - $before;
echo $made <= 10 ? "no reconnect storm\n" : "$made connections in 3 s\n";
mc_test_stop_redis($server);
?>
--EXPECTF--
data path worked: yes
warnings: 1
%s: moodlecache: near cache off for Redis tcp://127.0.0.1:%d (prefix 'nc_refused_'): SUBSCRIBE refused: NOPERM %s; reads go to Redis, next try in N s
bool(true)
bool(false)
int(0)
int(0)
SUBSCRIBE refused: NOPERM %s
no reconnect storm
