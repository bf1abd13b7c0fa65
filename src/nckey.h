/*
 * nckey.h - what a Redis key name reported by an invalidation means to the
 * near cache (src/tracking.c), by the shape of the store's layout: every
 * key of a definition starts with the tag "{P:D}" (P and D escaped, so the
 * first '}' closes it; see src/layout.h).
 *
 *   {P:D}          the definition's hash          -> invalidate the group
 *   {P:D}:<key>    one key (the near cache's own  -> invalidate that key
 *                  entry name; never a Redis key
 *                  the store writes)
 *   {P:D}#...      TTL index, locks (#t, #l:<k>)  -> ignore
 *   anything else  (no tag)                       -> invalidate as a key
 *
 * Pure function; no allocation.
 */
#ifndef MC_NCKEY_H
#define MC_NCKEY_H

#include <stddef.h>

typedef enum mc_nckey_kind {
    MC_NCKEY_OTHER = 0,      /* no tag, or a tag followed by another byte */
    MC_NCKEY_GROUP,          /* exactly a tag */
    MC_NCKEY_KEY,            /* tag ':' ... */
    MC_NCKEY_INTERNAL,       /* tag '#' ... */
} mc_nckey_kind;

/* The kind of name[0..len); *tag_len (may be NULL) gets the length of its
 * tag, '{' to the first '}' inclusive (0 for MC_NCKEY_OTHER without one). */
mc_nckey_kind mc_nckey_classify(const char *name, size_t len, size_t *tag_len);

#endif
