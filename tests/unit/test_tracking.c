/* test_tracking.c - Check suite for src/tracking.c against a real
 * redis-server (started here; skipped without one): what each kind of
 * write does to the near cache once its invalidation is applied. */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "buf.h"
#include "nearcache.h"
#include "redis.h"
#include "tracking.h"
#include "transport.h"

static pid_t srv_pid = -1;
static int srv_port;
static char srv_dir[64];

static int port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    socklen_t len = sizeof(sa);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0
        || getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        close(fd);
        return 0;
    }
    close(fd);
    return ntohs(sa.sin_port);
}

/* 1 when a private redis-server answers on srv_port. */
static int server_start(void)
{
    snprintf(srv_dir, sizeof(srv_dir), "/tmp/mc-test-tracking-XXXXXX");
    if (mkdtemp(srv_dir) == NULL || (srv_port = free_port()) == 0) {
        return 0;
    }
    char port[16], log[128];
    snprintf(port, sizeof(port), "%d", srv_port);
    snprintf(log, sizeof(log), "%s/redis.log", srv_dir);
    const char *argv[] = {"redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--daemonize", "no", "--dir", srv_dir,
                          "--logfile", log, NULL};
    pid_t parent = getpid();
    srv_pid = fork();
    if (srv_pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive the tests */
        if (getppid() != parent) {
            _exit(1);
        }
        execvp("redis-server", (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 300; i++) {
        if (port_open(srv_port)) {
            return 1;
        }
        if (waitpid(srv_pid, NULL, WNOHANG) == srv_pid) {
            srv_pid = -1;
            return 0;
        }
        usleep(10000);
    }
    return 0;
}

static void server_stop(void)
{
    if (srv_pid > 0) {
        kill(srv_pid, SIGTERM);
        waitpid(srv_pid, NULL, 0);
        srv_pid = -1;
    }
    if (srv_dir[0]) {
        char cmdline[128];
        snprintf(cmdline, sizeof(cmdline), "rm -rf '%s'", srv_dir);
        if (system(cmdline) != 0) {
            fprintf(stderr, "test_tracking: could not remove %s\n", srv_dir);
        }
    }
}

static mc_nc *nc;
static uint32_t chan;
static mc_redis *writer;

/* Runs one command (NUL-terminated words) on the writer connection. */
static void run(int argc, const char **argv)
{
    size_t lens[8];
    for (int i = 0; i < argc; i++) {
        lens[i] = strlen(argv[i]);
    }
    redisReply **replies = NULL;
    size_t count = 0;
    ck_assert_int_eq(mc_redis_append(writer, argc, argv, lens), MC_OK);
    ck_assert_int_eq(mc_redis_exec(writer, &replies, &count), MC_OK);
    ck_assert_uint_eq(count, 1);
    ck_assert_int_ne(replies[0]->type, REDIS_REPLY_ERROR);
}

#define RUN(...) do { const char *a_[] = {__VA_ARGS__}; run((int)(sizeof(a_) / sizeof(a_[0])), a_); } while (0)

/* Waits until the listener has applied every invalidation sent so far
 * (the sync barrier ext/near_cache.c uses). */
static void applied(void)
{
    uint64_t ticket = mc_nc_sync_ticket(nc, chan);
    mc_buf channel = MC_BUF_INIT;
    ck_assert_int_eq(mc_tracking_sync_channel(&channel, mc_nc_node_id(nc), chan), MC_OK);
    char digits[24], name[128];
    snprintf(digits, sizeof(digits), "%llu", (unsigned long long)ticket);
    snprintf(name, sizeof(name), "%.*s", (int)channel.len, channel.data);
    mc_buf_free(&channel);
    RUN("PUBLISH", name, digits);
    uint64_t deadline = mc_now_ms() + 5000;
    while (!mc_nc_sync_done(nc, chan, ticket)) {
        ck_assert_msg(mc_now_ms() < deadline, "the listener did not apply the ticket");
        usleep(1000);
    }
}

static void fill(const char *key)
{
    mc_nc_token tok;
    mc_nc_fill_begin(nc, chan, key, strlen(key), 5, mc_now_ms(), &tok);
    ck_assert_int_eq(tok.valid, 1);
    ck_assert_int_eq(mc_nc_fill_commit(nc, &tok, key, strlen(key), "v", 1), MC_OK);
}

static int hit(const char *key)
{
    mc_buf scratch = MC_BUF_INIT;
    const char *v;
    size_t n;
    int found = mc_nc_get(nc, chan, key, strlen(key), 5, &scratch, &v, &n) == MC_OK;
    mc_buf_free(&scratch);
    return found;
}

START_TEST(invalidations_by_key_shape)
{
    if (srv_pid <= 0) {
        fprintf(stderr, "%s: skipped: no redis-server\n", __func__);
        return;
    }
    alarm(30);
    ck_assert_int_eq(mc_nc_create(4 << 20, 64 * 1024, &nc), MC_OK);
    ck_assert_int_eq(mc_nc_channel(nc, "test", 4, &chan), MC_OK);
    mc_redis_options o;
    memset(&o, 0, sizeof(o));
    o.transport = MC_REDIS_TCP;
    o.host = "127.0.0.1";
    o.port = srv_port;
    o.connect_timeout = 5;
    o.read_timeout = 10;
    o.tls.verify_peer = 1;
    writer = mc_redis_create(&o);
    ck_assert_ptr_nonnull(writer);
    mc_tracking *t = NULL;
    ck_assert_int_eq(mc_tracking_start(nc, chan, &o, "{p:", 3, &t), MC_OK);
    uint64_t deadline = mc_now_ms() + 5000;
    while (!mc_nc_trusted(nc, chan, mc_now_ms())) {
        ck_assert_msg(mc_now_ms() < deadline, "the listener never became ready");
        usleep(1000);
    }
    fill("{p:d}:a");
    fill("{p:d}:b");
    fill("{p:e}:a");
    fill("{p:e}:b");

    /* TTL index and lock traffic: nothing dropped */
    RUN("SET", "{p:d}#l:a", "owner", "PX", "10000");
    RUN("ZADD", "{p:d}#t", "1", "a");
    RUN("DEL", "{p:d}#l:a");
    RUN("SET", "{p:x}:a", "other group");
    applied();
    ck_assert(hit("{p:d}:a") && hit("{p:d}:b") && hit("{p:e}:a") && hit("{p:e}:b"));

    /* one field of the definition's hash: the whole definition, and a
     * fill in flight for it */
    mc_nc_token tok;
    mc_nc_fill_begin(nc, chan, "{p:d}:c", 7, 5, mc_now_ms(), &tok);
    RUN("HSET", "{p:d}", "a", "2");
    applied();
    ck_assert(!hit("{p:d}:a") && !hit("{p:d}:b"));
    ck_assert(hit("{p:e}:a") && hit("{p:e}:b"));
    ck_assert_int_eq(mc_nc_fill_commit(nc, &tok, "{p:d}:c", 7, "old", 3), MC_ERR_NOTFOUND);

    /* the per-key layout: that key only */
    RUN("SET", "{p:e}:a", "2");
    applied();
    ck_assert(!hit("{p:e}:a") && hit("{p:e}:b"));

    /* the hash unlinked (purge) */
    fill("{p:d}:a");
    RUN("UNLINK", "{p:d}", "{p:d}#t");
    applied();
    ck_assert(!hit("{p:d}:a") && hit("{p:e}:b"));

    /* FLUSHALL: a nil payload flushes the channel */
    RUN("FLUSHALL");
    applied();
    ck_assert(!hit("{p:e}:b"));

    mc_tracking_stop(t);
    mc_redis_free(writer);
    mc_nc_free(nc);
    alarm(0);
}
END_TEST

int main(void)
{
    if (!server_start()) {
        fprintf(stderr, "test_tracking: no redis-server could be started: tests skipped\n");
        server_stop();
        srv_pid = -1;
    }
    Suite *s = suite_create("tracking");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, invalidations_by_key_shape);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    server_stop();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
