/* lock_dir.c - the lock directory: paths, opening without links, modes, errors (see lock_dir.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "lock_dir.h"

static const char hex[] = "0123456789abcdef";

mc_status mc_lock_fail_msg(char **errmsg, mc_status st, const char *fmt, ...)
{
    if (errmsg == NULL) {
        return st;
    }
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(errmsg, fmt, ap) < 0) {
        *errmsg = NULL;
    }
    va_end(ap);
    return st;
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

uint64_t mc_lock_fnv1a(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* ---- errors ---- */

void mc_lock_dir_set_error(mc_lock_dir *d, const char *what, int err, const char *path)
{
    mc_buf_clear(&d->err);
    const char *msg = strerror(err);
    if (mc_buf_append(&d->err, what, strlen(what)) != MC_OK
        || mc_buf_append(&d->err, ": ", 2) != MC_OK
        || mc_buf_append(&d->err, msg, strlen(msg)) != MC_OK
        || (path != NULL && (mc_buf_append(&d->err, ": ", 2) != MC_OK
                             || mc_buf_append(&d->err, path, strlen(path)) != MC_OK))
        || mc_buf_append(&d->err, "", 1) != MC_OK) {
        d->err.len = 0;
        return;
    }
    d->err.len--;   /* the NUL stays in the buffer, out of len */
}

static void set_message(mc_lock_dir *d, const char *path, const char *what)
{
    mc_buf_clear(&d->err);
    if (mc_buf_append(&d->err, path, strlen(path)) != MC_OK
        || mc_buf_append(&d->err, what, strlen(what) + 1) != MC_OK) {
        d->err.len = 0;
        return;
    }
    d->err.len--;
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

mc_status mc_lock_dir_fail(mc_lock_dir *d, const char *what, int err, const unsigned char *hash,
                           const char *suffix, int subfd)
{
    char *path = mc_lock_dir_path(d, hash, suffix);
    if (path == NULL) {
        return MC_ERR_NOMEM;
    }
    /* O_NOFOLLOW gives ELOOP for a link to a file, O_DIRECTORY ENOTDIR for
     * a link to a directory: say which it is. */
    struct stat st;
    int found = 0;
    if (err == ELOOP || err == ENOTDIR) {
        if (suffix == NULL) {
            char sub[3] = {hex[hash[0] >> 4], hex[hash[0] & 15], '\0'};
            found = fstatat(d->fd, sub, &st, AT_SYMLINK_NOFOLLOW) == 0;
        } else if (subfd >= 0) {
            char name[MC_LOCK_NAME_MAX];
            mc_lock_name(hash, suffix, name);
            found = fstatat(subfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
        }
    }
    mc_status status;
    if (found && S_ISLNK(st.st_mode)) {
        set_message(d, path, " is a symbolic link: locks never follow one below the lock directory (remove it)");
        status = MC_ERR_SETUP;
    } else if (found && suffix == NULL && !S_ISDIR(st.st_mode)) {
        set_message(d, path, " is not a directory (remove it)");
        status = MC_ERR_SETUP;
    } else {
        mc_lock_dir_set_error(d, what, err, path);
        status = mc_lock_errno_status(err);
    }
    free(path);
    if (status == MC_ERR_QUOTA) {
        d->stats.quota_errors++;
    } else if (status == MC_ERR_IO) {
        d->stats.io_errors++;
    }
    return status;
}

/* ---- names ---- */

void mc_lock_hash(const void *key, size_t keylen, unsigned char hash[MC_HASH_LEN])
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

void mc_lock_name(const unsigned char *hash, const char *suffix, char *name)
{
    for (int i = 0; i < MC_HASH_LEN; i++) {
        *name++ = hex[hash[i] >> 4];
        *name++ = hex[hash[i] & 15];
    }
    size_t slen = strlen(suffix);
    if (slen > MC_LOCK_NAME_MAX - 2 * MC_HASH_LEN - 1) {
        slen = MC_LOCK_NAME_MAX - 2 * MC_HASH_LEN - 1;
    }
    memcpy(name, suffix, slen);
    name[slen] = '\0';
}

char *mc_lock_dir_path(const mc_lock_dir *d, const unsigned char *hash, const char *suffix)
{
    char *p = malloc(d->pathlen + 4 + MC_LOCK_NAME_MAX);
    if (p == NULL) {
        return NULL;
    }
    memcpy(p, d->path, d->pathlen);
    char *w = p + d->pathlen;
    *w++ = '/';
    *w++ = hex[hash[0] >> 4];
    *w++ = hex[hash[0] & 15];
    *w = '\0';
    if (suffix != NULL) {
        *w++ = '/';
        mc_lock_name(hash, suffix, w);
    }
    return p;
}

/* ---- opening ---- */

int mc_lock_dir_fix_modes(const mc_lock_dir *d, int fd, mode_t mode)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        return -1;
    }
    if (st.st_uid != geteuid()) {
        return 0;   /* another user's: theirs to set */
    }
    if (d->gid != (gid_t)-1 && st.st_gid != d->gid && fchown(fd, (uid_t)-1, d->gid) != 0) {
        return -1;
    }
    if ((st.st_mode & 07777) != mode || (d->gid != (gid_t)-1 && st.st_gid != d->gid)) {
        return fchmod(fd, mode);
    }
    return 0;
}

mc_status mc_lock_dir_sub(mc_lock_dir *d, const unsigned char *hash, int create, int *subfd)
{
    char sub[3] = {hex[hash[0] >> 4], hex[hash[0] & 15], '\0'};
    int fd = openat(d->fd, sub, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        *subfd = fd;
        return MC_OK;
    }
    if (errno != ENOENT) {
        return mc_lock_dir_fail(d, "open", errno, hash, NULL, -1);
    }
    if (!create) {
        return MC_ERR_NOTFOUND;
    }
    int made = mkdirat(d->fd, sub, d->dir_mode) == 0;
    if (!made && errno != EEXIST) {
        return mc_lock_dir_fail(d, "mkdir", errno, hash, NULL, -1);
    }
    /* A real open when we made it: fchmod needs one (not O_PATH). */
    fd = openat(d->fd, sub, (made ? O_RDONLY : O_PATH) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return mc_lock_dir_fail(d, "open", errno, hash, NULL, -1);
    }
    if (made && mc_lock_dir_fix_modes(d, fd, d->dir_mode) != 0) {
        int err = errno;
        close(fd);
        return mc_lock_dir_fail(d, "chmod", err, hash, NULL, -1);
    }
    *subfd = fd;
    return MC_OK;
}

mc_status mc_lock_dir_open(mc_lock_dir *d, const unsigned char *hash, const char *suffix, int how,
                           int access, int *fd)
{
    int sub = -1;
    mc_status st = mc_lock_dir_sub(d, hash, how != MC_LOCK_EXISTING, &sub);
    if (st != MC_OK) {
        return st;
    }
    char name[MC_LOCK_NAME_MAX];
    mc_lock_name(hash, suffix, name);
    int flags = access | O_NOFOLLOW | O_CLOEXEC;
    if (how == MC_LOCK_CREATE) {
        flags |= O_CREAT;
    } else if (how == MC_LOCK_CREATE_EXCL) {
        flags |= O_CREAT | O_EXCL;
    }
    int f = openat(sub, name, flags, d->file_mode);
    if (f < 0) {
        int err = errno;
        if (err == ENOENT && how == MC_LOCK_EXISTING) {
            st = MC_ERR_NOTFOUND;
        } else if (err == EEXIST && how == MC_LOCK_CREATE_EXCL) {
            st = MC_ERR_LOCK;
        } else {
            st = mc_lock_dir_fail(d, "open", err, hash, suffix, sub);
        }
    } else if (how != MC_LOCK_EXISTING && mc_lock_dir_fix_modes(d, f, d->file_mode) != 0) {
        st = mc_lock_dir_fail(d, "chmod", errno, hash, suffix, sub);
        close(f);
    } else {
        *fd = f;
    }
    close(sub);
    return st;
}

int mc_lock_dir_same_file(const mc_lock_dir *d, const unsigned char *hash, const char *suffix, int fd)
{
    char sub[3] = {hex[hash[0] >> 4], hex[hash[0] & 15], '\0'};
    char name[MC_LOCK_NAME_MAX];
    mc_lock_name(hash, suffix, name);
    int subfd = openat(d->fd, sub, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (subfd < 0) {
        return 0;
    }
    struct stat a, b;
    int same = fstat(fd, &a) == 0 && fstatat(subfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0
        && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
    close(subfd);
    return same;
}

/* ---- waiting ---- */

static uint64_t rng_next(mc_lock_dir *d)
{
    /* xorshift64*: jitter only, never security. */
    uint64_t x = d->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    d->rng = x;
    return x * 2685821657736338717ULL;
}

void mc_lock_backoff(mc_lock_dir *d, double *delay_us, double deadline)
{
    double remaining_us = (deadline - mc_lock_mono_now()) * 1e6;
    if (remaining_us <= 0) {
        return;
    }
    double step = *delay_us;
    /* Full jitter over the upper half: contenders spread out, and the wait
     * never drops below half the current step. */
    double wait_us = step / 2 + (double)(rng_next(d) % 1000000) / 1e6 * (step / 2);
    if (wait_us > remaining_us) {
        wait_us = remaining_us;
    }
    struct timespec ts = {(time_t)(wait_us / 1e6), (long)((wait_us - (double)(time_t)(wait_us / 1e6) * 1e6) * 1e3)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    step *= 2;
    if (step > d->backoff_max_us) {
        step = d->backoff_max_us;
    }
    *delay_us = step;
}

/* ---- set-up ---- */

/* A small text file (boot id) with trailing newlines stripped; malloc'd,
 * "" when unreadable, NULL only when out of memory. */
static char *read_small(const char *path)
{
    mc_buf b = MC_BUF_INIT;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
        if (mc_lock_read_file(fd, &b, 4096) != MC_OK) {
            b.len = 0;
        }
        close(fd);
    }
    while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' ')) {
        b.len--;
    }
    char *s = strndup(b.len ? b.data : "", b.len);
    mc_buf_free(&b);
    return s;
}

static int is_member(gid_t gid)
{
    if (geteuid() == 0 || getegid() == gid) {
        return 1;
    }
    int n = getgroups(0, NULL);
    gid_t *groups = n > 0 ? calloc((size_t)n, sizeof(gid_t)) : NULL;
    int member = 0;
    if (groups != NULL && (n = getgroups(n, groups)) > 0) {
        for (int i = 0; i < n && !member; i++) {
            member = groups[i] == gid;
        }
    }
    free(groups);
    return member;
}

/* group: NULL, a name, or a decimal gid (a gid needs no name: containers
 * often run with a numeric fsGroup only). */
static mc_status resolve_group(const char *group, gid_t *gid, char **errmsg)
{
    *gid = (gid_t)-1;
    if (group == NULL) {
        return MC_OK;
    }
    if (group[0] == '\0') {
        return mc_lock_fail_msg(errmsg, MC_ERR_ARG, "option \"group\" must be a group name or id, not empty");
    }
    if (strspn(group, "0123456789") == strlen(group)) {
        errno = 0;
        unsigned long long v = strtoull(group, NULL, 10);
        if (errno != 0 || v >= (gid_t)-1) {
            return mc_lock_fail_msg(errmsg, MC_ERR_ARG, "option \"group\": %s is not a group id", group);
        }
        *gid = (gid_t)v;
    } else {
        struct group gr, *found = NULL;
        char buf[16384];
        if (getgrnam_r(group, &gr, buf, sizeof(buf), &found) != 0 || found == NULL) {
            return mc_lock_fail_msg(errmsg, MC_ERR_ARG, "option \"group\": no group named \"%s\"", group);
        }
        *gid = found->gr_gid;
    }
    if (!is_member(*gid)) {
        return mc_lock_fail_msg(errmsg, MC_ERR_ARG,
                                "option \"group\": this process (uid %u) is not in group %s, so it cannot give lock files to it",
                                (unsigned)geteuid(), group);
    }
    return MC_OK;
}

static char *host_name(const char *host)
{
    if (host != NULL && host[0] != '\0') {
        return strdup(host);
    }
    long hmax = sysconf(_SC_HOST_NAME_MAX);
    size_t hn = (hmax > 0 ? (size_t)hmax : 255) + 1;
    char *h = calloc(1, hn);
    if (h != NULL && gethostname(h, hn - 1) != 0) {
        h[0] = '\0';
    }
    return h;
}

mc_status mc_lock_dir_init(mc_lock_dir *d, const char *path, const char *group, const char *host,
                           char **errmsg)
{
    if (errmsg != NULL) {
        *errmsg = NULL;
    }
    d->fd = -1;
    mc_status st = resolve_group(group, &d->gid, errmsg);
    if (st != MC_OK) {
        return st;
    }
    d->file_mode = d->gid == (gid_t)-1 ? 0600 : 0660;
    d->dir_mode = d->gid == (gid_t)-1 ? 0700 : 02770;

    d->pathlen = strlen(path);
    while (d->pathlen > 1 && path[d->pathlen - 1] == '/') {
        d->pathlen--;
    }
    d->path = strndup(path, d->pathlen);
    if (d->path == NULL) {
        return MC_ERR_NOMEM;
    }
    d->fd = open(d->path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d->fd < 0) {
        int err = errno;
        struct stat sb;
        if (err == ENOTDIR && lstat(d->path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
            st = mc_lock_fail_msg(errmsg, MC_ERR_SETUP,
                                  "lock directory %s is a symbolic link: name the directory itself", d->path);
        } else if (err == ENOTDIR) {
            st = mc_lock_fail_msg(errmsg, MC_ERR_SETUP, "lock directory %s: not a directory", d->path);
        } else {
            st = mc_lock_fail_msg(errmsg, MC_ERR_SETUP, "lock directory %s: %s", d->path, strerror(err));
        }
        mc_lock_dir_fini(d);
        return st;
    }
    if (access(d->path, W_OK | X_OK) != 0) {
        int err = errno;
        st = mc_lock_fail_msg(errmsg, MC_ERR_SETUP, "lock directory %s is not writable: %s", d->path, strerror(err));
        mc_lock_dir_fini(d);
        return st;
    }

    char nsbuf[64];
    ssize_t nl = readlink("/proc/self/ns/pid", nsbuf, sizeof(nsbuf) - 1);
    d->id.pidns = strndup(nsbuf, nl > 0 ? (size_t)nl : 0);
    d->id.boot_id = read_small("/proc/sys/kernel/random/boot_id");
    d->id.host = host_name(host);
    d->id.pid = getpid();
    if (d->id.pidns == NULL || d->id.boot_id == NULL || d->id.host == NULL) {
        mc_lock_dir_fini(d);
        return MC_ERR_NOMEM;
    }
    d->rng = (uint64_t)d->id.pid * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(mc_lock_wall_now() * 1e6)
        ^ (uint64_t)(uintptr_t)d;
    if (d->rng == 0) {
        d->rng = 1;
    }
    return MC_OK;
}

void mc_lock_dir_fini(mc_lock_dir *d)
{
    if (d->path != NULL && d->fd >= 0) {   /* a zeroed d never opened descriptor 0 */
        close(d->fd);
    }
    d->fd = -1;
    free(d->path);
    free(d->id.host);
    free(d->id.boot_id);
    free(d->id.pidns);
    mc_buf_free(&d->err);
    d->path = d->id.host = d->id.boot_id = d->id.pidns = NULL;
}
