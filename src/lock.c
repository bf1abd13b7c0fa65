/*
 * lock.c - the lock table: a handle's open lock files (an LRU of
 * descriptors, held locks included), the process-wide pool of unlocked
 * descriptors, filesystem detection, and the OFD mode.  LEASE mode sits
 * below it (lock_lease.c); both reach the directory through lock_dir.c.
 * The approach: lock.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "lock_dir.h"
#include "lock_lease.h"

#ifndef NFS_SUPER_MAGIC
#define NFS_SUPER_MAGIC 0x6969
#endif

/* One lock file this handle has open: a cached OFD descriptor (held or
 * not), or a LEASE file it holds. */
typedef struct mc_lock_entry {
    unsigned char hash[MC_HASH_LEN];
    int fd;                   /* -1: a free slot; LEASE: the lease layer's */
    int held;
    int lost;                 /* OFD: a write failed with EIO (NFS lease loss) */
    uint64_t last_use;        /* LRU clock */
    uint64_t generation;
    double acquired_at;       /* wall clock */
    mc_buf key;               /* escaped key, for records */
} mc_lock_entry;

struct mc_lockdir {
    mc_lock_dir dir;          /* where and who; errors and counters */
    mc_lock_options opt;      /* defaults applied; host and group not kept */
    mc_lock_mode mode;
    int nfs;
    char *fstype;
    char *local_lock;
    mc_leases *leases;        /* LEASE mode */
    mc_lock_entry *entries;   /* max_open_files slots */
    uint64_t clock;
    uint64_t generation;
};

#define LCK ".lck"

void mc_lock_options_init(mc_lock_options *o)
{
    memset(o, 0, sizeof(*o));
    o->mode = MC_LOCK_AUTO;
    o->verify_reuse = -1;
    o->owner_record = -1;
}

const char *mc_lockdir_error(const mc_lockdir *ld)
{
    return (ld->dir.err.len > 0 && ld->dir.err.data != NULL) ? ld->dir.err.data : "";
}

static int key_ok(const void *key, size_t keylen)
{
    return key != NULL && keylen > 0 && keylen <= MC_LOCK_MAX_KEY;
}

/* ---- the table ---- */

static mc_lock_entry *find(mc_lockdir *ld, const unsigned char *hash)
{
    for (unsigned i = 0; i < ld->opt.max_open_files; i++) {
        mc_lock_entry *e = &ld->entries[i];
        if (e->fd >= 0 && memcmp(e->hash, hash, MC_HASH_LEN) == 0) {
            return e;
        }
    }
    return NULL;
}

/* Frees slot e, closing its descriptor unless it is a lease's (the lease
 * layer closes those). */
static void entry_close(mc_lockdir *ld, mc_lock_entry *e)
{
    if (e->fd >= 0) {
        if (ld->mode != MC_LOCK_LEASE) {
            close(e->fd);
        }
        ld->dir.stats.fds_closed++;
        ld->dir.stats.open_files--;
    }
    if (e->held) {
        ld->dir.stats.held--;
    }
    e->fd = -1;
    e->held = 0;
    e->lost = 0;
    mc_buf_free(&e->key);
}

/* Puts an open descriptor of hash's file into slot e. */
static void entry_fill(mc_lockdir *ld, mc_lock_entry *e, const unsigned char *hash, int fd)
{
    memcpy(e->hash, hash, MC_HASH_LEN);
    e->fd = fd;
    e->held = 0;
    e->lost = 0;
    e->last_use = ++ld->clock;
    ld->dir.stats.open_files++;
}

/* A free slot, closing the least recently used unheld descriptor if all
 * are taken; NULL when every slot holds a lock. */
static mc_lock_entry *free_slot(mc_lockdir *ld)
{
    mc_lock_entry *victim = NULL;
    for (unsigned i = 0; i < ld->opt.max_open_files; i++) {
        mc_lock_entry *e = &ld->entries[i];
        if (e->fd < 0) {
            return e;
        }
        if (!e->held && (victim == NULL || e->last_use < victim->last_use)) {
            victim = e;
        }
    }
    if (victim != NULL) {
        entry_close(ld, victim);
    }
    return victim;
}

/* Starts e's new hold: the escaped key (for records), a generation, the time. */
static mc_status entry_begin(mc_lockdir *ld, mc_lock_entry *e, const void *key, size_t keylen)
{
    mc_buf_clear(&e->key);
    e->generation = ++ld->generation;
    e->acquired_at = mc_lock_wall_now();
    return mc_lock_escape(&e->key, key, keylen);
}

static void entry_held(mc_lockdir *ld, mc_lock_entry *e)
{
    e->held = 1;
    e->lost = 0;
    e->last_use = ++ld->clock;
    ld->dir.stats.held++;
    ld->dir.stats.acquired++;
}

static mc_lock_record entry_record(const mc_lock_entry *e)
{
    mc_lock_record r = {.acquired_at = e->acquired_at, .generation = e->generation,
                        .key = e->key.data, .keylen = e->key.len};
    return r;
}

/* ---- process-wide descriptor pool ----
 *
 * PHP frees a FileLocks object at the end of each request, yet a PHP-FPM
 * worker serves thousands: when a handle is freed, its unlocked
 * descriptors come here, and the next handle on the same lock file takes
 * one back instead of opening the file again (an OPEN round trip on EFS).
 * Only unlocked descriptors are pooled, so sharing one between handles
 * never shares a lock.  Bounded (POOL_MAX, least recently pooled
 * closed first); a fork child drops what it inherited.
 */

#define POOL_MAX 8

typedef struct pool_entry {
    char *path;      /* NULL = free slot */
    int fd;
    uint64_t stamp;
} pool_entry;

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pool_entry pool[POOL_MAX];
static uint64_t pool_clock;
static pid_t pool_pid;

static void drop(pool_entry *p)
{
    if (p->path != NULL) {
        close(p->fd);
        free(p->path);
        p->path = NULL;
        p->fd = -1;
    }
}

/* Called with pool_mu held. */
static void check_owner(void)
{
    pid_t pid = getpid();
    if (pool_pid != pid) {
        for (int i = 0; i < POOL_MAX; i++) {
            drop(&pool[i]);   /* inherited from the parent: unlocked, closing is harmless */
        }
        pool_pid = pid;
    }
}

static int pool_take(const char *path)
{
    int fd = -1;
    pthread_mutex_lock(&pool_mu);
    check_owner();
    for (int i = 0; i < POOL_MAX; i++) {
        if (pool[i].path != NULL && strcmp(pool[i].path, path) == 0) {
            fd = pool[i].fd;
            free(pool[i].path);
            pool[i].path = NULL;
            pool[i].fd = -1;
            break;
        }
    }
    pthread_mutex_unlock(&pool_mu);
    return fd;
}

static void pool_put(const char *path, int fd)
{
    char *copy = strdup(path);
    if (copy == NULL) {
        close(fd);
        return;
    }
    pthread_mutex_lock(&pool_mu);
    check_owner();
    pool_entry *slot = NULL;
    for (int i = 0; i < POOL_MAX; i++) {
        if (pool[i].path != NULL && strcmp(pool[i].path, path) == 0) {
            slot = &pool[i];   /* one descriptor per file is enough */
            break;
        }
    }
    if (slot == NULL) {
        for (int i = 0; i < POOL_MAX; i++) {
            if (pool[i].path == NULL) {
                slot = &pool[i];
                break;
            }
            if (slot == NULL || pool[i].stamp < slot->stamp) {
                slot = &pool[i];
            }
        }
    }
    drop(slot);
    slot->path = copy;
    slot->fd = fd;
    slot->stamp = ++pool_clock;
    pthread_mutex_unlock(&pool_mu);
}

unsigned mc_lock_pool_size(void)
{
    unsigned n = 0;
    pthread_mutex_lock(&pool_mu);
    check_owner();
    for (int i = 0; i < POOL_MAX; i++) {
        n += pool[i].path != NULL;
    }
    pthread_mutex_unlock(&pool_mu);
    return n;
}

/* ---- filesystem detection ---- */

/* The mountinfo line of the mount holding path: fstype and local_lock=. */
static void detect_mount(mc_lockdir *ld, const char *real)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (f == NULL) {
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    size_t best = 0;
    while (getline(&line, &cap, f) > 0) {
        /* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
        char *save = NULL;
        char *fields[5] = {0};
        char *tok = strtok_r(line, " ", &save);
        int i = 0;
        while (tok != NULL && i < 5) {
            fields[i++] = tok;
            if (i < 5) {
                tok = strtok_r(NULL, " ", &save);
            }
        }
        if (i < 5) {
            continue;
        }
        const char *mp = fields[4];
        size_t mlen = strlen(mp);
        int under = strcmp(mp, "/") == 0
            || (strncmp(real, mp, mlen) == 0 && (real[mlen] == '/' || real[mlen] == '\0'));
        if (!under || mlen < best) {
            continue;
        }
        char *fstype = NULL, *super = NULL;
        while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
            if (strcmp(tok, "-") == 0) {
                fstype = strtok_r(NULL, " ", &save);
                (void)strtok_r(NULL, " ", &save);
                super = strtok_r(NULL, " \n", &save);
                break;
            }
        }
        if (fstype == NULL) {
            continue;
        }
        best = mlen;
        char *ft = strdup(fstype);
        if (ft != NULL) {
            free(ld->fstype);
            ld->fstype = ft;
        }
        const char *ll = super ? strstr(super, "local_lock=") : NULL;
        char *llv = NULL;
        if (ll != NULL) {
            ll += strlen("local_lock=");
            llv = strndup(ll, strcspn(ll, ",\n"));
        } else {
            llv = strdup("");
        }
        if (llv != NULL) {
            free(ld->local_lock);
            ld->local_lock = llv;
        }
    }
    free(line);
    fclose(f);
}

#define PROBE ".probe.lck"

/* Whether OFD locks work here: lock and unlock a probe file.  1 yes, 0 no,
 * -1 the probe file is a symbolic link (never followed, and no reason to
 * fall back to lease mode). */
static int probe_ofd(mc_lockdir *ld)
{
    int ok = 0;
    int fd = openat(ld->dir.fd, PROBE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, ld->dir.file_mode);
    if (fd < 0 && errno == ELOOP) {
        return -1;
    }
    if (fd >= 0) {
        (void)mc_lock_dir_fix_modes(&ld->dir, fd, ld->dir.file_mode);
        struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
        if (fcntl(fd, F_OFD_SETLK, &fl) == 0 || errno == EAGAIN || errno == EACCES) {
            ok = 1;
        }
        int err = errno;
        fl.l_type = F_UNLCK;
        (void)fcntl(fd, F_OFD_SETLK, &fl);
        close(fd);
        errno = err;
    }
    return ok;
}

static mc_status check_options(mc_lock_options *o, char **errmsg)
{
    if (o->mode != MC_LOCK_AUTO && o->mode != MC_LOCK_OFD && o->mode != MC_LOCK_LEASE) {
        return mc_lock_fail_msg(errmsg, MC_ERR_ARG, "mode must be auto, ofd or lease");
    }
    if (o->max_open_files == 0) o->max_open_files = 8;
    if (o->max_open_files > 1024) {
        return mc_lock_fail_msg(errmsg, MC_ERR_ARG,
                                "max_open_files must be 1..1024 (EFS allows 256 locked file-process pairs per mount)");
    }
    if (o->lease_ms == 0) o->lease_ms = 30000;
    if (o->lease_ms < 100) {
        return mc_lock_fail_msg(errmsg, MC_ERR_ARG, "lease_ms must be at least 100");
    }
    if (o->backoff_min_us == 0) o->backoff_min_us = 1000;
    if (o->backoff_max_us == 0) o->backoff_max_us = 50000;
    if (o->backoff_max_us < o->backoff_min_us) {
        return mc_lock_fail_msg(errmsg, MC_ERR_ARG, "backoff_max_us must not be below backoff_min_us");
    }
    if (o->verify_reuse < 0) o->verify_reuse = 1;
    if (o->owner_record < 0) o->owner_record = 1;
    return MC_OK;
}

mc_status mc_lockdir_open(const char *dir, const mc_lock_options *options, mc_lockdir **out, char **errmsg)
{
    *out = NULL;
    if (errmsg) {
        *errmsg = NULL;
    }
    mc_lock_options o;
    if (options) {
        o = *options;
    } else {
        mc_lock_options_init(&o);
    }
    if (dir == NULL || dir[0] == '\0') {
        return mc_lock_fail_msg(errmsg, MC_ERR_ARG, "lock directory must not be empty");
    }
    mc_status st = check_options(&o, errmsg);
    if (st != MC_OK) {
        return st;
    }
    mc_lockdir *ld = calloc(1, sizeof(*ld));
    if (ld == NULL) {
        return MC_ERR_NOMEM;
    }
    st = mc_lock_dir_init(&ld->dir, dir, o.group, o.host, errmsg);
    if (st != MC_OK) {
        free(ld);
        return st;
    }
    o.host = NULL;    /* not kept: the directory copied them */
    o.group = NULL;
    ld->opt = o;
    ld->dir.backoff_min_us = o.backoff_min_us;
    ld->dir.backoff_max_us = o.backoff_max_us;
    ld->entries = calloc(o.max_open_files, sizeof(*ld->entries));
    ld->fstype = strdup("");
    ld->local_lock = strdup("");
    if (ld->entries == NULL || ld->fstype == NULL || ld->local_lock == NULL) {
        mc_lockdir_free(ld);
        return MC_ERR_NOMEM;
    }
    for (unsigned i = 0; i < o.max_open_files; i++) {
        ld->entries[i].fd = -1;
    }

    struct statfs sf;
    if (fstatfs(ld->dir.fd, &sf) == 0) {
        ld->nfs = (sf.f_type == NFS_SUPER_MAGIC);
    }
    char *real = realpath(ld->dir.path, NULL);
    if (real != NULL) {
        detect_mount(ld, real);
        free(real);
    }
    if (strncmp(ld->fstype, "nfs", 3) == 0) {
        ld->nfs = 1;
    }

    int probe = o.mode == MC_LOCK_LEASE ? 0 : probe_ofd(ld);
    if (probe < 0) {
        st = mc_lock_fail_msg(errmsg, MC_ERR_SETUP,
                              "lock directory %s: %s/" PROBE " is a symbolic link: locks never follow one (remove it)",
                              ld->dir.path, ld->dir.path);
        mc_lockdir_free(ld);
        return st;
    }
    if (o.mode == MC_LOCK_LEASE) {
        ld->mode = MC_LOCK_LEASE;
    } else if (probe) {
        ld->mode = MC_LOCK_OFD;
    } else if (o.mode == MC_LOCK_OFD) {
        int e = errno;
        st = mc_lock_fail_msg(errmsg, MC_ERR_UNSUPPORTED, "OFD locks do not work in %s: %s (use mode lease)",
                              ld->dir.path, strerror(e));
        mc_lockdir_free(ld);
        return st;
    } else {
        ld->mode = MC_LOCK_LEASE;
    }
    if (ld->mode == MC_LOCK_LEASE && mc_leases_new(&ld->dir, o.lease_ms, &ld->leases) != MC_OK) {
        mc_lockdir_free(ld);
        return MC_ERR_NOMEM;
    }
    ld->dir.stats.mode = ld->mode;
    *out = ld;
    return MC_OK;
}

/* After fork() the child must not touch the parent's locks. */
static int forked(const mc_lockdir *ld)
{
    return getpid() != ld->dir.id.pid;
}

void mc_lockdir_free(mc_lockdir *ld)
{
    if (ld == NULL) {
        return;
    }
    if (ld->entries != NULL) {
        mc_lock_release_all(ld);
        for (unsigned i = 0; i < ld->opt.max_open_files; i++) {
            mc_lock_entry *e = &ld->entries[i];
            char *path = NULL;
            if (e->fd < 0) {
                continue;
            }
            if (forked(ld)) {
                /* A fork child: closing is harmless for OFD locks (the
                 * parent's descriptor keeps the description alive); lease
                 * files are the lease layer's to close. */
                if (ld->mode != MC_LOCK_LEASE) {
                    close(e->fd);
                }
                mc_buf_free(&e->key);
            } else if (ld->mode == MC_LOCK_OFD && !e->held && !e->lost
                       && (path = mc_lock_dir_path(&ld->dir, e->hash, LCK)) != NULL) {
                pool_put(path, e->fd);   /* for the next handle (request) */
                free(path);
                mc_buf_free(&e->key);
                e->fd = -1;
            } else {
                entry_close(ld, e);
            }
        }
    }
    mc_leases_free(ld->leases);
    free(ld->entries);
    free(ld->fstype);
    free(ld->local_lock);
    mc_lock_dir_fini(&ld->dir);
    free(ld);
}

/* ---- OFD mode ---- */

/* Opens hash's lock file into slot e: a pooled descriptor (*pooled = 1)
 * or a new one.  create = 0: MC_ERR_NOTFOUND when there is no file. */
static mc_status ofd_open(mc_lockdir *ld, mc_lock_entry *e, const unsigned char *hash, int create, int *pooled)
{
    *pooled = 0;
    char *path = mc_lock_dir_path(&ld->dir, hash, LCK);
    if (path == NULL) {
        return MC_ERR_NOMEM;
    }
    int fd = pool_take(path);
    free(path);
    if (fd >= 0) {
        entry_fill(ld, e, hash, fd);
        ld->dir.stats.fds_reused++;
        *pooled = 1;
        return MC_OK;
    }
    mc_status st = mc_lock_dir_open(&ld->dir, hash, LCK, create ? MC_LOCK_CREATE : MC_LOCK_EXISTING, O_RDWR, &fd);
    if (st != MC_OK) {
        return st;
    }
    entry_fill(ld, e, hash, fd);
    ld->dir.stats.fds_opened++;
    return MC_OK;
}

static int ofd_lock(int fd, short type)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    int r;
    do {
        r = fcntl(fd, F_OFD_SETLK, &fl);
    } while (r != 0 && errno == EINTR);
    return r;
}

/* How much to check a descriptor after locking it (see ofd_is_stale_file). */
enum { REUSE_NONE = 0, REUSE_CACHED = 1, REUSE_POOLED = 2 };

/* Whether a reused descriptor no longer names the live lock file: a forced
 * release writes a tombstone into the file before unlinking it (one read).
 * A descriptor from the process pool may have idled for long: also check
 * that the file still has a link (one more GETATTR on some filesystems),
 * in case it was removed by other means. */
static int ofd_is_stale_file(int fd, int reuse)
{
    char head[sizeof(MC_RECORD_FORCED) - 1];
    ssize_t n = pread(fd, head, sizeof(head), 0);
    if (n == (ssize_t)sizeof(head) && memcmp(head, MC_RECORD_FORCED, sizeof(head)) == 0) {
        return 1;
    }
    struct stat st;
    return reuse == REUSE_POOLED && fstat(fd, &st) == 0 && st.st_nlink == 0;
}

static void ofd_write_record(mc_lockdir *ld, mc_lock_entry *e)
{
    mc_buf rec = MC_BUF_INIT;
    mc_lock_record r = entry_record(e);
    if (mc_lock_record_build(&ld->dir.id, &r, &rec) == MC_OK) {
        ssize_t n = pwrite(e->fd, rec.data, rec.len, 0);
        if (n != (ssize_t)rec.len) {
            /* Diagnosis only: the lock stands.  EIO would mean a lost
             * lock; release reports that. */
            ld->dir.stats.io_errors++;
            if (n < 0 && errno == EIO) {
                e->lost = 1;
            }
        }
    }
    mc_buf_free(&rec);
}

static mc_status ofd_acquire(mc_lockdir *ld, const unsigned char *hash, const void *key, size_t keylen, double deadline)
{
    mc_lock_entry *e = find(ld, hash);
    int reused = REUSE_CACHED;
    if (e != NULL && e->held) {
        return MC_ERR_LOCK;
    }
    if (e == NULL) {
        e = free_slot(ld);
        if (e == NULL) {
            ld->dir.stats.quota_errors++;
            mc_buf_clear(&ld->dir.err);
            return MC_ERR_QUOTA;
        }
        int pooled = 0;
        mc_status st = ofd_open(ld, e, hash, 1, &pooled);
        if (st != MC_OK) {
            return st;
        }
        reused = pooled ? REUSE_POOLED : REUSE_NONE;
    }
    double delay = ld->opt.backoff_min_us;
    for (;;) {
        ld->dir.stats.attempts++;
        e->last_use = ++ld->clock;
        if (ofd_lock(e->fd, F_WRLCK) == 0) {
            if (reused != REUSE_NONE && ld->opt.verify_reuse && ofd_is_stale_file(e->fd, reused)) {
                (void)ofd_lock(e->fd, F_UNLCK);
                entry_close(ld, e);
                int pooled = 0;
                mc_status st = ofd_open(ld, e, hash, 1, &pooled);
                if (st != MC_OK) {
                    return st;
                }
                reused = pooled ? REUSE_POOLED : REUSE_NONE;
                continue;
            }
            int escaped = entry_begin(ld, e, key, keylen) == MC_OK;
            entry_held(ld, e);
            if (escaped && ld->opt.owner_record) {
                ofd_write_record(ld, e);
            }
            return MC_OK;
        }
        int err = errno;
        if (err == EAGAIN || err == EACCES) {
            ld->dir.stats.busy_attempts++;
            if (mc_lock_mono_now() >= deadline) {
                ld->dir.stats.timeouts++;
                return MC_ERR_TIMEOUT;
            }
            /* While we waited the file may be force-released: check it
             * like a reused descriptor once we get it. */
            if (reused == REUSE_NONE) {
                reused = REUSE_CACHED;
            }
            mc_lock_backoff(&ld->dir, &delay, deadline);
            continue;
        }
        mc_status st = mc_lock_dir_fail(&ld->dir, "fcntl(F_OFD_SETLK)", err, hash, LCK, -1);
        entry_close(ld, e);
        return st == MC_ERR_SETUP ? MC_ERR_IO : st;
    }
}

static mc_status ofd_release(mc_lockdir *ld, mc_lock_entry *e)
{
    int lost = e->lost;
    int r = ofd_lock(e->fd, F_UNLCK);
    int err = errno;
    e->held = 0;
    ld->dir.stats.held--;
    e->last_use = ++ld->clock;
    if (r != 0 || lost) {
        if (r != 0) {
            mc_lock_dir_set_error(&ld->dir, "fcntl(F_UNLCK)", err, NULL);
        }
        /* EIO: the NFS client lost the lock with its lease.  Close the
         * descriptor (it is unusable) and say so. */
        entry_close(ld, e);
        return MC_ERR_LOST;
    }
    return MC_OK;
}

static mc_status ofd_is_locked(mc_lockdir *ld, const unsigned char *hash, int *locked)
{
    *locked = 0;
    mc_lock_entry *e = find(ld, hash);
    if (e == NULL) {
        e = free_slot(ld);
        if (e == NULL) {
            return MC_ERR_QUOTA;
        }
        int pooled = 0;
        mc_status st = ofd_open(ld, e, hash, 0, &pooled);
        if (st == MC_ERR_NOTFOUND) {
            return MC_OK;   /* no lock file: never locked */
        }
        if (st != MC_OK) {
            return st;
        }
    }
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(e->fd, F_OFD_GETLK, &fl) != 0) {
        return mc_lock_dir_fail(&ld->dir, "fcntl(F_OFD_GETLK)", errno, hash, LCK, -1);
    }
    *locked = fl.l_type != F_UNLCK;
    return MC_OK;
}

static mc_status ofd_read_owner(mc_lockdir *ld, const unsigned char *hash, mc_lock_owner *owner)
{
    /* A fresh open: close-to-open consistency gives the holder's record. */
    int fd = -1;
    mc_lock_owner_clear(owner);
    mc_status st = mc_lock_dir_open(&ld->dir, hash, LCK, MC_LOCK_EXISTING, O_RDONLY, &fd);
    if (st == MC_ERR_SETUP) {
        return st;
    }
    if (st != MC_OK) {
        return MC_OK;   /* held, but the record cannot be read: pid -1 */
    }
    mc_buf b = MC_BUF_INIT;
    if (mc_lock_read_file(fd, &b, 65536) == MC_OK) {
        (void)mc_lock_record_parse(b.data, b.len, owner, NULL, NULL);
    }
    mc_buf_free(&b);
    close(fd);
    return MC_OK;
}

/* Breaks an OFD lock held elsewhere: marks the old file dead for any
 * process that keeps it open (a cached descriptor is checked after each
 * lock, see verify_reuse), then unlinks it: the next acquirer creates a
 * new file. */
static mc_status ofd_force(mc_lockdir *ld, const unsigned char *hash)
{
    int locked = 0;
    mc_status st = ofd_is_locked(ld, hash, &locked);
    if (st != MC_OK) {
        return st;
    }
    if (!locked) {
        return MC_ERR_NOTFOUND;
    }
    mc_lock_entry *e = find(ld, hash);
    if (e != NULL) {
        size_t n = sizeof(MC_RECORD_FORCED) - 1;
        if (pwrite(e->fd, MC_RECORD_FORCED, n, 0) != (ssize_t)n) {
            ld->dir.stats.io_errors++;
        }
        (void)fsync(e->fd);
        entry_close(ld, e);
    }
    int sub = -1;
    st = mc_lock_dir_sub(&ld->dir, hash, 0, &sub);
    if (st != MC_OK) {
        return st == MC_ERR_NOTFOUND ? MC_OK : st;
    }
    char name[MC_LOCK_NAME_MAX];
    mc_lock_name(hash, LCK, name);
    if (unlinkat(sub, name, 0) != 0 && errno != ENOENT) {
        st = mc_lock_dir_fail(&ld->dir, "unlink", errno, hash, LCK, sub);
    }
    close(sub);
    return st;
}

static mc_status own_owner(mc_lockdir *ld, mc_lock_entry *e, mc_lock_owner *owner)
{
    const mc_lock_ident *id = &ld->dir.id;
    mc_lock_owner_clear(owner);
    owner->host = strdup(id->host);
    owner->boot_id = strdup(id->boot_id);
    owner->key = strndup(e->key.len ? e->key.data : "", e->key.len);
    owner->pid = id->pid;
    owner->acquired_at = e->acquired_at;
    owner->generation = e->generation;
    if (ld->mode == MC_LOCK_LEASE) {
        owner->expires_at = mc_lock_wall_now() + ld->opt.lease_ms / 1000.0;
    }
    if (owner->host == NULL || owner->boot_id == NULL || owner->key == NULL) {
        mc_lock_owner_clear(owner);
        return MC_ERR_NOMEM;
    }
    return MC_OK;
}

/* ---- LEASE mode: the table's side ---- */

static mc_status lease_acquire(mc_lockdir *ld, const unsigned char *hash, const void *key, size_t keylen, double deadline)
{
    mc_lock_entry *e = find(ld, hash);
    if (e != NULL && e->held) {
        return MC_ERR_LOCK;
    }
    e = free_slot(ld);
    if (e == NULL) {
        ld->dir.stats.quota_errors++;
        mc_buf_clear(&ld->dir.err);
        return MC_ERR_QUOTA;
    }
    mc_status st = entry_begin(ld, e, key, keylen);
    mc_lock_record rec = entry_record(e);
    int fd = -1;
    if (st == MC_OK) {
        st = mc_lease_acquire(ld->leases, hash, &rec, deadline, &fd);
    }
    if (st != MC_OK) {
        mc_buf_free(&e->key);
        return st;
    }
    entry_fill(ld, e, hash, fd);
    ld->dir.stats.fds_opened++;
    entry_held(ld, e);
    return MC_OK;
}

static mc_status release_entry(mc_lockdir *ld, mc_lock_entry *e)
{
    mc_status st;
    if (ld->mode == MC_LOCK_LEASE) {
        st = mc_lease_release(ld->leases, e->hash);
        entry_close(ld, e);
    } else {
        st = ofd_release(ld, e);
    }
    ld->dir.stats.released++;
    if (st == MC_ERR_LOST) {
        ld->dir.stats.lost++;
    }
    return st;
}

/* ---- public API: dispatch ---- */

mc_status mc_lock_acquire(mc_lockdir *ld, const void *key, size_t keylen, double timeout_s)
{
    if (!key_ok(key, keylen) || !(timeout_s >= 0) || forked(ld)) {
        return MC_ERR_ARG;
    }
    unsigned char hash[MC_HASH_LEN];
    mc_lock_hash(key, keylen, hash);
    double start = mc_lock_mono_now();
    double deadline = start + timeout_s;
    mc_status st = ld->mode == MC_LOCK_LEASE ? lease_acquire(ld, hash, key, keylen, deadline)
                                             : ofd_acquire(ld, hash, key, keylen, deadline);
    double waited = (mc_lock_mono_now() - start) * 1000.0;
    ld->dir.stats.wait_ms_total += waited;
    if (waited > ld->dir.stats.wait_ms_max) {
        ld->dir.stats.wait_ms_max = waited;
    }
    return st;
}

static mc_lock_entry *held_entry(mc_lockdir *ld, const void *key, size_t keylen)
{
    if (forked(ld)) {
        return NULL;
    }
    unsigned char hash[MC_HASH_LEN];
    mc_lock_hash(key, keylen, hash);
    mc_lock_entry *e = find(ld, hash);
    return (e != NULL && e->held) ? e : NULL;
}

mc_status mc_lock_release(mc_lockdir *ld, const void *key, size_t keylen)
{
    if (!key_ok(key, keylen)) {
        return MC_ERR_ARG;
    }
    mc_lock_entry *e = held_entry(ld, key, keylen);
    return e == NULL ? MC_ERR_NOTFOUND : release_entry(ld, e);
}

unsigned mc_lock_release_all(mc_lockdir *ld)
{
    unsigned n = 0;
    if (ld == NULL || forked(ld)) {
        return 0;
    }
    for (unsigned i = 0; i < ld->opt.max_open_files; i++) {
        mc_lock_entry *e = &ld->entries[i];
        if (e->fd >= 0 && e->held) {
            (void)release_entry(ld, e);
            n++;
        }
    }
    return n;
}

int mc_lock_held(const mc_lockdir *ld, const void *key, size_t keylen)
{
    return key_ok(key, keylen) && held_entry((mc_lockdir *)ld, key, keylen) != NULL;
}

mc_status mc_lock_is_locked(mc_lockdir *ld, const void *key, size_t keylen, int *locked)
{
    *locked = 0;
    if (!key_ok(key, keylen)) {
        return MC_ERR_ARG;
    }
    if (held_entry(ld, key, keylen) != NULL) {
        *locked = 1;
        return MC_OK;
    }
    unsigned char hash[MC_HASH_LEN];
    mc_lock_hash(key, keylen, hash);
    return ld->mode == MC_LOCK_LEASE ? mc_lease_is_locked(ld->leases, hash, locked) : ofd_is_locked(ld, hash, locked);
}

mc_status mc_lock_owner_get(mc_lockdir *ld, const void *key, size_t keylen, mc_lock_owner *owner)
{
    memset(owner, 0, sizeof(*owner));
    owner->pid = -1;
    if (!key_ok(key, keylen)) {
        return MC_ERR_ARG;
    }
    mc_lock_entry *e = held_entry(ld, key, keylen);
    if (e != NULL) {
        return own_owner(ld, e, owner);
    }
    unsigned char hash[MC_HASH_LEN];
    mc_lock_hash(key, keylen, hash);
    if (ld->mode == MC_LOCK_LEASE) {
        return mc_lease_owner(ld->leases, hash, owner);
    }
    int locked = 0;
    mc_status st = ofd_is_locked(ld, hash, &locked);
    if (st != MC_OK) {
        return st;
    }
    return locked ? ofd_read_owner(ld, hash, owner) : MC_ERR_NOTFOUND;
}

mc_status mc_lock_force_release(mc_lockdir *ld, const void *key, size_t keylen)
{
    if (!key_ok(key, keylen)) {
        return MC_ERR_ARG;
    }
    mc_lock_entry *e = held_entry(ld, key, keylen);
    mc_status st;
    if (e != NULL) {
        st = release_entry(ld, e);
        st = st == MC_ERR_LOST ? MC_OK : st;
    } else {
        unsigned char hash[MC_HASH_LEN];
        mc_lock_hash(key, keylen, hash);
        st = ld->mode == MC_LOCK_LEASE ? mc_lease_force(ld->leases, hash) : ofd_force(ld, hash);
    }
    if (st == MC_OK) {
        ld->dir.stats.forced++;
    }
    return st;
}

char *mc_lock_path(const mc_lockdir *ld, const void *key, size_t keylen)
{
    if (!key_ok(key, keylen)) {
        return NULL;
    }
    unsigned char hash[MC_HASH_LEN];
    mc_lock_hash(key, keylen, hash);
    return mc_lock_dir_path(&ld->dir, hash, ld->mode == MC_LOCK_LEASE ? ".lease" : LCK);
}

void mc_lock_stats_get(const mc_lockdir *ld, mc_lock_stats *stats)
{
    *stats = ld->dir.stats;
    stats->mode = ld->mode;
    stats->nfs = ld->nfs;
    stats->fstype = ld->fstype;
    stats->local_lock = ld->local_lock;
}
