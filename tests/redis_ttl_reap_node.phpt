--TEST--
RedisStore without hash-field expiry, in the workers of one node (forked after the near-cache mapping, as PHP-FPM's): the reaper runs at most once per reap_interval per definition on the whole node, in whichever worker writes next
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
require_once __DIR__ . '/config.inc';
if (!function_exists('pcntl_fork')) die('skip pcntl needed (workers of one node)');
if (mc_test_field_ttl()) die('skip the server has hash-field expiry: no reaper'); ?>
--INI--
moodlecache.near_cache_enable_cli=1
--FILE--
<?php
require __DIR__ . '/config.inc';
$p = 'reapnode' . getmypid();
$hash = '{' . $p . ':d}';
// a worker writes first: its reaper run closes the gate for the node
$pid = pcntl_fork();
if ($pid === 0) {
    mc_test_store(['prefix' => $p, 'reap_interval' => 3])->set('d', 'old', 'v', 1);
    exit(0);
}
pcntl_waitpid($pid, $status);
usleep(2100000);
// another worker (this process never ran the reaper itself) writes 2.1 s later
$s = mc_test_store(['prefix' => $p, 'reap_interval' => 3]);
$s->set('d', 'x', 'v', 60);
echo "expired field left (gate closed): ", mc_test_raw(['HEXISTS', $hash, 'old']), "\n";
usleep(1000000);
$s->set('d', 'y', 'v', 60);
echo "after the interval: ", mc_test_raw(['HEXISTS', $hash, 'old']), "\n";
$s->purgeAll();
?>
--EXPECT--
expired field left (gate closed): 1
after the interval: 0
