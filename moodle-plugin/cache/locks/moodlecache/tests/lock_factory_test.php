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

/**
 * Tests of the core lock factory.
 *
 * @package    cachelock_moodlecache
 * @copyright  2026 moodlecache contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \cachelock_moodlecache\lock_factory
 */
final class lock_factory_test extends \advanced_testcase {
    /** @var resource[] child processes to kill at tear-down */
    private array $children = [];

    protected function setUp(): void {
        parent::setUp();
        if (!local\lock_directory::available()) {
            $this->markTestSkipped('The moodlecache extension is not loaded');
        }
        $this->resetAfterTest();
        local\lock_directory::reset();
    }

    protected function tearDown(): void {
        foreach ($this->children as $child) {
            proc_terminate($child, 9);
            proc_close($child);
        }
        $this->children = [];
        local\lock_directory::reset();
        parent::tearDown();
    }

    /**
     * Starts a PHP process that holds a task lock until killed.
     *
     * @param lock_factory $factory the factory whose key to hold
     * @param string $resource the resource
     */
    private function hold_in_child(lock_factory $factory, string $resource): void {
        $dir = make_writable_directory(local\lock_directory::path(null, 'core'));
        $code = '$l = new MoodleCache\FileLocks($argv[1]); $l->acquire($argv[2]); echo "held\n"; sleep(60);';
        $child = proc_open([PHP_BINARY, '-r', $code, $dir, $factory->lock_name($resource)],
            [1 => ['pipe', 'w']], $pipes);
        $this->assertIsResource($child);
        $this->children[] = $child;
        $this->assertSame("held\n", fgets($pipes[1]));
    }

    public function test_interface(): void {
        $factory = new lock_factory('cron');
        $this->assertInstanceOf(\core\lock\lock_factory::class, $factory);
        $this->assertTrue($factory->is_available());
        $this->assertTrue($factory->supports_timeout());
        $this->assertTrue($factory->supports_auto_release());
    }

    public function test_get_and_release(): void {
        $factory = new lock_factory('cron');
        $lock = $factory->get_lock('\core\task\send_emails', 0);
        $this->assertInstanceOf(\core\lock\lock::class, $lock);
        $this->assertFalse((new lock_factory('cron'))->get_lock('\core\task\send_emails', 0));
        $this->assertTrue($lock->release());
        $again = $factory->get_lock('\core\task\send_emails', 0);
        $this->assertNotFalse($again);
        $again->release();
    }

    public function test_task_held_by_another_process_waits_for_timeout(): void {
        $factory = new lock_factory('cron');
        $this->hold_in_child($factory, '\core\task\backup');
        $start = microtime(true);
        $this->assertFalse($factory->get_lock('\core\task\backup', 1));
        $this->assertGreaterThanOrEqual(1.0, microtime(true) - $start);
    }

    public function test_killed_holder_releases(): void {
        $factory = new lock_factory('cron');
        $this->hold_in_child($factory, '\core\task\backup');
        $this->assertFalse($factory->get_lock('\core\task\backup', 0));
        $child = array_pop($this->children);
        proc_terminate($child, 9);
        proc_close($child);
        $lock = $factory->get_lock('\core\task\backup', 5);
        $this->assertNotFalse($lock);
        $lock->release();
    }

    public function test_used_through_lock_config(): void {
        global $CFG;
        $CFG->lock_factory = '\cachelock_moodlecache\lock_factory';
        $factory = \core\lock\lock_config::get_lock_factory('cron');
        $lock = $factory->get_lock('core_cron', 0);
        $this->assertNotFalse($lock);
        $this->assertTrue($lock->release());
    }
}
