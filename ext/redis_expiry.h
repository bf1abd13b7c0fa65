/*
 * redis_expiry.h - where RedisStore keeps expiry, and the calls that must
 * see it: has/hasAny/hasAll and findAll/findByPrefix (layout.h).
 *
 * A server with hash-field expiry (Redis 7.4+, Valkey 9+; found when the
 * connection was made, redis.h) gets HSET + HEXPIREAT: the server deletes
 * fields when due, and has/find are plain commands (HPTTL, HKEYS).  An older
 * server gets the sorted set {P:D}#t and the reaper script, and has/find
 * are read-only scripts.  Data an older version wrote on a newer server
 * (an upgrade) is converted by MC_LUA_MIGRATE the first time has or find
 * meets its {P:D}#t.  Frames carry their expiry either way, so a field
 * whose server-side expiry failed is still a miss when it is due.
 *
 * The reaper only reclaims memory (a frame that is due is a miss either
 * way), so it runs at most once per reap_interval (option, default 1 s) per
 * definition and node (PHP process where there is no near-cache mapping),
 * and at once again while a run finds its limit of 256 members due.  Moodle's session caches write __lastaccess__
 * with a TTL on every request: without this, each page paid the script
 * (about 40 us of server time, and its commands) two or three times.
 */
#ifndef MC_REDIS_EXPIRY_H
#define MC_REDIS_EXPIRY_H

#include "php.h"
#include "redis_store.h"

/* The TTL bookkeeping queued after a write, for mc_expiry_check. */
#define MC_DEFAULT_REAP_INTERVAL 1.0       /* seconds */
#define MC_REAP_LIMIT 256                   /* members a reaper run looks at (MC_LUA_REAP) */

typedef struct mc_expiry_queued {
    size_t first;       /* index of its first reply */
    bool native;        /* HEXPIREAT (one reply), else ZADD (+ the reaper when due) */
    bool reap;          /* the reaper was queued */
} mc_expiry_queued;

/* The call's server has hash-field expiry (connecting first if the call's
 * connection is not open: the call needs it anyway). */
bool mc_expiry_native(mc_redis_store *store);

/* Queues the bookkeeping of keys[0..count) just queued for writing, whose
 * frames are at offsets[] in store->frames; adds its commands to *commands. */
bool mc_expiry_queue(mc_redis_store *store, zend_string **keys, const size_t *offsets, uint32_t count,
                     size_t *commands, mc_expiry_queued *queued);
/* After the call ran: true if the bookkeeping worked (a reaper the server
 * had lost is loaded and run again); false with the failure reported. */
bool mc_expiry_check(mc_redis_store *store, const char *method, redisReply **replies,
                     const mc_expiry_queued *queued);

/* How many of keys[0..count) (distinct) are present and not expired, in one
 * round trip (two when old-layout data is converted first); -1 on failure
 * (reported). */
zend_long mc_expiry_count(mc_redis_store *store, const char *method, zend_string *definition,
                          zend_string **keys, uint32_t count);

/* The definition's keys that start with prefix ("" for all), not expired,
 * appended to result (a PHP list); false on failure (reported). */
bool mc_expiry_find(mc_redis_store *store, const char *method, zend_string *definition,
                    zend_string *prefix, zval *result);

#endif
