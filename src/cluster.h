/*
 * cluster.h - Redis Cluster routing for RedisStore: the slot map, one
 * mc_redis connection per node, and redirects.
 *
 * The slot map comes from CLUSTER SLOTS on any reachable node (seeds first,
 * then every node learnt).  It is loaded at the first call, and again when
 * marked stale: after a MOVED redirect, a failed exec on a node (its master
 * may be failing over) or a CLUSTERDOWN reply; a stale map is reloaded at
 * most every MC_CLUSTER_REFRESH_MS, so a dead master costs no extra round
 * trips while its connection is in backoff.
 *
 * RedisStore puts every key of one (prefix, definition) in one slot (the
 * hash tag of layout.h), so a call's pipeline always goes to one node.
 * mc_cluster_exec runs it there and follows redirects, at most
 * MC_CLUSTER_MAX_REDIRECTS: MOVED resends the pipeline to the named node
 * (and records that node for the slot), ASK resends it with ASKING before
 * each command, TRYAGAIN (a multi-key command during a slot migration)
 * resends after MC_CLUSTER_TRYAGAIN_MS.  With read_from_replicas, a
 * pipeline of reads only (GET, MGET, EXISTS, HGET, HMGET, HKEYS, HPTTL,
 * EVAL_RO, EVALSHA_RO) goes to
 * a replica of the slot (connections then send READONLY after connecting).
 *
 * Replies are parsed by mc_cluster_parse_slots, which takes a reply tree and
 * owns no socket, so it can be fuzzed; it bounds what it accepts.
 */
#ifndef MC_CLUSTER_H
#define MC_CLUSTER_H

#include <stddef.h>
#include <hiredis/hiredis.h>
#include "redis.h"
#include "status.h"

#define MC_CLUSTER_SLOTS 16384
#define MC_CLUSTER_MAX_REDIRECTS 5
#define MC_CLUSTER_TRYAGAIN_MS 20
#define MC_CLUSTER_REFRESH_MS 100
#define MC_CLUSTER_MAX_NODES 1000

/* ---- the slot map as CLUSTER SLOTS gives it (pure data) ------------------ */

typedef struct mc_cluster_endpoint {
    char *host;               /* owned */
    int port;
} mc_cluster_endpoint;

typedef struct mc_cluster_range {
    unsigned start, end;      /* slots start..end, inclusive */
    size_t first, count;      /* endpoints[first] is the master, then replicas */
} mc_cluster_range;

typedef struct mc_cluster_map {
    mc_cluster_range *ranges;
    size_t nranges;
    mc_cluster_endpoint *endpoints;
    size_t nendpoints;
} mc_cluster_map;

/* Parses a CLUSTER SLOTS reply into map (zeroed first).  An endpoint whose
 * host is "" or "?" (the node that answered, in Redis 7) gets default_host.
 * MC_ERR_PROTOCOL for anything not shaped like CLUSTER SLOTS: slots out of
 * 0..16383 or start > end, a port out of 1..65535, a host with spaces or
 * control bytes, more than MC_CLUSTER_MAX_NODES endpoints in a range;
 * MC_ERR_NOMEM.  On error map is empty.  Free with mc_cluster_map_free. */
mc_status mc_cluster_parse_slots(const redisReply *reply, const char *default_host, mc_cluster_map *map);
/* Frees what map holds and empties it; accepts NULL. */
void mc_cluster_map_free(mc_cluster_map *map);

/* The slot of key: CRC16 (XMODEM) of the key, or of the part between the
 * first '{' and the next '}' when that part is not empty, mod 16384. */
unsigned mc_cluster_key_slot(const char *key, size_t len);

/* Parses "MOVED 3999 127.0.0.1:6381" / "ASK ..." error text: the slot,
 * host (malloc'd, caller frees) and port.  1 on success, 0 if not one. */
int mc_cluster_parse_redirect(const char *text, size_t len, int *ask, unsigned *slot,
                              char **host, int *port);

/* ---- the client ---------------------------------------------------------- */

typedef struct mc_cluster mc_cluster;

/* A client for seeds hosts[i]:ports[i] (n >= 1); every node connection is
 * made from tmpl (transport, AUTH, TLS, timeouts; its host/port/path and
 * database are ignored).  Copies everything it keeps.  No I/O.  NULL when
 * out of memory or n is 0. */
mc_cluster *mc_cluster_create(const mc_redis_options *tmpl, const char *const *hosts, const int *ports,
                              size_t n, int read_from_replicas);
/* Closes every connection and frees; accepts NULL. */
void mc_cluster_free(mc_cluster *c);

/* The first seed's connection (no I/O): a store's connection before its first call. */
mc_redis *mc_cluster_seed(mc_cluster *c);

/* The connection of the master of slot (loading or reloading the map first
 * if needed; a failure to do so is not reported here).  Without a map, a
 * seed's connection: its redirect then teaches the map.  Never NULL. */
mc_redis *mc_cluster_node(mc_cluster *c, unsigned slot);

/* Runs the commands queued on *conn (a connection of this cluster) and
 * follows redirects; *conn is then the connection that answered (its
 * mc_redis_errstr explains a failure).  Results as mc_redis_exec; the
 * replies stay valid until the next call on c. */
mc_status mc_cluster_exec(mc_cluster *c, mc_redis **conn, redisReply ***replies, size_t *count);

/* The connections of every master (reloading a stale map first): *out holds
 * them, valid until the next call on c.  Returns how many. */
size_t mc_cluster_masters(mc_cluster *c, mc_redis ***out);

/* Loads the slot map now.  MC_OK, or the last node's failure. */
mc_status mc_cluster_refresh(mc_cluster *c);

/* Stats summed over every node's connection. */
void mc_cluster_stats(const mc_cluster *c, mc_redis_stats *sum);

/* Times the map was loaded, redirects followed (MOVED, ASK, TRYAGAIN). */
typedef struct mc_cluster_counters {
    uint64_t refreshes;
    uint64_t moved;
    uint64_t ask;
    uint64_t tryagain;
} mc_cluster_counters;
const mc_cluster_counters *mc_cluster_get_counters(const mc_cluster *c);

#endif
