--TEST--
MemcachedStore: a generation key holding no generation (written by something else) no longer blocks the prefix's writes: it is counted as corrupt, reported once, and replaced (a purge); purgeAll repairs it too; errors show no heap address
--SKIPIF--
<?php require __DIR__ . '/memcached_skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/memcached.inc';
$p = 'bg' . getmypid();
$raw = function (string $command): string {
    $out = '';
    foreach (mc_test_memcached_servers() as $server) {
        $c = stream_socket_client("tcp://$server", $errno, $errstr, 1);
        fwrite($c, $command);
        $out .= fgets($c);
        fclose($c);
    }
    return $out;
};
$warnings = [];
set_error_handler(function (int $no, string $msg) use (&$warnings) { $warnings[] = $msg; return true; });
$raw("set $p:d{g 0 0 7\r\ngarbage\r\n");                    // the definition's generation
$s = mc_test_memcached_store(['prefix' => $p]);
var_dump($s->set('d', 'k', 'v'), $s->setMany('d', ['a' => 1, 'b' => 2]), $s->get('d', 'k'));
echo "corrupt: ", $s->stats()['corrupt'], ", warnings: ", count($warnings), "\n";
echo preg_replace('/^.*?: /', '', $warnings[0] ?? ''), "\n";
$raw("set $p{g 0 0 7\r\ngarbage\r\n");                       // the prefix's generation
var_dump($s->purgeAll(), $s->get('d', 'k'), $s->set('d', 'k', 'again'), $s->get('d', 'k'));
// a dead server's error text: no "(0x...)" address, no source file
$dead = mc_test_memcached_store(['servers' => ['127.0.0.1:1'], 'connect_timeout' => 0.2]);
$dead->get('d', 'k');
echo str_contains((string)$dead->lastError(), '0x') || str_contains((string)$dead->lastError(), '.cc:') ? 'leaks: ' . $dead->lastError() : 'clean', "\n";
$s->purgeAll();
?>
--EXPECTF--
bool(true)
int(2)
string(1) "v"
corrupt: 1, warnings: 1
moodlecache: memcached %s: set: a generation key held no generation; replaced (a purge)
bool(true)
bool(false)
bool(true)
string(5) "again"
clean
