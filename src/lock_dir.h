/*
 * lock_dir.h - the lock directory, shared by the lock table (lock.c) and
 * the lease fallback below it (lock_lease.c): where a key's lock file lives
 * (<dir>/<2 hex>/<64 hex><suffix>, from the key's SHA-256), opening and
 * creating it, who this process is (for owner records), the last error with
 * its path, the counters, clocks and the wait between attempts.  Internal to
 * src/lock*.c; the API is lock.h.
 *
 * Symbolic links.  The directory is opened once, without following its last
 * component (whoever can write its parent could otherwise point it
 * elsewhere; links above it are the administrator's, such as a moodledata
 * that links to the EFS mount).  Everything below it is reached from that
 * descriptor: the 2-hex subdirectory with O_NOFOLLOW|O_DIRECTORY, the lock
 * file with O_NOFOLLOW.  A link planted in the shared directory is an
 * MC_ERR_SETUP naming it, never followed.
 *
 * Modes.  Files 0600 and directories 0700 (the owner only), or with a group
 * 0660 and 02770 owned by that group; set with fchown/fchmod after creation,
 * so the umask does not matter.  A file of ours found with other bits
 * (made by an older version) is brought to the same modes when opened.
 */
#ifndef MC_LOCK_DIR_H
#define MC_LOCK_DIR_H

#include <stdint.h>
#include <sys/types.h>
#include "buf.h"
#include "lock.h"
#include "lock_record.h"

#define MC_HASH_LEN 32
/* "<64 hex><suffix>" and its NUL: suffixes are short (".lck", ".lease"). */
#define MC_LOCK_NAME_MAX (2 * MC_HASH_LEN + 16)

typedef struct mc_lock_dir {
    char *path;                /* as given, without trailing slashes */
    size_t pathlen;
    int fd;                    /* O_PATH|O_DIRECTORY descriptor of path */
    mode_t file_mode;          /* 0600, or 0660 with a group */
    mode_t dir_mode;           /* 0700, or 02770 with a group */
    gid_t gid;                 /* the group option's gid, or (gid_t)-1 */
    mc_lock_ident id;          /* this process, for owner records */
    unsigned backoff_min_us, backoff_max_us;
    uint64_t rng;              /* jitter of the backoff */
    mc_lock_stats stats;       /* counted by both layers */
    mc_buf err;                /* the last error, NUL-terminated */
} mc_lock_dir;

/*
 * Opens the directory at path and sets up d (zeroed by the caller):
 * group NULL or a group name or decimal gid this process belongs to; host
 * NULL for gethostname().  Copies what it keeps.
 *   MC_OK
 *   MC_ERR_ARG    a bad group (*errmsg names the option)
 *   MC_ERR_SETUP  missing, not a directory, a symbolic link, not writable
 *                 (*errmsg names the path)
 *   MC_ERR_NOMEM
 * *errmsg (when errmsg is not NULL) is malloc'd, the caller frees it.
 * On failure d holds nothing to free.
 */
mc_status mc_lock_dir_init(mc_lock_dir *d, const char *path, const char *group, const char *host,
                           char **errmsg);
/* Frees what d holds; accepts a d that init failed or never ran on (zeroed). */
void mc_lock_dir_fini(mc_lock_dir *d);

/* The SHA-256 of key: any bytes make a name inside the directory. */
void mc_lock_hash(const void *key, size_t keylen, unsigned char hash[MC_HASH_LEN]);
/* "<64 hex><suffix>" into name (MC_LOCK_NAME_MAX bytes). */
void mc_lock_name(const unsigned char *hash, const char *suffix, char *name);
/* "<dir>/<2 hex>/<64 hex><suffix>", or the subdirectory when suffix is
 * NULL; malloc'd, NULL when out of memory. */
char *mc_lock_dir_path(const mc_lock_dir *d, const unsigned char *hash, const char *suffix);

/*
 * A descriptor of hash's subdirectory for *at() calls (caller closes it),
 * made when create is set and it is missing.
 *   MC_OK, MC_ERR_NOTFOUND (missing, create not set: nothing set), else as
 *   mc_lock_dir_fail (a link or a file in its place: MC_ERR_SETUP).
 */
mc_status mc_lock_dir_sub(mc_lock_dir *d, const unsigned char *hash, int create, int *subfd);

enum {
    MC_LOCK_EXISTING = 0,      /* open the file if it is there */
    MC_LOCK_CREATE = 1,        /* create it if missing */
    MC_LOCK_CREATE_EXCL = 2    /* create it; fail if it exists */
};

/*
 * Opens hash's file with suffix (O_RDWR or O_RDONLY in access) into *fd.
 *   MC_OK
 *   MC_ERR_NOTFOUND  missing (MC_LOCK_EXISTING), nothing set
 *   MC_ERR_LOCK      it exists (MC_LOCK_CREATE_EXCL), nothing set
 *   else as mc_lock_dir_fail, with the error set.
 */
mc_status mc_lock_dir_open(mc_lock_dir *d, const unsigned char *hash, const char *suffix, int how,
                           int access, int *fd);

/* Gives fd (a file or directory this process owns; others' are left alone)
 * mode (d->file_mode or d->dir_mode) and the group.  0, or -1 and errno. */
int mc_lock_dir_fix_modes(const mc_lock_dir *d, int fd, mode_t mode);

/*
 * Whether hash's file with suffix is still the file open as fd (not
 * removed, replaced or renamed away).  Changes nothing in d: the lease
 * renewal thread calls it beside the handle's own thread.
 */
int mc_lock_dir_same_file(const mc_lock_dir *d, const unsigned char *hash, const char *suffix, int fd);

/*
 * Records a failed system call on hash's file (suffix) or subdirectory
 * (suffix NULL) as the last error, "what: reason: path", counts it and
 * returns its status (mc_lock_errno_status): a symbolic link, or something
 * other than a directory where the subdirectory should be, is MC_ERR_SETUP
 * with a message saying so.  subfd: the subdirectory when it is open, else -1.
 */
mc_status mc_lock_dir_fail(mc_lock_dir *d, const char *what, int err, const unsigned char *hash,
                           const char *suffix, int subfd);
/* The last error as "what: strerror(err)[: path]"; path may be NULL. */
void mc_lock_dir_set_error(mc_lock_dir *d, const char *what, int err, const char *path);

/* MC_ERR_QUOTA (EDQUOT, ENOLCK, EMFILE, ENFILE), MC_ERR_SETUP (ENOENT,
 * ENOTDIR, EACCES, EPERM, EROFS), MC_ERR_NOMEM, else MC_ERR_IO. */
mc_status mc_lock_errno_status(int err);

/* *errmsg = the message (malloc'd; untouched when errmsg is NULL); returns st. */
mc_status mc_lock_fail_msg(char **errmsg, mc_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Seconds on the monotonic clock / since the epoch. */
double mc_lock_mono_now(void);
double mc_lock_wall_now(void);
/* FNV-1a, 64 bits: fingerprints of records. */
uint64_t mc_lock_fnv1a(const void *data, size_t len);
/* Sleeps a jittered *delay_us (never past deadline, monotonic seconds) and
 * doubles *delay_us up to backoff_max_us. */
void mc_lock_backoff(mc_lock_dir *d, double *delay_us, double deadline);

#endif
