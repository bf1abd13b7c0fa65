/* test_quiet.c - Check suite for src/quiet.c: what a PUBSUB NUMSUB reply
 * proves, and the node list a session subscribes to (ids parsed, itself
 * and duplicates left out, the cap, nodes that left). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "announce.h"
#include "quiet.h"
#include "reply_text.h"

static mc_quiet_proof_kind proof_of(long long shared, long long own)
{
    char resp[128];
    snprintf(resp, sizeof(resp), "*4\r\n$6\r\nshared\r\n:%lld\r\n$3\r\nown\r\n:%lld\r\n", shared, own);
    redisReply *r = reply_from_text(resp);
    mc_quiet_proof_kind k = mc_quiet_proof(r);
    freeReplyObject(r);
    return k;
}

START_TEST(numsub_proves_heard_alone_or_nothing)
{
    ck_assert_int_eq(proof_of(1, 0), MC_QUIET_ALONE);          /* only this node */
    ck_assert_int_eq(proof_of(3, 2), MC_QUIET_HEARD);          /* both others hear it */
    ck_assert_int_eq(proof_of(3, 1), MC_QUIET_NONE);           /* one other does not */
    ck_assert_int_eq(proof_of(2, 0), MC_QUIET_NONE);           /* an older node, a tool */
    ck_assert_int_eq(proof_of(2, 2), MC_QUIET_NONE);           /* counts that do not add up */
    ck_assert_int_eq(proof_of(0, 0), MC_QUIET_NONE);           /* not even this node */
    redisReply *err = reply_from_text("-NOPERM this user has no permissions\r\n");
    ck_assert_int_eq(mc_quiet_proof(err), MC_QUIET_NONE);      /* an ACL */
    freeReplyObject(err);
    redisReply *shortr = reply_from_text("*2\r\n$6\r\nshared\r\n:1\r\n");
    ck_assert_int_eq(mc_quiet_proof(shortr), MC_QUIET_NONE);
    freeReplyObject(shortr);
}
END_TEST

/* A registry read: an array of the ids as bulk strings. */
static redisReply *ids(size_t n, const char *const *list)
{
    char resp[512];
    int len = snprintf(resp, sizeof(resp), "*%zu\r\n", n);
    for (size_t i = 0; i < n; i++) {
        len += snprintf(resp + len, sizeof(resp) - (size_t)len, "$%zu\r\n%s\r\n", strlen(list[i]), list[i]);
    }
    ck_assert_int_lt(len, (int)sizeof(resp));
    return reply_from_text(resp);
}

START_TEST(members_are_parsed_deduplicated_and_named)
{
    mc_quiet_members m = {.count = 0};
    mc_buf names = MC_BUF_INIT, want = MC_BUF_INIT;
    size_t offsets[MC_QUIET_MAX_MEMBERS], lengths[MC_QUIET_MAX_MEMBERS];
    int full = 1;
    const char *list[] = {"00000000000000aa", "00000000000000bb", "not-an-id", "00000000000000AA",
                          "0000000000000000cc", "00000000000000aa"};
    redisReply *r = ids(6, list);
    /* bb is this node; "AA" is not how ids are written; cc is too long */
    ck_assert_int_eq(mc_quiet_members_add(&m, r, 0xbb, 3, "p", 1, &names, offsets, lengths, &full), 1);
    ck_assert_int_eq(full, 0);
    ck_assert_uint_eq(m.count, 1);
    ck_assert_uint_eq(m.ids[0], 0xaa);
    ck_assert_int_eq(mc_announce_node_channel(&want, 3, 0xaa, "p", 1), MC_OK);
    ck_assert_uint_eq(lengths[0], want.len);
    ck_assert(memcmp(names.data + offsets[0], want.data, want.len) == 0);
    static const char name[] = "__moodlecache__:node:3:00000000000000aa:p";
    ck_assert(want.len == strlen(name) && memcmp(want.data, name, want.len) == 0);     /* not NUL-terminated */
    /* the same read again adds nothing */
    mc_buf_clear(&names);
    ck_assert_int_eq(mc_quiet_members_add(&m, r, 0xbb, 3, "p", 1, &names, offsets, lengths, &full), 0);
    ck_assert_int_eq(mc_quiet_members_stale(&m, r), 0);
    freeReplyObject(r);
    /* aa left: stale */
    const char *later[] = {"00000000000000dd"};
    r = ids(1, later);
    ck_assert_int_eq(mc_quiet_members_stale(&m, r), 1);
    freeReplyObject(r);
    mc_buf_free(&names);
    mc_buf_free(&want);
}
END_TEST

START_TEST(members_stop_at_the_cap)
{
    mc_quiet_members m = {.count = 0};
    mc_buf names = MC_BUF_INIT;
    size_t offsets[MC_QUIET_MAX_MEMBERS], lengths[MC_QUIET_MAX_MEMBERS];
    int full = 0;
    for (unsigned i = 0; i < MC_QUIET_MAX_MEMBERS; i++) {
        char id[17];
        snprintf(id, sizeof(id), "%016x", i + 1);
        const char *one[] = {id};
        redisReply *r = ids(1, one);
        mc_buf_clear(&names);
        ck_assert_int_eq(mc_quiet_members_add(&m, r, 0, 0, "p", 1, &names, offsets, lengths, &full), 1);
        freeReplyObject(r);
    }
    const char *more[] = {"00000000000fffff"};
    redisReply *r = ids(1, more);
    mc_buf_clear(&names);
    ck_assert_int_eq(mc_quiet_members_add(&m, r, 0, 0, "p", 1, &names, offsets, lengths, &full), 0);
    ck_assert_int_eq(full, 1);
    ck_assert_uint_eq(m.count, MC_QUIET_MAX_MEMBERS);
    ck_assert_int_eq(mc_quiet_members_stale(&m, r), 1);        /* the listener then starts over */
    freeReplyObject(r);
    mc_buf_free(&names);
}
END_TEST

START_TEST(registry_key_is_internal_to_the_prefix)
{
    mc_buf key = MC_BUF_INIT;
    ck_assert_int_eq(mc_quiet_registry_key(&key, "mdl_", 4), MC_OK);
    ck_assert_uint_eq(key.len, strlen("{mdl_}#mc:nodes"));
    ck_assert(memcmp(key.data, "{mdl_}#mc:nodes", key.len) == 0);
    mc_buf_free(&key);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("quiet");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, numsub_proves_heard_alone_or_nothing);
    tcase_add_test(tc, members_are_parsed_deduplicated_and_named);
    tcase_add_test(tc, members_stop_at_the_cap);
    tcase_add_test(tc, registry_key_is_internal_to_the_prefix);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
