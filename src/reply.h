/*
 * reply.h - the RESP2 reply reader behind mc_redis: bytes in, redisReply
 * trees out, no socket (so it is unit-tested byte by byte and fuzzed).
 *
 * Approach: hiredis's reader (redisReaderCreate/Feed/GetReply, present in
 * 0.14 and 1.x) builds the reply objects.  In front of it a small framer of
 * our own scans every byte fed and enforces the bounds hiredis 0.14 lacks:
 * a bulk length above MC_REPLY_MAX_BULK fails at its header, before a byte
 * of it is buffered; array headers may not promise more than
 * MC_REPLY_MAX_ELEMENTS pending elements in total (hiredis allocates the
 * element array when it sees the header) nor nest deeper than
 * MC_REPLY_MAX_DEPTH; a line may not exceed MC_REPLY_MAX_LINE; and the bytes
 * buffered inside hiredis never exceed MC_REPLY_MAX_BULK + MC_REPLY_SLACK.
 * The framer accepts only the RESP2 types (+ - : $ *), lines ended by CRLF
 * with no other CR or LF, numbers as -?(0|[1-9][0-9]*) in int64 range, and
 * CRLF after bulk payloads; anything else is MC_ERR_PROTOCOL.  That is no
 * more than both hiredis 0.14 and 1.x accept, so the framer and hiredis
 * always agree on where replies end (the fuzz target checks it).
 *
 * After any error the reader stays failed until mc_reply_reader_reset.
 */
#ifndef MC_REPLY_H
#define MC_REPLY_H

#include <stddef.h>
#include <stdint.h>
#include <hiredis/hiredis.h>
#include "status.h"

#define MC_REPLY_MAX_BULK ((size_t)1 << 30)      /* = MC_REDIS_MAX_REPLY_BYTES */
#define MC_REPLY_SLACK ((size_t)64 * 1024)
#define MC_REPLY_MAX_LINE ((size_t)64 * 1024)    /* status/error/integer/header line */
#define MC_REPLY_MAX_ELEMENTS ((uint64_t)1 << 22) /* promised, not yet received */
#define MC_REPLY_MAX_DEPTH 7                      /* hiredis 0.14's own limit */

typedef struct mc_reply_reader mc_reply_reader;

/* A reader with empty state; NULL when out of memory.  Free with
 * mc_reply_reader_free (accepts NULL). */
mc_reply_reader *mc_reply_reader_create(void);
void mc_reply_reader_free(mc_reply_reader *rr);

/* Forgets buffered bytes, partial replies and a previous error (used on
 * reconnect).  MC_ERR_NOMEM if the hiredis reader cannot be recreated. */
mc_status mc_reply_reader_reset(mc_reply_reader *rr);

/* Feeds len bytes (copied; buf may be freed afterwards).  MC_ERR_PROTOCOL
 * for bytes that are not RESP2, MC_ERR_TOO_LARGE for a bulk/array/line above
 * the bounds above, MC_ERR_NOMEM.  Replies are taken out with _get. */
mc_status mc_reply_reader_feed(mc_reply_reader *rr, const char *buf, size_t len);

/* Takes the next complete reply: MC_OK with *reply set (caller frees with
 * freeReplyObject), or MC_OK with *reply NULL when more bytes are needed;
 * MC_ERR_PROTOCOL / MC_ERR_NOMEM on failure. */
mc_status mc_reply_reader_get(mc_reply_reader *rr, redisReply **reply);

/* Top-level replies whose last byte has been fed since the last reset. */
uint64_t mc_reply_reader_framed(const mc_reply_reader *rr);
/* 1 when the reader holds no byte of a reply not yet taken with _get. */
int mc_reply_reader_empty(const mc_reply_reader *rr);

/* The last error in words; "" when none. */
const char *mc_reply_reader_errstr(const mc_reply_reader *rr);

#endif
