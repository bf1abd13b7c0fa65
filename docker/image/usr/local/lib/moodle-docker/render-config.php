<?php
// Prints Moodle's settings as PHP, from environment variables and mounted
// secret files; moodle-entrypoint writes the output to /run/moodle/config.php
// (mode 0600) at every start. Exits 1 naming the variable when one is wrong.
// Every value goes through var_export, so no input can inject PHP.

require(__DIR__ . '/env.php');
require(__DIR__ . '/objectfs.php');

$dbtype = env('MOODLE_DB_TYPE', 'pgsql');
if (!in_array($dbtype, ['pgsql', 'mariadb', 'mysqli'], true)) {
    fail("MOODLE_DB_TYPE must be pgsql, mariadb or mysqli, not '$dbtype'");
}
$wwwroot = rtrim(env_required('MOODLE_WWWROOT'), '/');
if (!preg_match('#^https?://[^/\s]+(/\S*)?$#', $wwwroot)) {
    fail("MOODLE_WWWROOT must be an http:// or https:// URL, not '$wwwroot'");
}

$cfg = [
    'dbtype' => $dbtype,
    'dblibrary' => 'native',
    'dbhost' => env_required('MOODLE_DB_HOST'),
    'dbname' => env_required('MOODLE_DB_NAME'),
    'dbuser' => env_required('MOODLE_DB_USER'),
    'dbpass' => secret_required('MOODLE_DB_PASSWORD'),
    'prefix' => 'mdl_',
    'dboptions' => [
        'dbpersist' => 0,
        'dbport' => env_int('MOODLE_DB_PORT', $dbtype === 'pgsql' ? 5432 : 3306),
        'dbsocket' => '',
    ],
    'wwwroot' => $wwwroot,
    'dataroot' => env('MOODLE_DATAROOT', '/var/moodledata'),
    // Per-pod cache on local disk; Moodle keeps the shared ones in dataroot.
    'localcachedir' => env('MOODLE_LOCALCACHEDIR', '/var/cache/moodle-local'),
    'admin' => 'admin',
    'directorypermissions' => 02770,
    'sslproxy' => env_bool('MOODLE_SSLPROXY', false),
    'reverseproxy' => env_bool('MOODLE_REVERSEPROXY', false),
    // The code is read-only in the image: no plugin installs from the web,
    // no executable paths set from the web, nginx routes to r.php.
    'disableupdateautodeploy' => true,
    'preventexecpath' => true,
    'routerconfigured' => true,
    'pathtophp' => '/usr/bin/php',
    'xsendfile' => 'X-Accel-Redirect',
];
if ($dbtype !== 'pgsql') {
    $cfg['dboptions']['dbcollation'] = 'utf8mb4_unicode_ci';
}
$cfg['xsendfilealiases'] = [
    '/dataroot/' => $cfg['dataroot'],
    '/localcachedir/' => $cfg['localcachedir'],
];

// Sessions in Redis / Valkey / ElastiCache (phpredis, Moodle's handler).
$redis = redis_settings();
if ($redis !== null) {
    $cfg['session_handler_class'] = '\core\session\redis';
    $cfg['session_redis_host'] = $redis['host'];
    $cfg['session_redis_port'] = $redis['port'];
    $cfg['session_redis_database'] = 0;
    $cfg['session_redis_prefix'] = 'sess_' . $cfg['dbname'] . '_';
    $cfg['session_redis_acquire_lock_timeout'] = 120;
    $cfg['session_redis_lock_expire'] = 7200;
    $cfg['session_redis_serializer_use_igbinary'] = true;
    if ($redis['password'] !== '') {
        $cfg['session_redis_auth'] = $redis['password'];
    }
    if ($redis['tls']) {
        $cfg['session_redis_encrypt'] = [
            'verify_peer' => true,
            'verify_peer_name' => true,
            'cafile' => '/etc/ssl/certs/ca-certificates.crt',
        ];
    }
}

$lockfactory = env('MOODLE_LOCK_FACTORY', '');
if ($lockfactory === 'moodlecache') {
    // EFS-aware locks of cachelock_moodlecache (moodle-plugin/).
    $cfg['lock_factory'] = '\cachelock_moodlecache\lock_factory';
} else if ($lockfactory !== '') {
    fail("MOODLE_LOCK_FACTORY must be 'moodlecache' or empty, not '$lockfactory'");
}

// Moodle's files on S3 through tool_objectfs, when a bucket is set.
$objectfs = objectfs_settings(trim(file_get_contents(__DIR__ . '/coderoot')));
if ($objectfs !== null) {
    $cfg['alternative_file_system_class'] = $objectfs['filesystem'];
    $cfg['forced_plugin_settings'] = ['tool_objectfs' => $objectfs];
}

echo "<?php  // Rendered by render-config.php at container start. Do not edit.\n";
echo "// Loaded by /opt/moodle/config.php, which then runs Moodle's lib/setup.php.\n\n";
echo "\$CFG = new stdClass();\n";
foreach ($cfg as $name => $value) {
    echo '$CFG->' . $name . ' = ' . var_export($value, true) . ";\n";
}
