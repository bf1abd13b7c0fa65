/* test_nearcache.c - Check suite for src/nearcache.c: the shared-memory
 * near cache, with processes that read, write and die (kill -9) at once. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "nearcache.h"
#include "nearcache_internal.h"
#include "transport.h"

#define MB ((size_t)1 << 20)

/* A cache with channel 0 trusted: this thread holds its listener lease. */
static mc_nc *trusted_cache(size_t size, size_t max_item)
{
    mc_nc *nc = NULL;
    ck_assert_int_eq(mc_nc_create(size, max_item, &nc), MC_OK);
    uint32_t chan = 99;
    ck_assert_int_eq(mc_nc_channel(nc, "tcp|127.0.0.1|6379|0|p", 22, &chan), MC_OK);
    ck_assert_uint_eq(chan, 0);
    ck_assert_int_eq(mc_nc_trusted(nc, 0, mc_now_ms()), 0);
    ck_assert_int_eq(mc_nc_lease_take(nc, 0, mc_now_ms()), MC_OK);
    mc_nc_set_ready(nc, 0, 1);
    mc_nc_heartbeat(nc, 0, mc_now_us());
    ck_assert_int_eq(mc_nc_trusted(nc, 0, mc_now_ms()), 1);
    return nc;
}

/* The group of a test key: its tag "{...}", as the store groups keys
 * (0, the empty group, when it has none). */
static size_t glen(const char *key)
{
    const char *close = key[0] == '{' ? strchr(key, '}') : NULL;
    return close ? (size_t)(close - key) + 1 : 0;
}

static mc_status fill_chan(mc_nc *nc, uint32_t chan, const char *key, const char *value, size_t value_len)
{
    mc_nc_token tok;
    mc_nc_fill_begin(nc, chan, key, strlen(key), glen(key), mc_now_ms(), &tok);
    ck_assert_int_eq(tok.valid, 1);
    return mc_nc_fill_commit(nc, &tok, key, strlen(key), value, value_len);
}

static mc_status fill(mc_nc *nc, const char *key, const char *value, size_t value_len)
{
    return fill_chan(nc, 0, key, value, value_len);
}

/* MC_OK and the value as a NUL-terminated copy in out, or the miss. */
static mc_status get_chan(mc_nc *nc, uint32_t chan, const char *key, char *out, size_t cap)
{
    mc_buf scratch = MC_BUF_INIT;
    const char *v;
    size_t n;
    mc_status st = mc_nc_get(nc, chan, key, strlen(key), glen(key), &scratch, &v, &n);
    if (st == MC_OK) {
        ck_assert_uint_lt(n, cap);
        memcpy(out, v, n);
        out[n] = '\0';
    }
    mc_buf_free(&scratch);
    return st;
}

static mc_status get(mc_nc *nc, const char *key, char *out, size_t cap)
{
    return get_chan(nc, 0, key, out, cap);
}

START_TEST(create_rejects_bad_sizes_and_free_accepts_null)
{
    mc_nc *nc = (mc_nc *)1;
    ck_assert_int_eq(mc_nc_create(MC_NC_MIN_SIZE - 1, 1024, &nc), MC_ERR_ARG);
    ck_assert_ptr_null(nc);
    mc_nc_free(NULL);
    ck_assert_int_eq(mc_nc_create(MC_NC_MIN_SIZE, (size_t)1 << 40, &nc), MC_OK);
    ck_assert_uint_le(mc_nc_max_item(nc), MC_NC_MIN_SIZE / 8);   /* clamped */
    mc_nc_stats s;
    mc_nc_get_stats(nc, &s);
    ck_assert_uint_eq(s.entries, 0);
    ck_assert_uint_eq(s.bytes_used, 0);
    mc_nc_free(nc);
}
END_TEST

START_TEST(fill_get_invalidate)
{
    mc_nc *nc = trusted_cache(4 * MB, 64 * 1024);
    char out[64];
    ck_assert_int_eq(get(nc, "{p:d}:a", out, sizeof(out)), MC_ERR_NOTFOUND);
    ck_assert_int_eq(fill(nc, "{p:d}:a", "one", 3), MC_OK);
    ck_assert_int_eq(fill(nc, "{p:d}:b", "", 0), MC_OK);      /* empty values are values */
    ck_assert_int_eq(get(nc, "{p:d}:a", out, sizeof(out)), MC_OK);
    ck_assert_str_eq(out, "one");
    ck_assert_int_eq(get(nc, "{p:d}:b", out, sizeof(out)), MC_OK);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(fill(nc, "{p:d}:a", "two", 3), MC_OK);   /* replaces */
    ck_assert_int_eq(get(nc, "{p:d}:a", out, sizeof(out)), MC_OK);
    ck_assert_str_eq(out, "two");
    mc_nc_invalidate(nc, 0, "{p:d}:a", 7);
    ck_assert_int_eq(get(nc, "{p:d}:a", out, sizeof(out)), MC_ERR_NOTFOUND);
    ck_assert_int_eq(get(nc, "{p:d}:b", out, sizeof(out)), MC_OK);
    /* another channel never sees channel 0's entries */
    mc_buf scratch = MC_BUF_INIT;
    const char *v;
    size_t n;
    uint32_t other;
    ck_assert_int_eq(mc_nc_channel(nc, "tcp|127.0.0.1|6379|0|q", 22, &other), MC_OK);
    ck_assert_uint_eq(other, 1);
    ck_assert_int_eq(mc_nc_get(nc, other, "{p:d}:b", 7, 5, &scratch, &v, &n), MC_ERR_NOTFOUND);
    mc_buf_free(&scratch);
    mc_nc_stats s;
    mc_nc_get_stats(nc, &s);
    ck_assert_uint_eq(s.entries, 1);
    ck_assert_uint_eq(s.fills, 3);
    ck_assert_uint_eq(s.invalidations, 1);
    mc_nc_free(nc);
}
END_TEST

/* The fill race: a read from Redis in flight while a write's invalidation
 * is applied must not install the old value. */
START_TEST(fill_dropped_when_invalidated_in_flight)
{
    mc_nc *nc = trusted_cache(4 * MB, 64 * 1024);
    char out[64];
    mc_nc_token tok;
    mc_nc_fill_begin(nc, 0, "{p:d}:k", 7, 5, mc_now_ms(), &tok);   /* before the GET */
    mc_nc_invalidate(nc, 0, "{p:d}:k", 7);                      /* another node's SET */
    ck_assert_int_eq(mc_nc_fill_commit(nc, &tok, "{p:d}:k", 7, "old", 3), MC_ERR_NOTFOUND);
    ck_assert_int_eq(get(nc, "{p:d}:k", out, sizeof(out)), MC_ERR_NOTFOUND);
    /* a flush of the channel in flight, too */
    mc_nc_fill_begin(nc, 0, "{p:d}:k", 7, 5, mc_now_ms(), &tok);
    mc_nc_flush_channel(nc, 0);
    ck_assert_int_eq(mc_nc_fill_commit(nc, &tok, "{p:d}:k", 7, "old", 3), MC_ERR_NOTFOUND);
    /* and a listener that lost its connection in flight */
    mc_nc_fill_begin(nc, 0, "{p:d}:k", 7, 5, mc_now_ms(), &tok);
    mc_nc_set_ready(nc, 0, 0);
    ck_assert_int_eq(mc_nc_fill_commit(nc, &tok, "{p:d}:k", 7, "old", 3), MC_ERR_NOTFOUND);
    /* while not ready nothing is trusted and tokens are not valid */
    ck_assert_int_eq(mc_nc_trusted(nc, 0, mc_now_ms()), 0);
    mc_nc_fill_begin(nc, 0, "{p:d}:k", 7, 5, mc_now_ms(), &tok);
    ck_assert_int_eq(tok.valid, 0);
    ck_assert_int_eq(mc_nc_fill_commit(nc, &tok, "{p:d}:k", 7, "old", 3), MC_ERR_ARG);
    mc_nc_stats s;
    mc_nc_get_stats(nc, &s);
    ck_assert_uint_eq(s.fill_drops, 3);
    ck_assert_uint_eq(s.fills, 0);
    mc_nc_free(nc);
}
END_TEST

/* Write-through: a written value waits for its own announcement, and
 * anything else about the key drops it. */
static mc_status write_key(mc_nc *nc, const char *key, const char *value, uint64_t id)
{
    mc_nc_token tok;
    mc_nc_fill_begin(nc, 0, key, strlen(key), glen(key), mc_now_ms(), &tok);
    return mc_nc_fill_written(nc, &tok, key, strlen(key), value, strlen(value), id);
}

START_TEST(written_values_wait_for_their_announcement)
{
    mc_nc *nc = trusted_cache(4 * MB, 64 * 1024);
    char out[64];
    uint64_t id1 = mc_nc_next_write_id(nc), id2 = mc_nc_next_write_id(nc);
    ck_assert(id1 != 0 && id2 != 0 && id1 != id2);
    /* pending until confirmed; a confirmation again (a cluster delivers it
     * through every subscription) keeps it */
    ck_assert_int_eq(fill(nc, "{p:d}:k", "old", 3), MC_OK);
    ck_assert_int_eq(write_key(nc, "{p:d}:k", "v1", id1), MC_OK);
    ck_assert_int_eq(get(nc, "{p:d}:k", out, sizeof(out)), MC_ERR_NOTFOUND);     /* not "old" either */
    mc_nc_confirm(nc, 0, "{p:d}:k", 7, id1);
    ck_assert_int_eq(get(nc, "{p:d}:k", out, sizeof(out)), MC_OK);
    ck_assert_str_eq(out, "v1");
    mc_nc_confirm(nc, 0, "{p:d}:k", 7, id1);
    ck_assert_int_eq(get(nc, "{p:d}:k", out, sizeof(out)), MC_OK);
    /* a later write (another node's, or a plain KEYS announcement) drops it */
    mc_nc_confirm(nc, 0, "{p:d}:k", 7, id2);
    ck_assert_int_eq(get(nc, "{p:d}:k", out, sizeof(out)), MC_ERR_NOTFOUND);
    ck_assert_int_eq(fill(nc, "{p:d}:k", "x", 1), MC_OK);
    mc_nc_confirm(nc, 0, "{p:d}:k", 7, 0);
    ck_assert_int_eq(get(nc, "{p:d}:k", out, sizeof(out)), MC_ERR_NOTFOUND);
    /* two workers of this node write the key; the announcements come in
     * Redis's order: only the last write's value may survive */
    ck_assert_int_eq(write_key(nc, "{p:d}:k", "w1", id1), MC_OK);
    ck_assert_int_eq(write_key(nc, "{p:d}:k", "w2", id2), MC_OK);
    mc_nc_confirm(nc, 0, "{p:d}:k", 7, id1);        /* id1 ran first in Redis: w2 is not its value */
    ck_assert_int_eq(get(nc, "{p:d}:k", out, sizeof(out)), MC_ERR_NOTFOUND);
    mc_nc_confirm(nc, 0, "{p:d}:k", 7, id2);
    ck_assert_int_eq(get(nc, "{p:d}:k", out, sizeof(out)), MC_ERR_NOTFOUND);
    /* a read in flight across the write must not install what it read before it */
    mc_nc_token reader;
    mc_nc_fill_begin(nc, 0, "{p:d}:k", 7, 5, mc_now_ms(), &reader);
    ck_assert_int_eq(write_key(nc, "{p:d}:k", "v3", id1), MC_OK);
    ck_assert_int_eq(mc_nc_fill_commit(nc, &reader, "{p:d}:k", 7, "before", 6), MC_ERR_NOTFOUND);
    /* nor does a read that began after it replace the pending value */
    mc_nc_fill_begin(nc, 0, "{p:d}:k", 7, 5, mc_now_ms(), &reader);
    ck_assert_int_eq(mc_nc_fill_commit(nc, &reader, "{p:d}:k", 7, "v3", 2), MC_ERR_NOTFOUND);
    mc_nc_confirm(nc, 0, "{p:d}:k", 7, id1);
    ck_assert_int_eq(get(nc, "{p:d}:k", out, sizeof(out)), MC_OK);
    ck_assert_str_eq(out, "v3");
    /* a write whose token went out of date (an announcement applied while it
     * was in flight) installs nothing and drops the old value */
    mc_nc_token tok;
    mc_nc_fill_begin(nc, 0, "{p:d}:k", 7, 5, mc_now_ms(), &tok);
    mc_nc_confirm(nc, 0, "{p:d}:j", 7, 0);          /* same channel, other key: no effect on k */
    mc_nc_invalidate_group(nc, 0, "{p:e}", 5);
    ck_assert_int_eq(mc_nc_fill_written(nc, &tok, "{p:d}:k", 7, "v4", 2, id2), MC_OK);
    mc_nc_fill_begin(nc, 0, "{p:d}:k", 7, 5, mc_now_ms(), &tok);
    mc_nc_invalidate(nc, 0, "{p:d}:k", 7);
    ck_assert_int_eq(mc_nc_fill_written(nc, &tok, "{p:d}:k", 7, "v5", 2, id1), MC_ERR_NOTFOUND);
    mc_nc_written(nc, 0, "{p:d}:k", 7, id1);
    mc_nc_confirm(nc, 0, "{p:d}:k", 7, id1);
    ck_assert_int_eq(get(nc, "{p:d}:k", out, sizeof(out)), MC_ERR_NOTFOUND);
    /* too large: dropped, not kept old */
    ck_assert_int_eq(fill(nc, "{p:d}:big", "old", 3), MC_OK);
    char *big = calloc(1, 70 * 1024);
    memset(big, 'b', 70 * 1024 - 1);
    ck_assert_int_eq(write_key(nc, "{p:d}:big", big, id1), MC_ERR_NOTFOUND);
    mc_nc_written(nc, 0, "{p:d}:big", 9, id1);
    ck_assert_int_eq(get(nc, "{p:d}:big", out, sizeof(out)), MC_ERR_NOTFOUND);
    free(big);
    /* once Redis answered, the writer keeps only its own entry: what a read
     * filled meanwhile (after an eviction) goes, its pending one stays */
    ck_assert_int_eq(fill(nc, "{p:d}:j", "filled", 6), MC_OK);
    mc_nc_written(nc, 0, "{p:d}:j", 7, id1);
    ck_assert_int_eq(get(nc, "{p:d}:j", out, sizeof(out)), MC_ERR_NOTFOUND);
    ck_assert_int_eq(write_key(nc, "{p:d}:j", "mine", id1), MC_OK);
    mc_nc_written(nc, 0, "{p:d}:j", 7, id1);
    ck_assert_int_eq(get(nc, "{p:d}:j", out, sizeof(out)), MC_ERR_NOTFOUND);     /* still pending */
    mc_nc_confirm(nc, 0, "{p:d}:j", 7, id1);
    ck_assert_int_eq(get(nc, "{p:d}:j", out, sizeof(out)), MC_OK);
    ck_assert_str_eq(out, "mine");
    /* never confirmed (the listener lost its connection): the next session's flush */
    ck_assert_int_eq(write_key(nc, "{p:d}:lost", "v", id2), MC_OK);
    mc_nc_set_ready(nc, 0, 0);
    mc_nc_set_ready(nc, 0, 1);
    mc_nc_heartbeat(nc, 0, mc_now_us());
    mc_nc_confirm(nc, 0, "{p:d}:lost", 10, id2);
    ck_assert_int_eq(get(nc, "{p:d}:lost", out, sizeof(out)), MC_ERR_NOTFOUND);
    mc_nc_free(nc);
}
END_TEST

/* mc_nc_holds: what write-through asks before it copies a value in. */
static int holds(mc_nc *nc, const char *key)
{
    mc_nc_token tok;
    mc_nc_fill_begin(nc, 0, key, strlen(key), glen(key), mc_now_ms(), &tok);
    return mc_nc_holds(nc, &tok);
}

START_TEST(holds_only_keys_with_an_entry)
{
    mc_nc *nc = trusted_cache(4 * MB, 64 * 1024);
    ck_assert_int_eq(holds(nc, "{p:d}:k"), 0);
    ck_assert_int_eq(fill(nc, "{p:d}:k", "v", 1), MC_OK);
    ck_assert_int_eq(holds(nc, "{p:d}:k"), 1);
    ck_assert_int_eq(holds(nc, "{p:d}:j"), 0);
    /* a pending write counts; a dropped entry does not */
    ck_assert_int_eq(write_key(nc, "{p:d}:k", "w", mc_nc_next_write_id(nc)), MC_OK);
    ck_assert_int_eq(holds(nc, "{p:d}:k"), 1);
    mc_nc_invalidate(nc, 0, "{p:d}:k", 7);
    ck_assert_int_eq(holds(nc, "{p:d}:k"), 0);
    /* an untrusted channel holds nothing a write may install into */
    ck_assert_int_eq(fill(nc, "{p:d}:k", "v", 1), MC_OK);
    mc_nc_set_ready(nc, 0, 0);
    ck_assert_int_eq(holds(nc, "{p:d}:k"), 0);
    mc_nc_free(nc);
}
END_TEST

START_TEST(gates_open_once_per_interval_per_key)
{
    mc_nc *nc = trusted_cache(4 * MB, 64 * 1024);
    uint64_t a = 0x1234567800000005ULL, b = 0x8765432100000005ULL;     /* the same slot */
    ck_assert_int_eq(mc_nc_gate(nc, a, 1000, 500), 1);
    ck_assert_int_eq(mc_nc_gate(nc, a, 1001, 500), 0);
    ck_assert_int_eq(mc_nc_gate(nc, a, 1499, 500), 0);
    ck_assert_int_eq(mc_nc_gate(nc, a, 1500, 500), 1);
    mc_nc_gate_reopen(nc, a, 1600);
    ck_assert_int_eq(mc_nc_gate(nc, a, 1600, 500), 1);
    /* another key in the slot is not kept waiting, and takes it over */
    ck_assert_int_eq(mc_nc_gate(nc, b, 1601, 500), 1);
    ck_assert_int_eq(mc_nc_gate(nc, b, 1602, 500), 0);
    mc_nc_gate_reopen(nc, a, 1603);         /* not a's any more: no effect */
    ck_assert_int_eq(mc_nc_gate(nc, b, 1604, 500), 0);
    /* across the 2^32 ms wrap of the kept due time */
    uint64_t near_wrap = 0xfffffff0ULL;
    ck_assert_int_eq(mc_nc_gate(nc, a, near_wrap, 500), 1);
    ck_assert_int_eq(mc_nc_gate(nc, a, near_wrap + 100, 500), 0);
    ck_assert_int_eq(mc_nc_gate(nc, a, near_wrap + 500, 500), 1);
    mc_nc_free(nc);
}
END_TEST

START_TEST(flush_channel_drops_entries)
{
    mc_nc *nc = trusted_cache(4 * MB, 64 * 1024);
    char out[64];
    ck_assert_int_eq(fill(nc, "{p:d}:a", "one", 3), MC_OK);
    mc_nc_flush_channel(nc, 0);
    ck_assert_int_eq(get(nc, "{p:d}:a", out, sizeof(out)), MC_ERR_NOTFOUND);
    ck_assert_int_eq(fill(nc, "{p:d}:a", "two", 3), MC_OK);
    ck_assert_int_eq(get(nc, "{p:d}:a", out, sizeof(out)), MC_OK);
    mc_nc_flush(nc);
    ck_assert_int_eq(get(nc, "{p:d}:a", out, sizeof(out)), MC_ERR_NOTFOUND);
    mc_nc_free(nc);
}
END_TEST

START_TEST(memory_bound_and_eviction)
{
    mc_nc *nc = trusted_cache(MC_NC_MIN_SIZE, 64 * 1024);
    char value[3000], key[32], out[3100];
    mc_nc_stats s;
    ck_assert_int_eq(fill(nc, "{p:d}:big", value, mc_nc_max_item(nc) + 1), MC_ERR_TOO_LARGE);
    for (int i = 0; i < 2000; i++) {           /* ~6 MB through a 1 MB cache */
        snprintf(key, sizeof(key), "{p:d}:%d", i);
        memset(value, 'a' + i % 26, sizeof(value));
        snprintf(value, sizeof(value), "%d", i);
        ck_assert_int_eq(fill(nc, key, value, sizeof(value)), MC_OK);
        mc_nc_get_stats(nc, &s);
        ck_assert_uint_le(s.bytes_used, s.bytes_total);
    }
    ck_assert_uint_gt(s.evictions, 1500);
    ck_assert_uint_lt(s.entries, 400);
    /* the newest survive, the oldest are gone, and nothing is mixed up */
    ck_assert_int_eq(get(nc, "{p:d}:1999", out, sizeof(out)), MC_OK);
    ck_assert_str_eq(out, "1999");
    ck_assert_int_eq(get(nc, "{p:d}:0", out, sizeof(out)), MC_ERR_NOTFOUND);
    int hits = 0;
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof(key), "{p:d}:%d", i);
        if (get(nc, key, out, sizeof(out)) == MC_OK) {
            hits++;
            ck_assert_int_eq(atoi(out), i);
        }
    }
    ck_assert_int_gt(hits, 100);
    mc_nc_free(nc);
}
END_TEST

/* A writer killed in the middle of an update (lock held, a bucket half
 * written, the ring's bounds broken): readers do not hang or read garbage,
 * and the next writer recovers by flushing. */
START_TEST(writer_killed_mid_update_recovers)
{
    mc_nc *nc = trusted_cache(4 * MB, 64 * 1024);
    char out[64];
    ck_assert_int_eq(fill(nc, "{p:d}:a", "one", 3), MC_OK);
    ck_assert_int_eq(fill(nc, "{p:d}:k", "kay", 3), MC_OK);
    int ready[2];
    ck_assert_int_eq(pipe(ready), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        mc_nc_test_break_mid_update(nc, 0, "{p:d}:k", 7);
        if (write(ready[1], "b", 1) != 1) _exit(1);
        pause();    /* holds the lock until killed */
        _exit(1);
    }
    char c;
    ck_assert_int_eq(read(ready[0], &c, 1), 1);
    alarm(10);      /* a deadlock fails the test instead of hanging it */
    /* while the writer lives and holds the lock: reads miss, fills are
     * skipped, neither waits */
    ck_assert_int_eq(get(nc, "{p:d}:k", out, sizeof(out)), MC_ERR_NOTFOUND);
    ck_assert_int_eq(fill(nc, "{p:d}:c", "three", 5), MC_ERR_NOTFOUND);
    kill(pid, SIGKILL);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ck_assert_int_eq(get(nc, "{p:d}:k", out, sizeof(out)), MC_ERR_NOTFOUND);
    /* an invalidation of the bucket the writer left open takes the lock
     * (drop_without_lock defers to it) and recovers */
    mc_nc_invalidate(nc, 0, "{p:d}:k", 7);
    ck_assert_int_eq(fill(nc, "{p:d}:b", "two", 3), MC_OK);
    ck_assert_int_eq(get(nc, "{p:d}:b", out, sizeof(out)), MC_OK);
    ck_assert_str_eq(out, "two");
    ck_assert_int_eq(get(nc, "{p:d}:a", out, sizeof(out)), MC_ERR_NOTFOUND); /* flushed */
    ck_assert_int_eq(fill(nc, "{p:d}:k", "new", 3), MC_OK);
    ck_assert_int_eq(get(nc, "{p:d}:k", out, sizeof(out)), MC_OK);
    ck_assert_str_eq(out, "new");
    mc_nc_stats s;
    mc_nc_get_stats(nc, &s);
    ck_assert_uint_eq(s.recoveries, 1);
    ck_assert_uint_le(s.bytes_used, s.bytes_total);
    alarm(0);
    mc_nc_free(nc);
}
END_TEST

/* A definition's keys "{p:d}:<key>" form the group "{p:d}": invalidating
 * it drops them all, and nothing of another group. */
START_TEST(group_invalidation_drops_its_group_only)
{
    mc_nc *nc = trusted_cache(4 * MB, 64 * 1024);
    char out[64], key[32];
    ck_assert_int_eq(fill(nc, "{p:d}:a", "da", 2), MC_OK);
    ck_assert_int_eq(fill(nc, "{p:d}:b", "db", 2), MC_OK);
    ck_assert_int_eq(fill(nc, "{p:e}:a", "ea", 2), MC_OK);
    ck_assert_int_eq(fill(nc, "{p:e}:b", "eb", 2), MC_OK);
    ck_assert_int_eq(fill(nc, "plain", "pl", 2), MC_OK);        /* the empty group */
    mc_nc_stats s0, s1;
    mc_nc_get_stats(nc, &s0);
    mc_nc_invalidate_group(nc, 0, "{p:d}", 5);
    mc_nc_get_stats(nc, &s1);
    ck_assert_uint_eq(s1.invalidations, s0.invalidations + 1);
    ck_assert_int_eq(get(nc, "{p:d}:a", out, sizeof(out)), MC_ERR_NOTFOUND);
    ck_assert_int_eq(get(nc, "{p:d}:b", out, sizeof(out)), MC_ERR_NOTFOUND);
    ck_assert_int_eq(get(nc, "{p:e}:a", out, sizeof(out)), MC_OK);
    ck_assert_str_eq(out, "ea");
    ck_assert_int_eq(get(nc, "{p:e}:b", out, sizeof(out)), MC_OK);
    ck_assert_int_eq(get(nc, "plain", out, sizeof(out)), MC_OK);
    /* the group fills again, under its new epoch */
    ck_assert_int_eq(fill(nc, "{p:d}:a", "d2", 2), MC_OK);
    ck_assert_int_eq(get(nc, "{p:d}:a", out, sizeof(out)), MC_OK);
    ck_assert_str_eq(out, "d2");
    ck_assert_int_eq(get(nc, "{p:d}:b", out, sizeof(out)), MC_ERR_NOTFOUND);
    /* an entry is found only under the group it was filled with (here
     * every group epoch involved is still 0) */
    mc_buf scratch = MC_BUF_INIT;
    const char *v;
    size_t n;
    ck_assert_int_eq(fill(nc, "{p:q}:a", "qa", 2), MC_OK);
    ck_assert_int_eq(mc_nc_get(nc, 0, "{p:q}:a", 7, 5, &scratch, &v, &n), MC_OK);
    ck_assert_int_eq(mc_nc_get(nc, 0, "{p:q}:a", 7, 0, &scratch, &v, &n), MC_ERR_NOTFOUND);
    ck_assert_int_eq(mc_nc_get(nc, 0, "{p:q}:a", 7, 7, &scratch, &v, &n), MC_ERR_NOTFOUND);
    ck_assert_int_eq(mc_nc_get(nc, 0, "{p:q}:a", 7, 8, &scratch, &v, &n), MC_ERR_NOTFOUND);
    mc_buf_free(&scratch);
    /* the empty group */
    mc_nc_invalidate_group(nc, 0, "", 0);
    ck_assert_int_eq(get(nc, "plain", out, sizeof(out)), MC_ERR_NOTFOUND);
    ck_assert_int_eq(get(nc, "{p:e}:a", out, sizeof(out)), MC_OK);
    /* among many groups, one invalidation drops one group (a second only
     * if it shares its slot: at most one of 200 here) */
    for (int g = 0; g < 200; g++) {
        for (int k = 0; k < 3; k++) {
            snprintf(key, sizeof(key), "{p:g%d}:%d", g, k);
            ck_assert_int_eq(fill(nc, key, "v", 1), MC_OK);
        }
    }
    mc_nc_invalidate_group(nc, 0, "{p:g7}", 6);
    int alive = 0;
    for (int g = 0; g < 200; g++) {
        for (int k = 0; k < 3; k++) {
            snprintf(key, sizeof(key), "{p:g%d}:%d", g, k);
            int hit = get(nc, key, out, sizeof(out)) == MC_OK;
            if (g == 7) {
                ck_assert_int_eq(hit, 0);
            }
            alive += hit;
        }
    }
    ck_assert_int_ge(alive, 199 * 3 - 3);
    mc_nc_free(nc);
}
END_TEST

/* The fill race at group level: a read from Redis in flight while its
 * definition is invalidated (any key of the hash written) is dropped. */
START_TEST(fill_dropped_when_group_invalidated_in_flight)
{
    mc_nc *nc = trusted_cache(4 * MB, 64 * 1024);
    char out[64];
    mc_nc_token tok;
    mc_nc_fill_begin(nc, 0, "{p:d}:k", 7, 5, mc_now_ms(), &tok);   /* before the HGET */
    ck_assert_int_eq(tok.valid, 1);
    mc_nc_invalidate_group(nc, 0, "{p:d}", 5);                     /* another node's HSET */
    ck_assert_int_eq(mc_nc_fill_commit(nc, &tok, "{p:d}:k", 7, "old", 3), MC_ERR_NOTFOUND);
    ck_assert_int_eq(get(nc, "{p:d}:k", out, sizeof(out)), MC_ERR_NOTFOUND);
    /* another group's invalidation does not drop it */
    mc_nc_fill_begin(nc, 0, "{p:d}:k", 7, 5, mc_now_ms(), &tok);
    mc_nc_invalidate_group(nc, 0, "{p:e}", 5);
    ck_assert_int_eq(mc_nc_fill_commit(nc, &tok, "{p:d}:k", 7, "new", 3), MC_OK);
    ck_assert_int_eq(get(nc, "{p:d}:k", out, sizeof(out)), MC_OK);
    ck_assert_str_eq(out, "new");
    /* a group longer than the key: no token, no lookup */
    mc_nc_fill_begin(nc, 0, "{p:d}:k", 7, 8, mc_now_ms(), &tok);
    ck_assert_int_eq(tok.valid, 0);
    mc_nc_stats s;
    mc_nc_get_stats(nc, &s);
    ck_assert_uint_eq(s.fill_drops, 1);
    ck_assert_uint_eq(s.fills, 1);
    mc_nc_free(nc);
}
END_TEST

/* The same group name on two channels (two prefixes or servers) is two
 * groups. */
START_TEST(groups_on_different_channels_are_independent)
{
    mc_nc *nc = trusted_cache(4 * MB, 64 * 1024);
    uint32_t other;
    ck_assert_int_eq(mc_nc_channel(nc, "tcp|127.0.0.1|6380|0|p", 22, &other), MC_OK);
    ck_assert_uint_eq(other, 1);
    ck_assert_int_eq(mc_nc_lease_take(nc, other, mc_now_ms()), MC_OK);
    mc_nc_set_ready(nc, other, 1);
    mc_nc_heartbeat(nc, other, mc_now_us());
    char out[64];
    ck_assert_int_eq(fill_chan(nc, 0, "{p:d}:a", "zero", 4), MC_OK);
    ck_assert_int_eq(fill_chan(nc, other, "{p:d}:a", "one", 3), MC_OK);
    mc_nc_invalidate_group(nc, 0, "{p:d}", 5);
    ck_assert_int_eq(get_chan(nc, 0, "{p:d}:a", out, sizeof(out)), MC_ERR_NOTFOUND);
    ck_assert_int_eq(get_chan(nc, other, "{p:d}:a", out, sizeof(out)), MC_OK);
    ck_assert_str_eq(out, "one");
    ck_assert_int_eq(fill_chan(nc, 0, "{p:d}:a", "zero", 4), MC_OK);
    mc_nc_invalidate_group(nc, other, "{p:d}", 5);
    ck_assert_int_eq(get_chan(nc, other, "{p:d}:a", out, sizeof(out)), MC_ERR_NOTFOUND);
    ck_assert_int_eq(get_chan(nc, 0, "{p:d}:a", out, sizeof(out)), MC_OK);
    ck_assert_str_eq(out, "zero");
    mc_nc_invalidate_group(nc, MC_NC_CHANNELS, "{p:d}", 5);     /* ignored */
    ck_assert_int_eq(get_chan(nc, 0, "{p:d}:a", out, sizeof(out)), MC_OK);
    mc_nc_lease_release(nc, other);
    mc_nc_free(nc);
}
END_TEST

/* EOWNERDEAD recovery bumps every group epoch too, and groups work after. */
START_TEST(recovery_bumps_group_epochs)
{
    mc_nc *nc = trusted_cache(4 * MB, 64 * 1024);
    char out[64];
    ck_assert_int_eq(fill(nc, "{p:d}:a", "one", 3), MC_OK);
    mc_nc_invalidate_group(nc, 0, "{p:d}", 5);
    uint64_t d0 = mc_nc_test_group_epoch(nc, 0, "{p:d}", 5);
    uint64_t e0 = mc_nc_test_group_epoch(nc, 0, "{p:e}", 5);
    ck_assert_int_eq(fill(nc, "{p:e}:a", "ea", 2), MC_OK);
    int ready[2];
    ck_assert_int_eq(pipe(ready), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        mc_nc_test_break_mid_update(nc, 0, "{p:d}:a", 7);
        if (write(ready[1], "b", 1) != 1) _exit(1);
        pause();
        _exit(1);
    }
    char c;
    ck_assert_int_eq(read(ready[0], &c, 1), 1);
    alarm(10);
    kill(pid, SIGKILL);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    mc_nc_token tok;
    mc_nc_fill_begin(nc, 0, "{p:d}:k", 7, 5, mc_now_ms(), &tok);   /* before the recovery */
    (void)fill(nc, "{p:x}:zz", "z", 1);                              /* the next writer recovers */
    ck_assert_int_eq(mc_nc_fill_commit(nc, &tok, "{p:d}:k", 7, "old", 3), MC_ERR_NOTFOUND);
    ck_assert_uint_gt(mc_nc_test_group_epoch(nc, 0, "{p:d}", 5), d0);
    ck_assert_uint_gt(mc_nc_test_group_epoch(nc, 0, "{p:e}", 5), e0);
    ck_assert_int_eq(get(nc, "{p:e}:a", out, sizeof(out)), MC_ERR_NOTFOUND);   /* flushed */
    ck_assert_int_eq(fill(nc, "{p:d}:b", "two", 3), MC_OK);
    ck_assert_int_eq(fill(nc, "{p:e}:b", "eb", 2), MC_OK);
    ck_assert_int_eq(get(nc, "{p:d}:b", out, sizeof(out)), MC_OK);
    mc_nc_invalidate_group(nc, 0, "{p:d}", 5);
    ck_assert_int_eq(get(nc, "{p:d}:b", out, sizeof(out)), MC_ERR_NOTFOUND);
    ck_assert_int_eq(get(nc, "{p:e}:b", out, sizeof(out)), MC_OK);
    mc_nc_stats s;
    mc_nc_get_stats(nc, &s);
    ck_assert_uint_eq(s.recoveries, 1);
    alarm(0);
    mc_nc_free(nc);
}
END_TEST

/* value of key k at version v: "k:v:" then filler derived from both, so a
 * torn or misplaced copy is detected. */
static size_t make_value(char *buf, size_t cap, int k, int v)
{
    int n = snprintf(buf, cap, "%d:%d:", k, v);
    size_t len = (size_t)n + (size_t)((k * 131 + v * 17) % 2000);
    for (size_t i = (size_t)n; i < len; i++) {
        buf[i] = (char)('A' + (k + v + (int)i) % 26);
    }
    return len;
}

static int check_value(const char *buf, size_t len, int k)
{
    int kk, v, n;
    char head[32];
    size_t h = len < sizeof(head) - 1 ? len : sizeof(head) - 1;
    memcpy(head, buf, h);
    head[h] = '\0';
    if (sscanf(head, "%d:%d:%n", &kk, &v, &n) != 2 || kk != k) {
        return -1;
    }
    char expect[4096];
    size_t elen = make_value(expect, sizeof(expect), k, v);
    return elen == len && memcmp(expect, buf, len) == 0 ? 0 : -1;
}

/* Writers in several processes are killed at random moments again and
 * again while readers in other processes check every value they get. */
START_TEST(readers_writers_and_kill9_stress)
{
    mc_nc *nc = trusted_cache(2 * MB, 64 * 1024);
    enum { KEYS = 300, READERS = 2, ROUNDS = 40 };
    pid_t readers[READERS];
    int fds[READERS][2];
    for (int r = 0; r < READERS; r++) {
        ck_assert_int_eq(pipe(fds[r]), 0);
        readers[r] = fork();
        ck_assert_int_ge(readers[r], 0);
        if (readers[r] == 0) {
            mc_buf scratch = MC_BUF_INIT;
            long bad = 0, hits = 0;
            char key[32];
            time_t end = time(NULL) + 4;
            for (unsigned i = 0; time(NULL) < end; i++) {
                int k = (int)(i * 7919u % KEYS);
                snprintf(key, sizeof(key), "{p:d}:%d", k);
                const char *v;
                size_t n;
                if (mc_nc_get(nc, 0, key, strlen(key), 5, &scratch, &v, &n) == MC_OK) {
                    hits++;
                    bad += check_value(v, n, k) != 0;
                }
            }
            mc_buf_free(&scratch);
            mc_nc_free(nc);
            long res[2] = {bad, hits};
            _exit(write(fds[r][1], res, sizeof(res)) == sizeof(res) ? 0 : 1);
        }
        close(fds[r][1]);
    }
    srand(42);
    for (int round = 0; round < ROUNDS; round++) {
        pid_t w = fork();
        ck_assert_int_ge(w, 0);
        if (w == 0) {
            char key[32], value[4096];
            for (int v = 0;; v++) {
                int k = rand() % KEYS;
                snprintf(key, sizeof(key), "{p:d}:%d", k);
                size_t len = make_value(value, sizeof(value), k, v + round * 1000000);
                mc_nc_token tok;
                mc_nc_fill_begin(nc, 0, key, strlen(key), 5, mc_now_ms(), &tok);
                mc_nc_fill_commit(nc, &tok, key, strlen(key), value, len);
                if (v % 5 == 0) {
                    mc_nc_invalidate(nc, 0, key, strlen(key));
                }
                if (v % 97 == 0) {
                    mc_nc_invalidate_group(nc, 0, "{p:d}", 5);
                }
            }
        }
        usleep((useconds_t)(2000 + rand() % 50000));
        kill(w, SIGKILL);
        ck_assert_int_eq(waitpid(w, NULL, 0), w);
        mc_nc_heartbeat(nc, 0, mc_now_us());
    }
    for (int r = 0; r < READERS; r++) {
        long res[2] = {-1, -1};
        ck_assert_int_eq(read(fds[r][0], res, sizeof(res)), (ssize_t)sizeof(res));
        int status;
        ck_assert_int_eq(waitpid(readers[r], &status, 0), readers[r]);
        ck_assert_msg(res[0] == 0, "reader %d: %ld bad values of %ld hits", r, res[0], res[1]);
        close(fds[r][0]);
    }
    /* after all that the cache still works */
    alarm(10);
    char out[4096];
    mc_nc_heartbeat(nc, 0, mc_now_us());
    (void)fill(nc, "{p:d}:zz", "z", 1);         /* recovers if a writer died holding the lock */
    ck_assert_int_eq(fill(nc, "{p:d}:after", "ok", 2), MC_OK);
    mc_nc_stats s;
    mc_nc_get_stats(nc, &s);
    printf("stress: %llu recoveries after %d kills, %llu fills, %llu evictions\n",
           (unsigned long long)s.recoveries, ROUNDS, (unsigned long long)s.fills,
           (unsigned long long)s.evictions);
    ck_assert_int_eq(get(nc, "{p:d}:after", out, sizeof(out)), MC_OK);
    ck_assert_str_eq(out, "ok");
    alarm(0);
    mc_nc_free(nc);
}
END_TEST

/* An invalidation that has returned leaves nothing older gettable, also
 * when it took no lock (drop_without_lock) while fills of its bucket were
 * being installed.  A shared array stands for Redis: an "invalidator"
 * process bumps a key's version, invalidates it (mc_nc_invalidate, or
 * mc_nc_written as after a write this node did not install), then
 * publishes the version as done; "fillers" take a token, read the version
 * and commit it; a checker reads done[k] and then the cache, and counts
 * every value older than done[k]. */
START_TEST(no_value_older_than_a_finished_invalidation)
{
    enum { KEYS = 3, FILLERS = 2, SECONDS = 3 };
    mc_nc *nc = trusted_cache(4 * MB, 64 * 1024);
    _Atomic uint64_t *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(shared, MAP_FAILED);
    _Atomic uint64_t *version = shared, *done = shared + KEYS;
    _Atomic uint64_t *stop = shared + 2 * KEYS, *stale = shared + 2 * KEYS + 1, *hits = shared + 2 * KEYS + 2;
    pid_t kids[FILLERS + 2];
    for (int c = 0; c < FILLERS + 2; c++) {
        kids[c] = fork();
        ck_assert_int_ge(kids[c], 0);
        if (kids[c] != 0) {
            continue;
        }
        char key[16], value[8192];
        memset(value, 'v', sizeof(value));      /* a long copy widens install's window */
        mc_buf scratch = MC_BUF_INIT;
        for (uint64_t i = 0; !atomic_load(stop); i++) {
            int k = (int)(i % KEYS);
            snprintf(key, sizeof(key), "{p:d}:%d", k);
            if (c == 0) {                       /* the invalidator */
                uint64_t v = atomic_fetch_add(&version[k], 1) + 1;
                if (i & 1) {
                    mc_nc_invalidate(nc, 0, key, strlen(key));
                } else {
                    mc_nc_written(nc, 0, key, strlen(key), i + 1);
                }
                atomic_store(&done[k], v);
            } else if (c == 1) {                /* the checker */
                uint64_t d = atomic_load(&done[k]);
                const char *v;
                size_t n;
                if (mc_nc_get(nc, 0, key, strlen(key), 5, &scratch, &v, &n) == MC_OK) {
                    uint64_t got;
                    memcpy(&got, v, sizeof(got));
                    atomic_fetch_add(hits, 1);
                    if (got < d) {
                        atomic_fetch_add(stale, 1);
                    }
                }
            } else {                            /* a filler */
                mc_nc_token tok;
                mc_nc_fill_begin(nc, 0, key, strlen(key), 5, mc_now_ms(), &tok);
                uint64_t v = atomic_load(&version[k]);
                memcpy(value, &v, sizeof(v));
                mc_nc_fill_commit(nc, &tok, key, strlen(key), value, 64 + (i % 8) * 1000);
            }
        }
        mc_buf_free(&scratch);
        mc_nc_free(nc);
        _exit(0);
    }
    uint64_t end = mc_now_ms() + SECONDS * 1000;
    while (mc_now_ms() < end) {
        mc_nc_heartbeat(nc, 0, mc_now_us());    /* keeps tokens valid */
        usleep(20000);
    }
    atomic_store(stop, 1);
    for (int c = 0; c < FILLERS + 2; c++) {
        int status;
        ck_assert_int_eq(waitpid(kids[c], &status, 0), kids[c]);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    uint64_t invalidations = 0, checked = atomic_load(hits), older = atomic_load(stale);
    for (int k = 0; k < KEYS; k++) {
        invalidations += atomic_load(&version[k]);
    }
    printf("invalidation race: %llu invalidations, %llu hits checked, %llu stale\n",
           (unsigned long long)invalidations, (unsigned long long)checked, (unsigned long long)older);
    ck_assert_uint_gt(checked, 1000);   /* the fills did land between invalidations */
    ck_assert_msg(older == 0, "%llu of %llu hits were older than a finished invalidation",
                  (unsigned long long)older, (unsigned long long)checked);
    munmap((void *)shared, 4096);
    mc_nc_free(nc);
}
END_TEST

/* The listener lease: a holder killed with kill -9 is distrusted at once
 * (the kernel marks its robust mutex), and another takes over. */
START_TEST(listener_killed_is_distrusted_and_replaced)
{
    mc_nc *nc = NULL;
    ck_assert_int_eq(mc_nc_create(MC_NC_MIN_SIZE, 1024, &nc), MC_OK);
    uint32_t chan;
    ck_assert_int_eq(mc_nc_channel(nc, "x", 1, &chan), MC_OK);
    ck_assert_int_eq(mc_nc_listener_wanted(nc, chan, mc_now_ms()), 1);
    int go[2];
    ck_assert_int_eq(pipe(go), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (mc_nc_lease_take(nc, chan, mc_now_ms()) != MC_OK) _exit(1);
        mc_nc_set_ready(nc, chan, 1);
        mc_nc_heartbeat(nc, chan, mc_now_us());
        if (write(go[1], "r", 1) != 1) _exit(1);
        for (;;) {
            mc_nc_heartbeat(nc, chan, mc_now_us());
            usleep(10000);
        }
    }
    char c;
    ck_assert_int_eq(read(go[0], &c, 1), 1);
    ck_assert_int_eq(mc_nc_trusted(nc, chan, mc_now_ms()), 1);
    ck_assert_int_eq(mc_nc_listener_wanted(nc, chan, mc_now_ms()), 0);
    ck_assert_int_eq(mc_nc_lease_take(nc, chan, mc_now_ms()), MC_ERR_LOCK);
    /* a stale heartbeat is distrusted too */
    ck_assert_int_eq(mc_nc_trusted(nc, chan, mc_now_ms() + MC_NC_STALE_MS + 500), 0);
    kill(pid, SIGKILL);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    ck_assert_int_eq(mc_nc_trusted(nc, chan, mc_now_ms()), 0);
    ck_assert_int_eq(mc_nc_listener_wanted(nc, chan, mc_now_ms()), 1);
    ck_assert_int_eq(mc_nc_lease_take(nc, chan, mc_now_ms()), MC_OK);
    ck_assert_int_eq(mc_nc_trusted(nc, chan, mc_now_ms()), 0);   /* not ready yet */
    mc_nc_set_ready(nc, chan, 1);
    mc_nc_heartbeat(nc, chan, mc_now_us());
    ck_assert_int_eq(mc_nc_trusted(nc, chan, mc_now_ms()), 1);
    mc_nc_lease_release(nc, chan);
    ck_assert_int_eq(mc_nc_trusted(nc, chan, mc_now_ms()), 0);
    ck_assert_int_eq(mc_nc_listener_wanted(nc, chan, mc_now_ms()), 1);
    mc_nc_free(nc);
}
END_TEST

START_TEST(channels_are_bounded)
{
    mc_nc *nc = NULL;
    ck_assert_int_eq(mc_nc_create(MC_NC_MIN_SIZE, 1024, &nc), MC_OK);
    char id[16];
    uint32_t chan;
    for (int i = 0; i < MC_NC_CHANNELS; i++) {
        snprintf(id, sizeof(id), "c%d", i);
        ck_assert_int_eq(mc_nc_channel(nc, id, strlen(id), &chan), MC_OK);
        ck_assert_uint_eq(chan, (uint32_t)i);
    }
    ck_assert_int_eq(mc_nc_channel(nc, "one more", 8, &chan), MC_ERR_TOO_LARGE);
    ck_assert_int_eq(mc_nc_channel(nc, "c3", 2, &chan), MC_OK);
    ck_assert_uint_eq(chan, 3);
    mc_nc_free(nc);
}
END_TEST

START_TEST(heartbeat_bounds_trust_and_never_goes_back)
{
    mc_nc *nc = NULL;
    uint32_t chan;
    ck_assert_int_eq(mc_nc_create(MC_NC_MIN_SIZE, 1024, &nc), MC_OK);
    ck_assert_int_eq(mc_nc_channel(nc, "hb", 2, &chan), MC_OK);
    uint64_t now = mc_now_ms();
    ck_assert_int_eq(mc_nc_lease_take(nc, chan, now), MC_OK);
    mc_nc_set_ready(nc, chan, 1);
    mc_nc_heartbeat(nc, chan, now * 1000);
    ck_assert_int_eq(mc_nc_trusted(nc, chan, now + MC_NC_STALE_MS), 1);
    ck_assert_int_eq(mc_nc_trusted(nc, chan, now + MC_NC_STALE_MS + 1), 0);
    mc_nc_heartbeat(nc, chan, now * 1000 - 5000);           /* an older round: ignored */
    ck_assert_uint_eq(mc_nc_last_heartbeat(nc, chan), now * 1000);
    mc_nc_heartbeat(nc, chan, (now + 100) * 1000);
    ck_assert_int_eq(mc_nc_trusted(nc, chan, now + MC_NC_STALE_MS + 100), 1);
    mc_nc_lease_release(nc, chan);
    mc_nc_free(nc);
}
END_TEST

START_TEST(listener_error_is_kept_with_its_backoff)
{
    mc_nc *nc = NULL;
    uint32_t chan;
    char buf[MC_NC_ERROR_MAX];
    uint64_t retry = 1, backoff = 1;
    ck_assert_int_eq(mc_nc_create(MC_NC_MIN_SIZE, 1024, &nc), MC_OK);
    ck_assert_int_eq(mc_nc_channel(nc, "err", 3, &chan), MC_OK);
    ck_assert_uint_eq(mc_nc_listener_error(nc, chan, buf, sizeof(buf), &retry, &backoff), 0);
    ck_assert_str_eq(buf, "");
    ck_assert_uint_eq(retry, 0);
    mc_nc_set_listener_error(nc, chan, "SUBSCRIBE refused: NOPERM", 5000, 1000);
    ck_assert_uint_eq(mc_nc_listener_error_seq(nc, chan), 1);
    mc_nc_set_listener_error(nc, chan, "SUBSCRIBE refused: NOPERM", 5000, 1000);   /* the same again: not news */
    ck_assert_uint_eq(mc_nc_listener_error_seq(nc, chan), 1);
    ck_assert_uint_eq(mc_nc_listener_error(nc, chan, buf, sizeof(buf), &retry, &backoff), 1);
    ck_assert_str_eq(buf, "SUBSCRIBE refused: NOPERM");
    ck_assert_uint_eq(retry, 5000);
    ck_assert_uint_eq(backoff, 1000);
    /* a long message is cut, never overrun; a small buffer gets a terminated prefix */
    char long_msg[MC_NC_ERROR_MAX * 2];
    memset(long_msg, 'x', sizeof(long_msg) - 1);
    long_msg[sizeof(long_msg) - 1] = '\0';
    mc_nc_set_listener_error(nc, chan, long_msg, 0, 0);
    ck_assert_uint_eq(mc_nc_listener_error(nc, chan, buf, sizeof(buf), NULL, NULL), 2);
    ck_assert_uint_eq(strlen(buf), MC_NC_ERROR_MAX - 1);
    char small[4];
    mc_nc_listener_error(nc, chan, small, sizeof(small), NULL, NULL);
    ck_assert_str_eq(small, "xxx");
    /* clearing keeps the sequence: nothing new to report */
    mc_nc_set_listener_error(nc, chan, "", 0, 0);
    ck_assert_uint_eq(mc_nc_listener_error(nc, chan, buf, sizeof(buf), &retry, NULL), 2);
    ck_assert_str_eq(buf, "");
    mc_nc_free(nc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nearcache");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, create_rejects_bad_sizes_and_free_accepts_null);
    tcase_add_test(tc, fill_get_invalidate);
    tcase_add_test(tc, fill_dropped_when_invalidated_in_flight);
    tcase_add_test(tc, written_values_wait_for_their_announcement);
    tcase_add_test(tc, holds_only_keys_with_an_entry);
    tcase_add_test(tc, gates_open_once_per_interval_per_key);
    tcase_add_test(tc, flush_channel_drops_entries);
    tcase_add_test(tc, memory_bound_and_eviction);
    tcase_add_test(tc, writer_killed_mid_update_recovers);
    tcase_add_test(tc, group_invalidation_drops_its_group_only);
    tcase_add_test(tc, fill_dropped_when_group_invalidated_in_flight);
    tcase_add_test(tc, groups_on_different_channels_are_independent);
    tcase_add_test(tc, recovery_bumps_group_epochs);
    tcase_add_test(tc, readers_writers_and_kill9_stress);
    tcase_add_test(tc, no_value_older_than_a_finished_invalidation);
    tcase_add_test(tc, listener_killed_is_distrusted_and_replaced);
    tcase_add_test(tc, channels_are_bounded);
    tcase_add_test(tc, heartbeat_bounds_trust_and_never_goes_back);
    tcase_add_test(tc, listener_error_is_kept_with_its_backoff);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
