<?php
// Stand-in (not Moodle): uses a moodlecache RedisStore with the near cache,
// as Moodle's application cache would, so the metrics test can see the
// node's figures move. ?n=N repeats N reads of one key (default 10).
require(__DIR__ . '/../config.php');
header('Content-Type: text/plain');
$options = [
    'server' => 'tcp://' . $CFG->session_redis_host . ':' . $CFG->session_redis_port,
    'prefix' => 'standin_metrics_',
    'near_cache' => true,
];
if (!empty($CFG->session_redis_auth)) {
    $options['password'] = $CFG->session_redis_auth;
}
$store = new MoodleCache\RedisStore($options);
$store->set('standin/metrics', 'k', 'value ' . time());
$n = max(1, min(1000, (int)($_GET['n'] ?? 10)));
$hits = 0;
for ($i = 0; $i < $n; $i++) {
    $hits += $store->get('standin/metrics', 'k') !== false ? 1 : 0;
    $store->get('standin/metrics', 'missing-' . $i);
}
echo "stand-in cache use (not Moodle): $hits of $n reads hit\n";
