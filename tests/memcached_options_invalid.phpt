--TEST--
MemcachedStore: bad options throw and name the option; findAll/findByPrefix are not supported
--SKIPIF--
<?php if (!extension_loaded('moodlecache')) die('skip moodlecache extension not loaded'); ?>
--FILE--
<?php
$cases = [
    [],
    ['servers' => []],
    ['servers' => ['127.0.0.1']],
    ['servers' => ['127.0.0.1:0']],
    ['servers' => ['127.0.0.1:11211:0']],
    ['servers' => ['127.0.0.1:11211:x']],
    ['servers' => [11211]],
    ['servers' => ['127.0.0.1:11211'], 'nope' => 1],
    ['servers' => ['127.0.0.1:11211'], 'compression' => 'gzip'],
    ['servers' => ['127.0.0.1:11211'], 'serializer' => 'json'],
    ['servers' => ['127.0.0.1:11211'], 'connect_timeout' => 0],
    ['servers' => ['127.0.0.1:11211'], 'read_timeout' => 'fast'],
    ['servers' => ['127.0.0.1:11211'], 'max_item_size' => 10],
    ['servers' => ['127.0.0.1:11211:2'], 'consistent_hashing' => false],
    ['servers' => '127.0.0.1:11211'],
];
foreach ($cases as $options) {
    try {
        new MoodleCache\MemcachedStore($options);
        echo "accepted\n";
    } catch (Throwable $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}
$s = new MoodleCache\MemcachedStore(['servers' => ['127.0.0.1:11211:3', '[::1]:11212'], 'binary_protocol' => true]);
try {
    $s->findAll('d');
} catch (MoodleCache\Exception $e) {
    echo $e->getMessage(), "\n";
}
?>
--EXPECT--
ValueError: MoodleCache\MemcachedStore option 'servers' must list at least one "host:port"
ValueError: MoodleCache\MemcachedStore option 'servers' must list at least one "host:port"
ValueError: MoodleCache\MemcachedStore option 'servers' entries must be strings "host:port" or "host:port:weight" (weight 1..1000)
ValueError: MoodleCache\MemcachedStore option 'servers' entries must be strings "host:port" or "host:port:weight" (weight 1..1000)
ValueError: MoodleCache\MemcachedStore option 'servers' entries must be strings "host:port" or "host:port:weight" (weight 1..1000)
ValueError: MoodleCache\MemcachedStore option 'servers' entries must be strings "host:port" or "host:port:weight" (weight 1..1000)
ValueError: MoodleCache\MemcachedStore option 'servers' entries must be strings "host:port" or "host:port:weight" (weight 1..1000)
ValueError: MoodleCache\MemcachedStore option 'nope' is unknown
ValueError: MoodleCache\MemcachedStore option 'compression' must be 'none' or 'zstd'
ValueError: MoodleCache\MemcachedStore option 'serializer' must be 'php' or 'igbinary'
ValueError: MoodleCache\MemcachedStore option 'connect_timeout' must be a number of seconds above 0 and at most 3600
TypeError: MoodleCache\MemcachedStore option 'read_timeout' must be of type int|float, string given
ValueError: MoodleCache\MemcachedStore option 'max_item_size' must be between 1024 bytes and 1 GB
ValueError: MoodleCache\MemcachedStore option 'servers' weights need consistent_hashing
TypeError: MoodleCache\MemcachedStore option 'servers' must be of type array, string given
MoodleCache\MemcachedStore::findAll(): memcached cannot list keys; use RedisStore for searchable definitions
