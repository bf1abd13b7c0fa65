--TEST--
RedisStore without hash-field expiry: an expired field is a miss while Redis still holds it, and the next TTL write reaps it
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
require_once __DIR__ . '/config.inc';
if (mc_test_field_ttl()) die('skip the server has hash-field expiry: redis_ttl_field_expiry.phpt'); ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store(['prefix' => 'frameexp']);
// TTLs of 3 s: the reaper runs at a TTL write at most once a second, so these writes must all come
// before the first of them expires, also under valgrind.
$s->set('d', 'k', 'value', 3);
$s->setMany('d', ['m1' => 1, 'm2' => 2], 3);
$s->set('d', 'again', 'first with a TTL', 3);
$s->set('d', 'again', 'then without');          // its #t member is now stale
$s->set('d', 'forever', 'no TTL');
echo "members due later: ", mc_test_raw(['ZCARD', '{frameexp:d}#t']), "\n";
usleep(3100000);
// Redis holds the fields still; the frames say they have expired.
var_dump(mc_test_raw(['HEXISTS', '{frameexp:d}', 'k']));
var_dump($s->get('d', 'k'), $s->has('d', 'k'), $s->hasAny('d', ['k', 'm1']), $s->lastError());
var_dump($s->getMany('d', ['m1', 'm2', 'again']));
$keys = $s->findAll('d');
sort($keys);
echo implode(',', $keys), "\n";
// A write with a TTL reaps what expired, and only that.
$s->set('d', 'new', 'fresh', 60);
$fields = mc_test_raw(['HKEYS', '{frameexp:d}']);
sort($fields);
echo implode(',', $fields), "\n";
echo "members left: ", implode(',', mc_test_raw(['ZRANGE', '{frameexp:d}#t', 0, -1])), "\n";
var_dump($s->get('d', 'again'), $s->get('d', 'new'));
$s->purgeAll();
?>
--EXPECT--
members due later: 4
int(1)
bool(false)
bool(false)
bool(false)
NULL
array(3) {
  ["m1"]=>
  bool(false)
  ["m2"]=>
  bool(false)
  ["again"]=>
  string(12) "then without"
}
again,forever
again,forever,new
members left: new
string(12) "then without"
string(5) "fresh"
