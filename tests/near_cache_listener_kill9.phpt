--TEST--
Near cache: kill -9 of the worker whose thread listens makes the node distrust the near cache at once; another worker takes over
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
if (!function_exists('pcntl_fork')) die('skip pcntl needed (workers of one node)'); ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$p = 'nc_kill_' . getmypid() . '_';
$ready = sys_get_temp_dir() . "/nc-kill-ready-" . getmypid();
@unlink($ready);
// A worker of this node (a forked child shares the shared memory) becomes
// the listener, then waits to be killed.
$pid = pcntl_fork();
if ($pid === 0) {
    $w = nc_store($p);
    $ok = $w->nearCacheSync(5.0);
    file_put_contents($ready, $ok ? 'ok' : 'not ready');
    sleep(60);
    exit(0);
}
nc_wait_file($ready);
usleep(10000);
echo "worker: ", file_get_contents($ready), "\n";
$s = nc_store($p);
$s->set('d', 'k', 'v1');
$s->nearCacheSync();
var_dump($s->get('d', 'k'), $s->get('d', 'k'));     // the second from memory at least
print_r(nc_stats($s, ['near_trusted']));
echo "served from memory: ", $s->stats()['near_hits'] >= 1 ? 'yes' : 'no', "\n";

posix_kill($pid, SIGKILL);
pcntl_waitpid($pid, $status);
// The listener is dead: a write now would not be heard, so nothing is trusted.
mc_test_raw(['HSET', '{' . $p . ':d}', 'k', 'written while nobody listened']);
print_r(nc_stats($s, ['near_trusted']));
var_dump(@$s->get('d', 'k') === 'v1');
var_dump($s->nearCacheSync(5.0));             // this process took over
$s->set('d', 'k', 'v2');
$s->nearCacheSync();
$hits = $s->stats()['near_hits'];
var_dump($s->get('d', 'k'), $s->get('d', 'k'));
print_r(nc_stats($s, ['near_trusted']));
echo "served from memory: ", $s->stats()['near_hits'] - $hits >= 1 ? 'yes' : 'no', "\n";
@unlink($ready);
$s->purgeAll();
?>
--EXPECT--
worker: ok
string(2) "v1"
string(2) "v1"
Array
(
    [near_trusted] => 1
)
served from memory: yes
Array
(
    [near_trusted] => 
)
bool(false)
bool(true)
string(2) "v2"
string(2) "v2"
Array
(
    [near_trusted] => 1
)
served from memory: yes
