--TEST--
Near cache: quiet announcements with two nodes go on the writer's own channel; a writer held up 300 ms after Redis answered (its proof now too old to stand) announces again on the shared channel, and both nodes then read the new value (test hook)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
if (!defined('MOODLECACHE_TEST_HOOKS')) die('skip built without --enable-moodlecache-test-hooks (scripts/build-extension has them)');
if (getenv('USE_ZEND_ALLOC') === '0' && !getenv('ASAN_OPTIONS')) die('skip other nodes are too slow under valgrind'); ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$p = 'ncheld' . getmypid() . 'x';
$shared = "__moodlecache__:inv:0:$p";
$s = nc_store($p);
nc_ready($s);
var_dump(nc_wait_quiet($s, true));
$sniffer = nc_subscriber('PSUBSCRIBE', "__moodlecache__:*:$p");   // a pattern: not counted by the proof
var_dump($s->get('d', 'w'));
// Another node (held 300 ms after each reply by MOODLECACHE_TEST_QUIET_STALL_MS)
// waits until it announces quietly (this node hears its channel), then writes.
echo nc_other_node('$b = nc_store(' . var_export($p, true) . '); nc_ready($b);'
    . '$q = 0; for ($i = 0; $i < 100 && $q == 0; $i++) { $b->set("d", "probe", $i); $q = $b->stats()["near_quiet_announcements"] - $b->stats()["near_quiet_unsent"]; usleep(30000); }'
    . 'echo "the other node announced on its own channel: ", $q > 0 ? "yes" : "no", "\n";'
    . '$b->get("d", "w"); $r = $b->stats()["near_reannouncements"];'
    . 'var_dump($b->set("d", "w", "held"), $b->stats()["near_reannouncements"] - $r);'
    . 'var_dump($b->nearCacheSync(), $b->get("d", "w"));', ['MOODLECACHE_TEST_QUIET_STALL_MS' => '300']);
$got = nc_heard($sniffer, 0.3);
echo "on its node's channel: ", count(array_filter($got, fn($c) => str_starts_with($c, '__moodlecache__:node:'))) > 0 ? 'yes' : 'no',
    ", the last again on the shared one: ", end($got) === $shared ? 'yes' : 'no', "\n";
var_dump($s->nearCacheSync(), $s->get('d', 'w'));
$s->purgeAll();
?>
--EXPECT--
bool(true)
bool(false)
the other node announced on its own channel: yes
bool(true)
int(1)
bool(true)
string(4) "held"
on its node's channel: yes, the last again on the shared one: yes
bool(true)
string(4) "held"
