/*
 * node_stats.h - MoodleCache\nodeStats() and what feeds it: each
 * RedisStore's identity gets an entry of the node's shared table
 * (src/nodestats.h) when it is constructed, and adds what it did since its
 * last flush when it is freed, when stats() is called, and every
 * MC_NODE_STATS_EVERY calls in between (a long CLI run).
 */
#ifndef MC_NODE_STATS_H
#define MC_NODE_STATS_H

#include "php.h"
#include "buf.h"
#include "nodestats.h"
#include "redis.h"

#define MC_NODE_STATS_EVERY 256

typedef struct mc_redis_store mc_redis_store;

void mc_node_stats_minit(void);
void mc_node_stats_mshutdown(void);

/* The store's identity into out: everything that decides what it may read
 * (server, database, prefix, user, a SHA-256 of the password, TLS
 * settings, near-cache options).  The near cache keys its channels by it. */
bool mc_store_identity(mc_redis_store *store, const mc_redis_options *conn, mc_buf *out);

/* At construction, after store->ident is set. */
void mc_node_stats_register(mc_redis_store *store, const mc_redis_options *conn);
/* The near-cache channel of the store's identity (for nodeStats()). */
void mc_node_stats_set_channel(mc_redis_store *store, uint32_t channel);
/* Adds what the store did since its last flush. */
void mc_node_stats_flush(mc_redis_store *store);

#endif
