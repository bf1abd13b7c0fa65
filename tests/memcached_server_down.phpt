--TEST--
MemcachedStore: a server killed and restarted gives misses and one warning, then rejoins by itself
--SKIPIF--
<?php require __DIR__ . '/memcached_skipif.inc'; if (!function_exists('posix_kill')) die('skip posix extension needed'); ?>
--FILE--
<?php
require __DIR__ . '/memcached.inc';
$one = mc_test_start_memcached();
$two = mc_test_start_memcached();
$s = new MoodleCache\MemcachedStore(['servers' => ["127.0.0.1:$one[1]", "127.0.0.1:$two[1]"],
    'prefix' => 'down_', 'connect_timeout' => 0.5, 'read_timeout' => 0.5]);
$items = [];
for ($i = 0; $i < 40; $i++) $items["k$i"] = $i;
var_dump($s->setMany('d', $items), count(array_filter($s->getMany('d', array_keys($items)), fn($v) => $v !== false)));
mc_test_stop_memcached($one);                                   // kill -9
$during = $s->getMany('d', array_keys($items));                 // misses and one warning
foreach ($during as $k => $v) {
    if ($v !== false && $v !== $items[$k]) echo "wrong value for $k\n";
}
var_dump($s->get('d', 'k1') === false || $s->get('d', 'k1') === 1);
$s->set('d', 'k1', 1);
$s->purge('d');
var_dump($s->stats()['errors'] > 0);
$one = mc_test_start_memcached($one[1]);                        // back, empty
$back = false;
for ($i = 0; $i < 60 && !$back; $i++) {                          // rejoins within the retry timeout
    usleep(100000);
    $back = $s->setMany('d', $items) === 40 && count(array_filter($s->getMany('d', array_keys($items)), fn($v) => $v !== false)) === 40;
}
var_dump($back);
mc_test_stop_memcached($one);
mc_test_stop_memcached($two);
?>
--EXPECTF--
int(40)
int(40)

Warning: MoodleCache\MemcachedStore::getMany(): moodlecache: memcached 127.0.0.1:%d,127.0.0.1:%d unavailable (%s); getMany() served as a miss in %s on line %d
bool(true)
bool(true)
bool(true)
