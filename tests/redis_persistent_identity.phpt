--TEST--
RedisStore: a pooled connection goes only to a store of the same user, password and database: never to another ACL user, a wrong password or no password
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; if (!function_exists('posix_kill')) die('skip posix extension needed'); ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$server = mc_test_start_redis();
$port = $server[1];
// alice may touch every key, bob only keys under "bob"
var_dump(mc_test_raw(['ACL', 'SETUSER', 'alice', 'on', '>alicepw', '~*', '+@all'], $port));
var_dump(mc_test_raw(['ACL', 'SETUSER', 'bob', 'on', '>bobpw', '~bob*', '+@all'], $port));
$base = ['server' => "tcp://127.0.0.1:$port", 'near_cache' => false];
$alice = $base + ['username' => 'alice', 'password' => 'alicepw'];

/** Runs a set and a get in a new store, frees it; what happened. */
function use_store(string $who, array $options): void
{
    $s = new MoodleCache\RedisStore($options);
    $set = $s->set('d', 'k', $who);
    $got = $s->get('d', 'k');
    $st = $s->stats();
    echo "$who: set ", var_export($set, true), ", get ", var_export($got, true),
        ", reused {$st['reused']}, connects {$st['connects']}\n";
}

use_store('alice', $alice);
use_store('bob (denied the key)', $base + ['username' => 'bob', 'password' => 'bobpw']);
use_store('no password', $base);
use_store('alice, wrong password', $base + ['username' => 'alice', 'password' => 'bobpw']);
use_store('alice, database 1', $alice + ['database' => 1]);
use_store('alice again', $alice);

// who the server sees: each connection with its user and database
$who = [];
foreach (explode("\n", trim(mc_test_raw(['CLIENT', 'LIST'], $port))) as $line) {
    $f = [];
    foreach (explode(' ', $line) as $kv) {
        [$k, $v] = explode('=', $kv, 2) + [1 => ''];
        $f[$k] = $v;
    }
    if ($f['cmd'] !== 'client|list') $who[] = "{$f['user']} db{$f['db']}";
}
sort($who);
echo implode(', ', $who), "\n";
mc_test_stop_redis($server);
?>
--EXPECTF--
string(2) "OK"
string(2) "OK"
alice: set true, get 'alice', reused 0, connects 1

Warning: MoodleCache\RedisStore::set(): moodlecache: Redis tcp://127.0.0.1:%d: set() failed: NOPERM %s in %s on line %d
bob (denied the key): set false, get false, reused 0, connects 1
no password: set true, get 'no password', reused 0, connects 1
alice, wrong password: set false, get false, reused 0, connects 0
alice, database 1: set true, get 'alice, database 1', reused 0, connects 1
alice again: set true, get 'alice again', reused 1, connects 0
alice db0, alice db1, bob db0, default db0
