/* test_lock.c - Check suite for src/lock*.c (OFD and LEASE modes). */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "buf.h"
#include "lock.h"
#include "lock_lease.h"

static char tmpdir[256];

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/mc-lock-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cleanup of %s failed\n", tmpdir);
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static mc_lockdir *open_dir(mc_lock_mode mode, unsigned lease_ms, const char *host)
{
    mc_lock_options o;
    mc_lock_options_init(&o);
    o.mode = mode;
    o.lease_ms = lease_ms;
    o.host = host;
    mc_lockdir *ld = NULL;
    char *msg = NULL;
    mc_status st = mc_lockdir_open(tmpdir, &o, &ld, &msg);
    ck_assert_msg(st == MC_OK, "open %s: %s (%s)", tmpdir, mc_status_name(st), msg ? msg : "");
    free(msg);
    return ld;
}

#define K(s) (s), strlen(s)

/* ---- link-time stand-ins for two libc calls (this test binary only) ----
 * The code under test calls them through the PLT of this executable, so
 * these definitions replace libc's: a renewal whose fdatasync is slow (an
 * EFS round trip under load), and a wall clock that jumps. */
static pthread_t test_thread;          /* the thread running the test */
static int slow_sync_ms;               /* fdatasync off test_thread sleeps this long */
static int slow_sync_active;           /* such a sleep is under way */
static long wall_shift_s;              /* CLOCK_REALTIME reads this much later */
#define GET(v) __atomic_load_n(&(v), __ATOMIC_SEQ_CST)
#define SET(v, x) __atomic_store_n(&(v), (x), __ATOMIC_SEQ_CST)

int fdatasync(int fd)
{
    if (GET(slow_sync_ms) > 0 && !pthread_equal(pthread_self(), test_thread)) {
        SET(slow_sync_active, 1);
        usleep((useconds_t)GET(slow_sync_ms) * 1000);
        SET(slow_sync_active, 0);
    }
    return (int)syscall(SYS_fdatasync, fd);
}

int clock_gettime(clockid_t clock, struct timespec *ts)
{
    int r = (int)syscall(SYS_clock_gettime, clock, ts);
    if (r == 0 && clock == CLOCK_REALTIME) {
        ts->tv_sec += GET(wall_shift_s);
    }
    return r;
}

START_TEST(free_accepts_null)
{
    mc_lockdir_free(NULL);
    mc_lock_owner_clear(NULL);
}
END_TEST

START_TEST(missing_dir_is_setup_error)
{
    mc_lockdir *ld = (mc_lockdir *)1;
    char *msg = NULL;
    char path[300];
    snprintf(path, sizeof(path), "%s/nope", tmpdir);
    ck_assert_int_eq(mc_lockdir_open(path, NULL, &ld, &msg), MC_ERR_SETUP);
    ck_assert_ptr_null(ld);
    ck_assert_ptr_nonnull(msg);
    ck_assert_msg(strstr(msg, "nope") != NULL && strstr(msg, "No such file") != NULL, "message: %s", msg);
    free(msg);
    ck_assert_int_eq(mc_lockdir_open("", NULL, &ld, NULL), MC_ERR_ARG);
}
END_TEST

/* Root ignores permission bits: use a read-only bind mount in a private
 * mount namespace of a child; as another user chmod 0555 does. */
START_TEST(read_only_dir_is_setup_error)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (geteuid() == 0) {
            if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0
                || mount(tmpdir, tmpdir, "none", MS_BIND, NULL) != 0
                || mount("none", tmpdir, "none", MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0) {
                _exit(3);
            }
        } else if (chmod(tmpdir, 0555) != 0) {
            _exit(3);
        }
        mc_lockdir *ld = NULL;
        char *msg = NULL;
        mc_status st = mc_lockdir_open(tmpdir, NULL, &ld, &msg);
        int ok = st == MC_ERR_SETUP && msg != NULL && strstr(msg, "not writable") != NULL;
        free(msg);
        mc_lockdir_free(ld);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    chmod(tmpdir, 0700);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
}
END_TEST

START_TEST(bad_options_rejected)
{
    mc_lock_options o;
    mc_lock_options_init(&o);
    o.lease_ms = 5;
    mc_lockdir *ld = NULL;
    char *msg = NULL;
    ck_assert_int_eq(mc_lockdir_open(tmpdir, &o, &ld, &msg), MC_ERR_ARG);
    ck_assert_msg(msg && strstr(msg, "lease_ms"), "message names the option");
    free(msg);
    mc_lock_options_init(&o);
    o.mode = 7;
    ck_assert_int_eq(mc_lockdir_open(tmpdir, &o, &ld, NULL), MC_ERR_ARG);
}
END_TEST

static void basic_cycle(mc_lock_mode mode)
{
    mc_lockdir *a = open_dir(mode, 0, NULL);
    mc_lockdir *b = open_dir(mode, 0, NULL);
    int locked = -1;
    ck_assert_int_eq(mc_lock_is_locked(b, K("k1"), &locked), MC_OK);
    ck_assert_int_eq(locked, 0);
    ck_assert_int_eq(mc_lock_acquire(a, K("k1"), 0), MC_OK);
    ck_assert_int_eq(mc_lock_held(a, K("k1")), 1);
    ck_assert_int_eq(mc_lock_held(b, K("k1")), 0);
    ck_assert_int_eq(mc_lock_acquire(a, K("k1"), 0), MC_ERR_LOCK);
    ck_assert_int_eq(mc_lock_acquire(b, K("k1"), 0), MC_ERR_TIMEOUT);
    ck_assert_int_eq(mc_lock_is_locked(b, K("k1"), &locked), MC_OK);
    ck_assert_int_eq(locked, 1);
    mc_lock_owner ow;
    ck_assert_int_eq(mc_lock_owner_get(b, K("k1"), &ow), MC_OK);
    ck_assert_int_eq(ow.pid, getpid());
    ck_assert_str_eq(ow.key, "k1");
    ck_assert(ow.acquired_at > 1e9);
    mc_lock_owner_clear(&ow);
    ck_assert_int_eq(mc_lock_release(b, K("k1")), MC_ERR_NOTFOUND);
    ck_assert_int_eq(mc_lock_release(a, K("k1")), MC_OK);
    ck_assert_int_eq(mc_lock_release(a, K("k1")), MC_ERR_NOTFOUND);
    ck_assert_int_eq(mc_lock_owner_get(b, K("k1"), &ow), MC_ERR_NOTFOUND);
    ck_assert_int_eq(mc_lock_acquire(b, K("k1"), 0), MC_OK);
    mc_lock_stats s;
    mc_lock_stats_get(b, &s);
    ck_assert_int_eq(s.held, 1);
    ck_assert_int_eq(s.mode, mode == MC_LOCK_AUTO ? MC_LOCK_OFD : mode);
    mc_lockdir_free(b);   /* releases */
    ck_assert_int_eq(mc_lock_acquire(a, K("k1"), 0), MC_OK);
    mc_lockdir_free(a);
}

START_TEST(ofd_basic) { basic_cycle(MC_LOCK_OFD); }
END_TEST
START_TEST(auto_is_ofd_locally) { basic_cycle(MC_LOCK_AUTO); }
END_TEST
START_TEST(lease_basic) { basic_cycle(MC_LOCK_LEASE); }
END_TEST

static void timeout_honoured(mc_lock_mode mode)
{
    mc_lockdir *a = open_dir(mode, 0, NULL);
    mc_lockdir *b = open_dir(mode, 0, NULL);
    ck_assert_int_eq(mc_lock_acquire(a, K("t"), 0), MC_OK);
    double t0 = now();
    ck_assert_int_eq(mc_lock_acquire(b, K("t"), 0.3), MC_ERR_TIMEOUT);
    double waited = now() - t0;
    /* Lower bound is the contract; the upper bound only catches a hang. */
    ck_assert_msg(waited >= 0.3 && waited < 10, "waited %.3f s for a 0.3 s timeout", waited);
    mc_lock_stats s;
    mc_lock_stats_get(b, &s);
    ck_assert_msg(s.attempts >= 3 && s.attempts < 300, "attempts %llu: backoff, not a busy loop", (unsigned long long)s.attempts);
    ck_assert_int_eq(s.timeouts, 1);
    ck_assert_int_eq(mc_lock_acquire(b, K("t"), -1), MC_ERR_ARG);
    mc_lockdir_free(a);
    mc_lockdir_free(b);
}

START_TEST(ofd_timeout) { timeout_honoured(MC_LOCK_OFD); }
END_TEST
START_TEST(lease_timeout) { timeout_honoured(MC_LOCK_LEASE); }
END_TEST

START_TEST(waiter_gets_lock_after_release)
{
    mc_lockdir *a = open_dir(MC_LOCK_OFD, 0, NULL);
    ck_assert_int_eq(mc_lock_acquire(a, K("w"), 0), MC_OK);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        mc_lockdir *b = NULL;
        if (mc_lockdir_open(tmpdir, NULL, &b, NULL) != MC_OK) _exit(2);
        int ok = mc_lock_acquire(b, K("w"), 10) == MC_OK;
        mc_lockdir_free(b);
        _exit(ok ? 0 : 1);
    }
    usleep(200000);
    ck_assert_int_eq(mc_lock_release(a, K("w")), MC_OK);
    int status = 0;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "waiter status %d", status);
    mc_lockdir_free(a);
}
END_TEST

static void killed_holder_releases(mc_lock_mode mode, const char *child_host, unsigned lease_ms)
{
    int pfd[2];
    ck_assert_int_eq(pipe(pfd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        mc_lock_options o;
        mc_lock_options_init(&o);
        o.mode = mode;
        o.lease_ms = lease_ms;
        o.host = child_host;
        mc_lockdir *c = NULL;
        if (mc_lockdir_open(tmpdir, &o, &c, NULL) != MC_OK) _exit(2);
        char ok = mc_lock_acquire(c, K("dead"), 0) == MC_OK ? 'y' : 'n';
        if (write(pfd[1], &ok, 1) != 1) _exit(3);
        pause();
        _exit(0);
    }
    char got = 0;
    ck_assert_int_eq(read(pfd[0], &got, 1), 1);
    ck_assert_int_eq(got, 'y');
    mc_lockdir *a = open_dir(mode, lease_ms, NULL);
    ck_assert_int_eq(mc_lock_acquire(a, K("dead"), 0), MC_ERR_TIMEOUT);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    mc_status st = mc_lock_acquire(a, K("dead"), 10);
    ck_assert_msg(st == MC_OK, "acquire after kill -9: %s", mc_status_name(st));
    mc_lockdir_free(a);
    close(pfd[0]);
    close(pfd[1]);
}

START_TEST(ofd_kill9) { killed_holder_releases(MC_LOCK_OFD, NULL, 0); }
END_TEST
/* Same host, dead pid: taken over without waiting for the lease (60 s). */
START_TEST(lease_kill9_same_host) { killed_holder_releases(MC_LOCK_LEASE, NULL, 60000); }
END_TEST
/* Another "node": only the lease (300 ms) can free it. */
START_TEST(lease_kill9_other_host) { killed_holder_releases(MC_LOCK_LEASE, "other-node", 300); }
END_TEST

/* ---- a contender's judgement of a lease file (mc_lease_contend) ---- */

typedef struct {
    mc_lock_dir dir;
    mc_leases *ls;
    unsigned char hash[MC_HASH_LEN];
    int sub;                        /* the hash's subdirectory */
    char name[MC_LOCK_NAME_MAX];    /* the lease file in it */
} lease_bench;

static void lease_bench_open(lease_bench *b)
{
    memset(b, 0, sizeof(*b));
    ck_assert_int_eq(mc_lock_dir_init(&b->dir, tmpdir, NULL, NULL, NULL), MC_OK);
    ck_assert_int_eq(mc_leases_new(&b->dir, 60000, &b->ls), MC_OK);
    mc_lock_hash("k", 1, b->hash);
    mc_lock_name(b->hash, ".lease", b->name);
    ck_assert_int_eq(mc_lock_dir_sub(&b->dir, b->hash, 1, &b->sub), MC_OK);
}

static void lease_bench_close(lease_bench *b)
{
    close(b->sub);
    mc_leases_free(b->ls);
    mc_lock_dir_fini(&b->dir);
}

static int lease_file_stat(const lease_bench *b, struct stat *st)
{
    return fstatat(b->sub, b->name, st, AT_SYMLINK_NOFOLLOW);
}

/* A lease record of this host for pid, its lease 60 s. */
static void lease_record(lease_bench *b, pid_t pid, mc_buf *out)
{
    mc_lock_ident id = b->dir.id;
    id.pid = pid;
    mc_lock_record r = {0};
    r.acquired_at = mc_lock_wall_now();
    r.generation = 1;
    r.key = "k";
    r.keylen = 1;
    r.lease_ms = 60000;
    r.expires_at = r.acquired_at + 60;
    ck_assert_int_eq(mc_lock_record_build(&id, &r, out), MC_OK);
}

/* Creates the lease file anew holding rec (what a new holder does). */
static void lease_file_write(const lease_bench *b, const mc_buf *rec)
{
    (void)unlinkat(b->sub, b->name, 0);
    int fd = openat(b->sub, b->name, O_CREAT | O_EXCL | O_WRONLY, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, rec->data, rec->len), (ssize_t)rec->len);
    close(fd);
}

static pid_t dead_pid(void)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    return pid;
}

/* A holder on this host released and exited after a contender read its
 * record; a live holder created the file anew.  The contender finds the old
 * holder dead, but must leave the new file alone: not moved aside and linked
 * back (which changes its ctime), which would leave the name free for a
 * moment for a third contender. */
START_TEST(lease_judged_record_replaced_is_left_alone)
{
    lease_bench b;
    lease_bench_open(&b);
    mc_buf dead = MC_BUF_INIT, live = MC_BUF_INIT;
    lease_record(&b, dead_pid(), &dead);
    lease_record(&b, getpid(), &live);
    lease_file_write(&b, &dead);
    lease_file_write(&b, &live);   /* released, then a new holder */
    struct stat before, after;
    ck_assert_int_eq(lease_file_stat(&b, &before), 0);
    usleep(20000);   /* a rename or link now would show in ctime */

    ck_assert_int_eq(mc_lease_contend(b.ls, b.hash, &dead), MC_OK);   /* changed: create again */
    ck_assert_int_eq(lease_file_stat(&b, &after), 0);
    ck_assert_int_eq(after.st_ino, before.st_ino);
    ck_assert_int_eq(after.st_nlink, 1);
    ck_assert_msg(after.st_ctim.tv_sec == before.st_ctim.tv_sec && after.st_ctim.tv_nsec == before.st_ctim.tv_nsec,
                  "the live holder's file was moved or linked");
    ck_assert_int_eq(b.dir.stats.stale_taken, 0);
    /* The new record judged on its own: a live holder. */
    ck_assert_int_eq(mc_lease_contend(b.ls, b.hash, &live), MC_ERR_LOCK);
    ck_assert_int_eq(lease_file_stat(&b, &after), 0);
    ck_assert_int_eq(after.st_ino, before.st_ino);

    mc_buf_free(&dead);
    mc_buf_free(&live);
    lease_bench_close(&b);
}
END_TEST

/* The dead holder's record still in place is taken over: the file goes. */
START_TEST(lease_dead_record_in_place_is_taken)
{
    lease_bench b;
    lease_bench_open(&b);
    mc_buf dead = MC_BUF_INIT;
    lease_record(&b, dead_pid(), &dead);
    lease_file_write(&b, &dead);
    ck_assert_int_eq(mc_lease_contend(b.ls, b.hash, &dead), MC_OK);
    struct stat st;
    ck_assert_int_eq(lease_file_stat(&b, &st), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(b.dir.stats.stale_taken, 1);
    mc_buf_free(&dead);
    lease_bench_close(&b);
}
END_TEST

START_TEST(lease_is_renewed_while_holder_lives)
{
    int pfd[2];
    ck_assert_int_eq(pipe(pfd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        mc_lock_options o;
        mc_lock_options_init(&o);
        o.mode = MC_LOCK_LEASE;
        o.lease_ms = 300;
        o.host = "other-node";
        mc_lockdir *c = NULL;
        if (mc_lockdir_open(tmpdir, &o, &c, NULL) != MC_OK) _exit(2);
        char ok = mc_lock_acquire(c, K("renew"), 0) == MC_OK ? 'y' : 'n';
        if (write(pfd[1], &ok, 1) != 1) _exit(3);
        sleep(3);
        int released = mc_lock_release(c, K("renew")) == MC_OK;
        mc_lockdir_free(c);
        _exit(released ? 0 : 4);
    }
    char got = 0;
    ck_assert_int_eq(read(pfd[0], &got, 1), 1);
    ck_assert_int_eq(got, 'y');
    mc_lockdir *a = open_dir(MC_LOCK_LEASE, 300, NULL);
    /* Five leases long: only renewal keeps the holder's lock. */
    ck_assert_int_eq(mc_lock_acquire(a, K("renew"), 1.5), MC_ERR_TIMEOUT);
    int status = 0;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "holder status %d", status);
    ck_assert_int_eq(mc_lock_acquire(a, K("renew"), 0), MC_OK);
    mc_lockdir_free(a);
}
END_TEST

static void force_release(mc_lock_mode mode)
{
    mc_lockdir *a = open_dir(mode, 0, NULL);
    mc_lockdir *admin = open_dir(mode, 0, NULL);
    mc_lockdir *c = open_dir(mode, 0, NULL);
    ck_assert_int_eq(mc_lock_force_release(admin, K("f")), MC_ERR_NOTFOUND);
    ck_assert_int_eq(mc_lock_acquire(a, K("f"), 0), MC_OK);
    ck_assert_int_eq(mc_lock_force_release(admin, K("f")), MC_OK);
    ck_assert_int_eq(mc_lock_acquire(c, K("f"), 0), MC_OK);
    /* The old holder learns it lost the lock, and its cached descriptor
     * does not give it the lock c now holds. */
    mc_status st = mc_lock_release(a, K("f"));
    ck_assert_msg(st == MC_OK || st == MC_ERR_LOST, "release: %s", mc_status_name(st));
    if (mode == MC_LOCK_LEASE) {
        ck_assert_int_eq(st, MC_ERR_LOST);
    }
    ck_assert_int_eq(mc_lock_acquire(a, K("f"), 0), MC_ERR_TIMEOUT);
    ck_assert_int_eq(mc_lock_release(c, K("f")), MC_OK);
    ck_assert_int_eq(mc_lock_acquire(a, K("f"), 0), MC_OK);
    /* Forcing a lock this handle holds is a release. */
    ck_assert_int_eq(mc_lock_force_release(a, K("f")), MC_OK);
    ck_assert_int_eq(mc_lock_held(a, K("f")), 0);
    mc_lockdir_free(a);
    mc_lockdir_free(admin);
    mc_lockdir_free(c);
}

START_TEST(ofd_force) { force_release(MC_LOCK_OFD); }
END_TEST
START_TEST(lease_force) { force_release(MC_LOCK_LEASE); }
END_TEST

START_TEST(keys_any_bytes_stay_inside)
{
    mc_lockdir *a = open_dir(MC_LOCK_OFD, 0, NULL);
    const char evil[] = "../../etc/passwd\0\n%00";
    char *p = mc_lock_path(a, evil, sizeof(evil) - 1);
    ck_assert_ptr_nonnull(p);
    ck_assert_msg(strncmp(p, tmpdir, strlen(tmpdir)) == 0 && strstr(p, "..") == NULL, "path %s", p);
    free(p);
    ck_assert_int_eq(mc_lock_acquire(a, evil, sizeof(evil) - 1, 0), MC_OK);
    /* A key differing after a NUL is another lock. */
    ck_assert_int_eq(mc_lock_held(a, evil, 17), 0);
    ck_assert_int_eq(mc_lock_acquire(a, evil, 17, 0), MC_OK);
    mc_lock_owner ow;
    ck_assert_int_eq(mc_lock_owner_get(a, evil, sizeof(evil) - 1, &ow), MC_OK);
    ck_assert_str_eq(ow.key, "../../etc/passwd%00%0A%2500");
    mc_lock_owner_clear(&ow);
    ck_assert_int_eq(mc_lock_acquire(a, "", 0, 0), MC_ERR_ARG);
    ck_assert_int_eq(mc_lock_acquire(a, NULL, 3, 0), MC_ERR_ARG);
    char *big = calloc(1, MC_LOCK_MAX_KEY + 1);
    ck_assert_int_eq(mc_lock_acquire(a, big, MC_LOCK_MAX_KEY + 1, 0), MC_ERR_ARG);
    ck_assert_int_eq(mc_lock_acquire(a, big, MC_LOCK_MAX_KEY, 0), MC_OK);
    free(big);
    mc_lockdir_free(a);
}
END_TEST

START_TEST(escape_keeps_records_one_line)
{
    mc_buf b = MC_BUF_INIT;
    ck_assert_int_eq(mc_lock_escape(&b, "a b\n/%\xff", 7), MC_OK);
    ck_assert_int_eq(b.len, strlen("a%20b%0A/%25%FF"));
    ck_assert(memcmp(b.data, "a%20b%0A/%25%FF", b.len) == 0);
    mc_buf_free(&b);
}
END_TEST

START_TEST(lru_bounds_descriptors)
{
    mc_lock_options o;
    mc_lock_options_init(&o);
    o.max_open_files = 2;
    mc_lockdir *a = NULL;
    ck_assert_int_eq(mc_lockdir_open(tmpdir, &o, &a, NULL), MC_OK);
    char key[16];
    for (int i = 0; i < 10; i++) {
        snprintf(key, sizeof(key), "lru%d", i);
        ck_assert_int_eq(mc_lock_acquire(a, K(key), 0), MC_OK);
        ck_assert_int_eq(mc_lock_release(a, K(key)), MC_OK);
    }
    mc_lock_stats s;
    mc_lock_stats_get(a, &s);
    ck_assert_int_le(s.open_files, 2);
    ck_assert_int_eq(s.fds_opened - s.fds_closed, s.open_files);
    /* Reuse: the same key again opens nothing. */
    unsigned long long opened = s.fds_opened;
    ck_assert_int_eq(mc_lock_acquire(a, K("lru9"), 0), MC_OK);
    mc_lock_stats_get(a, &s);
    ck_assert_int_eq(s.fds_opened, opened);
    ck_assert_int_eq(mc_lock_acquire(a, K("lru8"), 0), MC_OK);
    ck_assert_int_eq(mc_lock_acquire(a, K("lru7"), 0), MC_ERR_QUOTA);
    ck_assert_int_eq(mc_lock_release_all(a), 2);
    ck_assert_int_eq(mc_lock_acquire(a, K("lru7"), 0), MC_OK);
    mc_lockdir_free(a);
}
END_TEST

/* A freed handle's unlocked descriptors serve the next handle (the next PHP
 * request), and a pooled descriptor of a file removed meanwhile (forced
 * release, or unlinked) is never used to lock. */
START_TEST(pool_reuses_across_handles)
{
    mc_lockdir *a = open_dir(MC_LOCK_OFD, 0, NULL);
    ck_assert_int_eq(mc_lock_acquire(a, K("p"), 0), MC_OK);
    ck_assert_int_eq(mc_lock_release(a, K("p")), MC_OK);
    mc_lockdir_free(a);
    ck_assert_uint_ge(mc_lock_pool_size(), 1);
    mc_lockdir *b = open_dir(MC_LOCK_OFD, 0, NULL);
    ck_assert_int_eq(mc_lock_acquire(b, K("p"), 0), MC_OK);
    mc_lock_stats s;
    mc_lock_stats_get(b, &s);
    ck_assert_int_eq(s.fds_opened, 0);
    ck_assert_int_eq(s.fds_reused, 1);

    /* Forced release while b holds it; b's descriptor goes to the pool. */
    mc_lockdir *admin = open_dir(MC_LOCK_OFD, 0, NULL);
    ck_assert_int_eq(mc_lock_force_release(admin, K("p")), MC_OK);
    mc_lockdir *f = open_dir(MC_LOCK_OFD, 0, NULL);
    ck_assert_int_eq(mc_lock_acquire(f, K("p"), 0), MC_OK);
    (void)mc_lock_release(b, K("p"));
    mc_lockdir_free(b);
    mc_lockdir *d = open_dir(MC_LOCK_OFD, 0, NULL);
    ck_assert_int_eq(mc_lock_acquire(d, K("p"), 0), MC_ERR_TIMEOUT);   /* f holds the live file */
    ck_assert_int_eq(mc_lock_release(f, K("p")), MC_OK);
    ck_assert_int_eq(mc_lock_acquire(d, K("p"), 0), MC_OK);
    ck_assert_int_eq(mc_lock_release(d, K("p")), MC_OK);
    mc_lockdir_free(d);
    mc_lockdir_free(f);

    /* The file unlinked behind the pool's back (say, the directory emptied). */
    char *path = mc_lock_path(admin, K("p"));
    ck_assert_int_eq(unlink(path), 0);
    free(path);
    mc_lockdir *g = open_dir(MC_LOCK_OFD, 0, NULL);
    mc_lockdir *h = open_dir(MC_LOCK_OFD, 0, NULL);
    ck_assert_int_eq(mc_lock_acquire(g, K("p"), 0), MC_OK);
    ck_assert_int_eq(mc_lock_acquire(h, K("p"), 0), MC_ERR_TIMEOUT);
    mc_lockdir_free(g);
    mc_lockdir_free(h);
    mc_lockdir_free(admin);
}
END_TEST

/* ---- files, directories and symbolic links ---- */

static mode_t mode_of(const char *path)
{
    struct stat st;
    ck_assert_msg(lstat(path, &st) == 0, "lstat %s: %s", path, strerror(errno));
    return st.st_mode & 07777;
}

/* Created with explicit modes whatever the umask: owner only by default. */
static void modes_without_group(mc_lock_mode mode)
{
    umask(0);
    mc_lockdir *a = open_dir(mode, 0, NULL);
    ck_assert_int_eq(mc_lock_acquire(a, K("m"), 0), MC_OK);
    char *file = mc_lock_path(a, K("m"));
    ck_assert_msg(mode_of(file) == 0600, "%s has mode %o", file, (unsigned)mode_of(file));
    char *sub = dirname(file);
    ck_assert_msg(mode_of(sub) == 0700, "%s has mode %o", sub, (unsigned)mode_of(sub));
    free(file);
    mc_lockdir_free(a);
}

START_TEST(ofd_modes_owner_only) { modes_without_group(MC_LOCK_OFD); }
END_TEST
START_TEST(lease_modes_owner_only) { modes_without_group(MC_LOCK_LEASE); }
END_TEST

/* The group option: files 0660 and directories 02770 owned by that group,
 * even under a umask that would take the group's bits away. */
static void modes_with_group(mc_lock_mode mode, int by_name)
{
    umask(077);
    char group[64];
    struct group *gr = getgrgid(getegid());
    if (by_name && gr != NULL) {
        snprintf(group, sizeof(group), "%s", gr->gr_name);
    } else {
        snprintf(group, sizeof(group), "%u", (unsigned)getegid());
    }
    mc_lock_options o;
    mc_lock_options_init(&o);
    o.mode = mode;
    o.group = group;
    mc_lockdir *a = NULL;
    char *msg = NULL;
    ck_assert_msg(mc_lockdir_open(tmpdir, &o, &a, &msg) == MC_OK, "open with group %s: %s", group, msg ? msg : "");
    ck_assert_int_eq(mc_lock_acquire(a, K("g"), 0), MC_OK);
    char *file = mc_lock_path(a, K("g"));
    struct stat st;
    ck_assert_int_eq(stat(file, &st), 0);
    ck_assert_msg((st.st_mode & 07777) == 0660 && st.st_gid == getegid(), "%s: mode %o gid %u",
                  file, (unsigned)(st.st_mode & 07777), (unsigned)st.st_gid);
    char *sub = dirname(file);
    ck_assert_int_eq(stat(sub, &st), 0);
    ck_assert_msg((st.st_mode & 07777) == 02770 && st.st_gid == getegid(), "%s: mode %o gid %u",
                  sub, (unsigned)(st.st_mode & 07777), (unsigned)st.st_gid);
    free(file);
    mc_lockdir_free(a);
}

START_TEST(ofd_group_modes) { modes_with_group(MC_LOCK_OFD, 1); }
END_TEST
START_TEST(lease_group_modes) { modes_with_group(MC_LOCK_LEASE, 0); }
END_TEST

START_TEST(bad_group_rejected)
{
    mc_lock_options o;
    mc_lock_options_init(&o);
    const char *bad[] = {"no-such-group-for-mc-tests", "", "12x", "-1", "99999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        o.group = bad[i];
        mc_lockdir *a = NULL;
        char *msg = NULL;
        ck_assert_int_eq(mc_lockdir_open(tmpdir, &o, &a, &msg), MC_ERR_ARG);
        ck_assert_ptr_null(a);
        ck_assert_msg(msg != NULL && strstr(msg, "group") != NULL, "message for \"%s\": %s", bad[i], msg ? msg : "(none)");
        free(msg);
    }
}
END_TEST

/* Someone with write access to the lock directory replaces the key's 2-hex
 * subdirectory by a link to elsewhere: nothing is created through it, and
 * the error names the link. */
static void symlinked_subdir_refused(mc_lock_mode mode)
{
    mc_lockdir *a = open_dir(mode, 0, NULL);
    char *file = mc_lock_path(a, K("s"));
    char *sub = strdup(dirname(file));
    char elsewhere[300];
    snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", tmpdir);
    ck_assert_int_eq(mkdir(elsewhere, 0700), 0);
    rmdir(sub);
    ck_assert_int_eq(symlink(elsewhere, sub), 0);
    ck_assert_int_eq(mc_lock_acquire(a, K("s"), 0), MC_ERR_SETUP);
    const char *err = mc_lockdir_error(a);
    ck_assert_msg(strstr(err, sub) != NULL && strstr(err, "symbolic link") != NULL, "error: %s", err);
    int locked = -1;
    ck_assert_int_eq(mc_lock_is_locked(a, K("s"), &locked), MC_ERR_SETUP);
    ck_assert_int_eq(mc_lock_force_release(a, K("s")), MC_ERR_SETUP);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", elsewhere);
    ck_assert_msg(system(cmd) == 0, "a file was created in %s", elsewhere);
    free(sub);
    free(file);
    mc_lockdir_free(a);
}

START_TEST(ofd_symlinked_subdir) { symlinked_subdir_refused(MC_LOCK_OFD); }
END_TEST
START_TEST(lease_symlinked_subdir) { symlinked_subdir_refused(MC_LOCK_LEASE); }
END_TEST

/* The lock file itself a link (to a file the attacker wants written). */
static void symlinked_file_refused(mc_lock_mode mode)
{
    mc_lockdir *a = open_dir(mode, 0, NULL);
    ck_assert_int_eq(mc_lock_acquire(a, K("f"), 0), MC_OK);   /* makes the subdirectory */
    ck_assert_int_eq(mc_lock_release(a, K("f")), MC_OK);
    mc_lockdir_free(a);
    a = open_dir(mode, 0, NULL);
    char *file = mc_lock_path(a, K("f"));
    char victim[300];
    snprintf(victim, sizeof(victim), "%s/victim", tmpdir);
    unlink(file);
    ck_assert_int_eq(symlink(victim, file), 0);
    ck_assert_int_eq(mc_lock_acquire(a, K("f"), 0), MC_ERR_SETUP);
    const char *err = mc_lockdir_error(a);
    ck_assert_msg(strstr(err, file) != NULL && strstr(err, "symbolic link") != NULL, "error: %s", err);
    ck_assert_int_eq(access(victim, F_OK), -1);
    free(file);
    mc_lockdir_free(a);
}

START_TEST(ofd_symlinked_file) { symlinked_file_refused(MC_LOCK_OFD); }
END_TEST
START_TEST(lease_symlinked_file) { symlinked_file_refused(MC_LOCK_LEASE); }
END_TEST

/* The lock directory itself must not be a link: whoever can write its
 * parent could point it elsewhere.  (Links above it are the administrator's.) */
START_TEST(symlinked_lock_dir_refused)
{
    char real[300], link_path[300], below[300];
    snprintf(real, sizeof(real), "%s/real", tmpdir);
    snprintf(link_path, sizeof(link_path), "%s/link", tmpdir);
    snprintf(below, sizeof(below), "%s/link/sub", tmpdir);
    ck_assert_int_eq(mkdir(real, 0700), 0);
    ck_assert_int_eq(symlink(real, link_path), 0);
    mc_lockdir *a = NULL;
    char *msg = NULL;
    ck_assert_int_eq(mc_lockdir_open(link_path, NULL, &a, &msg), MC_ERR_SETUP);
    ck_assert_msg(msg != NULL && strstr(msg, link_path) != NULL && strstr(msg, "symbolic link") != NULL,
                  "message: %s", msg ? msg : "(none)");
    free(msg);
    ck_assert_int_eq(mkdir(below, 0700), 0);
    ck_assert_int_eq(mc_lockdir_open(below, NULL, &a, NULL), MC_OK);
    ck_assert_int_eq(mc_lock_acquire(a, K("x"), 0), MC_OK);
    mc_lockdir_free(a);
}
END_TEST

/* The OFD probe file at the top of the directory: a link there must not
 * be followed, nor quietly turn the directory to lease mode. */
START_TEST(symlinked_probe_refused)
{
    char probe[300], victim[300];
    snprintf(probe, sizeof(probe), "%s/.probe.lck", tmpdir);
    snprintf(victim, sizeof(victim), "%s/victim", tmpdir);
    ck_assert_int_eq(symlink(victim, probe), 0);
    mc_lockdir *a = NULL;
    char *msg = NULL;
    ck_assert_int_eq(mc_lockdir_open(tmpdir, NULL, &a, &msg), MC_ERR_SETUP);
    ck_assert_msg(msg != NULL && strstr(msg, probe) != NULL && strstr(msg, "symbolic link") != NULL,
                  "message: %s", msg ? msg : "(none)");
    free(msg);
    ck_assert_int_eq(access(victim, F_OK), -1);
}
END_TEST

/* ---- the lease renewal thread ---- */

/* The threads of this process, as a bitmap of small tids (enough here). */
static void thread_ids(unsigned char *seen, size_t n)
{
    memset(seen, 0, n);
    DIR *d = opendir("/proc/self/task");
    ck_assert_ptr_nonnull(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        long tid = atol(de->d_name);
        if (tid > 0 && (size_t)tid < n * 8) {
            seen[tid / 8] |= (unsigned char)(1u << (tid % 8));
        }
    }
    closedir(d);
}

/* The signal mask of the one thread that is in after[] and not in before[]. */
static unsigned long long new_thread_sigblk(const unsigned char *before, const unsigned char *after, size_t n)
{
    long tid = -1;
    for (size_t i = 0; i < n * 8; i++) {
        if ((after[i / 8] & (1u << (i % 8))) && !(before[i / 8] & (1u << (i % 8)))) {
            ck_assert_msg(tid < 0, "more than one new thread");
            tid = (long)i;
        }
    }
    ck_assert_msg(tid > 0, "no renewal thread found");
    char path[128], line[256];
    snprintf(path, sizeof(path), "/proc/self/task/%ld/status", tid);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    unsigned long long mask = 0;
    int found = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        found |= sscanf(line, "SigBlk: %llx", &mask) == 1;
    }
    fclose(f);
    ck_assert(found);
    return mask;
}

/* SIGPROF (max_execution_time), SIGTERM (PHP-FPM), SIGALRM... must reach
 * PHP's thread, never the renewal thread. */
START_TEST(lease_thread_blocks_signals)
{
    static unsigned char before[1 << 20], after[1 << 20];   /* tids below 8M */
    mc_lockdir *a = open_dir(MC_LOCK_LEASE, 0, NULL);
    thread_ids(before, sizeof(before));
    ck_assert_int_eq(mc_lock_acquire(a, K("sig"), 0), MC_OK);
    thread_ids(after, sizeof(after));
    unsigned long long mask = new_thread_sigblk(before, after, sizeof(before));
    const int sigs[] = {SIGTERM, SIGPROF, SIGALRM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD, SIGPIPE};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        ck_assert_msg(mask & (1ULL << (sigs[i] - 1)), "signal %d (%s) not blocked in the renewal thread (SigBlk %016llx)",
                      sigs[i], strsignal(sigs[i]), mask);
    }
    mc_lockdir_free(a);
}
END_TEST

/* A renewal's pwrite + fdatasync (an EFS round trip, slow under load)
 * must not hold up the handle: taking another lock meanwhile is quick. */
START_TEST(lease_renewal_io_outside_the_table_lock)
{
    test_thread = pthread_self();
    mc_lockdir *a = open_dir(MC_LOCK_LEASE, 300, NULL);   /* renewed every 100 ms */
    SET(slow_sync_ms, 1000);
    ck_assert_int_eq(mc_lock_acquire(a, K("held"), 0), MC_OK);
    double until = now() + 5;
    while (!GET(slow_sync_active) && now() < until) {
        usleep(1000);
    }
    ck_assert_msg(GET(slow_sync_active), "no renewal started within 5 s");
    double t0 = now();
    ck_assert_int_eq(mc_lock_acquire(a, K("other"), 0), MC_OK);
    ck_assert_int_eq(mc_lock_release(a, K("other")), MC_OK);
    int locked = 0;
    ck_assert_int_eq(mc_lock_is_locked(a, K("held"), &locked), MC_OK);
    double took = now() - t0;
    int still_renewing = GET(slow_sync_active);
    SET(slow_sync_ms, 0);
    ck_assert_msg(took < 0.5 && still_renewing, "calls during a renewal took %.3f s (renewal %s)",
                  took, still_renewing ? "still running" : "finished first");
    ck_assert_int_eq(locked, 1);
    mc_lockdir_free(a);
}
END_TEST

/* The renewal waits on the monotonic clock: the wall clock stepping back by
 * an hour (seen here as every wall time read an hour ahead) must not stall
 * renewals until another node takes the lease over. */
static unsigned long long renewals_recorded(const char *path)
{
    char buf[2048] = {0};
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_gt(read(fd, buf, sizeof(buf) - 1), 0);
    close(fd);
    const char *r = strstr(buf, "\nrenewed ");
    ck_assert_ptr_nonnull(r);
    return strtoull(r + strlen("\nrenewed "), NULL, 10);
}

START_TEST(lease_renewal_ignores_wall_clock_steps)
{
    mc_lockdir *a = open_dir(MC_LOCK_LEASE, 300, NULL);   /* renewed every 100 ms */
    SET(wall_shift_s, 3600);
    ck_assert_int_eq(mc_lock_acquire(a, K("clock"), 0), MC_OK);
    char *path = mc_lock_path(a, K("clock"));
    usleep(650000);
    unsigned long long n = renewals_recorded(path);
    SET(wall_shift_s, 0);
    ck_assert_msg(n >= 2, "%llu renewals in 650 ms of a 300 ms lease", n);
    free(path);
    mc_lockdir_free(a);
}
END_TEST

/* Many processes increment a counter file under the lock: no update lost. */
static void contention(mc_lock_mode mode, int procs, int rounds)
{
    char counter[300];
    snprintf(counter, sizeof(counter), "%s/counter", tmpdir);
    FILE *f = fopen(counter, "w");
    ck_assert_ptr_nonnull(f);
    fputs("0", f);
    fclose(f);
    for (int p = 0; p < procs; p++) {
        if (fork() == 0) {
            mc_lock_options o;
            mc_lock_options_init(&o);
            o.mode = mode;
            mc_lockdir *c = NULL;
            if (mc_lockdir_open(tmpdir, &o, &c, NULL) != MC_OK) _exit(2);
            for (int r = 0; r < rounds; r++) {
                if (mc_lock_acquire(c, K("counter"), 30) != MC_OK) _exit(3);
                int fd = open(counter, O_RDWR);
                char buf[32] = {0};
                if (fd < 0 || pread(fd, buf, sizeof(buf) - 1, 0) < 0) _exit(4);
                int n = snprintf(buf, sizeof(buf), "%ld", strtol(buf, NULL, 10) + 1);
                if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) _exit(5);
                close(fd);
                if (mc_lock_release(c, K("counter")) != MC_OK) _exit(6);
            }
            mc_lockdir_free(c);
            _exit(0);
        }
    }
    for (int p = 0; p < procs; p++) {
        int status = 0;
        ck_assert_int_gt(wait(&status), 0);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "worker status %d", status);
    }
    f = fopen(counter, "r");
    long total = -1;
    ck_assert_int_eq(fscanf(f, "%ld", &total), 1);
    fclose(f);
    ck_assert_int_eq(total, (long)procs * rounds);
}

START_TEST(ofd_contention) { contention(MC_LOCK_OFD, 4, 400); }
END_TEST
START_TEST(lease_contention) { contention(MC_LOCK_LEASE, 4, 100); }
END_TEST

Suite *lock_suite(void)
{
    Suite *s = suite_create("lock");
    TCase *tc = tcase_create("lock");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, free_accepts_null);
    tcase_add_test(tc, missing_dir_is_setup_error);
    tcase_add_test(tc, read_only_dir_is_setup_error);
    tcase_add_test(tc, bad_options_rejected);
    tcase_add_test(tc, ofd_basic);
    tcase_add_test(tc, auto_is_ofd_locally);
    tcase_add_test(tc, lease_basic);
    tcase_add_test(tc, ofd_timeout);
    tcase_add_test(tc, lease_timeout);
    tcase_add_test(tc, waiter_gets_lock_after_release);
    tcase_add_test(tc, ofd_kill9);
    tcase_add_test(tc, lease_kill9_same_host);
    tcase_add_test(tc, lease_kill9_other_host);
    tcase_add_test(tc, lease_judged_record_replaced_is_left_alone);
    tcase_add_test(tc, lease_dead_record_in_place_is_taken);
    tcase_add_test(tc, lease_is_renewed_while_holder_lives);
    tcase_add_test(tc, ofd_force);
    tcase_add_test(tc, lease_force);
    tcase_add_test(tc, keys_any_bytes_stay_inside);
    tcase_add_test(tc, escape_keeps_records_one_line);
    tcase_add_test(tc, lru_bounds_descriptors);
    tcase_add_test(tc, pool_reuses_across_handles);
    tcase_add_test(tc, ofd_modes_owner_only);
    tcase_add_test(tc, lease_modes_owner_only);
    tcase_add_test(tc, ofd_group_modes);
    tcase_add_test(tc, lease_group_modes);
    tcase_add_test(tc, bad_group_rejected);
    tcase_add_test(tc, ofd_symlinked_subdir);
    tcase_add_test(tc, lease_symlinked_subdir);
    tcase_add_test(tc, ofd_symlinked_file);
    tcase_add_test(tc, lease_symlinked_file);
    tcase_add_test(tc, symlinked_lock_dir_refused);
    tcase_add_test(tc, symlinked_probe_refused);
    tcase_add_test(tc, lease_thread_blocks_signals);
    tcase_add_test(tc, lease_renewal_io_outside_the_table_lock);
    tcase_add_test(tc, lease_renewal_ignores_wall_clock_steps);
    tcase_add_test(tc, ofd_contention);
    tcase_add_test(tc, lease_contention);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lock_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
