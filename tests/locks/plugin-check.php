<?php
// Runs cachelock_moodlecache's lock plugin and core lock factory against
// minimal stand-ins of the Moodle API they use (interfaces, \core\lock\lock,
// exceptions, make_writable_directory), so their logic is tested on every
// CI run; the PHPUnit tests in moodle-plugin/.../tests/ run inside a real
// Moodle. Includes the regression checks for cachelock_file's two defects.
//
//   php -d extension=modules/moodlecache.so tests/locks/plugin-check.php
// Prints "ok - ..." / "not ok - ..." and exits non-zero on a failure.

declare(strict_types=1);

namespace core_cache {
    interface cache_lock_interface {
        public function __construct($name, array $configuration = []);
        public function lock($key, $ownerid, $block = false);
        public function unlock($key, $ownerid, $forceunlock = false);
        public function check_state($key, $ownerid);
        public function __destruct();
    }
    interface lockable_cache_interface {
        public function acquire_lock($key, $ownerid);
        public function check_lock_state($key, $ownerid);
        public function release_lock($key, $ownerid);
    }
}

namespace core\lock {
    interface lock_factory {
        public function __construct($type);
        public function supports_timeout();
        public function supports_auto_release();
        public function is_available();
        public function get_lock($resource, $timeout, $maxlifetime = 86400);
        public function release_lock(lock $lock);
    }
    class lock {
        protected $key;
        protected $factory;
        public function __construct($key, $factory) {
            $this->key = $key;
            $this->factory = $factory;
        }
        public function get_key() {
            return $this->key;
        }
        public function release() {
            $r = $this->factory->release_lock($this);
            $this->key = '';
            return $r;
        }
    }
}

namespace {
    define('MOODLE_INTERNAL', true);
    define('DEBUG_DEVELOPER', 32767);
    class moodle_exception extends \Exception {
        public function __construct($errorcode, $module = '', $link = '', $a = null, $debuginfo = null) {
            parent::__construct($errorcode . ($debuginfo ? " ($debuginfo)" : ''));
        }
    }
    class coding_exception extends moodle_exception {
    }
    function make_writable_directory($dir, $exceptiononerror = true) {
        return is_dir($dir) || mkdir($dir, 0777, true);
    }
    function debugging($message = '', $level = 0) {
        fwrite(STDERR, "debugging: $message\n");
    }

    $root = dirname(__DIR__, 2);
    $plugin = "$root/moodle-plugin/cache/locks/moodlecache";
    require "$plugin/classes/local/lock_directory.php";
    require "$plugin/classes/lock_factory.php";
    require "$plugin/lib.php";

    $CFG = new stdClass();
    $CFG->dataroot = sys_get_temp_dir() . '/mc-plugin-check-' . getmypid();
    mkdir($CFG->dataroot);
    $parent = getmypid();
    register_shutdown_function(function () use ($parent) {
        global $CFG;
        if (getmypid() === $parent) {
            exec('rm -rf ' . escapeshellarg($CFG->dataroot));
        }
    });

    $passed = 0;
    $failed = 0;
    function check(string $name, bool $ok, string $detail = ''): void {
        global $passed, $failed;
        echo ($ok ? 'ok' : 'not ok'), " - $name", $detail !== '' ? " ($detail)" : '', "\n";
        $ok ? $passed++ : $failed++;
    }

    /** Runs PHP code with the extension in a child process; returns [process, stdout pipe]. */
    function child(string $code, array $args): array {
        $so = null;
        foreach (file('/proc/self/maps') as $line) {
            if (preg_match('#(/\S*moodlecache\.so)$#', trim($line), $m)) {
                $so = $m[1];
            }
        }
        $cmd = array_merge([PHP_BINARY, '-n', '-d', "extension=$so", '-r', $code], $args);
        $p = proc_open($cmd, [1 => ['pipe', 'w']], $pipes);
        return [$p, $pipes[1]];
    }

    // --- MUC lock plugin -----------------------------------------------------
    $a = new cachelock_moodlecache('moodlecache', []);
    $b = new cachelock_moodlecache('other', ['timeout' => 0.3]);
    check('check_state of a free key is null', $a->check_state('k1', 'owner-a') === null);
    check('lock by owner A', $a->lock('k1', 'owner-a') === true);
    check('lock again by owner A succeeds (same owner)', $a->lock('k1', 'owner-a') === true);
    check('lock by owner B on another instance is refused', $b->lock('k1', 'owner-b') === false);
    check('lock by owner B on the same instance is refused', $a->lock('k1', 'owner-b') === false);
    check('check_state: true for the owner', $a->check_state('k1', 'owner-a') === true);
    check('check_state: false for another owner, same instance', $a->check_state('k1', 'owner-b') === false);
    check('check_state: false for another instance', $b->check_state('k1', 'owner-b') === false);
    check('unlock by the wrong owner is refused', $a->unlock('k1', 'owner-b') === false);
    check('unlock by the owner', $a->unlock('k1', 'owner-a') === true);
    check('check_state after unlock is null', $b->check_state('k1', 'owner-b') === null);
    // Both instances share this process's handle: waiting for a lock this
    // very process holds could only time out, so it fails at once.
    $a->lock('k2', 'owner-a');
    try {
        $b->lock('k2', 'owner-b', true);
        check('blocking lock on a key this process holds: ex_unabletolock', false);
    } catch (moodle_exception $e) {
        check('blocking lock on a key this process holds: ex_unabletolock', str_starts_with($e->getMessage(), 'ex_unabletolock'));
    }
    // Held by another process: the blocking lock waits for its timeout.
    [$p, $out] = child('$l = new MoodleCache\FileLocks($argv[1]); $l->acquire($argv[2]); echo "held\n"; sleep(30);',
        [$CFG->dataroot . '/moodlecache-locks/muc', cachelock_moodlecache::lock_name('k2b')]);
    fgets($out);
    $t = microtime(true);
    try {
        $b->lock('k2b', 'owner-b', true);
        check('blocking lock on a key another process holds times out with ex_unabletolock', false);
    } catch (moodle_exception $e) {
        check('blocking lock on a key another process holds times out with ex_unabletolock',
            str_starts_with($e->getMessage(), 'ex_unabletolock') && microtime(true) - $t >= 0.3, round(microtime(true) - $t, 3) . ' s');
    }
    proc_terminate($p, 9);
    proc_close($p);
    check('forced unlock by another instance', $b->unlock('k2', 'owner-b', true) === true);
    check('the key is then free for owner B', $b->lock('k2', 'owner-b') === true);
    $b->unlock('k2', 'owner-b');
    $a->unlock('k2', 'owner-a');

    // Regression, cachelock_file defect 1: a blocking lock() that had to wait
    // must return true once it holds the lock.
    $dir = $CFG->dataroot . '/moodlecache-locks/muc';
    [$p, $out] = child('$l = new MoodleCache\FileLocks($argv[1]); $l->acquire($argv[2]); echo "held\n"; usleep(400000);',
        [$dir, cachelock_moodlecache::lock_name('k3')]);
    $line = fgets($out);
    $c = new cachelock_moodlecache('blocking', ['timeout' => 10]);
    $t = microtime(true);
    $r = $c->lock('k3', 'owner-c', true);
    check('regression: a blocking lock() that waited returns true', $line === "held\n" && $r === true
        && $c->check_state('k3', 'owner-c') === true, 'waited ' . round(microtime(true) - $t, 3) . ' s');
    $c->unlock('k3', 'owner-c');
    proc_close($p);

    // Regression, cachelock_file defect 2: its stale path calls unlock($key, true)
    // (true in the owner's place) and recurses forever. Here a dead holder's
    // lock is simply free, and unlock($key, true) never releases anyone's lock.
    [$p, $out] = child('$l = new MoodleCache\FileLocks($argv[1]); $l->acquire($argv[2]); echo "held\n"; sleep(30);',
        [$dir, cachelock_moodlecache::lock_name('k4')]);
    fgets($out);
    check('a live holder in another process blocks the key', $a->lock('k4', 'owner-a') === false);
    check('regression: unlock($key, true) (owner id true) does not release another holder', $a->unlock('k4', true) === false
        && $a->check_state('k4', 'owner-a') === false);
    proc_terminate($p, 9);
    proc_close($p);
    $t = microtime(true);
    check('regression: a killed holder\'s lock is taken at once, no stale-path recursion', $a->lock('k4', 'owner-a') === true,
        round(microtime(true) - $t, 3) . ' s');
    $a->unlock('k4', 'owner-a');

    check('lockable_cache_interface: acquire/check/release', $a->acquire_lock('k5', 'o') === true
        && $a->check_lock_state('k5', 'o') === true && $a->release_lock('k5', 'o') === true && $a->check_lock_state('k5', 'o') === null);
    $d = new cachelock_moodlecache('destructed', []);
    $d->lock('k6', 'owner-d');
    unset($d);
    check('__destruct releases held locks', $a->lock('k6', 'owner-a') === true);
    $a->unlock('k6', 'owner-a');

    try {
        (new cachelock_moodlecache('bad', ['dir' => $CFG->dataroot . '-missing/locks']))->lock('k', 'o');
        check('a missing lock directory outside dataroot is a clear error', false);
    } catch (coding_exception $e) {
        check('a missing lock directory outside dataroot is a clear error', str_contains($e->getMessage(), 'cannot be used'), $e->getMessage());
    }

    // --- core lock factory ----------------------------------------------------
    $f = new cachelock_moodlecache\lock_factory('cron');
    check('factory: available, timeouts, auto release, not recursive', $f->is_available() && $f->supports_timeout()
        && $f->supports_auto_release() && !$f->supports_recursion());
    $lock = $f->get_lock('\core\task\send_emails', 0);
    check('factory: get_lock returns a lock', $lock instanceof core\lock\lock);
    $g = new cachelock_moodlecache\lock_factory('cron');
    check('factory: the same resource is not given twice in one process', $g->get_lock('\core\task\send_emails', 1) === false);
    check('factory: another type is another lock', ($other = (new cachelock_moodlecache\lock_factory('adhoc'))->get_lock('\core\task\send_emails', 0)) !== false);
    $other->release();
    check('factory: release', $lock->release() === true);
    check('factory: free again after release', ($again = $g->get_lock('\core\task\send_emails', 0)) !== false);
    $again->release();

    // A task lock of a killed cron process is free at once; a live one in
    // another process makes the task not run twice.
    $coredir = $CFG->dataroot . '/moodlecache-locks/core';
    [$p, $out] = child('$l = new MoodleCache\FileLocks($argv[1]); $l->acquire($argv[2]); echo "held\n"; sleep(30);',
        [$coredir, $f->lock_name('\core\task\backup')]);
    fgets($out);
    $t = microtime(true);
    check('factory: a task held by another process is not given (timeout honoured)', $f->get_lock('\core\task\backup', 1) === false
        && microtime(true) - $t >= 1.0, round(microtime(true) - $t, 3) . ' s');
    proc_terminate($p, 9);
    proc_close($p);
    $t = microtime(true);
    $l = $f->get_lock('\core\task\backup', 5);
    check('factory: kill -9 of the holder frees the task lock', $l !== false, round(microtime(true) - $t, 3) . ' s');
    check('factory: release_all at shutdown releases what is still held', cachelock_moodlecache\local\lock_directory::release_all() >= 1
        && ($m = $g->get_lock('\core\task\backup', 0)) !== false);
    $m->release();

    echo "plugin checks: $passed passed, $failed failed\n";
    exit($failed === 0 ? 0 : 1);
}
