<?php
// Reading the image's settings from the environment and from mounted secret
// files, shared by render-config.php, install-or-upgrade.php, map-caches.php.

/** Prints a message naming the problem and exits 1. */
function fail(string $message): void {
    fwrite(STDERR, "moodle-docker: $message\n");
    exit(1);
}

/** An environment variable, or $default when unset or empty. */
function env(string $name, string $default = ''): string {
    $value = getenv($name);
    return ($value === false || $value === '') ? $default : $value;
}

function env_required(string $name): string {
    $value = env($name);
    if ($value === '') {
        fail("$name must be set");
    }
    return $value;
}

function env_int(string $name, int $default): int {
    $value = env($name, (string)$default);
    if (!ctype_digit($value) || (int)$value < 1 || (int)$value > 65535) {
        fail("$name must be a port number, not '$value'");
    }
    return (int)$value;
}

/** A whole number of at least 0 (bytes, seconds). */
function env_count(string $name, int $default): int {
    $value = env($name, (string)$default);
    if (!ctype_digit($value)) {
        fail("$name must be a whole number, not '$value'");
    }
    return (int)$value;
}

function env_bool(string $name, bool $default): bool {
    $value = strtolower(env($name, $default ? 'true' : 'false'));
    if (in_array($value, ['true', '1', 'yes', 'on'], true)) {
        return true;
    }
    if (in_array($value, ['false', '0', 'no', 'off'], true)) {
        return false;
    }
    fail("$name must be true or false, not '$value'");
}

/**
 * A secret: the content of the file named by NAME_FILE (one trailing newline
 * dropped), else the variable NAME itself, else ''.
 */
function secret(string $name): string {
    $file = env($name . '_FILE');
    if ($file !== '') {
        if (!is_readable($file)) {
            fail("{$name}_FILE names '$file', which is not a readable file");
        }
        return rtrim(file_get_contents($file), "\r\n");
    }
    return env($name);
}

function secret_required(string $name): string {
    $value = secret($name);
    if ($value === '') {
        fail("{$name}_FILE or $name must be set");
    }
    return $value;
}

/** MOODLE_NEAR_CACHE (default on): the application cache's store keeps a near cache. */
function near_cache_wanted(): bool {
    return env_bool('MOODLE_NEAR_CACHE', true);
}

/** Redis settings when MOODLE_REDIS_HOST is set, else null. */
function redis_settings(): ?array {
    $host = env('MOODLE_REDIS_HOST');
    if ($host === '') {
        return null;
    }
    if (!preg_match('/^[A-Za-z0-9.\-]+$/', $host)) {
        fail("MOODLE_REDIS_HOST must be a host name or address, not '$host'");
    }
    return [
        'host' => $host,
        'port' => env_int('MOODLE_REDIS_PORT', 6379),
        'tls' => env_bool('MOODLE_REDIS_TLS', false),
        'password' => secret('MOODLE_REDIS_PASSWORD'),
    ];
}
