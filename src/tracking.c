/* tracking.c - the near cache's invalidation listener (see tracking.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "buf.h"
#include "nckey.h"
#include "tracking.h"
#include "transport.h"

#define RECONNECT_PAUSE_MS 100
#define INVALIDATE_CHANNEL "__redis__:invalidate"

struct mc_tracking {
    mc_nc *nc;
    uint32_t chan;
    mc_redis_options opts;      /* strings owned below */
    char *owned[9];
    mc_buf prefix;
    mc_buf sync_channel;
    int wake[2];                /* pipe: a byte in wake[1] stops the thread */
    pthread_t thread;
    atomic_int running;
    atomic_int stop;
};

static const char *dup_str(mc_tracking *t, int slot, const char *s, int *oom)
{
    if (s == NULL) {
        return NULL;
    }
    t->owned[slot] = strdup(s);
    if (t->owned[slot] == NULL) {
        *oom = 1;
    }
    return t->owned[slot];
}

static void free_tracking(mc_tracking *t)
{
    for (size_t i = 0; i < sizeof(t->owned) / sizeof(t->owned[0]); i++) {
        free(t->owned[i]);
    }
    mc_buf_free(&t->prefix);
    mc_buf_free(&t->sync_channel);
    if (t->wake[0] >= 0) close(t->wake[0]);
    if (t->wake[1] >= 0) close(t->wake[1]);
    free(t);
}

mc_status mc_tracking_sync_channel(mc_buf *out, uint64_t node_id, uint32_t chan)
{
    char name[80];
    int n = snprintf(name, sizeof(name), "__moodlecache__:sync:%016llx:%u",
                     (unsigned long long)node_id, chan);
    return mc_buf_append(out, name, (size_t)n);
}

static int is_str(const redisReply *r, const char *s)
{
    size_t n = strlen(s);
    return r->type == REDIS_REPLY_STRING && r->len == n && memcmp(r->str, s, n) == 0;
}

static int stopping(mc_tracking *t)
{
    return atomic_load(&t->stop);
}

/* Waits ms or until stopped. */
static void pause_ms(mc_tracking *t, int ms)
{
    struct pollfd p = {t->wake[0], POLLIN, 0};
    if (!stopping(t)) {
        poll(&p, 1, ms);
    }
}

/* One pipelined command through exec; the single reply or NULL. */
static redisReply *command(mc_redis *r, int argc, const char **argv, const size_t *lens)
{
    redisReply **replies = NULL;
    size_t count = 0;
    if (mc_redis_append(r, argc, argv, lens) != MC_OK
        || mc_redis_exec(r, &replies, &count) != MC_OK || count != 1) {
        return NULL;
    }
    return replies[0];
}

/* One invalidated key name (see nckey.h): a definition's hash drops its
 * group, a key drops itself, TTL index and lock traffic is ignored. */
static void invalidate_name(mc_tracking *t, const char *name, size_t len)
{
    switch (mc_nckey_classify(name, len, NULL)) {
    case MC_NCKEY_GROUP:
        mc_nc_invalidate_group(t->nc, t->chan, name, len);
        break;
    case MC_NCKEY_INTERNAL:
        break;
    case MC_NCKEY_KEY:
    case MC_NCKEY_OTHER:
    default:
        mc_nc_invalidate(t->nc, t->chan, name, len);
        break;
    }
}

/* Applies one Pub/Sub reply; -1 when the stream makes no sense. */
static int apply(mc_tracking *t, const redisReply *m, int *ready)
{
    if (m->type != REDIS_REPLY_ARRAY || m->elements != 3) {
        return -1;
    }
    const redisReply *kind = m->element[0], *channel = m->element[1], *payload = m->element[2];
    int is_invalidate = is_str(channel, INVALIDATE_CHANNEL);
    int is_sync = channel->type == REDIS_REPLY_STRING && channel->len == t->sync_channel.len
        && memcmp(channel->str, t->sync_channel.data, channel->len) == 0;
    if (is_str(kind, "subscribe")) {
        if (is_invalidate && !*ready) {
            mc_nc_set_ready(t->nc, t->chan, 1);   /* flushes, then trusts */
            *ready = 1;
        }
        return 0;
    }
    if (!is_str(kind, "message")) {
        return -1;
    }
    if (is_invalidate) {
        if (payload->type == REDIS_REPLY_ARRAY) {
            for (size_t i = 0; i < payload->elements; i++) {
                const redisReply *key = payload->element[i];
                if (key->type == REDIS_REPLY_STRING) {
                    invalidate_name(t, key->str, key->len);
                }
            }
        } else {
            mc_nc_flush_channel(t->nc, t->chan);  /* FLUSHALL/FLUSHDB: nil */
        }
    } else if (is_sync && payload->type == REDIS_REPLY_STRING) {
        char digits[24];
        size_t n = payload->len < sizeof(digits) - 1 ? payload->len : sizeof(digits) - 1;
        memcpy(digits, payload->str, n);
        digits[n] = '\0';
        mc_nc_sync_seen(t->nc, t->chan, strtoull(digits, NULL, 10));
    }
    return 0;
}

/* One connection's life: set up tracking, then apply messages until a
 * failure or stop. */
static void session(mc_tracking *t, mc_redis *r)
{
    const char *argv[7];
    size_t lens[7];
    argv[0] = "CLIENT"; lens[0] = 6;
    argv[1] = "ID"; lens[1] = 2;
    redisReply *id = command(r, 2, argv, lens);
    if (id == NULL || id->type != REDIS_REPLY_INTEGER) {
        return;
    }
    char idstr[24];
    snprintf(idstr, sizeof(idstr), "%lld", id->integer);
    const char *tr[] = {"CLIENT", "TRACKING", "on", "REDIRECT", idstr, "BCAST", "PREFIX", t->prefix.data};
    size_t trl[] = {6, 8, 2, 8, strlen(idstr), 5, 6, t->prefix.len};
    redisReply *ok = command(r, 8, tr, trl);
    if (ok == NULL || ok->type != REDIS_REPLY_STATUS) {
        return;
    }
    const char *s1[] = {"SUBSCRIBE", t->sync_channel.data};
    size_t s1l[] = {9, t->sync_channel.len};
    const char *s2[] = {"SUBSCRIBE", INVALIDATE_CHANNEL};
    size_t s2l[] = {9, sizeof(INVALIDATE_CHANNEL) - 1};
    if (mc_redis_append(r, 2, s1, s1l) != MC_OK || mc_redis_append(r, 2, s2, s2l) != MC_OK
        || mc_redis_send(r) != MC_OK) {
        return;
    }
    int ready = 0;
    uint64_t setup_deadline = mc_now_ms() + 5000;
    while (!stopping(t)) {
        uint64_t now = mc_now_ms();
        if (!ready && now > setup_deadline) {
            break;
        }
        redisReply *m = NULL;
        if (mc_redis_receive(r, t->wake[0], now + MC_NC_HEARTBEAT_MS / 2, &m) != MC_OK) {
            break;
        }
        if (m != NULL) {
            int bad = apply(t, m, &ready);
            mc_redis_reply_free(m);
            if (bad) {
                break;
            }
        }
        if (ready) {
            mc_nc_heartbeat(t->nc, t->chan, mc_now_ms());
        }
    }
    if (ready) {
        mc_nc_set_ready(t->nc, t->chan, 0);      /* nothing can be invalidated now */
    }
}

static void *listener_main(void *arg)
{
    mc_tracking *t = arg;
    if (mc_nc_lease_take(t->nc, t->chan, mc_now_ms()) != MC_OK) {
        atomic_store(&t->running, 0);
        return NULL;
    }
    /* Fault the shared pages in now, off the request path: the near cache
     * is not trusted until the subscription below is confirmed anyway. */
    mc_nc_prefault(t->nc);
    mc_redis *r = mc_redis_create(&t->opts);
    while (r != NULL && !stopping(t)) {
        session(t, r);
        mc_redis_close(r);
        pause_ms(t, RECONNECT_PAUSE_MS);
    }
    mc_redis_free(r);
    mc_nc_lease_release(t->nc, t->chan);
    atomic_store(&t->running, 0);
    return NULL;
}

mc_status mc_tracking_start(mc_nc *nc, uint32_t chan, const mc_redis_options *opts,
                            const char *prefix, size_t prefix_len, mc_tracking **out)
{
    *out = NULL;
    mc_tracking *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return MC_ERR_NOMEM;
    }
    t->wake[0] = t->wake[1] = -1;
    t->nc = nc;
    t->chan = chan;
    t->opts = *opts;
    int oom = 0;
    t->opts.host = dup_str(t, 0, opts->host, &oom);
    t->opts.path = dup_str(t, 1, opts->path, &oom);
    t->opts.username = dup_str(t, 2, opts->username, &oom);
    t->opts.password = dup_str(t, 3, opts->password, &oom);
    t->opts.tls.ca_file = dup_str(t, 4, opts->tls.ca_file, &oom);
    t->opts.tls.cert_file = dup_str(t, 5, opts->tls.cert_file, &oom);
    t->opts.tls.key_file = dup_str(t, 6, opts->tls.key_file, &oom);
    t->opts.tls.server_name = dup_str(t, 7, opts->tls.server_name, &oom);
    if (oom || mc_buf_append(&t->prefix, prefix, prefix_len) != MC_OK
        || mc_buf_append(&t->prefix, "", 1) != MC_OK   /* NUL for safety; not counted */
        || mc_tracking_sync_channel(&t->sync_channel, mc_nc_node_id(nc), chan) != MC_OK
        || pipe2(t->wake, O_CLOEXEC) != 0) {
        free_tracking(t);
        return MC_ERR_NOMEM;
    }
    t->prefix.len = prefix_len;
    atomic_store(&t->running, 1);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&t->thread, NULL, listener_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        free_tracking(t);
        return MC_ERR_NOMEM;
    }
    *out = t;
    return MC_OK;
}

int mc_tracking_running(const mc_tracking *t)
{
    return t != NULL && atomic_load(&t->running);
}

void mc_tracking_stop(mc_tracking *t)
{
    if (t == NULL) {
        return;
    }
    atomic_store(&t->stop, 1);
    ssize_t w;
    do {
        w = write(t->wake[1], "x", 1);
    } while (w < 0 && errno == EINTR);
    pthread_join(t->thread, NULL);
    free_tracking(t);
}

void mc_tracking_forget(mc_tracking *t)
{
    (void)t;    /* the parent's thread may still use it: the child's copy is leaked */
}
