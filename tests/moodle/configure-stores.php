<?php
// Adds the store instances as an administrator does in Site administration > Plugins > Caching
// (the add-instance form, submitted and validated, then core_cache\config_writer), maps the
// application and session caches to one of them through the same API, and purges every cache
// so the next page starts cold.
//
//   php configure-stores.php --moodle=MOODLE_ROOT --mode=moodlecache|moodlecache-near|redis|file --redis=HOST:PORT
//       [--app-only]
//
// moodlecache: a cachestore_moodlecache instance on the Redis server (moodlecache-near: the same with
// the extension's near cache); redis: Moodle's
// cachestore_redis (phpredis) on the same server; file: Moodle's defaults (file store, session store).
// --app-only maps the application caches only (session caches stay on Moodle's default). A store
// instance that exists with another server is moved to this one (the page benchmark changes networks).

$opts = getopt('', ['moodle:', 'mode:', 'redis:', 'app-only']);
define('CLI_SCRIPT', true);
require($opts['moodle'] . '/config.php');

use core_cache\config_writer;
use core_cache\factory;
use core_cache\store;

/**
 * Submits the add-instance form of a store plugin as the administration page does.
 *
 * @param string $plugin
 * @param string $name
 * @param array $fields the plugin's own form fields
 */
function mc_add_store_through_admin_form(string $plugin, string $name, array $fields): void {
    global $PAGE;
    $PAGE->set_context(context_system::instance());
    $helper = factory::get_administration_display_helper();
    $summaries = $helper->get_store_plugin_summaries();
    if (empty($summaries[$plugin]['canaddinstance'])) {
        throw new moodle_exception('ex_unmetstorerequirements', 'cache');
    }
    $class = 'cachestore_' . $plugin . '_addinstance_form';
    $helper->get_add_store_form($plugin); // Loads the form class.
    $class::mock_submit(['name' => $name, 'plugin' => $plugin, 'editing' => 0, 'lock' => ''] + $fields);
    $form = $helper->get_add_store_form($plugin);
    $data = $form->get_data();
    if (!$data) {
        $errors = $form->validation((array)$form->get_submitted_data(), []);
        throw new moodle_exception('the add-instance form of ' . $plugin . ' rejected the data: ' . json_encode($errors));
    }
    $config = $helper->get_store_configuration_from_data($data);
    unset($config['lock']);
    config_writer::instance()->add_store_instance($data->name, $data->plugin, $config);
    echo "added store instance '$name' ($plugin) through its add-instance form\n";
}

$mode = $opts['mode'];
$stores = [
    'moodlecache' => ['e2e_moodlecache', 'moodlecache', ['backend' => 'redis', 'server' => $opts['redis'], 'prefix' => 'e2e',
        'serializer' => 'php', 'compression' => 'none', 'compressionlevel' => 3, 'compressionthreshold' => 4096,
        'connecttimeout' => 1, 'readtimeout' => 1, 'lockwait' => 60, 'locktimeout' => 600, 'database' => 0]],
    'moodlecache-near' => ['e2e_moodlecache_near', 'moodlecache', ['backend' => 'redis', 'server' => $opts['redis'],
        'prefix' => 'e2enear', 'serializer' => 'php', 'compression' => 'none', 'compressionlevel' => 3,
        'compressionthreshold' => 4096, 'connecttimeout' => 1, 'readtimeout' => 1, 'lockwait' => 60, 'locktimeout' => 600,
        'database' => 0, 'nearcache' => 1]],
    'redis' => ['e2e_redis', 'redis', ['server' => $opts['redis'], 'prefix' => 'e2e_', 'serializer' => 1,
        'compressor' => 0, 'connectiontimeout' => 3]],
];
$present = config_writer::instance()->get_all_stores();
foreach ($stores as $key => [$name, $plugin, $fields]) {
    if ($key === 'moodlecache-near' && !cachestore_moodlecache::extension_has('nearcache')) {
        continue;
    }
    if (!isset($present[$name])) {
        mc_add_store_through_admin_form($plugin, $name, $fields);
    } else if ($present[$name]['configuration']['server'] !== $opts['redis']) {
        config_writer::instance()->edit_store_instance($name, $plugin,
            ['server' => $opts['redis']] + $present[$name]['configuration']);
        echo "store instance '$name' moved to {$opts['redis']}\n";
    }
}
if ($mode === 'file') {
    $mappings = [store::MODE_APPLICATION => ['default_application'], store::MODE_SESSION => ['default_session']];
} else if (isset($stores[$mode])) {
    $name = $stores[$mode][0];
    $mappings = [store::MODE_APPLICATION => [$name],
        store::MODE_SESSION => [isset($opts['app-only']) ? 'default_session' : $name]];
} else {
    fwrite(STDERR, "unknown --mode $mode\n");
    exit(2);
}
$mappings[store::MODE_REQUEST] = ['default_request'];
config_writer::instance()->set_mode_mappings($mappings);
cache_helper::purge_all();
factory::reset();

// Check the mapping as Moodle sees it: the stores a real definition now uses.
$config = core_cache\config::instance();
$definition = core_cache\definition::load('core/config', $config->get_definition_by_id('core/config'));
$used = array_column($config->get_stores_for_definition($definition), 'plugin');
$expected = ['moodlecache' => 'moodlecache', 'moodlecache-near' => 'moodlecache', 'redis' => 'redis', 'file' => 'file'][$mode];
echo "mode $mode: core/config is served by cachestore_" . implode(', cachestore_', $used) . "\n";
if ($used !== [$expected]) {
    fwrite(STDERR, "expected cachestore_$expected\n");
    exit(1);
}
$cache = cache::make('core', 'config');
$cache->set('e2e_probe', 'ok');
exit($cache->get('e2e_probe') === 'ok' ? 0 : 1);
