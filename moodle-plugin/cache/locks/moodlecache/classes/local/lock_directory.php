<?php
// This file is part of Moodle - https://moodle.org/
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
// along with Moodle.  If not, see <https://www.gnu.org/licenses/>.

namespace cachelock_moodlecache\local;

/**
 * Where the locks live, and one shared MoodleCache\FileLocks handle per
 * directory and process, for the MUC lock plugin and the core lock factory.
 *
 * Sharing the handle keeps few lock-file descriptors open per process (EFS
 * allows 256 locked file-process pairs per mount) and reuses them. Messages
 * are plain English: this code runs inside the cache layer, where
 * get_string() could recurse into the cache.
 *
 * Settings come from config.php only (no database: locks are taken while
 * Moodle starts): $CFG->cachelock_moodlecache_muc_dir,
 * $CFG->cachelock_moodlecache_core_dir, $CFG->cachelock_moodlecache_mode
 * ('auto', 'ofd' or 'lease'), $CFG->cachelock_moodlecache_lease_ms,
 * $CFG->cachelock_moodlecache_max_open_files and
 * $CFG->cachelock_moodlecache_group (the group whose members share the lock
 * files, when the web and cron processes run as different users).
 *
 * @package    cachelock_moodlecache
 * @copyright  2026 moodlecache contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
final class lock_directory {
    /** @var \MoodleCache\FileLocks[] shared handles, by directory and options */
    private static array $handles = [];

    /** @var bool whether the shutdown release is registered */
    private static bool $shutdownregistered = false;

    /**
     * Whether the moodlecache extension with its lock class is loaded.
     *
     * @return bool
     */
    public static function available(): bool {
        return extension_loaded('moodlecache') && class_exists(\MoodleCache\FileLocks::class);
    }

    /**
     * The lock directory for a purpose.
     *
     * @param string|null $configured a directory from the instance configuration, or null
     * @param string $purpose 'muc' (cache locks) or 'core' (the core lock factory)
     * @return string
     */
    public static function path(?string $configured, string $purpose): string {
        global $CFG;
        if ($configured !== null && trim($configured) !== '') {
            return rtrim(trim($configured), '/');
        }
        $setting = 'cachelock_moodlecache_' . $purpose . '_dir';
        if (!empty($CFG->$setting)) {
            return rtrim((string)$CFG->$setting, '/');
        }
        return $CFG->dataroot . '/moodlecache-locks/' . $purpose;
    }

    /**
     * FileLocks options from config.php, with per-instance overrides.
     *
     * @param array $overrides options that win over config.php
     * @return array
     */
    public static function options(array $overrides = []): array {
        global $CFG;
        $options = [];
        if (!empty($CFG->cachelock_moodlecache_mode)) {
            $options['mode'] = (string)$CFG->cachelock_moodlecache_mode;
        }
        if (!empty($CFG->cachelock_moodlecache_lease_ms)) {
            $options['lease_ms'] = (int)$CFG->cachelock_moodlecache_lease_ms;
        }
        if (!empty($CFG->cachelock_moodlecache_max_open_files)) {
            $options['max_open_files'] = (int)$CFG->cachelock_moodlecache_max_open_files;
        }
        if (isset($CFG->cachelock_moodlecache_group) && $CFG->cachelock_moodlecache_group !== '') {
            $options['group'] = $CFG->cachelock_moodlecache_group;
        }
        return array_merge($options, $overrides);
    }

    /**
     * The shared handle for a directory, opening it on first use.
     *
     * A missing directory inside dataroot is created; one outside it must
     * exist (a missing EFS mount must not silently become a local directory).
     *
     * @param string $dir the lock directory
     * @param array $options FileLocks options
     * @return \MoodleCache\FileLocks
     * @throws \coding_exception when the extension is missing or the directory unusable
     */
    public static function handle(string $dir, array $options = []): \MoodleCache\FileLocks {
        global $CFG;
        ksort($options);
        $id = $dir . "\0" . json_encode($options);
        if (isset(self::$handles[$id])) {
            return self::$handles[$id];
        }
        if (!self::available()) {
            throw new \coding_exception('cachelock_moodlecache: the moodlecache PHP extension is not loaded');
        }
        if (!is_dir($dir) && strpos($dir, rtrim($CFG->dataroot, '/') . '/') === 0) {
            make_writable_directory($dir, false);
        }
        try {
            $handle = new \MoodleCache\FileLocks($dir, $options);
        } catch (\MoodleCache\Exception | \ValueError $e) {
            throw new \coding_exception('cachelock_moodlecache: lock directory ' . $dir . ' cannot be used: ' . $e->getMessage());
        }
        self::$handles[$id] = $handle;
        self::register_shutdown();
        return $handle;
    }

    /**
     * Releases every lock this process holds (shutdown, SIGTERM through Moodle's shutdown manager).
     *
     * @return int how many were released
     */
    public static function release_all(): int {
        $n = 0;
        foreach (self::$handles as $handle) {
            $n += $handle->releaseAll();
        }
        return $n;
    }

    /**
     * Forgets the shared handles (tests); their locks are released.
     */
    public static function reset(): void {
        self::release_all();
        self::$handles = [];
    }

    /**
     * Registers release_all() to run at shutdown, once.
     */
    private static function register_shutdown(): void {
        if (self::$shutdownregistered) {
            return;
        }
        self::$shutdownregistered = true;
        if (class_exists('core_shutdown_manager')) {
            \core_shutdown_manager::register_function([self::class, 'release_all']);
        } else {
            register_shutdown_function([self::class, 'release_all']);
        }
    }
}
