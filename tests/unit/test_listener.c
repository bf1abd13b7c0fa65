/* test_listener.c - Check suite for src/listener.c against a real server
 * (started here; MC_TEST_REDIS_SERVER picks valkey-server or another
 * redis-server; skipped without one): announcements drop exactly what they
 * name, out-of-band changes (FLUSHALL, the epoch key, a stopped server) are
 * caught, and a refusal backs off instead of reconnecting in a loop.
 * Times are printed, and bounded only loosely (this machine is shared). */
#include <check.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "announce.h"
#include "conn_pool.h"
#include "listener.h"
#include "nearcache.h"
#include "redis.h"
#include "transport.h"
#include "redis_server.h"

static test_server srv;
static int have_server;

/* Per test (each runs in its own process): a near cache, a listener on
 * channel "t" for prefix "p", and a plain connection to write with. */
static mc_nc *nc;
static uint32_t chan;
static mc_listener *listener;
static mc_redis *writer;
static mc_nc_token token;

#define NEED_SERVER() do { if (!have_server) { fprintf(stderr, "%s: skipped: no server\n", __func__); return; } } while (0)

static mc_redis_options opts_for(const char *user, const char *password)
{
    mc_redis_options o;
    memset(&o, 0, sizeof(o));
    o.transport = MC_REDIS_TCP;
    o.host = "127.0.0.1";
    o.port = srv.port;
    o.username = user;
    o.password = password;
    o.connect_timeout = 2.0;
    o.read_timeout = 2.0;
    return o;
}

/* Runs one command (words); returns its reply (owned by writer). */
static redisReply *run_argv(int argc, const char **argv, const size_t *lens)
{
    redisReply **replies = NULL;
    size_t count = 0;
    ck_assert_int_eq(mc_redis_append(writer, argc, argv, lens), MC_OK);
    ck_assert_int_eq(mc_redis_exec(writer, &replies, &count), MC_OK);
    ck_assert_uint_eq(count, 1);
    return replies[0];
}

static redisReply *run(int argc, const char **argv)
{
    size_t lens[16];
    ck_assert_int_le(argc, 16);
    for (int i = 0; i < argc; i++) {
        lens[i] = strlen(argv[i]);
    }
    return run_argv(argc, argv, lens);
}

/* A node: its own mapping (what a pod has), channel "t" and listener. */
static void start_node(mc_nc **n, uint32_t *c, mc_listener **l, const char *user, const char *password)
{
    ck_assert_int_eq(mc_nc_create(MC_NC_MIN_SIZE, 1024, n), MC_OK);
    ck_assert_int_eq(mc_nc_channel(*n, "t", 1, c), MC_OK);
    mc_redis_options o = opts_for(user, password);
    mc_listener_config cfg = {&o, NULL, NULL, 0, "p", 1, 0, 0};
    ck_assert_int_eq(mc_listener_start(*n, *c, &cfg, l), MC_OK);
}

static void start(const char *user, const char *password)
{
    start_node(&nc, &chan, &listener, user, password);
    mc_redis_options w = opts_for(NULL, NULL);
    writer = mc_redis_create(&w);
    ck_assert_ptr_nonnull(writer);
}

static void finish(void)
{
    mc_listener_stop(listener);
    mc_redis_free(writer);
    mc_nc_free(nc);
}

/* Milliseconds until cond holds (polled every ms), or -1 after limit_ms. */
#define WAIT_MS(cond, limit_ms) ({ \
    uint64_t t0_ = mc_now_ms(); long r_ = -1; \
    while (mc_now_ms() - t0_ < (limit_ms)) { if (cond) { r_ = (long)(mc_now_ms() - t0_); break; } usleep(1000); } \
    r_; })

static int trusted(void)
{
    return mc_nc_trusted(nc, chan, mc_now_ms());
}

static void fill(const char *key, const char *value)
{
    mc_nc_fill_begin(nc, chan, key, strlen(key), 5, mc_now_ms(), &token);   /* group: "{p:d}" */
    ck_assert_int_eq(token.valid, 1);
    ck_assert_int_eq(mc_nc_fill_commit(nc, &token, key, strlen(key), value, strlen(value)), MC_OK);
}

static int has(const char *key)
{
    mc_buf scratch = MC_BUF_INIT;
    const char *v;
    size_t n;
    int found = mc_nc_get(nc, chan, key, strlen(key), 5, &scratch, &v, &n) == MC_OK;
    mc_buf_free(&scratch);
    return found;
}

/* The barrier: a poke, then a complete probe round sent after it. */
static void sync_listener(void)
{
    uint64_t start = mc_now_us();
    mc_buf channel = MC_BUF_INIT;
    ck_assert_int_eq(mc_listener_sync_channel(&channel, mc_nc_node_id(nc), chan), MC_OK);
    const char *argv[] = {"PUBLISH", channel.data, "poke"};
    size_t lens[] = {7, channel.len, 4};
    run_argv(3, argv, lens);
    mc_buf_free(&channel);
    ck_assert_int_ge(WAIT_MS(mc_nc_last_heartbeat(nc, chan) > start, 5000), 0);
}

static void publish(const mc_buf *message)
{
    mc_buf channel = MC_BUF_INIT;
    ck_assert_int_eq(mc_announce_channel(&channel, 0, "p", 1), MC_OK);
    const char *argv[] = {"PUBLISH", channel.data, message->data};
    size_t lens[] = {7, channel.len, message->len};
    ck_assert_int_eq(run_argv(3, argv, lens)->type, REDIS_REPLY_INTEGER);
    mc_buf_free(&channel);
}

static void announce(mc_announce_op op, const char *tag, const char *key)
{
    mc_buf m = MC_BUF_INIT;
    ck_assert_int_eq(mc_announce_begin(&m, op, tag, tag ? strlen(tag) : 0), MC_OK);
    if (key != NULL) {
        ck_assert_int_eq(mc_announce_key(&m, key, strlen(key)), MC_OK);
    }
    publish(&m);
    mc_buf_free(&m);
}

static void ready_with_entries(void)
{
    ck_assert_int_ge(WAIT_MS(trusted(), 5000), 0);
    fill("{p:d}:a", "1");
    fill("{p:d}:b", "2");
    fill("{p:e}:a", "3");
    ck_assert(has("{p:d}:a") && has("{p:d}:b") && has("{p:e}:a"));
}

START_TEST(announced_keys_drop_only_themselves)
{
    NEED_SERVER();
    start(NULL, NULL);
    ready_with_entries();
    announce(MC_ANNOUNCE_KEYS, "{p:d}", "a");
    sync_listener();
    ck_assert(!has("{p:d}:a") && has("{p:d}:b") && has("{p:e}:a"));
    announce(MC_ANNOUNCE_DEFINITION, "{p:d}", NULL);
    sync_listener();
    ck_assert(!has("{p:d}:b") && has("{p:e}:a"));
    announce(MC_ANNOUNCE_ALL, NULL, NULL);
    sync_listener();
    ck_assert(!has("{p:e}:a"));
    ck_assert(trusted());
    finish();
}
END_TEST

START_TEST(unreadable_announcement_flushes)
{
    NEED_SERVER();
    start(NULL, NULL);
    ready_with_entries();
    mc_buf m = MC_BUF_INIT;
    ck_assert_int_eq(mc_buf_append(&m, "MCA1K\xff\xff", 7), MC_OK);
    publish(&m);
    sync_listener();
    ck_assert(!has("{p:d}:a") && !has("{p:e}:a"));
    /* a tag of another prefix is as bad */
    fill("{p:d}:a", "1");
    announce(MC_ANNOUNCE_KEYS, "{q:d}", "a");
    sync_listener();
    ck_assert(!has("{p:d}:a"));
    mc_buf_free(&m);
    finish();
}
END_TEST

START_TEST(fill_in_flight_is_dropped_by_an_announcement)
{
    NEED_SERVER();
    start(NULL, NULL);
    ck_assert_int_ge(WAIT_MS(trusted(), 5000), 0);
    mc_nc_fill_begin(nc, chan, "{p:d}:k", 7, 5, mc_now_ms(), &token);
    ck_assert_int_eq(token.valid, 1);
    announce(MC_ANNOUNCE_KEYS, "{p:d}", "k");
    sync_listener();
    ck_assert_int_eq(mc_nc_fill_commit(nc, &token, "{p:d}:k", 7, "old", 3), MC_ERR_NOTFOUND);
    finish();
}
END_TEST

/* A stop in the middle of a session ends it at once: the thread joins
 * without waiting out a round (a stopping PHP process used to spin for a
 * second, polling the stop pipe it did not read as a stop). */
START_TEST(a_stop_mid_session_ends_it_at_once)
{
    NEED_SERVER();
    start(NULL, NULL);
    ck_assert_int_ge(WAIT_MS(trusted(), 5000), 0);
    uint64_t t0 = mc_now_ms();
    mc_listener_stop(listener);
    long ms = (long)(mc_now_ms() - t0);
    fprintf(stderr, "stopped mid-session in %ld ms\n", ms);
    ck_assert_int_lt(ms, 500);      /* a round times out after 1000 ms */
    listener = NULL;
    finish();
}
END_TEST

START_TEST(flushall_and_a_changed_epoch_flush_the_channel)
{
    NEED_SERVER();
    start(NULL, NULL);
    ready_with_entries();
    const char *flush[] = {"FLUSHALL"};
    run(1, flush);
    long ms = WAIT_MS(!has("{p:d}:a"), 5000);
    fprintf(stderr, "FLUSHALL noticed after %ld ms\n", ms);
    ck_assert_int_ge(ms, 0);
    ck_assert_int_ge(WAIT_MS(trusted(), 5000), 0);
    fill("{p:d}:a", "1");
    const char *set[] = {"SET", "{p}#mc:epoch", "changed by hand"};
    run(3, set);
    ms = WAIT_MS(!has("{p:d}:a"), 5000);
    fprintf(stderr, "epoch change noticed after %ld ms\n", ms);
    ck_assert_int_ge(ms, 0);
    finish();
}
END_TEST

START_TEST(a_silent_server_is_distrusted_then_trusted_again)
{
    NEED_SERVER();
    start(NULL, NULL);
    ready_with_entries();
    kill(srv.pid, SIGSTOP);
    long ms = WAIT_MS(!trusted(), 5000);
    kill(srv.pid, SIGCONT);
    fprintf(stderr, "stopped server distrusted after %ld ms\n", ms);
    ck_assert_int_ge(ms, 0);
    ck_assert_int_lt(ms, 2000);
    ms = WAIT_MS(trusted(), 10000);
    fprintf(stderr, "trusted again %ld ms after SIGCONT\n", ms);
    ck_assert_int_ge(ms, 0);
    /* resumed within the round timeout: the same connection, nothing lost,
     * so its entries are still right; the next change still reaches it */
    announce(MC_ANNOUNCE_KEYS, "{p:d}", "a");
    sync_listener();
    ck_assert(!has("{p:d}:a") && has("{p:d}:b"));
    finish();
}
END_TEST

static long long connections_received(void)
{
    const char *info[] = {"INFO", "stats"};
    redisReply *r = run(2, info);
    const char *p = strstr(r->str, "total_connections_received:");
    return p ? atoll(p + strlen("total_connections_received:")) : -1;
}

START_TEST(a_refusal_is_reported_and_backed_off)
{
    NEED_SERVER();
    mc_redis_options w = opts_for(NULL, NULL);
    writer = mc_redis_create(&w);
    const char *acl[] = {"ACL", "SETUSER", "nopubsub", "on", ">pw", "~*", "+@all", "-subscribe", "resetchannels"};
    ck_assert_int_eq(run(9, acl)->type, REDIS_REPLY_STATUS);
    long long before = connections_received();
    mc_redis_free(writer);
    start("nopubsub", "pw");
    char message[MC_NC_ERROR_MAX];
    ck_assert_int_ge(WAIT_MS(mc_nc_listener_error_seq(nc, chan) > 0, 5000), 0);
    mc_nc_listener_error(nc, chan, message, sizeof(message), NULL, NULL);
    fprintf(stderr, "refusal recorded: %s\n", message);
    ck_assert_ptr_nonnull(strstr(message, "refused"));
    usleep(3500 * 1000);                   /* tries at 0, 1, 3 s: never a reconnect storm */
    ck_assert(!trusted());
    long long made = connections_received() - before;
    fprintf(stderr, "connections in 3.5 s of refusals: %lld\n", made);
    ck_assert_int_le(made, 10);
    uint64_t backoff = 0;
    mc_nc_listener_error(nc, chan, message, sizeof(message), NULL, &backoff);
    ck_assert_uint_ge(backoff, 2000);
    finish();
}
END_TEST

/* With a persistent store's settings, the listener's connections
 * (subscribed, tracking, probes read as a stream) still never go to the pool,
 * where a store could take them: the listener turns persistent off, and a
 * connection used for streaming is never parked (either alone holds). */
START_TEST(the_listener_never_pools)
{
    NEED_SERVER();
    ck_assert_int_eq(mc_nc_create(MC_NC_MIN_SIZE, 1024, &nc), MC_OK);
    ck_assert_int_eq(mc_nc_channel(nc, "t", 1, &chan), MC_OK);
    mc_redis_options o = opts_for(NULL, NULL);
    o.persistent = 1;
    mc_listener_config cfg = {&o, NULL, NULL, 0, "p", 1, 0, 0};
    ck_assert_int_eq(mc_listener_start(nc, chan, &cfg, &listener), MC_OK);
    ck_assert_int_ge(WAIT_MS(trusted(), 5000), 0);     /* its probes ran */
    mc_listener_stop(listener);
    ck_assert_uint_eq(mc_pool_size(), 0);
    mc_nc_free(nc);
}
END_TEST

/* This process's TCP connections to the test server with the listener's
 * keepalive settings (on, 5 s idle, 1 s apart, 3 probes). */
static int keepalive_connections(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++) {
        struct sockaddr_in peer;
        socklen_t plen = sizeof(peer);
        int on = 0, idle = 0, intvl = 0, cnt = 0;
        socklen_t len = sizeof(int);
        if (getpeername(fd, (struct sockaddr *)&peer, &plen) != 0 || peer.sin_family != AF_INET
            || ntohs(peer.sin_port) != srv.port) {
            continue;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, &len) == 0 && on
            && getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &len) == 0 && idle == 5
            && getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, &len) == 0 && intvl == 1
            && getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, &len) == 0 && cnt == 3) {
            n++;
        }
    }
    return n;
}

/* TCP keepalive, the backstop for a peer that vanished while idle, is on
 * for both of the listener's connections, and again after the server
 * closed the probe connection (it is set once per connection, not at every
 * 100 ms round). */
START_TEST(both_connections_keep_tcp_keepalive)
{
    NEED_SERVER();
    start(NULL, NULL);
    ck_assert_int_ge(WAIT_MS(trusted(), 5000), 0);
    sync_listener();
    ck_assert_int_eq(keepalive_connections(), 2);      /* the writer's has none */
    const char *kill[] = {"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"};
    ck_assert_int_eq(run(6, kill)->type, REDIS_REPLY_INTEGER);     /* the probe connection */
    sync_listener();
    sync_listener();
    ck_assert_int_eq(keepalive_connections(), 2);
    finish();
}
END_TEST

/* ---- quiet announcements (quiet.h) ----------------------------------------- */

/* A second node. */
static mc_nc *nc2;
static uint32_t chan2;
static mc_listener *listener2;

static void start_second(const char *user, const char *password)
{
    start_node(&nc2, &chan2, &listener2, user, password);
}

static void finish_second(void)
{
    mc_listener_stop(listener2);
    mc_nc_free(nc2);
}

/* Sends a key's announcement on a node's own channel, as that node's store would. */
static void announce_quietly(uint64_t node, const char *key)
{
    mc_buf m = MC_BUF_INIT, channel = MC_BUF_INIT;
    ck_assert_int_eq(mc_announce_begin(&m, MC_ANNOUNCE_KEYS, "{p:d}", 5), MC_OK);
    ck_assert_int_eq(mc_announce_key(&m, key, strlen(key)), MC_OK);
    ck_assert_int_eq(mc_announce_node_channel(&channel, 0, node, "p", 1), MC_OK);
    const char *argv[] = {"PUBLISH", channel.data, m.data};
    size_t lens[] = {7, channel.len, m.len};
    ck_assert_int_eq(run_argv(3, argv, lens)->type, REDIS_REPLY_INTEGER);
    mc_buf_free(&m);
    mc_buf_free(&channel);
}

static int quiet(mc_nc *n, uint32_t c)
{
    int alone;
    uint64_t stamp = mc_nc_quiet(n, c, &alone);
    return stamp != 0 && mc_now_us() - stamp < MC_NC_QUIET_MS * 1000;
}

static int alone(mc_nc *n, uint32_t c)
{
    int alone;
    return quiet(n, c) && (mc_nc_quiet(n, c, &alone), alone);
}

/* Alone, a node proves its own channel, and that nobody else listens
 * (its changes need no announcement), after it has waited MC_NC_QUIET_MS
 * before trusting anything, and registers. */
START_TEST(a_lone_node_announces_quietly_after_its_wait)
{
    NEED_SERVER();
    uint64_t t0 = mc_now_ms();
    start(NULL, NULL);
    ck_assert_int_ge(WAIT_MS(trusted(), 5000), 0);
    uint64_t waited = mc_now_ms() - t0;
    fprintf(stderr, "trusted %llu ms after the start\n", (unsigned long long)waited);
    ck_assert_uint_ge(waited, MC_NC_QUIET_MS);         /* the joining rule, not a speed */
    ck_assert_int_ge(WAIT_MS(quiet(nc, chan), 2000), 0);
    ck_assert(alone(nc, chan));                     /* nobody else: nothing to announce */
    char id[17];
    snprintf(id, sizeof(id), "%016llx", (unsigned long long)mc_nc_node_id(nc));
    const char *score[] = {"ZSCORE", "{p}#mc:nodes", id};
    ck_assert_int_eq(run(3, score)->type, REDIS_REPLY_STRING);
    finish();
}
END_TEST

/* A subscriber of the shared channel that knows nothing of node channels
 * (an older moodlecache, a tool) puts the node back on the shared channel
 * within a round or two, and its leaving lets the node be quiet again. */
START_TEST(a_subscriber_without_node_channels_keeps_nodes_on_the_shared_one)
{
    NEED_SERVER();
    start(NULL, NULL);
    ck_assert_int_ge(WAIT_MS(alone(nc, chan), 5000), 0);
    mc_redis_options o = opts_for(NULL, NULL);
    mc_redis *old = mc_redis_create(&o);
    mc_buf channel = MC_BUF_INIT;
    ck_assert_int_eq(mc_announce_channel(&channel, 0, "p", 1), MC_OK);
    const char *argv[] = {"SUBSCRIBE", channel.data};
    size_t lens[] = {9, channel.len};
    redisReply **replies = NULL;
    size_t count = 0;
    ck_assert_int_eq(mc_redis_append(old, 2, argv, lens), MC_OK);
    ck_assert_int_eq(mc_redis_exec(old, &replies, &count), MC_OK);
    int was_alone;
    long ms = WAIT_MS(mc_nc_quiet(nc, chan, &was_alone) == 0, 2000);
    fprintf(stderr, "back on the shared channel %ld ms after another subscriber came\n", ms);
    ck_assert_int_ge(ms, 0);
    ck_assert(trusted());
    mc_redis_free(old);
    ck_assert_int_ge(WAIT_MS(alone(nc, chan), 2000), 0);
    mc_buf_free(&channel);
    finish();
}
END_TEST

/* Two nodes find each other in the registry, subscribe to each other's
 * channel and both become quiet; each hears the other's quiet
 * announcements, and neither hears its own. */
START_TEST(two_nodes_hear_each_others_quiet_announcements)
{
    NEED_SERVER();
    start(NULL, NULL);
    start_second(NULL, NULL);
    long ms = WAIT_MS(quiet(nc, chan) && quiet(nc2, chan2), 5000);
    fprintf(stderr, "both nodes quiet after %ld ms\n", ms);
    ck_assert_int_ge(ms, 0);
    ck_assert(!alone(nc, chan) && !alone(nc2, chan2));
    ready_with_entries();
    announce_quietly(mc_nc_node_id(nc), "a");          /* its own: not heard */
    sync_listener();
    ck_assert(has("{p:d}:a"));
    announce_quietly(mc_nc_node_id(nc2), "a");         /* the other node's */
    sync_listener();
    ck_assert(!has("{p:d}:a"));
    ck_assert(has("{p:d}:b") && has("{p:e}:a"));
    finish_second();
    finish();
}
END_TEST

/* A user who may not use node channels: its listener's SUBSCRIBE to the
 * other node's channel is refused, which is no refusal of the near cache
 * (it stays trusted, no error recorded); the other node, whose channel it
 * cannot hear, stays on the shared channel. */
START_TEST(node_channels_refused_by_an_acl_keep_the_shared_channel)
{
    NEED_SERVER();
    mc_redis_options w = opts_for(NULL, NULL);
    writer = mc_redis_create(&w);
    const char *acl[] = {"ACL", "SETUSER", "nonode", "on", ">pw", "~*", "+@all", "resetchannels",
                         "&__moodlecache__:inv:*", "&__moodlecache__:sync:*"};
    ck_assert_int_eq(run(10, acl)->type, REDIS_REPLY_STATUS);
    mc_redis_free(writer);
    start(NULL, NULL);
    start_second("nonode", "pw");
    ck_assert_int_ge(WAIT_MS(mc_nc_trusted(nc2, chan2, mc_now_ms()) && trusted(), 5000), 0);
    usleep(1200 * 1000);                    /* two registry reads: the refused SUBSCRIBE came back */
    ck_assert(mc_nc_trusted(nc2, chan2, mc_now_ms()));
    ck_assert_uint_eq(mc_nc_listener_error_seq(nc2, chan2), 0);
    ck_assert(!quiet(nc, chan));
    finish_second();
    finish();
}
END_TEST

START_TEST(linger_follows_the_stream_of_writes)
{
    const uint64_t far = 1000000, near = MC_LISTENER_LINGER_US / 2;
    /* writes far apart: read at once (a wait would be one more wake-up) */
    ck_assert_int_eq(mc_listener_linger_us(0, far), 0);
    ck_assert_int_eq(mc_listener_linger_us(1, far), 0);
    ck_assert_int_eq(mc_listener_linger_us(1, MC_LISTENER_LINGER_US), 0);
    /* a burst: the last wake-up found several, or came a moment ago */
    ck_assert_int_eq(mc_listener_linger_us(2, far), MC_LISTENER_LINGER_US);
    ck_assert_int_eq(mc_listener_linger_us(1, near), MC_LISTENER_LINGER_US);
    ck_assert_int_eq(mc_listener_linger_us(UINT64_MAX, 0), MC_LISTENER_LINGER_US);
    /* bounded well below the 100 ms probe round and the 250 ms trust bound */
    ck_assert_int_le(MC_LISTENER_LINGER_US, 2000);
}
END_TEST

START_TEST(free_accepts_null)
{
    mc_listener_stop(NULL);
    mc_listener_forget(NULL);
    ck_assert_int_eq(mc_listener_running(NULL), 0);
}
END_TEST

int main(void)
{
    have_server = test_server_init(&srv, "listener") && test_server_start(&srv, 0, NULL);
    if (!have_server) {
        fprintf(stderr, "test_listener: %s did not start: server tests skipped\n", test_server_binary());
    }
    Suite *s = suite_create("listener");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, free_accepts_null);
    tcase_add_test(tc, linger_follows_the_stream_of_writes);
    tcase_add_test(tc, announced_keys_drop_only_themselves);
    tcase_add_test(tc, unreadable_announcement_flushes);
    tcase_add_test(tc, fill_in_flight_is_dropped_by_an_announcement);
    tcase_add_test(tc, a_stop_mid_session_ends_it_at_once);
    tcase_add_test(tc, flushall_and_a_changed_epoch_flush_the_channel);
    tcase_add_test(tc, a_silent_server_is_distrusted_then_trusted_again);
    tcase_add_test(tc, a_refusal_is_reported_and_backed_off);
    tcase_add_test(tc, the_listener_never_pools);
    tcase_add_test(tc, both_connections_keep_tcp_keepalive);
    tcase_add_test(tc, a_lone_node_announces_quietly_after_its_wait);
    tcase_add_test(tc, a_subscriber_without_node_channels_keeps_nodes_on_the_shared_one);
    tcase_add_test(tc, two_nodes_hear_each_others_quiet_announcements);
    tcase_add_test(tc, node_channels_refused_by_an_acl_keep_the_shared_channel);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    test_server_stop(&srv);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
