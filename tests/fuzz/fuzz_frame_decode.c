/*
 * fuzz_frame_decode.c - arbitrary bytes into mc_frame_decode.  A frame that
 * decodes is encoded again from its payload and must decode to the same
 * payload, serializer and expiry; the raw input is also round-tripped as a
 * payload, compressed, so the encoder meets arbitrary data too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"

static void round_trip(const mc_codec_options *opts, int serializer, uint64_t expires_at,
                       const char *payload, size_t len)
{
    mc_buf out = MC_BUF_INIT, scratch = MC_BUF_INIT;
    mc_frame f;
    if (mc_frame_encode(opts, serializer, expires_at, payload, len, &out) != MC_OK) {
        abort(); /* only NOMEM could fail here */
    }
    if (mc_frame_decode(out.data, out.len, &scratch, &f) != MC_OK ||
        f.serializer != serializer || f.expires_at != expires_at ||
        f.payload_len != len || (len > 0 && memcmp(f.payload, payload, len) != 0)) {
        abort();
    }
    mc_buf_free(&out);
    mc_buf_free(&scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mc_buf scratch = MC_BUF_INIT;
    mc_frame f;
    if (mc_frame_decode(data, size, &scratch, &f) == MC_OK) {
        if (f.serializer > MC_SER_MAX || f.compression > MC_COMP_MAX ||
            f.payload_len > MC_FRAME_MAX_PAYLOAD) {
            abort();
        }
        mc_codec_options opts = {f.compression, 1, 0};
        round_trip(&opts, f.serializer, f.expires_at, f.payload, f.payload_len);
    }
    mc_buf_free(&scratch);

    if (size > 0) {
        mc_codec_options opts = {MC_COMP_ZSTD, (int)(data[0] % 8) - 2, data[0] >> 3};
        round_trip(&opts, data[0] % (MC_SER_MAX + 1), size, (const char *)data, size);
    }
    return 0;
}
