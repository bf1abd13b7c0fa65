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

namespace cachelock_moodlecache;

use cachelock_moodlecache\local\lock_directory;

/**
 * Core lock factory ($CFG->lock_factory) on the moodlecache extension's
 * EFS-aware locks, so scheduled and ad-hoc tasks on many pods never run twice.
 *
 * Enable in config.php:
 *     $CFG->lock_factory = '\cachelock_moodlecache\lock_factory';
 *
 * - Timeouts: get_lock() retries with jittered backoff for up to $timeout
 *   seconds (0: one attempt), never blocking in the kernel.
 * - Auto-release: the kernel drops the lock when the process dies (kill -9,
 *   OOM kill); a vanished node's locks go with its NFS lease. $maxlifetime
 *   is therefore not needed and not used: a live task is never taken over
 *   on a timer.
 * - Release at shutdown: every lock still held is released by Moodle's
 *   shutdown manager (also on SIGTERM/SIGINT in CLI) and by the extension at
 *   request end.
 * - Not recursive: a resource this process holds cannot be taken again
 *   (false at once: waiting for ourselves could only time out).
 *
 * Directory: $CFG->cachelock_moodlecache_core_dir, default
 * dataroot/moodlecache-locks/core (it must be on storage every pod shares).
 *
 * @package    cachelock_moodlecache
 * @copyright  2026 moodlecache contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class lock_factory implements \core\lock\lock_factory {
    /** @var string the lock type, e.g. cron */
    protected $type;

    /** @var string the lock directory */
    protected $directory;

    /**
     * Creates the factory for one type of locks.
     *
     * @param string $type the type, e.g. cron, cache, session
     */
    public function __construct($type) {
        $this->type = (string)$type;
        $this->directory = lock_directory::path(null, 'core');
    }

    /**
     * Locks time out: get_lock() honours its timeout.
     *
     * @return bool true
     */
    public function supports_timeout() {
        return true;
    }

    /**
     * Locks are released when the process ends.
     *
     * @return bool true
     */
    public function supports_auto_release() {
        return true;
    }

    /**
     * Locks are not recursive (kept for callers of Moodle < 4.0's interface).
     *
     * @return bool false
     */
    public function supports_recursion() {
        return false;
    }

    /**
     * Available when the extension is loaded and the directory can be used.
     *
     * @return bool
     */
    public function is_available() {
        if (!lock_directory::available()) {
            return false;
        }
        try {
            lock_directory::handle($this->directory, lock_directory::options());
            return true;
        } catch (\coding_exception $e) {
            debugging($e->getMessage(), DEBUG_DEVELOPER);
            return false;
        }
    }

    /**
     * The lock key of a resource.
     *
     * @param string $resource the resource
     * @return string
     */
    public function lock_name($resource): string {
        return $this->type . '_' . $resource;
    }

    /**
     * Gets a lock within the timeout.
     *
     * @param string $resource the identifier of the lock (frankenstyle prefixed)
     * @param int $timeout seconds to wait for it (0: one attempt)
     * @param int $maxlifetime unused: locks die with their process
     * @return \core\lock\lock|false the lock, or false if not obtained
     */
    public function get_lock($resource, $timeout, $maxlifetime = 86400) {
        $key = $this->lock_name($resource);
        $locks = lock_directory::handle($this->directory, lock_directory::options());
        if (!$locks->acquire($key, max(0.0, (float)$timeout))) {
            return false;
        }
        return new \core\lock\lock($key, $this);
    }

    /**
     * Releases a lock obtained from this factory.
     *
     * @param \core\lock\lock $lock the lock
     * @return bool true if the lock is no longer held (including if it was never held)
     */
    public function release_lock(\core\lock\lock $lock) {
        $key = $lock->get_key();
        if (!is_string($key) || $key === '') {
            return false;
        }
        $locks = lock_directory::handle($this->directory, lock_directory::options());
        $locks->release($key);
        return !$locks->holds($key);
    }

    /**
     * Extending a lock is not supported (deprecated in Moodle 3.10): locks
     * have no lifetime to extend.
     *
     * @param \core\lock\lock $lock the lock
     * @param int $maxlifetime unused
     * @return bool false
     */
    public function extend_lock(\core\lock\lock $lock, $maxlifetime = 86400) {
        return false;
    }
}
