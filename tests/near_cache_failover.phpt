--TEST--
Near cache: a failover that loses writes (the old master turns replica of one that missed them) is noticed by the replication id: the near cache flushes and the older value Redis now holds is what reads see
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$sync = ['--repl-diskless-sync-delay', '0'];
$a = mc_test_start_redis($sync);
$b = mc_test_start_redis(array_merge($sync, ['--replicaof', '127.0.0.1', (string)$a[1]]));
for ($i = 0; $i < 500 && !str_contains(mc_test_raw(['INFO', 'replication'], $b[1]), 'master_link_status:up'); $i++) usleep(10000);
$s = nc_store('nc_failover_', ['server' => "tcp://127.0.0.1:{$a[1]}"]);
nc_ready($s);
$s->set('d', 'k', 'v1');
for ($i = 0; $i < 500 && mc_test_raw(['HGET', '{nc_failover_:d}', 'k'], $b[1]) === null; $i++) usleep(10000);
mc_test_raw(['REPLICAOF', 'NO', 'ONE'], $b[1]);       // B is promoted with v1 ...
$s->set('d', 'k', 'v2');                              // ... and misses this write to A
$s->nearCacheSync(5.0);                               // our own announcement applied: it cannot drop the fill below
var_dump($s->get('d', 'k'), $s->get('d', 'k'));
$flushes = $s->stats()['near_flushes'];
mc_test_raw(['REPLICAOF', '127.0.0.1', (string)$b[1]], $a[1]);   // A now follows B: v2 is lost
$ms = nc_wait_ms(fn() => @$s->get('d', 'k') === 'v1', 10.0);
echo $ms >= 0 ? "reads see v1, the value Redis holds\n" : "still v2\n";
// the listener's replication check (every 5th round) flushes, at its own pace under a sanitizer
$flushed = nc_wait_ms(fn() => $s->stats()['near_flushes'] > $flushes, 10.0);
echo "flushed: ", $flushed >= 0 ? 'yes' : 'no', "\n";
mc_test_stop_redis($a);
mc_test_stop_redis($b);
?>
--EXPECT--
string(2) "v2"
string(2) "v2"
reads see v1, the value Redis holds
flushed: yes
