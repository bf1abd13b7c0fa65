/* cluster.c - Redis Cluster routing (see cluster.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "buf.h"
#include "cluster.h"
#include "transport.h"

/* ---- key slot ------------------------------------------------------------ */

static uint16_t crc16(const char *buf, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((unsigned char)buf[i] << 8);
        for (int b = 0; b < 8; b++) {
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

unsigned mc_cluster_key_slot(const char *key, size_t len)
{
    const char *open = memchr(key, '{', len);
    if (open != NULL) {
        size_t rest = len - (size_t)(open - key) - 1;
        const char *close = memchr(open + 1, '}', rest);
        if (close != NULL && close > open + 1) {
            return crc16(open + 1, (size_t)(close - open - 1)) & (MC_CLUSTER_SLOTS - 1);
        }
    }
    return crc16(key, len) & (MC_CLUSTER_SLOTS - 1);
}

/* ---- CLUSTER SLOTS ----------------------------------------------------- */

void mc_cluster_map_free(mc_cluster_map *map)
{
    if (map == NULL) {
        return;
    }
    for (size_t i = 0; i < map->nendpoints; i++) {
        free(map->endpoints[i].host);
    }
    free(map->endpoints);
    free(map->ranges);
    memset(map, 0, sizeof(*map));
}

static int valid_host(const char *s, size_t len)
{
    if (len == 0 || len > 255) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

static mc_status parse_endpoint(const redisReply *node, const char *default_host, mc_cluster_endpoint *out)
{
    if (node->type != REDIS_REPLY_ARRAY || node->elements < 2
        || node->element[0]->type != REDIS_REPLY_STRING || node->element[1]->type != REDIS_REPLY_INTEGER
        || node->element[1]->integer < 1 || node->element[1]->integer > 65535) {
        return MC_ERR_PROTOCOL;
    }
    const char *host = node->element[0]->str;
    size_t len = node->element[0]->len;
    if (len == 0 || (len == 1 && host[0] == '?')) {
        if (default_host == NULL) {
            return MC_ERR_PROTOCOL;
        }
        host = default_host;
        len = strlen(default_host);
    }
    if (!valid_host(host, len)) {
        return MC_ERR_PROTOCOL;
    }
    out->host = malloc(len + 1);
    if (out->host == NULL) {
        return MC_ERR_NOMEM;
    }
    memcpy(out->host, host, len);
    out->host[len] = '\0';
    out->port = (int)node->element[1]->integer;
    return MC_OK;
}

mc_status mc_cluster_parse_slots(const redisReply *reply, const char *default_host, mc_cluster_map *map)
{
    memset(map, 0, sizeof(*map));
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements > MC_CLUSTER_SLOTS) {
        return MC_ERR_PROTOCOL;
    }
    size_t total = 0;
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *r = reply->element[i];
        if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 || r->elements - 2 > MC_CLUSTER_MAX_NODES) {
            return MC_ERR_PROTOCOL;
        }
        total += r->elements - 2;
    }
    map->ranges = calloc(reply->elements ? reply->elements : 1, sizeof(*map->ranges));
    map->endpoints = calloc(total ? total : 1, sizeof(*map->endpoints));
    if (map->ranges == NULL || map->endpoints == NULL) {
        mc_cluster_map_free(map);
        return MC_ERR_NOMEM;
    }
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *r = reply->element[i];
        if (r->element[0]->type != REDIS_REPLY_INTEGER || r->element[1]->type != REDIS_REPLY_INTEGER
            || r->element[0]->integer < 0 || r->element[1]->integer >= MC_CLUSTER_SLOTS
            || r->element[0]->integer > r->element[1]->integer) {
            mc_cluster_map_free(map);
            return MC_ERR_PROTOCOL;
        }
        mc_cluster_range *range = &map->ranges[map->nranges++];
        range->start = (unsigned)r->element[0]->integer;
        range->end = (unsigned)r->element[1]->integer;
        range->first = map->nendpoints;
        for (size_t j = 2; j < r->elements; j++) {
            mc_status st = parse_endpoint(r->element[j], default_host, &map->endpoints[map->nendpoints]);
            if (st != MC_OK) {
                mc_cluster_map_free(map);
                return st;
            }
            map->nendpoints++;
            range->count++;
        }
    }
    return MC_OK;
}

int mc_cluster_parse_redirect(const char *text, size_t len, int *ask, unsigned *slot, char **host, int *port)
{
    size_t skip;
    if (len > 6 && memcmp(text, "MOVED ", 6) == 0) {
        *ask = 0;
        skip = 6;
    } else if (len > 4 && memcmp(text, "ASK ", 4) == 0) {
        *ask = 1;
        skip = 4;
    } else {
        return 0;
    }
    size_t i = skip;
    unsigned long s = 0;
    for (; i < len && text[i] >= '0' && text[i] <= '9' && s < MC_CLUSTER_SLOTS; i++) {
        s = s * 10 + (unsigned long)(text[i] - '0');
    }
    if (i == skip || i >= len || text[i] != ' ' || s >= MC_CLUSTER_SLOTS) {
        return 0;
    }
    const char *ep = text + i + 1;
    size_t eplen = len - i - 1;
    const char *colon = NULL;
    for (size_t k = 0; k < eplen; k++) {
        if (ep[k] == ':') colon = ep + k;     /* the last ':' (IPv6 hosts have more) */
    }
    if (colon == NULL || !valid_host(ep, (size_t)(colon - ep))) {
        return 0;
    }
    long p = 0;
    const char *d = colon + 1;
    if (d >= ep + eplen) {
        return 0;
    }
    for (; d < ep + eplen; d++) {
        if (*d < '0' || *d > '9' || p > 65535) {
            return 0;
        }
        p = p * 10 + (*d - '0');
    }
    if (p < 1 || p > 65535) {
        return 0;
    }
    size_t hlen = (size_t)(colon - ep);
    *host = malloc(hlen + 1);
    if (*host == NULL) {
        return 0;
    }
    memcpy(*host, ep, hlen);
    (*host)[hlen] = '\0';
    *slot = (unsigned)s;
    *port = (int)p;
    return 1;
}

/* ---- the client ---------------------------------------------------------- */

typedef struct node {
    char *host;
    int port;
    mc_redis *conn;
} node;

struct mc_cluster {
    mc_redis_options tmpl;     /* strings point into owned[] */
    char *owned[6];
    int read_from_replicas;
    node *nodes;
    size_t nnodes, cap;
    size_t nseeds;             /* nodes[0..nseeds) are the seeds */
    int16_t master[MC_CLUSTER_SLOTS];   /* node index, -1: unknown */
    int16_t replica[MC_CLUSTER_SLOTS];  /* node index, -1: none */
    int have_map;
    int stale;
    uint64_t next_refresh;     /* monotonic ms */
    size_t refresh_from;       /* node to ask first next time (rotates) */
    unsigned last_slot;        /* slot of the last mc_cluster_node */
    mc_buf pipeline;           /* the pipeline of the current exec */
    size_t *offsets;           /* where each of its commands starts (and the end) */
    size_t offsets_cap;
    mc_buf resend;             /* the commands sent again after a redirect */
    size_t *resent;            /* which commands those are */
    redisReply **view;         /* the exec's replies, after redirects */
    size_t view_cap;
    struct held {              /* replies kept from connections used twice */
        redisReply **replies;
        size_t count;
    } *held;
    size_t nheld, held_cap;
    mc_redis **masters;
    mc_cluster_counters counters;
};

static void release_held(mc_cluster *c);

static char *dup_or_null(const char *s, int *oom)
{
    if (s == NULL) {
        return NULL;
    }
    char *d = strdup(s);
    if (d == NULL) {
        *oom = 1;
    }
    return d;
}

/* The index of host:port, added when new; -1 when out of memory or full. */
static int node_index(mc_cluster *c, const char *host, int port)
{
    for (size_t i = 0; i < c->nnodes; i++) {
        if (c->nodes[i].port == port && strcmp(c->nodes[i].host, host) == 0) {
            return (int)i;
        }
    }
    if (c->nnodes >= MC_CLUSTER_MAX_NODES) {
        return -1;
    }
    if (c->nnodes == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        node *p = realloc(c->nodes, cap * sizeof(*p));
        if (p == NULL) {
            return -1;
        }
        c->nodes = p;
        c->cap = cap;
    }
    mc_redis_options o = c->tmpl;
    o.host = host;
    o.port = port;
    node *n = &c->nodes[c->nnodes];
    n->host = strdup(host);
    n->port = port;
    n->conn = n->host ? mc_redis_create(&o) : NULL;
    if (n->conn == NULL) {
        free(n->host);
        return -1;
    }
    return (int)c->nnodes++;
}

mc_cluster *mc_cluster_create(const mc_redis_options *tmpl, const char *const *hosts, const int *ports,
                              size_t n, int read_from_replicas)
{
    if (n == 0) {
        return NULL;
    }
    mc_cluster *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    int oom = 0;
    c->tmpl = *tmpl;
    c->tmpl.host = NULL;
    c->tmpl.path = NULL;
    c->tmpl.database = 0;
    c->tmpl.readonly = read_from_replicas ? 1 : 0;
    c->tmpl.username = c->owned[0] = dup_or_null(tmpl->username, &oom);
    c->tmpl.password = c->owned[1] = dup_or_null(tmpl->password, &oom);
    c->tmpl.tls.ca_file = c->owned[2] = dup_or_null(tmpl->tls.ca_file, &oom);
    c->tmpl.tls.cert_file = c->owned[3] = dup_or_null(tmpl->tls.cert_file, &oom);
    c->tmpl.tls.key_file = c->owned[4] = dup_or_null(tmpl->tls.key_file, &oom);
    c->tmpl.tls.server_name = c->owned[5] = dup_or_null(tmpl->tls.server_name, &oom);
    c->read_from_replicas = read_from_replicas;
    for (size_t i = 0; i < MC_CLUSTER_SLOTS; i++) {
        c->master[i] = -1;
        c->replica[i] = -1;
    }
    for (size_t i = 0; !oom && i < n; i++) {
        oom = node_index(c, hosts[i], ports[i]) < 0;
    }
    c->nseeds = c->nnodes;
    if (oom) {
        mc_cluster_free(c);
        return NULL;
    }
    return c;
}

void mc_cluster_free(mc_cluster *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->nnodes; i++) {
        mc_redis_free(c->nodes[i].conn);
        free(c->nodes[i].host);
    }
    free(c->nodes);
    if (c->owned[1] != NULL) {
        explicit_bzero(c->owned[1], strlen(c->owned[1]));  /* the password */
    }
    for (size_t i = 0; i < sizeof(c->owned) / sizeof(c->owned[0]); i++) {
        free(c->owned[i]);
    }
    release_held(c);
    free(c->held);
    mc_buf_free(&c->pipeline);
    mc_buf_free(&c->resend);
    free(c->offsets);
    free(c->resent);
    free(c->view);
    free(c->masters);
    free(c);
}

/* Applies a parsed map: every range's master and one replica (chosen by
 * slot, so reads spread over a master's replicas). */
static mc_status apply_map(mc_cluster *c, const mc_cluster_map *map)
{
    int16_t master[MC_CLUSTER_SLOTS], replica[MC_CLUSTER_SLOTS];
    for (size_t i = 0; i < MC_CLUSTER_SLOTS; i++) {
        master[i] = -1;
        replica[i] = -1;
    }
    for (size_t r = 0; r < map->nranges; r++) {
        const mc_cluster_range *range = &map->ranges[r];
        int m = node_index(c, map->endpoints[range->first].host, map->endpoints[range->first].port);
        if (m < 0) {
            return MC_ERR_NOMEM;
        }
        for (unsigned s = range->start; s <= range->end; s++) {
            master[s] = (int16_t)m;
            if (range->count > 1) {
                const mc_cluster_endpoint *e = &map->endpoints[range->first + 1 + s % (range->count - 1)];
                int rep = node_index(c, e->host, e->port);
                if (rep < 0) {
                    return MC_ERR_NOMEM;
                }
                replica[s] = (int16_t)rep;
            }
        }
    }
    memcpy(c->master, master, sizeof(master));
    memcpy(c->replica, replica, sizeof(replica));
    c->have_map = 1;
    c->stale = 0;
    return MC_OK;
}

mc_status mc_cluster_refresh(mc_cluster *c)
{
    static const char *const argv[2] = {"CLUSTER", "SLOTS"};
    static const size_t lens[2] = {7, 5};
    mc_status st = MC_ERR_CONNECT;
    c->counters.refreshes++;
    c->next_refresh = mc_now_ms() + MC_CLUSTER_REFRESH_MS;
    size_t n = c->nnodes;
    for (size_t k = 0; k < n; k++) {
        node *nd = &c->nodes[(c->refresh_from + k) % n];
        redisReply **replies = NULL;
        size_t count = 0;
        mc_redis_discard(nd->conn);
        st = mc_redis_append(nd->conn, 2, argv, lens);
        if (st == MC_OK) {
            st = mc_redis_exec(nd->conn, &replies, &count);
        }
        if (st != MC_OK || count != 1) {
            st = st != MC_OK ? st : MC_ERR_PROTOCOL;
            continue;
        }
        mc_cluster_map map;
        /* A node can answer with a map that has no master for some slots
         * (CLUSTERDOWN, or an unreachable master it still lists): take it
         * anyway, it is the cluster's current view. */
        st = mc_cluster_parse_slots(replies[0], nd->host, &map);
        if (st == MC_OK) {
            st = map.nranges > 0 ? apply_map(c, &map) : MC_ERR_PROTOCOL;
        }
        mc_cluster_map_free(&map);
        if (st == MC_OK) {
            c->refresh_from = (c->refresh_from + k + 1) % n;
            return MC_OK;
        }
    }
    c->refresh_from = (c->refresh_from + 1) % (n ? n : 1);
    return st;
}

static void refresh_if_needed(mc_cluster *c)
{
    if ((!c->have_map || c->stale) && mc_now_ms() >= c->next_refresh) {
        (void)mc_cluster_refresh(c);
    }
}

mc_redis *mc_cluster_seed(mc_cluster *c)
{
    return c->nodes[0].conn;
}

mc_redis *mc_cluster_node(mc_cluster *c, unsigned slot)
{
    slot &= MC_CLUSTER_SLOTS - 1;
    refresh_if_needed(c);
    c->last_slot = slot;
    int m = c->master[slot];
    return m >= 0 ? c->nodes[m].conn : c->nodes[slot % c->nseeds].conn;
}

/* The node of conn, or -1. */
static int node_of(const mc_cluster *c, const mc_redis *conn)
{
    for (size_t i = 0; i < c->nnodes; i++) {
        if (c->nodes[i].conn == conn) {
            return (int)i;
        }
    }
    return -1;
}

/* The end of the command at off in a RESP request pipeline we formatted
 * ourselves (mc_redis_append), and its name. */
static size_t next_command(const char *p, size_t len, size_t off, const char **name, size_t *name_len)
{
    /* "*N\r\n" then N times "$L\r\n<L bytes>\r\n" */
    size_t argc = 0;
    size_t i = off + 1;
    while (i < len && p[i] != '\r') argc = argc * 10 + (size_t)(p[i++] - '0');
    i += 2;
    for (size_t a = 0; a < argc && i < len; a++) {
        size_t l = 0;
        i++;
        while (i < len && p[i] != '\r') l = l * 10 + (size_t)(p[i++] - '0');
        i += 2;
        if (a == 0) {
            *name = p + i;
            *name_len = l;
        }
        i += l + 2;
    }
    return i;
}

static int read_only_command(const char *name, size_t len)
{
    static const char *const reads[] = {"GET", "MGET", "EXISTS", "HGET", "HMGET", "HKEYS", "HPTTL",
                                        "EVAL_RO", "EVALSHA_RO", NULL};
    for (int i = 0; reads[i] != NULL; i++) {
        if (strlen(reads[i]) == len && strncasecmp(name, reads[i], len) == 0) {
            return 1;
        }
    }
    return 0;
}

static int read_only_pipeline(const char *p, size_t len)
{
    size_t off = 0;
    while (off < len) {
        const char *name = NULL;
        size_t name_len = 0;
        off = next_command(p, len, off, &name, &name_len);
        if (name == NULL || !read_only_command(name, name_len)) {
            return 0;
        }
    }
    return 1;
}

static int is_error(const redisReply *r, const char *prefix)
{
    size_t n = strlen(prefix);
    return r->type == REDIS_REPLY_ERROR && r->len >= n && memcmp(r->str, prefix, n) == 0;
}

/* A reply that says the command did not run here and where to send it. */
static int redirected(const redisReply *r)
{
    return is_error(r, "MOVED ") || is_error(r, "ASK ") || is_error(r, "TRYAGAIN");
}

static void release_held(mc_cluster *c)
{
    for (size_t h = 0; h < c->nheld; h++) {
        for (size_t i = 0; i < c->held[h].count; i++) {
            mc_redis_reply_free(c->held[h].replies[i]);
        }
        free(c->held[h].replies);
    }
    c->nheld = 0;
}

/* Takes the replies of conn's last exec into c (they must outlive a later
 * exec on the same connection); NULL when out of memory. */
static redisReply **hold(mc_cluster *c, mc_redis *conn, size_t *count)
{
    if (c->nheld == c->held_cap) {
        size_t cap = c->held_cap ? 2 * c->held_cap : 4;
        struct held *p = realloc(c->held, cap * sizeof(*p));
        if (p == NULL) {
            return NULL;
        }
        c->held = p;
        c->held_cap = cap;
    }
    redisReply **replies = mc_redis_detach_replies(conn, count);
    c->held[c->nheld++] = (struct held){replies, *count};
    return replies;
}

/* Saves the queued pipeline and where each command starts. */
static mc_status save_pipeline(mc_cluster *c, mc_redis *conn, size_t commands)
{
    size_t len = 0;
    const char *queued = mc_redis_queued(conn, &len);
    mc_buf_clear(&c->pipeline);
    if (mc_buf_append(&c->pipeline, queued, len) != MC_OK) {
        return MC_ERR_NOMEM;
    }
    if (c->offsets_cap < commands + 1) {
        size_t *o = realloc(c->offsets, (commands + 1) * sizeof(*o));
        size_t *r = realloc(c->resent, (commands + 1) * sizeof(*r));
        redisReply **v = realloc(c->view, (commands + 1) * sizeof(*v));
        c->offsets = o ? o : c->offsets;
        c->resent = r ? r : c->resent;
        c->view = v ? v : c->view;
        if (o == NULL || r == NULL || v == NULL) {
            return MC_ERR_NOMEM;
        }
        c->offsets_cap = c->view_cap = commands + 1;
    }
    size_t off = 0;
    for (size_t i = 0; i < commands; i++) {
        const char *name;
        size_t name_len;
        c->offsets[i] = off;
        off = next_command(c->pipeline.data, c->pipeline.len, off, &name, &name_len);
    }
    c->offsets[commands] = off;
    return MC_OK;
}

/* Where the redirect r sends its command: *target, *ask; 0 if r names a
 * node this client cannot take (the error then reaches the caller). */
static int follow(mc_cluster *c, const redisReply *r, mc_redis *current, mc_redis **target, int *ask)
{
    if (is_error(r, "TRYAGAIN")) {
        /* a multi-key command in a slot being migrated: the same node, later */
        struct timespec ts = {0, MC_CLUSTER_TRYAGAIN_MS * 1000000L};
        c->counters.tryagain++;
        nanosleep(&ts, NULL);
        *target = current;
        return 1;
    }
    unsigned slot;
    char *host = NULL;
    int port;
    if (!mc_cluster_parse_redirect(r->str, r->len, ask, &slot, &host, &port)) {
        return 0;
    }
    int node = node_index(c, host, port);
    free(host);
    if (node < 0) {
        return 0;
    }
    if (*ask) {
        c->counters.ask++;
    } else {
        c->counters.moved++;
        c->master[slot] = (int16_t)node;
        c->replica[slot] = -1;
        c->stale = 1;   /* reload the whole map soon: a failover or resharding is under way */
    }
    *target = c->nodes[node].conn;
    return 1;
}

/* Command i of the saved pipeline is a PUBLISH. */
static int is_publish(const mc_cluster *c, size_t i)
{
    const char *name = NULL;
    size_t name_len = 0;
    (void)next_command(c->pipeline.data, c->pipeline.len, c->offsets[i], &name, &name_len);
    return name != NULL && name_len == 7 && strncasecmp(name, "PUBLISH", 7) == 0;
}

/* Sends again, to target, the commands whose replies in the view are
 * redirects (the others ran where they were: running them twice is not
 * safe for every command), each after ASKING if ask, and puts their new
 * replies in the view.  A PUBLISH after a redirected command is sent
 * again too, behind it: it ran where it was, before that command had run
 * (a key-less command is not redirected), and a near-cache announcement
 * must follow its write, or another node can fill the old value after
 * the invalidation and keep it.  Twice is safe for an announcement. */
static mc_status resend_redirected(mc_cluster *c, mc_redis *target, int ask, size_t commands)
{
    static const char asking[] = "*1\r\n$6\r\nASKING\r\n";
    mc_buf_clear(&c->resend);
    size_t n = 0;
    int after = 0;      /* past a redirected command */
    mc_status st = MC_OK;
    for (size_t i = 0; st == MC_OK && i < commands; i++) {
        int again = redirected(c->view[i]);
        after |= again;
        if (!again && !(after && is_publish(c, i))) {
            continue;
        }
        if (ask) st = mc_buf_append(&c->resend, asking, sizeof(asking) - 1);
        if (st == MC_OK) st = mc_buf_append(&c->resend, c->pipeline.data + c->offsets[i], c->offsets[i + 1] - c->offsets[i]);
        c->resent[n++] = i;
    }
    if (st == MC_OK) st = mc_redis_append_formatted(target, c->resend.data, c->resend.len, ask ? 2 * n : n);
    redisReply **replies = NULL;
    size_t count = 0;
    if (st == MC_OK) st = mc_redis_exec(target, &replies, &count);
    if (st != MC_OK) {
        mc_redis_discard(target);
        return st;
    }
    replies = hold(c, target, &count);
    if (replies == NULL || count != (ask ? 2 * n : n)) {
        return replies == NULL ? MC_ERR_NOMEM : MC_ERR_PROTOCOL;
    }
    for (size_t k = 0; k < n; k++) {
        c->view[c->resent[k]] = replies[ask ? 2 * k + 1 : k];    /* ASKING's own replies left out */
    }
    return MC_OK;
}

mc_status mc_cluster_exec(mc_cluster *c, mc_redis **conn, redisReply ***replies, size_t *count)
{
    release_held(c);
    size_t commands = mc_redis_pending(*conn);
    mc_status st = save_pipeline(c, *conn, commands);
    if (st != MC_OK) {
        mc_redis_discard(*conn);
        return st;
    }
    if (c->read_from_replicas && c->replica[c->last_slot] >= 0 && node_of(c, *conn) == c->master[c->last_slot]
        && read_only_pipeline(c->pipeline.data, c->pipeline.len)) {
        mc_redis_discard(*conn);
        *conn = c->nodes[c->replica[c->last_slot]].conn;
        st = mc_redis_append_formatted(*conn, c->pipeline.data, c->pipeline.len, commands);
        if (st != MC_OK) {
            mc_redis_discard(*conn);
            return st;
        }
    }
    st = mc_redis_exec(*conn, replies, count);
    if (st != MC_OK) {
        c->stale = 1;       /* its master may be failing over */
        return st;
    }
    int any = 0;
    for (size_t i = 0; i < *count; i++) {
        any |= redirected((*replies)[i]);
        if (is_error((*replies)[i], "CLUSTERDOWN")) {
            c->stale = 1;
        }
    }
    if (!any || *count != commands) {
        return MC_OK;       /* the common case: the replies stay the connection's */
    }
    redisReply **first = hold(c, *conn, count);
    if (first == NULL) {
        return MC_ERR_NOMEM;
    }
    memcpy(c->view, first, commands * sizeof(*first));
    int ask = 0;
    for (int hop = 0; hop < MC_CLUSTER_MAX_REDIRECTS; hop++) {
        size_t i = 0;
        while (i < commands && !redirected(c->view[i])) {
            i++;
        }
        mc_redis *target = NULL;
        if (i == commands || !follow(c, c->view[i], *conn, &target, &ask)) {
            break;          /* done, or a redirect past what we can follow: the caller sees it */
        }
        st = resend_redirected(c, target, ask, commands);
        if (st != MC_OK) {
            c->stale = 1;
            return st;
        }
        *conn = target;
    }
    *replies = c->view;
    *count = commands;
    return MC_OK;
}

size_t mc_cluster_masters(mc_cluster *c, mc_redis ***out)
{
    refresh_if_needed(c);
    free(c->masters);
    c->masters = calloc(c->nnodes ? c->nnodes : 1, sizeof(*c->masters));
    size_t n = 0;
    if (c->masters == NULL) {
        *out = NULL;
        return 0;
    }
    char *seen = calloc(c->nnodes ? c->nnodes : 1, 1);
    if (seen == NULL) {
        *out = NULL;
        return 0;
    }
    for (size_t s = 0; s < MC_CLUSTER_SLOTS; s++) {
        int m = c->master[s];
        if (m >= 0 && !seen[m]) {
            seen[m] = 1;
            c->masters[n++] = c->nodes[m].conn;
        }
    }
    free(seen);
    if (n == 0) {
        c->masters[n++] = c->nodes[0].conn;    /* no map: try a seed, it will fail or redirect */
    }
    *out = c->masters;
    return n;
}

void mc_cluster_stats(const mc_cluster *c, mc_redis_stats *sum)
{
    memset(sum, 0, sizeof(*sum));
    for (size_t i = 0; i < c->nnodes; i++) {
        const mc_redis_stats *s = mc_redis_get_stats(c->nodes[i].conn);
        sum->round_trips += s->round_trips;
        sum->commands += s->commands;
        sum->bytes_sent += s->bytes_sent;
        sum->bytes_received += s->bytes_received;
        sum->connects += s->connects;
        sum->reconnects += s->reconnects;
        sum->reused += s->reused;
        sum->errors += s->errors;
    }
}

const mc_cluster_counters *mc_cluster_get_counters(const mc_cluster *c)
{
    return &c->counters;
}
