<?php
// What the order of a write's reply and its announcement's deliveries costs
// the writer (tests/bench/publish-order.sh runs it).  Redis writes its
// clients' pending replies in beforeSleep, last queued first: a pipeline
// [HSET, PUBLISH] queues the writer (HSET's reply) before the subscribers
// (PUBLISH's deliveries), so every delivery is written before the writer's
// reply and the writer waits for them.  Timed per call, phpredis, in
// interleaved rounds:
//   hset          the write alone
//   hset+publish  the near cache's pipeline (the announcement after the change)
//   publish+hset  the announcement first: the writer's reply goes out first,
//                 but a store must not send this (split over two reads, a
//                 node could apply the announcement and re-read the old
//                 value before the change executes)
//   eval          a script running PUBLISH then HSET: the order of
//                 publish+hset, atomic, at the price of a script call
// Prints p50 and mean µs per mode (the median round, and the lowest and
// highest), and the server's µs per call of each command (commandstats).
//
//   php publish-order.php PORT CHANNEL [ROUNDS] [CALLS]
declare(strict_types=1);

[$port, $channel] = [(int)($argv[1] ?? 0), (string)($argv[2] ?? '')];
$rounds = (int)($argv[3] ?? 6);
$calls = (int)($argv[4] ?? 20000);
if ($port <= 0 || $channel === '' || $rounds < 1 || $calls < 1) {
    fwrite(STDERR, "usage: php publish-order.php PORT CHANNEL [ROUNDS] [CALLS]\n");
    exit(2);
}
$redis = new Redis();
$redis->connect('127.0.0.1', $port);
$value = str_repeat('v', 1024);        // a 1 KB value, as the latency suite writes
$message = str_repeat('m', 112);       // the size of a one-key announcement
$sha = $redis->script('load', "redis.call('PUBLISH', ARGV[3], ARGV[4]) return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])");

function timed(Redis $redis, string $mode, int $calls, string $value, string $channel, string $message, string $sha): array
{
    $times = [];
    for ($i = 0; $i < $calls; $i++) {
        $field = "k" . ($i % 1000);
        $start = hrtime(true);
        $pipe = $redis->multi(Redis::PIPELINE);
        match ($mode) {
            'hset' => $pipe->hSet('publish-order', $field, $value),
            'hset+publish' => $pipe->hSet('publish-order', $field, $value)->publish($channel, $message),
            'publish+hset' => $pipe->publish($channel, $message)->hSet('publish-order', $field, $value),
            'eval' => $pipe->evalSha($sha, ['publish-order', $field, $value, $channel, $message], 1),
        };
        $replies = $pipe->exec();
        $times[] = hrtime(true) - $start;
        if (!is_array($replies) || in_array(false, $replies, true)) {
            fwrite(STDERR, "publish-order.php: $mode failed: " . var_export($redis->getLastError(), true) . "\n");
            exit(1);
        }
    }
    sort($times);
    return [$times[intdiv($calls, 2)] / 1e3, array_sum($times) / $calls / 1e3];
}

$modes = ['hset', 'hset+publish', 'publish+hset', 'eval'];
$results = [];
for ($round = 0; $round < $rounds; $round++) {
    $order = $round % 2 ? array_reverse($modes) : $modes;
    foreach ($order as $mode) {
        $results[$mode][] = timed($redis, $mode, $calls, $value, $channel, $message, $sha);
    }
}
$subscribers = (int)($redis->rawCommand('PUBSUB', 'NUMSUB', $channel)[1] ?? 0);
printf("%d subscribers; %d rounds of %d calls per mode; µs per call, median round [lowest-highest]\n", $subscribers, $rounds, $calls);
printf("%-13s | %-24s | %s\n", 'mode', 'p50', 'mean');
foreach ($modes as $mode) {
    $cell = function (int $i) use ($results, $mode): string {
        $v = array_column($results[$mode], $i);
        sort($v);
        return sprintf("%.1f [%.1f-%.1f]", $v[intdiv(count($v), 2)], $v[0], end($v));
    };
    printf("%-13s | %-24s | %s\n", $mode, $cell(0), $cell(1));
}
$stats = [];
foreach (explode("\n", (string)$redis->rawCommand('INFO', 'commandstats')) as $line) {
    if (preg_match('/^cmdstat_(hset|publish|evalsha):calls=\d+,usec=\d+,usec_per_call=([0-9.]+)/', trim($line), $m)) {
        $stats[] = "$m[1] $m[2]";
    }
}
echo "server µs per call (commandstats): ", implode(', ', $stats), "\n";
