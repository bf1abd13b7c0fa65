<?php
// Stand-in (not Moodle) for admin/cli/install_database.php: checks the options
// the image passes, takes a few seconds like a real install (so concurrent
// callers would overlap without a lock), creates mdl_config and mdl_user with
// a version, and, last, rolesactive, as Moodle marks a finished install; then
// appends one line per install to moodledata/standin-installs.log.
// STANDIN_INSTALL_STALL=N (seconds) stops before rolesactive for that long,
// so a test can kill the install half-way.
define('CLI_SCRIPT', true);
require(__DIR__ . '/../../config.php');

$options = getopt('', ['agree-license', 'lang:', 'adminuser:', 'adminpass:', 'adminemail:', 'fullname:', 'shortname:']);
foreach (['agree-license', 'adminuser', 'adminpass', 'adminemail', 'fullname', 'shortname'] as $name) {
    if (!isset($options[$name])) {
        fwrite(STDERR, "stand-in install_database.php: --$name missing\n");
        exit(1);
    }
}
echo "stand-in install_database.php: installing (not Moodle)\n";
$db = standin_db();
sleep(3);
pg_query($db, "CREATE TABLE {$CFG->prefix}config (name varchar(100) PRIMARY KEY, value text)");
pg_query($db, "CREATE TABLE {$CFG->prefix}user (id serial PRIMARY KEY, username varchar(100))");
pg_query_params($db, "INSERT INTO {$CFG->prefix}config VALUES ('version', $1), ('siteadmin', $2)",
    ['2099010100', $options['adminuser']]);
pg_query($db, "INSERT INTO {$CFG->prefix}user (username) VALUES ('guest'), ('admin')");
$stall = (int)getenv('STANDIN_INSTALL_STALL');
if ($stall > 0) {
    echo "stand-in install_database.php: tables made, stalling {$stall} s before rolesactive\n";
    sleep($stall);
}
pg_query($db, "INSERT INTO {$CFG->prefix}config VALUES ('rolesactive', '1')");
file_put_contents("$CFG->dataroot/standin-installs.log", gethostname() . ' ' . getmypid() . "\n", FILE_APPEND | LOCK_EX);
echo "stand-in install_database.php: done\n";
