<?php
// Compares two PHPUnit JUnit logs: prints the tests that fail or error in the first and
// pass in the second (the control), and exits 1 if there are any. A missing or empty
// control file counts as "all passed".
//
//   php junit-diff.php ours.xml control.xml

/**
 * The tests of a JUnit log that failed or errored, and the tests it ran.
 *
 * @param string $file
 * @return array [failed names, all names]
 */
function mc_junit_outcomes(string $file): array {
    $failed = $all = [];
    $xml = is_file($file) && filesize($file) ? simplexml_load_file($file) : false;
    if ($xml === false) {
        return [[], []];
    }
    foreach ($xml->xpath('//testcase') as $case) {
        $name = $case['class'] . '::' . $case['name'];
        $all[$name] = true;
        if ($case->failure || $case->error) {
            $failed[$name] = true;
        }
    }
    return [$failed, $all];
}

[$ours, $ourall] = mc_junit_outcomes($argv[1]);
[$control, $controlall] = mc_junit_outcomes($argv[2]);
if (!$ourall) {
    echo "  no tests ran ({$argv[1]})\n";
    exit(1);
}
$only = array_diff_key($ours, $control);
printf("  %d tests, %d failed or errored; also on the control: %d; only here: %d\n",
    count($ourall), count($ours), count(array_intersect_key($ours, $control)), count($only));
foreach (array_keys(array_intersect_key($ours, $control)) as $name) {
    echo "    fails on the control too (not counted): $name\n";
}
foreach (array_keys($only) as $name) {
    echo "    only here: $name\n";
}
exit($only ? 1 : 0);
