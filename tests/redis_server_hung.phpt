--TEST--
RedisStore: a hung server (SIGSTOP: it still accepts connections) costs about one read timeout for a page of calls, not one per call; misses, one warning; calls work again once it answers
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
if (!function_exists('posix_kill')) die('skip needs posix'); ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$server = mc_test_start_redis();
$s = new MoodleCache\RedisStore(['server' => "tcp://127.0.0.1:{$server[1]}", 'prefix' => 'hung', 'read_timeout' => 0.5,
    'near_cache' => false]);
$s->set('d', 'k', 'v');
$warnings = 0;
set_error_handler(function () use (&$warnings) { $warnings++; return true; });
posix_kill($server[0], SIGSTOP);
$start = microtime(true);
$misses = 0;
for ($i = 0; $i < 20; $i++) {
    $misses += $s->get('d', 'k') === false ? 1 : 0;
}
$elapsed = microtime(true) - $start;
echo "20 calls: $misses misses, ", $elapsed < 1.5 ? 'about one timeout' : sprintf('%.1f s', $elapsed), ", $warnings warning\n";
echo preg_replace('/\d+/', 'N', (string)$s->lastError()), "\n";
posix_kill($server[0], SIGCONT);
// the window after a timeout passes, then the next call tries again
$ok = false;
for ($i = 0; $i < 40 && !$ok; $i++) {
    $ok = $s->get('d', 'k') === 'v';
    if (!$ok) usleep(100000);
}
echo $ok ? "answers again\n" : "never recovered\n";
mc_test_stop_redis($server);
?>
--EXPECT--
20 calls: 20 misses, about one timeout, 1 warning
get: not reconnecting to N.N.N.N:N for another N ms after a failed connect or a timeout
answers again
