<?php
// Synthetic batches for tests/moodle/bench --self-check: results.jsonl, env.json and content.json
// in the folder given, shaped as bench-client.php and the benchmark write them, with figures whose
// report is known (e.g. dashboard on moodlecache, one client: round p50s 100, 110, 120 ms).
//
//   php bench-selfcheck-data.php DIR

$dir = $argv[1];
$lines = [];
$redis = fn(int $hget) => ['commands' => ['hget' => [$hget, 4 * $hget], 'hset' => [2, 9]], 'bytes_in' => 4096,
    'bytes_out' => 65536, 'reads' => $hget + 3, 'writes' => $hget + 2];
$cpu = ['php-fpm' => 40e6, 'postgres' => 20e6, 'redis' => 2e6, 'nginx' => 1e6];
foreach ([0 => 0, 1000 => 1010] as $delay => $rtt) {
    foreach ([1, 2, 3] as $round) {
        foreach (['redis' => 0, 'moodlecache' => 10] as $store => $extra) {
            foreach (['front' => 50, 'dashboard' => 90] as $page => $ms) {
                $p = $ms + $extra + 10 * ($round - 1) + $delay / 100;
                $lines[] = ['delay_us' => $delay, 'rtt_us' => $rtt, 'hold_us' => $delay, 'store' => $store,
                    'round' => $round, 'position' => 1, 'mode' => 'single', 'clients' => 1, 'page' => $page,
                    'requests' => 3, 'wall_s' => 3 * $p / 1000, 'times' => [$page => [$p - 5, $p, $p + 5]],
                    'cpu_ns' => array_map(fn($v) => 3 * $v, $cpu), 'redis' => $redis(300)];
            }
        }
    }
}
foreach ([1, 2, 3] as $round) {
    foreach (['redis' => 18, 'moodlecache' => 17] as $store => $base) {
        $pps = $base + 2 * ($round - 1);
        $lines[] = ['delay_us' => 0, 'rtt_us' => 0, 'hold_us' => 0, 'store' => $store, 'round' => $round,
            'position' => 1, 'mode' => 'concurrent', 'clients' => 4, 'page' => '*', 'requests' => 60,
            'wall_s' => 60 / $pps, 'times' => ['front' => array_fill(0, 30, 150.0), 'dashboard' => array_fill(0, 30, 250.0)],
            'cpu_ns' => array_map(fn($v) => 60 * $v, $cpu), 'redis' => $redis(6000)];
    }
}
file_put_contents("$dir/results.jsonl", implode("\n", array_map('json_encode', $lines)) . "\n");
file_put_contents("$dir/env.json", json_encode(['started' => '2026-01-01T00:00:00Z', 'seconds' => 60, 'nproc' => 2,
    'server_ncpu' => 1, 'cpu' => 'synthetic', 'options' => 'self-check']));
file_put_contents("$dir/content.json", json_encode(['moodle' => 'synthetic', 'course' => ['shortname' => 'bench_s',
    'size' => 'S', 'modules' => 64]]));
