/*
 * lock_lease.c - LEASE mode: where byte-range locks are unavailable or
 * unreliable.  The lock is the existence of <hash>.lease, created with
 * O_EXCL and holding the owner record with a lease; a background thread
 * rewrites the record (pwrite + fdatasync, so other NFS clients see it)
 * every lease/3.  See lock.h for when a contender may take a file over.
 *
 * Takeover race: two contenders may judge the same file stale.  Each
 * renames it to a private name first (atomic); the one that moved the
 * record it judged deletes it and creates its own; one that moved a
 * different (live) record puts it back with link(), which never
 * overwrites.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "lock_internal.h"

static mc_status write_record(mc_lockdir *ld, mc_lock_entry *e)
{
    mc_buf rec = MC_BUF_INIT;
    double expires = mc_lock_wall_now() + ld->opt.lease_ms / 1000.0;
    mc_status st = mc_lock_record_build(ld, e, expires, &rec);
    if (st == MC_OK) {
        ssize_t n = pwrite(e->fd, rec.data, rec.len, 0);
        if (n != (ssize_t)rec.len || fdatasync(e->fd) != 0) {
            st = MC_ERR_IO;
        }
    }
    mc_buf_free(&rec);
    return st;
}

/* Same inode at path as behind fd: our file was not taken over. */
static int still_ours(int fd, const char *path)
{
    struct stat a, b;
    if (fstat(fd, &a) != 0 || stat(path, &b) != 0) {
        return 0;
    }
    return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static void *renew_thread(void *arg)
{
    mc_lockdir *ld = arg;
    pthread_mutex_lock(&ld->mu);
    while (!ld->thread_stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        long step_ms = ld->opt.lease_ms / 3;
        until.tv_sec += step_ms / 1000;
        until.tv_nsec += (step_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!ld->thread_stop && pthread_cond_timedwait(&ld->cv, &ld->mu, &until) == 0) {
        }
        if (ld->thread_stop) {
            break;
        }
        for (unsigned i = 0; i < ld->opt.max_open_files; i++) {
            mc_lock_entry *e = &ld->entries[i];
            if (e->fd < 0 || !e->held || e->lost) {
                continue;
            }
            char *path = mc_lock_file_path(ld, e->hash, ".lease");
            if (path == NULL) {
                continue;
            }
            if (!still_ours(e->fd, path)) {
                e->lost = 1;
            } else {
                e->renewed++;
                if (write_record(ld, e) != MC_OK) {
                    e->lost = 1;
                }
            }
            free(path);
        }
    }
    pthread_mutex_unlock(&ld->mu);
    return NULL;
}

static mc_status start_thread(mc_lockdir *ld)
{
    if (ld->thread_running) {
        return MC_OK;
    }
    ld->thread_stop = 0;
    if (pthread_create(&ld->thread, NULL, renew_thread, ld) != 0) {
        return MC_ERR_NOMEM;
    }
    ld->thread_running = 1;
    return MC_OK;
}

void mc_lease_stop_thread(mc_lockdir *ld)
{
    if (!ld->thread_running || getpid() != ld->pid) {
        return;
    }
    pthread_mutex_lock(&ld->mu);
    ld->thread_stop = 1;
    pthread_cond_broadcast(&ld->cv);
    pthread_mutex_unlock(&ld->mu);
    pthread_join(ld->thread, NULL);
    ld->thread_running = 0;
}

/* Reads the record at path: MC_OK with b filled, MC_ERR_NOTFOUND. */
static mc_status read_path(mc_lockdir *ld, const char *path, mc_buf *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT) {
            return MC_ERR_NOTFOUND;
        }
        mc_lock_set_error(ld, "open", errno, path);
        return mc_lock_errno_status(errno);
    }
    mc_status st = mc_lock_read_file(fd, b, 65536);
    close(fd);
    return st;
}

static mc_lease_seen *seen_slot(mc_lockdir *ld, const unsigned char *hash)
{
    for (unsigned i = 0; i < ld->nseen; i++) {
        if (memcmp(ld->seen[i].hash, hash, MC_HASH_LEN) == 0) {
            return &ld->seen[i];
        }
    }
    mc_lease_seen *s;
    if (ld->nseen < MC_LEASE_SEEN_MAX) {
        s = &ld->seen[ld->nseen++];
    } else {
        s = &ld->seen[0];
        for (unsigned i = 1; i < ld->nseen; i++) {
            if (ld->seen[i].first_seen < s->first_seen) {
                s = &ld->seen[i];
            }
        }
    }
    memcpy(s->hash, hash, MC_HASH_LEN);
    s->fingerprint = 0;
    s->first_seen = -1;
    return s;
}

/* Whether a record (bytes b) is stale.  Updates the observation table. */
static int is_stale(mc_lockdir *ld, const unsigned char *hash, const mc_buf *b, int observe)
{
    mc_lock_owner o;
    unsigned lease_ms = 0;
    char *pidns = NULL;
    int parsed = mc_lock_record_parse(b->data ? b->data : "", b->len, &o, &lease_ms, &pidns) == 0;
    if (lease_ms == 0) {
        lease_ms = ld->opt.lease_ms;
    }
    int stale = 0;
    if (parsed && strcmp(o.host, ld->host) == 0 && strcmp(o.boot_id, ld->boot_id) == 0
        && pidns != NULL && strcmp(pidns, ld->pidns) == 0 && o.pid > 0
        && kill((pid_t)o.pid, 0) != 0 && errno == ESRCH) {
        stale = 1;   /* holder on this very host and pid namespace is dead */
    } else if (parsed && o.expires_at > 0 && mc_lock_wall_now() > o.expires_at + lease_ms / 1000.0) {
        stale = 1;   /* expired by more than a lease of clock skew */
    } else if (observe) {
        uint64_t fp = mc_lock_fnv1a(b->data ? b->data : "", b->len);
        mc_lease_seen *s = seen_slot(ld, hash);
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

/* Moves a stale file out of the way.  MC_OK: retry creating at once. */
static mc_status take_over(mc_lockdir *ld, const char *path, const mc_buf *judged)
{
    size_t n = strlen(path) + 48;
    char *tmp = malloc(n);
    if (tmp == NULL) {
        return MC_ERR_NOMEM;
    }
    snprintf(tmp, n, "%s.stale.%ld.%llx", path, (long)getpid(),
             (unsigned long long)mc_lock_fnv1a(&ld->rng, sizeof(ld->rng)) ^ (unsigned long long)ld->clock++);
    mc_status st = MC_OK;
    if (rename(path, tmp) != 0) {
        free(tmp);
        return errno == ENOENT ? MC_OK : mc_lock_errno_status(errno);
    }
    mc_buf b = MC_BUF_INIT;
    if (read_path(ld, tmp, &b) == MC_OK && b.len == judged->len
        && (b.len == 0 || memcmp(b.data, judged->data, b.len) == 0)) {
        ld->stats.stale_taken++;
    } else {
        /* We moved a record other than the one judged stale: put it back
         * unless someone created a new file meanwhile. */
        if (link(tmp, path) != 0 && errno != EEXIST) {
            st = MC_ERR_IO;
        }
    }
    (void)unlink(tmp);
    mc_buf_free(&b);
    free(tmp);
    return st;
}

mc_status mc_lease_acquire(mc_lockdir *ld, const unsigned char *hash, const void *key, size_t keylen, double deadline)
{
    pthread_mutex_lock(&ld->mu);
    mc_lock_entry *e = mc_lock_find(ld, hash);
    if (e != NULL && e->held) {
        pthread_mutex_unlock(&ld->mu);
        return MC_ERR_LOCK;
    }
    e = mc_lock_free_slot(ld);
    pthread_mutex_unlock(&ld->mu);
    if (e == NULL) {
        ld->stats.quota_errors++;
        return MC_ERR_QUOTA;
    }
    char *path = mc_lock_file_path(ld, hash, ".lease");
    if (path == NULL) {
        return MC_ERR_NOMEM;
    }
    mc_buf seen = MC_BUF_INIT;
    double delay = ld->opt.backoff_min_us;
    mc_status st;
    for (;;) {
        ld->stats.attempts++;
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd < 0 && errno == ENOENT) {
            st = mc_lock_ensure_subdir(ld, hash);
            if (st != MC_OK) {
                break;
            }
            fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
        }
        if (fd >= 0) {
            pthread_mutex_lock(&ld->mu);
            memcpy(e->hash, hash, MC_HASH_LEN);
            e->fd = fd;
            e->held = 1;
            e->lost = 0;
            e->renewed = 0;
            e->generation = ++ld->generation;
            e->acquired_at = mc_lock_wall_now();
            e->last_use = ++ld->clock;
            mc_buf_clear(&e->key);
            st = mc_lock_escape(&e->key, key, keylen);
            if (st == MC_OK) {
                st = write_record(ld, e);
            }
            if (st == MC_OK) {
                st = start_thread(ld);
            }
            if (st != MC_OK) {
                mc_lock_set_error(ld, "write lease record", errno ? errno : EIO, path);
                (void)unlink(path);
                close(fd);
                e->fd = -1;
                e->held = 0;
                mc_buf_free(&e->key);
                ld->stats.io_errors++;
                pthread_mutex_unlock(&ld->mu);
                break;
            }
            ld->stats.fds_opened++;
            ld->stats.open_files++;
            ld->stats.held++;
            ld->stats.acquired++;
            pthread_mutex_unlock(&ld->mu);
            break;
        }
        int err = errno;
        if (err != EEXIST) {
            mc_lock_set_error(ld, "open(O_EXCL)", err, path);
            st = mc_lock_errno_status(err);
            if (st == MC_ERR_QUOTA) ld->stats.quota_errors++;
            else ld->stats.io_errors++;
            break;
        }
        st = read_path(ld, path, &seen);
        if (st == MC_ERR_NOTFOUND) {
            continue;   /* released between our create and read */
        }
        if (st != MC_OK) {
            ld->stats.io_errors++;
            break;
        }
        if (is_stale(ld, hash, &seen, 1)) {
            st = take_over(ld, path, &seen);
            if (st != MC_OK) {
                mc_lock_set_error(ld, "rename stale lease", errno, path);
                ld->stats.io_errors++;
                break;
            }
            continue;
        }
        ld->stats.busy_attempts++;
        if (mc_lock_mono_now() >= deadline) {
            ld->stats.timeouts++;
            st = MC_ERR_TIMEOUT;
            break;
        }
        mc_lock_backoff(ld, &delay, deadline);
    }
    mc_buf_free(&seen);
    free(path);
    return st;
}

mc_status mc_lease_release(mc_lockdir *ld, mc_lock_entry *e)
{
    pthread_mutex_lock(&ld->mu);
    mc_status st = MC_OK;
    char *path = mc_lock_file_path(ld, e->hash, ".lease");
    if (path == NULL) {
        st = MC_ERR_NOMEM;
    } else if (e->lost || !still_ours(e->fd, path)) {
        st = MC_ERR_LOST;   /* taken over or removed by force: not ours to unlink */
        ld->stats.lost++;
    } else if (unlink(path) != 0) {
        mc_lock_set_error(ld, "unlink", errno, path);
        st = MC_ERR_IO;
        ld->stats.io_errors++;
    }
    free(path);
    ld->stats.released++;
    mc_lock_entry_close(ld, e);
    pthread_mutex_unlock(&ld->mu);
    return st;
}

mc_status mc_lease_is_locked(mc_lockdir *ld, const unsigned char *hash, int *locked)
{
    *locked = 0;
    char *path = mc_lock_file_path(ld, hash, ".lease");
    if (path == NULL) {
        return MC_ERR_NOMEM;
    }
    mc_buf b = MC_BUF_INIT;
    mc_status st = read_path(ld, path, &b);
    if (st == MC_OK) {
        *locked = !is_stale(ld, hash, &b, 0);
    } else if (st == MC_ERR_NOTFOUND) {
        st = MC_OK;
    }
    mc_buf_free(&b);
    free(path);
    return st;
}

mc_status mc_lease_owner(mc_lockdir *ld, const unsigned char *hash, mc_lock_owner *owner)
{
    char *path = mc_lock_file_path(ld, hash, ".lease");
    if (path == NULL) {
        return MC_ERR_NOMEM;
    }
    mc_buf b = MC_BUF_INIT;
    mc_status st = read_path(ld, path, &b);
    if (st == MC_OK) {
        if (is_stale(ld, hash, &b, 0)) {
            st = MC_ERR_NOTFOUND;
        } else {
            (void)mc_lock_record_parse(b.data ? b.data : "", b.len, owner, NULL, NULL);
        }
    }
    mc_buf_free(&b);
    free(path);
    return st;
}

mc_status mc_lease_force(mc_lockdir *ld, const unsigned char *hash)
{
    char *path = mc_lock_file_path(ld, hash, ".lease");
    if (path == NULL) {
        return MC_ERR_NOMEM;
    }
    mc_status st = MC_OK;
    if (unlink(path) != 0) {
        if (errno == ENOENT) {
            st = MC_ERR_NOTFOUND;
        } else {
            mc_lock_set_error(ld, "unlink", errno, path);
            st = MC_ERR_IO;
        }
    } else {
        ld->stats.forced++;
    }
    free(path);
    return st;
}
