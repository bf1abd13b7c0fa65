<?php

/** @generate-class-entries */

namespace MoodleCache;

/**
 * A Moodle cache store on Redis/Valkey/ElastiCache. Every method costs at
 * most one network round trip. A network failure is a miss (false, 0 or an
 * empty array) plus at most one E_WARNING per request, never an exception.
 *
 * @strict-properties
 * @not-serializable
 */
final class RedisStore
{
    /**
     * @param array $options see the README for each option
     * @throws \ValueError|\TypeError|Exception for a bad option, named in the message
     */
    public function __construct(array $options) {}

    public function get(string $definition, string $key): mixed {}

    /** Every asked key is in the result; false for a miss. */
    public function getMany(string $definition, array $keys): array {}

    public function set(string $definition, string $key, mixed $value, int $ttl = 0): bool {}

    /** @return int the number of items stored */
    public function setMany(string $definition, array $items, int $ttl = 0): int {}

    public function delete(string $definition, string $key): bool {}

    public function deleteMany(string $definition, array $keys): int {}

    public function has(string $definition, string $key): bool {}

    public function hasAny(string $definition, array $keys): bool {}

    public function hasAll(string $definition, array $keys): bool {}

    public function purge(string $definition): bool {}

    public function purgeAll(): bool {}

    public function findAll(string $definition): array {}

    public function findByPrefix(string $definition, string $prefix): array {}

    public function acquireLock(string $definition, string $key, string $owner, int $ttlMs): bool {}

    public function releaseLock(string $definition, string $key, string $owner): bool {}

    public function checkLockState(string $definition, string $key, string $owner): ?bool {}

    public function stats(): array {}

    /**
     * Waits until this node has applied every near-cache invalidation Redis
     * sent before the call. False when the near cache is off or not trusted
     * by the deadline (reads then go to Redis).
     */
    public function nearCacheSync(float $timeout = 1.0): bool {}

    /** The last failure in words, or null when the last call succeeded. */
    public function lastError(): ?string {}
}
