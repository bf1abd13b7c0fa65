/* test_conn_pool.c - Check suite for src/conn_pool.c: keys, bounds, the
 * order connections come back in, liveness at take, and fork().
 *
 * Connections are socketpair() ends: the pool holds one end, the test the
 * other, which tells whether the pool closed its end (EOF) or sent anything. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "conn_pool.h"

#define NOW 1000000u     /* the clock of every put and take, unless a test moves it */

/* A connection for the pool in *c; the test's end is returned. */
static int pair(mc_conn *c)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    c->fd = sv[0];
    c->ssl = NULL;
    return sv[1];
}

/* 1 if the pool's end of the pair was closed (our end reads EOF, or a
 * reset when the pool's end was closed with bytes unread). */
static int closed_by_pool(int peer)
{
    char b;
    ssize_t n = recv(peer, &b, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

/* 1 if nothing arrived and the pool's end is still open. */
static int untouched(int peer)
{
    char b;
    return recv(peer, &b, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

static void put(const char *key, int *peer, unsigned features)
{
    mc_conn c;
    *peer = pair(&c);
    mc_pool_put(key, strlen(key), &c, features, NOW);
    ck_assert_int_eq(c.fd, -1);    /* owned by the pool now */
}

static int take(const char *key, mc_conn *c, unsigned *features)
{
    c->fd = -1;
    c->ssl = NULL;
    return mc_pool_take(key, strlen(key), c, features, NOW);
}

START_TEST(test_take_same_key_only)
{
    int peer;
    put("tcp a|db0", &peer, 5);
    mc_conn c;
    unsigned f = 0;
    ck_assert_int_eq(take("tcp a|db1", &c, &f), 0);
    ck_assert_int_eq(take("tcp a|db", &c, &f), 0);      /* a prefix is another key */
    ck_assert_int_eq(c.fd, -1);
    ck_assert_int_eq(take("tcp a|db0", &c, &f), 1);
    ck_assert_uint_eq(f, 5);
    ck_assert_int_ge(c.fd, 0);
    ck_assert_uint_eq(mc_pool_size(), 0);
    ck_assert_int_eq(take("tcp a|db0", &c, &f), 0);     /* taken once */
    mc_conn_close(&c);
    close(peer);
}
END_TEST

/* The most recently parked first (the least likely to have hit an idle timeout). */
START_TEST(test_newest_first)
{
    int p1, p2;
    put("k", &p1, 1);
    put("k", &p2, 2);
    mc_conn c;
    unsigned f = 0;
    ck_assert_int_eq(take("k", &c, &f), 1);
    ck_assert_uint_eq(f, 2);
    mc_conn_close(&c);
    ck_assert_int_eq(take("k", &c, &f), 1);
    ck_assert_uint_eq(f, 1);
    mc_conn_close(&c);
    close(p1);
    close(p2);
}
END_TEST

START_TEST(test_bound_per_key)
{
    int peers[MC_POOL_PER_KEY + 1];
    for (int i = 0; i <= MC_POOL_PER_KEY; i++) {
        put("k", &peers[i], (unsigned)i);
    }
    ck_assert_uint_eq(mc_pool_size(), MC_POOL_PER_KEY);
    ck_assert_msg(closed_by_pool(peers[0]), "the oldest connection of the key was not closed");
    for (int i = 1; i <= MC_POOL_PER_KEY; i++) {
        ck_assert_msg(untouched(peers[i]), "connection %d was closed", i);
    }
    mc_pool_clear();
    ck_assert_uint_eq(mc_pool_size(), 0);
    for (int i = 0; i <= MC_POOL_PER_KEY; i++) {
        if (i > 0) {
            ck_assert_msg(closed_by_pool(peers[i]), "mc_pool_clear left connection %d open", i);
        }
        close(peers[i]);
    }
}
END_TEST

START_TEST(test_bound_total)
{
    enum { N = MC_POOL_MAX + 1 };
    int peers[N];
    char key[32];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "key%d", i);     /* one each: only the total binds */
        put(key, &peers[i], 0);
    }
    ck_assert_uint_eq(mc_pool_size(), MC_POOL_MAX);
    ck_assert_msg(closed_by_pool(peers[0]), "the oldest connection was not closed");
    ck_assert(untouched(peers[1]));
    mc_conn c;
    unsigned f;
    ck_assert_int_eq(take("key0", &c, &f), 0);
    ck_assert_int_eq(take("key32", &c, &f), 1);
    mc_conn_close(&c);
    mc_pool_clear();
    for (int i = 0; i < N; i++) {
        close(peers[i]);
    }
}
END_TEST

/* A connection the server closed, or one with bytes waiting, is closed at
 * take, and the next one under the key is tried. */
START_TEST(test_dead_skipped)
{
    int good, hung_up, chatty;
    put("k", &good, 1);
    put("k", &hung_up, 2);
    put("k", &chatty, 3);
    close(hung_up);
    ck_assert_int_eq(send(chatty, "+OK\r\n", 5, MSG_NOSIGNAL), 5);
    mc_conn c;
    unsigned f = 0;
    ck_assert_int_eq(take("k", &c, &f), 1);
    ck_assert_uint_eq(f, 1);
    ck_assert_msg(closed_by_pool(chatty), "a connection with a stray reply was kept");
    ck_assert_uint_eq(mc_pool_size(), 0);
    mc_conn_close(&c);
    close(good);
    close(chatty);
}
END_TEST

/* A child inherits the pool: it must not use the parent's connection, nor
 * send anything on it; the parent's stays usable. */
START_TEST(test_fork_child_does_not_reuse)
{
    int peer;
    put("k", &peer, 7);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        mc_conn c;
        unsigned f = 0;
        int got = take("k", &c, &f);
        int left = (int)mc_pool_size();
        _exit(got == 0 && left == 0 ? 0 : 1);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child took the parent's connection");
    ck_assert_msg(untouched(peer), "the child closed or wrote to the parent's connection");
    mc_conn c;
    unsigned f = 0;
    ck_assert_int_eq(take("k", &c, &f), 1);
    ck_assert_uint_eq(f, 7);
    mc_conn_close(&c);
    close(peer);
}
END_TEST

/* Parked longer than MC_POOL_MAX_IDLE_MS: closed, not reused (a middlebox
 * may have dropped it without a FIN); a clock that went back is no age. */
START_TEST(test_idle_too_long)
{
    int old_peer, back_peer, peer;
    put("k", &old_peer, 1);
    mc_conn c;
    unsigned f = 0;
    c.fd = -1;
    ck_assert_int_eq(mc_pool_take("k", 1, &c, &f, NOW + MC_POOL_MAX_IDLE_MS + 1), 0);
    ck_assert_msg(closed_by_pool(old_peer), "a connection idle too long was kept");
    ck_assert_uint_eq(mc_pool_size(), 0);
    put("k", &back_peer, 2);
    ck_assert_int_eq(mc_pool_take("k", 1, &c, &f, NOW - 1), 0);
    ck_assert(closed_by_pool(back_peer));
    put("k", &peer, 3);
    ck_assert_int_eq(mc_pool_take("k", 1, &c, &f, NOW + MC_POOL_MAX_IDLE_MS), 1);
    ck_assert_uint_eq(f, 3);
    mc_conn_close(&c);
    close(old_peer);
    close(back_peer);
    close(peer);
}
END_TEST

START_TEST(test_clear_empty)
{
    mc_pool_clear();
    mc_pool_clear();
    ck_assert_uint_eq(mc_pool_size(), 0);
}
END_TEST

static void teardown(void)
{
    mc_pool_clear();    /* CK_FORK=no (valgrind): the next test starts empty */
}

static Suite *pool_suite(void)
{
    Suite *s = suite_create("conn_pool");
    TCase *tc = tcase_create("pool");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_take_same_key_only);
    tcase_add_test(tc, test_newest_first);
    tcase_add_test(tc, test_bound_per_key);
    tcase_add_test(tc, test_bound_total);
    tcase_add_test(tc, test_dead_skipped);
    tcase_add_test(tc, test_fork_child_does_not_reuse);
    tcase_add_test(tc, test_idle_too_long);
    tcase_add_test(tc, test_clear_empty);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pool_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
