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
 * This web server's moodlecache figures: every store's reads, near cache hits, round trips and errors.
 *
 * @package   cachestore_moodlecache
 * @copyright 2026 moodlecache authors
 * @license   http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

require_once(__DIR__ . '/../../../config.php');
require_once($CFG->libdir . '/adminlib.php');

use cachestore_moodlecache\local\node_stats;

admin_externalpage_setup('cachestore_moodlecache_nodestats');
$component = 'cachestore_moodlecache';

echo $OUTPUT->header();
echo $OUTPUT->heading(get_string('nodestats', $component));
echo html_writer::tag('p', get_string('nodestats_desc', $component));
if (!function_exists('MoodleCache\\nodeStats')) {
    echo $OUTPUT->notification(get_string('requirements', $component));
} else {
    $stats = \MoodleCache\nodeStats();
    echo $OUTPUT->heading(get_string('nodestats_stores', $component), 3);
    echo $stats['stores'] ? html_writer::table(node_stats::stores_table($stats['stores']))
        : html_writer::tag('p', get_string('nodestats_none', $component));
    echo $OUTPUT->heading(get_string('nodestats_nearcache', $component), 3);
    echo html_writer::table(node_stats::near_cache_table($stats['near_cache']));
}
echo $OUTPUT->footer();
