/*
 * nodestats.h - figures of every store of one node (all PHP-FPM workers),
 * in a small shared mapping made before the workers fork (PHP's MINIT),
 * like the near cache but always there: what a metrics endpoint or an
 * admin page reads.
 *
 * One entry per store identity (server, database, prefix, user, TLS: the
 * same string the near cache uses, never the password itself), up to
 * MC_NS_STORES, with a label for people ("tcp://10.0.0.5:6379 prefix
 * mdl_", no secrets) and counters that only grow.  Workers add what their
 * store objects did since the last time (a few atomic adds per request, not
 * per call); readers take a snapshot.  No lock: an entry is claimed by one
 * compare-and-swap of its id, its label written, then published.
 */
#ifndef MC_NODESTATS_H
#define MC_NODESTATS_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"

#define MC_NS_STORES 64
#define MC_NS_LABEL_MAX 192

/* The counters of one store identity (also a delta to add). */
typedef struct mc_ns_counters {
    uint64_t hits, misses;              /* every read, near hits included */
    uint64_t near_hits, near_misses;
    uint64_t sets, deletes, corrupt;
    uint64_t round_trips, commands, errors, connects, reconnects;
    uint64_t bytes_sent, bytes_received;
    uint64_t announce_errors;
} mc_ns_counters;

#define MC_NS_COUNTERS (sizeof(mc_ns_counters) / sizeof(uint64_t))

typedef struct mc_ns mc_ns;

/* Maps the table (shared with children forked later).  MC_ERR_NOMEM. */
mc_status mc_ns_create(mc_ns **out);
/* Unmaps (in this process only); accepts NULL. */
void mc_ns_free(mc_ns *ns);

/* The entry of ident (found, or added with label, truncated to
 * MC_NS_LABEL_MAX - 1 bytes); -1 when the table is full. */
int mc_ns_entry(mc_ns *ns, const char *ident, size_t ident_len, const char *label);
/* Adds delta to entry (ignored for -1). */
void mc_ns_add(mc_ns *ns, int entry, const mc_ns_counters *delta);

/* Records the near-cache channel (nearcache.h) of entry's identity. */
void mc_ns_set_channel(mc_ns *ns, int entry, uint32_t channel);

/* A snapshot of one entry: 1 with *label (MC_NS_LABEL_MAX bytes),
 * *counters and *channel (-1: none) filled, 0 for an unused index
 * (0 .. MC_NS_STORES - 1). */
int mc_ns_read(mc_ns *ns, int entry, char *label, mc_ns_counters *counters, int64_t *channel);

/* The id the table gives ident (two hashes in one), to match other tables
 * keyed the same way. */
uint64_t mc_ns_ident_hash(const char *ident, size_t len);

#endif
