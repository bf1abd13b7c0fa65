/*
 * tracking.h - the listener that keeps a near-cache channel coherent with
 * Redis through client-side caching (CLIENT TRACKING), RESP2 form.
 *
 * Approach: one listener per channel per node, elected through the shared
 * memory (mc_nc_lease_take: whoever locks the channel's robust liveness
 * mutex).  It runs in a background pthread of whichever process won, owns
 * one connection, and touches only nearcache.h structures (never PHP's):
 *
 *   CLIENT ID                                   -> its own id
 *   CLIENT TRACKING on REDIRECT <id> BCAST PREFIX <prefix>
 *   SUBSCRIBE __moodlecache__:sync:<node>:<chan> (sync barrier tickets)
 *   SUBSCRIBE __redis__:invalidate              -> ready: flush, then trust
 *
 * BCAST: every write under the prefix, from any client of any node, is
 * announced, which a cache shared by many workers needs (in default mode
 * the server only reports keys this connection read).  Redirecting to the
 * connection itself works because RESP2 invalidations are Pub/Sub messages
 * to a subscribed client; those sent before SUBSCRIBE completes are lost,
 * which is harmless: the channel is flushed when the subscription is
 * confirmed and nothing is trusted before.  Each reported key is applied
 * by its shape (src/nckey.h): a definition's hash "{P:D}" invalidates the
 * definition's group, "{P:D}:<key>" that key, "{P:D}#..." (TTL index,
 * locks) nothing.  A nil payload (FLUSHALL / FLUSHDB) flushes the channel.  Any failure or close marks the channel
 * not ready (flushed) and the listener reconnects after a short pause.
 * It beats the channel's heartbeat at least every MC_NC_HEARTBEAT_MS.
 *
 * The thread starts with every signal blocked (signals stay with PHP's
 * thread).  Stopping it wakes it through a pipe and joins it.
 */
#ifndef MC_TRACKING_H
#define MC_TRACKING_H

#include <stddef.h>
#include <stdint.h>
#include "nearcache.h"
#include "redis.h"
#include "status.h"

typedef struct mc_tracking mc_tracking;

/* Starts a candidate listener for chan of nc, connecting with opts (every
 * string copied) and tracking keys that start with prefix[0..prefix_len).
 * The thread exits at once when another listener holds the channel.
 * MC_ERR_NOMEM when memory, the pipe or the thread cannot be had. */
mc_status mc_tracking_start(mc_nc *nc, uint32_t chan, const mc_redis_options *opts,
                            const char *prefix, size_t prefix_len, mc_tracking **out);

/* 1 while the thread runs (a candidate that lost, or a listener that
 * stopped, returns 0). */
int mc_tracking_running(const mc_tracking *t);

/* Stops the thread (it releases the channel: not ready, flushed), joins
 * and frees.  Accepts NULL. */
void mc_tracking_stop(mc_tracking *t);

/* Drops t without touching the thread: for a forked child, in which the
 * thread does not exist.  Frees nothing the parent's thread may use
 * (the memory is the child's copy and is simply leaked).  Accepts NULL. */
void mc_tracking_forget(mc_tracking *t);

/* The name of the sync channel of a node's channel, into out. */
mc_status mc_tracking_sync_channel(mc_buf *out, uint64_t node_id, uint32_t chan);

#endif
