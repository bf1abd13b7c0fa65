/*
 * listener.h - the thread that keeps one near-cache channel coherent with
 * Redis, with nothing but Pub/Sub and plain commands (no CLIENT TRACKING,
 * which managed services may refuse and which reports whole hashes).
 *
 * One listener per channel per node, elected through the shared memory
 * (mc_nc_lease_take: whoever locks the channel's robust liveness mutex).
 * It runs in a background pthread of whichever process won, touches only
 * nearcache.h structures (never PHP's), and for every target - the server,
 * or each master of a Redis Cluster - holds two connections:
 *
 *   sub    SUBSCRIBE <announce channel> <node's sync channel>, and on a
 *          standalone server every other node's own channel (quiet.h)
 *          applies each store's announcements (announce.h): keys, a
 *          definition, or the whole prefix; and sees sync tickets.
 *   probe  every MC_NC_PROBE_MS, one pipeline:
 *            SET <epoch key> <random> NX GET   (every 2nd round) the prefix's
 *                                              epoch: missing or changed =
 *                                              FLUSHALL/FLUSHDB, a restart
 *                                              without data, or a hand-made
 *                                              change: flush
 *            INFO server / INFO replication    (every 5th round) run_id and
 *                                              master_replid: a restart or a
 *                                              failover: flush
 *            CLUSTER SLOTS                     (cluster, every 5th round, on
 *                                              the first target) topology
 *                                              changed: flush, start over
 *            PUBSUB NUMSUB, and the node list  (standalone, every 2nd and
 *                                              every 10th round) quiet
 *                                              announcements (quiet.h)
 *            PUBLISH <sync channel> <ticket>:<target>
 *
 * A round a worker's sync asked for carries every check.  The probes are a
 * fixed cost per node and prefix: 10 PUBLISH, 2 SET, 4 INFO, 5 PUBSUB and
 * 3 commands on the node list a second.  A session trusts nothing until
 * MC_NC_QUIET_MS after its subscriptions were confirmed (quiet.h).
 *
 * A round is complete when every target answered and its ticket came back
 * on that target's sub connection: then every announcement Redis executed
 * before the round was sent has been applied, and the round's send time
 * becomes the channel's heartbeat (mc_nc_heartbeat).  Readers trust the
 * channel only while that proof is under MC_NC_STALE_MS old, so a
 * connection that goes silent without a reset (a partition, a proxy that
 * stops forwarding) is distrusted within MC_NC_STALE_MS; a round not
 * complete after MC_LISTENER_ROUND_TIMEOUT_MS ends the session.
 *
 * In a cluster, PUBLISH reaches every node's subscribers over the cluster
 * bus, so each sub connection sees every announcement (applied again:
 * invalidation is idempotent) but only counts its own target's tickets:
 * delivery from a master to a subscriber connected to it needs no bus.
 *
 * Writes by other programs under the prefix (a raw HSET, a DEL by hand)
 * send no announcement.  With foreign_writes, the sub connections also
 * PSUBSCRIBE __keyspace@<db>__:{<prefix>:* and every event on a
 * definition's hash drops that whole definition (the event does not say
 * which field; our own writes cause events too, so the near cache then
 * works per definition, not per key).  The first round writes and deletes
 * a probe key; if its two events (hset, del) do not come back, the server
 * does not send keyspace notifications for hashes and generic commands
 * (notify-keyspace-events needs K, h and g): a refusal.
 *
 * Woken by traffic, the thread waits MC_LISTENER_LINGER_US before reading
 * when its last wake-up applied two announcements or more or came less
 * than that long ago, so a burst of writes costs it one wake-up, not one
 * per write (every announcement on the shared channel reaches every node);
 * invalidations are applied that much later, and nearCacheSync still
 * waits for them.  Otherwise it reads at once: with writes far apart a
 * wait only adds a second wake-up (a timer) to each.  1 ms rather than
 * 200 µs halved the PHP side's CPU added per write behind a network
 * delay (latency suite, 8 processes: 1.31-1.45x to 1.11-1.12x), with the
 * same throughput.
 *
 * Any session's end (failure, topology change, stop) marks the channel
 * not ready, which flushes it; the next session flushes again when its
 * subscriptions are confirmed.  An error reply (ACL NOPERM, an unknown
 * command) is a refusal: recorded in the shared memory for workers to
 * report, and the next attempt waits 1 s, doubling to 60 s (also across
 * listener threads: the wait is kept in the shared memory).  A network
 * failure, or a "not now" error (LOADING, READONLY, MOVED, CLUSTERDOWN...),
 * waits 100 ms, doubling to 2 s.
 *
 * The thread starts with every signal blocked.  Stopping it wakes it
 * through a pipe and joins it.
 */
#ifndef MC_LISTENER_H
#define MC_LISTENER_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "nearcache.h"
#include "redis.h"
#include "status.h"

#define MC_LISTENER_ROUND_TIMEOUT_MS 1000
#define MC_LISTENER_SETUP_TIMEOUT_MS 5000
#define MC_LISTENER_REFUSED_MIN_MS 1000
#define MC_LISTENER_REFUSED_MAX_MS 60000
#define MC_LISTENER_RETRY_MIN_MS 100
#define MC_LISTENER_RETRY_MAX_MS 2000
#define MC_LISTENER_MAX_TARGETS 64
#define MC_LISTENER_LINGER_US 1000 /* a wake-up in a burst waits this long for more messages */

typedef struct mc_listener mc_listener;

/* How long a wake-up by traffic waits before reading (µs), when the
 * previous one applied `applied` announcements and came since_last_us ago. */
long mc_listener_linger_us(uint64_t applied, uint64_t since_last_us);

typedef struct mc_listener_config {
    const mc_redis_options *conn;   /* the server; in a cluster the template of every node */
    const char *const *seed_hosts;  /* cluster seeds (nseeds > 0 means cluster mode) */
    const int *seed_ports;
    size_t nseeds;
    const char *prefix;             /* the store's prefix, raw */
    size_t prefix_len;
    int database;
    int foreign_writes;             /* also follow keyspace notifications (see above) */
} mc_listener_config;

/* Starts a candidate listener for chan of nc (every string of cfg copied).
 * The thread exits at once when another listener holds the channel.
 * MC_ERR_NOMEM when memory, the pipe or the thread cannot be had. */
mc_status mc_listener_start(mc_nc *nc, uint32_t chan, const mc_listener_config *cfg, mc_listener **out);

/* 1 while the thread runs (a candidate that lost returns 0). */
int mc_listener_running(const mc_listener *l);

/* Stops the thread (the channel is released: not ready, flushed), joins
 * and frees.  Accepts NULL. */
void mc_listener_stop(mc_listener *l);

/* Drops l without touching the thread: for a forked child, in which the
 * thread does not exist (the child's copy of the memory is leaked).
 * Accepts NULL. */
void mc_listener_forget(mc_listener *l);

/* The name of the sync channel of a node's channel, appended to out. */
mc_status mc_listener_sync_channel(mc_buf *out, uint64_t node_id, uint32_t chan);

/* The key holding the prefix's epoch, appended to out: "{" esc(prefix)
 * "}#mc:epoch", or with a non-NULL slot_tag (cluster: a tag that hashes to
 * a slot of the target master) "{" slot_tag "}#mc:epoch:" esc(prefix). */
mc_status mc_listener_epoch_key(mc_buf *out, const char *prefix, size_t prefix_len, const char *slot_tag);

#endif
