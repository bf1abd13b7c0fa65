<?php
// Points cachestore_redis's own PHPUnit tests at cachestore_moodlecache, where they apply: reads
// them from the Moodle copy under test, writes them into our plugin's tests/redis_suite/ there
// (never into this repository), renamed into our namespace. Every test of a file that applies
// runs, except those listed below with the reason each is cachestore_redis's alone; those are
// marked skipped, saying why. Files that test cachestore_redis's internals are not ported.
//
//   php port-redis-tests.php REDIS_TESTS_DIR OUR_PLUGIN_DIR

[, $from, $plugin] = $argv;

// The files that test the store behaviour any Redis store must have (they extend Moodle's store
// contract, cachestore_tests, and add has/has_any/has_all, locks, lock timeouts, delete_many).
$files = ['store_test.php' => 'redis_store_test', 'cachestore_redis_test.php' => 'redis_cachestore_test'];
// Not ported: compressor_test.php (cachestore_redis's serializer and compressor settings),
// ttl_test.php (its expire_ttl() clean-up task; ours expires by the value frame),
// cachestore_cluster_redis_test.php (needs TEST_CACHESTORE_REDIS_TESTSERVERSCLUSTER).
$notours = [
    'test_get_last_io_bytes_compressed' => "cachestore_redis's gzip compressor and the byte counts it gives",
];

$out = "$plugin/tests/redis_suite";
@mkdir($out, 0777, true);
foreach ($files as $file => $class) {
    if (!is_file("$from/$file")) {
        continue;
    }
    $code = file_get_contents("$from/$file");
    $code = preg_replace('/^namespace cachestore_redis;/m', 'namespace cachestore_moodlecache;', $code);
    $code = str_replace("__DIR__.'/../../../tests/fixtures/stores.php'", "__DIR__ . '/../../../../tests/fixtures/stores.php'",
        $code);
    $code = str_replace(["__DIR__.'/../lib.php'", "__DIR__ . '/../lib.php'"], "__DIR__ . '/../../lib.php'", $code);
    $code = str_replace('cachestore_redis', 'cachestore_moodlecache', $code);
    $code = preg_replace('/^(final )?class \w+ extends/m', "final class $class extends", $code);
    foreach ($notours as $test => $why) {
        $code = preg_replace("/(function $test\\([^)]*\\): void \\{\n)/",
            "$1        \$this->markTestSkipped(" . var_export("applies to cachestore_redis only: $why", true) . ");\n",
            $code, -1, $n);
        if ($n) {
            echo "$class::$test skipped: applies to cachestore_redis only ($why)\n";
        }
    }
    file_put_contents("$out/$class.php", $code);
    echo "ported $file as cachestore_moodlecache\\$class\n";
}
