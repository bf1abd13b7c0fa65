<?php

/** @generate-class-entries */

namespace MoodleCache;

/**
 * Named exclusive locks in a directory shared by many hosts (Amazon EFS /
 * NFSv4.1, or a local filesystem): open-file-description locks on one file
 * per key, or an O_EXCL lease file where byte-range locks cannot be used.
 * A lock dies with its process (kill -9 included) and is released at
 * request end. Not recursive: acquiring a key this object holds fails.
 *
 * @strict-properties
 * @not-serializable
 */
final class FileLocks
{
    /**
     * @param string $directory an existing, writable directory (never
     *        created), not itself a symbolic link
     * @param array $options mode ('auto'|'ofd'|'lease'), max_open_files (int),
     *        lease_ms (int), backoff_min_us (int), backoff_max_us (int),
     *        verify_reuse (bool), owner_record (bool), host (string),
     *        group (string|int: the group whose members share the locks: files
     *        0660 and directories 02770 owned by it; default none: 0600, 0700)
     * @throws \ValueError for a bad option, named in the message
     * @throws Exception when the directory is missing, not a directory, a
     *         symbolic link or read-only
     */
    public function __construct(string $directory, array $options = []) {}

    /**
     * Takes the lock, retrying with jittered backoff for up to $timeout
     * seconds (0: one attempt). False when another owner held it until the
     * deadline, when this object already holds it, or on an I/O failure
     * (with one warning per request).
     * @throws \ValueError for an empty or too long key or a negative timeout
     * @throws Exception when the directory vanished or became read-only, or
     *         a symbolic link stands where the key's subdirectory or file should be
     */
    public function acquire(string $key, float $timeout = 0.0): bool {}

    /** False when this object does not hold the key, or held a lost lock (warning). */
    public function release(string $key): bool {}

    /** Releases every lock this object holds; returns how many. */
    public function releaseAll(): int {}

    /** Whether anyone (this object included) holds the key. */
    public function isLocked(string $key): bool {}

    /** Whether this object holds the key (no I/O). */
    public function holds(string $key): bool {}

    /**
     * The holder's record: host, pid, boot_id, acquired_at (Unix time, the
     * holder's clock), generation, key (escaped) and, for leases, expires_at.
     * Null when free; pid -1 when held but the record is unreadable.
     */
    public function owner(string $key): ?array {}

    /**
     * Breaks the lock whoever holds it (administrators). True when a lock
     * was broken or released, false when it was free.
     */
    public function forceRelease(string $key): bool {}

    /** The lock file of a key, for diagnosis. */
    public function lockFile(string $key): string {}

    /** Mode, filesystem and counters. */
    public function stats(): array {}
}
