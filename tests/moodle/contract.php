<?php
// Runs Moodle's store contract (cachestore_tests::run_tests, from Moodle's own
// cache/tests/fixtures/stores.php) and our plugin's tests/store_test.php without Moodle's
// PHPUnit runner, for Moodle versions whose PHPUnit is not available (5.1 wants PHPUnit 11).
// PHPUnit 9.6's assertions stand in for advanced_testcase; then a cache made by Moodle's
// cache API (cache::make_from_params) is checked to be served by our store.
//
//   TEST_CACHESTORE_MOODLECACHE_TESTSERVERS=127.0.0.1:6379 \
//     php contract.php --moodle=WEBROOT --server=127.0.0.1:6379 [--backend=redis|memcached]
//
// Prints one line per test and "N passed, N failed, N skipped".

$opts = getopt('', ['moodle:', 'server:', 'backend:']);
putenv('TEST_CACHESTORE_MOODLECACHE_TESTSERVERS=' . $opts['server']);
putenv('TEST_CACHESTORE_MOODLECACHE_BACKEND=' . ($opts['backend'] ?? 'redis'));
define('CLI_SCRIPT', true);
require($opts['moodle'] . '/config.php');
require_once('/usr/share/php/PHPUnit/Autoload.php');

if (class_exists('advanced_testcase', false)) {
    fwrite(STDERR, "advanced_testcase already exists\n");
    exit(2);
}

/**
 * Stands in for Moodle's advanced_testcase: PHPUnit's assertions and the few helpers the tests use.
 */
abstract class advanced_testcase extends \PHPUnit\Framework\Assert {
    /** @var array $CFG properties to restore after the test. */
    private $savedcfg = null;

    /**
     * Before each test.
     */
    public function setUp(): void {
    }

    /**
     * After each test: restores $CFG if the test asked for it.
     */
    protected function tearDown(): void {
        global $CFG;
        if ($this->savedcfg !== null) {
            foreach ($this->savedcfg as $name => $value) {
                $CFG->$name = $value;
            }
            $this->savedcfg = null;
        }
    }

    /**
     * Restores $CFG after the test.
     */
    public function resetAfterTest($reset = true) {
        global $CFG;
        $this->savedcfg = (array)$CFG;
    }

    /**
     * Debugging output is not captured here.
     */
    public function assertDebuggingCalled($message = null, $level = null) {
    }

    /**
     * Runs one test method as PHPUnit would.
     *
     * @param string $method
     * @return string pass, fail or skip, and a message
     */
    public function run_one(string $method): array {
        try {
            $this->setUp();
            try {
                $this->$method();
            } finally {
                $this->tearDown();
            }
            return ['pass', ''];
        } catch (\PHPUnit\Framework\SkippedTest | \PHPUnit\Framework\IncompleteTest $e) {
            return ['skip', $e->getMessage()];
        } catch (\Throwable $e) {
            return ['fail', get_class($e) . ': ' . $e->getMessage() . ' at ' . $e->getFile() . ':' . $e->getLine()];
        }
    }
}

require_once($CFG->dirroot . '/cache/tests/fixtures/stores.php');
require_once($CFG->dirroot . '/cache/stores/moodlecache/tests/store_test.php');

$counts = ['pass' => 0, 'fail' => 0, 'skip' => 0];
$report = function (string $name, array $outcome) use (&$counts) {
    [$status, $message] = $outcome;
    $counts[$status]++;
    echo strtoupper($status), " $name", $message === '' ? '' : ": $message", "\n";
};

echo 'Moodle ', $CFG->release, ', extension moodlecache ', phpversion('moodlecache'), ', backend ',
    $opts['backend'] ?? 'redis', ' on ', $opts['server'], "\n";
$methods = array_filter(get_class_methods(\cachestore_moodlecache\store_test::class),
    fn($m) => str_starts_with($m, 'test_'));
foreach ($methods as $method) {
    $test = new \cachestore_moodlecache\store_test();
    $report("store_test::$method", $test->run_one($method));
}

// Through Moodle's cache API: a store instance from the plugin's test configuration,
// created by Moodle's cache factory and used by a cache loader.
$report('cache API: factory store + loader', (function () {
    try {
        $configuration = cachestore_moodlecache::unit_test_configuration();
        $definition = core_cache\definition::load_adhoc(core_cache\store::MODE_APPLICATION, 'cachestore_moodlecache', 'contract');
        $factory = core_cache\factory::instance();
        $store = $factory->create_store_from_config('contract', ['name' => 'contract', 'plugin' => 'moodlecache',
            'class' => 'cachestore_moodlecache', 'configuration' => $configuration, 'lock' => null], $definition);
        if (!$store instanceof cachestore_moodlecache) {
            return ['fail', 'the factory did not make a cachestore_moodlecache'];
        }
        $store->purge();
        $loader = new core_cache\application_cache($definition, $store);
        $loader->set('a', ['x' => 1]);
        $loader->set_many(['b' => 2, 'c' => 'three']);
        if ($loader->get('a') !== ['x' => 1] || $loader->get_many(['b', 'c', 'd']) !== ['b' => 2, 'c' => 'three', 'd' => false]) {
            return ['fail', 'loader read back wrong values'];
        }
        if ($store->is_searchable() && count($store->find_all()) !== 3) {
            return ['fail', 'the store does not hold the loader\'s 3 keys: ' . json_encode($store->find_all())];
        }
        $loader->purge();
        if ($loader->get('a') !== false || $loader->get_many(['b', 'c']) !== ['b' => false, 'c' => false]) {
            return ['fail', 'purge through the loader left values'];
        }
        return [!$store->is_searchable() || $store->find_all() === [] ? 'pass' : 'fail', ''];
    } catch (\Throwable $e) {
        return ['fail', get_class($e) . ': ' . $e->getMessage()];
    }
})());

echo "{$counts['pass']} passed, {$counts['fail']} failed, {$counts['skip']} skipped\n";
exit($counts['fail'] ? 1 : 0);
