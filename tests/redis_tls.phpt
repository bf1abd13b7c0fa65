--TEST--
RedisStore: TLS to redis-server --tls-port with a self-signed CA made by the test
--SKIPIF--
<?php
require __DIR__ . '/skipif.inc';
exec('redis-server --help 2>&1', $out);
exec('openssl version 2>&1', $o, $rc);
if ($rc !== 0) die('skip openssl command not found');
?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$dir = mc_test_tmpdir() . '/mc-phpt-tls-' . getmypid();
@mkdir($dir);
$q = fn($s) => escapeshellarg($s);
$cmds = [
    "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=moodlecache-test-ca -keyout $dir/ca.key -out $dir/ca.crt",
    "openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout $dir/server.key -out $dir/server.csr",
    "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > $dir/ext.cnf",
    "openssl x509 -req -in $dir/server.csr -CA $dir/ca.crt -CAkey $dir/ca.key -CAcreateserial -days 2 -extfile $dir/ext.cnf -out $dir/server.crt",
];
foreach ($cmds as $c) {
    exec("$c 2>&1", $out, $rc);
    if ($rc !== 0) { echo "failed: $c\n", implode("\n", $out); exit(1); }
}
$tlsport = mc_test_free_port();
$server = mc_test_start_redis(['--tls-port', (string)$tlsport, '--tls-cert-file', "$dir/server.crt",
    '--tls-key-file', "$dir/server.key", '--tls-ca-cert-file', "$dir/ca.crt", '--tls-auth-clients', 'no']);

// A TLS handshake under valgrind takes seconds: give the stores time there.
$slow = getenv('MOODLECACHE_TEST_SANITIZER') ? ['connect_timeout' => 20.0, 'read_timeout' => 20.0] : [];
$ok = new MoodleCache\RedisStore($slow + ['server' => "tls://127.0.0.1:$tlsport", 'tls' => ['ca_file' => "$dir/ca.crt"]]);
var_dump($ok->set('d', 'k', 'over tls'), $ok->get('d', 'k'));

$named = new MoodleCache\RedisStore($slow + ['server' => "tls://127.0.0.1:$tlsport", 'tls' => ['ca_file' => "$dir/ca.crt", 'server_name' => 'localhost']]);
var_dump($named->get('d', 'k'));

$wrongname = new MoodleCache\RedisStore($slow + ['server' => "tls://127.0.0.1:$tlsport", 'tls' => ['ca_file' => "$dir/ca.crt", 'server_name' => 'elsewhere.example']]);
var_dump(@$wrongname->get('d', 'k'), $wrongname->lastError() !== null);

$noca = new MoodleCache\RedisStore($slow + ['server' => "tls://127.0.0.1:$tlsport"]);
var_dump(@$noca->get('d', 'k'), $noca->lastError() !== null);

$noverify = new MoodleCache\RedisStore($slow + ['server' => "tls://127.0.0.1:$tlsport", 'tls' => ['verify_peer' => false]]);
var_dump($noverify->get('d', 'k'));

$plain = new MoodleCache\RedisStore(['server' => "tcp://127.0.0.1:$tlsport", 'read_timeout' => 0.5]);
var_dump(@$plain->get('d', 'k'));
mc_test_stop_redis($server);
exec('rm -rf ' . $q($dir));
?>
--EXPECT--
bool(true)
string(8) "over tls"
string(8) "over tls"
bool(false)
bool(true)
bool(false)
bool(true)
string(8) "over tls"
bool(false)
