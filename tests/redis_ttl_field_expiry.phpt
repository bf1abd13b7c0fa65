--TEST--
RedisStore with hash-field expiry (Redis 7.4+): a write with a TTL is HSET + HEXPIREAT and the server deletes the field when due, no sorted set, no script; a write without TTL clears it; data an older version wrote (sorted set layout) is read, expired, found and converted
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
require_once __DIR__ . '/config.inc';
if (!mc_test_field_ttl()) die('skip the server has no hash-field expiry: redis_ttl_frame_expiry.phpt'); ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store(['prefix' => 'fieldexp', 'near_cache' => false]);
$before = mc_test_raw(['INFO', 'commandstats']);
$s->set('d', 'k', 'value', 1);
$s->setMany('d', ['m1' => 1, 'm2' => 2], 1);
$s->set('d', 'again', 'first with a TTL', 100);
$s->set('d', 'again', 'then without');
$s->set('d', 'forever', 'no TTL');
$after = mc_test_raw(['INFO', 'commandstats']);
$calls = fn($stats, $cmd) => preg_match("/cmdstat_$cmd:calls=(\\d+)/", $stats, $m) ? (int)$m[1] : 0;
foreach (['hexpireat', 'zadd', 'evalsha', 'eval'] as $cmd) {
    echo "$cmd: ", $calls($after, $cmd) - $calls($before, $cmd), "\n";
}
var_dump(mc_test_raw(['EXISTS', '{fieldexp:d}#t']));
$ttl = mc_test_raw(['HPTTL', '{fieldexp:d}', 'FIELDS', 3, 'k', 'again', 'forever']);
echo "server TTLs: ", $ttl[0] > 0 && $ttl[0] <= 1000 ? 'k due' : 'k ' . $ttl[0], ', again ', $ttl[1], ', forever ', $ttl[2], "\n";
usleep(2100000);
var_dump(mc_test_raw(['HEXISTS', '{fieldexp:d}', 'k']));          // gone from Redis
var_dump($s->get('d', 'k'), $s->has('d', 'm1'), $s->hasAll('d', ['again', 'forever']), $s->hasAny('d', ['k', 'm2']));
$keys = $s->findAll('d');
sort($keys);
echo implode(',', $keys), "\n";

// An older version wrote these: frames with an expiry, and the sorted set {P:D}#t.
$old = mc_test_store(['prefix' => 'fieldexp', 'near_cache' => false]);
$old->set('u', 'due', 'soon', 1);
$old->set('u', 'later', 'in an hour', 3600);
$old->set('u', 'plain', 'no TTL');
foreach (['due', 'later'] as $f) {
    $frame = mc_test_raw(['HGET', '{fieldexp:u}', $f]);
    $expires = unpack('P', substr($frame, 8, 8))[1];
    mc_test_raw(['HPERSIST', '{fieldexp:u}', 'FIELDS', 1, $f]);     // no server expiry, as an old writer left it
    mc_test_raw(['ZADD', '{fieldexp:u}#t', $expires, $f]);
}
usleep(2100000);
var_dump($s->get('u', 'due'), $s->get('u', 'later'));                // the frame's expiry still counts
var_dump($s->has('u', 'due'), $s->hasAll('u', ['later', 'plain']));  // converted on the way
var_dump(mc_test_raw(['EXISTS', '{fieldexp:u}#t']), mc_test_raw(['HEXISTS', '{fieldexp:u}', 'due']));
$ttl = mc_test_raw(['HPTTL', '{fieldexp:u}', 'FIELDS', 2, 'later', 'plain']);
echo "converted: later has a server TTL: ", $ttl[0] > 0 ? 'yes' : 'no', ", plain: ", $ttl[1], "\n";
$keys = $s->findAll('u');
sort($keys);
echo implode(',', $keys), "\n";
var_dump($s->purge('u'), mc_test_raw(['EXISTS', '{fieldexp:u}', '{fieldexp:u}#t']));
$s->purgeAll();
?>
--EXPECT--
hexpireat: 3
zadd: 0
evalsha: 0
eval: 0
int(0)
server TTLs: k due, again -1, forever -1
int(0)
bool(false)
bool(false)
bool(true)
bool(false)
again,forever
bool(false)
string(10) "in an hour"
bool(false)
bool(true)
int(0)
int(0)
converted: later has a server TTL: yes, plain: -1
later,plain
bool(true)
int(0)
