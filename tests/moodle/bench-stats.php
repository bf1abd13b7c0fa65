<?php
// Figures of the page benchmark from its batches (results.jsonl, one JSON object a line, as
// bench-client.php writes them): per round, then the median of the rounds with their spread.

/** The value at quantile $q (nearest rank) of a list of numbers. */
function bench_quantile(array $values, float $q): float {
    if (!$values) {
        return NAN;
    }
    sort($values);
    return (float)$values[max(0, (int)ceil($q * count($values)) - 1)];
}

/** Median (of an even count: the mean of the middle two), lowest and highest of a list (per-round figures). */
function bench_spread(array $values): array {
    if (!$values) {
        return ['median' => NAN, 'min' => NAN, 'max' => NAN, 'n' => 0];
    }
    sort($values);
    $n = count($values);
    $median = $n % 2 ? $values[intdiv($n, 2)] : ($values[$n / 2 - 1] + $values[$n / 2]) / 2;
    return ['median' => (float)$median, 'min' => min($values), 'max' => max($values), 'n' => $n];
}

/** Reads results.jsonl. */
function bench_load(string $file): array {
    $batches = [];
    foreach (file($file, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: [] as $line) {
        $batch = json_decode($line, true);
        if (is_array($batch)) {
            $batches[] = $batch;
        }
    }
    return $batches;
}

/** The work a batch did per request: CPU ms by server, Redis commands, round trips, bytes, server µs. */
function bench_work(array $batch): array {
    $n = max(1, $batch['requests']);
    $work = ['cpu_ms' => [], 'cpu_total_ms' => 0.0];
    foreach ($batch['cpu_ns'] ?? [] as $server => $ns) {
        $work['cpu_ms'][$server] = $ns / 1e6 / $n;
        $work['cpu_total_ms'] += $ns / 1e6 / $n;
    }
    $redis = $batch['redis'] ?? null;
    $work['commands'] = $redis ? array_sum(array_column($redis['commands'], 0)) / $n : NAN;
    $work['redis_us'] = $redis ? array_sum(array_column($redis['commands'], 1)) / $n : NAN;
    $work['round_trips'] = $redis ? $redis['writes'] / $n : NAN;
    $work['kb_in'] = $redis ? $redis['bytes_in'] / 1024 / $n : NAN;
    $work['kb_out'] = $redis ? $redis['bytes_out'] / 1024 / $n : NAN;
    return $work;
}

/**
 * Groups the batches of one mode: [delay][clients][store][page] => list of per-round figures
 * (p50, p95, pages_s and the work per page), pooling the page's times within each round.
 */
function bench_group(array $batches, string $mode): array {
    $rounds = [];
    foreach ($batches as $b) {
        if ($b['mode'] !== $mode) {
            continue;
        }
        $key = [$b['delay_us'], $b['clients'], $b['store'], $b['round']];
        $pages = $mode === 'single' ? [$b['page']] : array_merge(['*'], array_keys($b['times']));
        foreach ($pages as $page) {
            $times = $page === '*' ? array_merge(...array_values($b['times'])) : ($b['times'][$page] ?? []);
            $figures = ['p50' => bench_quantile($times, 0.5), 'p95' => bench_quantile($times, 0.95),
                'pages_s' => $b['requests'] / max(1e-9, $b['wall_s']), 'rtt_us' => $b['rtt_us']] + bench_work($b);
            $rounds[$key[0]][$key[1]][$key[2]][$page][$key[3]] = $figures;
        }
    }
    return $rounds;
}

/** A figure over the rounds of one cell of bench_group(): its spread. */
function bench_over_rounds(array $cellrounds, string $figure, ?string $server = null): array {
    $values = [];
    foreach ($cellrounds as $f) {
        $v = $server === null ? $f[$figure] : ($f[$figure][$server] ?? NAN);
        if (!is_nan($v)) {
            $values[] = $v;
        }
    }
    return bench_spread($values);
}

/**
 * A figure of one cell relative to another cell's in the same round (the rounds are interleaved, so
 * what drifts from round to round cancels out): the spread of the per-round ratios.
 */
function bench_paired_ratio(array $cellrounds, array $baserounds, string $figure): array {
    $ratios = [];
    foreach ($cellrounds as $round => $f) {
        $base = $baserounds[$round][$figure] ?? NAN;
        if (!is_nan($f[$figure]) && !is_nan($base) && $base > 0) {
            $ratios[] = $f[$figure] / $base;
        }
    }
    return bench_spread($ratios);
}

/** Redis commands by name for one store over the batches of a mode and delay: name => [calls/page, µs/call]. */
function bench_commands(array $batches, string $mode, int $delay, string $store, ?string $page = null): array {
    $calls = $usec = [];
    $requests = 0;
    foreach ($batches as $b) {
        if ($b['mode'] !== $mode || $b['delay_us'] !== $delay || $b['store'] !== $store || empty($b['redis'])
                || ($page !== null && $b['page'] !== $page)) {
            continue;
        }
        $requests += $b['requests'];
        foreach ($b['redis']['commands'] as $name => [$c, $u]) {
            $calls[$name] = ($calls[$name] ?? 0) + $c;
            $usec[$name] = ($usec[$name] ?? 0) + $u;
        }
    }
    arsort($calls);
    $out = [];
    foreach ($calls as $name => $c) {
        $out[$name] = [$c / max(1, $requests), $usec[$name] / max(1, $c)];
    }
    return $out;
}
