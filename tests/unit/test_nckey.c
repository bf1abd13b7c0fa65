/* test_nckey.c - Check suite for src/nckey.c: which invalidated Redis key
 * names drop a definition, a key, or nothing. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "nckey.h"

static void expect(const char *name, size_t len, mc_nckey_kind kind, size_t tag_len)
{
    size_t tl = 12345;
    mc_nckey_kind k = mc_nckey_classify(name, len, &tl);
    ck_assert_msg(k == kind && tl == tag_len, "'%.*s': kind %d tag %zu, expected kind %d tag %zu",
                  (int)len, name, (int)k, tl, (int)kind, tag_len);
}

#define EXPECT(s, kind, tag_len) expect((s), sizeof(s) - 1, (kind), (tag_len))

START_TEST(exact_tag_is_a_group)
{
    EXPECT("{p:d}", MC_NCKEY_GROUP, 5);
    EXPECT("{mdl_:core/config}", MC_NCKEY_GROUP, 18);
    EXPECT("{}", MC_NCKEY_GROUP, 2);
    /* escaped prefix and definition: '%' ':' '{' '}' never appear raw */
    EXPECT("{a%7Db%3A:core%2Fx%7B%7D%25}", MC_NCKEY_GROUP, 28);
    /* bytes are bytes */
    EXPECT("{p\0:d}", MC_NCKEY_GROUP, 6);
    ck_assert_int_eq(mc_nckey_classify("{p:d}", 5, NULL), MC_NCKEY_GROUP);
}
END_TEST

START_TEST(tag_colon_is_a_key)
{
    EXPECT("{p:d}:k", MC_NCKEY_KEY, 5);
    EXPECT("{p:d}:", MC_NCKEY_KEY, 5);
    EXPECT("{p:d}::#t", MC_NCKEY_KEY, 5);
    EXPECT("{p:d}:a}b{c", MC_NCKEY_KEY, 5);          /* keys are raw: only the first '}' counts */
    EXPECT("{a%7D:b%3A}:x#t", MC_NCKEY_KEY, 11);
}
END_TEST

START_TEST(tag_hash_is_internal)
{
    EXPECT("{p:d}#t", MC_NCKEY_INTERNAL, 5);
    EXPECT("{p:d}#i", MC_NCKEY_INTERNAL, 5);
    EXPECT("{p:d}#l:x", MC_NCKEY_INTERNAL, 5);
    EXPECT("{p:d}#l:a}b", MC_NCKEY_INTERNAL, 5);
    EXPECT("{p:d}#", MC_NCKEY_INTERNAL, 5);
    EXPECT("{p%23:d%23}#l:k", MC_NCKEY_INTERNAL, 11);
}
END_TEST

START_TEST(garbage_is_other)
{
    EXPECT("", MC_NCKEY_OTHER, 0);
    EXPECT("{", MC_NCKEY_OTHER, 0);
    EXPECT("{p:d", MC_NCKEY_OTHER, 0);               /* no '}' */
    EXPECT("{p:d:k", MC_NCKEY_OTHER, 0);
    EXPECT("p:d}", MC_NCKEY_OTHER, 0);               /* no leading '{' */
    EXPECT("x{p:d}", MC_NCKEY_OTHER, 0);
    EXPECT("{p:d}x", MC_NCKEY_OTHER, 5);             /* a tag, then neither ':' nor '#' */
    EXPECT("{p:d}}", MC_NCKEY_OTHER, 5);
    /* the '}' must be inside len */
    ck_assert_int_eq(mc_nckey_classify("{p:d}", 4, NULL), MC_NCKEY_OTHER);
    ck_assert_int_eq(mc_nckey_classify("{p:d}:k", 5, NULL), MC_NCKEY_GROUP);
    ck_assert_int_eq(mc_nckey_classify(NULL, 0, NULL), MC_NCKEY_OTHER);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nckey");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, exact_tag_is_a_group);
    tcase_add_test(tc, tag_colon_is_a_key);
    tcase_add_test(tc, tag_hash_is_internal);
    tcase_add_test(tc, garbage_is_other);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
