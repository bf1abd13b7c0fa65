/*
 * near_cache.h - the near cache seen from RedisStore: per-store state and
 * the hooks the store's methods call.  The shared-memory cache itself is
 * src/nearcache.h, its listener src/tracking.h.
 *
 * Hooks run after the store's begin() (they use store->tag, "{P:D}"):
 * get/getMany look in the near cache first and take a fill token for each
 * key they must read from Redis; the fill after the reply installs the
 * frame unless an invalidation arrived meanwhile.  Entries are keyed
 * "{P:D}:<key>" and grouped by their tag "{P:D}" (the definition).  Writes
 * invalidate on this node as soon as Redis answered (other nodes hear it
 * from their listeners): their definition, or with the per-key layout
 * their keys; purgeAll flushes this store's channel.
 */
#ifndef MC_NEAR_CACHE_H
#define MC_NEAR_CACHE_H

#include "php.h"
#include "buf.h"
#include "nearcache.h"
#include "redis.h"

typedef struct mc_redis_store mc_redis_store;

typedef struct mc_near_counters {
    uint64_t hits, misses, fills, fill_drops;
} mc_near_counters;

typedef struct mc_near_store {
    bool enabled;                 /* option near_cache and a cache in this process */
    uint32_t chan;
    HashTable *exclude;           /* definitions never near-cached (keys), or NULL */
    mc_redis_options listen;      /* the listener's connection; strings owned below */
    char *owned[9];
    mc_buf prefix;                /* "{P:", the BCAST prefix of this store's keys */
    mc_buf key;                   /* "{P:D}:<key>" of the current lookup */
    mc_buf scratch;               /* an entry copied out of shared memory */
    mc_nc_token token;            /* get(): taken before the GET */
    mc_nc_token *tokens;          /* getMany(): one per key */
    uint32_t tokens_cap;
    mc_near_counters counters;
} mc_near_store;

/* Module start-up / shut-down (INI entries and the shared mapping). */
void mc_near_minit(int type, int module_number);
void mc_near_mshutdown(int type, int module_number);
void mc_near_minfo(zend_module_entry *zend_module);

/* Options: near_cache (bool), near_cache_exclude (list of definitions).
 * conn: the store's connection options (copied).  false with an exception. */
bool mc_near_configure(mc_redis_store *store, HashTable *options, const mc_redis_options *conn);
void mc_near_free(mc_redis_store *store);

/* get(): true with rv set when served from the near cache. */
bool mc_near_get(mc_redis_store *store, zend_string *definition, zend_string *key, zval *rv);
/* get(): reply decoded as a hit: install it (token permitting). */
void mc_near_fill(mc_redis_store *store, const redisReply *reply);

/* getMany(): puts every key into result in order (hits with their value,
 * others false) and marks in missing[] (count entries) those to read from
 * Redis; returns how many.  Returns count, touching nothing, when the near
 * cache does not apply. */
uint32_t mc_near_get_many(mc_redis_store *store, zend_string *definition, zend_string **keys,
                          uint32_t count, zval *result, bool *missing);
/* getMany(): key i was read from Redis as reply (a hit). */
void mc_near_fill_many(mc_redis_store *store, uint32_t i, zend_string *key, const redisReply *reply);

/* After a write of the current definition (set, setMany, delete,
 * deleteMany, purge; even a failed one): drops every entry of the
 * definition on this node and fails its fills in flight. */
void mc_near_invalidate_definition(mc_redis_store *store);
/* After purgeAll: flushes the channel. */
void mc_near_flush(mc_redis_store *store);

/* RedisStore::nearCacheSync(): true once every invalidation Redis sent
 * before the call has been applied on this node; false when the near cache
 * is off or not (yet) trusted by the deadline (reads then go to Redis). */
bool mc_near_sync(mc_redis_store *store, double timeout);

/* Adds near_* entries to a stats() array. */
void mc_near_stats(mc_redis_store *store, zval *array);

#endif
