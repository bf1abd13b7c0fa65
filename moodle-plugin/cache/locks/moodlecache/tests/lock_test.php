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
require_once($CFG->dirroot . '/cache/locks/moodlecache/lib.php');

/**
 * Tests of the MUC lock plugin, including regressions for cachelock_file's
 * two defects (a blocking lock() returning false after acquiring, and an
 * endless stale-lock recursion through unlock($key, true)).
 *
 * @package    cachelock_moodlecache
 * @copyright  2026 moodlecache contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 * @covers     \cachelock_moodlecache
 */
final class lock_test extends \advanced_testcase {
    /** @var resource[] child processes to kill at tear-down */
    private array $children = [];

    protected function setUp(): void {
        parent::setUp();
        if (!\cachelock_moodlecache::can_add_instance()) {
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
     * Starts a PHP process that holds a lock and prints "held".
     *
     * @param string $dir the lock directory
     * @param string $name the FileLocks key
     * @param float $seconds how long it holds the lock
     */
    private function hold_in_child(string $dir, string $name, float $seconds): void {
        make_writable_directory($dir);
        $code = '$l = new MoodleCache\FileLocks($argv[1]); $l->acquire($argv[2]); echo "held\n"; usleep((int)($argv[3] * 1e6));';
        $child = proc_open([PHP_BINARY, '-r', $code, $dir, $name, (string)$seconds], [1 => ['pipe', 'w']], $pipes);
        $this->assertIsResource($child);
        $this->children[] = $child;
        $this->assertSame("held\n", fgets($pipes[1]));
    }

    /**
     * The lock directory of instances created with no 'dir'.
     *
     * @return string
     */
    private function muc_dir(): string {
        return local\lock_directory::path(null, 'muc');
    }

    public function test_owner_semantics(): void {
        $a = new \cachelock_moodlecache('a', []);
        $b = new \cachelock_moodlecache('b', []);
        $this->assertNull($a->check_state('k', 'owner-a'));
        $this->assertTrue($a->lock('k', 'owner-a'));
        $this->assertTrue($a->lock('k', 'owner-a'));
        $this->assertFalse($a->lock('k', 'owner-b'));
        $this->assertFalse($b->lock('k', 'owner-b'));
        $this->assertTrue($a->check_state('k', 'owner-a'));
        $this->assertFalse($a->check_state('k', 'owner-b'));
        $this->assertFalse($b->check_state('k', 'owner-b'));
        $this->assertFalse($a->unlock('k', 'owner-b'));
        $this->assertTrue($a->unlock('k', 'owner-a'));
        $this->assertNull($b->check_state('k', 'owner-b'));
    }

    public function test_forced_unlock(): void {
        $this->hold_in_child($this->muc_dir(), \cachelock_moodlecache::lock_name('k'), 30);
        $a = new \cachelock_moodlecache('a', []);
        $this->assertFalse($a->lock('k', 'owner-a'));
        $this->assertTrue($a->unlock('k', 'owner-a', true));
        $this->assertTrue($a->lock('k', 'owner-a'));
        $this->assertTrue($a->unlock('k', 'owner-a'));
    }

    /**
     * Regression: cachelock_file's blocking lock() falls through to "return false"
     * after its retry loop acquired the lock.
     */
    public function test_blocking_lock_that_waited_returns_true(): void {
        $this->hold_in_child($this->muc_dir(), \cachelock_moodlecache::lock_name('k'), 0.4);
        $a = new \cachelock_moodlecache('a', ['timeout' => 10]);
        $this->assertTrue($a->lock('k', 'owner-a', true));
        $this->assertTrue($a->check_state('k', 'owner-a'));
        $a->unlock('k', 'owner-a');
    }

    public function test_blocking_lock_times_out_with_exception(): void {
        $this->hold_in_child($this->muc_dir(), \cachelock_moodlecache::lock_name('k'), 30);
        $a = new \cachelock_moodlecache('a', ['timeout' => 0.3]);
        $this->expectException(\moodle_exception::class);
        $a->lock('k', 'owner-a', true);
    }

    /**
     * Regression: cachelock_file's stale path calls unlock($key, true), which
     * never unlinks (true lands in the owner's place), then recurses without end.
     */
    public function test_dead_holder_no_stale_recursion(): void {
        $this->hold_in_child($this->muc_dir(), \cachelock_moodlecache::lock_name('k'), 30);
        $a = new \cachelock_moodlecache('a', []);
        $this->assertFalse($a->lock('k', 'owner-a'));
        // The buggy call pattern releases nobody's lock.
        $this->assertFalse($a->unlock('k', true));
        $this->assertFalse($a->check_state('k', 'owner-a'));
        // The holder dies: its lock is free at once, with no takeover logic to loop in.
        $child = array_pop($this->children);
        proc_terminate($child, 9);
        proc_close($child);
        $this->assertTrue($a->lock('k', 'owner-a', true));
        $a->unlock('k', 'owner-a');
    }

    public function test_destructor_releases(): void {
        $a = new \cachelock_moodlecache('a', []);
        $a->lock('k', 'owner-a');
        unset($a);
        $b = new \cachelock_moodlecache('b', []);
        $this->assertTrue($b->lock('k', 'owner-b'));
        $b->unlock('k', 'owner-b');
    }

    public function test_configured_directory_and_lockable_interface(): void {
        $config = ['dir' => make_temp_directory('cachelock_moodlecache_test')];
        $a = new \cachelock_moodlecache('configured', $config);
        $this->assertTrue($a->acquire_lock('k', 'o'));
        $this->assertTrue($a->check_lock_state('k', 'o'));
        $this->assertTrue($a->release_lock('k', 'o'));
        $this->assertNull($a->check_lock_state('k', 'o'));
    }
}
