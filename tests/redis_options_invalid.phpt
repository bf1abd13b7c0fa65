--TEST--
RedisStore: a bad option throws an exception that names it
--SKIPIF--
<?php if (!extension_loaded('moodlecache')) die('skip moodlecache not loaded'); ?>
--FILE--
<?php
$cases = [
    ['nosuchoption' => 1],
    [0 => 'tcp://127.0.0.1:6379'],
    ['server' => 'http://example'],
    ['server' => 'garbage'],
    ['server' => '127.0.0.1:6379'],
    ['max_value_size' => 10],
    ['server' => 'tcp://127.0.0.1:99999'],
    ['server' => 42],
    ['password' => "pass\0word"],
    ['database' => '1'],
    ['database' => -1],
    ['prefix' => []],
    ['serializer' => 'json'],
    ['compression' => 'gzip'],
    ['compression_level' => 0],
    ['compression_level' => 23],
    ['compression_threshold' => -1],
    ['connect_timeout' => 0],
    ['read_timeout' => 'fast'],
    ['reap_interval' => -1],
    ['reap_interval' => '1'],
    ['persistent' => 'yes'],
    ['persistent' => 1],
    ['tls' => ['ca_file' => '/tmp/ca.pem']],
    ['server' => 'tls://127.0.0.1:6380', 'tls' => ['verify' => true]],
    ['server' => 'tls://127.0.0.1:6380', 'tls' => ['verify_peer' => 'yes']],
    ['server' => 'tls://127.0.0.1:6380', 'tls' => 'on'],
];
foreach ($cases as $options) {
    try {
        new MoodleCache\RedisStore($options);
        echo "accepted\n";
    } catch (Throwable $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}
new MoodleCache\RedisStore(['server' => 'tls://127.0.0.1:6380', 'tls' => ['verify_peer' => false, 'server_name' => 'x']]);
new MoodleCache\RedisStore(['server' => 'unix:///tmp/redis.sock', 'database' => 2, 'prefix' => 'x',
    'compression' => 'zstd', 'compression_level' => 3, 'compression_threshold' => 0, 'connect_timeout' => 0.5,
    'read_timeout' => 2, 'reap_interval' => 0.5, 'persistent' => false, 'serializer' => 'php', 'username' => 'u', 'password' => null]);
echo "valid options accepted\n";
?>
--EXPECT--
ValueError: MoodleCache\RedisStore option 'nosuchoption' is unknown
ValueError: MoodleCache\RedisStore option keys must be names, got index 0
ValueError: MoodleCache\RedisStore option 'server' must be tcp://host:port, tls://host:port or unix:///path/to/socket
ValueError: MoodleCache\RedisStore option 'server' must be tcp://host:port, tls://host:port or unix:///path/to/socket
ValueError: MoodleCache\RedisStore option 'server' must be tcp://host:port, tls://host:port or unix:///path/to/socket
ValueError: MoodleCache\RedisStore option 'max_value_size' must be between 1024 and 1073741824 bytes
ValueError: MoodleCache\RedisStore option 'server' must be tcp://host:port, tls://host:port or unix:///path/to/socket
TypeError: MoodleCache\RedisStore option 'server' must be of type string, int given
ValueError: MoodleCache\RedisStore option 'password' must not contain NUL bytes
TypeError: MoodleCache\RedisStore option 'database' must be of type int, string given
ValueError: MoodleCache\RedisStore option 'database' must be 0 or more
TypeError: MoodleCache\RedisStore option 'prefix' must be of type string, array given
ValueError: MoodleCache\RedisStore option 'serializer' must be 'php' or 'igbinary'
ValueError: MoodleCache\RedisStore option 'compression' must be 'none' or 'zstd'
ValueError: MoodleCache\RedisStore option 'compression_level' must be between 1 and 22
ValueError: MoodleCache\RedisStore option 'compression_level' must be between 1 and 22
ValueError: MoodleCache\RedisStore option 'compression_threshold' must be 0 or more bytes
ValueError: MoodleCache\RedisStore option 'connect_timeout' must be a number of seconds above 0 and at most 3600
TypeError: MoodleCache\RedisStore option 'read_timeout' must be of type int|float, string given
ValueError: MoodleCache\RedisStore option 'reap_interval' must be a number of seconds from 0 to 3600
TypeError: MoodleCache\RedisStore option 'reap_interval' must be of type int|float, string given
TypeError: MoodleCache\RedisStore option 'persistent' must be of type bool, string given
TypeError: MoodleCache\RedisStore option 'persistent' must be of type bool, int given
ValueError: MoodleCache\RedisStore option 'tls' needs a tls:// server
ValueError: MoodleCache\RedisStore option 'tls' key 'verify' is unknown
TypeError: MoodleCache\RedisStore option 'tls' key 'verify_peer' must be of type bool, string given
TypeError: MoodleCache\RedisStore option 'tls' must be of type array, string given
valid options accepted
