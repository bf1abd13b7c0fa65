--TEST--
RedisStore without hash-field expiry, in a process without the node's near-cache mapping: the reaper runs at most once per reap_interval per definition and process, and again at once while a run finds its limit of 256 members due
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
require_once __DIR__ . '/config.inc';
if (mc_test_field_ttl()) die('skip the server has hash-field expiry: no reaper'); ?>
--INI--
moodlecache.near_cache_enable_cli=0
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store(['prefix' => 'reapint' . getmypid(), 'reap_interval' => 3]);
$hash = '{reapint' . getmypid() . ':d}';
$many = [];
for ($i = 0; $i < 300; $i++) {
    $many[sprintf('k%03d', $i)] = $i;
}
var_dump($s->setMany('d', $many, 1));          // runs the reaper: nothing due; the next run in 3 s
usleep(3100000);
// due: this write's reaper looks at 256 of the 300 and deletes them
var_dump($s->set('d', 'x', 'x', 60));
echo "fields: ", mc_test_raw(['HLEN', $hash]), "\n";
// it found its limit: the next write reaps again, without waiting
var_dump($s->set('d', 'y', 'y', 60));
echo "fields: ", mc_test_raw(['HLEN', $hash]), "\n";
// that run found fewer: no reaper for 3 s; an expired field stays in Redis
// (a miss all the same: its frame says it is due)
var_dump($s->set('d', 'w', 'w', 1));
usleep(2100000);
var_dump($s->set('d', 'z', 'z', 60));
echo "w in Redis: ", mc_test_raw(['HEXISTS', $hash, 'w']), "\n";
var_dump($s->get('d', 'w'));
// another definition has its own interval
var_dump($s->set('e', 'e', 'e', 60));
echo "e's TTL set: ", mc_test_raw(['ZCARD', '{reapint' . getmypid() . ':e}#t']), "\n";
// 0: every TTL write reaps
$every = mc_test_store(['prefix' => 'reapint' . getmypid(), 'reap_interval' => 0]);
var_dump($every->set('d', 'v', 'v', 60));
echo "w in Redis: ", mc_test_raw(['HEXISTS', $hash, 'w']), "\n";
$s->purgeAll();
?>
--EXPECT--
int(300)
bool(true)
fields: 45
bool(true)
fields: 2
bool(true)
bool(true)
w in Redis: 1
bool(false)
bool(true)
e's TTL set: 1
bool(true)
w in Redis: 0
