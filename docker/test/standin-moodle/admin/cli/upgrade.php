<?php
// Stand-in (not Moodle) for admin/cli/upgrade.php: never has an upgrade pending.
define('CLI_SCRIPT', true);
require(__DIR__ . '/../../config.php');
$options = getopt('', ['is-pending', 'non-interactive']);
if (isset($options['is-pending'])) {
    exit(0);
}
echo "stand-in upgrade.php: nothing to upgrade (not Moodle)\n";
