--TEST--
RedisStore and MemcachedStore: a small zstd frame that decompresses to 256 MB (a decompression bomb) is refused before anything is allocated: a miss counted as corrupt, one warning, when it is above max_value_size or above what memory_limit still allows
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
require_once __DIR__ . '/memcached.inc';
if (!mc_test_memcached_servers()) die('skip no test memcached (scripts/run-phpt starts two)');
if (getenv('MOODLECACHE_TEST_SANITIZER')) die('skip 256 MB of zstd under a sanitizer takes minutes'); ?>
--INI--
memory_limit=128M
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
require_once __DIR__ . '/memcached.inc';
$p = 'bomb_' . getmypid();
$servers = var_export(mc_test_memcached_servers(), true);
// Another process with room writes the bomb: 256 MB of zeros, about 8 KB once compressed.
echo nc_other_node('$z = str_repeat("\0", 256 << 20);'
    . '$r = new MoodleCache\RedisStore(["server" => mc_test_server(), "prefix" => "' . $p . '", "compression" => "zstd", "max_value_size" => 512 << 20]);'
    . '$m = new MoodleCache\MemcachedStore(["servers" => ' . $servers . ', "prefix" => "' . $p . '", "compression" => "zstd", "max_value_size" => 512 << 20]);'
    . 'var_dump($r->set("d", "bomb", $z), $m->set("d", "bomb", $z));', [], ['memory_limit' => '2G']);
echo "stored: ", strlen(mc_test_raw(['HGET', "{{$p}:d}", 'bomb'])) < 64 << 10 ? 'under 64 KB' : 'large', "\n";
$hwm = fn() => (int)preg_replace('/.*VmHWM:\s+(\d+) kB.*/s', '$1', file_get_contents('/proc/self/status')) >> 10;
$before = $hwm();
$warnings = 0;
set_error_handler(function () use (&$warnings) { $warnings++; return true; });
$stores = [
    'redis, 128M left' => new MoodleCache\RedisStore(['server' => mc_test_server(), 'prefix' => $p, 'max_value_size' => 512 << 20, 'near_cache' => false]),
    'memcached, 128M left' => new MoodleCache\MemcachedStore(['servers' => mc_test_memcached_servers(), 'prefix' => $p, 'max_value_size' => 512 << 20]),
];
foreach ($stores as $name => $s) {
    var_dump($s->get('d', 'bomb'));
    echo "$name: ", preg_replace('/.*\((.*)\)$/', '$1', $s->lastError()), ", corrupt ", $s->stats()['corrupt'], "\n";
}
ini_set('memory_limit', '2G');
$stores = [
    'redis, default max_value_size' => new MoodleCache\RedisStore(['server' => mc_test_server(), 'prefix' => $p, 'near_cache' => false]),
    'memcached, default max_value_size' => new MoodleCache\MemcachedStore(['servers' => mc_test_memcached_servers(), 'prefix' => $p]),
];
foreach ($stores as $name => $s) {
    var_dump($s->get('d', 'bomb'), $s->getMany('d', ['bomb']));
    echo "$name: ", preg_replace('/.*\((.*)\)$/', '$1', $s->lastError()), ", corrupt ", $s->stats()['corrupt'], "\n";
}
echo "peak memory grew by ", $hwm() - $before < 64 ? 'under 64 MB' : ($hwm() - $before) . ' MB', "\n";
echo "warnings: $warnings (one per request and store)\n";
$stores['redis, default max_value_size']->purgeAll();
$stores['memcached, default max_value_size']->purgeAll();
?>
--EXPECT--
bool(true)
bool(true)
stored: under 64 KB
bool(false)
redis, 128M left: too large for the memory this request has left, corrupt 1
bool(false)
memcached, 128M left: too large for the memory this request has left, corrupt 1
bool(false)
array(1) {
  ["bomb"]=>
  bool(false)
}
redis, default max_value_size: larger than max_value_size once decompressed, corrupt 2
bool(false)
array(1) {
  ["bomb"]=>
  bool(false)
}
memcached, default max_value_size: larger than max_value_size once decompressed, corrupt 2
peak memory grew by under 64 MB
warnings: 1 (one per request and store)
