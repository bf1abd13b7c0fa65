<?php
// Run WITHOUT the moodlecache extension, in a Moodle where cachestore_moodlecache is installed
// and a moodlecache store instance exists: checks that Moodle explains what is missing and keeps
// working (the store's caches fall back to Moodle's dummy store) instead of failing.
//
//   PHP_INI_SCAN_DIR=/etc/php/8.2/cli/conf.d php requirements-check.php --moodle=MOODLE_ROOT --store=NAME

$opts = getopt('', ['moodle:', 'store:']);
define('CLI_SCRIPT', true);
require($opts['moodle'] . '/config.php');
require_once($CFG->libdir . '/adminlib.php');

use core_cache\config_writer;
use core_cache\store;

$failures = 0;
$check = function (string $what, bool $ok) use (&$failures) {
    echo ($ok ? 'PASS ' : 'FAIL ') . $what . "\n";
    $failures += $ok ? 0 : 1;
};

$check('the extension is not loaded in this run', !extension_loaded('moodlecache'));
$check('are_requirements_met() is false', !cachestore_moodlecache::are_requirements_met());
$message = cachestore_moodlecache::get_requirements_message();
echo "  message: $message\n";
$check('the message names the missing extension', str_contains((string)$message, 'moodlecache PHP extension is not loaded'));

$summaries = core_cache\factory::get_administration_display_helper()->get_store_plugin_summaries();
$check('the plugin list shows moodlecache with requirements not met and no add-instance',
    isset($summaries['moodlecache']) && !$summaries['moodlecache']['requirementsmet']
    && !$summaries['moodlecache']['canaddinstance']);

\core\session\manager::set_user(get_admin());
$root = admin_get_root(true, true);
$page = $root->locate('cachestore_moodlecache_settings');
$html = $page ? $page->output_html() : '';
$check('the settings page renders and shows the message', str_contains($html, 'moodlecache PHP extension is not loaded'));

// A site whose application cache is mapped to a moodlecache instance keeps working.
config_writer::instance()->set_mode_mappings([store::MODE_APPLICATION => [$opts['store']],
    store::MODE_SESSION => ['default_session'], store::MODE_REQUEST => ['default_request']]);
core_cache\factory::reset();
try {
    $cache = cache::make('core', 'config');
    $cache->set('probe', 'value');
    $cache->get('probe');
    $answered = true;
} catch (\Throwable $e) {
    echo '  ' . get_class($e) . ': ' . $e->getMessage() . "\n";
    $answered = false;
}
$check('a cache mapped to the store still answers, without an error', $answered);
$check('the site still loads its configuration', get_config('core', 'siteidentifier') !== false && get_site()->id == SITEID);
config_writer::instance()->set_mode_mappings([store::MODE_APPLICATION => ['default_application'],
    store::MODE_SESSION => ['default_session'], store::MODE_REQUEST => ['default_request']]);

echo $failures ? "$failures failed\n" : "all passed\n";
exit($failures ? 1 : 0);
