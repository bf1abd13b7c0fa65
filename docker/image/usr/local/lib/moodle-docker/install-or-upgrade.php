<?php
// Installs Moodle on an empty database or upgrades it, exactly once however
// many pods run this at the same time: the work happens under a database
// advisory lock (PostgreSQL pg_try_advisory_lock, MariaDB/MySQL GET_LOCK),
// which the server releases by itself if this process or its pod dies.
// Whoever gets the lock second finds Moodle installed and up to date.
// Then, when a Redis endpoint is configured, maps the application and session
// caches to the moodlecache store (map-caches.php).
//
// Reads the settings rendered into /run/moodle/config.php; runs Moodle's own
// CLI scripts as child processes while it holds the lock.

require(__DIR__ . '/env.php');
require('/run/moodle/config.php');

const LOCK_NAME = 'moodlecache-docker-install-or-upgrade';
const LOCK_KEY = 7236837217390231; // Any fixed bigint; advisory locks are per database.

$moodle = '/opt/moodle';
$waitdb = (int)env('MOODLE_DB_WAIT_SECONDS', '120');
$waitlock = (int)env('MOODLE_INSTALL_LOCK_WAIT_SECONDS', '3600');

function say(string $message): void {
    echo 'install-or-upgrade: ', $message, "\n";
}

/** Connects to the database, retrying while it starts up. */
function connect_db(stdClass $cfg, int $wait) {
    $deadline = time() + $wait;
    while (true) {
        if ($cfg->dbtype === 'pgsql') {
            $conn = @pg_connect(sprintf("host='%s' port=%d dbname='%s' user='%s' password='%s' connect_timeout=5",
                addcslashes($cfg->dbhost, "'\\"), $cfg->dboptions['dbport'], addcslashes($cfg->dbname, "'\\"),
                addcslashes($cfg->dbuser, "'\\"), addcslashes($cfg->dbpass, "'\\")), PGSQL_CONNECT_FORCE_NEW);
            if ($conn) {
                return $conn;
            }
            $error = error_get_last()['message'] ?? 'unknown error';
        } else {
            mysqli_report(MYSQLI_REPORT_OFF);
            $conn = mysqli_init();
            $conn->options(MYSQLI_OPT_CONNECT_TIMEOUT, 5);
            if (@$conn->real_connect($cfg->dbhost, $cfg->dbuser, $cfg->dbpass, $cfg->dbname,
                    $cfg->dboptions['dbport'])) {
                return $conn;
            }
            $error = $conn->connect_error;
        }
        if (time() >= $deadline) {
            fail("cannot connect to the database at {$cfg->dbhost}: $error");
        }
        say("waiting for the database at {$cfg->dbhost} ($error)");
        sleep(3);
    }
}

/** Runs one query and returns the first column of the first row, or null. */
function query_value($conn, string $sql) {
    if ($conn instanceof mysqli) {
        $result = $conn->query($sql);
        if ($result === false) {
            fail("query failed: {$conn->error}");
        }
        $row = $result->fetch_row();
        return $row === null ? null : $row[0];
    }
    $result = pg_query($conn, $sql);
    if ($result === false) {
        fail('query failed: ' . pg_last_error($conn));
    }
    $row = pg_fetch_row($result);
    return $row === false ? null : $row[0];
}

function take_lock($conn, int $wait): void {
    $deadline = time() + $wait;
    $said = false;
    while (true) {
        $got = $conn instanceof mysqli
            ? query_value($conn, "SELECT GET_LOCK('" . LOCK_NAME . "', 0)")
            : query_value($conn, 'SELECT pg_try_advisory_lock(' . LOCK_KEY . ')');
        if ($got === '1' || $got === 't') {
            return;
        }
        if (time() >= $deadline) {
            fail("another install or upgrade still holds the lock after {$wait} s");
        }
        if (!$said) {
            say('another pod is installing or upgrading; waiting for its lock');
            $said = true;
        }
        sleep(2);
    }
}

/** Moodle's state: 'empty', 'installed' or 'partial' (tables but no version). */
function moodle_state($conn, stdClass $cfg): string {
    $table = $cfg->prefix . 'config';
    $exists = $conn instanceof mysqli
        ? query_value($conn, "SELECT COUNT(*) FROM information_schema.tables
                              WHERE table_schema = DATABASE() AND table_name = '$table'")
        : query_value($conn, "SELECT COUNT(*) FROM information_schema.tables
                              WHERE table_schema = current_schema() AND table_name = '$table'");
    if ($exists === '0') {
        return 'empty';
    }
    $version = query_value($conn, "SELECT value FROM $table WHERE name = 'version'");
    return $version === null ? 'partial' : 'installed';
}

/** Runs a PHP CLI script as a child; returns its exit code. */
function run_php(array $args): int {
    $cmd = array_merge([PHP_BINARY], $args);
    $proc = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => STDOUT, 2 => STDERR], $pipes);
    if (!is_resource($proc)) {
        fail('cannot start ' . implode(' ', $args));
    }
    return proc_close($proc);
}

$conn = connect_db($CFG, $waitdb);
take_lock($conn, $waitlock);
say('holding the lock');

$state = moodle_state($conn, $CFG);
if ($state === 'partial') {
    fail("the database has Moodle tables but no version: an earlier install stopped half-way. "
        . "Empty the database '{$CFG->dbname}' and run install-or-upgrade again.");
}
if ($state === 'empty') {
    $adminpass = secret_required('MOODLE_ADMIN_PASSWORD');
    $sitename = env('MOODLE_SITE_NAME', 'Moodle');
    say("installing Moodle into the empty database '{$CFG->dbname}'");
    $rc = run_php([
        "$moodle/admin/cli/install_database.php",
        '--agree-license',
        '--lang=' . env('MOODLE_LANG', 'en'),
        '--adminuser=' . env('MOODLE_ADMIN_USER', 'admin'),
        '--adminpass=' . $adminpass,
        '--adminemail=' . env_required('MOODLE_ADMIN_EMAIL'),
        '--fullname=' . $sitename,
        '--shortname=' . $sitename,
    ]);
    if ($rc !== 0) {
        fail("Moodle's install_database.php failed (exit $rc)");
    }
    say('RESULT installed');
} else {
    $rc = run_php(["$moodle/admin/cli/upgrade.php", '--is-pending']);
    if ($rc === 2) {
        say('upgrading Moodle');
        $rc = run_php(["$moodle/admin/cli/upgrade.php", '--non-interactive']);
        if ($rc !== 0) {
            fail("Moodle's upgrade.php failed (exit $rc)");
        }
        say('RESULT upgraded');
    } else if ($rc === 0) {
        say('RESULT already installed and up to date');
    } else {
        fail("Moodle's upgrade.php --is-pending failed (exit $rc)");
    }
}

if (redis_settings() !== null) {
    $rc = run_php([__DIR__ . '/map-caches.php']);
    if ($rc !== 0) {
        fail("mapping the caches to the moodlecache store failed (exit $rc)");
    }
} else {
    say('MOODLE_REDIS_HOST is not set: caches stay on Moodle\'s defaults');
}
// Closing the connection releases the lock.
say('done');
