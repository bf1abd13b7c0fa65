<?php
// Stand-in (not Moodle) for admin/cli/cron.php: records each run in moodledata.
define('CLI_SCRIPT', true);
require(__DIR__ . '/../../config.php');
file_put_contents("$CFG->dataroot/standin-cron.log", date('c') . "\n", FILE_APPEND | LOCK_EX);
echo "stand-in cron.php: ran (not Moodle)\n";
