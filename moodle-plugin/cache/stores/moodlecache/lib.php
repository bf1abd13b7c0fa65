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
 * The moodlecache cache store: Moodle's cache API mapped onto the moodlecache PHP extension.
 *
 * @package   cachestore_moodlecache
 * @copyright 2026 moodlecache authors
 * @license   http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

use core_cache\configurable_cache_interface;
use core_cache\definition;
use core_cache\key_aware_cache_interface;
use core_cache\lockable_cache_interface;
use core_cache\searchable_cache_interface;
use core_cache\store;

/**
 * A cache store on Redis/Valkey (single server or cluster) or Memcached through the moodlecache extension.
 *
 * The extension does the work: one round trip per call, serialisation, compression, native TTL,
 * per-definition purge and atomic owner-checked locks. This class only maps Moodle's calls onto it.
 *
 * Keys of two Moodle sites never meet, even on one server with one prefix: the prefix passed to the
 * extension ends with a hash of the site identifier.
 *
 * @package   cachestore_moodlecache
 * @copyright 2026 moodlecache authors
 * @license   http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class cachestore_moodlecache extends store implements
    configurable_cache_interface,
    key_aware_cache_interface,
    lockable_cache_interface,
    searchable_cache_interface {

    /** The oldest moodlecache extension this plugin works with. */
    const REQUIRED_VERSION = '0.1.0';

    /** Backend: Redis, Valkey or ElastiCache for Redis/Valkey. */
    const BACKEND_REDIS = 'redis';

    /** Backend: Memcached or ElastiCache for Memcached. */
    const BACKEND_MEMCACHED = 'memcached';

    /** Default seconds to wait for a lock held by another owner. */
    const DEFAULT_LOCK_WAIT = 60;

    /** Default seconds after which a lock nobody released expires. */
    const DEFAULT_LOCK_TIMEOUT = 600;

    /** @var string The name of this store instance. */
    protected $name;

    /** @var array The configuration of this store instance. */
    protected $config;

    /** @var definition|null The definition this store is initialised for. */
    protected $definition = null;

    /** @var string The definition's name as the extension sees it. */
    protected $defname = '';

    /** @var int The definition's TTL in seconds (0: none). */
    protected $ttl = 0;

    /** @var \MoodleCache\RedisStore|\MoodleCache\MemcachedStore|null The extension's store object. */
    protected $connection = null;

    /** @var bool Whether the extension accepted the configuration. */
    protected $isready = false;

    /** @var int Seconds to wait for a lock. */
    protected $lockwait = self::DEFAULT_LOCK_WAIT;

    /** @var int Seconds before an unreleased lock expires. */
    protected $locktimeout = self::DEFAULT_LOCK_TIMEOUT;

    /** @var array|null Locks held by this request (key => owner), null until the shutdown handler is registered. */
    protected $currentlocks = null;

    /** @var array Extension objects shared by every store instance of this request, by their options. */
    protected static $connections = [];

    /** @var array Whether the loaded extension accepts a set of options, by class and options. */
    protected static $supportedoptions = [];

    /**
     * Whether the moodlecache extension is loaded and recent enough.
     *
     * @return bool
     */
    public static function are_requirements_met() {
        $version = phpversion('moodlecache');
        return $version !== false && version_compare($version, self::REQUIRED_VERSION, '>=')
            && class_exists('\MoodleCache\RedisStore');
    }

    /**
     * Explains what is missing when {@see are_requirements_met()} is false, or null when nothing is.
     *
     * @return string|null
     */
    public static function get_requirements_message(): ?string {
        $version = phpversion('moodlecache');
        if ($version === false) {
            return get_string('extensionmissing', 'cachestore_moodlecache', self::REQUIRED_VERSION);
        }
        if (!self::are_requirements_met()) {
            return get_string('extensiontooold', 'cachestore_moodlecache',
                ['found' => $version, 'required' => self::REQUIRED_VERSION]);
        }
        return null;
    }

    /**
     * The backends the loaded extension offers.
     *
     * @return string[]
     */
    public static function get_available_backends(): array {
        $backends = [];
        if (class_exists('\MoodleCache\RedisStore')) {
            $backends[] = self::BACKEND_REDIS;
        }
        if (class_exists('\MoodleCache\MemcachedStore')) {
            $backends[] = self::BACKEND_MEMCACHED;
        }
        return $backends;
    }

    /**
     * Whether the loaded extension accepts a set of options of a backend.
     *
     * Construction does not use the network (a cluster probe may try its seed once). An older extension
     * rejects an option it does not know; a build without a feature (igbinary, zstd) rejects its value.
     *
     * @param string $backend self::BACKEND_REDIS or self::BACKEND_MEMCACHED
     * @param array $options a complete, valid set of the extension's options using the feature
     * @return bool
     */
    public static function extension_supports(string $backend, array $options): bool {
        $class = self::extension_class($backend);
        if ($class === null) {
            return false;
        }
        $id = $class . ':' . serialize($options);
        if (!isset(self::$supportedoptions[$id])) {
            try {
                new $class($options);
                self::$supportedoptions[$id] = true;
            } catch (\Throwable $e) {
                self::$supportedoptions[$id] = false;
            }
        }
        return self::$supportedoptions[$id];
    }

    /**
     * Whether the loaded extension offers a feature, as the add-instance form asks.
     *
     * @param string $feature memcached, cluster, readfromreplicas, nearcache, igbinary or zstd
     * @return bool
     */
    public static function extension_has(string $feature): bool {
        if (!self::are_requirements_met()) {
            return false;
        }
        // Port 1: nothing listens there, so a probe never touches a real server.
        $redis = ['server' => 'tcp://127.0.0.1:1'];
        $cluster = ['cluster' => true, 'servers' => ['tcp://127.0.0.1:1']];
        switch ($feature) {
            case 'memcached':
                return self::extension_class(self::BACKEND_MEMCACHED) !== null;
            case 'cluster':
                return self::extension_supports(self::BACKEND_REDIS, $cluster);
            case 'readfromreplicas':
                return self::extension_supports(self::BACKEND_REDIS, $cluster + ['read_from_replicas' => true]);
            case 'nearcache':
                return self::extension_supports(self::BACKEND_REDIS, $redis + ['near_cache' => true]);
            case 'igbinary':
                return self::extension_supports(self::BACKEND_REDIS, $redis + ['serializer' => 'igbinary']);
            case 'zstd':
                return self::extension_supports(self::BACKEND_REDIS, $redis + ['compression' => 'zstd']);
        }
        return false;
    }

    /**
     * The extension's class for a backend, or null when the loaded extension has none.
     *
     * @param string $backend
     * @return string|null
     */
    protected static function extension_class(string $backend): ?string {
        $class = $backend === self::BACKEND_MEMCACHED ? '\MoodleCache\MemcachedStore' : '\MoodleCache\RedisStore';
        return class_exists($class) ? $class : null;
    }

    /**
     * Application and session caches; request caches belong in memory.
     *
     * @param int $mode
     * @return bool
     */
    public static function is_supported_mode($mode) {
        return $mode === self::MODE_APPLICATION || $mode === self::MODE_SESSION;
    }

    /**
     * The features of this store.
     *
     * Native TTL (the extension expires entries itself) and objects come back as copies.
     * Redis is searchable and keeps what it is given (no eviction policy is assumed, as for Moodle's
     * Redis store). Memcached cannot list keys and evicts: neither searchable nor guaranteed.
     *
     * @param array $configuration
     * @return int
     */
    public static function get_supported_features(array $configuration = []) {
        $features = self::SUPPORTS_NATIVE_TTL + self::DEREFERENCES_OBJECTS;
        if (($configuration['backend'] ?? self::BACKEND_REDIS) !== self::BACKEND_MEMCACHED) {
            $features += self::IS_SEARCHABLE + self::SUPPORTS_DATA_GUARANTEE;
        }
        return $features;
    }

    /**
     * The modes of this store.
     *
     * Session caches need a searchable store (Moodle lists a user's keys when the user changes),
     * so with Memcached, as with Moodle's former cachestore_memcached, only application caches.
     *
     * @param array $configuration
     * @return int
     */
    public static function get_supported_modes(array $configuration = []) {
        if (($configuration['backend'] ?? self::BACKEND_REDIS) === self::BACKEND_MEMCACHED) {
            return self::MODE_APPLICATION;
        }
        return self::MODE_APPLICATION + self::MODE_SESSION;
    }

    /**
     * Whether this instance can list its keys: Redis can, Memcached cannot.
     *
     * @return bool
     */
    public function is_searchable() {
        return ($this->config['backend'] ?? self::BACKEND_REDIS) !== self::BACKEND_MEMCACHED;
    }

    /**
     * Creates a store instance; nothing connects until the first call.
     *
     * @param string $name
     * @param array $configuration
     */
    public function __construct($name, array $configuration = []) {
        $this->name = $name;
        $this->config = $configuration;
        if (empty($configuration['server']) || !self::are_requirements_met()) {
            return;
        }
        $this->lockwait = (int)($configuration['lockwait'] ?? self::DEFAULT_LOCK_WAIT);
        $this->locktimeout = max(1, (int)($configuration['locktimeout'] ?? self::DEFAULT_LOCK_TIMEOUT));
        try {
            $this->connection = self::connect($configuration, self::build_extension_options($configuration));
            $this->isready = true;
        } catch (\Throwable $e) {
            debugging("cachestore_moodlecache '{$name}': " . $e->getMessage(), DEBUG_DEVELOPER);
            $this->isready = false;
        }
    }

    /**
     * Returns the extension object for these options, shared within the request.
     *
     * @param array $configuration
     * @param array $options
     * @return \MoodleCache\RedisStore|\MoodleCache\MemcachedStore
     */
    protected static function connect(array $configuration, array $options) {
        $backend = $configuration['backend'] ?? self::BACKEND_REDIS;
        $class = self::extension_class($backend);
        if ($class === null) {
            throw new \coding_exception("the moodlecache extension has no {$backend} backend");
        }
        $id = $class . ':' . serialize($options);
        if (!isset(self::$connections[$id])) {
            self::$connections[$id] = new $class($options);
        }
        return self::$connections[$id];
    }

    /**
     * Maps a store configuration onto the extension's options; an option is passed only when set.
     *
     * @param array $configuration as made by {@see config_get_configuration_array()}
     * @return array
     */
    public static function build_extension_options(array $configuration): array {
        $backend = $configuration['backend'] ?? self::BACKEND_REDIS;
        $tls = !empty($configuration['tls']);
        $servers = self::parse_servers((string)($configuration['server'] ?? ''), $backend, $tls);
        $options = [];
        if ($backend === self::BACKEND_MEMCACHED) {
            $options['servers'] = $servers;
        } else if (!empty($configuration['cluster'])) {
            $options['cluster'] = true;
            $options['servers'] = $servers;
            if (!empty($configuration['readfromreplicas'])) {
                $options['read_from_replicas'] = true;
            }
        } else {
            $options['server'] = $servers[0] ?? '';
        }
        if ($backend !== self::BACKEND_MEMCACHED) {
            if ($tls) {
                $options['tls'] = [];
                if (!empty($configuration['cafile'])) {
                    $options['tls']['ca_file'] = (string)$configuration['cafile'];
                }
            }
            if (!empty($configuration['username'])) {
                $options['username'] = (string)$configuration['username'];
            }
            if (!empty($configuration['password'])) {
                $options['password'] = (string)$configuration['password'];
            }
            if (!empty($configuration['database'])) {
                $options['database'] = (int)$configuration['database'];
            }
        }
        $options['prefix'] = self::site_prefix((string)($configuration['prefix'] ?? ''));
        if (!empty($configuration['serializer'])) {
            $options['serializer'] = (string)$configuration['serializer'];
        }
        if (!empty($configuration['compression']) && $configuration['compression'] !== 'none') {
            $options['compression'] = (string)$configuration['compression'];
            if (!empty($configuration['compressionlevel'])) {
                $options['compression_level'] = (int)$configuration['compressionlevel'];
            }
            if (isset($configuration['compressionthreshold']) && $configuration['compressionthreshold'] !== '') {
                $options['compression_threshold'] = (int)$configuration['compressionthreshold'];
            }
        }
        if (!empty($configuration['connecttimeout'])) {
            $options['connect_timeout'] = (float)$configuration['connecttimeout'];
        }
        if (!empty($configuration['readtimeout'])) {
            $options['read_timeout'] = (float)$configuration['readtimeout'];
        }
        if ($backend !== self::BACKEND_MEMCACHED) {
            // Always said: the extension's default is on, and a store instance saved with it off stays off.
            $options['near_cache'] = !empty($configuration['nearcache']) && empty($configuration['readfromreplicas']);
        }
        if (!empty($options['near_cache'])) {
            $excluded = preg_split('/[\s,]+/', (string)($configuration['nearcacheexclude'] ?? ''), -1, PREG_SPLIT_NO_EMPTY);
            foreach ($excluded as $id) {
                foreach ([self::MODE_APPLICATION, self::MODE_SESSION] as $mode) {
                    $options['near_cache_exclude'][] = self::definition_name($mode, $id);
                }
            }
        }
        return $options;
    }

    /**
     * Turns the server field (one per line) into the extension's server strings.
     *
     * Redis: `host`, `host:port`, `tcp://`, `tls://`, `unix:///path` or `/path`; port 6379 by default,
     * `tls://` when TLS is on. Memcached: `host` or `host:port`, port 11211 by default.
     *
     * @param string $field
     * @param string $backend
     * @param bool $tls
     * @return string[]
     */
    public static function parse_servers(string $field, string $backend, bool $tls): array {
        $servers = [];
        foreach (preg_split('/[\r\n,]+/', $field) as $server) {
            $server = trim($server);
            if ($server === '') {
                continue;
            }
            if ($backend === self::BACKEND_MEMCACHED) {
                $server = preg_replace('#^tcp://#', '', $server);
                $servers[] = preg_match('/:\d+$/', $server) ? $server : $server . ':11211';
                continue;
            }
            if ($server[0] === '/') {
                $servers[] = 'unix://' . $server;
                continue;
            }
            if (preg_match('#^(tcp|tls|unix)://#', $server)) {
                $servers[] = $server;
                continue;
            }
            if (!preg_match('/:\d+$/', $server)) {
                $server .= ':6379';
            }
            $servers[] = ($tls ? 'tls://' : 'tcp://') . $server;
        }
        return $servers;
    }

    /**
     * The prefix given to the extension: the administrator's prefix, then a hash of this site's identifier.
     *
     * Two sites sharing a server and a prefix therefore never share keys, and never purge each other.
     *
     * @param string $prefix
     * @return string
     */
    public static function site_prefix(string $prefix): string {
        global $CFG;
        $site = !empty($CFG->siteidentifier) ? $CFG->siteidentifier : ($CFG->wwwroot ?? '');
        return $prefix . substr(sha1($site), 0, 12) . '_';
    }

    /**
     * The name of this store instance.
     *
     * @return string
     */
    public function my_name() {
        return $this->name;
    }

    /**
     * Prepares the store for one definition.
     *
     * @param definition $definition
     */
    public function initialise(definition $definition) {
        $this->definition = $definition;
        $this->defname = self::definition_name($definition->get_mode(), $definition->get_id());
        $this->ttl = (int)$definition->get_ttl();
    }

    /**
     * The extension's name of a definition: its mode, then its id.
     *
     * The mode keeps apart the application and session caches of one ad-hoc definition id.
     *
     * @param int $mode
     * @param string $id
     * @return string
     */
    public static function definition_name(int $mode, string $id): string {
        return $mode . '/' . $id;
    }

    /**
     * Whether {@see initialise()} was called.
     *
     * @return bool
     */
    public function is_initialised() {
        return $this->definition !== null;
    }

    /**
     * Whether the extension accepted this store's configuration.
     *
     * @return bool
     */
    public function is_ready() {
        return $this->isready;
    }

    /**
     * Gets one value.
     *
     * @param string $key
     * @return mixed the value, or false if there is none
     */
    public function get($key) {
        return $this->connection->get($this->defname, (string)$key);
    }

    /**
     * Gets many values in one round trip.
     *
     * @param array $keys
     * @return array every key, with false for a miss
     */
    public function get_many($keys) {
        if (!$keys) {
            return [];
        }
        return $this->connection->getMany($this->defname, array_map('strval', array_values($keys)));
    }

    /**
     * Sets one value, with the definition's TTL.
     *
     * @param string $key
     * @param mixed $data
     * @return bool
     */
    public function set($key, $data) {
        return $this->connection->set($this->defname, (string)$key, $data, $this->ttl);
    }

    /**
     * Sets many values in one round trip, with the definition's TTL.
     *
     * @param array $keyvaluearray items of ['key' => ..., 'value' => ...]
     * @return int the number stored
     */
    public function set_many(array $keyvaluearray) {
        $items = [];
        foreach ($keyvaluearray as $pair) {
            $items[(string)$pair['key']] = $pair['value'];
        }
        if (!$items) {
            return 0;
        }
        return $this->connection->setMany($this->defname, $items, $this->ttl);
    }

    /**
     * Deletes one key.
     *
     * @param string $key
     * @return bool whether it existed
     */
    public function delete($key) {
        return $this->connection->delete($this->defname, (string)$key);
    }

    /**
     * Deletes many keys in one round trip.
     *
     * @param array $keys
     * @return int the number deleted
     */
    public function delete_many(array $keys) {
        if (!$keys) {
            return 0;
        }
        return $this->connection->deleteMany($this->defname, array_map('strval', array_values($keys)));
    }

    /**
     * Purges this definition only; other definitions and sites keep their data.
     *
     * @return bool
     */
    public function purge() {
        return $this->connection->purge($this->defname);
    }

    /**
     * Whether the key is stored.
     *
     * @param string $key
     * @return bool
     */
    public function has($key) {
        return $this->connection->has($this->defname, (string)$key);
    }

    /**
     * Whether any of the keys is stored.
     *
     * @param array $keys
     * @return bool
     */
    public function has_any(array $keys) {
        return $keys && $this->connection->hasAny($this->defname, array_map('strval', array_values($keys)));
    }

    /**
     * Whether all the keys are stored.
     *
     * @param array $keys
     * @return bool
     */
    public function has_all(array $keys) {
        return !$keys || $this->connection->hasAll($this->defname, array_map('strval', array_values($keys)));
    }

    /**
     * The keys of this definition.
     *
     * @return array
     */
    public function find_all() {
        return array_values($this->connection->findAll($this->defname));
    }

    /**
     * The keys of this definition that start with a prefix.
     *
     * @param string $prefix
     * @return array
     */
    public function find_by_prefix($prefix) {
        return array_values($this->connection->findByPrefix($this->defname, (string)$prefix));
    }

    /**
     * Takes a lock, waiting up to the lock wait time while another owner holds it.
     *
     * The lock expires by itself after the lock timeout, so a crashed process cannot hold it forever.
     *
     * @param string $key
     * @param string $ownerid
     * @return bool whether the lock was taken
     */
    public function acquire_lock($key, $ownerid) {
        $deadline = microtime(true) + $this->lockwait;
        $delayms = 5;
        while (true) {
            if ($this->connection->acquireLock($this->defname, (string)$key, (string)$ownerid, $this->locktimeout * 1000)) {
                if ($this->currentlocks === null) {
                    \core_shutdown_manager::register_function([$this, 'shutdown_release_locks']);
                    $this->currentlocks = [];
                }
                $this->currentlocks[$key] = (string)$ownerid;
                return true;
            }
            if (microtime(true) >= $deadline) {
                return false;
            }
            // Jittered exponential backoff, 5 ms up to 1 s, never past the deadline.
            $sleepms = min($delayms + random_int(0, (int)($delayms / 10) + 1), ($deadline - microtime(true)) * 1000);
            usleep((int)max(0, $sleepms) * 1000);
            $delayms = min(1000, $delayms * 2);
        }
    }

    /**
     * Whether a lock exists and whose it is.
     *
     * @param string $key
     * @param string $ownerid
     * @return bool|null true: held by this owner; false: by another; null: not held
     */
    public function check_lock_state($key, $ownerid) {
        return $this->connection->checkLockState($this->defname, (string)$key, (string)$ownerid);
    }

    /**
     * Releases a lock if this owner holds it, atomically (the check and the delete are one server step).
     *
     * @param string $key
     * @param string $ownerid
     * @return bool whether it was released
     */
    public function release_lock($key, $ownerid) {
        $released = $this->connection->releaseLock($this->defname, (string)$key, (string)$ownerid);
        if ($released) {
            unset($this->currentlocks[$key]);
        }
        return $released;
    }

    /**
     * Releases the locks a request forgot; registered as a shutdown function. Not for other use.
     */
    public function shutdown_release_locks() {
        foreach ($this->currentlocks ?? [] as $key => $ownerid) {
            debugging('Automatically releasing moodlecache lock: ' . $key . ' (' . $ownerid .
                ') - did somebody forget to call release_lock()?', DEBUG_DEVELOPER);
            $this->release_lock($key, $ownerid);
        }
    }

    /**
     * Warnings for the cache administration page: a near cache that is on but not in use on this web server.
     *
     * @return string[]
     */
    public function get_warnings() {
        if (!$this->connection instanceof \MoodleCache\RedisStore) {
            return [];
        }
        $stats = $this->connection->stats();
        if (empty($stats['near_enabled']) || !empty($stats['near_trusted']) || empty($stats['near_error'])) {
            return [];
        }
        return [get_string('nearcacheoff', 'cachestore_moodlecache', s($stats['near_error']))];
    }

    /**
     * The extension's counters for this store's connection (hits, misses, round trips...).
     *
     * @return array
     */
    public function get_extension_stats(): array {
        return $this->connection ? $this->connection->stats() : [];
    }

    /**
     * Makes the store configuration from the add-instance form's data.
     *
     * @param stdClass $data
     * @return array
     */
    public static function config_get_configuration_array($data) {
        $config = [];
        foreach (self::config_fields() as $field => $default) {
            if (isset($data->$field)) {
                $config[$field] = $data->$field;
            }
        }
        return $config;
    }

    /**
     * Fills the edit form from a store configuration.
     *
     * @param moodleform $editform
     * @param array $config
     */
    public static function config_set_edit_form_data(moodleform $editform, array $config) {
        $data = [];
        foreach (self::config_fields() as $field => $default) {
            $data[$field] = $config[$field] ?? $default;
        }
        $editform->set_data($data);
    }

    /**
     * The configuration fields of a store instance and their defaults.
     *
     * @return array
     */
    public static function config_fields(): array {
        return [
            'backend' => self::BACKEND_REDIS,
            'server' => '',
            'cluster' => 0,
            'readfromreplicas' => 0,
            'tls' => 0,
            'cafile' => '',
            'username' => '',
            'password' => '',
            'database' => 0,
            'prefix' => '',
            'serializer' => 'php',
            'compression' => 'none',
            'compressionlevel' => 3,
            'compressionthreshold' => 4096,
            'connecttimeout' => 1.0,
            'readtimeout' => 1.0,
            'nearcache' => 1,
            'nearcacheexclude' => '',
            'lockwait' => self::DEFAULT_LOCK_WAIT,
            'locktimeout' => self::DEFAULT_LOCK_TIMEOUT,
        ];
    }

    /**
     * The serializers the loaded extension offers.
     *
     * @return array value => label
     */
    public static function config_get_serializer_options(): array {
        $options = ['php' => get_string('serializer_php', 'cachestore_moodlecache')];
        if (self::extension_has('igbinary')) {
            $options['igbinary'] = get_string('serializer_igbinary', 'cachestore_moodlecache');
        }
        return $options;
    }

    /**
     * The compressions the loaded extension offers.
     *
     * @return array value => label
     */
    public static function config_get_compression_options(): array {
        $options = ['none' => get_string('compression_none', 'cachestore_moodlecache')];
        if (self::extension_has('zstd')) {
            $options['zstd'] = get_string('compression_zstd', 'cachestore_moodlecache');
        }
        return $options;
    }

    /**
     * Creates the test instance of the cache performance page, from this plugin's settings.
     *
     * @param definition $definition
     * @return cachestore_moodlecache|false
     */
    public static function initialise_test_instance(definition $definition) {
        if (!self::are_requirements_met()) {
            return false;
        }
        $settings = get_config('cachestore_moodlecache');
        if (empty($settings->test_server)) {
            return false;
        }
        $configuration = [];
        foreach (self::config_fields() as $field => $default) {
            $setting = 'test_' . $field;
            if (isset($settings->$setting) && $settings->$setting !== '') {
                $configuration[$field] = $settings->$setting;
            }
        }
        $store = new cachestore_moodlecache('moodlecache test', $configuration);
        if (!$store->is_ready()) {
            return false;
        }
        $store->initialise($definition);
        return $store;
    }

    /**
     * The test servers for unit tests, or null when none is configured.
     *
     * Set in config.php `define('TEST_CACHESTORE_MOODLECACHE_TESTSERVERS', '127.0.0.1:6379');`, or
     * `$CFG->cachestore_moodlecache_testservers`, or the environment variable of the same name as the constant.
     * The backend comes from TEST_CACHESTORE_MOODLECACHE_BACKEND the same three ways (default redis).
     *
     * @param string $name the setting name without the TEST_CACHESTORE_MOODLECACHE_ part
     * @return string|null
     */
    protected static function test_setting(string $name): ?string {
        global $CFG;
        $constant = 'TEST_CACHESTORE_MOODLECACHE_' . $name;
        $cfg = strtolower('cachestore_moodlecache_' . $name);
        if (defined($constant) && constant($constant) !== '') {
            return (string)constant($constant);
        }
        if (!empty($CFG->$cfg)) {
            return (string)$CFG->$cfg;
        }
        $env = getenv($constant);
        return $env !== false && $env !== '' ? $env : null;
    }

    /**
     * The configuration of the unit-test instance.
     *
     * @return array
     */
    public static function unit_test_configuration() {
        global $DB;
        if (!self::are_requirements_met() || !self::ready_to_be_used_for_testing()) {
            throw new moodle_exception('TEST_CACHESTORE_MOODLECACHE_TESTSERVERS not configured: no test configuration');
        }
        $configuration = [
            'backend' => self::test_setting('BACKEND') ?? self::BACKEND_REDIS,
            'server' => self::test_setting('TESTSERVERS'),
            'prefix' => 'phpunit_' . $DB->get_prefix(),
            // Tests that wait for a lock held by another owner should not wait a minute.
            'lockwait' => 1,
        ];
        foreach (['CLUSTER' => 'cluster', 'NEARCACHE' => 'nearcache', 'COMPRESSION' => 'compression',
                'SERIALIZER' => 'serializer', 'PASSWORD' => 'password'] as $name => $field) {
            $value = self::test_setting($name);
            if ($value !== null) {
                $configuration[$field] = $value;
            }
        }
        return $configuration;
    }

    /**
     * Whether a unit-test instance is configured.
     *
     * @return bool
     */
    public static function ready_to_be_used_for_testing() {
        return self::test_setting('TESTSERVERS') !== null;
    }
}
