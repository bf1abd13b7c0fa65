--TEST--
Near cache: quiet announcements: alone, a node announces nothing; with other nodes, it announces its writes on its own channel, which its own listener does not hear; either way it serves its write at once; a subscriber of the shared channel that knows no node channels (an older node) puts it back on the shared channel until it leaves; a write whose proof went stale before Redis answered is announced again on the shared channel (test hook)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc';
if (!defined('MOODLECACHE_TEST_HOOKS')) die('skip built without --enable-moodlecache-test-hooks (scripts/build-extension has them)');
if (getenv('USE_ZEND_ALLOC') === '0' && !getenv('ASAN_OPTIONS')) die('skip other nodes are too slow under valgrind'); ?>
--FILE--
<?php
require __DIR__ . '/near_cache.inc';
$p = 'ncquiet' . getmypid() . 'x';
$shared = "__moodlecache__:inv:0:$p";

/** A connection subscribed to $how ... (SUBSCRIBE or PSUBSCRIBE), confirmed. */
function subscriber(string $how, string $channel)
{
    $c = stream_socket_client('tcp://' . mc_test_host() . ':' . mc_test_port(), $errno, $errstr, 2);
    fwrite($c, "*2\r\n\$" . strlen($how) . "\r\n$how\r\n\$" . strlen($channel) . "\r\n$channel\r\n");
    mc_test_read_reply($c);
    stream_set_timeout($c, 2);
    return $c;
}

/** The channels of the messages $c received in $seconds (prefix-free names). */
function heard($c, float $seconds): array
{
    $channels = [];
    $end = microtime(true) + $seconds;
    stream_set_blocking($c, false);
    while (microtime(true) < $end) {
        $r = [$c]; $w = $e = null;
        if (stream_select($r, $w, $e, 0, 50000) > 0) {
            stream_set_blocking($c, true);
            $m = mc_test_read_reply($c);
            stream_set_blocking($c, false);
            $channel = count($m) === 4 ? $m[2] : $m[1];     // pmessage or message
            $channels[] = preg_replace('/:[0-9a-f]{16}:/', ':<node>:', $channel);
        }
    }
    return $channels;
}

/** Writes until a write goes out quietly (the listener's proof takes a round or two). */
function wait_quiet(MoodleCache\RedisStore $s, bool $quiet): bool
{
    for ($i = 0; $i < 100; $i++) {
        $before = $s->stats()['near_quiet_announcements'];
        $s->set('d', 'probe', $i);
        if (($s->stats()['near_quiet_announcements'] > $before) === $quiet) return true;
        usleep(30000);
    }
    return false;
}

$s = nc_store($p);
nc_ready($s);
echo "-- alone\n";
var_dump(wait_quiet($s, true));
$sniffer = subscriber('PSUBSCRIBE', "__moodlecache__:*:$p");   // a pattern: not counted by the proof
$unsent = $s->stats()['near_quiet_unsent'];
var_dump($s->get('d', 'k'));                // absent: this node holds the key now
var_dump($s->set('d', 'k', 'v1'));
$trips = $s->stats()['round_trips'];
var_dump($s->get('d', 'k'), $s->stats()['round_trips'] - $trips);   // confirmed by the writer: no round trip
var_dump($s->delete('d', 'k'));
echo "changes not announced: ", $s->stats()['near_quiet_unsent'] - $unsent, "\n";
print_r(heard($sniffer, 0.3));

echo "-- an older node subscribes to the shared channel\n";
$old = subscriber('SUBSCRIBE', $shared);
var_dump(wait_quiet($s, false));
heard($sniffer, 0.1);
var_dump($s->set('d', 'k', 'v2'));
print_r(heard($sniffer, 0.3));
echo "the older node heard: ", implode(', ', array_unique(heard($old, 0.3))), "\n";
fclose($old);
var_dump(wait_quiet($s, true));

echo "-- a writer held up after Redis answered (another node, 300 ms)\n";
heard($sniffer, 0.2);
echo nc_other_node('$b = nc_store(' . var_export($p, true) . '); nc_ready($b);'
    . 'for ($i = 0; $i < 100 && $b->stats()["near_quiet_announcements"] == 0; $i++) { $b->set("d", "probe", $i); usleep(30000); }'
    . '$b->get("d", "w"); $q = $b->stats()["near_reannouncements"];'
    . 'var_dump($b->set("d", "w", "held"), $b->stats()["near_reannouncements"] - $q);'
    . 'var_dump($b->nearCacheSync(), $b->get("d", "w"));', ['MOODLECACHE_TEST_QUIET_STALL_MS' => '300']);
$got = heard($sniffer, 0.3);
echo "on the node's channel: ", count(array_filter($got, fn($c) => str_starts_with($c, '__moodlecache__:node:'))) > 0 ? 'yes' : 'no',
    ", then on the shared one: ", end($got) === $shared ? 'yes' : 'no', "\n";
var_dump($s->nearCacheSync(), $s->get('d', 'w'));
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
-- a writer held up after Redis answered (another node, 300 ms)
bool(true)
int(1)
bool(true)
string(4) "held"
on the node's channel: yes, then on the shared one: yes
bool(true)
string(4) "held"
