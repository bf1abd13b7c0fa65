/* test_announce.c - Check suite for src/announce.c: messages round-trip,
 * and every malformed message is refused without reading past its end. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "announce.h"

static mc_buf msg;

static void build_keys(const char *tag, const char *const *keys, size_t n)
{
    ck_assert_int_eq(mc_announce_begin(&msg, MC_ANNOUNCE_KEYS, tag, strlen(tag)), MC_OK);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(mc_announce_key(&msg, keys[i], strlen(keys[i])), MC_OK);
    }
}

START_TEST(keys_round_trip)
{
    const char *keys[] = {"a", "", "binary\0x", "last"};
    build_keys("{p:d}", keys, 4);
    mc_announce a;
    ck_assert_int_eq(mc_announce_decode(msg.data, msg.len, &a), MC_OK);
    ck_assert_int_eq(a.op, MC_ANNOUNCE_KEYS);
    ck_assert_uint_eq(a.tag_len, 5);
    ck_assert(memcmp(a.tag, "{p:d}", 5) == 0);
    size_t off = 0, n = 0, len;
    const char *key;
    while (mc_announce_next_key(&a, &off, &key, &len)) {
        ck_assert_uint_eq(len, strlen(keys[n]));
        ck_assert(memcmp(key, keys[n], len) == 0);
        n++;
    }
    ck_assert_uint_eq(n, 4);
    mc_buf_free(&msg);
}
END_TEST

START_TEST(written_round_trip)
{
    uint64_t id = 0x0123456789abcdefULL;
    ck_assert_int_eq(mc_announce_begin_written(&msg, id, "{p:d}", 5), MC_OK);
    ck_assert_int_eq(mc_announce_key(&msg, "k", 1), MC_OK);
    ck_assert_int_eq(mc_announce_key(&msg, "k2", 2), MC_OK);
    mc_announce a;
    ck_assert_int_eq(mc_announce_decode(msg.data, msg.len, &a), MC_OK);
    ck_assert_int_eq(a.op, MC_ANNOUNCE_WRITTEN);
    ck_assert(a.write_id == id);
    ck_assert(a.tag_len == 5 && memcmp(a.tag, "{p:d}", 5) == 0);
    size_t off = 0, n = 0, len;
    const char *key;
    while (mc_announce_next_key(&a, &off, &key, &len)) {
        n++;
    }
    ck_assert_uint_eq(n, 2);
    /* every truncation inside the id or the tag is refused */
    for (size_t cut = 5; cut < 5 + 8 + 4 + 5; cut++) {
        ck_assert_int_eq(mc_announce_decode(msg.data, cut, &a), MC_ERR_CORRUPT);
    }
    /* id 0 is no id */
    ck_assert_int_eq(mc_announce_begin_written(&msg, 0, "{p:d}", 5), MC_OK);
    ck_assert_int_eq(mc_announce_decode(msg.data, msg.len, &a), MC_ERR_CORRUPT);
    mc_buf_free(&msg);
}
END_TEST

START_TEST(definition_and_all_round_trip)
{
    mc_announce a;
    ck_assert_int_eq(mc_announce_begin(&msg, MC_ANNOUNCE_DEFINITION, "{p:core/config}", 15), MC_OK);
    ck_assert_int_eq(mc_announce_decode(msg.data, msg.len, &a), MC_OK);
    ck_assert_int_eq(a.op, MC_ANNOUNCE_DEFINITION);
    ck_assert_uint_eq(a.tag_len, 15);
    size_t off = 0, len;
    const char *key;
    ck_assert_int_eq(mc_announce_next_key(&a, &off, &key, &len), 0);
    ck_assert_int_eq(mc_announce_begin(&msg, MC_ANNOUNCE_ALL, NULL, 0), MC_OK);
    ck_assert_uint_eq(msg.len, 5);
    ck_assert_int_eq(mc_announce_decode(msg.data, msg.len, &a), MC_OK);
    ck_assert_int_eq(a.op, MC_ANNOUNCE_ALL);
    mc_buf_free(&msg);
}
END_TEST

START_TEST(malformed_messages_are_refused)
{
    mc_announce a;
    ck_assert_int_eq(mc_announce_decode("", 0, &a), MC_ERR_FOREIGN);
    ck_assert_int_eq(mc_announce_decode("MCA2K", 5, &a), MC_ERR_FOREIGN);
    ck_assert_int_eq(mc_announce_decode("hello world", 11, &a), MC_ERR_FOREIGN);
    ck_assert_int_eq(mc_announce_decode("MCA1Z", 5, &a), MC_ERR_CORRUPT);
    ck_assert_int_eq(mc_announce_decode("MCA1Ax", 6, &a), MC_ERR_CORRUPT);      /* bytes after ALL */
    ck_assert_int_eq(mc_announce_decode("MCA1K", 5, &a), MC_ERR_CORRUPT);       /* no tag */
    const char *keys[] = {"k1", "k2"};
    build_keys("{p:d}", keys, 2);
    /* every truncation of a good message is refused */
    for (size_t cut = 5; cut < msg.len; cut++) {
        mc_announce t;
        mc_status st = mc_announce_decode(msg.data, cut, &t);
        /* cutting right after an item leaves a shorter valid message */
        if (st == MC_OK) {
            ck_assert(cut == 5 + 4 + 5 || cut == 5 + 4 + 5 + 4 + 2);
        } else {
            ck_assert_int_eq(st, MC_ERR_CORRUPT);
        }
    }
    /* a length that points past the end */
    msg.data[5 + 4 + 5] = (char)0xff;
    ck_assert_int_eq(mc_announce_decode(msg.data, msg.len, &a), MC_ERR_CORRUPT);
    /* a definition with trailing bytes */
    ck_assert_int_eq(mc_announce_begin(&msg, MC_ANNOUNCE_DEFINITION, "{p:d}", 5), MC_OK);
    ck_assert_int_eq(mc_buf_append(&msg, "x", 1), MC_OK);
    ck_assert_int_eq(mc_announce_decode(msg.data, msg.len, &a), MC_ERR_CORRUPT);
    mc_buf_free(&msg);
}
END_TEST

START_TEST(channel_names_separate_databases_and_prefixes)
{
    mc_buf a = MC_BUF_INIT, b = MC_BUF_INIT, c = MC_BUF_INIT;
    ck_assert_int_eq(mc_announce_channel(&a, 0, "mdl_", 4), MC_OK);
    ck_assert_int_eq(mc_announce_channel(&b, 1, "mdl_", 4), MC_OK);
    ck_assert_int_eq(mc_announce_channel(&c, 0, "mdl:x", 5), MC_OK);
    ck_assert(a.len == strlen("__moodlecache__:inv:0:mdl_") && memcmp(a.data, "__moodlecache__:inv:0:mdl_", a.len) == 0);
    ck_assert(!(a.len == b.len && memcmp(a.data, b.data, a.len) == 0));
    /* the prefix is escaped: "mdl:x" cannot read as database or prefix "x" */
    ck_assert(c.len == strlen("__moodlecache__:inv:0:mdl%3Ax")
              && memcmp(c.data, "__moodlecache__:inv:0:mdl%3Ax", c.len) == 0);
    mc_buf_free(&a);
    mc_buf_free(&b);
    mc_buf_free(&c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("announce");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, keys_round_trip);
    tcase_add_test(tc, written_round_trip);
    tcase_add_test(tc, definition_and_all_round_trip);
    tcase_add_test(tc, malformed_messages_are_refused);
    tcase_add_test(tc, channel_names_separate_databases_and_prefixes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
