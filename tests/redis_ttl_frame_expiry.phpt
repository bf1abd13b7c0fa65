--TEST--
RedisStore: a value whose frame says it has expired is a miss even if Redis still holds it
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$s = mc_test_store(['prefix' => 'frameexp']);
$s->set('d', 'k', 'value', 1);
// Remove Redis's own expiry: only the expiry inside the frame is left.
var_dump(mc_test_raw(['PERSIST', '{frameexp:d}:k']));
usleep(2100000);
var_dump(mc_test_raw(['EXISTS', '{frameexp:d}:k']));
var_dump($s->get('d', 'k'));
var_dump($s->lastError());
$s->purgeAll();
?>
--EXPECT--
int(1)
int(1)
bool(false)
NULL
