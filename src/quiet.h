/*
 * quiet.h - quiet announcements: a node's stores announce their changes on
 * the node's own channel (announce.h, mc_announce_node_channel), which the
 * node's own listener does not subscribe to.  Redis then delivers a write's
 * announcement only to the nodes that need it: none on a one-node site,
 * N - 1 on N nodes, instead of N.  The writer confirms its own write-through
 * entries itself when Redis answers (mc_nc_confirm), as its listener would
 * have.  Standalone servers only (in a cluster every announcement goes on
 * the shared channel).
 *
 * The listener's part (listener.c):
 *
 *   registry  every tenth round (1 s), ZADD <registry key> <expiry> <node id>,
 *             ZREMRANGEBYSCORE of the expired, ZRANGEBYSCORE of the live
 *             ids; it subscribes its sub connection to each other node's
 *             channel.  Discovery only: no guarantee rests on it.
 *   proof     every second round (200 ms), PUBSUB NUMSUB <shared channel> <own channel>:
 *             when every other subscriber of the shared channel is also
 *             subscribed to the node's own channel, the round's send time
 *             becomes the node's quiet stamp (mc_nc_set_quiet).
 *   joining   a session trusts its near cache no sooner than MC_NC_QUIET_MS
 *             after its subscription to the shared channel is confirmed.
 *
 * And the writer's (ext/near_cache.c): it announces on the node's channel
 * only while the stamp is under MC_NC_QUIET_USE_MS old, and when Redis
 * answers with the stamp it used MC_NC_QUIET_MS old or more, it announces
 * the change again on the shared channel before it returns.  When the
 * proof found nobody else on the shared channel (a one-node site), the
 * change is not announced at all: the same argument shows that no other
 * node can hold an entry it would drop (Y would have been counted).
 *
 * Why no node misses a change: let node Y fill an entry at time f, after Y
 * became trusted, so f >= a + MC_NC_QUIET_MS, where a is when Y's
 * subscription to the shared channel took effect; and let X announce a
 * later change of it quietly, executed at p > f and answered at r >= p.
 * X's check that proved its stamp was sent at s > r - MC_NC_QUIET_MS >= a
 * and ran at or after s: after Y had subscribed to the shared channel, so
 * it counted Y, and Y was then subscribed to X's channel.  A session never
 * unsubscribes, so Y still was at p, and heard the change.  (Durations are
 * measured each on its own node's monotonic clock.)  A subscriber of the
 * shared channel that knows nothing of node channels (an older version, a
 * tool) makes every check fail: everyone announces on the shared channel.
 */
#ifndef MC_QUIET_H
#define MC_QUIET_H

#include <stddef.h>
#include <stdint.h>
#include <hiredis/hiredis.h>
#include "buf.h"
#include "status.h"

#define MC_QUIET_PROOF_EVERY 2          /* rounds between proofs (200 ms; and every round a sync asked for) */
#define MC_QUIET_REGISTRY_EVERY 10      /* rounds between registry renewals and reads (1 s) */
#define MC_QUIET_REGISTRY_TTL_MS 10000  /* a registered id lives this long unless renewed */
#define MC_QUIET_MAX_MEMBERS 256        /* other nodes' channels one session subscribes to */

/* The sorted set of the prefix's nodes, appended to out: "{" esc(prefix) "}#mc:nodes". */
mc_status mc_quiet_registry_key(mc_buf *out, const char *prefix, size_t prefix_len);

/* What r, the reply to PUBSUB NUMSUB <shared> <own>, proves: */
typedef enum mc_quiet_proof_kind {
    MC_QUIET_NONE = 0,      /* nothing (another subscriber does not hear the node's channel, an error) */
    MC_QUIET_HEARD,         /* every other subscriber of the shared channel hears the node's channel */
    MC_QUIET_ALONE          /* nobody else subscribes to the shared channel: a change needs no announcement */
} mc_quiet_proof_kind;
mc_quiet_proof_kind mc_quiet_proof(const redisReply *r);

/* The node ids a session subscribed to. */
typedef struct mc_quiet_members {
    uint64_t ids[MC_QUIET_MAX_MEMBERS];
    size_t count;
} mc_quiet_members;

/* Adds to m the ids of r (a ZRANGEBYSCORE reply of 16-hex-digit ids) that
 * are neither self nor in m yet, and appends each one's channel name
 * (mc_announce_node_channel of database and prefix) to *channels as one
 * more argument (offsets[i] and lengths[i], room for MC_QUIET_MAX_MEMBERS).
 * Returns how many were added; ids that do not parse are skipped, and so
 * are those beyond MC_QUIET_MAX_MEMBERS (*full is then set: those nodes'
 * checks keep failing, they announce on the shared channel).  -1 when out
 * of memory. */
int mc_quiet_members_add(mc_quiet_members *m, const redisReply *r, uint64_t self, int database,
                         const char *prefix, size_t prefix_len, mc_buf *channels, size_t *offsets,
                         size_t *lengths, int *full);
/* 1 when some id of m is not in r (a registry read): a node that left.  A
 * full session with such ids starts over (flushing), so that the nodes
 * that came since are subscribed to, and those that left are not. */
int mc_quiet_members_stale(const mc_quiet_members *m, const redisReply *r);

#endif
