/*
 * lock.c - lock handle, filesystem detection, the descriptor LRU and the
 * OFD lock mode (see lock.h for the approach; LEASE mode is lock_lease.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "lock_internal.h"

#ifndef NFS_SUPER_MAGIC
#define NFS_SUPER_MAGIC 0x6969
#endif
#define FUSE_SUPER_MAGIC 0x65735546

void mc_lock_options_init(mc_lock_options *o)
{
    memset(o, 0, sizeof(*o));
    o->mode = MC_LOCK_AUTO;
    o->verify_reuse = -1;
    o->owner_record = -1;
}

double mc_lock_mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double mc_lock_wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mc_lock_set_error(mc_lockdir *ld, const char *what, int err, const char *path)
{
    mc_buf_clear(&ld->err);
    if (mc_buf_append(&ld->err, what, strlen(what)) != MC_OK) {
        return;
    }
    const char *msg = strerror(err);
    (void)mc_buf_append(&ld->err, ": ", 2);
    (void)mc_buf_append(&ld->err, msg, strlen(msg));
    if (path != NULL) {
        (void)mc_buf_append(&ld->err, ": ", 2);
        (void)mc_buf_append(&ld->err, path, strlen(path));
    }
    (void)mc_buf_append(&ld->err, "", 1);
    ld->err.len--;   /* keep the NUL out of len, in the buffer */
}

const char *mc_lockdir_error(const mc_lockdir *ld)
{
    return (ld->err.len > 0 && ld->err.data != NULL) ? ld->err.data : "";
}

mc_status mc_lock_errno_status(int err)
{
    switch (err) {
    case EDQUOT: case ENOLCK: case EMFILE: case ENFILE:
        return MC_ERR_QUOTA;
    case ENOENT: case ENOTDIR: case EACCES: case EPERM: case EROFS:
        return MC_ERR_SETUP;
    case ENOMEM:
        return MC_ERR_NOMEM;
    default:
        return MC_ERR_IO;
    }
}

static uint64_t rng_next(mc_lockdir *ld)
{
    /* xorshift64*: jitter only, never security. */
    uint64_t x = ld->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    ld->rng = x;
    return x * 2685821657736338717ULL;
}

void mc_lock_backoff(mc_lockdir *ld, double *delay_us, double deadline)
{
    double remaining_us = (deadline - mc_lock_mono_now()) * 1e6;
    if (remaining_us <= 0) {
        return;
    }
    double d = *delay_us;
    /* Full jitter over the upper half: contenders spread out, and the wait
     * never drops below half the current step. */
    double jittered = d / 2 + (double)(rng_next(ld) % 1000000) / 1e6 * (d / 2);
    if (jittered > remaining_us) {
        jittered = remaining_us;
    }
    struct timespec ts = {(time_t)(jittered / 1e6), (long)((jittered - (double)(time_t)(jittered / 1e6) * 1e6) * 1e3)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    d *= 2;
    if (d > ld->opt.backoff_max_us) {
        d = ld->opt.backoff_max_us;
    }
    *delay_us = d;
}

static void hash_key(const void *key, size_t keylen, unsigned char *hash)
{
    unsigned int n = 0;
    if (EVP_Digest(key, keylen, hash, &n, EVP_sha256(), NULL) != 1 || n != MC_HASH_LEN) {
        /* libcrypto without SHA-256 cannot happen on a supported system;
         * fall back to a deterministic FNV spread rather than crash. */
        for (int i = 0; i < MC_HASH_LEN / 8; i++) {
            uint64_t h = mc_lock_fnv1a(key, keylen) ^ (uint64_t)i * 0x9E3779B97F4A7C15ULL;
            memcpy(hash + i * 8, &h, 8);
        }
    }
}

static int key_ok(const void *key, size_t keylen)
{
    return key != NULL && keylen > 0 && keylen <= MC_LOCK_MAX_KEY;
}

char *mc_lock_file_path(const mc_lockdir *ld, const unsigned char *hash, const char *suffix)
{
    static const char hex[] = "0123456789abcdef";
    size_t slen = strlen(suffix);
    size_t n = ld->dirlen + 1 + 2 + 1 + MC_HASH_LEN * 2 + slen + 1;
    char *p = malloc(n);
    if (p == NULL) {
        return NULL;
    }
    char *w = p;
    memcpy(w, ld->dir, ld->dirlen);
    w += ld->dirlen;
    *w++ = '/';
    *w++ = hex[hash[0] >> 4];
    *w++ = hex[hash[0] & 15];
    *w++ = '/';
    for (int i = 0; i < MC_HASH_LEN; i++) {
        *w++ = hex[hash[i] >> 4];
        *w++ = hex[hash[i] & 15];
    }
    memcpy(w, suffix, slen + 1);
    return p;
}

char *mc_lock_path(const mc_lockdir *ld, const void *key, size_t keylen)
{
    if (!key_ok(key, keylen)) {
        return NULL;
    }
    unsigned char hash[MC_HASH_LEN];
    hash_key(key, keylen, hash);
    return mc_lock_file_path(ld, hash, ld->mode == MC_LOCK_LEASE ? ".lease" : ".lck");
}

mc_status mc_lock_ensure_subdir(mc_lockdir *ld, const unsigned char *hash)
{
    unsigned idx = hash[0];
    if (ld->subdir_ok[idx / 8] & (1u << (idx % 8))) {
        return MC_OK;
    }
    static const char hex[] = "0123456789abcdef";
    char *p = malloc(ld->dirlen + 4);
    if (p == NULL) {
        return MC_ERR_NOMEM;
    }
    memcpy(p, ld->dir, ld->dirlen);
    p[ld->dirlen] = '/';
    p[ld->dirlen + 1] = hex[idx >> 4];
    p[ld->dirlen + 2] = hex[idx & 15];
    p[ld->dirlen + 3] = '\0';
    mc_status st = MC_OK;
    if (mkdir(p, 0777) != 0 && errno != EEXIST) {
        mc_lock_set_error(ld, "mkdir", errno, p);
        st = mc_lock_errno_status(errno);
        if (st == MC_ERR_IO || st == MC_ERR_QUOTA) {
            ld->stats.io_errors++;
        }
    } else {
        ld->subdir_ok[idx / 8] |= (unsigned char)(1u << (idx % 8));
    }
    free(p);
    return st;
}

mc_lock_entry *mc_lock_find(mc_lockdir *ld, const unsigned char *hash)
{
    for (unsigned i = 0; i < ld->opt.max_open_files; i++) {
        mc_lock_entry *e = &ld->entries[i];
        if (e->fd >= 0 && memcmp(e->hash, hash, MC_HASH_LEN) == 0) {
            return e;
        }
    }
    return NULL;
}

void mc_lock_entry_close(mc_lockdir *ld, mc_lock_entry *e)
{
    if (e->fd >= 0) {
        close(e->fd);
        ld->stats.fds_closed++;
        ld->stats.open_files--;
    }
    if (e->held) {
        ld->stats.held--;
    }
    e->fd = -1;
    e->held = 0;
    e->lost = 0;
    mc_buf_free(&e->key);
}

/* A free slot, closing the least recently used unheld descriptor if all
 * are taken; NULL when every slot holds a lock. */
mc_lock_entry *mc_lock_free_slot(mc_lockdir *ld)
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
        mc_lock_entry_close(ld, victim);
    }
    return victim;
}

/* ---- process-wide descriptor pool ----
 *
 * PHP frees a FileLocks object at the end of each request, yet a PHP-FPM
 * worker serves thousands: when a handle is freed, its unlocked
 * descriptors come here, and the next handle on the same lock file takes
 * one back instead of opening the file again (an OPEN round trip on EFS).
 * Only unlocked descriptors are pooled, so sharing one between handles
 * never shares a lock.  Bounded (MC_LOCK_POOL_MAX, least recently pooled
 * closed first); a fork child drops what it inherited.
 */

typedef struct pool_entry {
    char *path;      /* NULL = free slot */
    int fd;
    uint64_t stamp;
} pool_entry;

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pool_entry pool[MC_LOCK_POOL_MAX];
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
        for (int i = 0; i < MC_LOCK_POOL_MAX; i++) {
            drop(&pool[i]);   /* inherited from the parent: unlocked, closing is harmless */
        }
        pool_pid = pid;
    }
}

int mc_lock_pool_take(const char *path)
{
    int fd = -1;
    pthread_mutex_lock(&pool_mu);
    check_owner();
    for (int i = 0; i < MC_LOCK_POOL_MAX; i++) {
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

void mc_lock_pool_put(const char *path, int fd)
{
    char *copy = strdup(path);
    if (copy == NULL) {
        close(fd);
        return;
    }
    pthread_mutex_lock(&pool_mu);
    check_owner();
    pool_entry *slot = NULL;
    for (int i = 0; i < MC_LOCK_POOL_MAX; i++) {
        if (pool[i].path != NULL && strcmp(pool[i].path, path) == 0) {
            slot = &pool[i];   /* one descriptor per file is enough */
            break;
        }
    }
    if (slot == NULL) {
        for (int i = 0; i < MC_LOCK_POOL_MAX; i++) {
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
    for (int i = 0; i < MC_LOCK_POOL_MAX; i++) {
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

/* Whether OFD locks work here: lock and unlock a probe file. */
static int probe_ofd(mc_lockdir *ld)
{
    char *p = malloc(ld->dirlen + 32);
    if (p == NULL) {
        return 0;
    }
    snprintf(p, ld->dirlen + 32, "%s/.probe.lck", ld->dir);
    int ok = 0;
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd >= 0) {
        struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
        if (fcntl(fd, F_OFD_SETLK, &fl) == 0 || errno == EAGAIN || errno == EACCES) {
            ok = 1;
        }
        fl.l_type = F_UNLCK;
        (void)fcntl(fd, F_OFD_SETLK, &fl);
        close(fd);
    }
    free(p);
    return ok;
}

static mc_status fail_open(char **errmsg, mc_status st, const char *fmt, const char *a, const char *b)
{
    if (errmsg != NULL) {
        size_t n = strlen(fmt) + (a ? strlen(a) : 0) + (b ? strlen(b) : 0) + 1;
        *errmsg = malloc(n);
        if (*errmsg != NULL) {
            snprintf(*errmsg, n, fmt, a ? a : "", b ? b : "");
        }
    }
    return st;
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
        return fail_open(errmsg, MC_ERR_ARG, "lock directory must not be empty%s%s", NULL, NULL);
    }
    if (o.mode != MC_LOCK_AUTO && o.mode != MC_LOCK_OFD && o.mode != MC_LOCK_LEASE) {
        return fail_open(errmsg, MC_ERR_ARG, "mode must be auto, ofd or lease%s%s", NULL, NULL);
    }
    if (o.max_open_files == 0) o.max_open_files = 8;
    if (o.max_open_files > 1024) {
        return fail_open(errmsg, MC_ERR_ARG, "max_open_files must be 1..1024 (EFS allows 256 locked file-process pairs per mount)%s%s", NULL, NULL);
    }
    if (o.lease_ms == 0) o.lease_ms = 30000;
    if (o.lease_ms < 100) {
        return fail_open(errmsg, MC_ERR_ARG, "lease_ms must be at least 100%s%s", NULL, NULL);
    }
    if (o.backoff_min_us == 0) o.backoff_min_us = 1000;
    if (o.backoff_max_us == 0) o.backoff_max_us = 50000;
    if (o.backoff_max_us < o.backoff_min_us) {
        return fail_open(errmsg, MC_ERR_ARG, "backoff_max_us must not be below backoff_min_us%s%s", NULL, NULL);
    }
    if (o.verify_reuse < 0) o.verify_reuse = 1;
    if (o.owner_record < 0) o.owner_record = 1;

    struct stat st;
    if (stat(dir, &st) != 0) {
        int e = errno;
        return fail_open(errmsg, MC_ERR_SETUP, "lock directory %s: %s", dir, strerror(e));
    }
    if (!S_ISDIR(st.st_mode)) {
        return fail_open(errmsg, MC_ERR_SETUP, "lock directory %s: %s", dir, "not a directory");
    }
    if (access(dir, W_OK | X_OK) != 0) {
        int e = errno;
        return fail_open(errmsg, MC_ERR_SETUP, "lock directory %s is not writable: %s", dir, strerror(e));
    }

    mc_lockdir *ld = calloc(1, sizeof(*ld));
    if (ld == NULL) {
        return MC_ERR_NOMEM;
    }
    ld->dirlen = strlen(dir);
    while (ld->dirlen > 1 && dir[ld->dirlen - 1] == '/') {
        ld->dirlen--;
    }
    ld->dir = strndup(dir, ld->dirlen);
    ld->entries = calloc(o.max_open_files, sizeof(*ld->entries));
    ld->boot_id = mc_lock_read_small("/proc/sys/kernel/random/boot_id");
    ld->fstype = strdup("");
    ld->local_lock = strdup("");
    char nsbuf[64];
    ssize_t nl = readlink("/proc/self/ns/pid", nsbuf, sizeof(nsbuf) - 1);
    ld->pidns = strndup(nsbuf, nl > 0 ? (size_t)nl : 0);
    if (o.host != NULL && o.host[0] != '\0') {
        ld->host = strdup(o.host);
    } else {
        long hmax = sysconf(_SC_HOST_NAME_MAX);
        size_t hn = (hmax > 0 ? (size_t)hmax : 255) + 1;
        ld->host = calloc(1, hn);
        if (ld->host != NULL && gethostname(ld->host, hn - 1) != 0) {
            ld->host[0] = '\0';
        }
    }
    if (ld->dir == NULL || ld->entries == NULL || ld->boot_id == NULL || ld->fstype == NULL
        || ld->local_lock == NULL || ld->pidns == NULL || ld->host == NULL) {
        mc_lockdir_free(ld);
        return MC_ERR_NOMEM;
    }
    for (unsigned i = 0; i < o.max_open_files; i++) {
        ld->entries[i].fd = -1;
    }
    o.host = ld->host;
    ld->opt = o;
    ld->pid = getpid();
    ld->rng = (uint64_t)ld->pid * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(mc_lock_wall_now() * 1e6) ^ (uint64_t)(uintptr_t)ld;
    if (ld->rng == 0) ld->rng = 1;
    pthread_mutex_init(&ld->mu, NULL);
    pthread_cond_init(&ld->cv, NULL);

    struct statfs sf;
    if (statfs(dir, &sf) == 0) {
        ld->nfs = (sf.f_type == NFS_SUPER_MAGIC);
    }
    char *real = realpath(dir, NULL);
    if (real != NULL) {
        detect_mount(ld, real);
        free(real);
    }
    if (strncmp(ld->fstype, "nfs", 3) == 0) {
        ld->nfs = 1;
    }

    if (o.mode == MC_LOCK_LEASE) {
        ld->mode = MC_LOCK_LEASE;
    } else if (probe_ofd(ld)) {
        ld->mode = MC_LOCK_OFD;
    } else if (o.mode == MC_LOCK_OFD) {
        int e = errno;
        mc_lockdir_free(ld);
        return fail_open(errmsg, MC_ERR_UNSUPPORTED, "OFD locks do not work in %s: %s (use mode lease)", dir, strerror(e));
    } else {
        ld->mode = MC_LOCK_LEASE;
    }
    ld->stats.mode = ld->mode;
    *out = ld;
    return MC_OK;
}

void mc_lockdir_free(mc_lockdir *ld)
{
    if (ld == NULL) {
        return;
    }
    if (ld->entries != NULL) {
        mc_lock_release_all(ld);
        mc_lease_stop_thread(ld);
        for (unsigned i = 0; i < ld->opt.max_open_files; i++) {
            mc_lock_entry *e = &ld->entries[i];
            char *path = NULL;
            if (e->fd >= 0 && getpid() == ld->pid && ld->mode == MC_LOCK_OFD && !e->held && !e->lost
                && (path = mc_lock_file_path(ld, e->hash, ".lck")) != NULL) {
                mc_lock_pool_put(path, e->fd);   /* for the next handle (request) */
                free(path);
                mc_buf_free(&e->key);
                e->fd = -1;
            } else if (e->fd >= 0 && getpid() == ld->pid) {
                mc_lock_entry_close(ld, e);
            } else if (ld->entries[i].fd >= 0) {
                /* A fork child: closing is harmless for OFD locks (the
                 * parent's descriptor keeps the description alive). */
                close(ld->entries[i].fd);
                mc_buf_free(&ld->entries[i].key);
            }
        }
        pthread_mutex_destroy(&ld->mu);
        pthread_cond_destroy(&ld->cv);
    }
    free(ld->entries);
    free(ld->dir);
    free(ld->host);
    free(ld->boot_id);
    free(ld->pidns);
    free(ld->fstype);
    free(ld->local_lock);
    mc_buf_free(&ld->err);
    free(ld);
}

/* After fork() the child must not touch the parent's locks. */
static int forked(mc_lockdir *ld)
{
    return getpid() != ld->pid;
}

/* ---- OFD mode ---- */

/* Opens the lock file into entry e: a pooled descriptor (*pooled = 1) or a
 * new one.  create = 0: MC_ERR_NOTFOUND when there is no file. */
static mc_status ofd_open(mc_lockdir *ld, mc_lock_entry *e, const unsigned char *hash, int create, int *pooled)
{
    *pooled = 0;
    char *path = mc_lock_file_path(ld, hash, ".lck");
    if (path == NULL) {
        return MC_ERR_NOMEM;
    }
    int fd = mc_lock_pool_take(path);
    if (fd >= 0) {
        free(path);
        memcpy(e->hash, hash, MC_HASH_LEN);
        e->fd = fd;
        e->held = 0;
        e->lost = 0;
        e->last_use = ++ld->clock;
        ld->stats.fds_reused++;
        ld->stats.open_files++;
        *pooled = 1;
        return MC_OK;
    }
    int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0);
    fd = open(path, flags, 0666);
    if (fd < 0 && errno == ENOENT && create) {
        mc_status st = mc_lock_ensure_subdir(ld, hash);
        if (st != MC_OK) {
            free(path);
            return st;
        }
        fd = open(path, flags, 0666);
    }
    if (fd < 0) {
        int err = errno;
        mc_lock_set_error(ld, "open", err, path);
        free(path);
        if (err == ENOENT && !create) {
            return MC_ERR_NOTFOUND;
        }
        mc_status st = mc_lock_errno_status(err);
        if (st == MC_ERR_QUOTA) ld->stats.quota_errors++;
        else if (st == MC_ERR_IO) ld->stats.io_errors++;
        return st;
    }
    free(path);
    memcpy(e->hash, hash, MC_HASH_LEN);
    e->fd = fd;
    e->held = 0;
    e->lost = 0;
    e->last_use = ++ld->clock;
    ld->stats.fds_opened++;
    ld->stats.open_files++;
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
    if (mc_lock_record_build(ld, e, 0, &rec) == MC_OK) {
        ssize_t n = pwrite(e->fd, rec.data, rec.len, 0);
        if (n != (ssize_t)rec.len) {
            /* Diagnosis only: the lock stands.  EIO would mean a lost
             * lock; release reports that. */
            ld->stats.io_errors++;
            if (n < 0 && errno == EIO) {
                e->lost = 1;
            }
        }
    }
    mc_buf_free(&rec);
}

static mc_status ofd_acquire(mc_lockdir *ld, const unsigned char *hash, const void *key, size_t keylen, double deadline)
{
    mc_lock_entry *e = mc_lock_find(ld, hash);
    int reused = REUSE_CACHED;
    if (e == NULL) {
        e = mc_lock_free_slot(ld);
        if (e == NULL) {
            ld->stats.quota_errors++;
            mc_buf_clear(&ld->err);
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
        ld->stats.attempts++;
        e->last_use = ++ld->clock;
        if (ofd_lock(e->fd, F_WRLCK) == 0) {
            if (reused != REUSE_NONE && ld->opt.verify_reuse && ofd_is_stale_file(e->fd, reused)) {
                (void)ofd_lock(e->fd, F_UNLCK);
                mc_lock_entry_close(ld, e);
                int pooled = 0;
                mc_status st = ofd_open(ld, e, hash, 1, &pooled);
                if (st != MC_OK) {
                    return st;
                }
                reused = pooled ? REUSE_POOLED : REUSE_NONE;
                continue;
            }
            e->held = 1;
            e->lost = 0;
            e->generation = ++ld->generation;
            e->acquired_at = mc_lock_wall_now();
            ld->stats.held++;
            ld->stats.acquired++;
            if (ld->opt.owner_record) {
                mc_buf_clear(&e->key);
                if (mc_lock_escape(&e->key, key, keylen) == MC_OK) {
                    ofd_write_record(ld, e);
                }
            }
            return MC_OK;
        }
        int err = errno;
        if (err == EAGAIN || err == EACCES) {
            ld->stats.busy_attempts++;
            if (mc_lock_mono_now() >= deadline) {
                ld->stats.timeouts++;
                return MC_ERR_TIMEOUT;
            }
            /* While we waited the file may be force-released: check it
             * like a reused descriptor once we get it. */
            if (reused == REUSE_NONE) {
                reused = REUSE_CACHED;
            }
            mc_lock_backoff(ld, &delay, deadline);
            continue;
        }
        char *path = mc_lock_file_path(ld, hash, ".lck");
        mc_lock_set_error(ld, "fcntl(F_OFD_SETLK)", err, path);
        free(path);
        mc_status st = mc_lock_errno_status(err);
        if (st == MC_ERR_QUOTA) ld->stats.quota_errors++;
        else ld->stats.io_errors++;
        mc_lock_entry_close(ld, e);
        return st == MC_ERR_SETUP ? MC_ERR_IO : st;
    }
}

static mc_status ofd_release(mc_lockdir *ld, mc_lock_entry *e)
{
    int lost = e->lost;
    int r = ofd_lock(e->fd, F_UNLCK);
    int err = errno;
    e->held = 0;
    ld->stats.held--;
    ld->stats.released++;
    e->last_use = ++ld->clock;
    if (r != 0 || lost) {
        if (r != 0) {
            mc_lock_set_error(ld, "fcntl(F_UNLCK)", err, NULL);
        }
        /* EIO: the NFS client lost the lock with its lease.  Close the
         * descriptor (it is unusable) and say so. */
        mc_lock_entry_close(ld, e);
        ld->stats.lost++;
        return MC_ERR_LOST;
    }
    return MC_OK;
}

static mc_status ofd_is_locked(mc_lockdir *ld, const unsigned char *hash, int *locked)
{
    *locked = 0;
    mc_lock_entry *e = mc_lock_find(ld, hash);
    if (e == NULL) {
        e = mc_lock_free_slot(ld);
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
        mc_lock_set_error(ld, "fcntl(F_OFD_GETLK)", errno, NULL);
        ld->stats.io_errors++;
        return MC_ERR_IO;
    }
    *locked = fl.l_type != F_UNLCK;
    return MC_OK;
}

static mc_status ofd_read_owner(mc_lockdir *ld, const unsigned char *hash, mc_lock_owner *owner)
{
    /* A fresh open: close-to-open consistency gives the holder's record. */
    char *path = mc_lock_file_path(ld, hash, ".lck");
    if (path == NULL) {
        return MC_ERR_NOMEM;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    free(path);
    mc_lock_owner_clear(owner);
    if (fd < 0) {
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

static mc_status own_owner(mc_lockdir *ld, mc_lock_entry *e, mc_lock_owner *owner)
{
    mc_lock_owner_clear(owner);
    owner->host = strdup(ld->host);
    owner->boot_id = strdup(ld->boot_id);
    owner->key = e->key.len ? strndup(e->key.data, e->key.len) : strdup("");
    owner->pid = ld->pid;
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

/* ---- public API: dispatch ---- */

mc_status mc_lock_acquire(mc_lockdir *ld, const void *key, size_t keylen, double timeout_s)
{
    if (!key_ok(key, keylen) || !(timeout_s >= 0)) {
        return MC_ERR_ARG;
    }
    if (forked(ld)) {
        return MC_ERR_ARG;
    }
    unsigned char hash[MC_HASH_LEN];
    hash_key(key, keylen, hash);
    double start = mc_lock_mono_now();
    double deadline = start + timeout_s;
    mc_status st;
    if (ld->mode == MC_LOCK_LEASE) {
        st = mc_lease_acquire(ld, hash, key, keylen, deadline);
    } else {
        mc_lock_entry *e = mc_lock_find(ld, hash);
        if (e != NULL && e->held) {
            return MC_ERR_LOCK;
        }
        st = ofd_acquire(ld, hash, key, keylen, deadline);
    }
    double waited = (mc_lock_mono_now() - start) * 1000.0;
    ld->stats.wait_ms_total += waited;
    if (waited > ld->stats.wait_ms_max) {
        ld->stats.wait_ms_max = waited;
    }
    return st;
}

static mc_lock_entry *held_entry(mc_lockdir *ld, const void *key, size_t keylen)
{
    unsigned char hash[MC_HASH_LEN];
    hash_key(key, keylen, hash);
    mc_lock_entry *e = mc_lock_find(ld, hash);
    return (e != NULL && e->held) ? e : NULL;
}

mc_status mc_lock_release(mc_lockdir *ld, const void *key, size_t keylen)
{
    if (!key_ok(key, keylen)) {
        return MC_ERR_ARG;
    }
    if (forked(ld)) {
        return MC_ERR_NOTFOUND;
    }
    mc_lock_entry *e = held_entry(ld, key, keylen);
    if (e == NULL) {
        return MC_ERR_NOTFOUND;
    }
    return ld->mode == MC_LOCK_LEASE ? mc_lease_release(ld, e) : ofd_release(ld, e);
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
            if (ld->mode == MC_LOCK_LEASE) {
                (void)mc_lease_release(ld, e);
            } else {
                (void)ofd_release(ld, e);
            }
            n++;
        }
    }
    return n;
}

int mc_lock_held(const mc_lockdir *ld, const void *key, size_t keylen)
{
    if (!key_ok(key, keylen) || getpid() != ld->pid) {
        return 0;
    }
    return held_entry((mc_lockdir *)ld, key, keylen) != NULL;
}

mc_status mc_lock_is_locked(mc_lockdir *ld, const void *key, size_t keylen, int *locked)
{
    *locked = 0;
    if (!key_ok(key, keylen)) {
        return MC_ERR_ARG;
    }
    if (!forked(ld) && held_entry(ld, key, keylen) != NULL) {
        *locked = 1;
        return MC_OK;
    }
    unsigned char hash[MC_HASH_LEN];
    hash_key(key, keylen, hash);
    if (ld->mode == MC_LOCK_LEASE) {
        return mc_lease_is_locked(ld, hash, locked);
    }
    return ofd_is_locked(ld, hash, locked);
}

mc_status mc_lock_owner_get(mc_lockdir *ld, const void *key, size_t keylen, mc_lock_owner *owner)
{
    memset(owner, 0, sizeof(*owner));
    owner->pid = -1;
    if (!key_ok(key, keylen)) {
        return MC_ERR_ARG;
    }
    mc_lock_entry *e = forked(ld) ? NULL : held_entry(ld, key, keylen);
    if (e != NULL) {
        return own_owner(ld, e, owner);
    }
    unsigned char hash[MC_HASH_LEN];
    hash_key(key, keylen, hash);
    if (ld->mode == MC_LOCK_LEASE) {
        return mc_lease_owner(ld, hash, owner);
    }
    int locked = 0;
    mc_status st = ofd_is_locked(ld, hash, &locked);
    if (st != MC_OK) {
        return st;
    }
    if (!locked) {
        return MC_ERR_NOTFOUND;
    }
    return ofd_read_owner(ld, hash, owner);
}

mc_status mc_lock_force_release(mc_lockdir *ld, const void *key, size_t keylen)
{
    if (!key_ok(key, keylen)) {
        return MC_ERR_ARG;
    }
    mc_lock_entry *e = forked(ld) ? NULL : held_entry(ld, key, keylen);
    if (e != NULL) {
        mc_status st = ld->mode == MC_LOCK_LEASE ? mc_lease_release(ld, e) : ofd_release(ld, e);
        ld->stats.forced++;
        return st == MC_ERR_LOST ? MC_OK : st;
    }
    unsigned char hash[MC_HASH_LEN];
    hash_key(key, keylen, hash);
    if (ld->mode == MC_LOCK_LEASE) {
        return mc_lease_force(ld, hash);
    }
    int locked = 0;
    mc_status st = ofd_is_locked(ld, hash, &locked);
    if (st != MC_OK) {
        return st;
    }
    if (!locked) {
        return MC_ERR_NOTFOUND;
    }
    /* Mark the old file dead for any process that keeps it open (a cached
     * descriptor is checked after each lock, see verify_reuse), then
     * unlink it: the next acquirer creates a new file. */
    char *path = mc_lock_file_path(ld, hash, ".lck");
    if (path == NULL) {
        return MC_ERR_NOMEM;
    }
    e = mc_lock_find(ld, hash);
    int fd = e != NULL ? e->fd : open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
        size_t n = sizeof(MC_RECORD_FORCED) - 1;
        if (pwrite(fd, MC_RECORD_FORCED, n, 0) != (ssize_t)n) {
            ld->stats.io_errors++;
        }
        (void)fsync(fd);
        if (e == NULL) {
            close(fd);
        }
    }
    if (e != NULL) {
        mc_lock_entry_close(ld, e);
    }
    st = MC_OK;
    if (unlink(path) != 0 && errno != ENOENT) {
        mc_lock_set_error(ld, "unlink", errno, path);
        st = MC_ERR_IO;
    }
    free(path);
    if (st == MC_OK) {
        ld->stats.forced++;
    }
    return st;
}

void mc_lock_stats_get(const mc_lockdir *ld, mc_lock_stats *stats)
{
    *stats = ld->stats;
    stats->mode = ld->mode;
    stats->nfs = ld->nfs;
    stats->fstype = ld->fstype;
    stats->local_lock = ld->local_lock;
}
