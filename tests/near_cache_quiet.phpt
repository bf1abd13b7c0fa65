--TEST--
Near cache: quiet announcements: alone, a node announces none of its writes and deletes and serves its write at once; a subscriber of the shared channel that knows no node channels (an older node) puts it back on the shared channel until it leaves (two nodes, and a writer held up: near_cache_quiet_held.phpt)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
if (getenv('USE_ZEND_ALLOC') === '0' && !getenv('ASAN_OPTIONS')) die('skip the listener falls behind its 200 ms proofs under valgrind'); ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$p = 'ncquiet' . getmypid() . 'x';
$shared = "__moodlecache__:inv:0:$p";

$s = nc_store($p);
nc_ready($s);
echo "-- alone\n";
var_dump(nc_wait_quiet($s, true));
$sniffer = nc_subscriber('PSUBSCRIBE', "__moodlecache__:*:$p");   // a pattern: not counted by the proof
$unsent = $s->stats()['near_quiet_unsent'];
var_dump($s->get('d', 'k'));                // absent: this node holds the key now
var_dump($s->set('d', 'k', 'v1'));
$trips = $s->stats()['round_trips'];
var_dump($s->get('d', 'k'), $s->stats()['round_trips'] - $trips);   // confirmed by the writer: no round trip
var_dump($s->delete('d', 'k'));
echo "changes not announced: ", $s->stats()['near_quiet_unsent'] - $unsent, "\n";
print_r(nc_heard($sniffer, 0.3));

echo "-- an older node subscribes to the shared channel\n";
$old = nc_subscriber('SUBSCRIBE', $shared);
var_dump(nc_wait_quiet($s, false));
nc_heard($sniffer, 0.1);
var_dump($s->set('d', 'k', 'v2'));
print_r(nc_heard($sniffer, 0.3));
echo "the older node heard: ", implode(', ', array_unique(nc_heard($old, 0.3))), "\n";
fclose($old);
var_dump(nc_wait_quiet($s, true));

$s->purgeAll();
?>
--EXPECTF--
-- alone
bool(true)
bool(false)
bool(true)
string(2) "v1"
int(0)
bool(true)
changes not announced: 2
Array
(
)
-- an older node subscribes to the shared channel
bool(true)
bool(true)
Array
(
    [0] => __moodlecache__:inv:0:%s
)
the older node heard: __moodlecache__:inv:0:%s
bool(true)
