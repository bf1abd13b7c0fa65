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
 * This web server's moodlecache figures (MoodleCache\nodeStats()) as tables for the admin page.
 *
 * @package   cachestore_moodlecache
 * @copyright 2026 moodlecache authors
 * @license   http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace cachestore_moodlecache\local;

use html_table;

/**
 * Turns the extension's node-wide figures into tables.
 */
class node_stats {
    /**
     * The near cache's figures, one row each.
     *
     * @param array $near nodeStats()['near_cache']
     * @return html_table
     */
    public static function near_cache_table(array $near): html_table {
        $table = new html_table();
        $table->head = ['', ''];
        $table->data = [
            ['enabled', !empty($near['enabled']) ? get_string('yes') : get_string('no')],
            ['bytes used / total', display_size((int)$near['bytes_used']) . ' / ' . display_size((int)$near['bytes_total'])],
        ];
        foreach (['entries', 'fills', 'fill_drops', 'invalidations', 'evictions', 'flushes', 'recoveries'] as $name) {
            $table->data[] = [$name, number_format((float)$near[$name])];
        }
        return $table;
    }

    /**
     * One row per store identity.
     *
     * @param array $stores nodeStats()['stores']
     * @return html_table
     */
    public static function stores_table(array $stores): html_table {
        $table = new html_table();
        $table->head = ['store', 'reads', 'hit ratio', 'near hits', get_string('nodestats_trusted', 'cachestore_moodlecache'),
            'round trips', 'errors', 'reconnects', 'sent', 'received'];
        foreach ($stores as $s) {
            $reads = $s['hits'] + $s['misses'];
            $trusted = $s['near_trusted'] === null ? '-' : ($s['near_trusted'] ? get_string('yes') : get_string('no'));
            if (!empty($s['near_error'])) {
                $trusted .= ': ' . s($s['near_error']);
            }
            $table->data[] = [s($s['store']), number_format($reads),
                $reads ? sprintf('%.1f %%', 100 * $s['hits'] / $reads) : '-',
                $reads ? sprintf('%.1f %%', 100 * $s['near_hits'] / $reads) : '-',
                $trusted, number_format($s['round_trips']), number_format($s['errors']),
                number_format($s['reconnects']), display_size($s['bytes_sent']), display_size($s['bytes_received'])];
        }
        return $table;
    }
}
