/*
 * lock_lease.c - LEASE mode (see lock_lease.h; when a file is stale: lock.h).
 *
 * Takeover race: two contenders may judge the same file stale.  Each
 * renames it to a private name first (atomic); the one that moved the
 * record it judged deletes it and creates its own; one that moved a
 * different (live) record puts it back with link(), which never
 * overwrites.  The name is free until then, so a file is moved only after
 * its record, read again after the judgement, is still the one judged
 * (mc_lease_contend): only two takeovers of one dead holder's file race.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lock_lease.h"

#define SUFFIX ".lease"
#define RECORD_MAX 65536    /* a record is far smaller: the rest is not ours */

/* One lease being renewed.  Fields other than the flags are set before it
 * is on the list and then read-only, but for renewed (the thread's). */
typedef struct renewal {
    struct renewal *next;        /* the list, under mu */
    struct renewal *batch_next;  /* the thread's current batch, under mu */
    unsigned char hash[MC_HASH_LEN];
    int fd;                      /* the lease file, open: closed by release or, if a
                                    renewal is under way then, by the thread after it */
    mc_lock_record rec;          /* rec.key points at key */
    char *key;
    int busy;                    /* in the thread's batch, renewed outside mu */
    int lost;                    /* a renewal failed or found the file gone */
    int released;                /* released while busy: the thread frees it */
    int ok;                      /* the batch's result */
} renewal;

/* A contender's view of someone else's lease file: unchanged content since
 * first_seen (monotonic seconds) means the holder stopped renewing. */
typedef struct seen {
    unsigned char hash[MC_HASH_LEN];
    uint64_t fingerprint;
    double first_seen;
} seen;

#define SEEN_MAX 64

struct mc_leases {
    mc_lock_dir *dir;
    unsigned lease_ms;
    pid_t pid;                   /* the process whose thread this is */
    seen seen[SEEN_MAX];         /* the handle's thread only */
    unsigned nseen;
    uint64_t moves;              /* names of moved-aside files */

    pthread_mutex_t mu;          /* guards the list, the flags and stop */
    pthread_cond_t cv;           /* on CLOCK_MONOTONIC */
    pthread_t thread;
    int thread_running;
    int stop;
    renewal *list;
};

mc_status mc_leases_new(mc_lock_dir *dir, unsigned lease_ms, mc_leases **out)
{
    *out = NULL;
    mc_leases *ls = calloc(1, sizeof(*ls));
    if (ls == NULL) {
        return MC_ERR_NOMEM;
    }
    ls->dir = dir;
    ls->lease_ms = lease_ms;
    ls->pid = getpid();
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0) {
        free(ls);
        return MC_ERR_NOMEM;
    }
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&ls->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0 || pthread_mutex_init(&ls->mu, NULL) != 0) {
        if (rc == 0) {
            pthread_cond_destroy(&ls->cv);
        }
        free(ls);
        return MC_ERR_NOMEM;
    }
    *out = ls;
    return MC_OK;
}

static void free_renewal(renewal *r)
{
    if (r->fd >= 0) {
        close(r->fd);
    }
    free(r->key);
    free(r);
}

void mc_leases_free(mc_leases *ls)
{
    if (ls == NULL) {
        return;
    }
    int ours = getpid() == ls->pid;   /* a fork child has no thread to stop */
    if (ours && ls->thread_running) {
        pthread_mutex_lock(&ls->mu);
        ls->stop = 1;
        pthread_cond_broadcast(&ls->cv);
        pthread_mutex_unlock(&ls->mu);
        pthread_join(ls->thread, NULL);
    }
    while (ls->list != NULL) {
        renewal *r = ls->list;
        ls->list = r->next;
        free_renewal(r);
    }
    if (ours) {
        pthread_mutex_destroy(&ls->mu);
        pthread_cond_destroy(&ls->cv);
    }
    free(ls);
}

/* ---- the record and its renewal ---- */

/* Writes r's record with a fresh expiry through its descriptor and syncs it,
 * so other NFS clients see it at their next open. */
static mc_status write_record(const mc_leases *ls, renewal *r)
{
    mc_buf rec = MC_BUF_INIT;
    r->rec.lease_ms = ls->lease_ms;
    r->rec.expires_at = mc_lock_wall_now() + ls->lease_ms / 1000.0;
    mc_status st = mc_lock_record_build(&ls->dir->id, &r->rec, &rec);
    if (st == MC_OK) {
        ssize_t n = pwrite(r->fd, rec.data, rec.len, 0);
        if (n != (ssize_t)rec.len || fdatasync(r->fd) != 0) {
            st = MC_ERR_IO;
        }
    }
    mc_buf_free(&rec);
    return st;
}

static void add_ms(struct timespec *t, long ms)
{
    t->tv_sec += ms / 1000;
    t->tv_nsec += (ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

/* Every lease/3: takes the leases not lost as a batch (under mu), renews
 * them without it, then records the results (under mu). */
static void *renew_main(void *arg)
{
    mc_leases *ls = arg;
    long step_ms = ls->lease_ms / 3;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    add_ms(&next, step_ms);
    pthread_mutex_lock(&ls->mu);
    while (!ls->stop) {
        if (pthread_cond_timedwait(&ls->cv, &ls->mu, &next) != ETIMEDOUT) {
            continue;   /* woken (stop) or spurious: the deadline stands */
        }
        clock_gettime(CLOCK_MONOTONIC, &next);
        add_ms(&next, step_ms);
        renewal *batch = NULL;
        for (renewal *r = ls->list; r != NULL; r = r->next) {
            if (!r->lost) {
                r->busy = 1;
                r->batch_next = batch;
                batch = r;
            }
        }
        pthread_mutex_unlock(&ls->mu);
        for (renewal *r = batch; r != NULL; r = r->batch_next) {
            r->ok = mc_lock_dir_same_file(ls->dir, r->hash, SUFFIX, r->fd);
            if (r->ok) {
                r->rec.renewed++;
                r->ok = write_record(ls, r) == MC_OK;
            }
        }
        pthread_mutex_lock(&ls->mu);
        while (batch != NULL) {
            renewal *r = batch;
            batch = r->batch_next;
            r->busy = 0;
            r->lost |= !r->ok;
            if (r->released) {
                free_renewal(r);
            }
        }
    }
    pthread_mutex_unlock(&ls->mu);
    return NULL;
}

/* Writes the first record and puts the lease on the renewal list, starting
 * the thread with every signal blocked if it is not running yet. */
static mc_status start_renewing(mc_leases *ls, const unsigned char *hash, const mc_lock_record *rec, int fd)
{
    renewal *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return MC_ERR_NOMEM;
    }
    memcpy(r->hash, hash, MC_HASH_LEN);
    r->rec = *rec;
    r->rec.renewed = 0;
    r->key = strndup(rec->keylen ? rec->key : "", rec->keylen);
    r->rec.key = r->key;
    r->fd = fd;
    mc_status st = r->key == NULL ? MC_ERR_NOMEM : write_record(ls, r);
    if (st != MC_OK) {
        r->fd = -1;   /* the caller's still */
        free_renewal(r);
        return st;
    }
    pthread_mutex_lock(&ls->mu);
    if (!ls->thread_running) {
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        ls->thread_running = pthread_create(&ls->thread, NULL, renew_main, ls) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    if (ls->thread_running) {
        r->next = ls->list;
        ls->list = r;
    }
    pthread_mutex_unlock(&ls->mu);
    if (!ls->thread_running) {
        r->fd = -1;
        free_renewal(r);
        return MC_ERR_NOMEM;
    }
    return MC_OK;
}

static renewal *find_renewal(mc_leases *ls, const unsigned char *hash)
{
    pthread_mutex_lock(&ls->mu);
    renewal *r = ls->list;
    while (r != NULL && memcmp(r->hash, hash, MC_HASH_LEN) != 0) {
        r = r->next;
    }
    pthread_mutex_unlock(&ls->mu);
    return r;
}

/* Takes r off the renewal list and closes its file (now, or after the
 * renewal under way).  1 if a renewal had failed. */
static int stop_renewing(mc_leases *ls, renewal *r)
{
    pthread_mutex_lock(&ls->mu);
    for (renewal **p = &ls->list; *p != NULL; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            break;
        }
    }
    int lost = r->lost, busy = r->busy;
    r->released = busy;
    pthread_mutex_unlock(&ls->mu);
    if (!busy) {
        free_renewal(r);
    }
    return lost;
}

/* ---- others' lease files ---- */

/* hash's lease file into b: MC_OK, MC_ERR_NOTFOUND, or an error. */
static mc_status read_lease(mc_leases *ls, const unsigned char *hash, mc_buf *b)
{
    int fd = -1;
    mc_status st = mc_lock_dir_open(ls->dir, hash, SUFFIX, MC_LOCK_EXISTING, O_RDONLY, &fd);
    if (st != MC_OK) {
        return st;
    }
    st = mc_lock_read_file(fd, b, RECORD_MAX);
    if (st == MC_ERR_IO) {
        st = mc_lock_dir_fail(ls->dir, "read", errno, hash, SUFFIX, -1);
    }
    close(fd);
    return st;
}

static seen *seen_slot(mc_leases *ls, const unsigned char *hash)
{
    for (unsigned i = 0; i < ls->nseen; i++) {
        if (memcmp(ls->seen[i].hash, hash, MC_HASH_LEN) == 0) {
            return &ls->seen[i];
        }
    }
    seen *s;
    if (ls->nseen < SEEN_MAX) {
        s = &ls->seen[ls->nseen++];
    } else {
        s = &ls->seen[0];
        for (unsigned i = 1; i < ls->nseen; i++) {
            if (ls->seen[i].first_seen < s->first_seen) {
                s = &ls->seen[i];
            }
        }
    }
    memcpy(s->hash, hash, MC_HASH_LEN);
    s->fingerprint = 0;
    s->first_seen = -1;
    return s;
}

/* Whether a record (bytes b) is stale.  observe: update the observations. */
static int is_stale(mc_leases *ls, const unsigned char *hash, const mc_buf *b, int observe)
{
    const mc_lock_ident *me = &ls->dir->id;
    mc_lock_owner o;
    unsigned lease_ms = 0;
    char *pidns = NULL;
    int parsed = mc_lock_record_parse(b->data, b->len, &o, &lease_ms, &pidns) == 0;
    if (lease_ms == 0) {
        lease_ms = ls->lease_ms;
    }
    int stale = 0;
    if (parsed && strcmp(o.host, me->host) == 0 && strcmp(o.boot_id, me->boot_id) == 0
        && pidns != NULL && strcmp(pidns, me->pidns) == 0 && o.pid > 0
        && kill((pid_t)o.pid, 0) != 0 && errno == ESRCH) {
        stale = 1;   /* holder on this very host and pid namespace is dead */
    } else if (parsed && o.expires_at > 0 && mc_lock_wall_now() > o.expires_at + lease_ms / 1000.0) {
        stale = 1;   /* expired by more than a lease of clock skew */
    } else if (observe) {
        uint64_t fp = mc_lock_fnv1a(b->data ? b->data : "", b->len);
        seen *s = seen_slot(ls, hash);
        double now = mc_lock_mono_now();
        if (s->first_seen < 0 || s->fingerprint != fp) {
            s->fingerprint = fp;
            s->first_seen = now;
        } else if ((now - s->first_seen) * 1000.0 >= lease_ms) {
            stale = 1;   /* not renewed for a whole lease, by our own clock */
        }
    }
    mc_lock_owner_clear(&o);
    free(pidns);
    return stale;
}

static int same_bytes(const mc_buf *a, const mc_buf *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Moves a stale file (whose bytes were judged) out of the way.  MC_OK:
 * retry creating at once. */
static mc_status take_over(mc_leases *ls, const unsigned char *hash, const mc_buf *judged)
{
    mc_lock_dir *d = ls->dir;
    int sub = -1;
    mc_status st = mc_lock_dir_sub(d, hash, 0, &sub);
    if (st != MC_OK) {
        return st == MC_ERR_NOTFOUND ? MC_OK : st;
    }
    char name[MC_LOCK_NAME_MAX], aside[MC_LOCK_NAME_MAX + 48];
    mc_lock_name(hash, SUFFIX, name);
    snprintf(aside, sizeof(aside), "%s.stale.%ld.%llx", name, (long)getpid(),
             (unsigned long long)(mc_lock_fnv1a(&d->rng, sizeof(d->rng)) ^ ls->moves++));
    if (renameat(sub, name, sub, aside) != 0) {
        st = errno == ENOENT ? MC_OK : mc_lock_dir_fail(d, "rename stale lease", errno, hash, SUFFIX, sub);
        close(sub);
        return st;
    }
    mc_buf b = MC_BUF_INIT;
    int fd = openat(sub, aside, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int same = fd >= 0 && mc_lock_read_file(fd, &b, RECORD_MAX) == MC_OK && same_bytes(&b, judged);
    if (fd >= 0) {
        close(fd);
    }
    if (same) {
        d->stats.stale_taken++;
    } else if (linkat(sub, aside, sub, name, 0) != 0 && errno != EEXIST) {
        /* We moved a record other than the one judged stale: it goes back
         * unless someone created a new file meanwhile. */
        st = mc_lock_dir_fail(d, "link", errno, hash, SUFFIX, sub);
    }
    (void)unlinkat(sub, aside, 0);
    mc_buf_free(&b);
    close(sub);
    return st;
}

/* Takes the lease file over if the record judged (seen) is stale and still
 * the file's.  The judgement is made on bytes read before it: a same-host
 * holder that released and exited in between (a recycled PHP-FPM worker)
 * looks dead, and its name may already hold a live holder's new file.
 * Moving that file aside and linking it back would leave the name free for
 * a moment, and a third contender creating it then would share the lock
 * with the live holder.  So the file is read again after the judgement:
 * a record whose holder is gone can change only by another takeover. */
mc_status mc_lease_contend(mc_leases *ls, const unsigned char *hash, const mc_buf *seen)
{
    if (!is_stale(ls, hash, seen, 1)) {
        return MC_ERR_LOCK;
    }
    mc_buf now = MC_BUF_INIT;
    mc_status st = read_lease(ls, hash, &now);
    if (st == MC_OK) {
        st = same_bytes(&now, seen) ? take_over(ls, hash, seen) : MC_OK;   /* changed: judge the new record */
    } else if (st == MC_ERR_NOTFOUND) {
        st = MC_OK;   /* released: create it */
    }
    mc_buf_free(&now);
    return st;
}

/* ---- the handle's calls ---- */

mc_status mc_lease_acquire(mc_leases *ls, const unsigned char *hash, const mc_lock_record *rec,
                           double deadline, int *fd)
{
    mc_lock_dir *d = ls->dir;
    mc_buf other = MC_BUF_INIT;
    double delay = d->backoff_min_us;
    mc_status st;
    for (;;) {
        d->stats.attempts++;
        int f = -1;
        st = mc_lock_dir_open(d, hash, SUFFIX, MC_LOCK_CREATE_EXCL, O_RDWR, &f);
        if (st == MC_OK) {
            st = start_renewing(ls, hash, rec, f);
            if (st != MC_OK) {
                (void)mc_lock_dir_fail(d, "write lease record", st == MC_ERR_NOMEM ? ENOMEM : EIO, hash, SUFFIX, -1);
                (void)mc_lease_force(ls, hash);
                close(f);
                break;
            }
            *fd = f;
            break;
        }
        if (st != MC_ERR_LOCK) {
            break;   /* the error is set */
        }
        st = read_lease(ls, hash, &other);
        if (st == MC_ERR_NOTFOUND) {
            continue;   /* released between our create and read */
        }
        if (st != MC_OK) {
            break;
        }
        st = mc_lease_contend(ls, hash, &other);
        if (st == MC_OK) {
            continue;
        }
        if (st != MC_ERR_LOCK) {
            break;
        }
        d->stats.busy_attempts++;
        if (mc_lock_mono_now() >= deadline) {
            d->stats.timeouts++;
            st = MC_ERR_TIMEOUT;
            break;
        }
        mc_lock_backoff(d, &delay, deadline);
    }
    mc_buf_free(&other);
    return st;
}

mc_status mc_lease_release(mc_leases *ls, const unsigned char *hash)
{
    renewal *r = find_renewal(ls, hash);
    if (r == NULL) {
        return MC_ERR_NOTFOUND;
    }
    /* r stays on the list, its file open, until stop_renewing: only this
     * thread takes it off.  The file is closed before it is unlinked: NFS
     * (and FUSE) turn the unlink of an open file into a rename and a
     * removal at the last close, one more round trip. */
    int ours = mc_lock_dir_same_file(ls->dir, hash, SUFFIX, r->fd);
    int lost = stop_renewing(ls, r);
    if (!ours) {
        return MC_ERR_LOST;   /* taken over or removed by force: not ours to unlink */
    }
    mc_status st = mc_lease_force(ls, hash);
    if (st == MC_ERR_NOTFOUND || (st == MC_OK && lost)) {
        st = MC_ERR_LOST;
    }
    return st;
}

mc_status mc_lease_is_locked(mc_leases *ls, const unsigned char *hash, int *locked)
{
    *locked = 0;
    mc_buf b = MC_BUF_INIT;
    mc_status st = read_lease(ls, hash, &b);
    if (st == MC_OK) {
        *locked = !is_stale(ls, hash, &b, 0);
    } else if (st == MC_ERR_NOTFOUND) {
        st = MC_OK;
    }
    mc_buf_free(&b);
    return st;
}

mc_status mc_lease_owner(mc_leases *ls, const unsigned char *hash, mc_lock_owner *owner)
{
    mc_buf b = MC_BUF_INIT;
    mc_status st = read_lease(ls, hash, &b);
    if (st == MC_OK) {
        if (is_stale(ls, hash, &b, 0)) {
            st = MC_ERR_NOTFOUND;
        } else {
            (void)mc_lock_record_parse(b.data, b.len, owner, NULL, NULL);
        }
    }
    mc_buf_free(&b);
    return st;
}

mc_status mc_lease_force(mc_leases *ls, const unsigned char *hash)
{
    int sub = -1;
    mc_status st = mc_lock_dir_sub(ls->dir, hash, 0, &sub);
    if (st != MC_OK) {
        return st;
    }
    char name[MC_LOCK_NAME_MAX];
    mc_lock_name(hash, SUFFIX, name);
    if (unlinkat(sub, name, 0) != 0) {
        st = errno == ENOENT ? MC_ERR_NOTFOUND : mc_lock_dir_fail(ls->dir, "unlink", errno, hash, SUFFIX, sub);
    }
    close(sub);
    return st;
}
