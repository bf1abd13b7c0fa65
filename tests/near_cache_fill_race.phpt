--TEST--
Near cache: a read in flight while another node writes never installs the old value, nor "absent" (deterministic, through a test hook)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
if (!defined('MOODLECACHE_TEST_HOOKS')) die('skip built without --enable-moodlecache-test-hooks (scripts/build-extension has them)');
// valgrind traces the other node's process too: its start-up alone outlasts the waits
if (getenv('USE_ZEND_ALLOC') === '0' && !getenv('ASAN_OPTIONS')) die('skip other nodes are too slow under valgrind'); ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$p = 'nc_race_' . getmypid() . '_';
$a = nc_store($p);
$dir = sys_get_temp_dir() . '/nc-race-' . getmypid();

// Node B reads k: it takes its fill token, GETs "old", then pauses before
// installing (MOODLECACHE_TEST_FILL_HOOK) until we say resume, and applies
// its pending invalidations before the install is tried.
$reader = 'nc_ready($b = nc_store(' . var_export($p, true) . '));'
    . 'var_dump($b->get("d", "k"));'                                // the read in flight
    . '$b->nearCacheSync();'
    . 'var_dump($b->get("d", "k"));'                                // the next read
    . 'print_r(nc_stats($b, ["near_fills", "near_fill_drops", "near_hits", "near_absent_hits"]));';

$cases = [
    'with a write in between' => [true, 'old'],
    'control: no write in between' => [false, 'old'],
    'absent key, with a write in between' => [true, null],
    'absent key, control: no write in between' => [false, null],
];
foreach ($cases as $case => [$write, $old]) {
    echo "-- $case\n";
    @mkdir($dir);
    if ($old === null) {
        $a->delete('d', 'k');                    // B's read finds nothing: "absent" is what it would install
    } else {
        $a->set('d', 'k', $old);
    }
    $node = nc_start_node($reader, ['MOODLECACHE_TEST_FILL_HOOK' => $dir]);
    var_dump(nc_wait_file("$dir/paused"));       // B has its reply and waits
    if ($write) {
        var_dump($a->set('d', 'k', 'new'));      // A writes while B's fill is in flight
    }
    touch("$dir/resume");
    echo nc_finish_node($node);
    @unlink("$dir/paused");
    @unlink("$dir/resume");
    @rmdir($dir);
}
$a->purgeAll();
?>
--EXPECT--
-- with a write in between
bool(true)
bool(true)
string(3) "old"
string(3) "new"
Array
(
    [near_hits] => 0
    [near_absent_hits] => 0
    [near_fills] => 1
    [near_fill_drops] => 1
)
-- control: no write in between
bool(true)
string(3) "old"
string(3) "old"
Array
(
    [near_hits] => 1
    [near_absent_hits] => 0
    [near_fills] => 1
    [near_fill_drops] => 0
)
-- absent key, with a write in between
bool(true)
bool(true)
bool(false)
string(3) "new"
Array
(
    [near_hits] => 0
    [near_absent_hits] => 0
    [near_fills] => 1
    [near_fill_drops] => 1
)
-- absent key, control: no write in between
bool(true)
bool(false)
bool(false)
Array
(
    [near_hits] => 0
    [near_absent_hits] => 1
    [near_fills] => 1
    [near_fill_drops] => 0
)
