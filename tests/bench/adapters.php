<?php
// Benchmark adapters: one small class per contender, all with the same
// methods, so the workload times identical operations on each.

declare(strict_types=1);

interface BenchStore
{
    public function get(string $key): mixed;
    public function getMany(array $keys): array;
    public function set(string $key, mixed $value): bool;
    public function setMany(array $items): int;
    public function purge(): bool;
}

/** Our extension, one definition. */
final class MoodlecacheBench implements BenchStore
{
    private \MoodleCache\RedisStore $store;

    public function __construct(string $server, string $compression, private string $definition = 'bench/def')
    {
        $this->store = new \MoodleCache\RedisStore([
            'server' => $server,
            'prefix' => 'bench_mc_',
            'compression' => $compression,
            'compression_threshold' => 4096,
        ]);
    }

    public function get(string $key): mixed { return $this->store->get($this->definition, $key); }
    public function getMany(array $keys): array { return $this->store->getMany($this->definition, $keys); }
    public function set(string $key, mixed $value): bool { return $this->store->set($this->definition, $key, $value); }
    public function setMany(array $items): int { return $this->store->setMany($this->definition, $items); }
    public function purge(): bool { return $this->store->purge($this->definition); }
}

/**
 * phpredis used the way Moodle's cachestore_redis uses it: one hash per
 * definition (hGet/hMGet/hSet/hMSet/del), phpredis's PHP serializer when no
 * compressor is set, else serialize() + the compressor in PHP (gzip here:
 * cachestore_redis offers zstd only with the zstd PHP extension, which
 * Debian does not package).
 */
final class CachestoreRedisStyleBench implements BenchStore
{
    private \Redis $redis;
    private string $hash;

    public function __construct(string $host, int $port, private bool $gzip)
    {
        $this->redis = new \Redis();
        $this->redis->connect($host, $port, 1.0);
        $this->redis->setOption(\Redis::OPT_PREFIX, 'bench_pr_');
        $this->redis->setOption(\Redis::OPT_SERIALIZER, $gzip ? \Redis::SERIALIZER_NONE : \Redis::SERIALIZER_PHP);
        $this->hash = 'bench/def' . ($gzip ? '-gz' : '');
    }

    private function compress(mixed $value): mixed
    {
        return $this->gzip ? gzencode(serialize($value)) : $value;
    }

    private function uncompress(mixed $value): mixed
    {
        return ($this->gzip && $value !== false) ? unserialize(gzdecode($value)) : $value;
    }

    public function get(string $key): mixed { return $this->uncompress($this->redis->hGet($this->hash, $key)); }

    public function getMany(array $keys): array
    {
        $values = $this->redis->hMGet($this->hash, $keys);
        $result = [];
        foreach ($keys as $key) {
            $result[$key] = $this->uncompress($values[$key] ?? false);
        }
        return $result;
    }

    public function set(string $key, mixed $value): bool
    {
        return $this->redis->hSet($this->hash, $key, $this->compress($value)) !== false;
    }

    public function setMany(array $items): int
    {
        $pairs = [];
        foreach ($items as $key => $value) {
            $pairs[$key] = $this->compress($value);
        }
        return $this->redis->hMSet($this->hash, $pairs) ? count($pairs) : 0;
    }

    public function purge(): bool { return $this->redis->del($this->hash) !== false; }

    /** As cachestore_redis::has(): hExists. */
    public function has(string $key): bool { return (bool)$this->redis->hExists($this->hash, $key); }

    /** As cachestore_redis::set() for a definition with a TTL: hSet, then zAdd to the TTL set. */
    public function setTtl(string $key, mixed $value, int $ttl): bool
    {
        $ok = $this->redis->hSet($this->hash, $key, $this->compress($value)) !== false;
        $this->redis->zAdd($this->hash . '_ttl', [], time(), $key);
        return $ok;
    }
}

/** APCu: the local physical limit (no network, one node only). */
final class ApcuBench implements BenchStore
{
    public function get(string $key): mixed { return apcu_fetch('bench:' . $key); }

    public function getMany(array $keys): array
    {
        $result = [];
        foreach ($keys as $key) {
            $result[$key] = apcu_fetch('bench:' . $key);
        }
        return $result;
    }

    public function set(string $key, mixed $value): bool { return apcu_store('bench:' . $key, $value); }

    public function setMany(array $items): int
    {
        $prefixed = [];
        foreach ($items as $key => $value) {
            $prefixed['bench:' . $key] = $value;
        }
        return count($items) - count(apcu_store($prefixed));
    }

    public function purge(): bool { return apcu_clear_cache(); }

    public function has(string $key): bool { return apcu_exists('bench:' . $key); }

    public function setTtl(string $key, mixed $value, int $ttl): bool { return apcu_store('bench:' . $key, $value, $ttl); }
}

/** Our MemcachedStore, one definition. */
final class MoodlecacheMemcachedBench implements BenchStore
{
    private \MoodleCache\MemcachedStore $store;

    public function __construct(array $servers, private string $definition = 'bench/def')
    {
        $this->store = new \MoodleCache\MemcachedStore([
            'servers' => $servers,
            'prefix' => 'bench_mc_',
            'compression' => 'zstd',
            'compression_threshold' => 2000,
        ]);
    }

    public function get(string $key): mixed { return $this->store->get($this->definition, $key); }
    public function getMany(array $keys): array { return $this->store->getMany($this->definition, $keys); }
    public function set(string $key, mixed $value): bool { return $this->store->set($this->definition, $key, $value); }
    public function setMany(array $items): int { return $this->store->setMany($this->definition, $items); }
    public function purge(): bool { return $this->store->purge($this->definition); }
}

/**
 * php-memcached used the way Moodle's cachestore_memcached (Moodle 4.1, the
 * last to ship it) uses it: OPT_COMPRESSION on (its default), PHP
 * serializer, OPT_PREFIX_KEY, default hash and distribution, no buffered
 * writes, text protocol; getMulti/setMulti; purge() flushes every server
 * (its behaviour unless the pool is marked shared).
 */
final class CachestoreMemcachedStyleBench implements BenchStore
{
    private \Memcached $mc;

    public function __construct(array $servers)
    {
        $this->mc = new \Memcached();
        $this->mc->setOption(\Memcached::OPT_COMPRESSION, true);
        $this->mc->setOption(\Memcached::OPT_SERIALIZER, \Memcached::SERIALIZER_PHP);
        $this->mc->setOption(\Memcached::OPT_PREFIX_KEY, 'bench_pm_');
        $this->mc->setOption(\Memcached::OPT_HASH, \Memcached::HASH_DEFAULT);
        $this->mc->setOption(\Memcached::OPT_BUFFER_WRITES, false);
        foreach ($servers as $server) {
            [$host, $port] = explode(':', $server);
            $this->mc->addServer($host, (int)$port, 100);
        }
    }

    public function get(string $key): mixed { return $this->mc->get($key); }

    public function getMany(array $keys): array
    {
        $found = $this->mc->getMulti($keys);
        $result = [];
        foreach ($keys as $key) {
            $result[$key] = is_array($found) && array_key_exists($key, $found) ? $found[$key] : false;
        }
        return $result;
    }

    public function set(string $key, mixed $value): bool { return $this->mc->set($key, $value); }
    public function setMany(array $items): int { return $this->mc->setMulti($items) ? count($items) : 0; }
    public function purge(): bool { return $this->mc->flush(); }
}

/** Our RedisStore in cluster mode, one definition. */
final class MoodlecacheClusterBench implements BenchStore
{
    private \MoodleCache\RedisStore $store;

    public function __construct(array $seeds, private string $definition = 'bench/def')
    {
        $this->store = new \MoodleCache\RedisStore(['cluster' => true, 'servers' => $seeds, 'prefix' => 'bench_mc_']);
    }

    public function get(string $key): mixed { return $this->store->get($this->definition, $key); }
    public function getMany(array $keys): array { return $this->store->getMany($this->definition, $keys); }
    public function set(string $key, mixed $value): bool { return $this->store->set($this->definition, $key, $value); }
    public function setMany(array $items): int { return $this->store->setMany($this->definition, $items); }
    public function purge(): bool { return $this->store->purge($this->definition); }
}

/** phpredis's RedisCluster used as cachestore_redis uses a cluster: one hash per definition. */
final class CachestoreRedisClusterStyleBench implements BenchStore
{
    private \RedisCluster $redis;
    private string $hash = 'bench/def';

    public function __construct(array $seeds)
    {
        $this->redis = new \RedisCluster(null, array_map(fn($s) => preg_replace('#^tcp://#', '', $s), $seeds), 1.0, 1.0);
        $this->redis->setOption(\Redis::OPT_PREFIX, 'bench_pr_');
        $this->redis->setOption(\Redis::OPT_SERIALIZER, \Redis::SERIALIZER_PHP);
    }

    public function get(string $key): mixed { return $this->redis->hGet($this->hash, $key); }

    public function getMany(array $keys): array
    {
        $values = $this->redis->hMGet($this->hash, $keys);
        $result = [];
        foreach ($keys as $key) {
            $result[$key] = $values[$key] ?? false;
        }
        return $result;
    }

    public function set(string $key, mixed $value): bool { return $this->redis->hSet($this->hash, $key, $value) !== false; }
    public function setMany(array $items): int { return $this->redis->hMSet($this->hash, $items) ? count($items) : 0; }
    public function purge(): bool { return $this->redis->del($this->hash) !== false; }
}
