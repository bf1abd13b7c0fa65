--TEST--
RedisStore: a pooled connection the server killed (CLIENT KILL) or lost (a restart) while it was idle is replaced by a fresh one: no warning, no failed call
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; if (!function_exists('posix_kill')) die('skip posix extension needed'); ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$server = mc_test_start_redis();
$port = $server[1];
$options = ['server' => "tcp://127.0.0.1:$port", 'near_cache' => false];

/** $reused false: not shown (a kill seen at take, or only when the request
 * is sent - then resent on a fresh connection: a fresh connect either way). */
function use_store(string $what, array $options, bool $reused = true): void
{
    $s = new MoodleCache\RedisStore($options);
    $set = $s->set('d', 'k', $what);
    $got = $s->get('d', 'k');
    $st = $s->stats();
    echo "$what: set ", var_export($set, true), ", get ", var_export($got, true),
        $reused ? ", reused {$st['reused']}" : '', ", connects {$st['connects']}, errors {$st['errors']}, lastError ",
        var_export($s->lastError(), true), "\n";
}

use_store('parks a connection', $options);
use_store('takes it', $options);
// every client but this test's own
var_dump(mc_test_raw(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'], $port));
use_store('after CLIENT KILL', $options, false);

// a restart on the same port: the parked connection is gone with the old server
mc_test_stop_redis($server);
$server = mc_test_start_redis([], $port);
use_store('after a restart', $options);
use_store('takes the new one', $options);
mc_test_stop_redis($server);
?>
--EXPECT--
parks a connection: set true, get 'parks a connection', reused 0, connects 1, errors 0, lastError NULL
takes it: set true, get 'takes it', reused 1, connects 0, errors 0, lastError NULL
int(1)
after CLIENT KILL: set true, get 'after CLIENT KILL', connects 1, errors 0, lastError NULL
after a restart: set true, get 'after a restart', reused 0, connects 1, errors 0, lastError NULL
takes the new one: set true, get 'takes the new one', reused 1, connects 0, errors 0, lastError NULL
