<?php
// Reads the nodes' results of one stress run and prints one line per check
// ("ok ..." or "FAIL ..."); exit status = number of failed checks.
//   php check.php LABEL [--redis-restarted] [--quiet=yes|no] RESULT.json...
// --quiet=yes: the writers announced quietly (on their node's own channel;
// a standalone server), --quiet=no: never (a cluster).
// A miss where a published value was expected, or an older value that
// Redis itself answered with, is data loss, not a stale read: allowed only
// in a run whose Redis was restarted or failed over (--redis-restarted).
// An older value served by the near cache after a sync that succeeded is
// never allowed; where the sync failed (around a restart its poke cannot be
// sent) the rule promises nothing, and such reads are only counted.
$failed = 0;
$check = function (bool $ok, string $what) use (&$failed): void {
    echo ($ok ? 'ok   ' : 'FAIL '), $what, "\n";
    $failed += $ok ? 0 : 1;
};
$label = $argv[1];
$files = array_slice($argv, 2);
$restarted = false;
$quiet = null;
while (str_starts_with($files[0] ?? '', '--')) {
    $flag = array_shift($files);
    $restarted = $restarted || $flag === '--redis-restarted';
    $quiet = str_starts_with($flag, '--quiet=') ? substr($flag, 8) === 'yes' : $quiet;
}
foreach ($files as $file) {
    $r = json_decode((string)@file_get_contents($file), true);
    if (!is_array($r)) {
        $check(false, "$label: no result in $file");
        continue;
    }
    $n = $r['node'];
    printf("%s node %s: %d writes, %d checked reads (%d synced), %d reads, %d near hits (%d of them \"absent\"), %d fills, %d fills dropped, %d kills\n",
        $label, $n, $r['writes'], $r['checked'], $r['synced'], $r['reads'], $r['near_hits'] + ($r['near_absent_hits'] ?? 0),
        $r['near_absent_hits'] ?? 0, $r['near_fills'],
        $r['near_fill_drops'], $r['kills']);
    printf("%s node %s: %d writes announced on the node's own channel, %d announced again on the shared one\n",
        $label, $n, $r['quiet'], $r['reannounced']);
    foreach ($r['examples'] as $e) echo "    $e\n";
    if ($quiet !== null) {
        $check($quiet ? $r['quiet'] > 0 : $r['quiet'] === 0, "$label node $n: "
            . ($quiet ? "writes were announced quietly ({$r['quiet']})" : "no write was announced quietly ({$r['quiet']})"));
    }
    $check($r['stale'] === 0, "$label node $n: no stale read after a returned set and a sync ({$r['stale']} stale of {$r['synced']}"
        . " synced reads; " . ($r['unsynced_stale'] ?? 0) . " older near-cache values where the sync failed, which the rule does not cover)");
    $lost = $r['lost'] + ($r['older'] ?? 0);
    $check($restarted || $lost === 0, "$label node $n: no miss or older value from Redis after a returned set"
        . ($restarted ? " (allowed: Redis restarted or failed over; {$r['lost']} misses, {$r['older']} older)"
                      : " ({$r['lost']} misses, {$r['older']} older)"));
    $check($r['bad'] === 0, "$label node $n: every value read is a whole value of its key ({$r['bad']} bad)");
    $check($r['checked'] >= 50, "$label node $n: enough rule checks ran ({$r['checked']})");
    $check($r['near_hits'] > 0, "$label node $n: reads were served from the near cache ({$r['near_hits']} hits)");
    $check($r['trusted_at_end'] === true && $r['hit_at_end'] === true, "$label node $n: near cache trusted and serving at the end"
        . ($r['trusted_at_end'] === true && $r['hit_at_end'] === true ? '' : ' (' . ($r['end_state'] ?? '?') . ')'));
}
exit($failed);
