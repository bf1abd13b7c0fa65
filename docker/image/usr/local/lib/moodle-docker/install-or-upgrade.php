<?php
// Installs Moodle on an empty database or upgrades it, exactly once however
// many pods run this at the same time: the work happens under a database
// advisory lock (PostgreSQL pg_try_advisory_lock, MariaDB/MySQL GET_LOCK),
// which the server releases by itself if this process or its pod dies.
// Whoever gets the lock second finds Moodle installed and up to date.
// An install that died half-way (tables, but no rolesactive: Moodle itself
// counts the site as not installed) is dropped and installed again when that
// is safe (no users or courses beyond what the installer makes, and
// MOODLE_RECOVER_PARTIAL_INSTALL not false); otherwise it is reported with
// the steps to recover, and nothing is touched.
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

/** Runs one query and returns the first column of every row. */
function query_column($conn, string $sql): array {
    if ($conn instanceof mysqli) {
        $result = $conn->query($sql);
        if ($result === false) {
            fail("query failed: {$conn->error}");
        }
        return array_column($result->fetch_all(), 0);
    }
    $result = pg_query($conn, $sql);
    if ($result === false) {
        fail('query failed: ' . pg_last_error($conn));
    }
    return pg_fetch_all_columns($result, 0);
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

/** The tables of this site's prefix, by name. */
function prefix_tables($conn, stdClass $cfg): array {
    $like = str_replace(['\\', '_', '%'], ['\\\\', '\\_', '\\%'], $cfg->prefix) . '%';
    $schema = $conn instanceof mysqli ? 'DATABASE()' : 'current_schema()';
    $quoted = $conn instanceof mysqli ? "'" . $conn->real_escape_string($like) . "'" : pg_escape_literal($conn, $like);
    return query_column($conn, "SELECT table_name FROM information_schema.tables
                                WHERE table_schema = $schema AND table_name LIKE $quoted ORDER BY table_name");
}

/**
 * Moodle's state: ['empty'], ['installed'], or ['partial', reason, safe]:
 * tables of the prefix but no finished install. Moodle marks a finished
 * install with rolesactive (install_cli_database sets it after every plugin);
 * without it every page sends to the installer, so nobody can have used the
 * site. Safe to drop when the installer's own config table is there and no
 * user or course beyond the installer's (guest, admin; the site course).
 */
function moodle_state($conn, stdClass $cfg, array $tables): array {
    if ($tables === []) {
        return ['empty'];
    }
    $p = $cfg->prefix;
    if (!in_array("{$p}config", $tables, true)) {
        return ['partial', "tables named {$p}* but no {$p}config: not an install this image started", false];
    }
    if (query_value($conn, "SELECT value FROM {$p}config WHERE name = 'rolesactive'") !== null) {
        return ['installed'];
    }
    $version = query_value($conn, "SELECT value FROM {$p}config WHERE name = 'version'");
    $users = in_array("{$p}user", $tables, true) ? (int)query_value($conn, "SELECT COUNT(*) FROM {$p}user") : 0;
    $courses = in_array("{$p}course", $tables, true) ? (int)query_value($conn, "SELECT COUNT(*) FROM {$p}course") : 0;
    $reason = 'an install that stopped half-way: ' . count($tables) . " tables, {$p}config without rolesactive"
        . ($version === null ? ' or version' : " (core version $version)") . ", $users users, $courses courses";
    return ['partial', $reason, $users <= 2 && $courses <= 1];
}

/** Drops the tables (and leftover sequences) of this site's prefix. */
function drop_prefix_tables($conn, stdClass $cfg, array $tables): void {
    if ($conn instanceof mysqli) {
        $list = implode(', ', array_map(fn($t) => '`' . str_replace('`', '``', $t) . '`', $tables));
        query_value($conn, "DROP TABLE IF EXISTS $list");
        return;
    }
    $list = implode(', ', array_map(fn($t) => pg_escape_identifier($conn, $t), $tables));
    pg_query($conn, "DROP TABLE IF EXISTS $list CASCADE") or fail('dropping tables failed: ' . pg_last_error($conn));
    $like = pg_escape_literal($conn, str_replace('_', '\\_', $cfg->prefix) . '%');
    foreach (query_column($conn, "SELECT sequence_name FROM information_schema.sequences
                                  WHERE sequence_schema = current_schema() AND sequence_name LIKE $like") as $seq) {
        pg_query($conn, 'DROP SEQUENCE IF EXISTS ' . pg_escape_identifier($conn, $seq));
    }
}

/** Stops with what was found and how to recover. */
function fail_partial(stdClass $cfg, array $tables, string $reason, bool $safe): void {
    $p = $cfg->prefix;
    $steps = $safe
        ? "To recover: run install-or-upgrade again with MOODLE_RECOVER_PARTIAL_INSTALL=true (the default): it drops "
            . "the {$p}* tables under the install lock and installs again (moodledata is kept). Or drop them yourself and run it again."
        : "It may hold data, so nothing was touched. Check that MOODLE_DB_NAME ('{$cfg->dbname}') names the right database. "
            . "If it is a failed install, drop those tables yourself, then run install-or-upgrade again "
            . "(with the Helm chart: helm upgrade, whose hook runs it).";
    fail("the database '{$cfg->dbname}' is not installed but not empty: $reason. "
        . 'Tables: ' . implode(' ', array_slice($tables, 0, 8)) . (count($tables) > 8 ? ' ...' : '') . ". $steps");
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

$tables = prefix_tables($conn, $CFG);
$state = moodle_state($conn, $CFG, $tables);
$recovered = false;
if ($state[0] === 'partial') {
    [, $reason, $safe] = $state;
    if (!$safe || !env_bool('MOODLE_RECOVER_PARTIAL_INSTALL', true)) {
        fail_partial($CFG, $tables, $reason, $safe);
    }
    say("found $reason; dropping its " . count($tables) . " tables to install again (MOODLE_RECOVER_PARTIAL_INSTALL)");
    drop_prefix_tables($conn, $CFG, $tables);
    $recovered = true;
    $state = ['empty'];
}
if ($state[0] === 'empty') {
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
    say($recovered ? 'RESULT recovered a partial install and installed' : 'RESULT installed');
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
