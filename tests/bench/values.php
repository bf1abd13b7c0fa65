<?php
// Moodle-sized values, generated deterministically (same bytes every run)
// and once per seed, so a timed operation times the store, not the making
// of its value.

declare(strict_types=1);

/** A plugin config record as core_config caches it: ~40 short settings. */
function bench_small_value(int $seed): array
{
    static $made = [];
    if (isset($made[$seed])) {
        return $made[$seed];
    }
    $config = [];
    for ($i = 0; $i < 40; $i++) {
        $config["setting_{$i}"] = ($i % 3 === 0) ? (string)($seed + $i) : "value-{$seed}-{$i}";
    }
    return $made[$seed] = $config;
}

/** ~5 KB: a course's module info (an array of small records). */
function bench_medium_value(int $seed): array
{
    static $made = [];
    if (isset($made[$seed])) {
        return $made[$seed];
    }
    $mods = [];
    for ($i = 0; $i < 30; $i++) {
        $mods[] = (object)[
            'id' => $seed * 100 + $i, 'course' => $seed, 'module' => $i % 20,
            'name' => "Activity {$i} of course {$seed}", 'visible' => 1, 'section' => intdiv($i, 5),
            'url' => "/mod/page/view.php?id=" . ($seed * 100 + $i), 'completion' => $i % 2,
        ];
    }
    return $made[$seed] = $mods;
}

/** ~100 KB of compressible text: rendered HTML such as a cached template. */
function bench_large_value(int $seed): string
{
    static $made = [];
    if (isset($made[$seed])) {
        return $made[$seed];
    }
    $html = '';
    for ($i = 0; strlen($html) < 100000; $i++) {
        $html .= "<div class=\"activity-item\" data-id=\"" . ($seed * 1000 + $i) . "\">"
            . "<a href=\"/mod/forum/view.php?id={$i}\">Discussion {$i}: week " . ($i % 12) . "</a>"
            . "<span class=\"badge\">" . ($i * 7 % 100) . " replies</span></div>\n";
    }
    return $made[$seed] = $html;
}
