/* test_cluster.c - Check suite for the pure parts of src/cluster.c and src/mckey.c:
 * key slots, CLUSTER SLOTS parsing, redirects, create/free, memcached key names. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "cluster.h"
#include "mckey.h"
#include "reply.h"

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

static redisReply *parse(const char *resp)
{
    mc_reply_reader *rr = mc_reply_reader_create();
    redisReply *reply = NULL;
    ck_assert_ptr_nonnull(rr);
    ck_assert_int_eq(mc_reply_reader_feed(rr, resp, strlen(resp)), MC_OK);
    ck_assert_int_eq(mc_reply_reader_get(rr, &reply), MC_OK);
    ck_assert_ptr_nonnull(reply);
    mc_reply_reader_free(rr);
    return reply;
}

START_TEST(cluster_slots_parsed)
{
    redisReply *reply = parse("*2\r\n"
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
        redisReply *reply = parse(bad[i]);
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
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
