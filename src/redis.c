/* redis.c - pipelined Redis connection (see redis.h). */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "buf.h"
#include "conn_pool.h"
#include "redis.h"
#include "reply.h"
#include "server_features.h"
#include "transport.h"

#define MC_REDIS_DEFAULT_PORT 6379

_Static_assert(MC_REDIS_MAX_REPLY_BYTES == MC_REPLY_MAX_BULK, "reply.h and redis.h bounds differ");
#define MC_REDIS_READ_CHUNK 16384
#define MC_REDIS_KEEP_OUT_BYTES ((size_t)1 << 20) /* larger output buffers are freed after use */

struct mc_redis {
    mc_redis_options opts;      /* strings point at the owned copies below */
    char *owned[8];
    mc_conn conn;
    SSL_CTX *ssl_ctx;           /* made at the first TLS connect, kept for reconnects */
    mc_buf out;                 /* queued commands, RESP-formatted */
    size_t pending;             /* commands in out */
    mc_reply_reader *reader;
    redisReply **replies;       /* replies of the last exec (or of the handshake) */
    size_t nreplies;
    size_t replies_cap;
    mc_redis_stats stats;
    char errstr[256];
    int ever_connected;
    unsigned failures;          /* consecutive failed connects */
    unsigned timeouts;          /* consecutive calls that timed out */
    int no_resend;              /* the next exec must not be sent twice */
    uint64_t retry_at;          /* no connect attempt before this (monotonic ms) */
    uint64_t last_ok_ms;        /* end of the last successful exec, or when a
                                   pooled connection was checked (monotonic ms) */
    unsigned features;          /* MC_REDIS_* of the open connection's server */
    mc_buf features_key;        /* the server and user, for server_features.h */
    mc_buf pool_key;            /* every setting that shapes a connection (persistent) */
    pid_t conn_pid;             /* the process that opened or took the connection */
    int from_pool;              /* the open connection was taken from the pool */
    int streamed;               /* mc_redis_send used it: replies may be unread */
};

/* A connection used this recently is not probed for a close before reuse
 * (a syscall per call); a close that happened meanwhile is still caught by
 * the resend-once below. */
#define MC_REDIS_FRESH_MS 1000

/* ---- URI ---------------------------------------------------------------- */

static int parse_port(const char *s, int *port)
{
    long v = 0;
    if (*s == '\0') {
        return -1;
    }
    for (int i = 0; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 5) {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1 || v > 65535) {
        return -1;
    }
    *port = (int)v;
    return 0;
}

static int valid_host_char(char ch)
{
    return ch > ' ' && ch < 0x7f && ch != '/' && ch != '@' && ch != '?' && ch != '#'
           && ch != '[' && ch != ']';
}

mc_status mc_redis_parse_uri(const char *uri, mc_redis_options *opts, char **storage)
{
    *storage = NULL;
    if (uri == NULL || *uri == '\0') {
        return MC_ERR_ARG;
    }
    mc_redis_transport transport = MC_REDIS_TCP;
    const char *rest = uri;
    if (strncmp(uri, "tcp://", 6) == 0) {
        rest = uri + 6;
    } else if (strncmp(uri, "tls://", 6) == 0) {
        transport = MC_REDIS_TLS;
        rest = uri + 6;
    } else if (strncmp(uri, "unix://", 7) == 0) {
        const char *path = uri + 7;
        if (path[0] != '/' || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            return MC_ERR_ARG;
        }
        char *copy = strdup(path);
        if (copy == NULL) {
            return MC_ERR_NOMEM;
        }
        opts->transport = MC_REDIS_UNIX;
        opts->path = copy;
        opts->host = NULL;
        opts->port = 0;
        *storage = copy;
        return MC_OK;
    } else if (strstr(uri, "://") != NULL) {
        return MC_ERR_ARG;
    }

    char *copy = strdup(rest);
    if (copy == NULL) {
        return MC_ERR_NOMEM;
    }
    char *host = copy;
    char *portstr = NULL;
    if (copy[0] == '[') {
        char *close = strchr(copy, ']');
        if (close == NULL || close == copy + 1) {
            goto bad;
        }
        *close = '\0';
        host = copy + 1;
        for (const char *p = host; *p; p++) {
            if (!(valid_host_char(*p) || *p == ':') || *p == '/') {
                goto bad;
            }
        }
        if (close[1] == ':') {
            portstr = close + 2;
        } else if (close[1] != '\0') {
            goto bad;
        }
    } else {
        char *colon = strchr(copy, ':');
        if (colon != NULL) {
            if (strchr(colon + 1, ':') != NULL) {
                goto bad;       /* an IPv6 address needs brackets */
            }
            *colon = '\0';
            portstr = colon + 1;
        }
        if (*host == '\0') {
            goto bad;
        }
        for (const char *p = host; *p; p++) {
            if (!valid_host_char(*p)) {
                goto bad;
            }
        }
    }
    int port = MC_REDIS_DEFAULT_PORT;
    if (portstr != NULL && parse_port(portstr, &port) != 0) {
        goto bad;
    }
    opts->transport = transport;
    opts->host = host;
    opts->port = port;
    opts->path = NULL;
    *storage = copy;
    return MC_OK;
bad:
    free(copy);
    return MC_ERR_ARG;
}

/* ---- create / free ------------------------------------------------------ */

static const char *own(mc_redis *r, int slot, const char *s, int *oom)
{
    if (s == NULL) {
        return NULL;
    }
    r->owned[slot] = strdup(s);
    if (r->owned[slot] == NULL) {
        *oom = 1;
    }
    return r->owned[slot];
}

/* "transport host port path user": whom an answer about features is about. */
static mc_status endpoint_user_key(const mc_redis_options *o, mc_buf *key)
{
    char port[16];
    snprintf(port, sizeof(port), "%d %d ", (int)o->transport, o->port);
    mc_status st = mc_buf_append(key, port, strlen(port));
    const char *parts[3] = {o->host, o->path, o->username};
    for (size_t i = 0; i < 3 && st == MC_OK; i++) {
        const char *p = parts[i] ? parts[i] : "";
        st = mc_buf_append(key, p, strlen(p) + 1);     /* NUL-separated */
    }
    return st;
}

/* An optional string: a presence byte, then its bytes and NUL (options
 * hold no NUL), so that NULL and "" differ. */
static mc_status key_string(mc_buf *key, const char *s)
{
    mc_status st = mc_buf_append(key, s ? "1" : "0", 1);
    return st == MC_OK && s != NULL ? mc_buf_append(key, s, strlen(s) + 1) : st;
}

/* The password as a SHA-256 digest: the pool key lives on in the pool after
 * the client (and its explicit_bzero'd password) is gone. */
static mc_status key_password(mc_buf *key, const char *password)
{
    if (password == NULL) {
        return mc_buf_append(key, "0", 1);
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(password, strlen(password), md, &len, EVP_sha256(), NULL) != 1) {
        return MC_ERR_NOMEM;    /* OpenSSL's only failure here is an allocation */
    }
    mc_status st = mc_buf_append(key, "1", 1);
    st = st == MC_OK ? mc_buf_append(key, md, len) : st;
    OPENSSL_cleanse(md, sizeof(md));
    return st;
}

/* Everything that makes one connection's state differ from another's: the
 * endpoint and user, the password, database, READONLY, whether features were
 * probed, and the TLS settings it was verified with. */
static mc_status pool_key(const mc_redis_options *o, mc_buf *key)
{
    char nums[64];
    snprintf(nums, sizeof(nums), "|%d %d %d %d|", o->database, o->readonly ? 1 : 0,
             o->probe_features ? 1 : 0, o->tls.verify_peer ? 1 : 0);
    mc_status st = endpoint_user_key(o, key);
    st = st == MC_OK ? key_string(key, o->username) : st;
    st = st == MC_OK ? mc_buf_append(key, nums, strlen(nums)) : st;
    const char *tls[4] = {o->tls.ca_file, o->tls.cert_file, o->tls.key_file, o->tls.server_name};
    for (size_t i = 0; i < 4 && st == MC_OK; i++) {
        st = key_string(key, tls[i]);
    }
    return st == MC_OK ? key_password(key, o->password) : st;
}

mc_redis *mc_redis_create(const mc_redis_options *opts)
{
    mc_redis *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return NULL;
    }
    r->conn.fd = -1;
    r->opts = *opts;
    int oom = 0;
    r->opts.host = own(r, 0, opts->host, &oom);
    r->opts.path = own(r, 1, opts->path, &oom);
    r->opts.username = own(r, 2, opts->username, &oom);
    r->opts.password = own(r, 3, opts->password, &oom);
    r->opts.tls.ca_file = own(r, 4, opts->tls.ca_file, &oom);
    r->opts.tls.cert_file = own(r, 5, opts->tls.cert_file, &oom);
    r->opts.tls.key_file = own(r, 6, opts->tls.key_file, &oom);
    r->opts.tls.server_name = own(r, 7, opts->tls.server_name, &oom);
    r->reader = mc_reply_reader_create();
    if (!oom && opts->probe_features && endpoint_user_key(&r->opts, &r->features_key) != MC_OK) {
        oom = 1;
    }
    if (!oom && opts->persistent && pool_key(&r->opts, &r->pool_key) != MC_OK) {
        oom = 1;
    }
    if (oom || r->reader == NULL) {
        mc_redis_free(r);
        return NULL;
    }
    return r;
}

static void free_replies(mc_redis *r)
{
    for (size_t i = 0; i < r->nreplies; i++) {
        freeReplyObject(r->replies[i]);
    }
    r->nreplies = 0;
    if (r->replies_cap > 65536) {   /* as for the output buffer: no hoarding */
        free(r->replies);
        r->replies = NULL;
        r->replies_cap = 0;
    }
}

/* The open connection can serve another client: this process's, every
 * reply read.  Any failure already closed it, so an open one is never
 * half-sent or timed out; whether the server still holds it is checked at
 * take (a check here would cost a syscall per request for nothing). */
static int parkable(const mc_redis *r)
{
    return r->opts.persistent && r->conn.fd >= 0 && r->conn_pid == getpid() && !r->streamed
        && mc_reply_reader_empty(r->reader);
}

void mc_redis_free(mc_redis *r)
{
    if (r == NULL) {
        return;
    }
    if (parkable(r)) {
        mc_pool_put(r->pool_key.data, r->pool_key.len, &r->conn, r->features, mc_now_ms());
    }
    mc_conn_close(&r->conn);
    mc_tls_ctx_free(r->ssl_ctx);
    free_replies(r);
    free(r->replies);
    mc_reply_reader_free(r->reader);
    mc_buf_free(&r->out);
    mc_buf_free(&r->features_key);
    mc_buf_free(&r->pool_key);
    if (r->owned[3] != NULL) {
        explicit_bzero(r->owned[3], strlen(r->owned[3]));  /* the password */
    }
    for (size_t i = 0; i < sizeof(r->owned) / sizeof(r->owned[0]); i++) {
        free(r->owned[i]);
    }
    free(r);
}

/* ---- command queue ------------------------------------------------------ */

/* Writes "<c><decimal v>\r\n" at p (room for 23 bytes); returns the end. */
static char *put_header(char *p, char c, size_t v)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[sizeof(digits) - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    *p++ = c;
    memcpy(p, digits + sizeof(digits) - n, n);
    p += n;
    *p++ = '\r';
    *p++ = '\n';
    return p;
}

/* The RESP form of one command, sized first and written in one pass (the
 * hot path of every call). */
static mc_status format_command(mc_buf *b, int argc, const char *const *argv, const size_t *argvlen)
{
    const size_t header = 23;           /* '$' or '*', up to 20 digits, CR LF */
    size_t need = header;
    for (int i = 0; i < argc; i++) {
        if (argvlen[i] > SIZE_MAX / 2 - need) {
            return MC_ERR_TOO_LARGE;
        }
        need += header + argvlen[i] + 2;
    }
    mc_status st = mc_buf_reserve(b, need);
    if (st != MC_OK) {
        return st;
    }
    char *p = put_header(b->data + b->len, '*', (size_t)argc);
    for (int i = 0; i < argc; i++) {
        p = put_header(p, '$', argvlen[i]);
        if (argvlen[i] > 0) {
            memcpy(p, argv[i], argvlen[i]);
            p += argvlen[i];
        }
        *p++ = '\r';
        *p++ = '\n';
    }
    b->len = (size_t)(p - b->data);
    return MC_OK;
}

mc_status mc_redis_append(mc_redis *r, int argc, const char *const *argv, const size_t *argvlen)
{
    if (argc < 1 || argv == NULL || argvlen == NULL) {
        return MC_ERR_ARG;
    }
    for (int i = 0; i < argc; i++) {
        if (argv[i] == NULL && argvlen[i] != 0) {
            return MC_ERR_ARG;
        }
    }
    size_t mark = r->out.len;
    mc_status st = format_command(&r->out, argc, argv, argvlen);
    if (st != MC_OK) {
        r->out.len = mark;      /* the queue stays as it was */
        return st;
    }
    r->pending++;
    return MC_OK;
}

/* Empties the command queue; a buffer grown by a large value is released
 * rather than kept for the life of the connection (PHP-FPM workers live long). */
static void clear_queue(mc_redis *r)
{
    if (r->out.cap > MC_REDIS_KEEP_OUT_BYTES) {
        mc_buf_free(&r->out);
    } else {
        mc_buf_clear(&r->out);
    }
    r->pending = 0;
}

const char *mc_redis_queued(const mc_redis *r, size_t *len)
{
    *len = r->out.len;
    return r->out.data;
}

mc_status mc_redis_append_formatted(mc_redis *r, const char *data, size_t len, size_t count)
{
    mc_status st = mc_buf_append(&r->out, data, len);
    if (st == MC_OK) {
        r->pending += count;
    }
    return st;
}

size_t mc_redis_pending(const mc_redis *r)
{
    return r->pending;
}

void mc_redis_discard(mc_redis *r)
{
    clear_queue(r);
    free_replies(r);
}

/* ---- I/O ---------------------------------------------------------------- */

static uint64_t timeout_ms(double seconds)
{
    if (!(seconds > 0)) {
        return 5000;
    }
    if (seconds > 86400.0) {
        seconds = 86400.0;
    }
    uint64_t ms = (uint64_t)(seconds * 1000.0 + 0.5);
    return ms ? ms : 1;
}

static mc_status push_reply(mc_redis *r, redisReply *reply)
{
    if (r->nreplies == r->replies_cap) {
        size_t cap = r->replies_cap ? r->replies_cap * 2 : 16;
        redisReply **p = realloc(r->replies, cap * sizeof(*p));
        if (p == NULL) {
            freeReplyObject(reply);
            return MC_ERR_NOMEM;
        }
        r->replies = p;
        r->replies_cap = cap;
    }
    r->replies[r->nreplies++] = reply;
    return MC_OK;
}

static const char *endpoint(const mc_redis *r, char *buf, size_t len)
{
    if (r->opts.transport == MC_REDIS_UNIX) {
        snprintf(buf, len, "unix:%s", r->opts.path ? r->opts.path : "");
    } else {
        snprintf(buf, len, "%s:%d", r->opts.host ? r->opts.host : "", r->opts.port);
    }
    return buf;
}

/* Writes data and reads replies until r->replies holds `expect` of them or
 * the deadline passes, writing and reading as the socket allows.
 * *got_bytes tells whether any reply byte arrived, *eof whether a failure
 * was the peer closing or resetting the connection. */
static mc_status pipeline_io(mc_redis *r, const char *data, size_t len, size_t expect,
                             uint64_t deadline, int *got_bytes, int *eof)
{
    char rbuf[MC_REDIS_READ_CHUNK];
    size_t off = 0;
    int wr_ready = 1, rd_ready = 0;
    short wr_want = POLLOUT, rd_want = POLLIN;
    *got_bytes = 0;
    *eof = 0;
    while (r->nreplies < expect) {
        int progress = 0;
        size_t n;
        short want = 0;
        mc_status st;
        if (off < len && wr_ready) {
            st = mc_conn_write(&r->conn, data + off, len - off, &n, &want, eof,
                               r->errstr, sizeof(r->errstr));
            if (st != MC_OK) {
                return st;
            }
            if (n > 0) {
                off += n;
                r->stats.bytes_sent += n;
                progress = 1;
            } else {
                wr_ready = 0;
                wr_want = want;
            }
        }
        if (rd_ready) {
            st = mc_conn_read(&r->conn, rbuf, sizeof(rbuf), &n, &want, eof,
                              r->errstr, sizeof(r->errstr));
            if (st != MC_OK) {
                return st;
            }
            if (n > 0) {
                *got_bytes = 1;
                r->stats.bytes_received += n;
                progress = 1;
                rd_ready = n == sizeof(rbuf) || mc_conn_pending(&r->conn) > 0;
                st = mc_reply_reader_feed(r->reader, rbuf, n);
                redisReply *reply = NULL;
                while (st == MC_OK && r->nreplies < expect) {
                    st = mc_reply_reader_get(r->reader, &reply);
                    if (st != MC_OK || reply == NULL) {
                        break;
                    }
                    st = push_reply(r, reply);
                }
                if (st != MC_OK) {
                    snprintf(r->errstr, sizeof(r->errstr), "reply: %s",
                             st == MC_ERR_NOMEM ? "out of memory" : mc_reply_reader_errstr(r->reader));
                    return st;
                }
            } else {
                rd_ready = 0;
                rd_want = want;
            }
        }
        int w = 0;
        if (r->nreplies >= expect) {
            break;
        }
        if (progress) {
            /* a server trickling bytes must not stretch the deadline */
            if (mc_now_ms() < deadline) {
                continue;
            }
        } else {
            short events = (short)(rd_want | (off < len ? wr_want : 0));
            w = mc_conn_wait(&r->conn, events, deadline, r->errstr, sizeof(r->errstr));
        }
        if (w == 0) {
            char ep[160];
            snprintf(r->errstr, sizeof(r->errstr), "%s %s timed out",
                     off < len ? "write to" : "read from", endpoint(r, ep, sizeof(ep)));
            return MC_ERR_TIMEOUT;
        }
        if (w < 0) {
            return MC_ERR_IO;
        }
        wr_ready = 1;
        rd_ready = 1;
    }
    if (off < len) {
        /* Redis answers early only when it rejects the request as a whole
         * (e.g. a bulk above proto-max-bulk-len) and then closes. */
        redisReply *last = r->replies[r->nreplies - 1];
        snprintf(r->errstr, sizeof(r->errstr), "server replied before the request was sent: %.*s",
                 last->type == REDIS_REPLY_ERROR ? (int)(last->len > 200 ? 200 : last->len) : 0,
                 last->type == REDIS_REPLY_ERROR ? last->str : "");
        return MC_ERR_PROTOCOL;
    }
    /* Anything beyond the expected replies means we lost sync with the server. */
    if (!mc_reply_reader_empty(r->reader)) {
        snprintf(r->errstr, sizeof(r->errstr), "reply: unexpected bytes after the last reply");
        return MC_ERR_PROTOCOL;
    }
    return MC_OK;
}

static void close_conn(mc_redis *r)
{
    mc_conn_close(&r->conn);
    r->from_pool = 0;
    r->streamed = 0;
}

/* AUTH, SELECT and READONLY, pipelined together in one round trip of their own (not
 * with the caller's commands: were SELECT refused, those would run against
 * database 0). */
static mc_status handshake(mc_redis *r, uint64_t deadline)
{
    const mc_redis_options *o = &r->opts;
    mc_buf hs = MC_BUF_INIT;
    size_t expect = 0;
    const char *names[4];       /* what each reply answers */
    mc_status st = MC_OK;
    char dbstr[16];
    if (o->password != NULL) {
        /* one allocation, so no realloc leaves a copy of the password behind */
        st = mc_buf_reserve(&hs, 96 + strlen(o->password) + (o->username ? strlen(o->username) : 0));
    }
    if (st == MC_OK && o->password != NULL) {
        const char *argv[3] = {"AUTH", o->username, o->password};
        size_t lens[3] = {4, o->username ? strlen(o->username) : 0, strlen(o->password)};
        if (o->username != NULL) {
            st = format_command(&hs, 3, argv, lens);
        } else {
            argv[1] = o->password;
            lens[1] = lens[2];
            st = format_command(&hs, 2, argv, lens);
        }
        names[expect++] = "AUTH";
    }
    if (st == MC_OK && o->database > 0) {
        snprintf(dbstr, sizeof(dbstr), "%d", o->database);
        const char *argv[2] = {"SELECT", dbstr};
        size_t lens[2] = {6, strlen(dbstr)};
        st = format_command(&hs, 2, argv, lens);
        names[expect++] = "SELECT";
    }
    if (st == MC_OK && o->readonly) {
        const char *argv[1] = {"READONLY"};
        size_t lens[1] = {8};
        st = format_command(&hs, 1, argv, lens);
        names[expect++] = "READONLY";
    }
    r->features = 0;
    unsigned known = 0;
    int recalled = o->probe_features
        && mc_features_recall(r->features_key.data, r->features_key.len, mc_now_ms(), &known);
    if (recalled) {
        r->features = known;
    }
    if (st == MC_OK && o->probe_features && !recalled) {
        const char *argv[3] = {"COMMAND", "INFO", "HPEXPIRE"};
        size_t lens[3] = {7, 4, 8};
        st = format_command(&hs, 3, argv, lens);
        names[expect++] = "COMMAND INFO";
    }
    if (st != MC_OK || expect == 0) {
        if (hs.data != NULL) {
            explicit_bzero(hs.data, hs.cap);
        }
        mc_buf_free(&hs);
        if (st != MC_OK) {
            snprintf(r->errstr, sizeof(r->errstr), "out of memory");
        }
        return st;
    }
    int got, eof;
    free_replies(r);
    st = pipeline_io(r, hs.data, hs.len, expect, deadline, &got, &eof);
    explicit_bzero(hs.data, hs.cap);    /* it held the password */
    mc_buf_free(&hs);
    for (size_t i = 0; st == MC_OK && i < r->nreplies; i++) {
        redisReply *rep = r->replies[i];
        if (strcmp(names[i], "COMMAND INFO") == 0) {
            /* [nil] for an unknown command; an error (COMMAND denied) says nothing */
            if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 && rep->element[0]->type == REDIS_REPLY_ARRAY) {
                r->features |= MC_REDIS_FIELD_TTL;
            }
            mc_features_remember(r->features_key.data, r->features_key.len, r->features, mc_now_ms());
            continue;
        }
        if (rep->type == REDIS_REPLY_ERROR) {
            snprintf(r->errstr, sizeof(r->errstr), "%s refused: %.*s", names[i],
                     (int)(rep->len > 200 ? 200 : rep->len), rep->str);
            st = MC_ERR_AUTH;
        } else if (rep->type != REDIS_REPLY_STATUS) {
            snprintf(r->errstr, sizeof(r->errstr), "unexpected reply to AUTH/SELECT");
            st = MC_ERR_PROTOCOL;
        }
    }
    free_replies(r);
    return st;
}

/* Takes an idle connection parked with the same settings (persistent): it
 * went through the TLS handshake and AUTH/SELECT/READONLY at its connect,
 * and brings the features found then.  1 if r now holds one. */
static int take_parked(mc_redis *r)
{
    unsigned features = 0;
    if (mc_reply_reader_reset(r->reader) != MC_OK
        || !mc_pool_take(r->pool_key.data, r->pool_key.len, &r->conn, &features, mc_now_ms())) {
        return 0;
    }
    free_replies(r);
    r->features = features;
    r->conn_pid = getpid();
    r->from_pool = 1;
    r->failures = 0;
    r->retry_at = 0;
    r->ever_connected = 1;
    r->last_ok_ms = mc_now_ms();    /* just checked: exec need not poll it again */
    r->stats.reused++;
    return 1;
}

/* Connects (first from the pool when persistent and allow_pool), with the
 * backoff of redis.h. */
static mc_status connect_now(mc_redis *r, int allow_pool)
{
    const mc_redis_options *o = &r->opts;
    char ep[160];
    uint64_t now = mc_now_ms();
    if (now < r->retry_at) {
        snprintf(r->errstr, sizeof(r->errstr),
                 "not reconnecting to %s for another %llu ms after a failed connect or a timeout",
                 endpoint(r, ep, sizeof(ep)), (unsigned long long)(r->retry_at - now));
        return MC_ERR_BACKOFF;
    }
    if (allow_pool && o->persistent && take_parked(r)) {
        return MC_OK;
    }
    mc_status st;
    if (o->transport == MC_REDIS_TLS && r->ssl_ctx == NULL) {
        /* Local set-up (files, OpenSSL's first initialisation), kept out of
         * the connect timeout; a bad CA or key file fails here, with no I/O. */
        mc_tls_config cfg = {o->tls.ca_file, o->tls.cert_file, o->tls.key_file,
                             o->tls.verify_peer};
        r->ssl_ctx = mc_tls_ctx_new(&cfg, r->errstr, sizeof(r->errstr));
        if (r->ssl_ctx == NULL) {
            return MC_ERR_TLS;  /* configuration: no backoff, nothing to wait for */
        }
    }
    uint64_t deadline = mc_now_ms() + timeout_ms(o->connect_timeout);
    if (mc_reply_reader_reset(r->reader) != MC_OK) {
        snprintf(r->errstr, sizeof(r->errstr), "out of memory");
        return MC_ERR_NOMEM;
    }
    free_replies(r);
    if (o->transport == MC_REDIS_UNIX) {
        st = o->path != NULL ? mc_conn_connect_unix(&r->conn, o->path, deadline,
                                                    r->errstr, sizeof(r->errstr))
                             : MC_ERR_ARG;
    } else if (o->host == NULL || o->port < 1 || o->port > 65535) {
        st = MC_ERR_ARG;
    } else {
        st = mc_conn_connect_tcp(&r->conn, o->host, o->port, deadline,
                                 r->errstr, sizeof(r->errstr));
    }
    if (st == MC_ERR_ARG) {
        snprintf(r->errstr, sizeof(r->errstr), "no host/port or socket path configured");
        return st;      /* a configuration error: no backoff, nothing to wait for */
    }
    if (st == MC_OK && o->transport == MC_REDIS_TLS) {
        const char *name = o->tls.server_name ? o->tls.server_name : o->host;
        st = mc_conn_start_tls(&r->conn, r->ssl_ctx, name, o->tls.verify_peer,
                               deadline, r->errstr, sizeof(r->errstr));
    }
    if (st == MC_OK) {
        st = handshake(r, deadline);
    }
    if (st != MC_OK) {
        close_conn(r);
        if (r->failures < 31) {
            r->failures++;
        }
        uint64_t wait = (uint64_t)MC_REDIS_BACKOFF_MIN_MS << (r->failures - 1);
        r->retry_at = mc_now_ms() + (wait > MC_REDIS_BACKOFF_MAX_MS ? MC_REDIS_BACKOFF_MAX_MS : wait);
        return st;
    }
    r->failures = 0;
    r->retry_at = 0;
    r->conn_pid = getpid();
    r->stats.connects++;
    if (r->ever_connected) {
        r->stats.reconnects++;
    }
    r->ever_connected = 1;
    return MC_OK;
}

mc_status mc_redis_connect(mc_redis *r)
{
    r->errstr[0] = '\0';
    if (r->conn.fd >= 0) {
        return MC_OK;
    }
    return connect_now(r, 1);
}

void mc_redis_no_resend(mc_redis *r)
{
    r->no_resend = 1;
}

redisReply **mc_redis_detach_replies(mc_redis *r, size_t *count)
{
    redisReply **replies = r->replies;
    *count = r->nreplies;
    r->replies = NULL;
    r->nreplies = 0;
    r->replies_cap = 0;
    return replies;
}

unsigned mc_redis_features(const mc_redis *r)
{
    return r->conn.fd >= 0 ? r->features : 0;
}

void mc_redis_forget_features(mc_redis *r)
{
    r->features = 0;
    if (r->features_key.len > 0) {
        mc_features_forget(r->features_key.data, r->features_key.len);
    }
}

int mc_redis_connected(const mc_redis *r)
{
    return r->conn.fd >= 0;
}

void mc_redis_close(mc_redis *r)
{
    close_conn(r);
}

/* A server that accepts connections but does not answer (stopped, hung,
 * a black hole) costs a whole read timeout per call: after one, calls fail
 * fast for the timeout (at least MC_REDIS_HUNG_MIN_MS), doubling while it
 * keeps timing out, capped at MC_REDIS_HUNG_MAX_MS; then one call tries. */
static void after_timeout(mc_redis *r)
{
    uint64_t base = timeout_ms(r->opts.read_timeout);
    base = base > MC_REDIS_HUNG_MIN_MS ? base : MC_REDIS_HUNG_MIN_MS;
    if (r->timeouts < 31) {
        r->timeouts++;
    }
    uint64_t wait = base << (r->timeouts - 1 < 16 ? r->timeouts - 1 : 16);
    r->retry_at = mc_now_ms() + (wait > MC_REDIS_HUNG_MAX_MS ? MC_REDIS_HUNG_MAX_MS : wait);
}

mc_status mc_redis_exec(mc_redis *r, redisReply ***replies, size_t *count)
{
    if (replies != NULL) {
        *replies = NULL;
    }
    if (count != NULL) {
        *count = 0;
    }
    free_replies(r);
    r->errstr[0] = '\0';
    if (r->pending == 0) {
        return MC_OK;
    }
    mc_status st = MC_OK;
    int counted = 0;
    uint64_t deadline = 0;
    for (int attempt = 0;; attempt++) {
        int reused = 0;
        if (r->conn.fd >= 0) {
            if (attempt == 0 && mc_now_ms() - r->last_ok_ms < MC_REDIS_FRESH_MS) {
                reused = 1;
            } else if (mc_conn_peer_closed(&r->conn)) {
                close_conn(r);      /* closed while idle: reconnect, not a failure */
            } else {
                reused = 1;
            }
        }
        if (r->conn.fd < 0) {
            /* the resend after a stale connection connects afresh */
            st = connect_now(r, attempt == 0);
            if (st != MC_OK) {
                break;
            }
            reused = r->from_pool;  /* idle since parked: may have been closed */
        }
        if (!counted) {
            counted = 1;
            r->stats.round_trips++;
            r->stats.commands += r->pending;
            deadline = mc_now_ms() + timeout_ms(r->opts.read_timeout);
        }
        int got = 0, eof = 0;
        st = pipeline_io(r, r->out.data, r->out.len, r->pending, deadline, &got, &eof);
        if (st == MC_OK) {
            break;
        }
        close_conn(r);
        free_replies(r);
        if (!(reused && eof && !got && attempt == 0) || r->no_resend) {
            break;
        }
        /* A connection the server had closed under us: resend once. */
    }
    clear_queue(r);
    r->no_resend = 0;
    if (st != MC_OK) {
        free_replies(r);
        r->stats.errors++;
        if (st == MC_ERR_TIMEOUT) {
            after_timeout(r);
        }
        return st;
    }
    r->timeouts = 0;
    r->last_ok_ms = mc_now_ms();
    if (replies != NULL) {
        *replies = r->nreplies ? r->replies : NULL;
    }
    if (count != NULL) {
        *count = r->nreplies;
    }
    return MC_OK;
}

/* ---- streaming (pub/sub) ------------------------------------------------ */

static mc_status write_all(mc_redis *r, const char *data, size_t len, uint64_t deadline)
{
    size_t off = 0;
    while (off < len) {
        size_t n;
        short want = 0;
        int eof;
        mc_status st = mc_conn_write(&r->conn, data + off, len - off, &n, &want, &eof,
                                     r->errstr, sizeof(r->errstr));
        if (st != MC_OK) {
            return st;
        }
        off += n;
        r->stats.bytes_sent += n;
        if (n == 0) {
            int w = mc_conn_wait(&r->conn, want, deadline, r->errstr, sizeof(r->errstr));
            if (w == 0) {
                char ep[160];
                snprintf(r->errstr, sizeof(r->errstr), "write to %s timed out",
                         endpoint(r, ep, sizeof(ep)));
                return MC_ERR_TIMEOUT;
            }
            if (w < 0) {
                return MC_ERR_IO;
            }
        }
    }
    return MC_OK;
}

static mc_status send_queued(mc_redis *r, int streaming)
{
    free_replies(r);
    r->errstr[0] = '\0';
    if (r->pending == 0) {
        return MC_OK;
    }
    mc_status st = MC_OK;
    if (streaming && r->conn.fd < 0) {
        snprintf(r->errstr, sizeof(r->errstr), "send: not connected");
        clear_queue(r);
        return MC_ERR_IO;
    }
    if (!streaming && r->conn.fd >= 0 && mc_conn_peer_closed(&r->conn)) {
        close_conn(r);
    }
    if (r->conn.fd < 0) {
        st = connect_now(r, 1);
    }
    if (st == MC_OK) {
        r->streamed = 1;        /* replies come later: never parked */
        r->stats.round_trips++;
        r->stats.commands += r->pending;
        st = write_all(r, r->out.data, r->out.len, mc_now_ms() + timeout_ms(r->opts.read_timeout));
        if (st != MC_OK) {
            close_conn(r);
        }
    }
    clear_queue(r);
    if (st != MC_OK) {
        r->stats.errors++;
    }
    return st;
}

mc_status mc_redis_send(mc_redis *r)
{
    return send_queued(r, 0);
}

mc_status mc_redis_send_more(mc_redis *r)
{
    return send_queued(r, 1);
}

/* mc_redis_receive and _now.  *readable: in, whether to read before
 * waiting; out, whether a read may find more without waiting (the last
 * read filled the buffer). */
static mc_status receive(mc_redis *r, int wake_fd, uint64_t deadline, int *readable, redisReply **reply)
{
    *reply = NULL;
    r->errstr[0] = '\0';
    int rd_ready = *readable || mc_conn_pending(&r->conn) > 0;
    *readable = 0;
    if (r->conn.fd < 0) {
        snprintf(r->errstr, sizeof(r->errstr), "receive: not connected");
        return MC_ERR_IO;
    }
    char rbuf[MC_REDIS_READ_CHUNK];
    short rd_want = POLLIN;
    mc_status st;
    for (;;) {
        redisReply *rep = NULL;
        st = mc_reply_reader_get(r->reader, &rep);
        if (st != MC_OK) {
            snprintf(r->errstr, sizeof(r->errstr), "reply: %s", mc_reply_reader_errstr(r->reader));
            break;
        }
        if (rep != NULL) {
            *reply = rep;
            *readable = rd_ready;
            return MC_OK;
        }
        if (rd_ready) {
            size_t n;
            short want = 0;
            int eof;
            st = mc_conn_read(&r->conn, rbuf, sizeof(rbuf), &n, &want, &eof,
                              r->errstr, sizeof(r->errstr));
            if (st != MC_OK) {
                break;
            }
            if (n > 0) {
                r->stats.bytes_received += n;
                rd_ready = n == sizeof(rbuf) || mc_conn_pending(&r->conn) > 0;
                st = mc_reply_reader_feed(r->reader, rbuf, n);
                if (st != MC_OK) {
                    snprintf(r->errstr, sizeof(r->errstr), "reply: %s", mc_reply_reader_errstr(r->reader));
                    break;
                }
                continue;
            }
            rd_ready = 0;
            rd_want = want;
        }
        int w = mc_conn_wait_or_wake(&r->conn, rd_want, wake_fd, deadline, r->errstr, sizeof(r->errstr));
        if (w == 0 || w == 2) {
            return MC_OK;
        }
        if (w < 0) {
            st = MC_ERR_IO;
            break;
        }
        rd_ready = 1;
    }
    close_conn(r);
    r->stats.errors++;
    return st;
}

mc_status mc_redis_receive(mc_redis *r, int wake_fd, uint64_t deadline, redisReply **reply)
{
    int readable = 0;
    return receive(r, wake_fd, deadline, &readable, reply);
}

mc_status mc_redis_receive_now(mc_redis *r, int *readable, redisReply **reply)
{
    return receive(r, -1, 0, readable, reply);
}

int mc_redis_fd(const mc_redis *r)
{
    return r->conn.fd;
}

const char *mc_redis_errstr(const mc_redis *r)
{
    return r->errstr;
}

const mc_redis_stats *mc_redis_get_stats(const mc_redis *r)
{
    return &r->stats;
}

void mc_redis_reply_free(redisReply *reply)
{
    if (reply != NULL) {
        freeReplyObject(reply);
    }
}
