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

/**
 * MUC lock plugin on the moodlecache extension's EFS-aware locks.
 *
 * @package    cachelock_moodlecache
 * @copyright  2026 moodlecache contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

use cachelock_moodlecache\local\lock_directory;

/**
 * MUC lock plugin: a lock is an open-file-description lock on a per-key file
 * in a directory on shared storage (EFS), released by the kernel when the
 * process dies, so a crashed or killed request never leaves a lock behind.
 *
 * Owner semantics (what MUC expects from cache_lock_interface):
 *  - lock() by the owner that already holds the key succeeds again (one
 *    unlock() releases it); any other owner, in this process or another,
 *    is refused.  A key held elsewhere in this same process is refused at
 *    once even when blocking: waiting for ourselves could only time out.
 *  - lock($key, $owner, true) waits up to the configured timeout and returns
 *    true once it holds the lock (cachelock_file returns false there), or
 *    throws ex_unabletolock at the timeout.
 *  - unlock() releases only the owner's lock; with $forceunlock it breaks
 *    anyone's. There is no maxlife takeover: a dead holder's lock is freed
 *    by the kernel (or the lease), so there is no stale path to recurse in.
 *  - check_state(): true if the owner holds it, false if anyone else does,
 *    null if nobody does.
 *
 * Configuration (the lock instance's array in MUC's config): 'dir' (default
 * $CFG->cachelock_moodlecache_muc_dir or dataroot/moodlecache-locks/muc),
 * 'timeout' in seconds for blocking locks (default 10), 'mode'.
 *
 * @package    cachelock_moodlecache
 * @copyright  2026 moodlecache contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class cachelock_moodlecache implements \core_cache\cache_lock_interface, \core_cache\lockable_cache_interface {
    /** @var float default wait of a blocking lock(), seconds */
    const DEFAULT_TIMEOUT = 10.0;

    /** @var string the name of this lock instance */
    protected $name;

    /** @var string the lock directory */
    protected $directory;

    /** @var float wait of a blocking lock(), seconds */
    protected $timeout;

    /** @var array FileLocks options */
    protected $options;

    /** @var string[] owner id of each key this instance holds */
    protected $owners = [];

    /**
     * Initialises the lock instance.
     *
     * @param string $name the unique name of the lock instance
     * @param array $configuration 'dir', 'timeout', 'mode'
     */
    public function __construct($name, array $configuration = []) {
        $this->name = $name;
        $this->directory = lock_directory::path($configuration['dir'] ?? null, 'muc');
        $this->timeout = isset($configuration['timeout']) && is_numeric($configuration['timeout'])
            ? max(0.0, (float)$configuration['timeout']) : self::DEFAULT_TIMEOUT;
        $this->options = lock_directory::options(isset($configuration['mode']) ? ['mode' => (string)$configuration['mode']] : []);
    }

    /**
     * Whether an instance can be added: only with the extension loaded.
     *
     * @return bool
     */
    public static function can_add_instance() {
        return lock_directory::available();
    }

    /**
     * The FileLocks key of a MUC key.
     *
     * @param string $key the key MUC locks
     * @return string
     */
    public static function lock_name($key): string {
        return 'muc/' . $key;
    }

    /**
     * The shared lock handle of this instance's directory.
     *
     * @return \MoodleCache\FileLocks
     */
    protected function locks(): \MoodleCache\FileLocks {
        return lock_directory::handle($this->directory, $this->options);
    }

    /**
     * Acquires the lock on a key.
     *
     * @param string $key the key to lock
     * @param string $ownerid the owner (MUC passes its loader's identifier)
     * @param bool $block wait up to the timeout instead of one attempt
     * @return bool true when the owner holds the lock
     * @throws \moodle_exception ex_unabletolock when a blocking lock times out
     */
    public function lock($key, $ownerid, $block = false) {
        $key = (string)$key;
        if (array_key_exists($key, $this->owners)) {
            // Held by this instance: yes for the same owner, no for another.
            if ($this->owners[$key] === (string)$ownerid) {
                return true;
            }
            if (!$block) {
                return false;
            }
            throw new \moodle_exception('ex_unabletolock', 'cache', '', null,
                'lock: ' . $key . ' is held by another owner in this process');
        }
        $acquired = $this->locks()->acquire(self::lock_name($key), $block ? $this->timeout : 0.0);
        if ($acquired) {
            $this->owners[$key] = (string)$ownerid;
            return true;
        }
        if ($block) {
            throw new \moodle_exception('ex_unabletolock', 'cache', '', null,
                'lock: ' . $key . ' not acquired within ' . $this->timeout . ' s');
        }
        return false;
    }

    /**
     * Releases the lock on a key.
     *
     * @param string $key the key
     * @param string $ownerid the owner that locked it
     * @param bool $forceunlock release it whoever holds it
     * @return bool true when released
     */
    public function unlock($key, $ownerid, $forceunlock = false) {
        $key = (string)$key;
        $mine = array_key_exists($key, $this->owners);
        if ($mine && (is_string($ownerid) || is_int($ownerid)) && $this->owners[$key] === (string)$ownerid) {
            unset($this->owners[$key]);
            $this->locks()->release(self::lock_name($key));
            return true;
        }
        if (!$forceunlock) {
            // Not this owner's lock (an owner id of true, as cachelock_file
            // passes on its stale path, is nobody's).
            return false;
        }
        if ($mine) {
            unset($this->owners[$key]);
            $this->locks()->release(self::lock_name($key));
            return true;
        }
        $this->locks()->forceRelease(self::lock_name($key));
        return true;
    }

    /**
     * The state of a key's lock.
     *
     * @param string $key the key
     * @param string $ownerid the owner asking
     * @return bool|null true if the owner holds it, false if someone else does, null if nobody does
     */
    public function check_state($key, $ownerid) {
        $key = (string)$key;
        if (array_key_exists($key, $this->owners)) {
            return $this->owners[$key] === (string)$ownerid;
        }
        return $this->locks()->isLocked(self::lock_name($key)) ? false : null;
    }

    /**
     * Same as lock() without blocking (lockable_cache_interface, which Moodle's
     * config writer requires of lock plugins when adding an instance).
     *
     * @param string $key the key
     * @param string $ownerid the owner
     * @return bool
     */
    public function acquire_lock($key, $ownerid) {
        return $this->lock($key, $ownerid);
    }

    /**
     * Same as check_state() (lockable_cache_interface).
     *
     * @param string $key the key
     * @param string $ownerid the owner
     * @return bool|null
     */
    public function check_lock_state($key, $ownerid) {
        return $this->check_state($key, $ownerid);
    }

    /**
     * Same as unlock() without force (lockable_cache_interface).
     *
     * @param string $key the key
     * @param string $ownerid the owner
     * @return bool
     */
    public function release_lock($key, $ownerid) {
        return $this->unlock($key, $ownerid);
    }

    /**
     * Releases every lock this instance still holds.
     */
    public function __destruct() {
        foreach (array_keys($this->owners) as $key) {
            try {
                $this->locks()->release(self::lock_name($key));
            } catch (\Throwable $e) {
                // Destructors must not throw; the kernel frees the lock at exit anyway.
                unset($e);
            }
        }
        $this->owners = [];
    }
}
