<?php
// Maps Moodle's application and session caches to a moodlecache store
// instance on the configured Redis endpoint, through Moodle's cache config
// API (as the admin page "Edit mappings" would). Idempotent: creates the
// instance, updates its configuration when the endpoint changed, maps the
// modes the store supports, and keeps the request cache as it was.
//
//   php map-caches.php           map (install-or-upgrade runs this)
//   php map-caches.php --check   print the mappings; exit 0 only if mapped

define('CLI_SCRIPT', true);
require(__DIR__ . '/env.php');
require('/opt/moodle/config.php');

const INSTANCE = 'moodlecache';
$check = in_array('--check', $argv, true);

function say(string $message): void {
    echo 'map-caches: ', $message, "\n";
}

// Moodle 5.x namespaces the cache API; 4.5 has the old global classes.
if (class_exists('\core_cache\config_writer')) {
    $writer = \core_cache\config_writer::instance();
    $storeclass = '\core_cache\store';
} else {
    require_once($CFG->dirroot . '/cache/locallib.php');
    $writer = \cache_config_writer::instance();
    $storeclass = '\cache_store';
}
$modes = [
    'application' => constant($storeclass . '::MODE_APPLICATION'),
    'session' => constant($storeclass . '::MODE_SESSION'),
    'request' => constant($storeclass . '::MODE_REQUEST'),
];

/** Mode => ordered store names, as Moodle holds them. */
function current_mappings($writer): array {
    $mappings = [];
    $rows = $writer->get_mode_mappings();
    usort($rows, fn($a, $b) => [$a['mode'], $a['sort']] <=> [$b['mode'], $b['sort']]);
    foreach ($rows as $row) {
        $mappings[$row['mode']][] = $row['store'];
    }
    return $mappings;
}

if ($check) {
    $mappings = current_mappings($writer);
    $ok = true;
    foreach (['application', 'session'] as $name) {
        $stores = $mappings[$modes[$name]] ?? [];
        say("$name cache -> " . (implode(', ', $stores) ?: '(none)'));
        $ok = $ok && ($stores[0] ?? '') === INSTANCE;
    }
    $instances = $writer->get_all_stores();
    if (isset($instances[INSTANCE])) {
        $conf = $instances[INSTANCE]['configuration'];
        say('store ' . INSTANCE . ': plugin ' . $instances[INSTANCE]['plugin']
            . ', backend ' . ($conf['backend'] ?? '?') . ', server ' . ($conf['server'] ?? '?'));
    }
    exit($ok ? 0 : 1);
}

$redis = redis_settings();
if ($redis === null) {
    say('MOODLE_REDIS_HOST is not set: nothing to map');
    exit(0);
}
if (core_component::get_plugin_directory('cachestore', 'moodlecache') === null
        || !is_dir(core_component::get_plugin_directory('cachestore', 'moodlecache'))) {
    say('SKIPPED: cachestore_moodlecache is not in this Moodle tree; caches stay on Moodle\'s defaults');
    exit(0);
}

$config = [
    'backend' => 'redis',
    'server' => ($redis['tls'] ? 'tls://' : 'tcp://') . $redis['host'] . ':' . $redis['port'],
    'password' => $redis['password'],
    'prefix' => 'muc_' . $CFG->dbname . '_',
    'compression' => 'zstd',
    'serializer' => 'php',
];
$instances = $writer->get_all_stores();
if (!isset($instances[INSTANCE])) {
    $writer->add_store_instance(INSTANCE, 'moodlecache', $config);
    say('created store instance ' . INSTANCE . ' on ' . $config['server']);
} else if ($instances[INSTANCE]['configuration'] != $config) {
    $writer->edit_store_instance(INSTANCE, 'moodlecache', $config);
    say('updated store instance ' . INSTANCE . ' to ' . $config['server']);
}

// set_mode_mappings replaces all three modes: keep the request mapping.
$instance = $writer->get_all_stores()[INSTANCE];
$mappings = current_mappings($writer);
$new = [];
foreach ($modes as $name => $mode) {
    if ($name !== 'request' && ($instance['modes'] & $mode)) {
        $new[$mode] = [INSTANCE];
    } else {
        $new[$mode] = $mappings[$mode] ?? [];
        if ($name !== 'request') {
            say("the store does not support the $name mode: left as it was");
        }
    }
}
$writer->set_mode_mappings($new);
say('application and session caches -> ' . INSTANCE);
