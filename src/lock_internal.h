/*
 * lock_internal.h - state shared by lock.c (handle, OFD mode), lock_record.c
 * (owner records) and lock_lease.c (LEASE mode).  Not a public API.
 */
#ifndef MC_LOCK_INTERNAL_H
#define MC_LOCK_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include "buf.h"
#include "lock.h"

#define MC_HASH_LEN 32

/* One lock file this handle has open: a cached OFD descriptor (held or
 * not), or a LEASE file it holds. */
typedef struct mc_lock_entry {
    unsigned char hash[MC_HASH_LEN];
    int fd;
    int held;
    int lost;                 /* set by the renewal thread (LEASE) or at release */
    uint64_t last_use;        /* LRU clock */
    uint64_t generation;
    double acquired_at;       /* wall clock */
    uint64_t renewed;         /* LEASE: renewals so far */
    mc_buf key;               /* escaped key, for records */
} mc_lock_entry;

/* A contender's view of someone else's LEASE file: unchanged content since
 * first_seen (monotonic seconds) means the holder stopped renewing. */
typedef struct mc_lease_seen {
    unsigned char hash[MC_HASH_LEN];
    uint64_t fingerprint;
    double first_seen;
} mc_lease_seen;

#define MC_LEASE_SEEN_MAX 64

struct mc_lockdir {
    char *dir;
    size_t dirlen;
    mc_lock_options opt;      /* defaults applied; opt.host points at host */
    char *host;               /* raw host name */
    char *boot_id;            /* "" if unknown */
    char *pidns;              /* "pid:[4026531836]" or "" */
    pid_t pid;                /* creator; a child after fork() holds nothing */
    mc_lock_mode mode;
    int nfs;
    char *fstype;
    char *local_lock;
    unsigned char subdir_ok[256 / 8];

    mc_lock_entry *entries;   /* max_open_files slots; fd < 0 = free slot */
    uint64_t clock;
    uint64_t generation;
    uint64_t rng;

    mc_lease_seen seen[MC_LEASE_SEEN_MAX];
    unsigned nseen;

    mc_lock_stats stats;
    mc_buf err;               /* NUL-terminated last error */

    /* LEASE renewal thread; mu guards entries while it runs. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int thread_running;
    int thread_stop;
};

/* lock.c helpers used by the other files. */
double mc_lock_mono_now(void);
double mc_lock_wall_now(void);
void mc_lock_set_error(mc_lockdir *ld, const char *what, int err, const char *path);
mc_status mc_lock_errno_status(int err);
char *mc_lock_file_path(const mc_lockdir *ld, const unsigned char *hash, const char *suffix);
mc_status mc_lock_ensure_subdir(mc_lockdir *ld, const unsigned char *hash);
void mc_lock_backoff(mc_lockdir *ld, double *delay_us, double deadline);
mc_lock_entry *mc_lock_find(mc_lockdir *ld, const unsigned char *hash);
mc_lock_entry *mc_lock_free_slot(mc_lockdir *ld);
void mc_lock_entry_close(mc_lockdir *ld, mc_lock_entry *e);

/* lock_record.c */
#define MC_RECORD_MAGIC "moodlecache-lock 1\n"
#define MC_RECORD_FORCED "moodlecache-lock-forced\n"
mc_status mc_lock_record_build(const mc_lockdir *ld, const mc_lock_entry *e, double expires_at, mc_buf *out);
/* Parses a record; 0 if it is one, -1 if not.  Fills owner (caller clears)
 * and, when not NULL, *lease_ms (0 if absent), *pidns (malloc'd). */
int mc_lock_record_parse(const char *data, size_t len, mc_lock_owner *owner, unsigned *lease_ms, char **pidns);
mc_status mc_lock_read_file(int fd, mc_buf *out, size_t max);
char *mc_lock_read_small(const char *path);
char *mc_lock_unescape(const char *s);
uint64_t mc_lock_fnv1a(const void *data, size_t len);

/* lock.c: the pool of unlocked OFD descriptors kept for the next handle. */
#define MC_LOCK_POOL_MAX 8
/* A pooled descriptor of path (removed from the pool), or -1. */
int mc_lock_pool_take(const char *path);
/* Pools fd (ownership passes); closes the least recently pooled when full. */
void mc_lock_pool_put(const char *path, int fd);

/* lock_lease.c */
mc_status mc_lease_acquire(mc_lockdir *ld, const unsigned char *hash, const void *key, size_t keylen, double deadline);
mc_status mc_lease_release(mc_lockdir *ld, mc_lock_entry *e);
mc_status mc_lease_is_locked(mc_lockdir *ld, const unsigned char *hash, int *locked);
mc_status mc_lease_owner(mc_lockdir *ld, const unsigned char *hash, mc_lock_owner *owner);
mc_status mc_lease_force(mc_lockdir *ld, const unsigned char *hash);
void mc_lease_stop_thread(mc_lockdir *ld);

#endif
