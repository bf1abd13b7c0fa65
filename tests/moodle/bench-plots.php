<?php
// PNG plots of the page benchmark with gnuplot (Debian's gnuplot-nox, offline): page time by
// store, one panel per network (one client), and pages per second by clients and store
// (concurrent). Writes the data (*.dat) and script (plots.gp) beside them.

/**
 * Makes the plots; returns the PNG file names made (none when gnuplot is missing: says so).
 *
 * @param string $dir results folder
 * @param array $single bench_group(..., 'single')
 * @param array $conc bench_group(..., 'concurrent')
 * @return string[]
 */
function bench_plots(string $dir, array $single, array $conc): array {
    if (trim((string)shell_exec('command -v gnuplot')) === '') {
        fwrite(STDERR, "gnuplot is not installed (gnuplot-nox): no plots\n");
        return [];
    }
    $gp = ['set style data histogram',
        'set style histogram errorbars gap 2 lw 1', 'set style fill solid 0.8 border -1', 'set key outside right top',
        'set grid ytics', 'set yrange [0:*]'];
    $made = [];
    if ($single) {
        $panels = count($single);
        $gp[] = 'set terminal pngcairo size 1400,' . (360 * $panels) . ' font "sans,10"';
        $gp[] = 'set output "' . "$dir/single.png" . '"';
        $gp[] = "set multiplot layout $panels,1 title 'One client: page time p50 (ms), bars from the lowest to the highest round'";
        foreach ($single as $delay => $byclients) {
            $stores = $byclients[1];
            $lines = ['# page ' . implode(' ', array_map(fn($s) => "$s $s-min $s-max", array_keys($stores)))];
            foreach (array_keys(reset($stores)) as $page) {
                $row = [$page];
                foreach ($stores as $bypage) {
                    $s = bench_over_rounds($bypage[$page] ?? [], 'p50');
                    array_push($row, fmt($s['median']), fmt($s['min']), fmt($s['max']));
                }
                $lines[] = implode(' ', $row);
            }
            file_put_contents("$dir/single-$delay.dat", implode("\n", $lines) . "\n");
            $plots = [];
            $i = 0;
            foreach (array_keys($stores) as $store) {
                $col = 2 + 3 * $i++;
                $plots[] = sprintf('"%s" using %d:%d:%d:xtic(1) title "%s"', "$dir/single-$delay.dat", $col, $col + 1,
                    $col + 2, $store);
            }
            $gp[] = 'set title "' . ($delay ? "Redis +$delay µs" : 'Redis on loopback') . '"';
            $gp[] = 'plot ' . implode(', ', $plots);
        }
        $gp[] = 'unset multiplot';
        $made[] = 'single.png';
    }
    if ($conc) {
        $gp[] = 'set terminal pngcairo size 1400,' . (360 * count($conc)) . ' font "sans,10"';
        $gp[] = 'set output "' . "$dir/concurrent.png" . '"';
        $gp[] = 'set style data linespoints';
        $gp[] = 'set xlabel "concurrent clients"';
        $gp[] = 'set multiplot layout ' . count($conc) . ",1 title 'Pages per second (median of the rounds)'";
        foreach ($conc as $delay => $byclients) {
            ksort($byclients);
            $stores = array_keys(reset($byclients));
            $lines = ['# clients ' . implode(' ', $stores)];
            foreach ($byclients as $clients => $bystore) {
                $row = [$clients];
                foreach ($stores as $store) {
                    $row[] = fmt(bench_over_rounds($bystore[$store]['*'] ?? [], 'pages_s')['median'], '%.2f');
                }
                $lines[] = implode(' ', $row);
            }
            file_put_contents("$dir/concurrent-$delay.dat", implode("\n", $lines) . "\n");
            $plots = [];
            foreach ($stores as $i => $store) {
                $plots[] = sprintf('"%s" using 1:%d title "%s"', "$dir/concurrent-$delay.dat", $i + 2, $store);
            }
            $gp[] = 'set title "' . ($delay ? "Redis +$delay µs" : 'Redis on loopback') . '"';
            $gp[] = 'plot ' . implode(', ', $plots);
        }
        $gp[] = 'unset multiplot';
        $made[] = 'concurrent.png';
    }
    file_put_contents("$dir/plots.gp", implode("\n", $gp) . "\n");
    exec('gnuplot ' . escapeshellarg("$dir/plots.gp") . ' 2>&1', $out, $rc);
    if ($rc !== 0) {
        fwrite(STDERR, "gnuplot failed:\n" . implode("\n", $out) . "\n");
        return [];
    }
    return $made;
}
