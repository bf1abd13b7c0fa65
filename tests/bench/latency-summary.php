<?php
// Summary of tests/bench/latency-suite.sh: one compact table over every
// delay and process count (ops/s of all processes together; near = moodlecache
// with its near cache, mc = without, pr = phpredis used as cachestore_redis),
// the ratios, and which targets of the near cache are met.
//
//   php latency-summary.php results.json [--markdown]
declare(strict_types=1);

$runs = json_decode((string)file_get_contents($argv[1]), true);
$md = in_array('--markdown', $argv, true);
if (!is_array($runs) || !$runs) {
    fwrite(STDERR, "no results in {$argv[1]}\n");
    exit(1);
}
$fmt = fn(float $v) => $v >= 100 ? number_format($v, 0, '.', '') : number_format($v, 1, '.', '');

echo "\n";
$cols = ['delay', 'procs', 'operation', 'near ops/s', 'near p50/p99 µs', 'mc ops/s', 'phpredis ops/s',
    'phpredis p50/p99 µs', 'APCu ops/s', 'APCu p50 µs', 'near/phpredis', 'mc/phpredis', 'near p50/APCu p50'];
if ($md) {
    echo '| ', implode(' | ', $cols), " |\n|", str_repeat(' --- |', count($cols)), "\n";
} else {
    printf("%-22s %5s %-29s %11s %17s %9s %9s %19s %10s %8s %9s %9s %9s\n", ...$cols);
}
foreach ($runs as $run) {
    $delay = preg_replace('/ \(.*$/', '', $run['label']);
    foreach ($run['results'] as $op => $r) {
        $apcu = $r['apcu'] ?? null;
        $row = [$run['label'], $run['procs'], $op, $fmt($r['near']['ops']),
            $fmt($r['near']['p50']) . ' / ' . $fmt($r['near']['p99']), $fmt($r['moodlecache']['ops']),
            $fmt($r['phpredis']['ops']), $fmt($r['phpredis']['p50']) . ' / ' . $fmt($r['phpredis']['p99']),
            $apcu ? $fmt($apcu['ops']) : '-', $apcu ? $fmt($apcu['p50']) : '-',
            sprintf('%.1fx', $r['near']['ops'] / $r['phpredis']['ops']),
            sprintf('%.2fx', $r['moodlecache']['ops'] / $r['phpredis']['ops']),
            $apcu ? sprintf('%.2f', $r['near']['p50'] / $apcu['p50']) : '-'];
        if ($md) {
            echo '| ', implode(' | ', $row), " |\n";
        } else {
            printf("%-22s %5s %-29s %11s %17s %9s %9s %19s %10s %8s %9s %9s %9s\n", ...$row);
        }
    }
}

// Targets.  A "delay" label starts with "+N µs".
$find = function (int $delay, int $procs) use ($runs): ?array {
    foreach ($runs as $run) {
        if ((int)substr($run['label'], 1) === $delay && $run['procs'] === $procs) return $run['results'];
    }
    return null;
};
$repeated = fn(array $res) => array_filter($res, fn($k) => str_contains($k, 'repeated'), ARRAY_FILTER_USE_KEY);
$verdict = fn(bool $ok) => $ok ? 'MET' : 'NOT MET';
echo "\nTargets (1 process unless said):\n";
if ($r0 = $find(0, 1)) {
    $ratios = [];
    foreach (['get 16 B string (repeated)', 'get 1 KB (repeated)'] as $op) {
        if (isset($r0[$op]['apcu'])) $ratios[$op] = $r0[$op]['near']['p50'] / $r0[$op]['apcu']['p50'];
    }
    if ($ratios) {
        printf("- near-cache hit within 2x of an APCu get (p50, +0 µs): %s (%s)\n", $verdict(max($ratios) <= 2.0),
            implode(', ', array_map(fn($k, $v) => sprintf('%s %.2fx', $k, $v), array_keys($ratios), $ratios)));
    }
}
foreach ([[0, 10], [250, 100]] as [$delay, $want]) {
    foreach ([1, 8, 32] as $procs) {
        $res = $find($delay, $procs);
        if (!$res) continue;
        $ratios = array_map(fn($r) => $r['near']['ops'] / $r['phpredis']['ops'], $repeated($res));
        if (!$ratios) continue;     // a run with --only and no repeated read
        printf("- repeated reads >= %dx phpredis at +%d µs, %d process%s: %s (min %.1fx: %s; max %.1fx)\n", $want, $delay,
            $procs, $procs > 1 ? 'es' : '', $verdict(min($ratios) >= $want), min($ratios),
            array_search(min($ratios), $ratios), max($ratios));
    }
}
foreach ($runs as $run) {
    $res = $run['results'];
    foreach (['set 1 KB', 'get 1 KB (cold)'] as $op) {
        if (!isset($res[$op])) continue;
        $near = $res[$op]['near']['ops'] / $res[$op]['phpredis']['ops'];
        $mc = $res[$op]['moodlecache']['ops'] / $res[$op]['phpredis']['ops'];
        // "no slower" within 5% (the noise of a shared 2-CPU machine)
        printf("- %s no slower than phpredis at %s, %d proc: near %s (%.2fx), without near %s (%.2fx)\n", $op,
            preg_replace('/ \(.*$/', '', $run['label']), $run['procs'], $verdict($near >= 0.95), $near,
            $verdict($mc >= 0.95), $mc);
    }
}

// Writes and has (issues 14 and 18): ratios between our own rows.
$ratio = fn(array $res, string $a, string $b, string $who) =>
    isset($res[$a][$who], $res[$b][$who]) ? $res[$b][$who]['ops'] / $res[$a][$who]['ops'] : null;
foreach ($runs as $run) {
    $res = $run['results'];
    $at = preg_replace('/ \(.*$/', '', $run['label']) . ", {$run['procs']} proc";
    if (isset($res['set 1 KB']['near'], $res['set 1 KB']['moodlecache'])) {
        $cost = $res['set 1 KB']['moodlecache']['ops'] / $res['set 1 KB']['near']['ops'];
        printf("- a write with the near cache on costs <= 1.1x the same write with it off, %s: %s (%.2fx)\n",
            $at, $verdict($cost <= 1.1), $cost);
        $near_cpu = $res['set 1 KB']['near']['cpu_us'] ?? 0.0;
        $mc_cpu = $res['set 1 KB']['moodlecache']['cpu_us'] ?? 0.0;
        if ($near_cpu > 0 && $mc_cpu > 0) {
            printf("  ... in PHP CPU per write (every thread, the listener's too), %s: %s (%.2fx: %.2f µs against %.2f)\n",
                $at, $verdict($near_cpu / $mc_cpu <= 1.1), $near_cpu / $mc_cpu, $near_cpu, $mc_cpu);
        }
    }
    if (($c = $ratio($res, 'set 1 KB with TTL', 'set 1 KB', 'moodlecache')) !== null) {
        printf("- set with a TTL <= 1.1x set without, near cache off, %s: %s (%.2fx)\n", $at, $verdict($c <= 1.1), $c);
    }
    if ((int)substr($run['label'], 1) === 0 && ($c = $ratio($res, 'has 1 KB (repeated)', 'get 1 KB (repeated)', 'moodlecache')) !== null) {
        printf("- has <= the cost of get (within 5%%, the noise), near cache off, %s: %s (%.2fx)\n", $at, $verdict($c <= 1.05), $c);
    }
    if (($c = $ratio($res, 'has 1 KB (repeated)', 'get 1 KB (repeated)', 'near')) !== null) {
        printf("- a near-cache has within 2x of a near-cache get, %s: %s (%.2fx)\n", $at, $verdict($c <= 2.0), $c);
    }
}
