/*
 * announce.h - the messages by which a store tells every node's near cache
 * what it changed (src/listener.h applies them).
 *
 * A write, delete, purge or purgeAll is followed, in the same pipeline, by
 * PUBLISH <channel> <message>, so the announcement leaves with the change in
 * one round trip and Redis delivers it to every subscribed listener after
 * the change executed.  Nothing here needs CLIENT TRACKING.
 *
 * Channel: "__moodlecache__:inv:" <database> ":" <escaped prefix> (Pub/Sub
 * is global to the server, not per database, so the database is part of it).
 *
 * Message (binary, little-endian lengths, nothing after the last item):
 *
 *   "MCA1" op
 *   op 'K'  u32 tag_len tag { u32 key_len key } x n   these keys of one
 *                                                     definition ("{P:D}")
 *   op 'W'  u64 write_id u32 tag_len tag { u32 key_len key } x n
 *                                                     the same, written by a
 *                                                     store that installed the
 *                                                     values in its node's near
 *                                                     cache pending this very
 *                                                     announcement (nearcache.h:
 *                                                     mc_nc_fill_written)
 *   op 'D'  u32 tag_len tag                           the whole definition
 *   op 'A'                                            everything under the prefix
 *
 * The decoder is fed bytes and owns nothing, so it is fuzzed
 * (tests/fuzz/fuzz_announce.c).
 */
#ifndef MC_ANNOUNCE_H
#define MC_ANNOUNCE_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "status.h"

#define MC_ANNOUNCE_MAGIC "MCA1"

typedef enum mc_announce_op {
    MC_ANNOUNCE_KEYS = 'K',
    MC_ANNOUNCE_WRITTEN = 'W',
    MC_ANNOUNCE_DEFINITION = 'D',
    MC_ANNOUNCE_ALL = 'A'
} mc_announce_op;

/* Appends the channel name of (database, prefix) to out. */
mc_status mc_announce_channel(mc_buf *out, int database, const char *prefix, size_t prefix_len);
/* Appends the name of one node's own announcement channel of (database,
 * prefix) to out: "__moodlecache__:node:<db>:<node id, 16 hex digits>:<prefix>"
 * (listener.h, "quiet announcements"). */
mc_status mc_announce_node_channel(mc_buf *out, int database, uint64_t node_id, const char *prefix,
                                   size_t prefix_len);

/* Starts a message in out (cleared first): op, and tag for KEYS and
 * DEFINITION (ignored for ALL).  MC_ERR_TOO_LARGE for a tag of 4 GiB. */
mc_status mc_announce_begin(mc_buf *out, mc_announce_op op, const char *tag, size_t tag_len);
/* Starts a WRITTEN message (keys follow, as for KEYS); write_id is not 0. */
mc_status mc_announce_begin_written(mc_buf *out, uint64_t write_id, const char *tag, size_t tag_len);
/* Appends one key to a KEYS or WRITTEN message. */
mc_status mc_announce_key(mc_buf *out, const char *key, size_t len);

/* A decoded message: pointers into the bytes given to mc_announce_decode. */
typedef struct mc_announce {
    mc_announce_op op;
    const char *tag;
    size_t tag_len;
    const char *keys;       /* the key items, for mc_announce_next_key */
    size_t keys_len;
    uint64_t write_id;      /* WRITTEN: not 0 */
} mc_announce;

/* Checks and splits msg[0..len): MC_OK, or MC_ERR_FOREIGN (not ours or a
 * newer version) / MC_ERR_CORRUPT (a length past the end, an unknown op,
 * bytes after an ALL or DEFINITION, a WRITTEN without its id).  Every key item is checked here, so
 * iterating afterwards cannot fail. */
mc_status mc_announce_decode(const char *msg, size_t len, mc_announce *out);
/* The next key of a decoded KEYS or WRITTEN message: 1 with *key and *key_len set and
 * *offset advanced, 0 after the last.  Start with *offset = 0. */
int mc_announce_next_key(const mc_announce *a, size_t *offset, const char **key, size_t *key_len);

#endif
