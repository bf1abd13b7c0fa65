--TEST--
Near cache: nearCacheSync whose poke is lost (the store's own connection closed, the listener's fine) still waits for a round and says true; false was a barrier skipped while reads stayed near hits
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$dir = sys_get_temp_dir() . '/mc-barrier-' . getmypid();
@mkdir($dir);
$port = mc_test_free_port();
// The server runs each request holding "poke" (the sync's PUBLISH), then the
// proxy closes that connection before the reply (the resend's too): the
// store's call fails, the listener's connections (they never send "poke")
// stay up.  As a cluster node killed under the store's connection while the
// listener has not noticed yet, or a master a stale map still points at.
$proxy = proc_open([PHP_BINARY, '-n', __DIR__ . '/integration/proxy.php', '--close-all', 'poke', (string)$port,
    (string)mc_test_port(), "$dir/ready"], [0 => ['pipe', 'r']], $pipes);   // it exits when our end closes
register_shutdown_function(function () use ($proxy, $dir) {
    proc_terminate($proxy, 9);
    proc_close($proxy);
    exec('rm -rf ' . escapeshellarg($dir));
});
nc_wait_file("$dir/ready");
$p = 'nc_barrier_' . getmypid() . '_';
$s = nc_store($p, ['server' => "tcp://127.0.0.1:$port"]);
$s->set('d', 'k', 'v1');
// trusted without a sync (a sync would send the poke)
$ms = nc_wait_ms(function () use ($s) { $s->get('d', 'k'); return $s->stats()['near_trusted']; });
echo $ms >= 0 ? "trusted\n" : "not trusted\n";
$start = hrtime(true);
var_dump($s->nearCacheSync(5.0));            // its poke fails: the listener's own round is the barrier
$ms = (hrtime(true) - $start) / 1e6;
echo $ms < 2000 ? "within the listener's round\n" : "slow: $ms ms\n";
var_dump($s->stats()['near_trusted']);
var_dump($s->nearCacheSync(5.0));            // and again
var_dump($s->get('d', 'k'), $s->get('d', 'k'));
$s->purgeAll();
?>
--EXPECT--
trusted
bool(true)
within the listener's round
bool(true)
bool(true)
string(2) "v1"
string(2) "v1"
