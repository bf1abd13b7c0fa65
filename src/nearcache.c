/* nearcache.c - per-node shared-memory cache (see nearcache.h). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include "nearcache.h"
#include "nearcache_internal.h"

#define NC_MAGIC 0x4d434e4541524332ULL     /* "MCNEARC2" */
#define NC_WAYS 4
#define NC_READ_ATTEMPTS 8
#define NC_BYTES_PER_BUCKET 2048           /* index size: one bucket per 2 KB of cache */
#define ENTRY_MAGIC 0x454e5452u            /* "ENTR" */
#define PAD_MAGIC 0x50414421u              /* "PAD!" */

/* One index slot.  len == 0: empty.  Fields change only under the header
 * mutex with the bucket's seq odd; readers load them relaxed between two
 * loads of an even seq. */
typedef struct nc_slot {
    _Atomic uint64_t hash;
    _Atomic uint64_t pos;       /* absolute ring position of the entry */
    _Atomic uint64_t len;       /* entry bytes (header + key + value + padding) */
} nc_slot;

typedef struct nc_bucket {
    _Atomic uint64_t seq;       /* seqlock: odd while a writer changes the slots */
    _Atomic uint64_t gen;       /* invalidations of keys hashing here (fill tokens); see drop_without_lock */
    nc_slot slot[NC_WAYS];
} nc_bucket;

/* An entry in the ring, followed by key and value, padded to 8 bytes. */
typedef struct nc_entry {
    uint32_t magic;             /* ENTRY_MAGIC or PAD_MAGIC (then only total counts) */
    uint32_t total;
    uint64_t hash;
    uint64_t epoch;             /* the channel's epoch when filled */
    uint64_t group_epoch;       /* its group's epoch when filled */
    uint32_t chan;
    uint32_t key_len;
    uint32_t group_len;         /* the key's first group_len bytes name its group */
    uint32_t value_len;
    uint32_t slot;              /* bucket * NC_WAYS + way that points here */
    uint32_t pending;           /* 1: written here, not served until its announcement confirms it */
    uint64_t write_id;          /* the write that installed it (mc_nc_fill_written), else 0 */
} nc_entry;

typedef struct nc_chan {
    uint64_t id1, id2;          /* two hashes of the identity string; 0,0 = free */
    _Atomic uint32_t ready;     /* the listener is subscribed and tracking */
    uint32_t pad;
    _Atomic uint64_t epoch;     /* entries of older epochs are dead */
    _Atomic uint64_t heartbeat_us; /* see mc_nc_heartbeat */
    _Atomic uint64_t quiet_us;  /* see mc_nc_set_quiet */
    pthread_mutex_t live;       /* held by the listener thread for its lifetime */
    /* the listener's last trouble (under the header lock) */
    _Atomic uint32_t error_seq; /* read without the lock by mc_nc_listener_error_seq */
    uint64_t retry_at_ms, backoff_ms;
    char error[MC_NC_ERROR_MAX];
} nc_chan;

/*
 * The shared header, at offset 0 of the mapping; buckets follow at
 * index_off, the ring at ring_off.  Invariants:
 * - tail <= head, head - tail <= ring_size; both only grow; both are
 *   multiples of 8.  Bytes of the ring at absolute positions [tail, head)
 *   are a sequence of entries and pads (position p lives at p % ring_size;
 *   an entry never wraps: a pad fills the end of the ring instead).
 * - A slot with len != 0 and pos >= tail points at an entry whose hash,
 *   total (== len) and slot fields match it.  A slot with pos < tail is dead.
 * - Only a holder of `lock` writes slots, head, tail, entries, the
 *   ring and channel fields other than heartbeat_us, and reads the
 *   channel's error fields; it makes a
 *   bucket's seq odd around slot changes, moves tail (then a release fence)
 *   before overwriting ring bytes, and writes an entry fully before
 *   publishing its slot.
 * - A reader trusts what it copied only if the bucket's seq was even and
 *   unchanged around the copy and the entry's position was still >= tail
 *   after it (acquire fence), and the entry's epoch is its channel's and
 *   its group_epoch its group slot's (both loaded before the copy).
 * - group_epoch[] only grows, by atomic adds without the lock (one add is
 *   a whole group invalidation, so a dead writer cannot leave it torn).
 * - A bucket's gen only grows: under the lock, or by an atomic add without
 *   it from an invalidation that then finds no slot of its key's hash
 *   (drop_without_lock); install re-checks gen with the bucket's seq odd.
 * - A holder that dies leaves `lock` EOWNERDEAD: the next holder assumes
 *   nothing and resets the index and ring (nc_recover).
 */
typedef struct mc_nc_header {
    uint64_t magic;
    uint64_t size, index_off, ring_off, ring_size, max_item;
    uint64_t nbuckets;          /* a power of two */
    uint64_t node_id;
    _Atomic uint64_t writes;    /* write ids handed out (mc_nc_next_write_id) */
    pthread_mutex_t lock;
    _Atomic uint64_t head;
    _Atomic uint64_t tail;
    _Atomic uint64_t entries;
    _Atomic uint64_t fills, fill_drops, invalidations, flushes, evictions, recoveries;
    nc_chan chan[MC_NC_CHANNELS];
    _Atomic uint64_t group_epoch[MC_NC_GROUPS];   /* by group_slot(); entries of older ones are dead */
    _Atomic uint64_t gates[MC_NC_GATES];         /* mc_nc_gate: key tag << 32 | closed until (ms, low 32 bits) */
} mc_nc_header;

struct mc_nc {
    mc_nc_header *h;
    nc_bucket *buckets;
    unsigned char *ring;
    size_t map_size;
};

#define RELAXED memory_order_relaxed
#define LOAD(p) atomic_load_explicit((p), RELAXED)
#define STORE(p, v) atomic_store_explicit((p), (v), RELAXED)
#define ADD(p, v) atomic_fetch_add_explicit((p), (v), RELAXED)

#define FNV_PRIME 0x100000001b3ULL

static uint64_t hash_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

static uint64_t hash_bytes(uint64_t seed, const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= FNV_PRIME;
    }
    return hash_mix(h);
}

static uint64_t chan_seed(uint32_t chan)
{
    return 0x9e3779b97f4a7c15ULL * (chan + 1);
}

static uint64_t key_hash(uint32_t chan, const char *key, size_t len)
{
    return hash_bytes(chan_seed(chan), key, len);
}

/* The group slot from the unmixed FNV state after the group's bytes. */
static uint32_t group_slot_of_state(uint64_t state)
{
    return (uint32_t)(hash_mix(state ^ 0x5bd1e9955bd1e995ULL) & (MC_NC_GROUPS - 1));
}

static uint32_t group_slot(uint32_t chan, const char *group, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ chan_seed(chan);
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)group[i];
        h *= FNV_PRIME;
    }
    return group_slot_of_state(h);
}

/* key_hash and the group slot of key[0..group_len) in one pass
 * (group_len <= len). */
static uint64_t key_hash_group(uint32_t chan, const char *key, size_t len, size_t group_len,
                               uint32_t *group)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ chan_seed(chan);
    for (size_t i = 0; i < group_len; i++) {
        h ^= (unsigned char)key[i];
        h *= FNV_PRIME;
    }
    *group = group_slot_of_state(h);
    for (size_t i = group_len; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= FNV_PRIME;
    }
    return hash_mix(h);
}

static nc_bucket *bucket_of(mc_nc *nc, uint64_t hash)
{
    return &nc->buckets[hash & (nc->h->nbuckets - 1)];
}

/* The first way of b in use with this hash, or -1 (a lock-free look: the
 * caller checks the bucket's seq or the entry itself). */
static int way_with_hash(nc_bucket *b, uint64_t hash)
{
    for (int w = 0; w < NC_WAYS; w++) {
        if (LOAD(&b->slot[w].hash) == hash && LOAD(&b->slot[w].len) != 0) {
            return w;
        }
    }
    return -1;
}

static nc_entry *entry_at(mc_nc *nc, uint64_t pos)
{
    return (nc_entry *)(nc->ring + pos % nc->h->ring_size);
}

/* An entry of len bytes at pos lies inside the ring (a torn or broken
 * slot must never send a reader outside the mapping). */
static int in_ring(const mc_nc *nc, uint64_t pos, uint64_t len)
{
    uint64_t ring = nc->h->ring_size;
    return len >= sizeof(nc_entry) && len <= ring && pos % 8 == 0 && pos % ring <= ring - len;
}

static size_t entry_size(size_t key_len, size_t value_len)
{
    return (sizeof(nc_entry) + key_len + value_len + 7) & ~(size_t)7;
}

static int init_mutex(pthread_mutex_t *m)
{
    pthread_mutexattr_t a;
    if (pthread_mutexattr_init(&a) != 0) {
        return -1;
    }
    int rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (rc == 0) rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (rc == 0) rc = pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
    return rc == 0 ? 0 : -1;
}

/* ---- create ------------------------------------------------------------ */

mc_status mc_nc_create(size_t size, size_t max_item, mc_nc **out)
{
    *out = NULL;
    if (size < MC_NC_MIN_SIZE || size > MC_NC_MAX_SIZE) {
        return MC_ERR_ARG;
    }
    size = size & ~(size_t)4095;
    mc_nc *nc = calloc(1, sizeof(*nc));
    if (nc == NULL) {
        return MC_ERR_NOMEM;
    }
    void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        free(nc);
        return MC_ERR_NOMEM;
    }
    mc_nc_header *h = map;          /* zero-filled: empty slots, free channels */
    uint64_t nbuckets = 1;
    while (nbuckets * 2 * NC_BYTES_PER_BUCKET <= size) {
        nbuckets *= 2;
    }
    h->index_off = (sizeof(*h) + 63) & ~(uint64_t)63;
    h->ring_off = (h->index_off + nbuckets * sizeof(nc_bucket) + 63) & ~(uint64_t)63;
    h->size = size;
    h->ring_size = (size - h->ring_off) & ~(uint64_t)7;
    h->nbuckets = nbuckets;
    if (max_item > h->ring_size / 8) {
        max_item = h->ring_size / 8;
    }
    if (max_item > ((size_t)1 << 30)) {
        max_item = (size_t)1 << 30;     /* entry sizes fit 32 bits */
    }
    h->max_item = max_item;
    uint64_t id = 0;
    if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != (ssize_t)sizeof(id)) {
        id = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)map;
    }
    h->node_id = id;
    int bad = init_mutex(&h->lock);
    for (int c = 0; c < MC_NC_CHANNELS && !bad; c++) {
        bad = init_mutex(&h->chan[c].live);
        STORE(&h->chan[c].epoch, 1);
    }
    if (bad) {
        munmap(map, size);
        free(nc);
        return MC_ERR_NOMEM;
    }
    h->magic = NC_MAGIC;
    nc->h = h;
    nc->map_size = size;
    nc->buckets = (nc_bucket *)((char *)map + h->index_off);
    nc->ring = (unsigned char *)map + h->ring_off;
    *out = nc;
    return MC_OK;
}

void mc_nc_free(mc_nc *nc)
{
    if (nc == NULL) {
        return;
    }
    munmap(nc->h, nc->map_size);
    free(nc);
}

/* ---- the writer lock --------------------------------------------------- */

static void clear_slot(nc_bucket *b, int way)
{
    STORE(&b->slot[way].len, 0);
    STORE(&b->slot[way].pos, 0);
    STORE(&b->slot[way].hash, 0);
}

static void bucket_write_begin(nc_bucket *b)
{
    uint64_t s = LOAD(&b->seq);
    STORE(&b->seq, s | 1);
    atomic_thread_fence(memory_order_release);
}

static void bucket_write_end(nc_bucket *b)
{
    uint64_t s = LOAD(&b->seq);
    atomic_store_explicit(&b->seq, (s | 1) + 1, memory_order_release);
}

/* Forgets every entry: index cleared, ring emptied, every epoch bumped. */
static void nc_reset(mc_nc *nc)
{
    mc_nc_header *h = nc->h;
    for (uint64_t i = 0; i < h->nbuckets; i++) {
        nc_bucket *b = &nc->buckets[i];
        if (LOAD(&b->seq) == 0 && LOAD(&b->gen) == 0 && LOAD(&b->slot[0].len) == 0
            && LOAD(&b->slot[1].len) == 0 && LOAD(&b->slot[2].len) == 0 && LOAD(&b->slot[3].len) == 0) {
            continue;               /* never used: leave the page untouched */
        }
        bucket_write_begin(b);
        for (int w = 0; w < NC_WAYS; w++) {
            clear_slot(b, w);
        }
        ADD(&b->gen, 1);
        bucket_write_end(b);
    }
    STORE(&h->tail, LOAD(&h->head));
    STORE(&h->entries, 0);
    for (int c = 0; c < MC_NC_CHANNELS; c++) {
        ADD(&h->chan[c].epoch, 1);
    }
    for (int g = 0; g < MC_NC_GROUPS; g++) {
        ADD(&h->group_epoch[g], 1);
    }
    ADD(&h->flushes, 1);
}

/* The result of a lock attempt, after recovery from a dead holder. */
static int lock_taken(mc_nc *nc, int rc)
{
    if (rc == EOWNERDEAD) {
        /* A writer died mid-update: trust nothing it may have touched. */
        nc_reset(nc);
        ADD(&nc->h->recoveries, 1);
        rc = pthread_mutex_consistent(&nc->h->lock);
    }
    return rc;
}

/* 0 with the lock held; -1 if the mutex is unusable (never expected). */
static int nc_lock(mc_nc *nc)
{
    return lock_taken(nc, pthread_mutex_lock(&nc->h->lock)) == 0 ? 0 : -1;
}

/* For fills, which are optimisations: never waits (on a busy CPU a queue
 * behind a preempted holder costs milliseconds).  0 with the lock held,
 * else EBUSY or an error, counted as a dropped fill. */
static int nc_trylock(mc_nc *nc)
{
    int rc = lock_taken(nc, pthread_mutex_trylock(&nc->h->lock));
    if (rc != 0) {
        ADD(&nc->h->fill_drops, 1);
    }
    return rc;
}

static void nc_unlock(mc_nc *nc)
{
    pthread_mutex_unlock(&nc->h->lock);
}

/* ---- channels ---------------------------------------------------------- */

mc_status mc_nc_channel(mc_nc *nc, const char *ident, size_t len, uint32_t *chan)
{
    uint64_t id1 = hash_bytes(1, ident, len), id2 = hash_bytes(0x5bd1e995, ident, len);
    mc_nc_header *h = nc->h;
    for (uint32_t c = 0; c < MC_NC_CHANNELS; c++) {   /* found without the lock */
        if (h->chan[c].id1 == id1 && h->chan[c].id2 == id2) {
            *chan = c;
            return MC_OK;
        }
    }
    if (nc_lock(nc) != 0) {
        return MC_ERR_LOCK;
    }
    mc_status st = MC_ERR_TOO_LARGE;
    for (uint32_t c = 0; c < MC_NC_CHANNELS; c++) {
        if (h->chan[c].id1 == id1 && h->chan[c].id2 == id2) {
            *chan = c;
            st = MC_OK;
            break;
        }
        if (h->chan[c].id1 == 0 && h->chan[c].id2 == 0) {
            h->chan[c].id2 = id2;
            atomic_thread_fence(memory_order_release);
            h->chan[c].id1 = id1;
            *chan = c;
            st = MC_OK;
            break;
        }
    }
    nc_unlock(nc);
    return st;
}

/* The futex word of the liveness mutex: the owner's thread id, and
 * FUTEX_OWNER_DIED set by the kernel the moment that thread dies. */
static int live_word(nc_chan *ch)
{
    return __atomic_load_n(&ch->live.__data.__lock, __ATOMIC_ACQUIRE);
}

int mc_nc_trusted(mc_nc *nc, uint32_t chan, uint64_t now_ms)
{
    if (chan >= MC_NC_CHANNELS) {
        return 0;
    }
    nc_chan *ch = &nc->h->chan[chan];
    if (!atomic_load_explicit(&ch->ready, memory_order_acquire)) {
        return 0;
    }
    int w = live_word(ch);
    if ((w & FUTEX_TID_MASK) == 0 || (w & FUTEX_OWNER_DIED)) {
        return 0;
    }
    uint64_t beat = LOAD(&ch->heartbeat_us);
    return now_ms * 1000 <= beat + MC_NC_STALE_MS * 1000;
}

int mc_nc_listener_wanted(mc_nc *nc, uint32_t chan, uint64_t now_ms)
{
    (void)now_ms;
    if (chan >= MC_NC_CHANNELS) {
        return 0;
    }
    int w = live_word(&nc->h->chan[chan]);
    return (w & FUTEX_TID_MASK) == 0 || (w & FUTEX_OWNER_DIED);
}

mc_status mc_nc_lease_take(mc_nc *nc, uint32_t chan, uint64_t now_ms)
{
    if (chan >= MC_NC_CHANNELS) {
        return MC_ERR_ARG;
    }
    nc_chan *ch = &nc->h->chan[chan];
    if (nc_lock(nc) != 0) {
        return MC_ERR_LOCK;
    }
    int rc = pthread_mutex_trylock(&ch->live);
    if (rc == EOWNERDEAD) {
        rc = pthread_mutex_consistent(&ch->live);   /* the last listener died */
    }
    if (rc == 0) {
        STORE(&ch->ready, 0);
        ADD(&ch->epoch, 1);
        STORE(&ch->heartbeat_us, now_ms * 1000);
        STORE(&ch->quiet_us, 0);
    }
    nc_unlock(nc);
    return rc == 0 ? MC_OK : MC_ERR_LOCK;
}

void mc_nc_set_ready(mc_nc *nc, uint32_t chan, int ready)
{
    nc_chan *ch = &nc->h->chan[chan];
    if (nc_lock(nc) != 0) {
        return;
    }
    /* Either way the entries are dropped: on the way up nothing filled
     * before the subscription can be trusted, on the way down nothing
     * can be invalidated any more. */
    ADD(&ch->epoch, 1);
    ADD(&nc->h->flushes, 1);
    STORE(&ch->quiet_us, 0);    /* a new session proves it again */
    atomic_store_explicit(&ch->ready, ready ? 1 : 0, memory_order_release);
    nc_unlock(nc);
}

void mc_nc_heartbeat(mc_nc *nc, uint32_t chan, uint64_t sent_us)
{
    _Atomic uint64_t *beat = &nc->h->chan[chan].heartbeat_us;
    uint64_t cur = LOAD(beat);
    while (cur < sent_us && !atomic_compare_exchange_weak(beat, &cur, sent_us)) {
    }
}

void mc_nc_set_quiet(mc_nc *nc, uint32_t chan, uint64_t sent_us, int alone)
{
    if (chan < MC_NC_CHANNELS) {
        /* the flag in bit 0; the time rounded down (older: on the safe side) */
        STORE(&nc->h->chan[chan].quiet_us, sent_us > 1 ? (sent_us & ~(uint64_t)1) | (alone ? 1 : 0) : 0);
    }
}

uint64_t mc_nc_quiet(mc_nc *nc, uint32_t chan, int *alone)
{
    uint64_t word = chan < MC_NC_CHANNELS ? LOAD(&nc->h->chan[chan].quiet_us) : 0;
    *alone = (int)(word & 1);
    return word & ~(uint64_t)1;
}

uint64_t mc_nc_last_heartbeat(mc_nc *nc, uint32_t chan)
{
    return chan < MC_NC_CHANNELS ? LOAD(&nc->h->chan[chan].heartbeat_us) : 0;
}

void mc_nc_set_listener_error(mc_nc *nc, uint32_t chan, const char *message, uint64_t retry_at_ms,
                              uint64_t backoff_ms)
{
    nc_chan *ch = &nc->h->chan[chan];
    if (nc_lock(nc) != 0) {
        return;
    }
    size_t n = strlen(message);
    if (n > MC_NC_ERROR_MAX - 1) {
        n = MC_NC_ERROR_MAX - 1;
    }
    if (n > 0 && (strncmp(ch->error, message, n) != 0 || ch->error[n] != '\0')) {
        ADD(&ch->error_seq, 1);     /* a new trouble, not the same one again */
    }
    memcpy(ch->error, message, n);
    ch->error[n] = '\0';
    ch->retry_at_ms = retry_at_ms;
    ch->backoff_ms = backoff_ms;
    nc_unlock(nc);
}

uint32_t mc_nc_listener_error(mc_nc *nc, uint32_t chan, char *buf, size_t cap, uint64_t *retry_at_ms,
                              uint64_t *backoff_ms)
{
    nc_chan *ch = &nc->h->chan[chan];
    if (cap > 0) {
        buf[0] = '\0';
    }
    if (nc_lock(nc) != 0) {
        return 0;
    }
    if (cap > 0) {
        size_t n = strnlen(ch->error, MC_NC_ERROR_MAX - 1);
        n = n < cap - 1 ? n : cap - 1;
        memcpy(buf, ch->error, n);
        buf[n] = '\0';
    }
    if (retry_at_ms) *retry_at_ms = ch->retry_at_ms;
    if (backoff_ms) *backoff_ms = ch->backoff_ms;
    uint32_t seq = LOAD(&ch->error_seq);
    nc_unlock(nc);
    return seq;
}

uint32_t mc_nc_listener_error_seq(mc_nc *nc, uint32_t chan)
{
    return chan < MC_NC_CHANNELS ? LOAD(&nc->h->chan[chan].error_seq) : 0;
}

void mc_nc_lease_release(mc_nc *nc, uint32_t chan)
{
    nc_chan *ch = &nc->h->chan[chan];
    mc_nc_set_ready(nc, chan, 0);
    pthread_mutex_unlock(&ch->live);
}


/* ---- reads ------------------------------------------------------------- */

mc_status mc_nc_get(mc_nc *nc, uint32_t chan, const char *key, size_t key_len, size_t group_len,
                    mc_buf *scratch, const char **value, size_t *value_len)
{
    if (chan >= MC_NC_CHANNELS || group_len > key_len) {
        return MC_ERR_NOTFOUND;
    }
    mc_nc_header *h = nc->h;
    uint32_t group;
    uint64_t hash = key_hash_group(chan, key, key_len, group_len, &group);
    nc_bucket *b = bucket_of(nc, hash);
    uint64_t epoch = LOAD(&h->chan[chan].epoch);
    uint64_t group_epoch = atomic_load_explicit(&h->group_epoch[group], memory_order_acquire);
    for (int attempt = 0; attempt < NC_READ_ATTEMPTS; attempt++) {
        uint64_t s1 = atomic_load_explicit(&b->seq, memory_order_acquire);
        if (s1 & 1) {
            sched_yield();
            continue;
        }
        int w = way_with_hash(b, hash);
        uint64_t pos = w >= 0 ? LOAD(&b->slot[w].pos) : 0;
        uint64_t len = w >= 0 ? LOAD(&b->slot[w].len) : 0;
        if (len == 0 || !in_ring(nc, pos, len) || pos < atomic_load_explicit(&h->tail, memory_order_acquire)) {
            atomic_thread_fence(memory_order_acquire);
            if (LOAD(&b->seq) == s1) {
                return MC_ERR_NOTFOUND;
            }
            continue;
        }
        if (mc_buf_reserve(scratch, len) != MC_OK) {
            return MC_ERR_NOTFOUND;
        }
        memcpy(scratch->data, entry_at(nc, pos), len);
        atomic_thread_fence(memory_order_acquire);
        if (LOAD(&b->seq) != s1) {
            continue;
        }
        if (pos < LOAD(&h->tail)) {
            return MC_ERR_NOTFOUND;         /* overwritten while copied */
        }
        nc_entry e;
        memcpy(&e, scratch->data, sizeof(e));
        if (e.magic != ENTRY_MAGIC || e.total != len || e.hash != hash || e.chan != chan
            || e.epoch != epoch || e.group_epoch != group_epoch || e.group_len != group_len
            || e.key_len != key_len || e.pending
            || (uint64_t)sizeof(e) + e.key_len + e.value_len > len
            || memcmp(scratch->data + sizeof(e), key, key_len) != 0) {
            return MC_ERR_NOTFOUND;
        }
        scratch->len = len;
        *value = scratch->data + sizeof(e) + key_len;
        *value_len = e.value_len;
        return MC_OK;
    }
    return MC_ERR_NOTFOUND;
}

/* ---- writes (under the lock) ------------------------------------------- */

/* The way of bucket b holding key (hash + key bytes), or -1. */
static int find_way(mc_nc *nc, nc_bucket *b, uint64_t hash, uint32_t chan, const char *key, size_t key_len)
{
    uint64_t tail = LOAD(&nc->h->tail);
    for (int w = 0; w < NC_WAYS; w++) {
        if (LOAD(&b->slot[w].len) == 0 || LOAD(&b->slot[w].hash) != hash
            || LOAD(&b->slot[w].pos) < tail || !in_ring(nc, LOAD(&b->slot[w].pos), LOAD(&b->slot[w].len))) {
            continue;
        }
        const nc_entry *e = entry_at(nc, LOAD(&b->slot[w].pos));
        if (e->chan == chan && e->key_len == key_len
            && sizeof(*e) + key_len <= LOAD(&b->slot[w].len) && memcmp((const char *)(e + 1), key, key_len) == 0) {
            return w;
        }
    }
    return -1;
}

static void drop_way(mc_nc *nc, nc_bucket *b, int w)
{
    bucket_write_begin(b);
    clear_slot(b, w);
    bucket_write_end(b);
    atomic_fetch_sub_explicit(&nc->h->entries, 1, RELAXED);
}

/* Evicts the oldest entry or pad at tail. */
static void evict_one(mc_nc *nc)
{
    mc_nc_header *h = nc->h;
    uint64_t tail = LOAD(&h->tail);
    const nc_entry *e = entry_at(nc, tail);
    uint64_t total = e->total;
    if ((e->magic != ENTRY_MAGIC && e->magic != PAD_MAGIC) || total == 0 || total % 8
        || total > LOAD(&h->head) - tail) {
        nc_reset(nc);               /* cannot happen unless memory was scribbled on */
        return;
    }
    if (e->magic == ENTRY_MAGIC && e->slot / NC_WAYS < h->nbuckets) {
        nc_bucket *b = &nc->buckets[e->slot / NC_WAYS];
        int w = (int)(e->slot % NC_WAYS);
        if (LOAD(&b->slot[w].len) != 0 && LOAD(&b->slot[w].pos) == tail) {
            drop_way(nc, b, w);
            ADD(&h->evictions, 1);
        }
    }
    STORE(&h->tail, tail + total);
}

/* Frees room for `need` contiguous bytes at head (adding a pad at the end
 * of the ring when they would wrap); returns the position to write at. */
static uint64_t make_room(mc_nc *nc, uint64_t need)
{
    mc_nc_header *h = nc->h;
    uint64_t head = LOAD(&h->head);
    uint64_t off = head % h->ring_size;
    uint64_t pad = off + need > h->ring_size ? h->ring_size - off : 0;
    while (head + pad + need - LOAD(&h->tail) > h->ring_size) {
        evict_one(nc);
        head = LOAD(&h->head);      /* nc_reset keeps head */
    }
    /* Readers that copy bytes about to be overwritten see the new tail. */
    atomic_thread_fence(memory_order_seq_cst);
    if (pad) {
        nc_entry *p = entry_at(nc, head);
        p->magic = PAD_MAGIC;
        p->total = (uint32_t)pad;
        head += pad;
        atomic_store_explicit(&h->head, head, memory_order_release);
    }
    return head;
}

void mc_nc_fill_begin(mc_nc *nc, uint32_t chan, const char *key, size_t key_len, size_t group_len,
                      uint64_t now_ms, mc_nc_token *token)
{
    memset(token, 0, sizeof(*token));
    if (chan >= MC_NC_CHANNELS || group_len > key_len || key_len > UINT32_MAX) {
        return;
    }
    token->chan = chan;
    token->hash = key_hash_group(chan, key, key_len, group_len, &token->group);
    token->group_len = (uint32_t)group_len;
    token->gen = atomic_load(&bucket_of(nc, token->hash)->gen);
    token->group_epoch = atomic_load(&nc->h->group_epoch[token->group]);
    token->epoch = atomic_load(&nc->h->chan[chan].epoch);
    token->valid = mc_nc_trusted(nc, chan, now_ms);
}

static int token_usable(const mc_nc *nc, const mc_nc_token *token, size_t key_len)
{
    return token->valid && token->chan < MC_NC_CHANNELS && token->group < MC_NC_GROUPS
        && token->group_len <= key_len && key_len <= nc->h->max_item;
}

/* Under the lock: writes key's entry (pending with write_id, or a plain
 * fill for write_id 0) unless the token is out of date.  Unlocks. */
static mc_status install(mc_nc *nc, const mc_nc_token *token, const char *key, size_t key_len,
                         const void *value, size_t value_len, uint64_t write_id)
{
    mc_nc_header *h = nc->h;
    uint64_t need = entry_size(key_len, value_len);
    nc_chan *ch = &h->chan[token->chan];
    nc_bucket *b = bucket_of(nc, token->hash);
    /* A group invalidation (no lock) after this check leaves the entry
     * with an old group_epoch: dead to readers, as it should be. */
    if (LOAD(&b->gen) != token->gen || LOAD(&ch->epoch) != token->epoch || !LOAD(&ch->ready)
        || atomic_load(&h->group_epoch[token->group]) != token->group_epoch) {
        nc_unlock(nc);
        ADD(&h->fill_drops, 1);
        return MC_ERR_NOTFOUND;
    }
    if (write_id != 0) {
        ADD(&b->gen, 1);    /* reads in flight may hold what Redis had before the write */
    } else {
        /* a read does not replace a write waiting for its announcement: that
         * write is confirmed soon, and the read's copy would be dropped then */
        int w = find_way(nc, b, token->hash, token->chan, key, key_len);
        if (w >= 0 && entry_at(nc, LOAD(&b->slot[w].pos))->pending) {
            nc_unlock(nc);
            ADD(&h->fill_drops, 1);
            return MC_ERR_NOTFOUND;
        }
    }
    uint64_t pos = make_room(nc, need);
    if (LOAD(&ch->epoch) != token->epoch) {
        nc_unlock(nc);              /* make_room had to reset a scribbled ring */
        ADD(&h->fill_drops, 1);
        return MC_ERR_NOTFOUND;
    }
    /* The way to use: this key's, an empty or dead one, else the oldest. */
    int way = find_way(nc, b, token->hash, token->chan, key, key_len);
    uint64_t tail = LOAD(&h->tail);
    for (int w = 0; way < 0 && w < NC_WAYS; w++) {
        if (LOAD(&b->slot[w].len) == 0 || LOAD(&b->slot[w].pos) < tail) {
            way = w;
        }
    }
    int evict = 0;
    if (way < 0) {
        way = 0;
        for (int w = 1; w < NC_WAYS; w++) {
            if (LOAD(&b->slot[w].pos) < LOAD(&b->slot[way].pos)) {
                way = w;
            }
        }
        evict = 1;
    }
    int was_live = LOAD(&b->slot[way].len) != 0 && LOAD(&b->slot[way].pos) >= tail;
    nc_entry *e = entry_at(nc, pos);
    nc_entry hdr = {ENTRY_MAGIC, (uint32_t)need, token->hash, token->epoch, token->group_epoch,
                    token->chan, (uint32_t)key_len, token->group_len, (uint32_t)value_len,
                    (uint32_t)((uint64_t)(b - nc->buckets) * NC_WAYS + (uint64_t)way), write_id != 0, write_id};
    memcpy(e, &hdr, sizeof(hdr));
    memcpy((char *)(e + 1), key, key_len);
    if (value_len) {
        memcpy((char *)(e + 1) + key_len, value, value_len);
    }
    bucket_write_begin(b);
    /* An invalidation that took no lock (drop_without_lock) bumps gen and
     * then looks at the slots: with a full fence on each side, either it
     * sees this write window open or this sees its gen. */
    atomic_thread_fence(memory_order_seq_cst);
    if (LOAD(&b->gen) != token->gen + (write_id != 0)) {
        bucket_write_end(b);        /* nothing published; the ring bytes lie past head */
        nc_unlock(nc);
        ADD(&h->fill_drops, 1);
        return MC_ERR_NOTFOUND;
    }
    STORE(&b->slot[way].hash, token->hash);
    STORE(&b->slot[way].pos, pos);
    STORE(&b->slot[way].len, need);
    bucket_write_end(b);
    atomic_store_explicit(&h->head, pos + need, memory_order_release);
    if (!was_live) {
        ADD(&h->entries, 1);
    }
    if (evict) {
        ADD(&h->evictions, 1);
    }
    ADD(&h->fills, 1);
    nc_unlock(nc);
    return MC_OK;
}

mc_status mc_nc_fill_commit(mc_nc *nc, const mc_nc_token *token, const char *key, size_t key_len,
                            const void *value, size_t value_len)
{
    mc_nc_header *h = nc->h;
    if (!token_usable(nc, token, key_len)) {
        return key_len > h->max_item && token->valid ? MC_ERR_TOO_LARGE : MC_ERR_ARG;
    }
    if (value_len > h->max_item - key_len) {
        return MC_ERR_TOO_LARGE;
    }
    /* lock busy: a later read fills instead */
    int rc = nc_trylock(nc);
    if (rc != 0) {
        return rc == EBUSY ? MC_ERR_NOTFOUND : MC_ERR_LOCK;
    }
    return install(nc, token, key, key_len, value, value_len, 0);
}

uint64_t mc_nc_next_write_id(mc_nc *nc)
{
    /* unique on this node; across nodes, as unlikely to meet as two random
     * 64-bit numbers (node ids are random) */
    uint64_t id = hash_mix(nc->h->node_id + atomic_fetch_add(&nc->h->writes, 1) * 0x9e3779b97f4a7c15ULL);
    return id ? id : 1;
}

mc_status mc_nc_fill_written(mc_nc *nc, const mc_nc_token *token, const char *key, size_t key_len,
                             const void *value, size_t value_len, uint64_t write_id)
{
    mc_nc_header *h = nc->h;
    if (!token_usable(nc, token, key_len) || value_len > h->max_item - key_len || write_id == 0) {
        return MC_ERR_NOTFOUND;
    }
    /* lock busy: nothing installed, and mc_nc_written drops the old value
     * once Redis answered */
    if (nc_trylock(nc) != 0) {
        return MC_ERR_NOTFOUND;
    }
    return install(nc, token, key, key_len, value, value_len, write_id);
}

int mc_nc_holds(mc_nc *nc, const mc_nc_token *token)
{
    /* a hash collision only makes a write install */
    return token->valid && way_with_hash(bucket_of(nc, token->hash), token->hash) >= 0;
}

/* The common invalidation, of a key this node does not hold, without the
 * lock: makes fills of the bucket in flight fail (gen), then returns 1 if
 * no slot of the bucket has key's hash (counted as an invalidation), else
 * 0 and the caller takes the lock.  install re-checks gen inside its write
 * window, so a fill racing this either backs out or is seen here. */
static int drop_without_lock(mc_nc *nc, nc_bucket *b, uint64_t hash)
{
    atomic_fetch_add_explicit(&b->gen, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    uint64_t s = atomic_load_explicit(&b->seq, memory_order_acquire);
    if (s & 1) {
        return 0;           /* a write in progress (or a writer died in one) */
    }
    int held = way_with_hash(b, hash) >= 0;
    atomic_thread_fence(memory_order_acquire);
    if (held || LOAD(&b->seq) != s) {
        return 0;
    }
    ADD(&nc->h->invalidations, 1);
    return 1;
}

/* Keeps key's entry only if write_id wrote it (then serves it if confirm). */
static void keep_only(mc_nc *nc, uint32_t chan, const char *key, size_t key_len, uint64_t write_id, int confirm)
{
    if (chan >= MC_NC_CHANNELS) {
        return;
    }
    uint64_t hash = key_hash(chan, key, key_len);
    nc_bucket *b = bucket_of(nc, hash);
    /* either way, fills of this bucket in flight now fail (gen) */
    if (drop_without_lock(nc, b, hash) || nc_lock(nc) != 0) {
        return;
    }
    int w = find_way(nc, b, hash, chan, key, key_len);
    if (w >= 0) {
        nc_entry *e = entry_at(nc, LOAD(&b->slot[w].pos));
        if (write_id != 0 && e->write_id == write_id) {
            /* its own write: serve it from now on (again, in a cluster, where
             * every subscription delivers the announcement) */
            if (confirm && e->pending) {
                bucket_write_begin(b);
                e->pending = 0;
                bucket_write_end(b);
            }
        } else {
            drop_way(nc, b, w);
            ADD(&nc->h->invalidations, 1);
        }
    } else {
        ADD(&nc->h->invalidations, 1);
    }
    nc_unlock(nc);
}

void mc_nc_confirm(mc_nc *nc, uint32_t chan, const char *key, size_t key_len, uint64_t write_id)
{
    keep_only(nc, chan, key, key_len, write_id, 1);
}

/* Whether key's entry is the one write_id installed (a lock-free look, as
 * mc_nc_get's). */
static int holds_own(mc_nc *nc, nc_bucket *b, uint64_t hash, uint32_t chan, const char *key, size_t key_len,
                     uint64_t write_id)
{
    uint64_t s1 = atomic_load_explicit(&b->seq, memory_order_acquire);
    if (s1 & 1) {
        return 0;
    }
    int own = 0;
    uint64_t pos = 0;
    for (int w = 0; w < NC_WAYS && !own; w++) {
        uint64_t len = LOAD(&b->slot[w].len);
        pos = LOAD(&b->slot[w].pos);
        if (LOAD(&b->slot[w].hash) != hash || len < sizeof(nc_entry) + key_len || !in_ring(nc, pos, len)
            || pos < atomic_load_explicit(&nc->h->tail, memory_order_acquire)) {
            continue;
        }
        nc_entry e;
        memcpy(&e, entry_at(nc, pos), sizeof(e));
        own = e.magic == ENTRY_MAGIC && e.write_id == write_id && e.chan == chan && e.key_len == key_len
            && memcmp((const char *)(entry_at(nc, pos) + 1), key, key_len) == 0;
    }
    atomic_thread_fence(memory_order_acquire);
    return own && LOAD(&b->seq) == s1 && pos >= LOAD(&nc->h->tail);    /* not overwritten while looked at */
}

void mc_nc_written(mc_nc *nc, uint32_t chan, const char *key, size_t key_len, uint64_t write_id)
{
    if (chan >= MC_NC_CHANNELS) {
        return;
    }
    /* the common case, its own entry still there: no lock (the install
     * already made fills in flight fail; a read cannot replace it) */
    uint64_t hash = key_hash(chan, key, key_len);
    nc_bucket *b = bucket_of(nc, hash);
    if (write_id != 0 && holds_own(nc, b, hash, chan, key, key_len, write_id)) {
        return;
    }
    keep_only(nc, chan, key, key_len, write_id, 0);
}

void mc_nc_invalidate(mc_nc *nc, uint32_t chan, const char *key, size_t key_len)
{
    if (chan >= MC_NC_CHANNELS) {
        return;
    }
    uint64_t hash = key_hash(chan, key, key_len);
    nc_bucket *b = bucket_of(nc, hash);
    /* either way, fills of this bucket in flight now fail (gen) */
    if (drop_without_lock(nc, b, hash) || nc_lock(nc) != 0) {
        return;
    }
    int w = find_way(nc, b, hash, chan, key, key_len);
    if (w >= 0) {
        drop_way(nc, b, w);
    }
    ADD(&nc->h->invalidations, 1);
    nc_unlock(nc);
}

void mc_nc_invalidate_group(mc_nc *nc, uint32_t chan, const char *group, size_t group_len)
{
    if (chan >= MC_NC_CHANNELS) {
        return;
    }
    /* Readers and fill commits compare it; seq_cst so that a read which
     * starts after this returns sees it. */
    atomic_fetch_add(&nc->h->group_epoch[group_slot(chan, group, group_len)], 1);
    ADD(&nc->h->invalidations, 1);
}

void mc_nc_flush_channel(mc_nc *nc, uint32_t chan)
{
    if (chan >= MC_NC_CHANNELS) {
        return;
    }
    ADD(&nc->h->chan[chan].epoch, 1);   /* fills in flight compare it too */
    ADD(&nc->h->flushes, 1);
}

void mc_nc_flush(mc_nc *nc)
{
    if (nc_lock(nc) != 0) {
        return;
    }
    nc_reset(nc);
    nc_unlock(nc);
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23      /* Linux 5.14 */
#endif

int mc_nc_prefault_index(mc_nc *nc)
{
    return madvise(nc->h, nc->h->ring_off, MADV_POPULATE_WRITE) == 0 ? 0 : -1;
}

int mc_nc_prefault(mc_nc *nc)
{
    /* index first: every lookup touches it; then the ring, a chunk at a
     * time so other threads are not held off for long */
    size_t step = (size_t)8 << 20;
    for (size_t off = 0; off < nc->map_size; off += step) {
        size_t len = nc->map_size - off < step ? nc->map_size - off : step;
        if (madvise((char *)nc->h + off, len, MADV_POPULATE_WRITE) != 0) {
            return -1;
        }
    }
    return 0;
}

static uint64_t gate_tag(uint64_t key_hash)
{
    return (key_hash >> 32 | 1) << 32;       /* never 0: a slot never used is nobody's */
}

int mc_nc_gate(mc_nc *nc, uint64_t key_hash, uint64_t now_ms, uint32_t interval_ms)
{
    _Atomic uint64_t *slot = &nc->h->gates[key_hash & (MC_NC_GATES - 1)];
    uint64_t old = atomic_load(slot), tag = gate_tag(key_hash);
    /* the due time is kept modulo 2^32 ms (49 days): compared as a difference */
    if ((old & 0xffffffff00000000ULL) == tag && (int32_t)((uint32_t)old - (uint32_t)now_ms) > 0) {
        return 0;
    }
    uint64_t closed = tag | (uint32_t)(now_ms + interval_ms);
    return atomic_compare_exchange_strong(slot, &old, closed);    /* lost: another worker opened it */
}

void mc_nc_gate_reopen(mc_nc *nc, uint64_t key_hash, uint64_t now_ms)
{
    _Atomic uint64_t *slot = &nc->h->gates[key_hash & (MC_NC_GATES - 1)];
    uint64_t old = atomic_load(slot), tag = gate_tag(key_hash);
    if ((old & 0xffffffff00000000ULL) == tag) {
        (void)atomic_compare_exchange_strong(slot, &old, tag | (uint32_t)now_ms);
    }
}

uint64_t mc_nc_node_id(const mc_nc *nc)
{
    return nc->h->node_id;
}

size_t mc_nc_max_item(const mc_nc *nc)
{
    return (size_t)nc->h->max_item;
}

void mc_nc_get_stats(mc_nc *nc, mc_nc_stats *s)
{
    mc_nc_header *h = nc->h;
    s->fills = LOAD(&h->fills);
    s->fill_drops = LOAD(&h->fill_drops);
    s->invalidations = LOAD(&h->invalidations);
    s->flushes = LOAD(&h->flushes);
    s->evictions = LOAD(&h->evictions);
    s->recoveries = LOAD(&h->recoveries);
    s->entries = LOAD(&h->entries);
    s->bytes_used = LOAD(&h->head) - LOAD(&h->tail);
    s->bytes_total = h->size;
}

/* ---- test hook (nearcache_internal.h) ---------------------------------- */

void mc_nc_test_break_mid_update(mc_nc *nc, uint32_t chan, const char *key, size_t key_len)
{
    nc_bucket *b = bucket_of(nc, key_hash(chan, key, key_len));
    if (nc_lock(nc) != 0) {
        return;
    }
    bucket_write_begin(b);
    for (int w = 0; w < NC_WAYS; w++) {
        STORE(&b->slot[w].pos, LOAD(&nc->h->head) + 12345);
        STORE(&b->slot[w].len, 8);
    }
    STORE(&nc->h->tail, LOAD(&nc->h->head) + 7);   /* tail > head: a broken invariant */
}

uint64_t mc_nc_test_group_epoch(mc_nc *nc, uint32_t chan, const char *group, size_t group_len)
{
    return atomic_load(&nc->h->group_epoch[group_slot(chan, group, group_len)]);
}
