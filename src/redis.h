/*
 * redis.h - one connection to a Redis/Valkey server, used as a pipeline.
 *
 * Callers queue commands with mc_redis_append (formatted into an output
 * buffer at once, no I/O) and run them with mc_redis_exec, which writes them
 * all and reads one reply per command: one network round trip for any number
 * of commands.  Replies are parsed by hiredis's reader (works with hiredis
 * 0.14 and 1.x) behind a bounded RESP2 framer of ours (reply.h); transport is
 * our own (transport.h): TCP (TCP_NODELAY), Unix socket, or TLS through
 * OpenSSL; non-blocking connect with a timeout; poll()-based read/write
 * deadline, writing and reading at the same time; never raises SIGPIPE.
 * AUTH (user + password), SELECT, READONLY and the feature probe
 * (COMMAND INFO) run after each connect, pipelined together in a round trip
 * of their own within the connect timeout: not ahead of the caller's
 * commands, which would run in database 0 if SELECT were refused.
 *
 * Failure policy (the PHP layer turns failures into misses):
 * - Any I/O, timeout or protocol error closes the connection; the next exec
 *   reconnects.  After a failed connect (refused, timeout, TLS, or AUTH/
 *   SELECT refused), execs within the backoff window fail fast with
 *   MC_ERR_BACKOFF and do no I/O.  The window grows from
 *   MC_REDIS_BACKOFF_MIN_MS, doubling per consecutive failure, capped at
 *   MC_REDIS_BACKOFF_MAX_MS, and resets on a successful connect.
 * - After a call timed out (a server that accepts connections but does not
 *   answer: stopped, hung, a black hole), calls fail fast the same way for
 *   the read timeout (at least MC_REDIS_HUNG_MIN_MS), doubling per
 *   consecutive timeout up to MC_REDIS_HUNG_MAX_MS, so a page against a
 *   hung server costs about one timeout, not one per call.
 * - Persistent (opts.persistent): a connect first takes an idle connection
 *   parked by an earlier client with the same endpoint, credentials,
 *   database and TLS settings (conn_pool.h): no connect, TLS or AUTH/SELECT
 *   round trip; the features found at its connect come with it.
 * - Before sending on a reused connection, a peer close already visible
 *   (FIN/RST, checked with poll) means a silent reconnect.  A reused
 *   connection that still turns out closed (EOF/EPIPE/ECONNRESET before any
 *   reply byte arrived; for one from the pool, at its first use) is
 *   reconnected (afresh, not from the pool) and the pipeline resent once, within
 *   the same exec - unless the caller said the pipeline must not run twice
 *   (mc_redis_no_resend): the server may have run it before closing.
 * - Replies are bounded: a bulk above MC_REDIS_MAX_REPLY_BYTES fails with
 *   MC_ERR_TOO_LARGE at its header, before it is buffered; see reply.h for
 *   the bounds on arrays and lines.  Bytes beyond the expected replies
 *   (lost sync) are MC_ERR_PROTOCOL.
 * - An error reply (-ERR ...) is not a connection failure: the reply is
 *   returned with type REDIS_REPLY_ERROR and exec still returns MC_OK.
 */
#ifndef MC_REDIS_H
#define MC_REDIS_H

#include <stddef.h>
#include <stdint.h>
#include <hiredis/hiredis.h>
#include "status.h"

#define MC_REDIS_BACKOFF_MIN_MS 20
#define MC_REDIS_BACKOFF_MAX_MS 1000
#define MC_REDIS_HUNG_MIN_MS 1000
#define MC_REDIS_HUNG_MAX_MS 30000
#define MC_REDIS_MAX_REPLY_BYTES ((size_t)1 << 30) /* largest bulk reply accepted */

typedef enum mc_redis_transport {
    MC_REDIS_TCP = 0,
    MC_REDIS_TLS = 1,
    MC_REDIS_UNIX = 2
} mc_redis_transport;

typedef struct mc_redis_tls_options {
    const char *ca_file;      /* NULL: the system's default CA store */
    const char *cert_file;    /* client certificate, optional */
    const char *key_file;     /* its key, optional */
    const char *server_name;  /* SNI and name to verify; NULL: host */
    int verify_peer;          /* 1 (default) verifies chain and name */
} mc_redis_tls_options;

typedef struct mc_redis_options {
    mc_redis_transport transport;
    const char *host;         /* TCP/TLS */
    int port;                 /* TCP/TLS */
    const char *path;         /* Unix socket */
    const char *username;     /* NULL: AUTH with password only (or none) */
    const char *password;     /* NULL: no AUTH */
    int database;             /* SELECT when > 0 */
    double connect_timeout;   /* seconds; <= 0 means 5 */
    double read_timeout;      /* seconds, per exec (one deadline for all its
                                 writes and reads); <= 0 means 5 */
    mc_redis_tls_options tls;
    int readonly;             /* 1: READONLY after each connect (reads on a
                                 Redis Cluster replica) */
    int probe_features;       /* 1: ask the server at connect what it
                                 can do (mc_redis_features), unless the
                                 process asked it lately (server_features.h) */
    int persistent;           /* 1: mc_redis_free parks a sound connection
                                 in the process's pool (conn_pool.h) and a
                                 connect takes one with the same settings
                                 from it before connecting */
} mc_redis_options;

/* What a server offers, as found at connect (probe_features). */
#define MC_REDIS_FIELD_TTL 1u     /* hash-field expiry: HPEXPIRE, HEXPIREAT, HPTTL (Redis 7.4+, Valkey 9+) */

typedef struct mc_redis_stats {
    uint64_t round_trips;     /* execs that did I/O (a resend is not counted again) */
    uint64_t commands;        /* commands sent (not counting AUTH/SELECT or a resend) */
    uint64_t bytes_sent;      /* every byte, AUTH/SELECT and resends included */
    uint64_t bytes_received;
    uint64_t connects;        /* successful connects, first included */
    uint64_t reconnects;      /* successful connects after the first
                                 (a connection reused from the pool counts
                                 as the first) */
    uint64_t reused;          /* connections taken from the pool (persistent),
                                 not counted in connects */
    uint64_t errors;          /* execs that failed */
} mc_redis_stats;

typedef struct mc_redis mc_redis;

/* Parses "tcp://host:port", "tls://host:port", "unix:///path", also
 * "[::1]:6379" forms and a bare "host" or "host:port" (tcp, port 6379).
 * Fills transport/host/port/path of opts with pointers into *storage, a
 * malloc'd copy the caller frees with free().  MC_ERR_ARG for a malformed
 * URI or port out of 1..65535. */
mc_status mc_redis_parse_uri(const char *uri, mc_redis_options *opts, char **storage);

/* Creates a disconnected client; copies every string of opts.  No I/O.
 * NULL when out of memory.  Free with mc_redis_free. */
mc_redis *mc_redis_create(const mc_redis_options *opts);
/* Closes and frees; accepts NULL.  With opts.persistent, an open connection
 * that is in sync (every reply read, never used for streaming) is parked in
 * the process's pool instead of closed, if this process opened it (not a
 * copy inherited over fork()); whether it is still sound is checked when a
 * connect takes it. */
void mc_redis_free(mc_redis *r);

/* Queues one command (argv form, binary safe); argv may be freed afterwards. */
mc_status mc_redis_append(mc_redis *r, int argc, const char *const *argv, const size_t *argvlen);
/* Number of commands queued and not yet executed. */
size_t mc_redis_pending(const mc_redis *r);
/* Drops queued commands without sending them. */
void mc_redis_discard(mc_redis *r);

/* The queued commands as RESP bytes (*len of them), valid until the next
 * append, exec or discard: a cluster client resends them elsewhere. */
const char *mc_redis_queued(const mc_redis *r, size_t *len);
/* Queues count commands already in RESP form (as mc_redis_queued gives). */
mc_status mc_redis_append_formatted(mc_redis *r, const char *data, size_t len, size_t count);

/* Sends every queued command and reads their replies (see policy above).
 * On MC_OK *replies (may be NULL if count is 0) holds `count` replies in
 * command order, owned by r and valid until the next exec, discard or free.
 * On failure the queue is emptied, no replies are returned, and the reason
 * is in mc_redis_errstr. */
mc_status mc_redis_exec(mc_redis *r, redisReply ***replies, size_t *count);

/* Connects now if not connected (exec does this by itself): MC_OK, a
 * connect failure, MC_ERR_BACKOFF, or MC_ERR_ARG without host/path. */
mc_status mc_redis_connect(mc_redis *r);
/* 1 while a connection is open. */
int mc_redis_connected(const mc_redis *r);
/* MC_REDIS_* bits of the open connection's server (0 when closed, not
 * probed, or the server refused COMMAND INFO).  Found in the connect's own
 * round trip, with AUTH and SELECT (none when the process asked this server
 * within the last minute): no round trip on the data path. */
unsigned mc_redis_features(const mc_redis *r);
/* The server answered "unknown command" to a feature: not trusted any more,
 * on this connection and in the process (asked again at the next connect). */
void mc_redis_forget_features(mc_redis *r);
/* Closes the connection.  Not a failure: it starts no backoff window (one
 * already running still applies). */
void mc_redis_close(mc_redis *r);

/* The last failure in words ("connect to 127.0.0.1:6379: Connection refused");
 * "" when none.  Valid until the next call on r. */
const char *mc_redis_errstr(const mc_redis *r);
const mc_redis_stats *mc_redis_get_stats(const mc_redis *r);

/* The commands queued now must not be sent twice (a lock acquire): the
 * next exec fails rather than resend them after a close it cannot tell
 * from "not run".  Cleared by that exec. */
void mc_redis_no_resend(mc_redis *r);

/* Takes the replies of the last exec out of r: the caller owns the array
 * (free()) and each reply (mc_redis_reply_free); r keeps none.  For a
 * caller that must keep them across another exec on r. */
redisReply **mc_redis_detach_replies(mc_redis *r, size_t *count);

/* Frees a reply tree the caller owns (not those returned by exec). */
void mc_redis_reply_free(redisReply *reply);

/* Streaming, for a connection in pub/sub mode (src/tracking.c).
 * mc_redis_send connects if needed and writes the queued commands without
 * reading replies.  mc_redis_receive returns the next reply from the
 * stream in *reply (caller frees with mc_redis_reply_free), or MC_OK with
 * *reply NULL when the deadline (monotonic ms) passed or wake_fd (-1 for
 * none) became readable.  Failures close the connection.  A send counts as
 * one round trip in the stats; received bytes are bounded as for exec. */
mc_status mc_redis_send(mc_redis *r);
/* The same on a connection whose stream is open (subscribed): replies
 * waiting to be read are the stream's, not strays, so the connection is
 * kept as it is (mc_redis_send would start a new one, unsubscribed).
 * Fails, closing nothing, when it is not connected. */
mc_status mc_redis_send_more(mc_redis *r);
mc_status mc_redis_receive(mc_redis *r, int wake_fd, uint64_t deadline, redisReply **reply);
/* The next reply already buffered, or readable without waiting, or MC_OK
 * with *reply NULL; failures as above.  Never waits.  *readable: in,
 * whether the caller's poll found the socket readable (else only buffered
 * replies are returned, without a read that would find nothing); out,
 * whether another read may find more at once.  Pass it back unchanged
 * through one drain. */
mc_status mc_redis_receive_now(mc_redis *r, int *readable, redisReply **reply);
/* The socket of the open connection, -1 when closed (for poll()). */
int mc_redis_fd(const mc_redis *r);

#endif
