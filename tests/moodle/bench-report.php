<?php
// The page benchmark's report: report.md (Markdown tables) and PNG plots (gnuplot) in the results
// folder, from results.jsonl, env.json and content.json there; or a one-line summary of the last
// batches while the benchmark runs.
//
//   php bench-report.php --results=DIR
//   php bench-report.php --last=results.jsonl --pages=N

require(__DIR__ . '/bench-stats.php');
require(__DIR__ . '/bench-plots.php');

$opts = getopt('', ['results:', 'last:', 'pages:']);
if (isset($opts['last'])) {
    $lines = array_slice(bench_load($opts['last']), -(int)($opts['pages'] ?? 1));
    $parts = [];
    foreach ($lines as $b) {
        $all = array_merge(...array_values($b['times']));
        $w = bench_work($b);
        $parts[] = ($b['mode'] === 'single' ? $b['page'] : sprintf('%.1f pages/s', $b['requests'] / $b['wall_s']))
            . sprintf(' %.0f ms', bench_quantile($all, 0.5));
        $cmds[] = $w['commands'];
        $cpu[] = $w['cpu_ms']['php-fpm'] ?? NAN;
    }
    printf("%s | PHP %.0f ms, %.0f Redis commands per page\n", implode(', ', $parts),
        array_sum($cpu) / max(1, count($cpu)), array_sum($cmds) / max(1, count($cmds)));
    exit(0);
}

$dir = $opts['results'];
$batches = bench_load("$dir/results.jsonl");
$env = json_decode((string)@file_get_contents("$dir/env.json"), true) ?: [];
$content = json_decode((string)@file_get_contents("$dir/content.json"), true) ?: [];
if (!$batches) {
    fwrite(STDERR, "no results in $dir/results.jsonl\n");
    exit(1);
}

/** "12.3 [11.0-14.2]" from a spread. */
function fmt_spread(array $s, string $format = '%.1f'): string {
    if ($s['n'] === 0) {
        return '-';
    }
    return sprintf($format, $s['median']) . ($s['n'] > 1 ? sprintf(" [$format-$format]", $s['min'], $s['max']) : '');
}

/** A number or "-". */
function fmt(float $v, string $format = '%.1f'): string {
    return is_nan($v) ? '-' : sprintf($format, $v);
}

/** Network label of a delay. */
function net_label(int $delay, array $cells): string {
    if ($delay === 0) {
        return 'Redis on loopback';
    }
    $rtt = NAN;
    foreach ($cells as $stores) {
        foreach ($stores as $pages) {
            foreach ($pages as $rounds) {
                $rtt = reset($rounds)['rtt_us'];
                break 3;
            }
        }
    }
    return sprintf('Redis +%d µs (PING %s µs)', $delay, fmt((float)$rtt, '%.0f'));
}

$md = [];
$md[] = '# Moodle page benchmark';
$md[] = '';
$md[] = sprintf('Moodle %s; course "%s" (tool_generator size %s, %d course modules); %s.',
    $content['moodle'] ?? '?', $content['course']['shortname'] ?? '?', $content['course']['size'] ?? '?',
    $content['course']['modules'] ?? 0, $env['options'] ?? '');
$md[] = sprintf('Machine: %s, %d CPUs, kernel %s; PHP %s, Redis %s, nginx %s, %s; moodlecache %s (commit %s).',
    $env['cpu'] ?? '?', $env['nproc'] ?? 0, $env['kernel'] ?? '?', $env['php'] ?? '?', $env['redis'] ?? '?',
    $env['nginx'] ?? '?', $env['postgres'] ?? '?', $env['moodlecache'] ?? '?', $env['commit'] ?? '?');
$md[] = sprintf('Started %s, took %d min; load average %s at the start, %s at the end.',
    $env['started'] ?? '?', ($env['seconds'] ?? 0) / 60, $env['load_start'] ?? '?', $env['load_end'] ?? '?');
$md[] = '';
$md[] = 'Times are milliseconds: the median over the rounds of each round\'s p50 (p95), [lowest-highest round]. '
    . '"paired" is the median of the per-round ratios of p50 to redis\'s p50 in the same round [lowest-highest]. '
    . 'CPU is per page, by cgroup (PHP-FPM, PostgreSQL). Redis figures per page from INFO before and after each batch: '
    . 'commands, round trips (replies written), KB received/sent, server µs (commandstats: command execution only), '
    . 'and Redis CPU µs (its cgroup: everything the server did, Pub/Sub deliveries and socket writes included).';

$single = bench_group($batches, 'single');
foreach ($single as $delay => $byclients) {
    $md[] = '';
    $md[] = '## One client, ' . net_label($delay, $byclients);
    $md[] = '';
    $md[] = '| page | store | p50 ms | p95 ms | p50 / redis | paired | p50 / file | PHP CPU ms | DB CPU ms | Redis cmds '
        . '| round trips | KB in/out | Redis µs | Redis CPU µs |';
    $md[] = '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
    $stores = $byclients[1];
    $pages = array_keys(reset($stores));
    foreach ($pages as $page) {
        $base = [];
        foreach (['redis', 'file'] as $ref) {
            $base[$ref] = isset($stores[$ref][$page]) ? bench_over_rounds($stores[$ref][$page], 'p50')['median'] : NAN;
        }
        foreach ($stores as $store => $bypage) {
            $r = $bypage[$page] ?? [];
            $p50 = bench_over_rounds($r, 'p50');
            $paired = isset($stores['redis'][$page]) ? bench_paired_ratio($r, $stores['redis'][$page], 'p50')
                : bench_spread([]);
            $md[] = sprintf('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s/%s | %s | %s |', $page, $store,
                fmt_spread($p50), fmt_spread(bench_over_rounds($r, 'p95')),
                fmt($p50['median'] / $base['redis'], '%.2f'), fmt_spread($paired, '%.2f'),
                fmt($p50['median'] / $base['file'], '%.2f'),
                fmt(bench_over_rounds($r, 'cpu_ms', 'php-fpm')['median']),
                fmt(bench_over_rounds($r, 'cpu_ms', 'postgres')['median']),
                fmt(bench_over_rounds($r, 'commands')['median'], '%.0f'),
                fmt(bench_over_rounds($r, 'round_trips')['median'], '%.0f'),
                fmt(bench_over_rounds($r, 'kb_in')['median'], '%.0f'), fmt(bench_over_rounds($r, 'kb_out')['median'], '%.0f'),
                fmt(bench_over_rounds($r, 'redis_us')['median'], '%.0f'),
                fmt(bench_over_rounds($r, 'cpu_ms', 'redis')['median'] * 1000, '%.0f'));
        }
    }
}

$conc = bench_group($batches, 'concurrent');
foreach ($conc as $delay => $byclients) {
    ksort($byclients);
    $cpus = max(1, (int)($env['server_ncpu'] ?? 1));
    $md[] = '';
    $md[] = '## Concurrent clients, ' . net_label($delay, $byclients);
    $md[] = '';
    $md[] = '| clients | store | pages/s | pages/s per CPU | p50 ms | p95 ms | PHP CPU ms | DB CPU ms | all CPU ms '
        . '| Redis cmds | round trips |';
    $md[] = '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
    foreach ($byclients as $clients => $stores) {
        foreach ($stores as $store => $bypage) {
            $r = $bypage['*'];
            $pps = bench_over_rounds($r, 'pages_s');
            $md[] = sprintf('| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |', $clients, $store, fmt_spread($pps),
                fmt($pps['median'] / $cpus), fmt_spread(bench_over_rounds($r, 'p50'), '%.0f'),
                fmt_spread(bench_over_rounds($r, 'p95'), '%.0f'),
                fmt(bench_over_rounds($r, 'cpu_ms', 'php-fpm')['median']),
                fmt(bench_over_rounds($r, 'cpu_ms', 'postgres')['median']),
                fmt(bench_over_rounds($r, 'cpu_total_ms')['median']),
                fmt(bench_over_rounds($r, 'commands')['median'], '%.0f'),
                fmt(bench_over_rounds($r, 'round_trips')['median'], '%.0f'));
        }
    }
    foreach ($byclients as $clients => $stores) {
        $md[] = '';
        $md[] = "p50 / p95 ms per page with $clients clients (median of the rounds; in brackets p50 relative to redis, "
            . 'then paired):';
        $md[] = '';
        $md[] = '| page | ' . implode(' | ', array_keys($stores)) . ' |';
        $md[] = '|---|' . str_repeat('---:|', count($stores));
        foreach (array_keys(reset($stores)) as $page) {
            if ($page === '*') {
                continue;
            }
            $refrounds = $stores['redis'][$page] ?? [];
            $ref = bench_over_rounds($refrounds, 'p50')['median'];
            $cells = [];
            foreach ($stores as $bypage) {
                $p50 = bench_over_rounds($bypage[$page] ?? [], 'p50')['median'];
                $cells[] = sprintf('%s / %s (%s; %s)', fmt($p50, '%.0f'),
                    fmt(bench_over_rounds($bypage[$page] ?? [], 'p95')['median'], '%.0f'), fmt($p50 / $ref, '%.2f'),
                    fmt_spread(bench_paired_ratio($bypage[$page] ?? [], $refrounds, 'p50'), '%.2f'));
            }
            $md[] = "| $page | " . implode(' | ', $cells) . ' |';
        }
    }
}

// Which Redis commands each store sends (one client, the first network measured), per page.
$first = array_key_first($single);
if ($first !== null) {
    $md[] = '';
    $md[] = "## Redis commands per page and server µs per call (one client, delay $first µs, all pages)";
    $md[] = '';
    foreach (array_keys($single[$first][1]) as $store) {
        $list = [];
        foreach (bench_commands($batches, 'single', $first, $store) as $name => [$calls, $us]) {
            $list[] = sprintf('%s %.1f (%.1f µs)', $name, $calls, $us);
        }
        $md[] = "- $store: " . ($list ? implode(', ', $list) : 'none');
    }
}

$md[] = '';
$md[] = 'Plots: ' . implode(', ', array_map(fn($f) => "[$f]($f)", bench_plots($dir, $single, $conc)));
file_put_contents("$dir/report.md", implode("\n", $md) . "\n");
echo implode("\n", $md), "\n";
