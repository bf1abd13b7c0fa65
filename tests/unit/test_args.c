/* test_args.c - Check suite for src/args.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"

static void check_arg(mc_args *a, const char *const *argv, size_t i, const char *want)
{
    ck_assert_uint_eq(a->lengths[i], strlen(want));
    ck_assert_msg(memcmp(argv[i], want, strlen(want)) == 0, "argument %zu", i);
}

START_TEST(copies_pieces_and_numbers)
{
    mc_args a = MC_ARGS_INIT;
    ck_assert_int_eq(mc_args_add(&a, "HSET", 4), MC_OK);
    ck_assert_int_eq(mc_args_start(&a), MC_OK);
    ck_assert_int_eq(mc_args_append(&a, "{p:", 3), MC_OK);
    ck_assert_int_eq(mc_args_append(&a, "d}", 2), MC_OK);
    mc_args_end(&a);
    ck_assert_int_eq(mc_args_add_u64(&a, 42), MC_OK);
    ck_assert_int_eq(mc_args_add(&a, NULL, 0), MC_OK);
    const char *const *argv = mc_args_argv(&a);
    ck_assert_ptr_nonnull(argv);
    ck_assert_uint_eq(a.count, 4);
    check_arg(&a, argv, 0, "HSET");
    check_arg(&a, argv, 1, "{p:d}");
    check_arg(&a, argv, 2, "42");
    check_arg(&a, argv, 3, "");
    mc_args_free(&a);
}
END_TEST

/* A referenced argument points at the caller's bytes, among copied ones,
 * also after the copies' buffer grew (moved). */
START_TEST(references_are_not_copied)
{
    mc_args a = MC_ARGS_INIT;
    static const char value[] = "a frame";
    ck_assert_int_eq(mc_args_add(&a, "HSET", 4), MC_OK);
    ck_assert_int_eq(mc_args_add_ref(&a, value, 7), MC_OK);
    char big[5000];
    memset(big, 'x', sizeof(big));
    for (int i = 0; i < 40; i++) {
        ck_assert_int_eq(mc_args_add(&a, big, sizeof(big)), MC_OK);
    }
    ck_assert_int_eq(mc_args_add_ref(&a, NULL, 0), MC_OK);
    const char *const *argv = mc_args_argv(&a);
    ck_assert_ptr_nonnull(argv);
    ck_assert_uint_eq(a.count, 43);
    check_arg(&a, argv, 0, "HSET");
    ck_assert_ptr_eq(argv[1], value);
    ck_assert_uint_eq(a.lengths[1], 7);
    ck_assert_uint_eq(a.lengths[41], sizeof(big));
    ck_assert_int_eq(argv[41][4999], 'x');
    ck_assert_uint_eq(a.lengths[42], 0);
    /* cleared: slots are reused as copies, not as stale references */
    mc_args_clear(&a);
    ck_assert_int_eq(mc_args_add(&a, "GET", 3), MC_OK);
    ck_assert_int_eq(mc_args_add(&a, "k", 1), MC_OK);
    argv = mc_args_argv(&a);
    check_arg(&a, argv, 1, "k");
    ck_assert_ptr_ne(argv[1], value);
    mc_args_free(&a);
}
END_TEST

START_TEST(reference_refused_while_building)
{
    mc_args a = MC_ARGS_INIT;
    ck_assert_int_eq(mc_args_add_ref(&a, NULL, 3), MC_ERR_ARG);
    ck_assert_int_eq(mc_args_start(&a), MC_OK);
    ck_assert_int_eq(mc_args_add_ref(&a, "x", 1), MC_ERR_ARG);
    mc_args_end(&a);
    ck_assert_uint_eq(a.count, 1);
    mc_args_free(&a);
    mc_args_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("args");
    TCase *tc = tcase_create("args");
    tcase_add_test(tc, copies_pieces_and_numbers);
    tcase_add_test(tc, references_are_not_copied);
    tcase_add_test(tc, reference_refused_while_building);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
