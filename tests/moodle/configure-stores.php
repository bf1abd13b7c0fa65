<?php
// Maps Moodle's application and session caches to one store through Moodle's own cache
// configuration API (core_cache\config_writer), as Site administration > Plugins > Caching does,
// then purges every cache so the next page starts cold.
//
//   php configure-stores.php --moodle=WEBROOT --mode=moodlecache|redis|file --redis=HOST:PORT
//
// moodlecache: a cachestore_moodlecache instance on the Redis server; redis: Moodle's
// cachestore_redis (phpredis) on the same server; file: Moodle's defaults (file store, session store).

$opts = getopt('', ['moodle:', 'mode:', 'redis:']);
define('CLI_SCRIPT', true);
require($opts['moodle'] . '/config.php');

use core_cache\config_writer;
use core_cache\store;

$mode = $opts['mode'];
$writer = config_writer::instance();
$stores = [
    'moodlecache' => ['e2e_moodlecache', 'moodlecache', ['server' => $opts['redis'], 'prefix' => 'e2e']],
    'redis' => ['e2e_redis', 'redis', ['server' => $opts['redis'], 'prefix' => 'e2e_', 'serializer' => 1,
        'compressor' => 0, 'connectiontimeout' => 3, 'encryption' => 0, 'cafile' => '', 'clustermode' => 0, 'password' => '']],
];
$present = config_writer::instance()->get_all_stores();
foreach ($stores as [$name, $plugin, $configuration]) {
    if (!isset($present[$name])) {
        $writer->add_store_instance($name, $plugin, $configuration);
    }
}
if ($mode === 'file') {
    $mappings = [store::MODE_APPLICATION => ['default_application'], store::MODE_SESSION => ['default_session']];
} else if (isset($stores[$mode])) {
    $name = $stores[$mode][0];
    $mappings = [store::MODE_APPLICATION => [$name], store::MODE_SESSION => [$name]];
} else {
    fwrite(STDERR, "unknown --mode $mode\n");
    exit(2);
}
$mappings[store::MODE_REQUEST] = ['default_request'];
$writer->set_mode_mappings($mappings);
cache_helper::purge_all();
core_cache\factory::reset();

// Check the mapping as Moodle sees it: the stores a real definition now uses.
$config = core_cache\config::instance();
$definition = core_cache\definition::load('core/config', $config->get_definition_by_id('core/config'));
$used = array_column($config->get_stores_for_definition($definition), 'plugin');
$expected = ['moodlecache' => 'moodlecache', 'redis' => 'redis', 'file' => 'file'][$mode];
echo "mode $mode: core/config is served by cachestore_" . implode(', cachestore_', $used) . "\n";
if ($used !== [$expected]) {
    fwrite(STDERR, "expected cachestore_$expected\n");
    exit(1);
}
$cache = cache::make('core', 'config');
$cache->set('e2e_probe', 'ok');
exit($cache->get('e2e_probe') === 'ok' ? 0 : 1);
