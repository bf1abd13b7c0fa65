<?php
// This file is part of Moodle - http://moodle.org/
//
// Moodle is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// Moodle is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with Moodle.  If not, see <http://www.gnu.org/licenses/>.

/**
 * Settings of the moodlecache store's test instance, used by Moodle's cache performance page, and the
 * page with this web server's figures.
 *
 * @package   cachestore_moodlecache
 * @copyright 2026 moodlecache authors
 * @license   http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

require_once(__DIR__ . '/lib.php');

$component = 'cachestore_moodlecache';

$message = cachestore_moodlecache::get_requirements_message();
if ($message !== null) {
    $settings->add(new admin_setting_heading("{$component}/requirements", get_string('requirements', $component),
        html_writer::div($message, 'alert alert-warning')));
}

$settings->add(new admin_setting_heading("{$component}/testinstance", get_string('testinstance', $component),
    get_string('testinstance_desc', $component)));

$backends = [cachestore_moodlecache::BACKEND_REDIS => get_string('backend_redis', $component)];
if (cachestore_moodlecache::extension_has('memcached')) {
    $backends[cachestore_moodlecache::BACKEND_MEMCACHED] = get_string('backend_memcached', $component);
}
$settings->add(new admin_setting_configselect("{$component}/test_backend", get_string('backend', $component),
    get_string('backend_help', $component), cachestore_moodlecache::BACKEND_REDIS, $backends));

$settings->add(new admin_setting_configtextarea("{$component}/test_server", get_string('test_server', $component),
    get_string('test_server_desc', $component), '', PARAM_TEXT));

$settings->add(new admin_setting_configcheckbox("{$component}/test_tls", get_string('tls', $component),
    get_string('tls_help', $component), 0));

$settings->add(new admin_setting_configtext("{$component}/test_cafile", get_string('cafile', $component),
    get_string('cafile_help', $component), '', PARAM_RAW_TRIMMED));

$settings->add(new admin_setting_configtext("{$component}/test_username", get_string('username', $component),
    get_string('username_help', $component), '', PARAM_RAW_TRIMMED));

$settings->add(new admin_setting_configpasswordunmask("{$component}/test_password", get_string('password', $component),
    get_string('password_help', $component), ''));

$settings->add(new admin_setting_configselect("{$component}/test_serializer", get_string('serializer', $component),
    get_string('serializer_help', $component), 'php', cachestore_moodlecache::config_get_serializer_options()));

$settings->add(new admin_setting_configselect("{$component}/test_compression", get_string('compression', $component),
    get_string('compression_help', $component), 'none', cachestore_moodlecache::config_get_compression_options()));

if (cachestore_moodlecache::extension_has('nearcache')) {
    $settings->add(new admin_setting_configcheckbox("{$component}/test_nearcache", get_string('nearcache', $component),
        get_string('nearcache_help', $component), 1));
}

if (function_exists('MoodleCache\nodeStats')) {
    $url = new moodle_url('/cache/stores/moodlecache/nodestats.php');
    $settings->add(new admin_setting_heading("{$component}/nodestats", get_string('nodestats', $component),
        html_writer::link($url, get_string('nodestats_link', $component))));
    if ($hassiteconfig) {
        $ADMIN->add('cachestores', new admin_externalpage('cachestore_moodlecache_nodestats',
            get_string('nodestats', $component), $url));
    }
}
