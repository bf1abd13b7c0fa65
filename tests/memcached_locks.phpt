--TEST--
MemcachedStore: locks through add with expiry and an owner check
--SKIPIF--
<?php require __DIR__ . '/memcached_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/memcached.inc';
$s = mc_test_memcached_store();
var_dump($s->checkLockState('d', 'k', 'me'));                 // no lock: null
var_dump($s->acquireLock('d', 'k', 'me', 60000));
var_dump($s->acquireLock('d', 'k', 'you', 60000));            // held
var_dump($s->checkLockState('d', 'k', 'me'), $s->checkLockState('d', 'k', 'you'));
var_dump($s->releaseLock('d', 'k', 'you'));                   // not the owner
var_dump($s->releaseLock('d', 'k', 'me'), $s->releaseLock('d', 'k', 'me'));
var_dump($s->acquireLock('d', 'k', 'you', 60000));
// A lock is not data: purge leaves it, and a value of the same key is separate.
var_dump($s->set('d', 'k', 'value'), $s->purge('d'), $s->checkLockState('d', 'k', 'you'));
// Expiry: memcached counts whole seconds; a 1 ms lock lasts at most about 2 s.
var_dump($s->acquireLock('d', 'short', 'you', 1));
$taken = false;
for ($i = 0; $i < 100 && !$taken; $i++) {
    usleep(100000);
    $taken = $s->acquireLock('d', 'short', 'me', 60000);
}
var_dump($taken, $s->checkLockState('d', 'short', 'me'));
try {
    $s->acquireLock('d', 'k', 'me', 0);
} catch (ValueError $e) {
    echo get_class($e), "\n";
}
?>
--EXPECT--
NULL
bool(true)
bool(false)
bool(true)
bool(false)
bool(false)
bool(true)
bool(false)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
ValueError
