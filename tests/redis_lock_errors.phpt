--TEST--
RedisStore locks: server errors are errors (lastError, one warning, the errors stat), never "busy" or "no lock"; a lock acquire is never sent twice, even when the server closed the connection after running it
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$server = mc_test_start_redis();
$port = $server[1];
mc_test_raw(['ACL', 'SETUSER', 'noscript', 'on', '>pw', '~*', '&*', '+@all', '-evalsha', '-eval', '-get'], $port);
$warnings = 0;
set_error_handler(function () use (&$warnings) { $warnings++; return true; });
$s = new MoodleCache\RedisStore(['server' => "tcp://127.0.0.1:$port", 'prefix' => 'locks', 'near_cache' => false,
    'username' => 'noscript', 'password' => 'pw']);
var_dump($s->acquireLock('d', 'k', 'me', 10000));
var_dump($s->releaseLock('d', 'k', 'me'));                    // may not run the release script
echo preg_replace('/NOPERM.*(evalsha).*/i', 'NOPERM ($1)', (string)$s->lastError()), "\n";
var_dump($s->checkLockState('d', 'k', 'me'));                 // may not GET
echo preg_replace('/NOPERM.*/', 'NOPERM', (string)$s->lastError()), "\n";
mc_test_raw(['CONFIG', 'SET', 'maxmemory', '1'], $port);
var_dump($s->acquireLock('d', 'other', 'me', 10000));        // out of memory: not "busy"
echo substr((string)$s->lastError(), 0, 17), "\n";
mc_test_raw(['CONFIG', 'SET', 'maxmemory', '0'], $port);
echo "errors: ", $s->stats()['errors'], ", warnings: $warnings\n";

// The server runs SET ... NX and closes before the reply: the store must not send it again.
$dir = sys_get_temp_dir() . '/mc-close-' . getmypid();
@mkdir($dir);
$proxy_port = mc_test_free_port();
$proxy = proc_open([PHP_BINARY, '-n', __DIR__ . '/integration/proxy.php', '--close', 'NX', (string)$proxy_port,
    (string)$port, "$dir/ready"], [0 => ['pipe', 'r']], $pipes);   // it exits when our end closes
for ($i = 0; $i < 500 && !file_exists("$dir/ready"); $i++) usleep(10000);
$p = new MoodleCache\RedisStore(['server' => "tcp://127.0.0.1:$proxy_port", 'prefix' => 'locks', 'near_cache' => false]);
$p->get('d', 'warm-up');                                     // a reused connection, as in a page
$sets = fn() => preg_match('/cmdstat_set:calls=(\d+)/', mc_test_raw(['INFO', 'commandstats'], $port), $m) ? (int)$m[1] : 0;
$before = $sets();
var_dump(@$p->acquireLock('d', 'once', 'me', 10000));
echo "SET ran ", $sets() - $before, " time(s); ", $p->lastError() !== null ? 'reported' : 'silent', "\n";
proc_terminate($proxy, 9);
proc_close($proxy);
exec('rm -rf ' . escapeshellarg($dir));
mc_test_stop_redis($server);
?>
--EXPECT--
bool(true)
bool(false)
releaseLock: NOPERM (evalsha)
bool(false)
checkLockState: NOPERM
bool(false)
acquireLock: OOM 
errors: 3, warnings: 1
bool(false)
SET ran 1 time(s); reported
