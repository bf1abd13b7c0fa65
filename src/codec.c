/* codec.c - the self-describing value frame (see codec.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>
#include "codec.h"
#include "crc32c.h"

/* Header field offsets; see the table in codec.h. */
#define OFF_VERSION 2
#define OFF_SERIALIZER 3
#define OFF_COMPRESSION 4
#define OFF_FLAGS 5
#define OFF_RESERVED 6
#define OFF_EXPIRES 8
#define OFF_STORED 16
#define OFF_ORIGINAL 20
#define OFF_CRC 24

/* The most a zstd frame can expand: every block costs at least 4 bytes (a
 * 3-byte header and one byte of content, as in an RLE block) and decodes to at
 * most 128 KiB.  An original length above stored * this cannot be genuine, so
 * decode rejects it before allocating. */
#define ZSTD_MAX_EXPANSION (131072u / 4u)

/* A compression context larger than this is freed after use: high levels on
 * large values grow one to tens of MB, which every PHP worker would keep. */
#define CCTX_KEEP_MAX ((size_t)4 << 20)

static void put_le16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (unsigned char)(v >> (8 * i));
    }
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (unsigned char)(v >> (8 * i));
    }
}

static uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const unsigned char *p)
{
    return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/*
 * zstd contexts, one pair per thread, created on first use and reused: a
 * context costs far more to create than to compress a small value with.  A
 * thread's pair is freed when the thread exits (key destructor); the
 * library destructor frees the calling thread's pair and deletes the key, so
 * no destructor can run into an unloaded extension after dlclose().
 */
typedef struct zstd_ctx {
    ZSTD_CCtx *cctx;
    ZSTD_DCtx *dctx;
} zstd_ctx;

static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static int ctx_key_ok;

static void ctx_free(void *p)
{
    zstd_ctx *z = p;
    ZSTD_freeCCtx(z->cctx);
    ZSTD_freeDCtx(z->dctx);
    free(z);
}

static void ctx_key_init(void)
{
    ctx_key_ok = pthread_key_create(&ctx_key, ctx_free) == 0;
}

__attribute__((destructor)) static void ctx_key_fini(void)
{
    if (!ctx_key_ok) {
        return;
    }
    zstd_ctx *z = pthread_getspecific(ctx_key);
    if (z != NULL) {
        pthread_setspecific(ctx_key, NULL);
        ctx_free(z);
    }
    pthread_key_delete(ctx_key);
    ctx_key_ok = 0;
}

static zstd_ctx *ctx_get(void)
{
    if (pthread_once(&ctx_once, ctx_key_init) != 0 || !ctx_key_ok) {
        return NULL;
    }
    zstd_ctx *z = pthread_getspecific(ctx_key);
    if (z == NULL) {
        z = calloc(1, sizeof(*z));
        if (z == NULL) {
            return NULL;
        }
        if (pthread_setspecific(ctx_key, z) != 0) {
            free(z);
            return NULL;
        }
    }
    return z;
}

/* Compresses src into dst[0..cap).  *dst_len is 0 when the result would not
 * fit, i.e. would not be smaller than cap + 1 bytes. */
static mc_status zstd_compress(int level, void *dst, size_t cap, const void *src,
                               size_t len, size_t *dst_len)
{
    zstd_ctx *z = ctx_get();
    if (z == NULL) {
        return MC_ERR_NOMEM;
    }
    if (z->cctx == NULL && (z->cctx = ZSTD_createCCtx()) == NULL) {
        return MC_ERR_NOMEM;
    }
    if (level == 0) {
        level = ZSTD_CLEVEL_DEFAULT;
    } else if (level < ZSTD_minCLevel()) {
        level = ZSTD_minCLevel();
    } else if (level > ZSTD_maxCLevel()) {
        level = ZSTD_maxCLevel();
    }
    size_t r = ZSTD_compressCCtx(z->cctx, dst, cap, src, len, level);
    if (ZSTD_sizeof_CCtx(z->cctx) > CCTX_KEEP_MAX) {
        ZSTD_freeCCtx(z->cctx);
        z->cctx = NULL;
    }
    if (ZSTD_isError(r)) {
        ZSTD_ErrorCode e = ZSTD_getErrorCode(r);
        if (e == ZSTD_error_dstSize_tooSmall) {
            *dst_len = 0;
            return MC_OK;
        }
        return e == ZSTD_error_memory_allocation ? MC_ERR_NOMEM : MC_ERR_COMPRESS;
    }
    *dst_len = r;
    return MC_OK;
}

mc_status mc_frame_encode(const mc_codec_options *opts, int serializer,
                          uint64_t expires_at, const void *payload, size_t len,
                          mc_buf *out)
{
    int compression = opts != NULL ? opts->compression : MC_COMP_NONE;
    if (out == NULL || (payload == NULL && len > 0) || serializer < 0 ||
        serializer > MC_SER_MAX || compression < 0 || compression > MC_COMP_MAX) {
        return MC_ERR_ARG;
    }
    if (len > MC_FRAME_MAX_PAYLOAD) {
        return MC_ERR_TOO_LARGE;
    }
    /* Room for the uncompressed form; a compressed form is only kept when
     * smaller, so it fits too.  out->len moves only once all is written. */
    mc_status st = mc_buf_reserve(out, MC_FRAME_HEADER_SIZE + len);
    if (st != MC_OK) {
        return st;
    }
    unsigned char *head = (unsigned char *)out->data + out->len;
    unsigned char *body = head + MC_FRAME_HEADER_SIZE;
    size_t stored = 0;
    if (compression == MC_COMP_ZSTD && len > 0 && len >= opts->threshold) {
        st = zstd_compress(opts->level, body, len - 1, payload, len, &stored);
        if (st != MC_OK) {
            return st;
        }
    }
    int copy = stored == 0;     /* stored as is: copied below, with its CRC */
    if (copy) {
        compression = MC_COMP_NONE;
        stored = len;
    }
    head[0] = 'M';
    head[1] = 'C';
    head[OFF_VERSION] = MC_FRAME_VERSION;
    head[OFF_SERIALIZER] = (unsigned char)serializer;
    head[OFF_COMPRESSION] = (unsigned char)compression;
    head[OFF_FLAGS] = 0;
    put_le16(head + OFF_RESERVED, 0);
    put_le64(head + OFF_EXPIRES, expires_at);
    put_le32(head + OFF_STORED, (uint32_t)stored);
    put_le32(head + OFF_ORIGINAL, (uint32_t)len);
    uint32_t crc = mc_crc32c(0, head, OFF_CRC);
    crc = copy ? mc_crc32c_copy(crc, body, payload, stored) : mc_crc32c(crc, body, stored);
    put_le32(head + OFF_CRC, crc);
    out->len += MC_FRAME_HEADER_SIZE + stored;
    return MC_OK;
}

/* Decompresses src into scratch, which must end up exactly original bytes. */
static mc_status zstd_decompress(const unsigned char *src, size_t stored,
                                 size_t original, mc_buf *scratch)
{
    if ((uint64_t)original > (uint64_t)stored * ZSTD_MAX_EXPANSION) {
        return MC_ERR_CORRUPT;
    }
    /* A hint only: a frame may omit its size or be followed by others. */
    unsigned long long hint = ZSTD_getFrameContentSize(src, stored);
    if (hint == ZSTD_CONTENTSIZE_ERROR ||
        (hint != ZSTD_CONTENTSIZE_UNKNOWN && hint > original)) {
        return MC_ERR_CORRUPT;
    }
    zstd_ctx *z = ctx_get();
    if (z == NULL) {
        return MC_ERR_NOMEM;
    }
    if (z->dctx == NULL && (z->dctx = ZSTD_createDCtx()) == NULL) {
        return MC_ERR_NOMEM;
    }
    mc_buf_clear(scratch);
    mc_status st = mc_buf_reserve(scratch, original > 0 ? original : 1);
    if (st != MC_OK) {
        return st;
    }
    size_t r = ZSTD_decompressDCtx(z->dctx, scratch->data, original, src, stored);
    if (ZSTD_isError(r)) {
        switch (ZSTD_getErrorCode(r)) {
        case ZSTD_error_memory_allocation: return MC_ERR_NOMEM;
        case ZSTD_error_frameParameter_windowTooLarge: return MC_ERR_COMPRESS;
        default: return MC_ERR_CORRUPT; /* incl. more output than original */
        }
    }
    if (r != original) {
        return MC_ERR_CORRUPT;
    }
    scratch->len = original;
    return MC_OK;
}

mc_status mc_frame_decode(const void *data, size_t len, mc_buf *scratch,
                          mc_frame *frame)
{
    const unsigned char *p = data;
    if ((p == NULL && len > 0) || scratch == NULL || frame == NULL) {
        return MC_ERR_ARG;
    }
    /* Judge "ours?" on whatever bytes there are before "complete?", so a short
     * foreign value is foreign, not corrupt. */
    if ((len > 0 && p[0] != 'M') || (len > 1 && p[1] != 'C') ||
        (len > OFF_VERSION && p[OFF_VERSION] != MC_FRAME_VERSION)) {
        return MC_ERR_FOREIGN;
    }
    if (len < MC_FRAME_HEADER_SIZE) {
        return MC_ERR_CORRUPT;
    }
    uint32_t stored = get_le32(p + OFF_STORED);
    uint32_t original = get_le32(p + OFF_ORIGINAL);
    if (stored > MC_FRAME_MAX_PAYLOAD || original > MC_FRAME_MAX_PAYLOAD) {
        return MC_ERR_TOO_LARGE;
    }
    if (stored != len - MC_FRAME_HEADER_SIZE) {
        return MC_ERR_CORRUPT;
    }
    const unsigned char *body = p + MC_FRAME_HEADER_SIZE;
    if (mc_crc32c(mc_crc32c(0, p, OFF_CRC), body, stored) != get_le32(p + OFF_CRC)) {
        return MC_ERR_CORRUPT;
    }
    /* Intact, so unknown ids or bits come from a newer writer: foreign. */
    if (p[OFF_SERIALIZER] > MC_SER_MAX || p[OFF_COMPRESSION] > MC_COMP_MAX ||
        p[OFF_FLAGS] != 0 || p[OFF_RESERVED] != 0 || p[OFF_RESERVED + 1] != 0) {
        return MC_ERR_FOREIGN;
    }
    const char *payload = (const char *)body;
    if (p[OFF_COMPRESSION] == MC_COMP_ZSTD) {
        mc_status st = zstd_decompress(body, stored, original, scratch);
        if (st != MC_OK) {
            return st;
        }
        payload = scratch->data;
    } else if (original != stored) {
        return MC_ERR_CORRUPT;
    }
    frame->serializer = p[OFF_SERIALIZER];
    frame->compression = p[OFF_COMPRESSION];
    frame->expires_at = get_le64(p + OFF_EXPIRES);
    frame->payload = payload;
    frame->payload_len = original;
    return MC_OK;
}

uint64_t mc_frame_expires_at(const void *frame)
{
    return get_le64((const unsigned char *)frame + OFF_EXPIRES);
}

size_t mc_frame_claimed_size(const void *data, size_t len)
{
    const unsigned char *p = data;
    if (len < MC_FRAME_HEADER_SIZE || p[0] != 'M' || p[1] != 'C') {
        return 0;
    }
    return get_le32(p + OFF_ORIGINAL);
}

int mc_frame_expired(const mc_frame *frame, uint64_t now)
{
    return frame->expires_at != 0 && frame->expires_at <= now;
}

const char *mc_codec_zstd_version(void)
{
    return ZSTD_versionString();
}
