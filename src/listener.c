/* listener.c - the near cache's invalidation listener (see listener.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include "announce.h"
#include "cluster.h"
#include "layout.h"
#include "listener.h"
#include "nckey.h"
#include "quiet.h"
#include "transport.h"

#define EPOCH_EVERY 5           /* rounds between epoch checks (and in every round a sync asked for) */
#define IDENTITY_EVERY 5        /* rounds between INFO (and CLUSTER SLOTS) checks (the same) */
#define ID_MAX 64               /* run_id / master_replid are 40 hex digits */

/* How a session ended (0 is "not ended": the helpers return 0 or one of these). */
typedef enum session_end {
    END_STOPPED = 1,            /* asked to stop */
    END_LOST,                   /* it had been trusted: reconnect soon */
    END_TOPOLOGY,               /* the cluster changed, or the server is busy or a replica: reconnect */
    END_NETWORK,                /* never trusted, network trouble: back off briefly */
    END_REFUSED                 /* the server refused a command: back off long */
} session_end;

typedef enum probe_reply {
    R_EPOCH, R_INFO_SERVER, R_INFO_REPLICATION, R_SLOTS, R_KEYSPACE, R_NUMSUB, R_REGISTRY, R_MEMBERS, R_PUBLISH
} probe_reply;

#define SEEN_HSET 1             /* keyspace events of the probe key seen */
#define SEEN_DEL 2

typedef struct target {
    char *host;                 /* owned; NULL: the configured server */
    int port;
    mc_redis *sub, *probe;
    mc_buf epoch_key;
    mc_buf epoch;               /* the epoch first seen this session */
    int have_epoch;
    char run_id[ID_MAX], replid[ID_MAX];
    int have_identity;
    mc_buf keyspace_key;        /* foreign_writes: the probe key, on this target */
    int keyspace_seen;          /* SEEN_* */
    int subscribed;             /* subscriptions confirmed */
    probe_reply due[12];        /* replies of the open round, in order */
    int ndue, next_due;
    int ticket_seen;
    uint64_t probe_keepalive;   /* the probe's connect count when keepalive was set */
} target;

struct mc_listener {
    uint64_t applied;           /* announcements applied since the last wake-up */
    uint64_t woken_us;          /* when traffic last woke it (monotonic) */
    mc_nc *nc;
    uint32_t chan;
    mc_redis_options opts;      /* strings owned below */
    char *owned[8];
    char **seed_hosts;
    int *seed_ports;
    size_t nseeds;
    mc_buf prefix;
    mc_buf tag_prefix;          /* "{" esc(prefix) ":": how every announced tag starts */
    mc_buf announce_channel;
    mc_buf sync_channel;
    int foreign;                /* foreign_writes */
    mc_buf keyspace_channel;    /* "__keyspace@<db>__:", what every event's channel starts with */
    mc_buf keyspace_pattern;    /* ... then "{" esc(prefix) ":*", glob-escaped */
    mc_buf name;                /* scratch: an entry name */
    char candidate[17];         /* this session's epoch proposal (hex) */
    /* quiet announcements (quiet.h), standalone only */
    int quiet;
    char node_id[17];           /* this node's id (hex), its registry member */
    mc_buf node_channel;        /* this node's own announcement channel */
    mc_buf registry_key;
    mc_buf member_channels;     /* scratch: channel names to subscribe to */
    mc_quiet_members members;   /* other nodes whose channels this session subscribed to */
    int members_sent;           /* a member SUBSCRIBE went out this session */
    int members_refused;        /* ... and was refused: no more this session */
    int proving;                /* the open round carries a PUBSUB NUMSUB ... */
    mc_quiet_proof_kind proof;  /* ... and what it proved */
    uint64_t trust_from_ms;     /* not trusted before (quiet.h, joining); 0: not subscribed yet */
    int wake[2];                /* a byte in wake[1] stops the thread */
    pthread_t thread;
    atomic_int running;
    atomic_int stop;
    /* the session */
    target *targets;
    size_t ntargets;
    uint64_t fingerprint;       /* of the cluster's slot map */
    uint64_t round_ticket, round_sent_us, rounds;
    int round_open;
    int poked;                  /* a worker's nearCacheSync asked for a round */
    char error[MC_NC_ERROR_MAX];
};

/* ---- small helpers --------------------------------------------------------- */

static int stopping(mc_listener *l)
{
    return atomic_load(&l->stop);
}

static void pause_ms(mc_listener *l, uint64_t ms)
{
    struct pollfd p = {l->wake[0], POLLIN, 0};
    if (!stopping(l)) {
        poll(&p, 1, ms > 60000 ? 60000 : (int)ms);
    }
}

static int is_str(const redisReply *r, const char *s)
{
    size_t n = strlen(s);
    return r->type == REDIS_REPLY_STRING && r->len == n && memcmp(r->str, s, n) == 0;
}

static int is_buf(const redisReply *r, const mc_buf *b)
{
    return r->type == REDIS_REPLY_STRING && r->len == b->len && memcmp(r->str, b->data, b->len) == 0;
}

static int error_starts(const redisReply *r, const char *prefix)
{
    size_t n = strlen(prefix);
    return r->type == REDIS_REPLY_ERROR && r->len >= n && memcmp(r->str, prefix, n) == 0;
}

/* An error reply that says "not now" rather than "not allowed". */
static int transient_error(const redisReply *r)
{
    static const char *const kinds[] = {"MOVED", "ASK", "CLUSTERDOWN", "TRYAGAIN", "LOADING", "MASTERDOWN",
                                        "READONLY", "BUSY", NULL};
    for (int i = 0; kinds[i]; i++) {
        if (error_starts(r, kinds[i])) {
            return 1;
        }
    }
    return 0;
}

/* Records why the server refused what; returns the end to report. */
static session_end refused(mc_listener *l, const char *what, const redisReply *r)
{
    if (r != NULL && transient_error(r)) {
        return END_TOPOLOGY;
    }
    const char *text = r && r->type == REDIS_REPLY_ERROR ? r->str : "an unexpected reply";
    snprintf(l->error, sizeof(l->error), "%s refused: %s", what, text);
    return END_REFUSED;
}

/* The value of "field:" in an INFO text, into out (cap bytes); 0 if absent. */
static int info_field(const char *text, size_t len, const char *field, char *out, size_t cap)
{
    size_t flen = strlen(field);
    for (size_t i = 0; i + flen + 1 <= len; i++) {
        if ((i == 0 || text[i - 1] == '\n') && memcmp(text + i, field, flen) == 0 && text[i + flen] == ':') {
            size_t start = i + flen + 1, end = start;
            while (end < len && text[end] != '\r' && text[end] != '\n') {
                end++;
            }
            size_t n = end - start < cap - 1 ? end - start : cap - 1;
            memcpy(out, text + start, n);
            out[n] = '\0';
            return 1;
        }
    }
    return 0;
}

/* TCP keepalive: the backstop for a peer that vanished while idle. */
static void keepalive(int fd)
{
    int on = 1, idle = 5, interval = 1, count = 3;
    if (fd < 0) {
        return;
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof(count));
}

mc_status mc_listener_sync_channel(mc_buf *out, uint64_t node_id, uint32_t chan)
{
    char name[80];
    int n = snprintf(name, sizeof(name), "__moodlecache__:sync:%016llx:%u", (unsigned long long)node_id, chan);
    return mc_buf_append(out, name, (size_t)n);
}

mc_status mc_listener_epoch_key(mc_buf *out, const char *prefix, size_t prefix_len, const char *slot_tag)
{
    mc_status st = mc_buf_append(out, "{", 1);
    if (slot_tag != NULL) {
        if (st == MC_OK) st = mc_buf_append(out, slot_tag, strlen(slot_tag));
        if (st == MC_OK) st = mc_buf_append(out, "}#mc:epoch:", 11);
        if (st == MC_OK) st = mc_layout_escape(out, prefix, prefix_len);
        return st;
    }
    if (st == MC_OK) st = mc_layout_escape(out, prefix, prefix_len);
    if (st == MC_OK) st = mc_buf_append(out, "}#mc:epoch", 10);
    return st;
}

/* ---- targets ----------------------------------------------------------------- */

static void target_options(const mc_listener *l, const target *t, mc_redis_options *o)
{
    *o = l->opts;
    if (t->host != NULL) {
        o->host = t->host;
        o->port = t->port;
        o->path = NULL;
        o->database = 0;
    }
}

static void free_targets(mc_listener *l)
{
    for (size_t i = 0; i < l->ntargets; i++) {
        target *t = &l->targets[i];
        mc_redis_free(t->sub);
        mc_redis_free(t->probe);
        free(t->host);
        mc_buf_free(&t->epoch_key);
        mc_buf_free(&t->epoch);
        mc_buf_free(&t->keyspace_key);
    }
    free(l->targets);
    l->targets = NULL;
    l->ntargets = 0;
}

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ p[i]) * 0x100000001b3ULL;
    }
    return h;
}

static uint64_t map_fingerprint(const mc_cluster_map *map)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t r = 0; r < map->nranges; r++) {
        const mc_cluster_range *range = &map->ranges[r];
        const mc_cluster_endpoint *m = &map->endpoints[range->first];
        h = fnv(h, &range->start, sizeof(range->start));
        h = fnv(h, &range->end, sizeof(range->end));
        h = fnv(h, m->host, strlen(m->host) + 1);
        h = fnv(h, &m->port, sizeof(m->port));
    }
    return h;
}

/* Appends to out base followed by the first "mc<n>" that puts the key
 * tag base + "mc<n>" in a slot of range (any n = 0 without one), so a
 * key of that tag lives on the range's master. */
static mc_status tag_in_range(mc_buf *out, const char *base, size_t base_len, const mc_cluster_range *range)
{
    mc_buf tag = MC_BUF_INIT;
    mc_status st = MC_OK;
    for (unsigned long n = 0; st == MC_OK; n++) {
        mc_buf_clear(&tag);
        st = mc_buf_append(&tag, base, base_len);
        if (st == MC_OK) st = mc_buf_append(&tag, "mc", 2);
        if (st == MC_OK) st = mc_buf_append_u64(&tag, n);
        unsigned slot = st == MC_OK ? mc_cluster_key_slot(tag.data, tag.len) : 0;
        if (st == MC_OK && (range == NULL || (slot >= range->start && slot <= range->end))) {
            st = mc_buf_append(out, tag.data, tag.len);
            break;
        }
    }
    mc_buf_free(&tag);
    return st;
}

/* A target: the server (host NULL), or the master of range.  Its epoch key
 * and keyspace probe key are keys of its own slots. */
static int add_target(mc_listener *l, const char *host, int port, const mc_cluster_range *range)
{
    target *t = &l->targets[l->ntargets];
    memset(t, 0, sizeof(*t));
    if (host != NULL && (t->host = strdup(host)) == NULL) {
        return 0;
    }
    t->port = port;
    l->ntargets++;
    mc_redis_options o;
    target_options(l, t, &o);
    t->sub = mc_redis_create(&o);
    t->probe = mc_redis_create(&o);
    if (t->sub == NULL || t->probe == NULL) {
        return 0;
    }
    mc_buf slot_tag = MC_BUF_INIT;
    mc_status st = range ? tag_in_range(&slot_tag, "", 0, range) : MC_OK;
    if (st == MC_OK) st = mc_buf_append(&slot_tag, "", 1);      /* a C string for epoch_key */
    if (st == MC_OK) st = mc_listener_epoch_key(&t->epoch_key, l->prefix.data, l->prefix.len,
                                                range ? slot_tag.data : NULL);
    /* "{" esc(prefix) ":mc<n>}#mc:ks": under the keyspace pattern, and
     * internal by its '#' (nckey.h) */
    if (st == MC_OK) st = mc_buf_append(&t->keyspace_key, "{", 1);
    if (st == MC_OK) st = tag_in_range(&t->keyspace_key, l->tag_prefix.data + 1, l->tag_prefix.len - 1, range);
    if (st == MC_OK) st = mc_buf_append(&t->keyspace_key, "}#mc:ks", 7);
    mc_buf_free(&slot_tag);
    return st == MC_OK;
}

/* The slot map from the first seed that gives one: 1, or 0 with *end set. */
static int load_map(mc_listener *l, mc_cluster_map *map, session_end *end)
{
    static const char *const argv[2] = {"CLUSTER", "SLOTS"};
    static const size_t lens[2] = {7, 5};
    *end = END_NETWORK;
    snprintf(l->error, sizeof(l->error), "no cluster seed answered CLUSTER SLOTS");
    for (size_t i = 0; i < l->nseeds && !stopping(l); i++) {
        mc_redis_options o = l->opts;
        o.host = l->seed_hosts[i];
        o.port = l->seed_ports[i];
        o.path = NULL;
        mc_redis *r = mc_redis_create(&o);
        redisReply **replies = NULL;
        size_t count = 0;
        if (r != NULL && mc_redis_append(r, 2, argv, lens) == MC_OK
            && mc_redis_exec(r, &replies, &count) == MC_OK && count == 1) {
            if (replies[0]->type == REDIS_REPLY_ERROR) {
                *end = refused(l, "CLUSTER SLOTS", replies[0]);
            } else if (mc_cluster_parse_slots(replies[0], o.host, map) == MC_OK && map->nranges > 0) {
                mc_redis_free(r);
                return 1;
            }
        }
        mc_redis_free(r);
    }
    return 0;
}

/* The session's targets, the server or every master of the cluster: 1, or
 * 0 with *end set. */
static int make_targets(mc_listener *l, session_end *end)
{
    *end = END_NETWORK;
    if (l->nseeds == 0) {
        l->targets = calloc(1, sizeof(target));
        if (l->targets == NULL || !add_target(l, NULL, 0, NULL)) {
            snprintf(l->error, sizeof(l->error), "out of memory");
            return 0;
        }
        return 1;
    }
    mc_cluster_map map;
    memset(&map, 0, sizeof(map));
    if (!load_map(l, &map, end)) {
        return 0;
    }
    l->fingerprint = map_fingerprint(&map);
    l->targets = calloc(MC_LISTENER_MAX_TARGETS, sizeof(target));
    int ok = l->targets != NULL;
    for (size_t r = 0; ok && r < map.nranges; r++) {
        const mc_cluster_endpoint *m = &map.endpoints[map.ranges[r].first];
        int known = 0;
        for (size_t i = 0; i < l->ntargets; i++) {
            known |= l->targets[i].port == m->port && strcmp(l->targets[i].host, m->host) == 0;
        }
        if (known) {
            continue;
        }
        if (l->ntargets == MC_LISTENER_MAX_TARGETS) {
            snprintf(l->error, sizeof(l->error), "the cluster has more than %d masters", MC_LISTENER_MAX_TARGETS);
            *end = END_REFUSED;
            ok = 0;
        } else {
            ok = add_target(l, m->host, m->port, &map.ranges[r]);
        }
    }
    mc_cluster_map_free(&map);
    return ok;
}

/* ---- messages ------------------------------------------------------------------ */

/* Applies one announcement; a message that does not decode, or names a
 * definition of another prefix, makes the whole channel untrustworthy. */
static void apply_announcement(mc_listener *l, const char *msg, size_t len)
{
    mc_announce a;
    if (mc_announce_decode(msg, len, &a) != MC_OK
        || (a.op != MC_ANNOUNCE_ALL && (a.tag_len <= l->tag_prefix.len || a.tag[a.tag_len - 1] != '}'
                                         || memcmp(a.tag, l->tag_prefix.data, l->tag_prefix.len) != 0))) {
        mc_nc_flush_channel(l->nc, l->chan);
        return;
    }
    if (a.op == MC_ANNOUNCE_ALL) {
        mc_nc_flush_channel(l->nc, l->chan);
    } else if (a.op == MC_ANNOUNCE_DEFINITION) {
        mc_nc_invalidate_group(l->nc, l->chan, a.tag, a.tag_len);
    } else {
        size_t off = 0;
        const char *key;
        size_t key_len;
        while (mc_announce_next_key(&a, &off, &key, &key_len)) {
            mc_buf_clear(&l->name);
            if (mc_buf_append(&l->name, a.tag, a.tag_len) != MC_OK || mc_buf_append(&l->name, ":", 1) != MC_OK
                || mc_buf_append(&l->name, key, key_len) != MC_OK) {
                mc_nc_flush_channel(l->nc, l->chan);    /* out of memory: drop everything instead */
                return;
            }
            mc_nc_confirm(l->nc, l->chan, l->name.data, l->name.len, a.write_id);
        }
    }
}

/* On the sync channel: "poke" (a worker's nearCacheSync wants a round that
 * starts after its call), or "T:i", the ticket of probe round T through
 * target i, seen on target i's sub connection. */
static void apply_ticket(mc_listener *l, size_t i, const char *s, size_t len)
{
    if (len == 4 && memcmp(s, "poke", 4) == 0) {
        l->poked = 1;
        return;
    }
    uint64_t ticket = 0, index = 0;
    size_t k = 0;
    while (k < len && k < 20 && s[k] >= '0' && s[k] <= '9') {
        ticket = ticket * 10 + (uint64_t)(s[k++] - '0');
    }
    if (k == 0 || k == len || s[k++] != ':' || k == len || len - k > 6) {
        return;
    }
    while (k < len && s[k] >= '0' && s[k] <= '9') {
        index = index * 10 + (uint64_t)(s[k++] - '0');
    }
    if (k == len && index == i && l->round_open && ticket == l->round_ticket) {
        l->targets[i].ticket_seen = 1;
    }
}

/* foreign_writes: a keyspace event ("__keyspace@<db>__:<key>", "<event>").
 * A definition's hash was changed, by anyone: drop the definition.  The
 * probe key's events prove that the server sends them. */
static void apply_keyspace_event(mc_listener *l, size_t i, const redisReply *channel, const redisReply *event)
{
    size_t skip = l->keyspace_channel.len;
    if (channel->len <= skip || memcmp(channel->str, l->keyspace_channel.data, skip) != 0) {
        return;
    }
    const char *name = channel->str + skip;
    size_t len = channel->len - skip;
    target *t = &l->targets[i];
    if (len == t->keyspace_key.len && memcmp(name, t->keyspace_key.data, len) == 0) {
        t->keyspace_seen |= is_str(event, "hset") ? SEEN_HSET : is_str(event, "del") ? SEEN_DEL : 0;
        return;
    }
    size_t tag_len;
    if (mc_nckey_classify(name, len, &tag_len) == MC_NCKEY_GROUP && len > l->tag_prefix.len
        && memcmp(name, l->tag_prefix.data, l->tag_prefix.len) == 0) {
        mc_nc_invalidate_group(l->nc, l->chan, name, len);
    }
}

/* One reply on target i's sub connection: 0, or how the session ends. */
static int on_sub_reply(mc_listener *l, size_t i, const redisReply *m)
{
    if (m->type == REDIS_REPLY_ERROR && l->members_sent) {
        l->members_refused = 1;     /* other nodes' channels (an ACL): they stay on the shared one */
        return 0;
    }
    if (m->type == REDIS_REPLY_ERROR) {
        return refused(l, "SUBSCRIBE", m);
    }
    if (m->type == REDIS_REPLY_ARRAY && m->elements == 4 && is_str(m->element[0], "pmessage")
        && m->element[2]->type == REDIS_REPLY_STRING && m->element[3]->type == REDIS_REPLY_STRING) {
        apply_keyspace_event(l, i, m->element[2], m->element[3]);
        return 0;
    }
    if (m->type != REDIS_REPLY_ARRAY || m->elements != 3) {
        snprintf(l->error, sizeof(l->error), "unexpected Pub/Sub reply");
        return END_NETWORK;
    }
    const redisReply *kind = m->element[0], *channel = m->element[1], *payload = m->element[2];
    if (is_str(kind, "subscribe") || is_str(kind, "psubscribe")) {
        l->targets[i].subscribed++;
        return 0;
    }
    if (!is_str(kind, "message") || payload->type != REDIS_REPLY_STRING) {
        snprintf(l->error, sizeof(l->error), "unexpected Pub/Sub message");
        return END_NETWORK;
    }
    if (is_buf(channel, &l->sync_channel)) {
        apply_ticket(l, i, payload->str, payload->len);
    } else {
        apply_announcement(l, payload->str, payload->len);  /* the shared channel, or another node's */
        l->applied++;
    }
    return 0;
}

/* ---- probes -------------------------------------------------------------------- */

static void check_epoch(mc_listener *l, target *t, const redisReply *r)
{
    const char *value = r->type == REDIS_REPLY_STRING ? r->str : l->candidate;
    size_t len = r->type == REDIS_REPLY_STRING ? r->len : strlen(l->candidate);
    int changed = r->type == REDIS_REPLY_NIL    /* we had to create it: it was gone */
        || t->epoch.len != len || memcmp(t->epoch.data, value, len) != 0;
    if (t->have_epoch && changed) {
        mc_nc_flush_channel(l->nc, l->chan);
    }
    mc_buf_clear(&t->epoch);
    t->have_epoch = mc_buf_append(&t->epoch, value, len) == MC_OK;
}

static void check_identity(mc_listener *l, target *t, const char *field, char *known, const redisReply *r)
{
    char now[ID_MAX];
    if (!info_field(r->str, r->len, field, now, sizeof(now))) {
        return;
    }
    if (t->have_identity && strcmp(now, known) != 0) {
        mc_nc_flush_channel(l->nc, l->chan);    /* a restart or a failover */
    }
    memcpy(known, now, sizeof(now));
}

static int subscribe_members(mc_listener *l, target *t, const redisReply *r);

/* One reply on target i's probe connection: 0, or how the session ends. */
static int on_probe_reply(mc_listener *l, size_t i, const redisReply *r)
{
    target *t = &l->targets[i];
    if (t->next_due >= t->ndue) {
        snprintf(l->error, sizeof(l->error), "unexpected reply on the probe connection");
        return END_NETWORK;
    }
    probe_reply kind = t->due[t->next_due++];
    switch (kind) {
    case R_EPOCH:
        if (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_NIL) {
            return refused(l, "SET of the epoch key", r);
        }
        check_epoch(l, t, r);
        return 0;
    case R_INFO_SERVER:
    case R_INFO_REPLICATION:
        if (r->type != REDIS_REPLY_STRING) {
            return refused(l, "INFO", r);
        }
        if (kind == R_INFO_SERVER) {
            check_identity(l, t, "run_id", t->run_id, r);
        } else {
            check_identity(l, t, "master_replid", t->replid, r);
            t->have_identity = 1;
        }
        return 0;
    case R_SLOTS: {
        mc_cluster_map map;
        if (r->type == REDIS_REPLY_ERROR) {
            return refused(l, "CLUSTER SLOTS", r);
        }
        if (mc_cluster_parse_slots(r, t->host, &map) != MC_OK) {
            return END_TOPOLOGY;
        }
        uint64_t fp = map_fingerprint(&map);
        mc_cluster_map_free(&map);
        return fp == l->fingerprint ? 0 : END_TOPOLOGY;
    }
    case R_KEYSPACE:
        return r->type == REDIS_REPLY_INTEGER ? 0 : refused(l, "the keyspace probe key", r);
    case R_NUMSUB:
        l->proof = mc_quiet_proof(r);   /* an error (an ACL) only keeps the node on the shared channel */
        return 0;
    case R_REGISTRY:
        return 0;
    case R_MEMBERS:
        return subscribe_members(l, t, r);
    case R_PUBLISH:
    default:
        return r->type == REDIS_REPLY_INTEGER ? 0 : refused(l, "PUBLISH", r);
    }
}

static mc_status append(mc_redis *r, int argc, const char **argv, const size_t *lens)
{
    return mc_redis_append(r, argc, argv, lens);
}

/* Wall-clock milliseconds: registry scores are compared across nodes. */
static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Queues the quiet-announcement commands of a round (quiet.h) on t->probe. */
static mc_status queue_quiet(mc_listener *l, target *t, int proof, int registry)
{
    char expiry[24], now[24], from[26];
    uint64_t wall = wall_ms();
    int en = snprintf(expiry, sizeof(expiry), "%llu", (unsigned long long)(wall + MC_QUIET_REGISTRY_TTL_MS));
    int nn = snprintf(now, sizeof(now), "%llu", (unsigned long long)wall);
    int fn = snprintf(from, sizeof(from), "(%llu", (unsigned long long)wall);
    const char *numsub[] = {"PUBSUB", "NUMSUB", l->announce_channel.data, l->node_channel.data};
    size_t numsubl[] = {6, 6, l->announce_channel.len, l->node_channel.len};
    const char *add[] = {"ZADD", l->registry_key.data, expiry, l->node_id};
    size_t addl[] = {4, l->registry_key.len, (size_t)en, 16};
    const char *trim[] = {"ZREMRANGEBYSCORE", l->registry_key.data, "-inf", now};
    size_t triml[] = {16, l->registry_key.len, 4, (size_t)nn};
    const char *live[] = {"ZRANGEBYSCORE", l->registry_key.data, from, "+inf"};
    size_t livel[] = {13, l->registry_key.len, (size_t)fn, 4};
    mc_status st = MC_OK;
    l->proof = MC_QUIET_NONE;
    if (proof) {
        st = append(t->probe, 4, numsub, numsubl);
        t->due[t->ndue++] = R_NUMSUB;
    }
    if (registry) {
        if (st == MC_OK) st = append(t->probe, 4, add, addl);
        if (st == MC_OK) st = append(t->probe, 4, trim, triml);
        if (st == MC_OK && !l->members_refused) st = append(t->probe, 4, live, livel);
        t->due[t->ndue++] = R_REGISTRY;
        t->due[t->ndue++] = R_REGISTRY;
        if (!l->members_refused) t->due[t->ndue++] = R_MEMBERS;
    }
    return st;
}

/* The live ids of a registry read: subscribes to the channels of the
 * nodes not subscribed to yet.  0, or how the session ends. */
static int subscribe_members(mc_listener *l, target *t, const redisReply *r)
{
    size_t offsets[MC_QUIET_MAX_MEMBERS], lengths[MC_QUIET_MAX_MEMBERS];
    const char *argv[1 + MC_QUIET_MAX_MEMBERS];
    size_t lens[1 + MC_QUIET_MAX_MEMBERS];
    int full = 0;
    mc_buf_clear(&l->member_channels);
    int added = mc_quiet_members_add(&l->members, r, mc_nc_node_id(l->nc), l->opts.database, l->prefix.data,
                                     l->prefix.len, &l->member_channels, offsets, lengths, &full);
    if (added < 0) {
        snprintf(l->error, sizeof(l->error), "out of memory");
        return END_NETWORK;
    }
    if (full && mc_quiet_members_stale(&l->members, r)) {
        snprintf(l->error, sizeof(l->error), "%d nodes' channels subscribed to, some gone: starting over",
                 MC_QUIET_MAX_MEMBERS);
        return END_TOPOLOGY;
    }
    if (added == 0) {
        return 0;
    }
    argv[0] = "SUBSCRIBE";
    lens[0] = 9;
    for (int k = 0; k < added; k++) {
        argv[1 + k] = l->member_channels.data + offsets[k];
        lens[1 + k] = lengths[k];
    }
    l->members_sent = 1;
    if (mc_redis_append(t->sub, 1 + added, argv, lens) != MC_OK || mc_redis_send_more(t->sub) != MC_OK) {
        snprintf(l->error, sizeof(l->error), "subscribe: %s", mc_redis_errstr(t->sub));
        return END_NETWORK;
    }
    return 0;
}

/* Sends the next probe round through every target. */
static int send_round(mc_listener *l)
{
    /* a round a sync asked for checks everything: a barrier for every kind of change */
    int epoch = l->poked || l->rounds % EPOCH_EVERY == 0;
    int identity = l->poked || l->rounds % IDENTITY_EVERY == 0;
    int registry = l->poked || l->rounds % MC_QUIET_REGISTRY_EVERY == 0;
    l->proving = l->quiet && (l->poked || l->rounds % MC_QUIET_PROOF_EVERY == 0);
    l->round_ticket = ++l->rounds;
    l->round_sent_us = mc_now_us();
    l->round_open = 1;
    l->poked = 0;
    for (size_t i = 0; i < l->ntargets; i++) {
        target *t = &l->targets[i];
        char ticket[48];
        int tn = snprintf(ticket, sizeof(ticket), "%llu:%zu", (unsigned long long)l->round_ticket, i);
        const char *set[] = {"SET", t->epoch_key.data, l->candidate, "NX", "GET"};
        size_t setl[] = {3, t->epoch_key.len, strlen(l->candidate), 2, 3};
        const char *info1[] = {"INFO", "server"}, *info2[] = {"INFO", "replication"};
        size_t info1l[] = {4, 6}, info2l[] = {4, 11};
        const char *slots[] = {"CLUSTER", "SLOTS"};
        size_t slotsl[] = {7, 5};
        const char *pub[] = {"PUBLISH", l->sync_channel.data, ticket};
        size_t publ[] = {7, l->sync_channel.len, (size_t)tn};
        t->ndue = t->next_due = 0;
        t->ticket_seen = 0;
        mc_status st = MC_OK;
        if (epoch) {
            st = append(t->probe, 5, set, setl);
            t->due[t->ndue++] = R_EPOCH;
        }
        if (identity) {
            if (st == MC_OK) st = append(t->probe, 2, info1, info1l);
            if (st == MC_OK) st = append(t->probe, 2, info2, info2l);
            t->due[t->ndue++] = R_INFO_SERVER;
            t->due[t->ndue++] = R_INFO_REPLICATION;
            if (l->nseeds > 0 && i == 0) {
                if (st == MC_OK) st = append(t->probe, 2, slots, slotsl);
                t->due[t->ndue++] = R_SLOTS;
            }
        }
        if (l->foreign && l->round_ticket == 1) {
            /* the server must send keyspace events: a probe key's hset and del */
            const char *hset[] = {"HSET", t->keyspace_key.data, "f", "1"}, *del[] = {"DEL", t->keyspace_key.data};
            size_t hsetl[] = {4, t->keyspace_key.len, 1, 1}, dell[] = {3, t->keyspace_key.len};
            t->keyspace_seen = 0;
            if (st == MC_OK) st = append(t->probe, 4, hset, hsetl);
            if (st == MC_OK) st = append(t->probe, 2, del, dell);
            t->due[t->ndue++] = R_KEYSPACE;
            t->due[t->ndue++] = R_KEYSPACE;
        }
        if (st == MC_OK && l->quiet) st = queue_quiet(l, t, l->proving, registry);
        if (st == MC_OK) st = append(t->probe, 3, pub, publ);
        t->due[t->ndue++] = R_PUBLISH;
        if (st == MC_OK) st = mc_redis_send(t->probe);
        if (st != MC_OK) {
            snprintf(l->error, sizeof(l->error), "probe: %s", mc_redis_errstr(t->probe));
            return 0;
        }
        /* once per connection (send may have reconnected), not every round */
        uint64_t connects = mc_redis_get_stats(t->probe)->connects;
        if (t->probe_keepalive != connects) {
            keepalive(mc_redis_fd(t->probe));
            t->probe_keepalive = connects;
        }
    }
    return 1;
}

static int round_complete(const mc_listener *l)
{
    for (size_t i = 0; i < l->ntargets; i++) {
        const target *t = &l->targets[i];
        if (!t->ticket_seen || t->next_due < t->ndue) {
            return 0;
        }
    }
    return 1;
}

/* ---- the session ------------------------------------------------------------------ */

static int subscribe_all(mc_listener *l)
{
    for (size_t i = 0; i < l->ntargets; i++) {
        target *t = &l->targets[i];
        const char *argv[] = {"SUBSCRIBE", l->announce_channel.data, l->sync_channel.data};
        size_t lens[] = {9, l->announce_channel.len, l->sync_channel.len};
        const char *pargv[] = {"PSUBSCRIBE", l->keyspace_pattern.data};
        size_t plens[] = {10, l->keyspace_pattern.len};
        if (mc_redis_append(t->sub, 3, argv, lens) != MC_OK
            || (l->foreign && mc_redis_append(t->sub, 2, pargv, plens) != MC_OK)
            || mc_redis_send(t->sub) != MC_OK) {
            snprintf(l->error, sizeof(l->error), "subscribe: %s", mc_redis_errstr(t->sub));
            return 0;
        }
        keepalive(mc_redis_fd(t->sub));
    }
    return 1;
}

static int all_subscribed(const mc_listener *l)
{
    for (size_t i = 0; i < l->ntargets; i++) {
        if (l->targets[i].subscribed < (l->foreign ? 3 : 2)) {
            return 0;
        }
    }
    return 1;
}

/* Reads every reply waiting on conn (readable: poll said it has data);
 * 0, or how the session ends. */
static int drain(mc_listener *l, size_t i, mc_redis *conn, int sub, int readable)
{
    for (;;) {
        redisReply *m = NULL;
        if (mc_redis_receive_now(conn, &readable, &m) != MC_OK) {
            snprintf(l->error, sizeof(l->error), "%s", mc_redis_errstr(conn));
            return END_NETWORK;
        }
        if (m == NULL) {
            return 0;
        }
        int end = sub ? on_sub_reply(l, i, m) : on_probe_reply(l, i, m);
        mc_redis_reply_free(m);
        if (end) {
            return end;
        }
    }
}

long mc_listener_linger_us(uint64_t applied, uint64_t since_last_us)
{
    return applied >= 2 || since_last_us < MC_LISTENER_LINGER_US ? MC_LISTENER_LINGER_US : 0;
}

/* Waits for traffic on every connection until deadline; 0, or how the session ends. */
static int wait_and_drain(mc_listener *l, uint64_t deadline)
{
    struct pollfd fds[1 + 2 * MC_LISTENER_MAX_TARGETS];
    size_t n = 0;
    fds[n++] = (struct pollfd){l->wake[0], POLLIN, 0};
    for (size_t i = 0; i < l->ntargets; i++) {
        fds[n++] = (struct pollfd){mc_redis_fd(l->targets[i].sub), POLLIN, 0};
        fds[n++] = (struct pollfd){mc_redis_fd(l->targets[i].probe), POLLIN, 0};
    }
    uint64_t now = mc_now_ms();
    int wait = deadline > now ? (int)(deadline - now) : 0;
    if (poll(fds, n, wait) < 0 && errno != EINTR) {
        snprintf(l->error, sizeof(l->error), "poll: %s", strerror(errno));
        return END_NETWORK;
    }
    if (stopping(l)) {
        return END_STOPPED;
    }
    int lingered = 0;
    if (fds[0].revents == 0) {
        /* Woken by traffic: let a burst of announcements gather before
         * reading them, one wake-up for many writes, not one each (every
         * write's announcement reaches every node, the writer's too). */
        uint64_t now_us = mc_now_us();
        long us = mc_listener_linger_us(l->applied, now_us - l->woken_us);
        l->woken_us = now_us;
        if (us > 0) {
            nanosleep(&(struct timespec){0, us * 1000L}, NULL);
            lingered = 1;
        }
    }
    l->applied = 0;
    /* Only connections with data are read (after a linger, all may have
     * some): a read that finds nothing costs a system call per wake-up. */
    for (size_t i = 0; i < l->ntargets; i++) {
        int end = drain(l, i, l->targets[i].sub, 1, lingered || fds[1 + 2 * i].revents != 0);
        if (!end && mc_redis_fd(l->targets[i].probe) >= 0) {
            end = drain(l, i, l->targets[i].probe, 0, lingered || fds[2 + 2 * i].revents != 0);
        }
        if (end) {
            return end;
        }
    }
    return 0;
}

/* With foreign_writes: every target sent both events of its probe key. */
static int keyspace_events_seen(const mc_listener *l)
{
    for (size_t i = 0; l->foreign && i < l->ntargets; i++) {
        if (l->targets[i].keyspace_seen != (SEEN_HSET | SEEN_DEL)) {
            return 0;
        }
    }
    return 1;
}

/* When the next round is due (monotonic ms). */
static uint64_t next_round_ms(const mc_listener *l)
{
    return l->poked ? 0 : l->round_sent_us / 1000 + MC_NC_PROBE_MS;
}

static session_end session(mc_listener *l)
{
    l->error[0] = '\0';
    l->round_open = 0;
    l->rounds = 0;
    l->poked = 0;
    l->members.count = 0;
    l->members_sent = l->members_refused = 0;
    l->trust_from_ms = 0;
    session_end end;
    if (!make_targets(l, &end)) {
        return end;
    }
    if (!subscribe_all(l)) {
        return END_NETWORK;
    }
    int ready = 0;
    uint64_t setup_deadline = mc_now_ms() + MC_LISTENER_SETUP_TIMEOUT_MS;
    for (;;) {
        uint64_t now = mc_now_ms();
        if (l->trust_from_ms == 0 && all_subscribed(l)) {
            /* a node that announces quietly may not count this one yet (quiet.h, joining) */
            l->trust_from_ms = now + (l->quiet ? MC_NC_QUIET_MS : 0);
        }
        int due = !ready ? l->rounds == 0 || now >= l->trust_from_ms : now >= next_round_ms(l);
        if (!l->round_open && l->trust_from_ms != 0 && due && !send_round(l)) {
            end = END_NETWORK;
            break;
        }
        uint64_t round_deadline = l->round_sent_us / 1000 + MC_LISTENER_ROUND_TIMEOUT_MS;
        uint64_t deadline = !ready ? (l->round_open || l->rounds == 0 || l->trust_from_ms > setup_deadline
                                      ? setup_deadline : l->trust_from_ms)
                                   : l->round_open ? round_deadline : next_round_ms(l);
        int r = wait_and_drain(l, deadline);
        if (r) {
            end = (session_end)r;
            break;
        }
        now = mc_now_ms();
        if (l->round_open && round_complete(l)) {
            l->round_open = 0;
            if (!ready && !keyspace_events_seen(l)) {
                snprintf(l->error, sizeof(l->error), "no keyspace notifications (near_cache_foreign_writes needs "
                         "notify-keyspace-events with K, g and h)");
                end = END_REFUSED;
                break;
            }
            if (!ready && now >= l->trust_from_ms) {
                /* flushes, then trusts: nothing from before the subscriptions counts */
                mc_nc_set_ready(l->nc, l->chan, 1);
                mc_nc_set_listener_error(l->nc, l->chan, "", 0, 0);
                ready = 1;
            }
            mc_nc_heartbeat(l->nc, l->chan, l->round_sent_us);
            if (l->proving) {
                mc_nc_set_quiet(l->nc, l->chan, ready && l->proof != MC_QUIET_NONE ? l->round_sent_us : 0,
                                l->proof == MC_QUIET_ALONE);
            }
        }
        if (!ready && now >= setup_deadline) {
            snprintf(l->error, sizeof(l->error), "subscription not confirmed within %d ms",
                     MC_LISTENER_SETUP_TIMEOUT_MS);
            end = END_NETWORK;
            break;
        }
        if (l->round_open && now >= round_deadline) {
            snprintf(l->error, sizeof(l->error), "probe round unanswered for %d ms", MC_LISTENER_ROUND_TIMEOUT_MS);
            end = END_NETWORK;
            break;
        }
    }
    if (ready) {
        mc_nc_set_ready(l->nc, l->chan, 0);      /* nothing can be invalidated now */
        if (end == END_NETWORK) {
            end = END_LOST;
        }
    }
    return end;
}

static void *listener_main(void *arg)
{
    mc_listener *l = arg;
    if (mc_nc_lease_take(l->nc, l->chan, mc_now_ms()) != MC_OK) {
        atomic_store(&l->running, 0);
        return NULL;
    }
    uint64_t retry_ms = 0;
    while (!stopping(l)) {
        uint64_t retry_at = 0, backoff = 0;
        (void)mc_nc_listener_error(l->nc, l->chan, NULL, 0, &retry_at, &backoff);
        uint64_t now = mc_now_ms();
        if (retry_at > now) {
            pause_ms(l, retry_at - now);     /* a refusal's wait, also one a dead listener began */
            continue;
        }
        session_end end = session(l);
        free_targets(l);
        if (end == END_STOPPED) {
            break;
        }
        if (end == END_REFUSED) {
            backoff = backoff ? backoff * 2 : MC_LISTENER_REFUSED_MIN_MS;
            backoff = backoff > MC_LISTENER_REFUSED_MAX_MS ? MC_LISTENER_REFUSED_MAX_MS : backoff;
            mc_nc_set_listener_error(l->nc, l->chan, l->error, mc_now_ms() + backoff, backoff);
            retry_ms = 0;
            continue;
        }
        if (end == END_LOST) {
            retry_ms = 0;           /* it was trusted: reconnect soon */
        }
        retry_ms = retry_ms ? retry_ms * 2 : MC_LISTENER_RETRY_MIN_MS;
        retry_ms = retry_ms > MC_LISTENER_RETRY_MAX_MS ? MC_LISTENER_RETRY_MAX_MS : retry_ms;
        pause_ms(l, retry_ms);
    }
    mc_nc_lease_release(l->nc, l->chan);
    atomic_store(&l->running, 0);
    return NULL;
}

/* ---- life cycle -------------------------------------------------------------------- */

static void free_listener(mc_listener *l)
{
    if (l->owned[3] != NULL) {
        explicit_bzero(l->owned[3], strlen(l->owned[3]));  /* the password */
    }
    for (size_t i = 0; i < sizeof(l->owned) / sizeof(l->owned[0]); i++) {
        free(l->owned[i]);
    }
    for (size_t i = 0; i < l->nseeds; i++) {
        free(l->seed_hosts ? l->seed_hosts[i] : NULL);
    }
    free(l->seed_hosts);
    free(l->seed_ports);
    mc_buf_free(&l->prefix);
    mc_buf_free(&l->tag_prefix);
    mc_buf_free(&l->announce_channel);
    mc_buf_free(&l->sync_channel);
    mc_buf_free(&l->keyspace_channel);
    mc_buf_free(&l->keyspace_pattern);
    mc_buf_free(&l->name);
    mc_buf_free(&l->node_channel);
    mc_buf_free(&l->registry_key);
    mc_buf_free(&l->member_channels);
    if (l->wake[0] >= 0) close(l->wake[0]);
    if (l->wake[1] >= 0) close(l->wake[1]);
    free(l);
}

static const char *dup_str(mc_listener *l, int slot, const char *s, int *oom)
{
    if (s == NULL) {
        return NULL;
    }
    l->owned[slot] = strdup(s);
    *oom |= l->owned[slot] == NULL;
    return l->owned[slot];
}

/* "__keyspace@<db>__:" and the pattern of the prefix's keys under it. */
static int keyspace_names(mc_listener *l, int database)
{
    mc_buf *c = &l->keyspace_channel, *p = &l->keyspace_pattern;
    int ok = mc_buf_append(c, "__keyspace@", 11) == MC_OK && mc_buf_append_u64(c, (unsigned long long)database) == MC_OK
        && mc_buf_append(c, "__:", 3) == MC_OK && mc_buf_append(p, c->data, c->len) == MC_OK;
    for (size_t i = 0; ok && i < l->tag_prefix.len; i++) {
        char ch = l->tag_prefix.data[i];
        ok = (strchr("*?[]\\^", ch) == NULL || mc_buf_append(p, "\\", 1) == MC_OK) && mc_buf_append(p, &ch, 1) == MC_OK;
    }
    return ok && mc_buf_append(p, "*", 1) == MC_OK;
}

static int copy_config(mc_listener *l, const mc_listener_config *cfg)
{
    int oom = 0;
    l->opts = *cfg->conn;
    l->opts.host = dup_str(l, 0, cfg->conn->host, &oom);
    l->opts.path = dup_str(l, 1, cfg->conn->path, &oom);
    l->opts.username = dup_str(l, 2, cfg->conn->username, &oom);
    l->opts.password = dup_str(l, 3, cfg->conn->password, &oom);
    l->opts.tls.ca_file = dup_str(l, 4, cfg->conn->tls.ca_file, &oom);
    l->opts.tls.cert_file = dup_str(l, 5, cfg->conn->tls.cert_file, &oom);
    l->opts.tls.key_file = dup_str(l, 6, cfg->conn->tls.key_file, &oom);
    l->opts.tls.server_name = dup_str(l, 7, cfg->conn->tls.server_name, &oom);
    l->opts.readonly = 0;
    l->opts.probe_features = 0;
    l->opts.persistent = 0;     /* subscriptions and tracking: state no store may inherit */
    l->foreign = cfg->foreign_writes;
    if (cfg->nseeds > 0) {
        l->seed_hosts = calloc(cfg->nseeds, sizeof(char *));
        l->seed_ports = calloc(cfg->nseeds, sizeof(int));
        if (l->seed_hosts == NULL || l->seed_ports == NULL) {
            return 0;
        }
        l->nseeds = cfg->nseeds;
        for (size_t i = 0; i < cfg->nseeds; i++) {
            l->seed_hosts[i] = strdup(cfg->seed_hosts[i]);
            l->seed_ports[i] = cfg->seed_ports[i];
            oom |= l->seed_hosts[i] == NULL;
        }
    }
    uint64_t r = 0;
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
        r = mc_now_ms() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)l;
    }
    snprintf(l->candidate, sizeof(l->candidate), "%016llx", (unsigned long long)r);
    snprintf(l->node_id, sizeof(l->node_id), "%016llx", (unsigned long long)mc_nc_node_id(l->nc));
    l->quiet = cfg->nseeds == 0;
    return !oom
        && mc_announce_node_channel(&l->node_channel, cfg->database, mc_nc_node_id(l->nc), cfg->prefix,
                                    cfg->prefix_len) == MC_OK
        && mc_quiet_registry_key(&l->registry_key, cfg->prefix, cfg->prefix_len) == MC_OK
        && mc_buf_append(&l->prefix, cfg->prefix, cfg->prefix_len) == MC_OK
        && mc_buf_append(&l->tag_prefix, "{", 1) == MC_OK
        && mc_layout_escape(&l->tag_prefix, cfg->prefix, cfg->prefix_len) == MC_OK
        && mc_buf_append(&l->tag_prefix, ":", 1) == MC_OK
        && mc_announce_channel(&l->announce_channel, cfg->nseeds ? 0 : cfg->database, cfg->prefix,
                               cfg->prefix_len) == MC_OK
        && mc_listener_sync_channel(&l->sync_channel, mc_nc_node_id(l->nc), l->chan) == MC_OK
        && keyspace_names(l, cfg->nseeds ? 0 : cfg->database);
}

mc_status mc_listener_start(mc_nc *nc, uint32_t chan, const mc_listener_config *cfg, mc_listener **out)
{
    *out = NULL;
    mc_listener *l = calloc(1, sizeof(*l));
    if (l == NULL) {
        return MC_ERR_NOMEM;
    }
    l->wake[0] = l->wake[1] = -1;
    l->nc = nc;
    l->chan = chan;
    if (!copy_config(l, cfg) || pipe2(l->wake, O_CLOEXEC) != 0) {
        free_listener(l);
        return MC_ERR_NOMEM;
    }
    atomic_store(&l->running, 1);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&l->thread, NULL, listener_main, l);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        free_listener(l);
        return MC_ERR_NOMEM;
    }
    /* "top -H" and perf then tell it from the PHP worker it runs in; a
     * name it cannot take changes nothing else */
    (void)pthread_setname_np(l->thread, "mc-listener");
    *out = l;
    return MC_OK;
}

int mc_listener_running(const mc_listener *l)
{
    return l != NULL && atomic_load(&l->running);
}

void mc_listener_stop(mc_listener *l)
{
    if (l == NULL) {
        return;
    }
    atomic_store(&l->stop, 1);
    ssize_t w;
    do {
        w = write(l->wake[1], "x", 1);
    } while (w < 0 && errno == EINTR);
    pthread_join(l->thread, NULL);
    free_listener(l);
}

void mc_listener_forget(mc_listener *l)
{
    (void)l;    /* the parent's thread may still use it: the child's copy is leaked */
}
