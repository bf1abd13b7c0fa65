--TEST--
RedisStore cluster options: seeds are checked and named, no server/database/unix seeds with cluster; no I/O at construction
--SKIPIF--
<?php if (!extension_loaded('moodlecache')) die('skip moodlecache extension not loaded'); ?>
--FILE--
<?php
$cases = [
    ['cluster' => true],
    ['cluster' => true, 'servers' => []],
    ['cluster' => true, 'servers' => ['unix:///tmp/x.sock']],
    ['cluster' => true, 'servers' => ['tcp://127.0.0.1:7000', 'tls://127.0.0.1:7001']],
    ['cluster' => true, 'servers' => ['tcp://127.0.0.1:0']],
    ['cluster' => true, 'servers' => [7000]],
    ['cluster' => true, 'servers' => ['tcp://127.0.0.1:7000'], 'server' => 'tcp://127.0.0.1:7000'],
    ['cluster' => true, 'servers' => ['tcp://127.0.0.1:7000'], 'database' => 2],
    ['cluster' => true, 'servers' => ['tcp://127.0.0.1:7000'], 'tls' => ['verify_peer' => false]],
    ['cluster' => 'yes', 'servers' => ['tcp://127.0.0.1:7000']],
    ['servers' => ['tcp://127.0.0.1:7000']],
    ['read_from_replicas' => true],
];
foreach ($cases as $options) {
    try {
        new MoodleCache\RedisStore($options);
        echo "accepted\n";
    } catch (Throwable $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}
// Accepted without connecting; a dead cluster is a miss and one warning.
$s = new MoodleCache\RedisStore(['cluster' => true, 'servers' => ['tcp://127.0.0.1:1', 'tcp://127.0.0.1:2'],
    'read_from_replicas' => true, 'connect_timeout' => 0.2]);
var_dump($s->get('d', 'k'), $s->getMany('d', ['k']), $s->purgeAll());
?>
--EXPECTF--
ValueError: MoodleCache\RedisStore option 'servers' must list at least one seed node with 'cluster'
ValueError: MoodleCache\RedisStore option 'servers' must list at least one seed node with 'cluster'
ValueError: MoodleCache\RedisStore option 'servers' entries must be tcp://host:port or tls://host:port, all with the same scheme
ValueError: MoodleCache\RedisStore option 'servers' entries must be tcp://host:port or tls://host:port, all with the same scheme
ValueError: MoodleCache\RedisStore option 'servers' entries must be tcp://host:port or tls://host:port, all with the same scheme
ValueError: MoodleCache\RedisStore option 'servers' entries must be tcp://host:port or tls://host:port, all with the same scheme
ValueError: MoodleCache\RedisStore option 'server' cannot be used with 'cluster': list seeds in 'servers'
ValueError: MoodleCache\RedisStore option 'database' must be 0 in a cluster
ValueError: MoodleCache\RedisStore option 'tls' needs tls:// seeds
TypeError: MoodleCache\RedisStore option 'cluster' must be of type bool, string given
ValueError: MoodleCache\RedisStore option 'servers' and 'read_from_replicas' need 'cluster' => true
ValueError: MoodleCache\RedisStore option 'servers' and 'read_from_replicas' need 'cluster' => true

Warning: MoodleCache\RedisStore::get(): moodlecache: Redis cluster tcp://127.0.0.1:1,tcp://127.0.0.1:2 unavailable (%s); get() served as a miss in %s on line %d
bool(false)
array(1) {
  ["k"]=>
  bool(false)
}
bool(false)
