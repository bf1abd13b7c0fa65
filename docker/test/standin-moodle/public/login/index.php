<?php
// Stand-in (not Moodle) login page: shows what the image wired up, so the test
// can check PHP-FPM, the extensions, the rendered config, the database and Redis.
require(__DIR__ . '/../../config.php');
header('Content-Type: text/plain');
echo "stand-in login page (not Moodle)\n";
echo 'sapi: ', PHP_SAPI, "\n";
echo 'user: ', posix_getuid(), "\n";
echo 'moodlecache: ', class_exists('MoodleCache\RedisStore') ? 'loaded' : 'missing', "\n";
echo 'redis extension: ', phpversion('redis') ?: 'missing', "\n";
echo 'opcache: ', (function_exists('opcache_get_status') && opcache_get_status(false)) ? 'on' : 'off', "\n";
echo 'wwwroot: ', $CFG->wwwroot, "\n";
echo 'localcachedir: ', $CFG->localcachedir, "\n";
echo 'lock_factory: ', $CFG->lock_factory ?? '(default)', "\n";
// What the AWS SDK would find (Pod Identity), as PHP-FPM passes it through.
echo 'aws credentials uri: ', getenv('AWS_CONTAINER_CREDENTIALS_FULL_URI') ?: '(unset)', "\n";
echo 'aws access key in env: ', getenv('AWS_ACCESS_KEY_ID') === false ? 'no' : 'yes', "\n";
$result = pg_query(standin_db(), "SELECT value FROM {$CFG->prefix}config WHERE name = 'version'");
echo 'db version: ', pg_fetch_result($result, 0, 0), "\n";
if (!empty($CFG->session_redis_host)) {
    $redis = new Redis();
    $redis->connect($CFG->session_redis_host, $CFG->session_redis_port, 2);
    if (!empty($CFG->session_redis_auth)) {
        $redis->auth($CFG->session_redis_auth);
    }
    echo 'redis: ', $redis->ping() ? 'PONG' : 'no answer', "\n";
}
