<?php
// GET /readyz (Kubernetes readiness): 200 when the rendered configuration is
// there, moodledata is writable, the database answers and Moodle is
// installed; else 503 naming the first failed check. Does not start Moodle
// (no lib/setup.php), so it stays cheap; each check has a short timeout.

header('Content-Type: text/plain');
header('Cache-Control: no-store');

function not_ready(string $why): void {
    http_response_code(503);
    echo "not ready: $why\n";
    exit;
}

if (!is_readable('/run/moodle/config.php')) {
    not_ready('no rendered configuration');
}
require('/run/moodle/config.php');

if (!is_dir($CFG->dataroot) || !is_writable($CFG->dataroot)) {
    not_ready('moodledata is not writable');
}

$table = $CFG->prefix . 'config';
$port = $CFG->dboptions['dbport'];
if ($CFG->dbtype === 'pgsql') {
    $conn = @pg_connect(sprintf("host='%s' port=%d dbname='%s' user='%s' password='%s' connect_timeout=2",
        addcslashes($CFG->dbhost, "'\\"), $port, addcslashes($CFG->dbname, "'\\"),
        addcslashes($CFG->dbuser, "'\\"), addcslashes($CFG->dbpass, "'\\")), PGSQL_CONNECT_FORCE_NEW);
    if (!$conn) {
        not_ready('database unreachable');
    }
    $result = @pg_query($conn, "SELECT value FROM $table WHERE name = 'version'");
    $version = $result ? pg_fetch_result($result, 0, 0) : false;
    pg_close($conn);
} else {
    mysqli_report(MYSQLI_REPORT_OFF);
    $conn = mysqli_init();
    $conn->options(MYSQLI_OPT_CONNECT_TIMEOUT, 2);
    if (!@$conn->real_connect($CFG->dbhost, $CFG->dbuser, $CFG->dbpass, $CFG->dbname, $port)) {
        not_ready('database unreachable');
    }
    $result = $conn->query("SELECT value FROM $table WHERE name = 'version'");
    $row = $result ? $result->fetch_row() : null;
    $version = $row[0] ?? false;
    $conn->close();
}
if ($version === false || $version === null) {
    not_ready('Moodle is not installed (run install-or-upgrade)');
}
echo "ready: Moodle version $version\n";
