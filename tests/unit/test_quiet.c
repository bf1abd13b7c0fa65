/* test_quiet.c - Check suite for src/quiet.c: what a PUBSUB NUMSUB reply
 * proves, and the node list a session subscribes to (ids parsed, itself
 * and duplicates left out, the cap, nodes that left). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "announce.h"
#include "quiet.h"

/* A reply tree built by hand, as hiredis would give it. */
static redisReply *integer(long long v)
{
    redisReply *r = calloc(1, sizeof(*r));
    r->type = REDIS_REPLY_INTEGER;
    r->integer = v;
    return r;
}

static redisReply *string(const char *s)
{
    redisReply *r = calloc(1, sizeof(*r));
    r->type = REDIS_REPLY_STRING;
    r->str = strdup(s);
    r->len = strlen(s);
    return r;
}

static redisReply *array(size_t n, redisReply **elements)
{
    redisReply *r = calloc(1, sizeof(*r));
    r->type = REDIS_REPLY_ARRAY;
    r->elements = n;
    r->element = calloc(n ? n : 1, sizeof(redisReply *));
    memcpy(r->element, elements, n * sizeof(redisReply *));
    return r;
}

static void free_tree(redisReply *r)
{
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        free_tree(r->element[i]);
    }
    free(r->element);
    free(r->str);
    free(r);
}

static mc_quiet_proof_kind proof_of(long long shared, long long own)
{
    redisReply *e[] = {string("shared"), integer(shared), string("own"), integer(own)};
    redisReply *r = array(4, e);
    mc_quiet_proof_kind k = mc_quiet_proof(r);
    free_tree(r);
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
    redisReply *err = calloc(1, sizeof(*err));
    err->type = REDIS_REPLY_ERROR;
    ck_assert_int_eq(mc_quiet_proof(err), MC_QUIET_NONE);      /* an ACL */
    free(err);
    redisReply *e[] = {string("shared"), integer(1)};
    redisReply *shortr = array(2, e);
    ck_assert_int_eq(mc_quiet_proof(shortr), MC_QUIET_NONE);
    free_tree(shortr);
}
END_TEST

static redisReply *ids(size_t n, const char *const *list)
{
    redisReply *e[8];
    for (size_t i = 0; i < n; i++) {
        e[i] = string(list[i]);
    }
    return array(n, e);
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
    free_tree(r);
    /* aa left: stale */
    const char *later[] = {"00000000000000dd"};
    r = ids(1, later);
    ck_assert_int_eq(mc_quiet_members_stale(&m, r), 1);
    free_tree(r);
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
        free_tree(r);
    }
    const char *more[] = {"00000000000fffff"};
    redisReply *r = ids(1, more);
    mc_buf_clear(&names);
    ck_assert_int_eq(mc_quiet_members_add(&m, r, 0, 0, "p", 1, &names, offsets, lengths, &full), 0);
    ck_assert_int_eq(full, 1);
    ck_assert_uint_eq(m.count, MC_QUIET_MAX_MEMBERS);
    ck_assert_int_eq(mc_quiet_members_stale(&m, r), 1);        /* the listener then starts over */
    free_tree(r);
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
