--TEST--
RedisStore: a forked child (pcntl_fork) never uses a connection its parent parked or had open (not even after freeing the store it inherited), nor sends on it; the parent's stay usable
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
if (!function_exists('pcntl_fork')) die('skip pcntl extension needed (pcntl_fork)');
if (!function_exists('posix_kill')) die('skip posix extension needed'); ?>
--FILE--
<?php
require __DIR__ . '/config.inc';
$server = mc_test_start_redis();
$port = $server[1];
$options = ['server' => "tcp://127.0.0.1:$port", 'near_cache' => false];

function use_store(array $options): string
{
    $s = new MoodleCache\RedisStore($options);
    $got = $s->get('d', 'k');
    $st = $s->stats();
    return "get " . var_export($got, true) . ", reused {$st['reused']}, connects {$st['connects']}, errors {$st['errors']}";
}

$s = new MoodleCache\RedisStore($options);
var_dump($s->set('d', 'k', 'v'));
$live = new MoodleCache\RedisStore($options);  // open across the fork
var_dump($live->get('d', 'k'));
unset($s);                                  // parked in this process

$out = mc_test_tmpdir() . '/persistent-fork-' . getmypid() . '.txt';
$pid = pcntl_fork();
if ($pid === 0) {
    unset($live);           // the parent's connection: closed here, not parked
    file_put_contents($out, use_store($options));
    // no shutdown functions (they would stop the parent's server): gone at once
    posix_kill(posix_getpid(), 9);
}
pcntl_waitpid($pid, $status);
echo "child: ", file_get_contents($out), "\n";
@unlink($out);
var_dump($live->get('d', 'k'), $live->stats()['errors']);
unset($live);
echo "parent: ", use_store($options), "\n";
mc_test_stop_redis($server);
?>
--EXPECT--
bool(true)
string(1) "v"
child: get 'v', reused 0, connects 1, errors 0
string(1) "v"
int(0)
parent: get 'v', reused 1, connects 0, errors 0
