/*
 * codec.h - the self-describing value frame every store writes.
 *
 * A cached value is stored as a fixed 28-byte little-endian header followed by
 * the payload, so a reader can tell how it was written (serializer,
 * compression), when it expires, and whether it arrived intact:
 *
 *   off size field
 *    0   2   magic "MC" (0x4D 0x43)
 *    2   1   version (1)
 *    3   1   serializer id (enum mc_serializer)
 *    4   1   compression id (enum mc_compression)
 *    5   1   flags (0; a reader rejects unknown bits as foreign)
 *    6   2   reserved (0; likewise)
 *    8   8   expires_at: unix seconds, 0 = never
 *   16   4   stored payload length (after compression)
 *   20   4   original payload length (before compression)
 *   24   4   CRC-32C of bytes 0..23 and of the stored payload
 *
 * Payloads are at most MC_FRAME_MAX_PAYLOAD bytes each way; lengths read from a
 * frame are checked against that bound and against the bytes actually given
 * (the original length of a zstd payload against the most zstd can expand
 * the stored bytes, 32768x) before anything is allocated.  The serializer id
 * is opaque to this module: the PHP layer chooses what the payload bytes mean.
 *
 * All functions are thread-safe.  Each thread keeps one zstd compression and
 * one decompression context for reuse (several times faster than a fresh
 * context for values of a few KB); they are freed when the thread exits, and a
 * compression context grown beyond 4 MB (high levels, large values) at once.
 */
#ifndef MC_CODEC_H
#define MC_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "status.h"

#define MC_FRAME_HEADER_SIZE 28
#define MC_FRAME_VERSION 1
#define MC_FRAME_MAX_PAYLOAD ((size_t)1 << 30) /* 1 GiB; Redis's own limit is 512 MB */

enum mc_serializer {
    MC_SER_STRING = 0,   /* the payload is a PHP string as is */
    MC_SER_PHP = 1,      /* PHP's serialize() */
    MC_SER_IGBINARY = 2, /* igbinary_serialize() */
    MC_SER_LONG = 3,     /* a PHP int as decimal text */
    MC_SER_MAX = 3
};

enum mc_compression {
    MC_COMP_NONE = 0,
    MC_COMP_ZSTD = 1,
    MC_COMP_MAX = 1
};

typedef struct mc_codec_options {
    int compression;          /* enum mc_compression */
    int level;                /* zstd level; 0 means zstd's default (3); values
                                 outside ZSTD_minCLevel()..ZSTD_maxCLevel() are
                                 clamped to that range, not rejected */
    size_t threshold;         /* compress only payloads of at least this many bytes */
} mc_codec_options;

/* A decoded frame.  payload points into the frame given to mc_frame_decode
 * when the value was not compressed, else into the scratch buffer: it lives
 * as long as whichever of those it points into. */
typedef struct mc_frame {
    uint8_t serializer;
    uint8_t compression;      /* as stored */
    uint64_t expires_at;
    const char *payload;
    size_t payload_len;
} mc_frame;

/* Appends the frame of payload[0..len) to out.  Compresses with opts when
 * opts->compression is zstd and len >= opts->threshold (len > 0), and keeps
 * the uncompressed form when compression does not make it smaller.  opts may
 * be NULL: no compression.  payload may be NULL when len is 0.
 * Errors: MC_ERR_ARG (bad serializer/compression id, out NULL, payload NULL
 * with len > 0), MC_ERR_TOO_LARGE (len above MC_FRAME_MAX_PAYLOAD),
 * MC_ERR_COMPRESS, MC_ERR_NOMEM.  On error out->len and its bytes are as they
 * were (the allocation may have grown). */
mc_status mc_frame_encode(const mc_codec_options *opts, int serializer,
                          uint64_t expires_at, const void *payload, size_t len,
                          mc_buf *out);

/* Validates and decodes data[0..len), which must be exactly one frame.
 * scratch is cleared and used only when the payload is compressed; its
 * allocation is reused across calls.  frame is written only on success.
 * Checks run in this order, so the code says what is wrong:
 *   MC_ERR_FOREIGN  the bytes present do not start "MC" + version 1 (a short
 *                   foreign value is foreign, not corrupt);
 *   MC_ERR_CORRUPT  shorter than the header;
 *   MC_ERR_TOO_LARGE  a length field above MC_FRAME_MAX_PAYLOAD;
 *   MC_ERR_CORRUPT  stored length != bytes after the header, or checksum wrong;
 *   MC_ERR_FOREIGN  intact but with an unknown serializer/compression id, flag
 *                   or reserved bit (written by a newer writer);
 *   MC_ERR_CORRUPT  original length wrong, or zstd data invalid;
 *   MC_ERR_COMPRESS zstd refused a valid frame (window too large);
 *   MC_ERR_NOMEM; MC_ERR_ARG when data (with len > 0), scratch or frame is NULL.
 * Expiry is not judged here: see mc_frame_expired. */
mc_status mc_frame_decode(const void *data, size_t len, mc_buf *scratch,
                          mc_frame *frame);

/* The expiry stamped in a frame mc_frame_encode wrote (at least
 * MC_FRAME_HEADER_SIZE bytes), without decoding it. */
uint64_t mc_frame_expires_at(const void *frame);
/* The size data[0..len) claims its payload has once decoded (decompressed),
 * read from the header without checking the rest, so a caller can refuse a
 * value too large for it before any allocation; 0 when data is not long
 * enough to be a frame or does not start like one. */
size_t mc_frame_claimed_size(const void *data, size_t len);
/* 1 when the frame has an expiry at or before now (unix seconds), else 0. */
int mc_frame_expired(const mc_frame *frame, uint64_t now);

/* CRC-32C (Castagnoli) of data, continuing from crc (start with 0). */
uint32_t mc_crc32c(uint32_t crc, const void *data, size_t len);

/* The zstd library version linked at run time, e.g. "1.5.4". */
const char *mc_codec_zstd_version(void);

#endif
