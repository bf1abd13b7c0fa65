/* test_buf.c - Check suite for src/buf.c. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"

START_TEST(append_grows_and_keeps_bytes)
{
    mc_buf b = MC_BUF_INIT;
    ck_assert_int_eq(mc_buf_append(&b, NULL, 0), MC_OK);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    for (int i = 0; i < 1000; i++) {
        char c = (char)('a' + i % 26);
        ck_assert_int_eq(mc_buf_append(&b, &c, 1), MC_OK);
    }
    ck_assert_uint_eq(b.len, 1000);
    ck_assert_uint_ge(b.cap, 1000);
    for (int i = 0; i < 1000; i++) {
        ck_assert_msg(b.data[i] == (char)('a' + i % 26), "byte %d: expected %c, got %c",
                      i, 'a' + i % 26, b.data[i]);
    }
    mc_buf_free(&b);
}
END_TEST

START_TEST(reserve_gives_room_without_length)
{
    mc_buf b = MC_BUF_INIT;
    ck_assert_int_eq(mc_buf_append(&b, "hi", 2), MC_OK);
    ck_assert_int_eq(mc_buf_reserve(&b, 5000), MC_OK);
    ck_assert_uint_eq(b.len, 2);
    ck_assert_uint_ge(b.cap - b.len, 5000);
    char *data = b.data;
    memset(b.data + b.len, 'x', 5000); /* the room is writable */
    ck_assert_int_eq(mc_buf_reserve(&b, 10), MC_OK);
    ck_assert_ptr_eq(b.data, data); /* enough room: no reallocation */
    ck_assert_int_eq(memcmp(b.data, "hi", 2), 0);
    /* overflow is refused and leaves the buffer as it was */
    ck_assert_int_eq(mc_buf_reserve(&b, SIZE_MAX), MC_ERR_TOO_LARGE);
    ck_assert_ptr_eq(b.data, data);
    ck_assert_uint_eq(b.len, 2);
    mc_buf_free(&b);
}
END_TEST

START_TEST(clear_keeps_allocation)
{
    mc_buf b = MC_BUF_INIT;
    ck_assert_int_eq(mc_buf_append(&b, "hello", 5), MC_OK);
    char *data = b.data;
    size_t cap = b.cap;
    mc_buf_clear(&b);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_ptr_eq(b.data, data);
    ck_assert_uint_eq(b.cap, cap);
    ck_assert_int_eq(mc_buf_append(&b, "yo", 2), MC_OK);
    ck_assert_int_eq(memcmp(b.data, "yo", 2), 0);
    mc_buf_free(&b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(b.cap, 0);
    mc_buf_free(&b); /* twice is fine */
}
END_TEST

START_TEST(free_accepts_null)
{
    mc_buf_free(NULL);
}
END_TEST

static void check_u64(unsigned long long v, const char *want)
{
    mc_buf b = MC_BUF_INIT;
    ck_assert_int_eq(mc_buf_append(&b, "n=", 2), MC_OK);
    ck_assert_int_eq(mc_buf_append_u64(&b, v), MC_OK);
    ck_assert_uint_eq(b.len, 2 + strlen(want));
    ck_assert_msg(memcmp(b.data + 2, want, strlen(want)) == 0, "expected %s, got %.*s",
                  want, (int)b.len - 2, b.data + 2);
    mc_buf_free(&b);
}

START_TEST(append_u64)
{
    check_u64(0, "0");
    check_u64(7, "7");
    check_u64(10, "10");
    check_u64(1234567890, "1234567890");
    check_u64(UINT64_MAX, "18446744073709551615");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("buf");
    tcase_add_test(tc, append_grows_and_keeps_bytes);
    tcase_add_test(tc, reserve_gives_room_without_length);
    tcase_add_test(tc, clear_keeps_allocation);
    tcase_add_test(tc, free_accepts_null);
    tcase_add_test(tc, append_u64);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
