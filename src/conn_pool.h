/*
 * conn_pool.h - idle server connections kept by the process for the next
 * client with the same settings (persistent connections, as phpredis's
 * pconnect).  A PHP-FPM request frees its store at its end; the next
 * request's store then skips the connect, TLS handshake and AUTH/SELECT
 * round trips.
 *
 * An entry is keyed by a byte string naming everything that makes one
 * connection's state differ from another's (mc_redis builds it: endpoint,
 * user, a digest of the password, database, TLS settings, READONLY), so a
 * connection is never handed to a client of another user or database.
 *
 * Liveness: a connection is taken only if it is idle and sound
 * (mc_conn_idle_usable: no hangup, nothing unread), checked without a round
 * trip, and parked less than MC_POOL_MAX_IDLE_MS ago; others met on the way
 * are closed.  One the server closes later
 * still fails at its first use, which mc_redis resends on a fresh one.
 *
 * Fork: an entry remembers the pid that parked it.  A process that inherited
 * the pool over fork() (pcntl_fork, a PHP-FPM master's children) never uses
 * such a connection: it closes its copy of the descriptor without sending a
 * byte (for TLS, no close_notify), leaving the parent's connection intact.
 *
 * Bounds: MC_POOL_PER_KEY idle connections per key and MC_POOL_MAX in all;
 * the longest parked makes room.  Thread-safe (a mutex).
 */
#ifndef MC_CONN_POOL_H
#define MC_CONN_POOL_H

#include <stddef.h>
#include <stdint.h>
#include "transport.h"

#define MC_POOL_PER_KEY 4
#define MC_POOL_MAX 32
/* A connection idle longer is closed, not reused: a firewall, NAT or load
 * balancer may have dropped it without a FIN (AWS NAT: 350 s, Azure LB:
 * 4 min), which only a read timeout would reveal. */
#define MC_POOL_MAX_IDLE_MS 120000

/* Parks *conn under key (key_len bytes, copied) at now_ms (mc_now_ms) with
 * the server's features as found at its connect.  Takes ownership: on
 * return *conn is closed (MC_CONN_INIT); out of memory, the connection is
 * closed instead. */
void mc_pool_put(const char *key, size_t key_len, mc_conn *conn, unsigned features, uint64_t now_ms);

/* Moves the most recently parked usable connection under key into *conn
 * (closed on entry) and its features into *features: 1; 0 when none (then
 * *conn is untouched).  Entries of another process are closed and dropped,
 * and so are those under key found dead or idle too long at now_ms. */
int mc_pool_take(const char *key, size_t key_len, mc_conn *conn, unsigned *features, uint64_t now_ms);

/* Idle connections held now (all keys). */
size_t mc_pool_size(void);

/* Closes every idle connection (module shutdown, tests). */
void mc_pool_clear(void);

#endif
