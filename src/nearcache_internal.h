/*
 * nearcache_internal.h - hooks for the Check suite only: put the shared
 * structure in the state a writer killed mid-update leaves behind.
 */
#ifndef MC_NEARCACHE_INTERNAL_H
#define MC_NEARCACHE_INTERNAL_H

#include "nearcache.h"

/* Takes the writer lock, makes the bucket of key odd (a half-done update)
 * and scribbles over its slots, then returns with the lock held: the
 * caller is expected to die (kill -9 itself). */
void mc_nc_test_break_mid_update(mc_nc *nc, uint32_t chan, const char *key, size_t key_len);

#endif
