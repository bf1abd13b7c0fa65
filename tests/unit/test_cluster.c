/* test_cluster.c - Check suite for the pure parts of src/cluster.c and src/mckey.c:
 * key slots, CLUSTER SLOTS parsing, redirects, create/free, memcached key names;
 * and, against two fake nodes, what a redirected pipeline sends where. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "cluster.h"
#include "mckey.h"
#include "reply.h"
#include "reply_text.h"

/* Slots as redis-server 7.0's CLUSTER KEYSLOT gives them. */
START_TEST(key_slots_match_redis)
{
    static const struct { const char *key; unsigned slot; } cases[] = {
        {"foo", 12182}, {"123456789", 12739}, {"{user1000}.following", 3443}, {"user1000", 3443},
        {"{}x", 10595}, {"a{b}c{d}", 3300}, {"{{a}}", 10276},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned got = mc_cluster_key_slot(cases[i].key, strlen(cases[i].key));
        ck_assert_msg(got == cases[i].slot, "slot of %s: expected %u, got %u", cases[i].key, cases[i].slot, got);
    }
}
END_TEST


START_TEST(cluster_slots_parsed)
{
    redisReply *reply = reply_from_text("*2\r\n"
        "*4\r\n:0\r\n:8191\r\n*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nid\r\n*3\r\n$0\r\n\r\n:7003\r\n$2\r\nid\r\n"
        "*3\r\n:8192\r\n:16383\r\n*4\r\n$1\r\n?\r\n:7001\r\n$2\r\nid\r\n*0\r\n");
    mc_cluster_map map;
    ck_assert_int_eq(mc_cluster_parse_slots(reply, "10.0.0.9", &map), MC_OK);
    ck_assert_uint_eq(map.nranges, 2);
    ck_assert_uint_eq(map.ranges[0].start, 0);
    ck_assert_uint_eq(map.ranges[0].end, 8191);
    ck_assert_uint_eq(map.ranges[0].count, 2);
    ck_assert_str_eq(map.endpoints[map.ranges[0].first].host, "127.0.0.1");
    ck_assert_int_eq(map.endpoints[map.ranges[0].first].port, 7000);
    ck_assert_str_eq(map.endpoints[map.ranges[0].first + 1].host, "10.0.0.9");   /* "" = the node asked */
    ck_assert_str_eq(map.endpoints[map.ranges[1].first].host, "10.0.0.9");       /* "?" likewise */
    ck_assert_int_eq(map.endpoints[map.ranges[1].first].port, 7001);
    mc_cluster_map_free(&map);
    mc_cluster_map_free(&map);      /* emptied: a second free is harmless */
    mc_cluster_map_free(NULL);
    freeReplyObject(reply);
}
END_TEST

START_TEST(cluster_slots_rejected)
{
    static const char *const bad[] = {
        "+OK\r\n",
        "*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\na\r\n:1\r\n",        /* slot out of range */
        "*1\r\n*3\r\n:9\r\n:8\r\n*2\r\n$1\r\na\r\n:1\r\n",            /* start > end */
        "*1\r\n*3\r\n:0\r\n:1\r\n*2\r\n$1\r\na\r\n:0\r\n",            /* port 0 */
        "*1\r\n*3\r\n:0\r\n:1\r\n*2\r\n$3\r\na b\r\n:1\r\n",          /* space in host */
        "*1\r\n*2\r\n:0\r\n:1\r\n",                                  /* no master */
        "*1\r\n*3\r\n:0\r\n:1\r\n*2\r\n$0\r\n\r\n:1\r\n",              /* "" without a default host */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        redisReply *reply = reply_from_text(bad[i]);
        mc_cluster_map map;
        ck_assert_msg(mc_cluster_parse_slots(reply, NULL, &map) == MC_ERR_PROTOCOL, "case %zu accepted", i);
        ck_assert_uint_eq(map.nranges, 0);
        ck_assert_ptr_null(map.ranges);
        freeReplyObject(reply);
    }
}
END_TEST

START_TEST(redirects_parsed)
{
    int ask = -1, port = 0;
    unsigned slot = 0;
    char *host = NULL;
    const char *moved = "MOVED 3999 127.0.0.1:6381";
    ck_assert_int_eq(mc_cluster_parse_redirect(moved, strlen(moved), &ask, &slot, &host, &port), 1);
    ck_assert_int_eq(ask, 0);
    ck_assert_uint_eq(slot, 3999);
    ck_assert_str_eq(host, "127.0.0.1");
    ck_assert_int_eq(port, 6381);
    free(host);
    const char *askmsg = "ASK 16383 ::1:7000";
    ck_assert_int_eq(mc_cluster_parse_redirect(askmsg, strlen(askmsg), &ask, &slot, &host, &port), 1);
    ck_assert_int_eq(ask, 1);
    ck_assert_str_eq(host, "::1");
    free(host);
    static const char *const bad[] = {"MOVED", "MOVED 16384 a:1", "MOVED 1 a:0", "MOVED 1 a:", "MOVED 1 :1",
                                      "ASK x a:1", "TRYAGAIN Multiple keys", "MOVED 1 a:99999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(mc_cluster_parse_redirect(bad[i], strlen(bad[i]), &ask, &slot, &host, &port) == 0,
                      "accepted %s", bad[i]);
    }
}
END_TEST

START_TEST(create_and_free)
{
    mc_redis_options tmpl;
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.password = "secret";
    const char *hosts[2] = {"127.0.0.1", "127.0.0.1"};
    int ports[2] = {1, 1};                     /* duplicates collapse to one node */
    ck_assert_ptr_null(mc_cluster_create(&tmpl, hosts, ports, 0, 0));
    mc_cluster *c = mc_cluster_create(&tmpl, hosts, ports, 2, 1);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(mc_cluster_seed(c));
    mc_redis **masters = NULL;
    ck_assert_uint_eq(mc_cluster_masters(c, &masters), 1);   /* no map (nothing listens): the seed */
    ck_assert_ptr_eq(masters[0], mc_cluster_seed(c));
    ck_assert_int_ne(mc_cluster_refresh(c), MC_OK);
    mc_cluster_free(c);
    mc_cluster_free(NULL);
}
END_TEST

START_TEST(memcached_keys)
{
    mc_buf b = MC_BUF_INIT;
    ck_assert_int_eq(mc_mckey(&b, MC_MCKEY_DATA, "p:", 2, "core/string", 11, "k", 1), MC_OK);
    ck_assert_uint_eq(b.len, strlen("p%3A:core/string:k"));
    ck_assert_int_eq(memcmp(b.data, "p%3A:core/string:k", b.len), 0);
    mc_buf_clear(&b);
    ck_assert_int_eq(mc_mckey(&b, MC_MCKEY_PREFIX_GEN, "p", 1, NULL, 0, NULL, 0), MC_OK);
    ck_assert_int_eq(memcmp(b.data, "p{g", 3), 0);
    mc_buf_clear(&b);
    ck_assert_int_eq(mc_mckey(&b, MC_MCKEY_LOCK, "p", 1, "d", 1, "with space", 10), MC_OK);
    ck_assert_uint_eq(b.len, MC_MCKEY_HASHED_LEN);
    ck_assert_int_eq(memcmp(b.data, "mch:", 4), 0);
    ck_assert(mc_mckey_valid(b.data, b.len));
    char first[MC_MCKEY_HASHED_LEN];
    memcpy(first, b.data, sizeof(first));
    mc_buf_clear(&b);
    ck_assert_int_eq(mc_mckey(&b, MC_MCKEY_DATA, "p", 1, "d", 1, "with space", 10), MC_OK);
    ck_assert_int_ne(memcmp(first, b.data, sizeof(first)), 0);    /* lock and data of one key differ */
    char longkey[300];
    memset(longkey, 'x', sizeof(longkey));
    mc_buf_clear(&b);
    ck_assert_int_eq(mc_mckey(&b, MC_MCKEY_DATA, "p", 1, "d", 1, longkey, sizeof(longkey)), MC_OK);
    ck_assert_uint_eq(b.len, MC_MCKEY_HASHED_LEN);
    ck_assert(!mc_mckey_valid("a b", 3));
    ck_assert(!mc_mckey_valid("", 0));
    ck_assert(!mc_mckey_valid("\x7f", 1));
    mc_buf_free(&b);
}
END_TEST

/* ---- two fake cluster nodes ----------------------------------------------- */
/* A node on its own thread and port: it answers CLUSTER SLOTS with itself
 * as the master of every slot, SET of key "k" with redirect (when set, e.g.
 * "MOVED 7629 127.0.0.1:<port>"), any other SET with +OK, PUBLISH with :1,
 * anything else with +OK; and logs every command it runs, one line each,
 * its words joined by spaces. */
typedef struct fake_node {
    int fd, port, stop[2];
    char redirect[128];
    char log[4096];
    char bufs[8][4096];         /* per connection, what is not yet a whole command */
    pthread_mutex_t lock;
    pthread_t thread;
} fake_node;

static void fake_reply(fake_node *n, int fd, char **argv, size_t argc)
{
    char out[512];
    if (argc == 2 && strcasecmp(argv[0], "CLUSTER") == 0 && strcasecmp(argv[1], "SLOTS") == 0) {
        snprintf(out, sizeof(out), "*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:%d\r\n", n->port);
    } else if (argc >= 2 && strcasecmp(argv[0], "SET") == 0 && strcmp(argv[1], "k") == 0 && n->redirect[0]) {
        snprintf(out, sizeof(out), "-%s\r\n", n->redirect);
    } else if (argc >= 1 && strcasecmp(argv[0], "PUBLISH") == 0) {
        snprintf(out, sizeof(out), ":1\r\n");
    } else {
        snprintf(out, sizeof(out), "+OK\r\n");
    }
    pthread_mutex_lock(&n->lock);
    for (size_t i = 0; i < argc; i++) {
        size_t used = strlen(n->log);
        snprintf(n->log + used, sizeof(n->log) - used, "%s%s", argv[i], i + 1 < argc ? " " : "\n");
    }
    pthread_mutex_unlock(&n->lock);
    ck_assert_int_eq(write(fd, out, strlen(out)), (ssize_t)strlen(out));
}

/* Runs the complete commands at the start of buf; returns the bytes used. */
static size_t fake_serve(fake_node *n, int fd, char *buf, size_t len)
{
    size_t used = 0;
    for (;;) {
        char *p = buf + used, *end = buf + len, *argv[8];
        size_t argc = 0;
        if (p >= end || *p != '*') {
            return used;
        }
        long want = strtol(p + 1, &p, 10);
        p += 2;
        for (long a = 0; a < want; a++) {
            if (p >= end || *p != '$') {
                return used;
            }
            long l = strtol(p + 1, &p, 10);
            p += 2;
            if (p + l + 2 > end || argc == 8) {
                return used;
            }
            argv[argc++] = p;
            p[l] = '\0';            /* over the \r */
            p += l + 2;
        }
        fake_reply(n, fd, argv, argc);
        used = (size_t)(p - buf);
    }
}

static void *fake_main(void *arg)
{
    fake_node *n = arg;
    struct pollfd fds[8];
    char (*bufs)[4096] = n->bufs;
    size_t lens[8] = {0};
    size_t nfds = 2;
    fds[0] = (struct pollfd){n->stop[0], POLLIN, 0};
    fds[1] = (struct pollfd){n->fd, POLLIN, 0};
    while (poll(fds, nfds, 5000) > 0 && fds[0].revents == 0) {
        for (size_t i = 2; i < nfds; i++) {
            if (fds[i].revents == 0) {
                continue;
            }
            ssize_t r = read(fds[i].fd, bufs[i] + lens[i], sizeof(bufs[i]) - lens[i] - 1);
            if (r <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                continue;
            }
            lens[i] += (size_t)r;
            size_t used = fake_serve(n, fds[i].fd, bufs[i], lens[i]);
            memmove(bufs[i], bufs[i] + used, lens[i] - used);
            lens[i] -= used;
        }
        if (fds[1].revents && nfds < 8) {
            fds[nfds] = (struct pollfd){accept(n->fd, NULL, NULL), POLLIN, 0};
            lens[nfds++] = 0;
        }
    }
    for (size_t i = 2; i < nfds; i++) {
        if (fds[i].fd >= 0) close(fds[i].fd);
    }
    return NULL;
}

static void fake_start(fake_node *n)
{
    memset(n, 0, sizeof(*n));
    pthread_mutex_init(&n->lock, NULL);
    n->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    socklen_t len = sizeof(sa);
    ck_assert_int_eq(bind(n->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(n->fd, 8), 0);
    ck_assert_int_eq(getsockname(n->fd, (struct sockaddr *)&sa, &len), 0);
    n->port = ntohs(sa.sin_port);
    ck_assert_int_eq(pipe(n->stop), 0);
    ck_assert_int_eq(pthread_create(&n->thread, NULL, fake_main, n), 0);
}

static void fake_stop(fake_node *n)
{
    ck_assert_int_eq(write(n->stop[1], "x", 1), 1);
    pthread_join(n->thread, NULL);
    close(n->fd);
    close(n->stop[0]);
    close(n->stop[1]);
    pthread_mutex_destroy(&n->lock);
}

/* A pipeline of SET k, SET other, PUBLISH sent to node X, which redirects
 * SET k to node T (MOVED or ASK): what each node ran. */
static void redirected_pipeline(const char *kind, fake_node *x, fake_node *t)
{
    fake_start(x);
    fake_start(t);
    snprintf(x->redirect, sizeof(x->redirect), "%s %u 127.0.0.1:%d", kind, mc_cluster_key_slot("k", 1), t->port);
    mc_redis_options tmpl;
    memset(&tmpl, 0, sizeof(tmpl));
    const char *hosts[1] = {"127.0.0.1"};
    int ports[1] = {x->port};
    mc_cluster *c = mc_cluster_create(&tmpl, hosts, ports, 1, 0);
    ck_assert_ptr_nonnull(c);
    mc_redis *conn = mc_cluster_node(c, mc_cluster_key_slot("k", 1));     /* loads the map: X has every slot */
    const char *set[] = {"SET", "k", "v"}, *other[] = {"SET", "other", "w"}, *pub[] = {"PUBLISH", "chan", "k changed"};
    size_t setl[] = {3, 1, 1}, otherl[] = {3, 5, 1}, publ[] = {7, 4, 9};
    ck_assert_int_eq(mc_redis_append(conn, 3, set, setl), MC_OK);
    ck_assert_int_eq(mc_redis_append(conn, 3, other, otherl), MC_OK);
    ck_assert_int_eq(mc_redis_append(conn, 3, pub, publ), MC_OK);
    redisReply **replies = NULL;
    size_t count = 0;
    ck_assert_int_eq(mc_cluster_exec(c, &conn, &replies, &count), MC_OK);
    ck_assert_uint_eq(count, 3);
    ck_assert(replies[0]->type == REDIS_REPLY_STATUS && strcmp(replies[0]->str, "OK") == 0);
    ck_assert(replies[1]->type == REDIS_REPLY_STATUS && strcmp(replies[1]->str, "OK") == 0);
    ck_assert(replies[2]->type == REDIS_REPLY_INTEGER && replies[2]->integer == 1);
    mc_cluster_free(c);
    fake_stop(x);
    fake_stop(t);
}

/* A PUBLISH (a near-cache announcement) is not redirected: it ran on the
 * first node, before the write it announces ran on the node it was
 * redirected to.  It must run again there, behind the write, or another
 * node's read between the two fills the old value and keeps it. */
START_TEST(redirected_write_is_announced_after_it_ran)
{
    static fake_node x, t;
    redirected_pipeline("MOVED", &x, &t);
    ck_assert_str_eq(x.log, "CLUSTER SLOTS\nSET k v\nSET other w\nPUBLISH chan k changed\n");
    ck_assert_str_eq(t.log, "SET k v\nPUBLISH chan k changed\n");     /* SET other ran once, on X */
    redirected_pipeline("ASK", &x, &t);
    ck_assert_str_eq(x.log, "CLUSTER SLOTS\nSET k v\nSET other w\nPUBLISH chan k changed\n");
    ck_assert_str_eq(t.log, "ASKING\nSET k v\nASKING\nPUBLISH chan k changed\n");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cluster");
    TCase *tc = tcase_create("cluster");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, key_slots_match_redis);
    tcase_add_test(tc, cluster_slots_parsed);
    tcase_add_test(tc, cluster_slots_rejected);
    tcase_add_test(tc, redirects_parsed);
    tcase_add_test(tc, create_and_free);
    tcase_add_test(tc, memcached_keys);
    tcase_add_test(tc, redirected_write_is_announced_after_it_ran);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
