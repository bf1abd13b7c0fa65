--TEST--
Near cache: a listener connection that goes silent without a reset (a proxy stops forwarding) is distrusted within the bound, reads go to Redis, and trust returns when it is back
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$dir = sys_get_temp_dir() . '/mc-stall-' . getmypid();
@mkdir($dir);
$port = mc_test_free_port();
// The proxy reads our end of a pipe: it exits when this process does, even killed.
$proxy = proc_open([PHP_BINARY, '-n', __DIR__ . '/integration/proxy.php', '--stall', "$dir/stall", (string)$port,
    (string)mc_test_port(), "$dir/ready"], [0 => ['pipe', 'r']], $pipes);
register_shutdown_function(function () use ($proxy, $dir) {
    proc_terminate($proxy, 9);
    proc_close($proxy);
    exec('rm -rf ' . escapeshellarg($dir));
});
nc_wait_file("$dir/ready");
$p = 'nc_silent_' . getmypid() . '_';
$s = nc_store($p, ['server' => "tcp://127.0.0.1:$port"]);
$direct = nc_store($p);                              // another node's view of Redis, not through the proxy
nc_ready($s);
$s->set('d', 'k', 'v1');
$s->nearCacheSync();
var_dump($s->get('d', 'k'), $s->get('d', 'k'));
var_dump($s->stats()['near_trusted']);

touch("$dir/stall");                                 // the listener's subscription goes silent
$ms = nc_wait_ms(fn() => !$s->stats()['near_trusted']);
echo $ms >= 0 && $ms < 2000 ? "distrusted within the bound\n" : "not distrusted in time: $ms ms\n";
// a change the listener cannot hear about now (its announcement waits in
// the stalled connection): reads must go to Redis, and see it
$direct->set('d', 'k', 'v2');
$hits = $s->stats()['near_hits'];
var_dump($s->get('d', 'k'));
echo "near hits while distrusted: ", $s->stats()['near_hits'] - $hits, "\n";
var_dump($s->nearCacheSync(0.3));                    // the barrier says so too

unlink("$dir/stall");                                // forwarding again
var_dump($s->nearCacheSync(10.0));
var_dump($s->get('d', 'k'), $s->get('d', 'k'));
echo "near hits after recovery: ", $s->stats()['near_hits'] - $hits > 0 ? 'yes' : 'no', "\n";
$direct->purgeAll();
?>
--EXPECT--
string(2) "v1"
string(2) "v1"
bool(true)
distrusted within the bound
string(2) "v2"
near hits while distrusted: 0
bool(false)
bool(true)
string(2) "v2"
string(2) "v2"
near hits after recovery: yes
