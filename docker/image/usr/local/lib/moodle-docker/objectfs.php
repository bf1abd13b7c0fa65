<?php
// Settings of tool_objectfs (Moodle's file store on S3) from the environment,
// for render-config.php. Forced in config.php ($CFG->forced_plugin_settings),
// so the admin pages show them and cannot change them. Credentials come from
// the AWS SDK's default chain (EKS Pod Identity or IRSA on a cluster): no key
// is ever written here.

/**
 * tool_objectfs settings when MOODLE_S3_BUCKET is set, else null. Fails when
 * the plugin is not in the code root (every page would die on the missing
 * file system class) or a value is wrong.
 */
function objectfs_settings(string $coderoot): ?array {
    $bucket = env('MOODLE_S3_BUCKET');
    if ($bucket === '') {
        return null;
    }
    if (!is_file("$coderoot/admin/tool/objectfs/version.php")) {
        fail('MOODLE_S3_BUCKET is set but tool_objectfs is not in this image: build it with MOODLE_EXTRA_PLUGINS_DIR '
            . 'holding admin/tool/objectfs and local/aws (docker/README.md)');
    }
    if (!preg_match('/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/', $bucket)) {
        fail("MOODLE_S3_BUCKET must be an S3 bucket name, not '$bucket'");
    }
    $region = env_required('MOODLE_S3_REGION');
    if (!preg_match('/^[a-z]{2}(-[a-z]+)+-[0-9]+$/', $region)) {
        fail("MOODLE_S3_REGION must be an AWS region such as eu-west-1, not '$region'");
    }
    $endpoint = env('MOODLE_S3_ENDPOINT');
    if ($endpoint !== '' && !preg_match('#^https?://[^/\s]+/?$#', $endpoint)) {
        fail("MOODLE_S3_ENDPOINT must be an http(s) URL of an S3-compatible server, not '$endpoint'");
    }
    $filesystem = '\tool_objectfs\s3_file_system';
    return [
        'filesystem' => $filesystem,
        'enabletasks' => 1,
        's3_bucket' => $bucket,
        's3_region' => $region,
        's3_base_url' => $endpoint,
        's3_usesdkcreds' => 1,
        's3_key' => '',
        's3_secret' => '',
        // Files leave moodledata once they are safely in S3.
        'deletelocal' => env_bool('MOODLE_OBJECTFS_DELETE_LOCAL', true) ? 1 : 0,
        'sizethreshold' => env_count('MOODLE_OBJECTFS_SIZE_THRESHOLD', 10240),
        'minimumage' => env_count('MOODLE_OBJECTFS_MINIMUM_AGE', 86400),
        'consistencydelay' => env_count('MOODLE_OBJECTFS_CONSISTENCY_DELAY', 600),
        // Objects are never deleted from the bucket (its role cannot either).
        'deleteexternal' => 0,
    ];
}
