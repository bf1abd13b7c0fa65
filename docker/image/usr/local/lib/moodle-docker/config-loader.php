<?php  // Moodle configuration file of the moodlecache/moodle image.
// Settings come from environment variables and secret files: the entrypoint
// renders them into /run/moodle/config.php at container start (see
// /usr/local/lib/moodle-docker/render-config.php). Nothing here is secret.

unset($CFG);
global $CFG;
if (!is_readable('/run/moodle/config.php')) {
    if (PHP_SAPI !== 'cli') {
        http_response_code(503);
    }
    echo "Moodle is not configured: /run/moodle/config.php is missing. "
        . "Start the container through its entrypoint.\n";
    exit(1);
}
require('/run/moodle/config.php');
require_once(__DIR__ . '/lib/setup.php');
