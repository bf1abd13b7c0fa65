--TEST--
Near cache: option and definition opt-out checks; near_cache_size=0 turns it off; bad INI values are refused naming the setting
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
// valgrind traces the other node's process too: its start-up alone outlasts the waits
if (getenv('USE_ZEND_ALLOC') === '0' && !getenv('ASAN_OPTIONS')) die('skip other nodes are too slow under valgrind'); ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
foreach ([['near_cache' => 'yes'], ['near_cache_exclude' => 'core/config'], ['near_cache_exclude' => [1]]] as $bad) {
    try {
        nc_store('x', $bad);
    } catch (Throwable $e) {
        echo get_class($e), ": ", $e->getMessage(), "\n";
    }
}
$s = nc_store('nc_opt_' . getmypid() . '_', ['near_cache_exclude' => ['core/sessions']]);
nc_ready($s);
$s->set('core/sessions', 'k', 1);
$s->set('core/config', 'k', 1);
$s->nearCacheSync();
$s->get('core/config', 'k');    // installed by the write, or filled now if its announcement came back first
$before = nc_stats($s, ['near_hits', 'near_misses']);
for ($i = 0; $i < 3; $i++) {
    $s->get('core/sessions', 'k');
    $s->get('core/config', 'k');
}
$after = nc_stats($s, ['near_hits', 'near_misses']);
print_r(['near_hits' => $after['near_hits'] - $before['near_hits'], 'near_misses' => $after['near_misses'] - $before['near_misses']]);
$s->purgeAll();
try {
    $s->nearCacheSync(-1);
} catch (ValueError $e) {
    echo $e->getMessage(), "\n";
}
// INI: 0 turns it off; bad values are refused (PHP then keeps the default)
echo nc_other_node('$s = nc_store("x"); var_dump($s->stats()["near_enabled"], $s->nearCacheSync(10.0));',
    ['PHP_INI_SCAN_DIR' => '']) === "bool(true)\nbool(true)\n" ? "default on\n" : "default?\n";
$cmd = fn($ini) => implode(' ', array_map('escapeshellarg', [PHP_BINARY, '-n', '-d', 'extension=' . mc_test_module(),
    '-d', $ini, '-r', 'echo ini_get("moodlecache.near_cache_size"), "\n";'])) . ' 2>&1';
foreach (['moodlecache.near_cache_size=0', 'moodlecache.near_cache_size=5K', 'moodlecache.near_cache_size=lots',
          'moodlecache.near_cache_max_item=1'] as $ini) {
    echo "$ini: ", trim(preg_replace('/ in Unknown on line \d+/', '', shell_exec($cmd($ini)))), "\n";
}
?>
--EXPECTF--
TypeError: MoodleCache\RedisStore option 'near_cache' must be of type bool, string given
TypeError: MoodleCache\RedisStore option 'near_cache_exclude' must be of type array, string given
ValueError: MoodleCache\RedisStore option 'near_cache_exclude' must be a list of definition names (strings)
Array
(
    [near_hits] => 3
    [near_misses] => 0
)
MoodleCache\RedisStore::nearCacheSync(): Argument #1 ($timeout) must be a number of seconds between 0 and 3600
default on
moodlecache.near_cache_size=0: 0
moodlecache.near_cache_size=5K: %AWarning: PHP Startup: moodlecache.near_cache_size must be 0 (off) or between 1M and 1T, "5K" given%A
moodlecache.near_cache_size=lots: %AWarning: PHP Startup: moodlecache.near_cache_size: Invalid quantity "lots"%A
moodlecache.near_cache_max_item=1: %AWarning: PHP Startup: moodlecache.near_cache_max_item must be between 1K and 1G, "1" given%A
