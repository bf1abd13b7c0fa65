/*
 * efs-sim - a FUSE passthrough filesystem that behaves like one Amazon EFS
 * (NFSv4.1) client mount, for tests: mount it several times over one
 * backing directory (one mount per simulated node, each in its own mount
 * namespace) and the "nodes" share files and locks like EFS clients.
 *
 *   efs-sim -o backing=DIR,latency_us=1500 [-o attr_timeout=3,entry_timeout=3] [-f] MOUNTPOINT
 *
 * What it emulates:
 *  - latency: every request that would be an NFS round trip sleeps
 *    latency_us first (getattr/lookup, open, create, read, write, flush
 *    (= close), lock, unlink, mkdir, rename, ...); release does not (the
 *    kernel sends it asynchronously).
 *  - locks that conflict across mounts: POSIX/OFD lock requests are
 *    forwarded to the backing directory as OFD locks, one backing open file
 *    description per (FUSE open, lock owner) so owners stay distinct as on
 *    an NFS server; flock() is turned into a whole-file OFD lock, as the
 *    Linux NFS client turns flock into a POSIX lock on the server.  All of
 *    an open's backing locks go away when the kernel releases the open
 *    (process exit, kill -9).
 *  - caching: attribute/entry caching through FUSE's attr_timeout and
 *    entry_timeout (NFS ac* options); file data is not cached (direct_io),
 *    as NFS makes a lock a cache coherency point.
 *
 * Not emulated: a dead client's locks surviving until its NFS lease expires
 * (here they go when the daemon sees the release); EFS quotas.
 *
 * -o nolocks leaves locks to the kernel, local to each mount: a negative
 * control showing what the tests catch when locks do not cross nodes.
 *
 * Counters: reading MOUNTPOINT/.efs-sim-stats (not delayed, not counted)
 * gives "total N" and one line per operation.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <fuse.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define STATS_PATH "/.efs-sim-stats"

enum op {
    OP_GETATTR, OP_ACCESS, OP_READLINK, OP_READDIR, OP_MKNOD, OP_MKDIR, OP_UNLINK,
    OP_RMDIR, OP_SYMLINK, OP_RENAME, OP_LINK, OP_CHMOD, OP_CHOWN, OP_TRUNCATE,
    OP_UTIMENS, OP_CREATE, OP_OPEN, OP_READ, OP_WRITE, OP_STATFS, OP_FLUSH,
    OP_FSYNC, OP_LOCK, OP_FLOCK, OP_FALLOCATE, OP_COUNT
};
static const char *op_names[OP_COUNT] = {
    "getattr", "access", "readlink", "readdir", "mknod", "mkdir", "unlink",
    "rmdir", "symlink", "rename", "link", "chmod", "chown", "truncate",
    "utimens", "create", "open", "read", "write", "statfs", "flush",
    "fsync", "lock", "flock", "fallocate"
};

static struct {
    char *backing;
    unsigned latency_us;
    int nolocks;
    int backing_fd;
    atomic_ullong count[OP_COUNT];
} sim;

/* One FUSE open: the data descriptor and one backing descriptor per lock
 * owner (an OFD lock owner is the client's open file description). */
struct owner_fd {
    uint64_t owner;
    int fd;
};
struct ofile {
    int fd;
    int is_stats;
    pthread_mutex_t mu;
    struct owner_fd *owners;
    size_t nowners, cap;
    int flock_fd;
};

static void rt(enum op op)
{
    atomic_fetch_add(&sim.count[op], 1);
    if (sim.latency_us == 0) {
        return;
    }
    struct timespec ts = {sim.latency_us / 1000000, (long)(sim.latency_us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Backing paths are relative to the backing directory's descriptor. */
static const char *rel(const char *path)
{
    while (*path == '/') {
        path++;
    }
    return *path ? path : ".";
}

static struct ofile *of_get(struct fuse_file_info *fi)
{
    return (struct ofile *)(uintptr_t)fi->fh;
}

static int is_stats(const char *path)
{
    return path != NULL && strcmp(path, STATS_PATH) == 0;
}

static void *sim_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    (void)conn;
    cfg->nullpath_ok = 0;
    cfg->direct_io = 1;
    return NULL;
}

static int sim_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    if (is_stats(path)) {
        memset(st, 0, sizeof(*st));
        st->st_mode = S_IFREG | 0444;
        st->st_nlink = 1;
        st->st_size = 4096;
        return 0;
    }
    rt(OP_GETATTR);
    int r = fi ? fstat(of_get(fi)->fd, st) : fstatat(sim.backing_fd, rel(path), st, AT_SYMLINK_NOFOLLOW);
    return r == -1 ? -errno : 0;
}

static int sim_access(const char *path, int mask)
{
    if (is_stats(path)) return 0;
    rt(OP_ACCESS);
    return faccessat(sim.backing_fd, rel(path), mask, 0) == -1 ? -errno : 0;
}

static int sim_readlink(const char *path, char *buf, size_t size)
{
    rt(OP_READLINK);
    ssize_t n = readlinkat(sim.backing_fd, rel(path), buf, size - 1);
    if (n == -1) return -errno;
    buf[n] = '\0';
    return 0;
}

static int sim_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                       struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    (void)off; (void)fi; (void)flags;
    rt(OP_READDIR);
    int fd = openat(sim.backing_fd, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1) return -errno;
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        int e = errno;
        close(fd);
        return -e;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        memset(&st, 0, sizeof(st));
        st.st_ino = de->d_ino;
        st.st_mode = (mode_t)de->d_type << 12;
        if (filler(buf, de->d_name, &st, 0, 0)) break;
    }
    closedir(d);
    return 0;
}

static int sim_mknod(const char *path, mode_t mode, dev_t rdev)
{
    rt(OP_MKNOD);
    return mknodat(sim.backing_fd, rel(path), mode, rdev) == -1 ? -errno : 0;
}

static int sim_mkdir(const char *path, mode_t mode)
{
    rt(OP_MKDIR);
    return mkdirat(sim.backing_fd, rel(path), mode) == -1 ? -errno : 0;
}

static int sim_unlink(const char *path)
{
    rt(OP_UNLINK);
    return unlinkat(sim.backing_fd, rel(path), 0) == -1 ? -errno : 0;
}

static int sim_rmdir(const char *path)
{
    rt(OP_RMDIR);
    return unlinkat(sim.backing_fd, rel(path), AT_REMOVEDIR) == -1 ? -errno : 0;
}

static int sim_symlink(const char *from, const char *to)
{
    rt(OP_SYMLINK);
    return symlinkat(from, sim.backing_fd, rel(to)) == -1 ? -errno : 0;
}

static int sim_rename(const char *from, const char *to, unsigned int flags)
{
    rt(OP_RENAME);
    return renameat2(sim.backing_fd, rel(from), sim.backing_fd, rel(to), flags) == -1 ? -errno : 0;
}

static int sim_link(const char *from, const char *to)
{
    rt(OP_LINK);
    return linkat(sim.backing_fd, rel(from), sim.backing_fd, rel(to), 0) == -1 ? -errno : 0;
}

static int sim_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    rt(OP_CHMOD);
    int r = fi ? fchmod(of_get(fi)->fd, mode) : fchmodat(sim.backing_fd, rel(path), mode, 0);
    return r == -1 ? -errno : 0;
}

static int sim_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    rt(OP_CHOWN);
    int r = fi ? fchown(of_get(fi)->fd, uid, gid) : fchownat(sim.backing_fd, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW);
    return r == -1 ? -errno : 0;
}

static int sim_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    rt(OP_TRUNCATE);
    int r;
    if (fi) {
        r = ftruncate(of_get(fi)->fd, size);
    } else {
        int fd = openat(sim.backing_fd, rel(path), O_WRONLY | O_CLOEXEC);
        if (fd == -1) return -errno;
        r = ftruncate(fd, size);
        int e = errno;
        close(fd);
        errno = e;
    }
    return r == -1 ? -errno : 0;
}

static int sim_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    rt(OP_UTIMENS);
    int r = fi ? futimens(of_get(fi)->fd, tv) : utimensat(sim.backing_fd, rel(path), tv, AT_SYMLINK_NOFOLLOW);
    return r == -1 ? -errno : 0;
}

static int of_new(int fd, struct fuse_file_info *fi, int stats)
{
    struct ofile *of = calloc(1, sizeof(*of));
    if (of == NULL) {
        if (fd >= 0) close(fd);
        return -ENOMEM;
    }
    of->fd = fd;
    of->is_stats = stats;
    of->flock_fd = -1;
    pthread_mutex_init(&of->mu, NULL);
    fi->fh = (uintptr_t)of;
    fi->direct_io = 1;
    return 0;
}

static int sim_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    rt(OP_CREATE);
    int fd = openat(sim.backing_fd, rel(path), (fi->flags | O_CREAT | O_CLOEXEC) & ~O_NOFOLLOW, mode);
    if (fd == -1) return -errno;
    return of_new(fd, fi, 0);
}

static int sim_open(const char *path, struct fuse_file_info *fi)
{
    if (is_stats(path)) {
        return of_new(-1, fi, 1);
    }
    rt(OP_OPEN);
    int fd = openat(sim.backing_fd, rel(path), (fi->flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC);
    if (fd == -1) return -errno;
    return of_new(fd, fi, 0);
}

static int stats_text(char *buf, size_t size, off_t off)
{
    char text[2048];
    unsigned long long total = 0;
    for (int i = 0; i < OP_COUNT; i++) total += atomic_load(&sim.count[i]);
    size_t n = (size_t)snprintf(text, sizeof(text), "latency_us %u\ntotal %llu\n", sim.latency_us, total);
    for (int i = 0; i < OP_COUNT && n < sizeof(text); i++) {
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s %llu\n", op_names[i],
                              (unsigned long long)atomic_load(&sim.count[i]));
    }
    if (n > sizeof(text)) n = sizeof(text);
    if ((size_t)off >= n) return 0;
    size_t len = n - (size_t)off < size ? n - (size_t)off : size;
    memcpy(buf, text + off, len);
    return (int)len;
}

static int sim_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)path;
    struct ofile *of = of_get(fi);
    if (of->is_stats) {
        return stats_text(buf, size, off);
    }
    rt(OP_READ);
    ssize_t n = pread(of->fd, buf, size, off);
    return n == -1 ? -errno : (int)n;
}

static int sim_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)path;
    struct ofile *of = of_get(fi);
    if (of->is_stats) return -EACCES;
    rt(OP_WRITE);
    ssize_t n = pwrite(of->fd, buf, size, off);
    return n == -1 ? -errno : (int)n;
}

static int sim_statfs(const char *path, struct statvfs *st)
{
    (void)path;
    rt(OP_STATFS);
    return fstatvfs(sim.backing_fd, st) == -1 ? -errno : 0;
}

static int sim_flush(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    if (of_get(fi)->is_stats) return 0;
    rt(OP_FLUSH);   /* close(): NFS CLOSE round trip */
    return 0;
}

static int sim_release(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    struct ofile *of = of_get(fi);
    /* Closing the backing descriptors drops every backing OFD lock this
     * open held: what a dying process's locks do on the server. */
    for (size_t i = 0; i < of->nowners; i++) {
        close(of->owners[i].fd);
    }
    if (of->flock_fd >= 0) close(of->flock_fd);
    if (of->fd >= 0) close(of->fd);
    free(of->owners);
    pthread_mutex_destroy(&of->mu);
    free(of);
    return 0;
}

static int sim_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void)path;
    rt(OP_FSYNC);
    int r = datasync ? fdatasync(of_get(fi)->fd) : fsync(of_get(fi)->fd);
    return r == -1 ? -errno : 0;
}

static int sim_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
    (void)path;
    rt(OP_FALLOCATE);
    return fallocate(of_get(fi)->fd, mode, off, len) == -1 ? -errno : 0;
}

/* A new open file description of the same backing file. */
static int reopen(struct ofile *of)
{
    char p[64];
    snprintf(p, sizeof(p), "/proc/self/fd/%d", of->fd);
    return open(p, O_RDWR | O_CLOEXEC);
}

/* The owner's backing descriptor; -1 with create == 0 when it has none. */
static int owner_fd(struct ofile *of, uint64_t owner, int create, int *err)
{
    *err = 0;
    pthread_mutex_lock(&of->mu);
    for (size_t i = 0; i < of->nowners; i++) {
        if (of->owners[i].owner == owner) {
            int fd = of->owners[i].fd;
            pthread_mutex_unlock(&of->mu);
            return fd;
        }
    }
    int fd = -1;
    if (create) {
        if (of->nowners == of->cap) {
            size_t cap = of->cap ? of->cap * 2 : 2;
            struct owner_fd *o = realloc(of->owners, cap * sizeof(*o));
            if (o == NULL) {
                pthread_mutex_unlock(&of->mu);
                *err = ENOMEM;
                return -1;
            }
            of->owners = o;
            of->cap = cap;
        }
        fd = reopen(of);
        if (fd < 0) {
            *err = errno;
        } else {
            of->owners[of->nowners].owner = owner;
            of->owners[of->nowners].fd = fd;
            of->nowners++;
        }
    }
    pthread_mutex_unlock(&of->mu);
    return fd;
}

static int sim_lock(const char *path, struct fuse_file_info *fi, int cmd, struct flock *lk)
{
    (void)path;
    struct ofile *of = of_get(fi);
    if (of->is_stats) return -EINVAL;
    int err = 0;
    int fd = owner_fd(of, fi->lock_owner, lk->l_type != F_UNLCK && cmd != F_GETLK, &err);
    if (err) return -err;
    if (cmd == F_GETLK) {
        rt(OP_LOCK);
        struct flock l = *lk;
        l.l_pid = 0;
        if (fcntl(fd >= 0 ? fd : of->fd, F_OFD_GETLK, &l) == -1) return -errno;
        l.l_pid = 0;   /* a remote owner has no local pid */
        *lk = l;
        return 0;
    }
    if (fd < 0) {
        /* Unlock by an owner with no lock here: the kernel's flush of a
         * closing descriptor, no server round trip. */
        return 0;
    }
    rt(OP_LOCK);
    struct flock l = *lk;
    l.l_pid = 0;
    int r = fcntl(fd, cmd == F_SETLKW ? F_OFD_SETLKW : F_OFD_SETLK, &l);
    return r == -1 ? -errno : 0;
}

static int sim_flock(const char *path, struct fuse_file_info *fi, int op)
{
    (void)path;
    struct ofile *of = of_get(fi);
    if (of->is_stats) return -EINVAL;
    rt(OP_FLOCK);
    pthread_mutex_lock(&of->mu);
    if (of->flock_fd < 0) {
        of->flock_fd = reopen(of);
    }
    int fd = of->flock_fd;
    pthread_mutex_unlock(&of->mu);
    if (fd < 0) return -errno;
    struct flock l = {.l_whence = SEEK_SET};
    int base = op & ~LOCK_NB;
    l.l_type = base == LOCK_SH ? F_RDLCK : base == LOCK_EX ? F_WRLCK : F_UNLCK;
    int r = fcntl(fd, (op & LOCK_NB) || l.l_type == F_UNLCK ? F_OFD_SETLK : F_OFD_SETLKW, &l);
    if (r == -1) return errno == EAGAIN || errno == EACCES ? -EWOULDBLOCK : -errno;
    return 0;
}

static const struct fuse_operations sim_ops = {
    .init = sim_init,
    .getattr = sim_getattr,
    .access = sim_access,
    .readlink = sim_readlink,
    .readdir = sim_readdir,
    .mknod = sim_mknod,
    .mkdir = sim_mkdir,
    .unlink = sim_unlink,
    .rmdir = sim_rmdir,
    .symlink = sim_symlink,
    .rename = sim_rename,
    .link = sim_link,
    .chmod = sim_chmod,
    .chown = sim_chown,
    .truncate = sim_truncate,
    .utimens = sim_utimens,
    .create = sim_create,
    .open = sim_open,
    .read = sim_read,
    .write = sim_write,
    .statfs = sim_statfs,
    .flush = sim_flush,
    .release = sim_release,
    .fsync = sim_fsync,
    .fallocate = sim_fallocate,
    .lock = sim_lock,
    .flock = sim_flock,
};

static struct fuse_opt sim_opts[] = {
    {"backing=%s", offsetof(__typeof__(sim), backing), 0},
    {"latency_us=%u", offsetof(__typeof__(sim), latency_us), 0},
    {"nolocks", offsetof(__typeof__(sim), nolocks), 1},
    FUSE_OPT_END
};

int main(int argc, char *argv[])
{
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    if (fuse_opt_parse(&args, &sim, sim_opts, NULL) == -1) {
        return 1;
    }
    if (sim.backing == NULL) {
        fprintf(stderr, "efs-sim: -o backing=DIR is required\n");
        return 1;
    }
    sim.backing_fd = open(sim.backing, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sim.backing_fd < 0) {
        perror(sim.backing);
        return 1;
    }
    umask(0);
    struct fuse_operations ops = sim_ops;
    if (sim.nolocks) {
        /* Negative control for tests: the kernel then keeps locks local to
         * each mount, so "nodes" no longer exclude each other. */
        ops.lock = NULL;
        ops.flock = NULL;
    }
    int r = fuse_main(args.argc, args.argv, &ops, NULL);
    fuse_opt_free_args(&args);
    return r;
}
