<?php
// Checks a PHPUnit JUnit log for skipped tests: the tests named may be skipped (each says why),
// any other skipped test is a failure (a suite that skips itself proves nothing). Prints the
// skips with their reasons.
//
//   php junit-skips.php log.xml [allowed_test_name ...]

$xml = is_file($argv[1]) && filesize($argv[1]) ? simplexml_load_file($argv[1]) : false;
if ($xml === false) {
    echo "  no JUnit log {$argv[1]}\n";
    exit(1);
}
$allowed = array_slice($argv, 2);
$bad = 0;
foreach ($xml->xpath('//testcase[skipped]') as $case) {
    $ok = in_array((string)$case['name'], $allowed, true);
    $bad += $ok ? 0 : 1;
    printf("  %s: %s::%s (%s)\n", $ok ? 'skipped as expected' : 'SKIPPED', $case['class'], $case['name'],
        trim((string)$case->skipped) ?: trim((string)$case->skipped['message']) ?: 'no reason given');
}
exit($bad ? 1 : 0);
