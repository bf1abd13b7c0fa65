/*
 * buf.h - a growable byte buffer: the one way src/ returns bytes of a size
 * known only at run time (no fixed-size buffers for network or user data).
 *
 * A zeroed mc_buf (MC_BUF_INIT) is a valid empty buffer.  Growth doubles the
 * capacity, so appends are amortised O(1).  data is not NUL-terminated.
 */
#ifndef MC_BUF_H
#define MC_BUF_H

#include <stddef.h>
#include "status.h"

typedef struct mc_buf {
    char *data;   /* owned; NULL while cap == 0 */
    size_t len;   /* bytes in use */
    size_t cap;   /* bytes allocated */
} mc_buf;

#define MC_BUF_INIT {NULL, 0, 0}

/* Ensures room for `extra` more bytes.  MC_ERR_NOMEM (buffer unchanged) or MC_ERR_TOO_LARGE on overflow. */
mc_status mc_buf_reserve(mc_buf *buf, size_t extra);
/* Appends len bytes of data (data may be NULL when len == 0). */
mc_status mc_buf_append(mc_buf *buf, const void *data, size_t len);
/* Appends a decimal unsigned integer. */
mc_status mc_buf_append_u64(mc_buf *buf, unsigned long long value);
/* Drops the contents, keeps the allocation for reuse. */
void mc_buf_clear(mc_buf *buf);
/* Frees the allocation and leaves an empty buffer; accepts NULL. */
void mc_buf_free(mc_buf *buf);

#endif
