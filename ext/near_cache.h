/*
 * near_cache.h - the near cache seen from RedisStore: per-store state and
 * the hooks the store's methods call.  The shared-memory cache itself is
 * src/nearcache.h, its listener src/listener.h, the announcements
 * src/announce.h.
 *
 * Hooks run after the store's begin() (they use store->tag, "{P:D}"):
 * get/getMany look in the near cache first and take a fill token for each
 * key they must read from Redis; the fill after the reply installs the
 * frame unless an invalidation arrived meanwhile.  Entries are named
 * "{P:D}:<key>" and grouped by their tag "{P:D}" (the definition).
 *
 * Every change the store makes is announced in the same pipeline
 * (PUBLISH, see announce.h) so that every node's listener drops exactly
 * what changed: the keys written or deleted, the definition purged, the
 * prefix for purgeAll.  A store announces whenever its option near_cache
 * is on, also in a process without a near cache of its own (a CLI cron
 * run), because other nodes' near caches depend on it; definitions in
 * near_cache_exclude are not announced.  So every store of one prefix must
 * have the same near_cache and near_cache_exclude (a Moodle store instance
 * does).  Changes to keys go on the node's own channel while its listener
 * proves that every other node hears it (src/quiet.h), else on the shared
 * one.  On this node the change is also applied as soon as Redis
 * answered, so a read after a write on the same node sees the write: a
 * written value is installed at once, served once its own announcement
 * comes back, or at once when it was quiet (write-through,
 * mc_near_write_begin).
 */
#ifndef MC_NEAR_CACHE_H
#define MC_NEAR_CACHE_H

#include "php.h"
#include "announce.h"
#include "buf.h"
#include "nearcache.h"
#include "redis.h"

typedef struct mc_redis_store mc_redis_store;

typedef struct mc_near_counters {
    uint64_t hits, absent_hits, misses, fills, fill_drops, write_arounds, announce_errors;
    uint64_t quiet_announcements, quiet_unsent, reannouncements;
} mc_near_counters;

typedef struct mc_near_store {
    bool announce;                /* option near_cache: this store announces its changes */
    bool enabled;                 /* ... and this process has a near cache it uses */
    bool foreign;                 /* option near_cache_foreign_writes (listener.h) */
    bool use;                     /* option near_cache, and no reads from replicas */
    uint32_t chan;
    uint32_t warned_seq;          /* the listener error last reported by this process */
    HashTable *exclude;           /* definitions never near-cached (keys), or NULL */
    mc_redis_options listen;      /* the listener's connections; strings owned below */
    char *owned[9];
    char **seed_hosts;            /* cluster seeds, owned (persistent) */
    int *seed_ports;
    size_t nseeds;
    int database;
    mc_buf channel;               /* the announcement channel (announce.h) */
    mc_buf node_channel;          /* this node's own one (quiet.h); empty: never quiet here */
    uint64_t quiet_stamp;         /* the call announces quietly under this proof (0: on channel) */
    bool quiet_stands;            /* ... and it stood when Redis answered */
    bool published;               /* the call's pipeline carries its announcement's PUBLISH */
    bool drop_epoch;              /* an announcement failed: mc_near_after_call deletes the epoch key */
    bool quiet_refused;           /* a quiet PUBLISH was refused: this process stays on channel */
    mc_buf message;               /* the announcement being built */
    mc_buf key;                   /* "{P:D}:<key>" of the current lookup */
    mc_buf scratch;               /* an entry copied out of shared memory */
    mc_nc_token token;            /* get(): taken before the GET */
    mc_nc_token *tokens;          /* getMany(): one per key */
    uint64_t write_id;            /* set/setMany: announced as WRITTEN (0: a plain KEYS) */
    uint32_t tokens_cap;
    mc_near_counters counters;
} mc_near_store;

/* This process's shared mapping (the node's), or NULL when it has none. */
mc_nc *mc_near_shared(void);

/* Module start-up / shut-down (INI entries and the shared mapping). */
void mc_near_minit(int type, int module_number);
void mc_near_mshutdown(int type, int module_number);
void mc_near_minfo(zend_module_entry *zend_module);

/* Options near_cache (bool, default true), near_cache_exclude (list of
 * definitions) and near_cache_foreign_writes (bool, default false).
 * replicas: the store reads from replicas (then the near cache is off: a
 * replica may answer with a value older than an invalidation already
 * applied; asking for both is an error).  false with an exception. */
bool mc_near_options(mc_redis_store *store, HashTable *options, bool replicas);
/* After mc_near_options and store->ident: the announcement channel, and
 * this process's near cache channel for the store's identity.  conn: the
 * store's connection options (copied; in a cluster the node template,
 * after mc_near_set_seeds).  false with an exception. */
bool mc_near_attach(mc_redis_store *store, const mc_redis_options *conn);
/* A cluster store's seed nodes (copied), before mc_near_configure. */
void mc_near_set_seeds(mc_redis_store *store, const char *const *hosts, const int *ports, size_t n);
void mc_near_free(mc_redis_store *store);

/* get(): true with rv set when the near cache answered: its value, or
 * false for a key it knows Redis lately did not have. */
bool mc_near_get(mc_redis_store *store, zend_string *definition, zend_string *key, zval *rv);
/* get(): reply decoded as a hit, or nil (absent): install it (token
 * permitting; an absent key as an empty entry). */
void mc_near_fill(mc_redis_store *store, const redisReply *reply);

/* getMany(): puts every key into result in order (hits with their value,
 * others false; a key known absent is answered, false) and marks in missing[] (count entries) those to read from
 * Redis; returns how many.  Returns count, touching nothing, when the near
 * cache does not apply. */
uint32_t mc_near_get_many(mc_redis_store *store, zend_string *definition, zend_string **keys,
                          uint32_t count, zval *result, bool *missing);
/* has/hasAny/hasAll (after begin): true when the near cache holds a live,
 * unexpired entry for any (any) or every key of keys[0..count); false
 * means "ask Redis", never "absent". */
bool mc_near_has(mc_redis_store *store, zend_string *definition, zend_string **keys, uint32_t count, bool any);

/* getMany(): key i was read from Redis as reply (a hit, or nil). */
void mc_near_fill_many(mc_redis_store *store, uint32_t i, zend_string *key, const redisReply *reply);

/* The announcement of a change to definition (op, and keys[0..count) for
 * MC_ANNOUNCE_KEYS), for the caller to PUBLISH on store->near.channel in
 * the change's pipeline; NULL when the store does not announce changes to
 * this definition (or out of memory: then nothing is near-cached, see
 * mc_near_announce_failed). */
const mc_buf *mc_near_announcement(mc_redis_store *store, zend_string *definition, mc_announce_op op,
                                   zend_string **keys, uint32_t count);
/* The channel to announce the current call's change to keys on: this
 * node's own (quiet.h) while its listener's proof that every other node
 * hears it is fresh, else the shared one; NULL when that proof found no
 * other node at all (nothing to announce).  Remembers which for
 * mc_near_quiet_check. */
const mc_buf *mc_near_announce_channel(mc_redis_store *store);
/* Once Redis answered a call announced quietly (answered: the call's
 * replies came; publish: its PUBLISH's reply, NULL when none was sent):
 * whether the announcement stands (the change was executed and announced,
 * or needed none, under a proof still under MC_NC_QUIET_MS old), kept in
 * near.quiet_stands; otherwise mc_near_after_call must send it again.  A
 * refused quiet PUBLISH keeps this process on the shared channel. */
void mc_near_quiet_check(mc_redis_store *store, bool answered, const redisReply *publish);
/* Once a call's replies are used (this runs commands of its own, which
 * free them): a quiet announcement that does not stand is published again
 * on the shared channel (one more round trip), and after an announcement
 * that failed, the prefix's epoch key is deleted. */
void mc_near_after_call(mc_redis_store *store);
/* The PUBLISH of an announcement failed (reply: its error, or NULL when it
 * could not be sent): other nodes may keep the old value, so this warns
 * and, on a single server, marks the prefix's epoch key for deletion by
 * the next mc_near_after_call, which makes every listener flush the
 * prefix within one probe.  No command is sent here. */
void mc_near_announce_failed(mc_redis_store *store, const redisReply *reply);

/* Write-through (nearcache.h, mc_nc_fill_written).  set/setMany, after
 * the frames are encoded and before the announcement is built: when this
 * node's near cache holds the definition and is trusted, a write id (the
 * announcement becomes WRITTEN), and the frames at store->frames +
 * offsets[i] installed pending that announcement. */
void mc_near_write_begin(mc_redis_store *store, zend_string *definition, zend_string **keys, const size_t *offsets,
                         const size_t *lengths, uint32_t count);
/* As soon as Redis answered (after mc_near_quiet_check): written (the HSET
 * and its announcement succeeded), the keys keep only what this write
 * installed, served at once when the announcement was quiet and stands
 * (no listener of this node hears it), else once the listener applies it;
 * otherwise they are dropped as by mc_near_invalidate_keys. */
void mc_near_write_end(mc_redis_store *store, zend_string **keys, uint32_t count, bool written);

/* After a change on this node (even a failed one: it may have happened),
 * as soon as Redis answered: drops the keys / the definition / the
 * prefix here and fails fills in flight. */
void mc_near_invalidate_keys(mc_redis_store *store, zend_string **keys, uint32_t count);
void mc_near_invalidate_definition(mc_redis_store *store);
void mc_near_flush(mc_redis_store *store);

/* RedisStore::nearCacheSync(): true once every invalidation Redis sent
 * before the call has been applied on this node; false when the near cache
 * is off or not (yet) trusted by the deadline (reads then go to Redis). */
bool mc_near_sync(mc_redis_store *store, double timeout);

/* Adds near_* entries to a stats() array. */
void mc_near_stats(mc_redis_store *store, zval *array);
/* The node's near cache figures (MoodleCache\nodeStats()["near_cache"]). */
void mc_near_node_stats(zval *array);
/* near_trusted and near_error of a channel (-1: none: both null). */
void mc_near_channel_state(int64_t chan, zval *array);

#endif
