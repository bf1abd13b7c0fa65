<?php
// Requests a page N times and prints one time in milliseconds per line; or, with
// --summarise FILE..., prints p50, p90 and mean of each file's times.
//
//   php pagetime.php --url=http://127.0.0.1:PORT/ --count=40 --warmup=5 >> times.txt
//   php pagetime.php --summarise times-a.txt times-b.txt

$opts = getopt('', ['url:', 'count:', 'warmup:', 'summarise'], $rest);

if (isset($opts['summarise'])) {
    $base = null;
    printf("%-14s %8s %8s %8s %6s\n", 'store', 'p50 ms', 'p90 ms', 'mean ms', 'n');
    foreach (array_slice($argv, $rest) as $file) {
        $t = is_readable($file) ? array_map('floatval', file($file, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES)) : [];
        if (!$t) {
            echo "$file: no times\n";
            exit(1);
        }
        sort($t);
        $p50 = $t[(int)floor((count($t) - 1) * 0.5)];
        $p90 = $t[(int)floor((count($t) - 1) * 0.9)];
        $name = preg_replace('/^times-|\.txt$/', '', basename($file));
        $base ??= $p50;
        printf("%-14s %8.1f %8.1f %8.1f %6d   p50 x%.2f of the first\n", $name, $p50, $p90,
            array_sum($t) / count($t), count($t), $p50 / $base);
    }
    exit(0);
}

$url = $opts['url'];
$fetch = function () use ($url): float {
    $t0 = hrtime(true);
    $body = file_get_contents($url, false, stream_context_create(['http' => ['timeout' => 60]]));
    $ms = (hrtime(true) - $t0) / 1e6;
    $status = $http_response_header[0] ?? '';
    if ($body === false || !str_contains($status, ' 200') || !str_contains($body, '</html>')) {
        fwrite(STDERR, "bad response from $url: $status\n" . substr((string)$body, 0, 500) . "\n");
        exit(1);
    }
    return $ms;
};
for ($i = 0; $i < (int)($opts['warmup'] ?? 5); $i++) {
    $fetch();
}
for ($i = 0; $i < (int)$opts['count']; $i++) {
    printf("%.3f\n", $fetch());
}
