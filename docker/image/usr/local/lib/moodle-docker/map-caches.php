<?php
// Maps Moodle's application cache to a moodlecache store instance with the
// near cache (MOODLE_NEAR_CACHE, default on), and the session cache to one
// without it (session data is read by one user and written on every
// request), both on the configured Redis endpoint, through Moodle's cache
// config API (as the admin page "Edit mappings" would). Idempotent: creates
// the instances, updates their configuration when it changed, maps the
// modes, and keeps the request cache as it was.
//
//   php map-caches.php           map (install-or-upgrade runs this)
//   php map-caches.php --check   print the mappings; exit 0 only if mapped

define('CLI_SCRIPT', true);
require(__DIR__ . '/env.php');
require('/opt/moodle/config.php');

const INSTANCE = 'moodlecache';                   // application caches
const SESSION_INSTANCE = 'moodlecache_session';   // session caches
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
    foreach (['application' => INSTANCE, 'session' => SESSION_INSTANCE] as $name => $instance) {
        $stores = $mappings[$modes[$name]] ?? [];
        say("$name cache -> " . (implode(', ', $stores) ?: '(none)'));
        $ok = $ok && ($stores[0] ?? '') === $instance;
    }
    $instances = $writer->get_all_stores();
    if (isset($instances[INSTANCE])) {
        $conf = $instances[INSTANCE]['configuration'];
        say('near cache for the application cache: ' . (empty($conf['nearcache']) ? 'off' : 'on'));
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

$base = [
    'backend' => 'redis',
    'server' => ($redis['tls'] ? 'tls://' : 'tcp://') . $redis['host'] . ':' . $redis['port'],
    'password' => $redis['password'],
    'compression' => 'zstd',
    'serializer' => 'php',
];
$wanted = [
    INSTANCE => [$modes['application'], $base + ['prefix' => 'muc_' . $CFG->dbname . '_',
        'nearcache' => near_cache_wanted() ? 1 : 0]],
    SESSION_INSTANCE => [$modes['session'], $base + ['prefix' => 'muc_' . $CFG->dbname . '_s_', 'nearcache' => 0]],
];
foreach ($wanted as $name => [, $config]) {
    $instances = $writer->get_all_stores();
    if (!isset($instances[$name])) {
        $writer->add_store_instance($name, 'moodlecache', $config);
        say("created store instance $name on {$config['server']}, near cache " . ($config['nearcache'] ? 'on' : 'off'));
    } else if ($instances[$name]['configuration'] != $config) {
        $writer->edit_store_instance($name, 'moodlecache', $config);
        say("updated store instance $name: {$config['server']}, near cache " . ($config['nearcache'] ? 'on' : 'off'));
    }
}

// set_mode_mappings replaces all three modes: keep the request mapping.
$instances = $writer->get_all_stores();
$mappings = current_mappings($writer);
$new = [$modes['request'] => $mappings[$modes['request']] ?? []];
foreach ($wanted as $name => [$mode]) {
    $new[$mode] = ($instances[$name]['modes'] & $mode) ? [$name] : ($mappings[$mode] ?? []);
    if (!($instances[$name]['modes'] & $mode)) {
        say("the store does not support mode $mode: left as it was");
    }
}
$writer->set_mode_mappings($new);
say('application caches -> ' . INSTANCE . ', session caches -> ' . SESSION_INSTANCE);
