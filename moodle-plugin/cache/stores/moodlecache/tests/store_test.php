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

namespace cachestore_moodlecache;

use cachestore_moodlecache;
use core_cache\definition;
use core_cache\store;

defined('MOODLE_INTERNAL') || die();

require_once(__DIR__ . '/../../../tests/fixtures/stores.php');
require_once(__DIR__ . '/../lib.php');

// PHPUnit 10+ reads the attribute (its doc-comment metadata is deprecated); 9.6 (Moodle 4.5) the @covers tag.
#[\PHPUnit\Framework\Attributes\CoversClass(\cachestore_moodlecache::class)]
/**
 * Moodle's store contract (cachestore_tests) and this store's own promises, against a real server.
 *
 * Skipped unless a test server is configured, in config.php:
 *
 *     define('TEST_CACHESTORE_MOODLECACHE_TESTSERVERS', '127.0.0.1:6379');
 *     define('TEST_CACHESTORE_MOODLECACHE_BACKEND', 'redis'); // Or memcached.
 *
 * or through environment variables of the same names.
 *
 * @package   cachestore_moodlecache
 * @copyright 2026 moodlecache authors
 * @license   http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers    \cachestore_moodlecache
 */
final class store_test extends \cachestore_tests {
    /** @var cachestore_moodlecache[] Stores to purge after each test. */
    protected $stores = [];

    /**
     * The store class under test.
     *
     * @return string
     */
    protected function get_class_name(): string {
        return 'cachestore_moodlecache';
    }

    /**
     * Skips unless the extension is loaded and a test server is configured.
     */
    public function setUp(): void {
        if (!cachestore_moodlecache::are_requirements_met() || !cachestore_moodlecache::ready_to_be_used_for_testing()) {
            $this->markTestSkipped('cachestore_moodlecache: extension missing or TEST_CACHESTORE_MOODLECACHE_TESTSERVERS not set');
        }
        parent::setUp();
    }

    /**
     * Purges what the tests stored.
     */
    protected function tearDown(): void {
        foreach ($this->stores as $store) {
            $store->purge();
        }
        $this->stores = [];
        parent::tearDown();
    }

    /**
     * A ready, purged test store for an ad-hoc definition.
     *
     * @param array $options definition properties (ttl...)
     * @param int $mode
     * @param array $config configuration overrides
     * @return cachestore_moodlecache
     */
    protected function make_store(array $options = [], int $mode = store::MODE_APPLICATION,
            array $config = []): cachestore_moodlecache {
        $definition = definition::load('cachestore_moodlecache/phpunit_store',
            ['mode' => $mode, 'component' => 'cachestore_moodlecache', 'area' => 'phpunit_store'] + $options);
        $store = new cachestore_moodlecache('Test', $config + cachestore_moodlecache::unit_test_configuration());
        $this->assertTrue($store->is_ready());
        $store->initialise($definition);
        $store->purge();
        $this->stores[] = $store;
        return $store;
    }

    /**
     * The features and modes are declared truthfully, per backend.
     */
    public function test_declared_features_and_modes(): void {
        $features = cachestore_moodlecache::get_supported_features();
        $this->assertNotEmpty($features & store::SUPPORTS_NATIVE_TTL);
        $this->assertNotEmpty($features & store::IS_SEARCHABLE);
        $this->assertNotEmpty($features & store::DEREFERENCES_OBJECTS);
        $this->assertNotEmpty($features & store::SUPPORTS_DATA_GUARANTEE);
        $this->assertSame(store::MODE_APPLICATION + store::MODE_SESSION, cachestore_moodlecache::get_supported_modes());
        $memcached = cachestore_moodlecache::get_supported_features(['backend' => 'memcached']);
        $this->assertNotEmpty($memcached & store::SUPPORTS_NATIVE_TTL);
        $this->assertEmpty($memcached & store::SUPPORTS_DATA_GUARANTEE);
        $this->assertEmpty($memcached & store::IS_SEARCHABLE);
        $this->assertSame(store::MODE_APPLICATION, cachestore_moodlecache::get_supported_modes(['backend' => 'memcached']));
        $this->assertTrue(cachestore_moodlecache::is_supported_mode(store::MODE_APPLICATION));
        $this->assertTrue(cachestore_moodlecache::is_supported_mode(store::MODE_SESSION));
        $this->assertFalse(cachestore_moodlecache::is_supported_mode(store::MODE_REQUEST));
        $store = $this->make_store();
        $this->assertInstanceOf(\core_cache\key_aware_cache_interface::class, $store);
        $this->assertInstanceOf(\core_cache\lockable_cache_interface::class, $store);
        $this->assertNotEmpty($store->supports_native_ttl());
        $memcached = cachestore_moodlecache::unit_test_configuration()['backend'] === 'memcached';
        $this->assertSame(!$memcached, $store->is_searchable());
    }

    /**
     * has, has_any and has_all answer from the server.
     */
    public function test_has_any_all(): void {
        $store = $this->make_store();
        $this->assertTrue($store->set('foo', 'bar'));
        $this->assertTrue($store->set('bat', 'baz'));
        $this->assertTrue($store->has('foo'));
        $this->assertFalse($store->has('nope'));
        $this->assertTrue($store->has_any(['nope', 'foo']));
        $this->assertFalse($store->has_any(['nope', 'nada']));
        $this->assertTrue($store->has_all(['foo', 'bat']));
        $this->assertFalse($store->has_all(['foo', 'bat', 'nope']));
    }

    /**
     * The definition's TTL is the server's TTL: Moodle adds no TTL wrapper.
     */
    public function test_native_ttl(): void {
        $store = $this->make_store(['ttl' => 1]);
        $this->assertTrue($store->set('short', 'lived'));
        $this->assertSame(2, $store->set_many([['key' => 'a', 'value' => 1], ['key' => 'b', 'value' => 2]]));
        $this->assertSame('lived', $store->get('short'));
        sleep(2);
        $this->assertFalse($store->get('short'));
        $this->assertSame(['a' => false, 'b' => false], $store->get_many(['a', 'b']));
        $forever = $this->make_store([], store::MODE_APPLICATION);
        $this->assertTrue($forever->set('k', 'v'));
        $this->assertSame('v', $forever->get('k'));
    }

    /**
     * Only the owner releases a lock; another owner waits, then gives up.
     */
    public function test_lock_is_owner_checked(): void {
        $store = $this->make_store();
        $this->assertNull($store->check_lock_state('lock', 'alice'));
        $this->assertTrue($store->acquire_lock('lock', 'alice'));
        $this->assertTrue($store->check_lock_state('lock', 'alice'));
        $this->assertFalse($store->check_lock_state('lock', 'bob'));
        // Bob waits the configured lock wait (1 s in tests), then gives up.
        $this->assertFalse($store->acquire_lock('lock', 'bob'));
        $this->assertFalse($store->release_lock('lock', 'bob'));
        $this->assertTrue($store->check_lock_state('lock', 'alice'));
        $this->assertTrue($store->release_lock('lock', 'alice'));
        $this->assertNull($store->check_lock_state('lock', 'alice'));
        $this->assertFalse($store->release_lock('lock', 'alice'));
        $this->assertTrue($store->acquire_lock('lock', 'bob'));
        $this->assertTrue($store->release_lock('lock', 'bob'));
    }

    /**
     * Two sites with one server and one prefix neither see nor purge each other's keys.
     */
    public function test_sites_sharing_a_server_and_prefix_do_not_collide(): void {
        global $CFG;
        $this->resetAfterTest();
        $first = $this->make_store();
        $this->assertTrue($first->set('key', 'first site'));
        $CFG->siteidentifier = 'another site ' . random_string(8);
        $second = $this->make_store();
        $this->assertFalse($second->get('key'));
        $this->assertTrue($second->set('key', 'second site'));
        $this->assertSame('first site', $first->get('key'));
        $this->assertTrue($second->purge());
        $this->assertSame('first site', $first->get('key'));
        if ($first->is_searchable()) {
            $this->assertSame(['key'], $first->find_all());
        }
    }

    /**
     * Purging a session cache leaves the application cache of the same id alone.
     */
    public function test_purge_is_per_definition_and_mode(): void {
        $application = $this->make_store();
        $session = $this->make_store([], store::MODE_SESSION);
        $this->assertTrue($application->set('k', 'app'));
        $this->assertTrue($session->set('k', 'session'));
        $this->assertTrue($session->purge());
        $this->assertSame('app', $application->get('k'));
        $this->assertFalse($session->get('k'));
    }

    /**
     * Every PHP type comes back as it went in, objects as copies.
     */
    public function test_values_keep_their_types(): void {
        $store = $this->make_store();
        $object = (object)['a' => [1, 2.5, null, true], 'b' => str_repeat('x', 100000)];
        $values = ['int' => 42, 'zero' => 0, 'string' => '42', 'empty' => '', 'array' => [1 => 'a'],
            'object' => $object, 'null' => null, 'float' => 1.5];
        foreach ($values as $key => $value) {
            $this->assertTrue($store->set($key, $value));
        }
        foreach ($values as $key => $value) {
            $this->assertEquals($value, $store->get($key), $key);
            $this->assertSame(gettype($value), gettype($store->get($key)), $key);
        }
        $this->assertEquals($values, $store->get_many(array_keys($values)));
        $this->assertNotSame($object, $store->get('object'));
    }

    /**
     * The form's fields become the extension's options; options not set are not passed.
     */
    public function test_server_parsing_and_options(): void {
        $this->assertSame(['tcp://127.0.0.1:6379'], cachestore_moodlecache::parse_servers('127.0.0.1', 'redis', false));
        $this->assertSame(['tls://cache.example:6380'], cachestore_moodlecache::parse_servers('cache.example:6380', 'redis', true));
        $this->assertSame(['unix:///run/redis.sock', 'unix:///run/r.sock'],
            cachestore_moodlecache::parse_servers("/run/redis.sock\nunix:///run/r.sock", 'redis', false));
        $this->assertSame(['m1:11211', 'm2:11212'], cachestore_moodlecache::parse_servers("m1\n m2:11212 \n", 'memcached', false));
        $options = cachestore_moodlecache::build_extension_options([
            'server' => 'r1:7000', 'tls' => 1, 'cafile' => '/ca.pem', 'password' => 'p', 'prefix' => 'mdl',
            'compression' => 'zstd', 'compressionlevel' => 5, 'compressionthreshold' => 100, 'connecttimeout' => 0.5,
        ]);
        $this->assertSame('tls://r1:7000', $options['server']);
        $this->assertSame(['ca_file' => '/ca.pem'], $options['tls']);
        $this->assertSame('p', $options['password']);
        $this->assertStringStartsWith('mdl', $options['prefix']);
        $this->assertSame(cachestore_moodlecache::site_prefix('mdl'), $options['prefix']);
        $this->assertSame(['zstd', 5, 100], [$options['compression'], $options['compression_level'],
            $options['compression_threshold']]);
        $this->assertSame(0.5, $options['connect_timeout']);
        $this->assertFalse($options['near_cache']);         // off in a configuration saved without it
        $this->assertTrue(cachestore_moodlecache::config_fields()['nearcache'] === 1);     // on for a new instance
        $replicas = cachestore_moodlecache::build_extension_options(['server' => "a:1", 'cluster' => 1,
            'readfromreplicas' => 1, 'nearcache' => 1]);
        $this->assertFalse($replicas['near_cache']);        // replicas may lag behind an invalidation
        $this->assertArrayNotHasKey('username', $options);
        $cluster = cachestore_moodlecache::build_extension_options(['server' => "a:1\nb:2", 'cluster' => 1]);
        $this->assertSame(['tcp://a:1', 'tcp://b:2'], $cluster['servers']);
        $this->assertTrue($cluster['cluster']);
        $near = cachestore_moodlecache::build_extension_options(['server' => 'r', 'nearcache' => 1,
            'nearcacheexclude' => "core/config\ncore/string"]);
        $this->assertTrue($near['near_cache']);
        $this->assertSame(['1/core/config', '2/core/config', '1/core/string', '2/core/string'], $near['near_cache_exclude']);
        $memcached = cachestore_moodlecache::build_extension_options(['backend' => 'memcached', 'server' => 'm1',
            'password' => 'ignored', 'nearcache' => 1]);
        $this->assertSame(['m1:11211'], $memcached['servers']);
        $this->assertArrayNotHasKey('password', $memcached);
        $this->assertArrayNotHasKey('near_cache', $memcached);
    }

    /**
     * This web server's figures render as tables, and a near cache that is on but refused is a warning.
     */
    public function test_node_stats_tables_and_warnings(): void {
        $near = ['enabled' => true, 'bytes_total' => 64 << 20, 'bytes_used' => 1024, 'entries' => 3, 'fills' => 4,
            'fill_drops' => 0, 'invalidations' => 5, 'evictions' => 0, 'flushes' => 1, 'recoveries' => 0];
        $table = \cachestore_moodlecache\local\node_stats::near_cache_table($near);
        $this->assertCount(9, $table->data);
        $store = ['store' => 'tcp://r:6379 db 0 prefix \'x\'', 'hits' => 90, 'misses' => 10, 'near_hits' => 60,
            'near_trusted' => false, 'near_error' => 'SUBSCRIBE refused: NOPERM', 'round_trips' => 40, 'errors' => 0,
            'reconnects' => 0, 'bytes_sent' => 1, 'bytes_received' => 2];
        $row = \cachestore_moodlecache\local\node_stats::stores_table([$store])->data[0];
        $this->assertSame(['90.0 %', '60.0 %'], [$row[2], $row[3]]);
        $this->assertStringContainsString('SUBSCRIBE refused', $row[4]);
        if (function_exists('MoodleCache\\nodeStats')) {
            $stats = \MoodleCache\nodeStats();
            $this->assertArrayHasKey('near_cache', $stats);
            $this->assertArrayHasKey('stores', $stats);
        }
        // A store whose server is gone: the near cache is not trusted, but with no refusal there is no warning.
        $down = new cachestore_moodlecache('Down', ['server' => '127.0.0.1:1', 'nearcache' => 1, 'connecttimeout' => 0.1]);
        $this->assertSame([], $down->get_warnings());
    }

    /**
     * A configuration the extension rejects makes a store that is not ready, not a fatal error.
     */
    public function test_bad_configuration_is_not_ready(): void {
        $this->assertFalse((new cachestore_moodlecache('Bad', ['server' => '127.0.0.1', 'serializer' => 'nonsense']))->is_ready());
        $this->assertFalse((new cachestore_moodlecache('Empty', []))->is_ready());
        $this->assertDebuggingCalled();
    }
}
