/*
 * nearcache_internal.h - hooks for the Check suite only: put the shared
 * structure in the state a writer killed mid-update leaves behind, and
 * look at a group's epoch.
 */
#ifndef MC_NEARCACHE_INTERNAL_H
#define MC_NEARCACHE_INTERNAL_H

#include "nearcache.h"

/* Takes the writer lock, makes the bucket of key odd (a half-done update)
 * and scribbles over its slots, then returns with the lock held: the
 * caller is expected to die (kill -9 itself). */
void mc_nc_test_break_mid_update(mc_nc *nc, uint32_t chan, const char *key, size_t key_len);

/* The current epoch of group's slot on chan. */
uint64_t mc_nc_test_group_epoch(mc_nc *nc, uint32_t chan, const char *group, size_t group_len);

#endif
