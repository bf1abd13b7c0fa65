--TEST--
RedisStore: persistent (the default) hands a freed store's connection to the next store of the same settings, so it neither connects nor authenticates again; 'persistent' => false connects every time
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; if (!function_exists('posix_kill')) die('skip posix extension needed'); ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$server = mc_test_start_redis(['--requirepass', 'pw']);
$port = $server[1];
mc_test_raw(['AUTH', 'pw'], $port);
/** The number after $label in the server's INFO $section, without preg (see config.inc). */
function info_field(int $port, string $section, string $label): int
{
    $info = mc_test_raw(['INFO', $section], $port);
    $at = strpos($info, $label);
    return $at === false ? 0 : (int)substr($info, $at + strlen($label));
}
$options = ['server' => "tcp://127.0.0.1:$port", 'password' => 'pw', 'near_cache' => false];
$connections = info_field($port, 'stats', 'total_connections_received:');
$auths = info_field($port, 'commandstats', 'cmdstat_auth:calls=');

// one store after another, as one PHP-FPM request after another
foreach (['first', 'second', 'third'] as $i => $name) {
    $s = new MoodleCache\RedisStore($options);
    var_dump($s->set('d', 'k', $name), $s->get('d', 'k'));
    $st = $s->stats();
    echo "$name: connects {$st['connects']}, reused {$st['reused']}, errors {$st['errors']}\n";
    unset($s);
}
echo "connections made: ", info_field($port, 'stats', 'total_connections_received:') - $connections, "\n";
echo "AUTH run: ", info_field($port, 'commandstats', 'cmdstat_auth:calls=') - $auths, "\n";
echo "clients open (the pooled one and this test's): ", info_field($port, 'clients', 'connected_clients:'), "\n";

// not persistent: neither takes the pooled connection nor leaves its own
$connections = info_field($port, 'stats', 'total_connections_received:');
for ($i = 0; $i < 2; $i++) {
    $s = new MoodleCache\RedisStore($options + ['persistent' => false]);
    var_dump($s->get('d', 'k'));
    $st = $s->stats();
    echo "not persistent: connects {$st['connects']}, reused {$st['reused']}\n";
    unset($s);
}
echo "connections made: ", info_field($port, 'stats', 'total_connections_received:') - $connections, "\n";
echo "clients open: ", info_field($port, 'clients', 'connected_clients:'), "\n";

// a store not freed holds its connection: two alive at once use two
$a = new MoodleCache\RedisStore($options);
$b = new MoodleCache\RedisStore($options);
var_dump($a->get('d', 'k'), $b->get('d', 'k'));
echo "reused: ", $a->stats()['reused'] + $b->stats()['reused'], ", connects: ", $a->stats()['connects'] + $b->stats()['connects'], "\n";
unset($a, $b);
echo "clients open (two pooled and this test's): ", info_field($port, 'clients', 'connected_clients:'), "\n";
mc_test_stop_redis($server);
?>
--EXPECT--
bool(true)
string(5) "first"
first: connects 1, reused 0, errors 0
bool(true)
string(6) "second"
second: connects 0, reused 1, errors 0
bool(true)
string(5) "third"
third: connects 0, reused 1, errors 0
connections made: 1
AUTH run: 1
clients open (the pooled one and this test's): 2
string(5) "third"
not persistent: connects 1, reused 0
string(5) "third"
not persistent: connects 1, reused 0
connections made: 2
clients open: 2
string(5) "third"
string(5) "third"
reused: 1, connects: 1
clients open (two pooled and this test's): 3
