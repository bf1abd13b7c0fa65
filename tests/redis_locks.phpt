--TEST--
RedisStore: locks are exclusive, released only by their owner, and expire
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store();
var_dump($s->checkLockState('d', 'k', 'alice'));        // no lock
var_dump($s->acquireLock('d', 'k', 'alice', 10000));
var_dump($s->acquireLock('d', 'k', 'bob', 10000));      // held by alice
var_dump($s->checkLockState('d', 'k', 'alice'));        // mine
var_dump($s->checkLockState('d', 'k', 'bob'));          // someone else's
var_dump($s->releaseLock('d', 'k', 'bob'));             // not bob's to release
var_dump($s->checkLockState('d', 'k', 'alice'));
var_dump($s->releaseLock('d', 'k', 'alice'));
var_dump($s->releaseLock('d', 'k', 'alice'));           // already released
var_dump($s->acquireLock('d', 'k', 'bob', 200));
var_dump($s->acquireLock('d', 'other', 'alice', 10000)); // other key: independent
usleep(400000);
var_dump($s->checkLockState('d', 'k', 'bob'));          // expired
var_dump($s->acquireLock('d', 'k', 'alice', 10000));
$s->set('d', 'k', 'a value');                           // data and lock do not collide
var_dump($s->get('d', 'k'), $s->checkLockState('d', 'k', 'alice'));
try {
    $s->acquireLock('d', 'k', 'x', 0);
} catch (ValueError $e) {
    echo $e->getMessage(), "\n";
}
$s->purgeAll();
?>
--EXPECT--
NULL
bool(true)
bool(false)
bool(true)
bool(false)
bool(false)
bool(true)
bool(true)
bool(false)
bool(true)
bool(true)
NULL
bool(true)
string(7) "a value"
bool(true)
MoodleCache\RedisStore::acquireLock(): Argument #4 ($ttlMs) must be a number of milliseconds above 0
