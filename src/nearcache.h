/*
 * nearcache.h - a per-node cache in shared memory, in front of Redis.
 *
 * Approach: one anonymous MAP_SHARED mapping made before the processes of
 * a node fork (PHP's MINIT), so every PHP-FPM worker of the node sees it.
 * Values (encoded frames, opaque here) live in a ring of bytes written
 * front to back; the oldest entries are evicted as the ring wraps (FIFO,
 * like a log-structured cache: no allocator, no fragmentation).  A hash
 * index of 4-slot buckets points into the ring.
 *
 * - Readers take no lock: a seqlock per bucket plus the ring's tail tell
 *   them whether what they copied was stable; after a few failed attempts
 *   a read is a miss.  A reader killed at any point leaves nothing behind.
 * - Writers (fill, invalidate, flush, lease changes) serialise on one
 *   robust process-shared mutex.  A writer killed while holding it leaves
 *   the mutex EOWNERDEAD: the next writer flushes everything (index cleared,
 *   ring emptied, every epoch bumped) and carries on.
 * - Coherence is the caller's (src/listener.h): entries belong to a
 *   channel (one identity: server, database, prefix, user, password, TLS)
 *   whose listener applies invalidations; a channel is trusted only while
 *   its listener is alive (it holds a robust mutex: the kernel marks it
 *   dead the moment the thread dies), ready (subscribed) and its last
 *   proof of a working subscription (mc_nc_heartbeat) under
 *   MC_NC_STALE_MS old.
 * - Groups: the first group_len bytes of a key name its group (for the
 *   store, the tag "{P:D}" of its definition).  mc_nc_invalidate_group
 *   drops a whole group in O(1) by bumping its epoch in a fixed table
 *   indexed by hash(channel, group); entries carry the epoch they were
 *   filled under.  Two groups sharing a slot only over-invalidate.
 * - Fills are race-free: mc_nc_fill_begin takes a token (the bucket's
 *   invalidation count, the group's epoch and the channel's epoch) before
 *   the caller asks Redis; mc_nc_fill_commit installs the value only if
 *   none moved, so a value read before a concurrent write is never
 *   installed after that write's invalidation.
 *
 * The layout is in nearcache.c above struct mc_nc_header.  Keys and values
 * are bytes (pointer + size_t).  All functions are safe from any thread or
 * process of the node.
 */
#ifndef MC_NEARCACHE_H
#define MC_NEARCACHE_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "status.h"

#define MC_NC_MIN_SIZE ((size_t)1 << 20)      /* smallest cache: 1 MiB */
#define MC_NC_MAX_SIZE ((size_t)1 << 40)
#define MC_NC_CHANNELS 32                     /* (server, database, prefix) pairs per node */
#define MC_NC_PROBE_MS 100                    /* a listener proves its subscription this often ... */
#define MC_NC_STALE_MS 250                    /* ... and is distrusted when its last proof is older */
#define MC_NC_QUIET_MS 400                    /* a quiet announcement stands while its proof is younger (mc_nc_set_quiet) */
#define MC_NC_QUIET_USE_MS 250                /* ... and is sent only while it is younger than this */
#define MC_NC_ERROR_MAX 256                   /* bytes kept of a listener's last error */
#define MC_NC_GROUPS 4096                     /* group epoch slots (a power of two) */
#define MC_NC_GATES 256                       /* mc_nc_gate slots (a power of two) */

typedef struct mc_nc mc_nc;

typedef struct mc_nc_stats {
    uint64_t fills;              /* values installed */
    uint64_t fill_drops;         /* fills dropped: an invalidation arrived meanwhile */
    uint64_t invalidations;      /* keys and groups invalidated (listener and local writes) */
    uint64_t flushes;            /* channel or whole-cache flushes */
    uint64_t evictions;          /* live entries dropped for room */
    uint64_t recoveries;         /* EOWNERDEAD recoveries (a writer died mid-update) */
    uint64_t entries;            /* live index slots */
    uint64_t bytes_used;         /* ring bytes between tail and head */
    uint64_t bytes_total;        /* size of the mapping */
} mc_nc_stats;

/* A fill token: see mc_nc_fill_begin. */
typedef struct mc_nc_token {
    uint64_t hash;
    uint64_t gen;
    uint64_t epoch;
    uint64_t group_epoch;
    uint32_t group;              /* slot of the key's group */
    uint32_t group_len;
    uint32_t chan;
    int valid;                   /* 0: the channel was not trusted: do not fill */
} mc_nc_token;

/* Maps `size` bytes (MC_NC_MIN_SIZE..MC_NC_MAX_SIZE) shared with children
 * forked later.  Entries larger than max_item bytes (key + value) are never
 * stored; max_item is clamped to an eighth of the ring.  MC_ERR_ARG for a
 * size out of range, MC_ERR_NOMEM when mmap or the mutex set-up fails.
 * Pages are touched only as they are used. */
mc_status mc_nc_create(size_t size, size_t max_item, mc_nc **out);
/* Unmaps (in this process only); accepts NULL. */
void mc_nc_free(mc_nc *nc);

/* The channel for an identity string (e.g. "tcp|host|port|db|prefix"),
 * found or added.  MC_ERR_TOO_LARGE when all MC_NC_CHANNELS are taken. */
mc_status mc_nc_channel(mc_nc *nc, const char *ident, size_t len, uint32_t *chan);

/* 1 when reads of chan may be served from the cache now (listener alive,
 * ready and beating), else 0.  now_ms: mc_now_ms(). */
int mc_nc_trusted(mc_nc *nc, uint32_t chan, uint64_t now_ms);
/* 1 when nobody is (or is about to be) the channel's listener, so the caller
 * should start a candidate (mc_nc_lease_take decides who wins). */
int mc_nc_listener_wanted(mc_nc *nc, uint32_t chan, uint64_t now_ms);

/* Copies the entry of key into scratch (its allocation is reused) and
 * points *value at the value bytes inside it (valid until scratch changes):
 * MC_OK, or MC_ERR_NOTFOUND (absent, invalidated, evicted, of an old epoch
 * or group epoch, filled with another group_len, group_len > key_len, or
 * not stable after a few attempts: a reader never waits for a writer).
 * key[0..group_len) is the key's group (0: the empty group).
 * Does not check trust: callers ask mc_nc_trusted first.  Hits and misses
 * are counted by the caller (a shared counter would cost every reader a
 * contended cache line). */
mc_status mc_nc_get(mc_nc *nc, uint32_t chan, const char *key, size_t key_len, size_t group_len,
                    mc_buf *scratch, const char **value, size_t *value_len);

/* Takes the fill token of key (group as for mc_nc_get) before the caller
 * reads it from Redis; token->valid is 0 when the channel is not trusted
 * or group_len > key_len. */
void mc_nc_fill_begin(mc_nc *nc, uint32_t chan, const char *key, size_t key_len, size_t group_len,
                      uint64_t now_ms, mc_nc_token *token);
/* Installs value for key (the key given to mc_nc_fill_begin; the token
 * holds its group) unless an invalidation of its bucket or its group, a
 * flush, or a listener change happened since the token was taken.  MC_OK
 * installed; MC_ERR_NOTFOUND dropped (counted in fill_drops), also when
 * another writer holds the lock at that moment (fills never wait);
 * MC_ERR_TOO_LARGE above max_item; MC_ERR_ARG for an invalid token. */
mc_status mc_nc_fill_commit(mc_nc *nc, const mc_nc_token *token, const char *key, size_t key_len,
                            const void *value, size_t value_len);

/* Write-through: a store about to write key (with the announcement it
 * sends in the same pipeline carrying write_id, announce.h) installs the
 * value, pending: not served until the listener applies that announcement
 * (mc_nc_confirm).  Installed before the write is sent, so its
 * announcement cannot come first.  Announcements arrive in the order Redis
 * executed the writes, and any other announcement of the key drops the
 * entry, so a confirmed entry holds the last write the listener applied;
 * one whose announcement never comes (a failed write, a listener that lost
 * its connection) is never served.  A read does not replace a pending
 * entry.  Installed, it makes fills of the bucket in flight fail.  Never
 * waits for the lock: MC_OK installed, else MC_ERR_NOTFOUND (token out of
 * date, too large, not trusted, lock busy), and then the caller's
 * mc_nc_written drops the old value once Redis answered. */
mc_status mc_nc_fill_written(mc_nc *nc, const mc_nc_token *token, const char *key, size_t key_len,
                             const void *value, size_t value_len, uint64_t write_id);
/* Whether this node holds an entry (a value or an absent key, pending or
 * not, of any epoch) in the slot of the token's key: a lock-free look at
 * the hashes of its bucket.  Write-through installs only such keys (write
 * around the rest): a write to a key this node never read would only push
 * out entries it does read, and costs a copy into memory not in cache. */
int mc_nc_holds(mc_nc *nc, const mc_nc_token *token);
/* A new write id (never 0): unique on this node, random across nodes. */
uint64_t mc_nc_next_write_id(mc_nc *nc);
/* The listener, for each key of an announcement: an entry written by
 * write_id (0: none) is served from now on; any other entry of key is
 * dropped.  Makes fills of its bucket in flight fail. */
void mc_nc_confirm(mc_nc *nc, uint32_t chan, const char *key, size_t key_len, uint64_t write_id);
/* The store, once Redis answered its write: key keeps only the entry
 * write_id installed (none when it could not install one; an eviction may
 * have let a read fill what Redis held before the write), and fills of its
 * bucket in flight fail.  No lock when its own entry is there. */
void mc_nc_written(mc_nc *nc, uint32_t chan, const char *key, size_t key_len, uint64_t write_id);
/* Drops key and makes fills of its bucket in flight fail. */
void mc_nc_invalidate(mc_nc *nc, uint32_t chan, const char *key, size_t key_len);
/* Drops every entry of chan whose group is group[0..group_len) and makes
 * fills of that group in flight fail (O(1): bumps the group's epoch; may
 * also drop the groups sharing its slot).  Lock-free. */
void mc_nc_invalidate_group(mc_nc *nc, uint32_t chan, const char *group, size_t group_len);
/* Drops every entry of chan (O(1): bumps its epoch). */
void mc_nc_flush_channel(mc_nc *nc, uint32_t chan);
/* Drops everything. */
void mc_nc_flush(mc_nc *nc);

/* ---- listener lease (used by src/tracking.c) ---------------------------
 * A listener thread calls mc_nc_lease_take; on MC_OK it holds the channel's
 * liveness mutex until mc_nc_lease_release (or its death).  MC_ERR_LOCK
 * when another live thread holds it. */
mc_status mc_nc_lease_take(mc_nc *nc, uint32_t chan, uint64_t now_ms);
/* The holder: marks the channel ready (after a flush) or not ready (flushes). */
void mc_nc_set_ready(mc_nc *nc, uint32_t chan, int ready);
/* The holder: every invalidation Redis executed before sent_us (monotonic
 * microseconds, mc_now_us) has been applied; reads stay trusted until
 * MC_NC_STALE_MS after it.  Never moves back. */
void mc_nc_heartbeat(mc_nc *nc, uint32_t chan, uint64_t sent_us);
/* The holder: its probe round sent at sent_us (mc_now_us) found every
 * other subscriber of the announcement channel subscribed to this node's
 * own channel too (listener.h, "quiet announcements"); 0: it did not.  So
 * the node's stores may announce their changes on the node's own channel,
 * which the node's listener does not hear, while the proof is under
 * MC_NC_QUIET_USE_MS old; a change so announced whose proof is
 * MC_NC_QUIET_MS old or more by the time Redis answered is announced again
 * on the shared channel.  Cleared by mc_nc_set_ready and a new lease. */
void mc_nc_set_quiet(mc_nc *nc, uint32_t chan, uint64_t sent_us, int alone);
/* That send time (to 2 µs), 0 when there is none; *alone: the round also
 * found no other node on the shared channel (nothing to announce).  One
 * atomic word: the time and the flag always come from the same round. */
uint64_t mc_nc_quiet(mc_nc *nc, uint32_t chan, int *alone);
/* The last heartbeat of chan in microseconds (the sync barrier waits for
 * one later than its start). */
uint64_t mc_nc_last_heartbeat(mc_nc *nc, uint32_t chan);

/* The listener's trouble, for workers to report and for the next listener
 * of the channel to honour: a message (truncated to MC_NC_ERROR_MAX - 1
 * bytes; "" clears it) and when to try again (monotonic ms).  A message
 * other than the one kept bumps the channel's error sequence (the same
 * refusal again is not news). */
void mc_nc_set_listener_error(mc_nc *nc, uint32_t chan, const char *message, uint64_t retry_at_ms,
                              uint64_t backoff_ms);
/* Copies the message into buf (cap bytes, always terminated); returns the
 * error sequence (0: never an error); *retry_at_ms and *backoff_ms may be
 * NULL. */
uint32_t mc_nc_listener_error(mc_nc *nc, uint32_t chan, char *buf, size_t cap, uint64_t *retry_at_ms,
                              uint64_t *backoff_ms);
/* The error sequence alone, without the lock (for a cheap "anything new?"). */
uint32_t mc_nc_listener_error_seq(mc_nc *nc, uint32_t chan);
/* The holder: not ready, flush, unlock the liveness mutex. */
void mc_nc_lease_release(mc_nc *nc, uint32_t chan);


/* Faults in every page of the mapping now (MADV_POPULATE_WRITE; data
 * untouched), so no request pays a first-touch page fault (~25 us each in
 * this VM) when it fills or reads a page for the first time.  Slow, and it
 * commits the whole size: only with moodlecache.near_cache_prefault.
 * 0, or -1 when the kernel lacks it (pages then fault in as used). */
int mc_nc_prefault(mc_nc *nc);
/* The same for the header and index only (an eighteenth of the size):
 * each process maps pages itself, so a worker calls it once before its
 * first lookup. */
int mc_nc_prefault_index(mc_nc *nc);

/* A node-wide gate for periodic work of one key (key_hash; e.g. the
 * reaper of one definition, in whichever worker writes next): 1 when it
 * did not open for this key in the last interval_ms (it is then closed for
 * interval_ms), else 0.  Keys share MC_NC_GATES slots: a key that finds
 * another's slot opens it, so none waits on another.  Lock-free. */
int mc_nc_gate(mc_nc *nc, uint64_t key_hash, uint64_t now_ms, uint32_t interval_ms);
/* Opens key's gate again now (its work is not done). */
void mc_nc_gate_reopen(mc_nc *nc, uint64_t key_hash, uint64_t now_ms);

/* A random id of this node (this mapping), fixed at create. */
uint64_t mc_nc_node_id(const mc_nc *nc);
size_t mc_nc_max_item(const mc_nc *nc);
void mc_nc_get_stats(mc_nc *nc, mc_nc_stats *stats);

#endif
