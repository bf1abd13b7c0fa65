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

defined('MOODLE_INTERNAL') || die();

global $CFG;
require_once($CFG->dirroot . '/cache/tests/fixtures/lib.php');

/**
 * MUC's own loader locking through a cachelock_moodlecache instance: an
 * application cache on a store without native locking (APCu), whose lock
 * instance is ours, added the way the admin UI adds it.
 *
 * @package    cachelock_moodlecache
 * @copyright  2026 moodlecache contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \cachelock_moodlecache
 */
final class muc_integration_test extends \advanced_testcase {
    protected function setUp(): void {
        parent::setUp();
        if (!\cachelock_moodlecache::can_add_instance()) {
            $this->markTestSkipped('The moodlecache extension is not loaded');
        }
        if (!class_exists('cachestore_apcu')) {
            require_once(__DIR__ . '/../../../stores/apcu/lib.php');
        }
        if (!\cachestore_apcu::are_requirements_met()) {
            $this->markTestSkipped('APCu (with apc.enable_cli in CLI) is needed for a store without native locking');
        }
        $this->resetAfterTest();
        local\lock_directory::reset();
    }

    protected function tearDown(): void {
        local\lock_directory::reset();
        parent::tearDown();
    }

    public function test_loader_locking_uses_our_lock(): void {
        $config = \cache_config_testing::instance();
        $config->add_lock_instance('moodlecache_test', 'moodlecache', ['timeout' => 1]);
        $config->add_store_instance('apcu_locked', 'apcu', ['prefix' => 'mctest', 'lock' => 'moodlecache_test']);
        $config->phpunit_add_definition('phpunit/moodlecache_locking', [
            'mode' => \core_cache\store::MODE_APPLICATION,
            'component' => 'phpunit',
            'area' => 'moodlecache_locking',
            'requirelockingbeforewrite' => true,
        ], false);
        $config->phpunit_add_definition_mapping('phpunit/moodlecache_locking', 'apcu_locked', 1);

        $cache1 = \cache::make('phpunit', 'moodlecache_locking');
        $cache2 = clone($cache1);
        $this->assertTrue($cache1->acquire_lock('a'));
        $this->assertTrue($cache1->check_lock_state('a'));
        $this->assertFalse($cache2->check_lock_state('a'));
        $this->assertTrue($cache1->set('a', 'A'));
        try {
            $cache2->acquire_lock('a');
            $this->fail('a second owner got the lock');
        } catch (\moodle_exception $e) {
            $this->assertSame('ex_unabletolock', $e->errorcode);
        }
        $this->assertTrue($cache1->release_lock('a'));
        $this->assertNull($cache2->check_lock_state('a'));
        $this->assertTrue($cache2->acquire_lock('a'));
        $this->assertTrue($cache2->set('a', 'B'));
        $this->assertTrue($cache2->release_lock('a'));
        $this->assertSame('B', $cache1->get('a'));

        // The lock was ours: a file in our directory, not cachelock_file's.
        $locks = new \MoodleCache\FileLocks(local\lock_directory::path(null, 'muc'));
        $this->assertFileExists($locks->lockFile(\cachelock_moodlecache::lock_name(
            \core_cache\helper::hash_key('a', \core_cache\definition::load_adhoc(\core_cache\store::MODE_APPLICATION, 'phpunit', 'moodlecache_locking')))));
    }
}
