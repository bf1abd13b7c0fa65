/*
 * lock.h - named exclusive locks in a directory shared by many hosts
 * (Amazon EFS / NFSv4.1, or any local filesystem).
 *
 * Approach.  Each key is hashed (SHA-256) to one lock file
 * <dir>/<2 hex>/<64 hex>.lck, so any bytes are a valid key and no key can
 * name a path outside the directory.  No symbolic link below the directory
 * is ever followed, nor the directory's own last component (whoever can
 * write there could point lock files elsewhere): one is an MC_ERR_SETUP
 * naming it.  Files are created 0600 and directories 0700, or 0660 and
 * 02770 owned by the group option, whatever the umask.  Two mechanisms:
 *
 *  - MC_LOCK_OFD (default): an open-file-description write lock
 *    (F_OFD_SETLK, never POSIX F_SETLK, never a blocking F_OFD_SETLKW: on
 *    NFSv4 the kernel polls blocked locks at 1-30 s).  The descriptor stays
 *    open in a small per-handle LRU so a repeated acquire costs the lock
 *    call alone; the kernel drops the lock when the process dies (all its
 *    descriptors close) and the NFS server drops a vanished client's locks
 *    when its lease expires.  An owner record (host, pid, boot id, time,
 *    generation, escaped key) is written into the locked file for
 *    diagnosis only: the lock, not the record, is the truth.
 *
 *  - MC_LOCK_LEASE (fallback where byte-range locks are unavailable or
 *    unreliable): <hash>.lease created with O_EXCL holding the owner record
 *    and a lease; a background thread of the holder rewrites it every
 *    lease/3.  A contender treats the file as stale when its holder is on
 *    this host (same boot id) and its pid is gone, or when the record did
 *    not change for a whole lease on the contender's own monotonic clock,
 *    or when its wall-clock expiry is more than one more lease in the past
 *    (tolerates clock skew up to a lease).  A lock so never outlives a dead
 *    node by more than about two leases.
 *
 * Waiting: non-blocking attempts with jittered exponential backoff
 * (backoff_min_us doubling up to backoff_max_us, never past the deadline).
 *
 * Threads: one handle must be used by one thread at a time; the lease
 * renewal thread synchronises with it internally.  After fork() the child
 * must not use a handle created by its parent (it would release the
 * parent's OFD locks): the handle notices the pid change and reports no
 * lock held.
 */
#ifndef MC_LOCK_H
#define MC_LOCK_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"

typedef enum mc_lock_mode {
    MC_LOCK_AUTO = 0,   /* OFD when the filesystem supports it, else LEASE */
    MC_LOCK_OFD = 1,
    MC_LOCK_LEASE = 2
} mc_lock_mode;

typedef struct mc_lock_options {
    mc_lock_mode mode;
    unsigned max_open_files;  /* descriptors kept per handle, held locks included; 0 = 8 */
    unsigned lease_ms;        /* LEASE mode lease length; 0 = 30000 */
    unsigned backoff_min_us;  /* first wait after a busy attempt; 0 = 1000 */
    unsigned backoff_max_us;  /* wait cap; 0 = 50000 */
    int verify_reuse;         /* OFD: after locking a reused descriptor, check (one
                                 forced GETATTR) that the file was not unlinked by
                                 a forced release; <0 = default (on), 0 off, >0 on */
    int owner_record;         /* write the owner record at acquire; <0 default (on) */
    const char *host;         /* host/pod name for records; NULL = gethostname() */
    const char *group;        /* a group name or decimal gid whose members share the
                                 locks (files 0660, directories 02770 owned by it); this
                                 process must be in it.  NULL: the owner only (0600, 0700) */
} mc_lock_options;

/* The default of each field (mode AUTO, verify_reuse/owner_record -1). */
void mc_lock_options_init(mc_lock_options *options);

typedef struct mc_lockdir mc_lockdir;

/*
 * Opens a lock directory.  The directory must exist and be writable (it is
 * never created: a missing EFS mount must not silently become a local
 * directory).  Detects the filesystem (statfs: NFS, FUSE, other) and the
 * mount's local_lock option; in AUTO mode probes OFD locking once.
 * Copies dir and options; nothing passed in must outlive the call.
 * Result: MC_OK and *out set; else *out NULL and, when errmsg is not NULL,
 * *errmsg a malloc'd English message (caller frees):
 *   MC_ERR_ARG     bad option values (a group that does not exist or that
 *                  this process is not in) or empty dir
 *   MC_ERR_SETUP   directory missing, not a directory, a symbolic link, or
 *                  not writable
 *   MC_ERR_UNSUPPORTED  mode OFD forced where OFD locks fail
 *   MC_ERR_NOMEM
 */
mc_status mc_lockdir_open(const char *dir, const mc_lock_options *options,
                          mc_lockdir **out, char **errmsg);

/* Releases every held lock, stops the renewal thread and frees.  Unlocked
 * OFD descriptors go to a process-wide pool (at most 8), where the next
 * handle on the same lock file takes them back: PHP frees objects at each
 * request end, and the pool keeps PHP-FPM workers from reopening lock files
 * every request.  Accepts NULL. */
void mc_lockdir_free(mc_lockdir *ld);

/*
 * Takes the lock named by key (any bytes, 1..MC_LOCK_MAX_KEY long), trying
 * until timeout_s seconds passed (0 = one attempt).
 *   MC_OK            acquired
 *   MC_ERR_TIMEOUT   another owner held it until the deadline
 *   MC_ERR_LOCK      this handle already holds it (not recursive)
 *   MC_ERR_QUOTA     a limit: max_open_files descriptors all hold locks,
 *                    or the server refused (EDQUOT/ENOLCK/EMFILE/ENFILE)
 *   MC_ERR_SETUP     the directory vanished or became read-only, or a
 *                    symbolic link stands where the key's subdirectory or
 *                    lock file should be (mc_lockdir_error names it)
 *   MC_ERR_IO        any other system error (see mc_lockdir_error)
 *   MC_ERR_ARG       empty or too long key, negative timeout
 */
#define MC_LOCK_MAX_KEY 4096
mc_status mc_lock_acquire(mc_lockdir *ld, const void *key, size_t keylen, double timeout_s);

/*
 * Releases a lock this handle holds.
 *   MC_OK, MC_ERR_NOTFOUND (not held by this handle),
 *   MC_ERR_LOST (it was released anyway, but it had been lost before: EIO on
 *   NFS after a lease loss, a LEASE file taken over or removed by force).
 */
mc_status mc_lock_release(mc_lockdir *ld, const void *key, size_t keylen);

/* Releases every lock the handle holds (request end).  Returns how many. */
unsigned mc_lock_release_all(mc_lockdir *ld);

/* 1 if this handle holds key, else 0.  No I/O. */
int mc_lock_held(const mc_lockdir *ld, const void *key, size_t keylen);

/*
 * Whether anyone (this handle included) holds key: *locked 1 or 0.
 * MC_OK or MC_ERR_IO/MC_ERR_ARG.
 */
mc_status mc_lock_is_locked(mc_lockdir *ld, const void *key, size_t keylen, int *locked);

/* The owner record of a lock; strings malloc'd, freed by mc_lock_owner_clear. */
typedef struct mc_lock_owner {
    char *host;               /* unescaped; may be "" if the record is unreadable */
    long long pid;            /* -1 if unknown */
    char *boot_id;
    double acquired_at;       /* Unix time, holder's clock; 0 if unknown */
    unsigned long long generation;
    char *key;                /* escaped key as recorded (printable) */
    double expires_at;        /* LEASE: holder's wall-clock expiry; 0 otherwise */
} mc_lock_owner;

void mc_lock_owner_clear(mc_lock_owner *owner);

/*
 * Fills *owner when key is held by anyone: MC_OK.  MC_ERR_NOTFOUND when
 * free.  A held lock with an unreadable record gives MC_OK with pid -1.
 */
mc_status mc_lock_owner_get(mc_lockdir *ld, const void *key, size_t keylen, mc_lock_owner *owner);

/*
 * Administrator's release: frees key whoever holds it.  Held by this
 * handle: a normal release.  Otherwise the lock file is unlinked, so the
 * next acquirer creates a new file; a live holder that keeps running is
 * not stopped (and notices at its next acquire, see verify_reuse).
 *   MC_OK (a lock was broken), MC_ERR_NOTFOUND (it was free), MC_ERR_IO.
 */
mc_status mc_lock_force_release(mc_lockdir *ld, const void *key, size_t keylen);

typedef struct mc_lock_stats {
    mc_lock_mode mode;          /* the mode in use (never AUTO) */
    int nfs;                    /* 1 if the directory is on NFS */
    const char *fstype;         /* "nfs4", "fuse.efs-sim", "ext4"...; owned by ld */
    const char *local_lock;     /* the mount's local_lock= value or "" */
    uint64_t acquired, released, timeouts, busy_attempts, attempts;
    uint64_t lost, quota_errors, io_errors, forced, stale_taken, fds_opened, fds_closed;
    uint64_t fds_reused;        /* descriptors taken back from the process-wide pool */
    double wait_ms_total;       /* time spent in acquire, all attempts */
    double wait_ms_max;
    unsigned held, open_files;
} mc_lock_stats;

/* Descriptors in the process-wide pool (see mc_lockdir_free). */
unsigned mc_lock_pool_size(void);

/* Copies the counters.  Never fails. */
void mc_lock_stats_get(const mc_lockdir *ld, mc_lock_stats *stats);

/* The last system error message of the handle (e.g. "open: Permission
 * denied: /efs/locks/ab/ab12....lck"); "" if none.  Owned by ld, valid
 * until the next call on ld. */
const char *mc_lockdir_error(const mc_lockdir *ld);

/* The lock file path for key (for diagnosis and tests); malloc'd, NULL on
 * MC_ERR_NOMEM or a bad key. */
char *mc_lock_path(const mc_lockdir *ld, const void *key, size_t keylen);

/* Escapes bytes for a one-line record: [A-Za-z0-9._:/@-] kept, others %XX.
 * Appends to out; MC_ERR_NOMEM. */
struct mc_buf;
mc_status mc_lock_escape(struct mc_buf *out, const void *data, size_t len);

#endif
