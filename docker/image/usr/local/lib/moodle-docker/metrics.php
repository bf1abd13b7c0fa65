<?php
// The moodlecache extension's node-wide figures in Prometheus text format
// (MoodleCache\nodeStats(): every store identity of this pod, summed over its
// PHP-FPM workers, and the near cache's shared memory). Run through PHP-FPM by
// Debian's prometheus-phpfpm-exporter (--phpfpm.script-collector-paths), which
// merges it into its own page with the pool's status; nginx never serves it.
// It must run inside PHP-FPM: a command-line PHP has a node table of its own.
// Store labels name server, database, prefix and user, never a password.

header('Content-Type: text/plain; version=0.0.4');

/** One metric family: name, type, help, and [labels, value] samples. */
function family(string $name, string $type, string $help, array $samples): void {
    if ($samples === []) {
        return;
    }
    echo "# HELP $name $help\n# TYPE $name $type\n";
    foreach ($samples as [$labels, $value]) {
        $pairs = [];
        foreach ($labels as $k => $v) {
            $pairs[] = $k . '="' . str_replace(["\\", "\n", '"'], ["\\\\", "\\n", "\\\""], (string)$v) . '"';
        }
        echo $name, $pairs ? '{' . implode(',', $pairs) . '}' : '', ' ', is_bool($value) ? (int)$value : $value, "\n";
    }
}

if (!function_exists('MoodleCache\nodeStats')) {
    family('moodlecache_up', 'gauge', 'Whether the moodlecache extension answered (1) or is not loaded (0).', [[[], 0]]);
    exit;
}
$stats = MoodleCache\nodeStats();
family('moodlecache_up', 'gauge', 'Whether the moodlecache extension answered (1) or is not loaded (0).', [[[], 1]]);

// Per store identity: counters that only grow while the pod lives.
$counters = [
    'hits' => 'Reads that found a value (near cache hits included).',
    'misses' => 'Reads that found nothing.',
    'near_hits' => 'Reads served from the near cache (no round trip).',
    'near_misses' => 'Reads the near cache could not serve.',
    'sets' => 'Values written.',
    'deletes' => 'Values deleted.',
    'corrupt' => 'Values that could not be decoded (served as misses).',
    'round_trips' => 'Network round trips to the server.',
    'commands' => 'Commands sent to the server.',
    'errors' => 'Failed calls (network, server or protocol errors).',
    'connects' => 'Connections opened.',
    'reconnects' => 'Connections opened again after a failure.',
    'bytes_sent' => 'Bytes sent to the server.',
    'bytes_received' => 'Bytes received from the server.',
    'announce_errors' => 'Changes whose near-cache announcement the server refused.',
];
foreach ($counters as $key => $help) {
    $samples = [];
    foreach ($stats['stores'] as $store) {
        $samples[] = [['store' => $store['store']], (int)$store[$key]];
    }
    family("moodlecache_{$key}_total", 'counter', $help, $samples);
}
$trusted = [];
foreach ($stats['stores'] as $store) {
    if ($store['near_trusted'] !== null) {
        $trusted[] = [['store' => $store['store']], $store['near_trusted'] ? 1 : 0];
    }
}
family('moodlecache_near_trusted', 'gauge',
    'Whether the store\'s near cache is trusted now (1), or reads go to the server because its listener is not proven live (0).',
    $trusted);

// The near cache's shared memory, one per pod.
$near = $stats['near_cache'];
family('moodlecache_near_cache_enabled', 'gauge', 'Whether this pod has near-cache shared memory.', [[[], $near['enabled'] ? 1 : 0]]);
if ($near['enabled']) {
    foreach (['size_bytes' => ['bytes_total', 'Size of the near cache\'s shared memory.'],
              'used_bytes' => ['bytes_used', 'Bytes of it holding entries.'],
              'entries' => ['entries', 'Entries held.']] as $name => [$key, $help]) {
        family("moodlecache_near_cache_$name", 'gauge', $help, [[[], (int)$near[$key]]]);
    }
    foreach (['fills' => 'Entries stored after a read from the server.',
              'fill_drops' => 'Fills dropped because the key changed meanwhile.',
              'invalidations' => 'Invalidations applied (this pod\'s and other pods\' changes).',
              'flushes' => 'Whole flushes (restart, failover, lost connection, purge of everything).',
              'evictions' => 'Entries evicted to make room.',
              'recoveries' => 'Recoveries after a worker died while writing the shared memory.'] as $key => $help) {
        family("moodlecache_near_cache_{$key}_total", 'counter', $help, [[[], (int)$near[$key]]]);
    }
}
