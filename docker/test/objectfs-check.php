<?php
// Moodle's files on S3 through tool_objectfs, checked inside the image against
// the S3-compatible server tests/suites/60-docker-image.sh started: a file
// stored through Moodle's file API is pushed to the bucket and dropped from
// moodledata by objectfs's own scheduled tasks (as cron runs them), then read
// back through Moodle. Prints "objectfs-check: ..." lines; exits 1 on a failure.
define('CLI_SCRIPT', true);
require('/opt/moodle/config.php');

function check(bool $ok, string $what): void {
    echo 'objectfs-check: ', $ok ? 'ok' : 'FAILED', " - $what\n";
    if (!$ok) {
        exit(1);
    }
}

$config = \tool_objectfs\local\manager::get_objectfs_config();
check($config->filesystem === '\tool_objectfs\s3_file_system' && $config->s3_bucket === getenv('MOODLE_S3_BUCKET'),
    "settings forced from the environment (bucket {$config->s3_bucket})");
$storage = get_file_storage();
check($storage->get_file_system() instanceof \tool_objectfs\s3_file_system, 'Moodle\'s file system is objectfs\'s S3 one');

$content = 'moodlecache objectfs check ' . random_string(40) . "\n";
$file = $storage->create_file_from_string(['contextid' => context_system::instance()->id, 'component' => 'tool_objectfs',
    'filearea' => 'moodlecachecheck', 'itemid' => 0, 'filepath' => '/', 'filename' => 'check-' . time() . '.txt'], $content);
$hash = $file->get_contenthash();
echo "objectfs-check: stored $hash\n";
$local = $CFG->dataroot . '/filedir/' . substr($hash, 0, 2) . '/' . substr($hash, 2, 2) . '/' . $hash;
check(is_file($local), 'the new file is in moodledata first');

foreach (['push_objects_to_storage', 'delete_local_objects'] as $task) {
    $class = "\\tool_objectfs\\task\\$task";
    (new $class())->execute();
}
$location = (int)$DB->get_field('tool_objectfs_objects', 'location', ['contenthash' => $hash]);
check($location === OBJECT_LOCATION_EXTERNAL, "objectfs records the file as external only (location $location)");
clearstatcache();
check(!is_file($local), 'the local copy is gone from moodledata');
$again = $storage->get_file_by_hash($file->get_pathnamehash());
check($again->get_content() === $content, 'the content reads back through Moodle, from the bucket');
echo "objectfs-check: pushed $hash\n";
