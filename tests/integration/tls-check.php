<?php
// Cluster over TLS: php tls-check.php SEEDS CA_FILE.  Writes and reads 30
// definitions (spread over the masters), purges all; prints one JSON line
// and exits 1 unless every answer was right.
[, $seeds, $ca] = $argv;
$s = new MoodleCache\RedisStore(['cluster' => true, 'servers' => explode(',', $seeds), 'prefix' => 'tls_',
    'tls' => ['ca_file' => $ca]]);
$right = 0;
for ($d = 0; $d < 30; $d++) {
    $items = ["a" => "x$d", "b" => [$d]];
    $right += $s->setMany("def$d", $items) === 2 && $s->getMany("def$d", ['a', 'b']) === $items;
}
$purged = $s->purgeAll() && $s->get('def1', 'a') === false;
$st = $s->stats();
$ok = $right === 30 && $purged && $s->lastError() === null;
echo json_encode(['mode' => 'cluster-tls', 'definitions_right' => $right, 'purged' => $purged,
    'connects' => $st['connects'], 'last_error' => $s->lastError()]), "\n";
exit($ok ? 0 : 1);
