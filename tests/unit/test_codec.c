/* test_codec.c - Check suite for src/codec.c and src/crc32c.c. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include "codec.h"
#include "crc32c.h"

static const mc_codec_options ZSTD_OPTS = {MC_COMP_ZSTD, 0, 64};

/* Deterministic pseudo-random bytes (xorshift64). */
static void fill_random(unsigned char *p, size_t n, uint64_t seed)
{
    uint64_t x = seed | 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (unsigned char)(x >> 24);
    }
}

/* Text-like bytes that zstd shrinks well. */
static void fill_text(unsigned char *p, size_t n)
{
    static const char words[] = "course user grade quiz forum cache moodle ";
    for (size_t i = 0; i < n; i++) {
        p[i] = (unsigned char)words[(i * 7 + i / 13) % (sizeof(words) - 1)];
    }
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (unsigned char)(v >> (8 * i));
    }
}

/* Recomputes the checksum of frame f (header plus whatever follows it). */
static void refresh_crc(unsigned char *f, size_t len)
{
    uint32_t crc = mc_crc32c(0, f, 24);
    crc = mc_crc32c(crc, f + MC_FRAME_HEADER_SIZE, len - MC_FRAME_HEADER_SIZE);
    set_le32(f + 24, crc);
}

/* Encodes, decodes, and checks every field of the round trip; want_comp -1
 * accepts either form. */
static void round_trip(const mc_codec_options *opts, int ser, uint64_t exp,
                       const unsigned char *data, size_t len, int want_comp)
{
    mc_buf out = MC_BUF_INIT, scratch = MC_BUF_INIT;
    mc_frame f;
    ck_assert_int_eq(mc_frame_encode(opts, ser, exp, data, len, &out), MC_OK);
    const unsigned char *h = (const unsigned char *)out.data;
    if (want_comp < 0) {
        want_comp = h[4];
    }
    ck_assert_int_eq(h[4], want_comp);
    ck_assert_uint_eq(le32(h + 20), len);
    ck_assert_uint_eq(out.len, MC_FRAME_HEADER_SIZE + le32(h + 16));
    if (want_comp == MC_COMP_ZSTD) {
        ck_assert_msg(le32(h + 16) < len, "stored %u not below original %zu",
                      le32(h + 16), len);
    } else {
        ck_assert_uint_eq(le32(h + 16), len);
    }
    ck_assert_int_eq(mc_frame_decode(out.data, out.len, &scratch, &f), MC_OK);
    ck_assert_int_eq(f.serializer, ser);
    ck_assert_int_eq(f.compression, want_comp);
    ck_assert_uint_eq(f.expires_at, exp);
    ck_assert_uint_eq(f.payload_len, len);
    ck_assert_msg(len == 0 || memcmp(f.payload, data, len) == 0,
                  "payload of %zu bytes differs after round trip", len);
    mc_buf_free(&out);
    mc_buf_free(&scratch);
}

/* A valid frame in a fresh buffer, for corruption tests. */
static mc_buf make_frame(const mc_codec_options *opts, size_t len)
{
    mc_buf out = MC_BUF_INIT;
    unsigned char *data = malloc(len + 1);
    ck_assert_ptr_nonnull(data);
    fill_text(data, len);
    ck_assert_int_eq(mc_frame_encode(opts, MC_SER_PHP, 1234, data, len, &out), MC_OK);
    free(data);
    return out;
}

static mc_status decode(const void *p, size_t len)
{
    mc_buf scratch = MC_BUF_INIT;
    mc_frame f;
    mc_status st = mc_frame_decode(p, len, &scratch, &f);
    mc_buf_free(&scratch);
    return st;
}

START_TEST(crc_known_vector)
{
    ck_assert_uint_eq(mc_crc32c(0, "123456789", 9), 0xE3069283u);
    ck_assert_uint_eq(mc_crc32c_sw(0, "123456789", 9), 0xE3069283u);
    ck_assert_uint_eq(mc_crc32c(0, NULL, 0), 0);
    ck_assert_uint_eq(mc_crc32c(0x1234, NULL, 0), 0x1234);
    /* 32 zero bytes: RFC 3720 B.4 */
    unsigned char z[32] = {0};
    ck_assert_uint_eq(mc_crc32c(0, z, sizeof(z)), 0x8A9136AAu);
}
END_TEST

START_TEST(crc_paths_agree)
{
    unsigned char buf[1031];
    fill_random(buf, sizeof(buf), 7);
    for (size_t off = 0; off < 8; off++) {
        for (size_t n = 0; n + off <= sizeof(buf); n += 37) {
            uint32_t a = mc_crc32c(0, buf + off, n);
            uint32_t b = mc_crc32c_sw(0, buf + off, n);
            ck_assert_msg(a == b, "off %zu len %zu: %08x vs sw %08x", off, n, a, b);
            uint32_t split = mc_crc32c(mc_crc32c(0, buf + off, n / 3), buf + off + n / 3, n - n / 3);
            ck_assert_msg(a == split, "off %zu len %zu: whole %08x, in parts %08x", off, n, a, split);
        }
    }
}
END_TEST

/* Lengths around the three-stream block sizes (3 x 256, 3 x 8192) and
 * large ones, at every alignment. */
START_TEST(crc_paths_agree_large)
{
    static const size_t sizes[] = {767, 768, 769, 1535, 1536, 24575, 24576, 24577, 24576 + 768,
                                   49152 + 800, 100000, 300001};
    size_t cap = 300001 + 8;
    unsigned char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    fill_random(buf, cap, 11);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (size_t off = 0; off < 8; off += 3) {
            uint32_t a = mc_crc32c(0, buf + off, sizes[i]);
            uint32_t b = mc_crc32c_sw(0, buf + off, sizes[i]);
            ck_assert_msg(a == b, "off %zu len %zu: %08x vs sw %08x", off, sizes[i], a, b);
            uint32_t c = mc_crc32c(mc_crc32c(0x5a5a5a5a, buf + off, sizes[i] / 2), buf + off + sizes[i] / 2,
                                   sizes[i] - sizes[i] / 2);
            uint32_t d = mc_crc32c_sw(mc_crc32c_sw(0x5a5a5a5a, buf + off, sizes[i] / 2),
                                      buf + off + sizes[i] / 2, sizes[i] - sizes[i] / 2);
            ck_assert_msg(c == d, "continued, off %zu len %zu: %08x vs sw %08x", off, sizes[i], c, d);
        }
    }
    free(buf);
}
END_TEST

/* mc_crc32c_copy: the same CRC as mc_crc32c, and an exact copy, for
 * lengths around the block sizes, at every source and destination
 * alignment, continuing from a CRC; the bytes around the copy untouched. */
START_TEST(crc_copy_matches_crc_and_memcpy)
{
    static const size_t sizes[] = {0, 1, 7, 8, 9, 767, 768, 769, 1536, 24575, 24576, 24577, 24576 + 768,
                                   49152 + 800, 100000, 300001};
    size_t cap = 300001 + 16;
    unsigned char *src = malloc(cap), *dst = malloc(cap);
    ck_assert(src != NULL && dst != NULL);
    fill_random(src, cap, 13);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (size_t off = 0; off < 8; off += 3) {
            for (size_t doff = 0; doff < 8; doff += 5) {
                size_t n = sizes[i];
                memset(dst, 0xEE, cap);
                uint32_t want = mc_crc32c(0x1234abcd, src + off, n);
                uint32_t got = mc_crc32c_copy(0x1234abcd, dst + doff + 1, src + off, n);
                ck_assert_msg(got == want, "len %zu off %zu/%zu: %08x, want %08x", n, off, doff, got, want);
                ck_assert_msg(memcmp(dst + doff + 1, src + off, n) == 0, "len %zu: the copy differs", n);
                ck_assert_uint_eq(dst[doff], 0xEE);
                ck_assert_uint_eq(dst[doff + 1 + n], 0xEE);
            }
        }
    }
    free(src);
    free(dst);
}
END_TEST

START_TEST(round_trip_small_sizes)
{
    static const size_t sizes[] = {0, 1, 2, 27, 28, 29, 63, 64, 65, 200, 1000, 4096};
    unsigned char buf[4096];
    mc_codec_options none = {MC_COMP_NONE, 0, 0};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i];
        fill_random(buf, n, n + 1);
        round_trip(&none, MC_SER_STRING, 0, buf, n, MC_COMP_NONE);
        round_trip(&ZSTD_OPTS, MC_SER_STRING, 0, buf, n, MC_COMP_NONE); /* random: not smaller */
        round_trip(NULL, MC_SER_STRING, 0, buf, n, MC_COMP_NONE);
        fill_text(buf, n);
        /* below the 64-byte threshold stays plain, from it on text shrinks */
        round_trip(&ZSTD_OPTS, MC_SER_PHP, 99, buf, n, n >= 64 ? MC_COMP_ZSTD : MC_COMP_NONE);
    }
}
END_TEST

START_TEST(round_trip_each_serializer)
{
    unsigned char buf[500];
    fill_text(buf, sizeof(buf));
    for (int ser = 0; ser <= MC_SER_MAX; ser++) {
        round_trip(&ZSTD_OPTS, ser, (uint64_t)ser * 1000, buf, sizeof(buf), MC_COMP_ZSTD);
        round_trip(NULL, ser, UINT64_MAX, buf, 10, MC_COMP_NONE);
    }
}
END_TEST

START_TEST(threshold_boundary)
{
    unsigned char buf[300];
    fill_text(buf, sizeof(buf));
    mc_codec_options o = {MC_COMP_ZSTD, 1, 200};
    round_trip(&o, MC_SER_STRING, 0, buf, 199, MC_COMP_NONE);
    round_trip(&o, MC_SER_STRING, 0, buf, 200, MC_COMP_ZSTD);
    round_trip(&o, MC_SER_STRING, 0, buf, 201, MC_COMP_ZSTD);
    /* threshold 0 compresses everything that shrinks, and never empty payloads */
    o.threshold = 0;
    round_trip(&o, MC_SER_STRING, 0, buf, 0, MC_COMP_NONE);
    round_trip(&o, MC_SER_STRING, 0, buf, 1, MC_COMP_NONE);
}
END_TEST

START_TEST(levels_clamped)
{
    unsigned char buf[5000];
    fill_text(buf, sizeof(buf));
    const int levels[] = {0, 1, -5, 19, 1000, -10000000, ZSTD_maxCLevel(), ZSTD_minCLevel()};
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        mc_codec_options o = {MC_COMP_ZSTD, levels[i], 0};
        /* the fastest negative levels may not shrink anything */
        round_trip(&o, MC_SER_STRING, 0, buf, sizeof(buf), levels[i] >= -5 ? MC_COMP_ZSTD : -1);
    }
}
END_TEST

START_TEST(large_values)
{
    size_t n = (size_t)8 << 20;
    unsigned char *buf = malloc(n);
    ck_assert_ptr_nonnull(buf);
    fill_text(buf, n);
    round_trip(&ZSTD_OPTS, MC_SER_IGBINARY, 5, buf, n, MC_COMP_ZSTD);
    /* a level whose context outgrows the keep limit, then the default again */
    mc_codec_options o9 = {MC_COMP_ZSTD, 9, 0};
    round_trip(&o9, MC_SER_STRING, 0, buf, n, MC_COMP_ZSTD);
    round_trip(&ZSTD_OPTS, MC_SER_STRING, 0, buf, 100000, MC_COMP_ZSTD);
    fill_random(buf, n, 42);
    round_trip(&ZSTD_OPTS, MC_SER_STRING, 5, buf, n, MC_COMP_NONE);
    /* all zeros: near zstd's largest expansion, which decode must accept */
    memset(buf, 0, n);
    round_trip(&ZSTD_OPTS, MC_SER_STRING, 5, buf, n, MC_COMP_ZSTD);
    free(buf);
}
END_TEST

START_TEST(appends_after_existing_bytes)
{
    mc_buf out = MC_BUF_INIT, scratch = MC_BUF_INIT;
    mc_frame f;
    ck_assert_int_eq(mc_buf_append(&out, "key:", 4), MC_OK);
    ck_assert_int_eq(mc_frame_encode(NULL, MC_SER_LONG, 0, "42", 2, &out), MC_OK);
    ck_assert_uint_eq(out.len, 4 + MC_FRAME_HEADER_SIZE + 2);
    ck_assert_int_eq(memcmp(out.data, "key:", 4), 0);
    ck_assert_int_eq(mc_frame_decode(out.data + 4, out.len - 4, &scratch, &f), MC_OK);
    ck_assert_int_eq(f.serializer, MC_SER_LONG);
    ck_assert_ptr_eq(f.payload, out.data + 4 + MC_FRAME_HEADER_SIZE); /* not copied */
    ck_assert_int_eq(memcmp(f.payload, "42", 2), 0);
    mc_buf_free(&out);
    mc_buf_free(&scratch);
}
END_TEST

START_TEST(encode_errors_leave_out_unchanged)
{
    mc_buf out = MC_BUF_INIT;
    ck_assert_int_eq(mc_buf_append(&out, "abc", 3), MC_OK);
    mc_codec_options bad = {2, 0, 0}, neg = {-1, 0, 0};
    ck_assert_int_eq(mc_frame_encode(NULL, -1, 0, "x", 1, &out), MC_ERR_ARG);
    ck_assert_int_eq(mc_frame_encode(NULL, MC_SER_MAX + 1, 0, "x", 1, &out), MC_ERR_ARG);
    ck_assert_int_eq(mc_frame_encode(&bad, 0, 0, "x", 1, &out), MC_ERR_ARG);
    ck_assert_int_eq(mc_frame_encode(&neg, 0, 0, "x", 1, &out), MC_ERR_ARG);
    ck_assert_int_eq(mc_frame_encode(NULL, 0, 0, NULL, 1, &out), MC_ERR_ARG);
    ck_assert_int_eq(mc_frame_encode(NULL, 0, 0, "x", 1, NULL), MC_ERR_ARG);
    /* the length is judged before the bytes are touched */
    ck_assert_int_eq(mc_frame_encode(&ZSTD_OPTS, 0, 0, "x", MC_FRAME_MAX_PAYLOAD + 1, &out),
                     MC_ERR_TOO_LARGE);
    ck_assert_uint_eq(out.len, 3);
    ck_assert_int_eq(memcmp(out.data, "abc", 3), 0);
    mc_buf_free(&out);
}
END_TEST

START_TEST(truncated_header_is_corrupt)
{
    mc_buf fr = make_frame(NULL, 10);
    for (size_t n = 0; n < MC_FRAME_HEADER_SIZE; n++) {
        mc_status st = decode(fr.data, n);
        ck_assert_msg(st == MC_ERR_CORRUPT, "%zu header bytes: expected %d, got %d",
                      n, MC_ERR_CORRUPT, st);
    }
    mc_buf_free(&fr);
}
END_TEST

START_TEST(wrong_length_is_corrupt)
{
    mc_buf fr = make_frame(&ZSTD_OPTS, 1000);
    ck_assert_int_eq(decode(fr.data, fr.len), MC_OK);
    ck_assert_int_eq(decode(fr.data, fr.len - 1), MC_ERR_CORRUPT);
    ck_assert_int_eq(decode(fr.data, MC_FRAME_HEADER_SIZE), MC_ERR_CORRUPT);
    ck_assert_int_eq(mc_buf_append(&fr, "", 1), MC_OK);
    ck_assert_int_eq(decode(fr.data, fr.len), MC_ERR_CORRUPT); /* trailing byte */
    fr.len--;
    /* stored length beyond the bytes given, checksum made to match */
    unsigned char *h = (unsigned char *)fr.data;
    set_le32(h + 16, le32(h + 16) + 1);
    refresh_crc(h, fr.len);
    ck_assert_int_eq(decode(fr.data, fr.len), MC_ERR_CORRUPT);
    mc_buf_free(&fr);
}
END_TEST

START_TEST(foreign_values)
{
    ck_assert_int_eq(decode("x", 1), MC_ERR_FOREIGN);
    ck_assert_int_eq(decode("Mx", 2), MC_ERR_FOREIGN);
    ck_assert_int_eq(decode("a:1:{i:0;s:3:\"abc\";}", 20), MC_ERR_FOREIGN);
    mc_buf fr = make_frame(NULL, 40);
    unsigned char *h = (unsigned char *)fr.data;
    /* checked before completeness and checksum: newer version, version 0 */
    h[2] = 2;
    ck_assert_int_eq(decode(h, fr.len), MC_ERR_FOREIGN);
    ck_assert_int_eq(decode(h, 5), MC_ERR_FOREIGN);
    h[2] = 0;
    ck_assert_int_eq(decode(h, fr.len), MC_ERR_FOREIGN);
    h[2] = MC_FRAME_VERSION;
    /* intact frames (valid checksum) with ids or bits we do not know */
    static const struct { int off; unsigned char val; } cases[] = {
        {3, MC_SER_MAX + 1}, {3, 0xFF}, {4, MC_COMP_MAX + 1}, {5, 1}, {5, 0x80}, {6, 1}, {7, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mc_buf copy = MC_BUF_INIT;
        ck_assert_int_eq(mc_buf_append(&copy, fr.data, fr.len), MC_OK);
        copy.data[cases[i].off] = (char)cases[i].val;
        refresh_crc((unsigned char *)copy.data, copy.len);
        mc_status st = decode(copy.data, copy.len);
        ck_assert_msg(st == MC_ERR_FOREIGN, "byte %d = %u: expected %d, got %d",
                      cases[i].off, cases[i].val, MC_ERR_FOREIGN, st);
        mc_buf_free(&copy);
    }
    /* wrong magic with otherwise valid frame */
    h[0] = 'm';
    ck_assert_int_eq(decode(h, fr.len), MC_ERR_FOREIGN);
    mc_buf_free(&fr);
}
END_TEST

/* Every single-bit flip after the version byte is caught by the checksum,
 * except length flips that exceed the bound, which are TOO_LARGE. */
START_TEST(bit_flips_are_corrupt)
{
    static const mc_codec_options *opts[] = {NULL, &ZSTD_OPTS};
    for (int k = 0; k < 2; k++) {
        mc_buf fr = make_frame(opts[k], 300);
        unsigned char *h = (unsigned char *)fr.data;
        ck_assert_int_eq(h[4], k);
        for (size_t byte = 3; byte < fr.len; byte++) {
            for (int bit = 0; bit < 8; bit++) {
                h[byte] ^= (unsigned char)(1u << bit);
                mc_status st = decode(h, fr.len);
                int is_len_top = (byte == 19 || byte == 23) && bit >= 6;
                mc_status want = is_len_top ? MC_ERR_TOO_LARGE : MC_ERR_CORRUPT;
                ck_assert_msg(st == want, "comp %d byte %zu bit %d: expected %d, got %d",
                              k, byte, bit, want, st);
                h[byte] ^= (unsigned char)(1u << bit);
            }
        }
        ck_assert_int_eq(decode(h, fr.len), MC_OK);
        mc_buf_free(&fr);
    }
}
END_TEST

START_TEST(original_length_mismatch_is_corrupt)
{
    static const int deltas[] = {-1, 1, 1000};
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
            mc_buf fr = make_frame(k ? &ZSTD_OPTS : NULL, 5000);
            unsigned char *h = (unsigned char *)fr.data;
            set_le32(h + 20, (uint32_t)((int64_t)le32(h + 20) + deltas[i]));
            refresh_crc(h, fr.len);
            mc_status st = decode(h, fr.len);
            ck_assert_msg(st == MC_ERR_CORRUPT, "comp %d delta %d: expected %d, got %d",
                          k, deltas[i], MC_ERR_CORRUPT, st);
            mc_buf_free(&fr);
        }
    }
    /* more than zstd could ever expand to, and zstd garbage, both checksummed */
    mc_buf fr = make_frame(&ZSTD_OPTS, 5000);
    unsigned char *h = (unsigned char *)fr.data;
    set_le32(h + 20, (uint32_t)MC_FRAME_MAX_PAYLOAD);
    refresh_crc(h, fr.len);
    ck_assert_int_eq(decode(h, fr.len), MC_ERR_CORRUPT);
    set_le32(h + 20, 5000);
    memset(h + MC_FRAME_HEADER_SIZE + 4, 0xA5, fr.len - MC_FRAME_HEADER_SIZE - 4);
    refresh_crc(h, fr.len);
    ck_assert_int_eq(decode(h, fr.len), MC_ERR_CORRUPT);
    mc_buf_free(&fr);
}
END_TEST

START_TEST(length_above_bound_is_too_large)
{
    for (int field = 16; field <= 20; field += 4) {
        mc_buf fr = make_frame(NULL, 10);
        unsigned char *h = (unsigned char *)fr.data;
        set_le32(h + field, (uint32_t)MC_FRAME_MAX_PAYLOAD + 1);
        refresh_crc(h, fr.len);
        ck_assert_int_eq(decode(h, fr.len), MC_ERR_TOO_LARGE);
        set_le32(h + field, UINT32_MAX);
        ck_assert_int_eq(decode(h, fr.len), MC_ERR_TOO_LARGE);
        mc_buf_free(&fr);
    }
}
END_TEST

START_TEST(decode_bad_arguments)
{
    mc_buf fr = make_frame(NULL, 10), scratch = MC_BUF_INIT;
    mc_frame f;
    ck_assert_int_eq(mc_frame_decode(NULL, 5, &scratch, &f), MC_ERR_ARG);
    ck_assert_int_eq(mc_frame_decode(fr.data, fr.len, NULL, &f), MC_ERR_ARG);
    ck_assert_int_eq(mc_frame_decode(fr.data, fr.len, &scratch, NULL), MC_ERR_ARG);
    ck_assert_int_eq(mc_frame_decode(NULL, 0, &scratch, &f), MC_ERR_CORRUPT);
    mc_buf_free(&fr);
}
END_TEST

START_TEST(scratch_reused)
{
    mc_buf big = make_frame(&ZSTD_OPTS, 100000), small = make_frame(&ZSTD_OPTS, 3000);
    mc_buf plain = make_frame(NULL, 50), scratch = MC_BUF_INIT;
    mc_frame f;
    unsigned char want[100000];
    fill_text(want, sizeof(want));
    ck_assert_int_eq(mc_frame_decode(big.data, big.len, &scratch, &f), MC_OK);
    ck_assert_ptr_eq(f.payload, scratch.data);
    ck_assert_uint_eq(f.payload_len, 100000);
    ck_assert_int_eq(memcmp(f.payload, want, 100000), 0);
    char *first = scratch.data;
    size_t cap = scratch.cap;
    ck_assert_int_eq(mc_frame_decode(small.data, small.len, &scratch, &f), MC_OK);
    ck_assert_ptr_eq(scratch.data, first); /* no reallocation */
    ck_assert_uint_eq(scratch.cap, cap);
    ck_assert_uint_eq(scratch.len, 3000);
    ck_assert_int_eq(memcmp(f.payload, want, 3000), 0);
    ck_assert_int_eq(mc_frame_decode(plain.data, plain.len, &scratch, &f), MC_OK);
    ck_assert_ptr_eq(f.payload, plain.data + MC_FRAME_HEADER_SIZE);
    mc_buf_free(&big);
    mc_buf_free(&small);
    mc_buf_free(&plain);
    mc_buf_free(&scratch);
}
END_TEST

START_TEST(expiry)
{
    mc_frame f = {0};
    f.expires_at = 0;
    ck_assert_int_eq(mc_frame_expired(&f, 0), 0);
    ck_assert_int_eq(mc_frame_expired(&f, UINT64_MAX), 0);
    f.expires_at = 100;
    ck_assert_int_eq(mc_frame_expired(&f, 99), 0);
    ck_assert_int_eq(mc_frame_expired(&f, 100), 1);
    ck_assert_int_eq(mc_frame_expired(&f, 101), 1);
    /* through a frame */
    mc_buf fr = make_frame(NULL, 3), scratch = MC_BUF_INIT;
    ck_assert_int_eq(mc_frame_decode(fr.data, fr.len, &scratch, &f), MC_OK);
    ck_assert_uint_eq(f.expires_at, 1234);
    ck_assert_uint_eq(mc_frame_expires_at(fr.data), 1234);
    ck_assert_int_eq(mc_frame_expired(&f, 1233), 0);
    ck_assert_int_eq(mc_frame_expired(&f, 1234), 1);
    mc_buf_free(&fr);
    mc_buf_free(&scratch);
}
END_TEST

START_TEST(zstd_version)
{
    const char *v = mc_codec_zstd_version();
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(v, ZSTD_versionString());
}
END_TEST

static void *thread_round_trips(void *arg)
{
    unsigned char buf[20000];
    fill_text(buf, sizeof(buf));
    for (int i = 0; i < 50; i++) {
        round_trip(&ZSTD_OPTS, MC_SER_PHP, (uint64_t)(uintptr_t)arg, buf,
                   1000 + (size_t)i * 300, MC_COMP_ZSTD);
    }
    return NULL;
}

START_TEST(threads_share_nothing)
{
    pthread_t t[4];
    for (uintptr_t i = 0; i < 4; i++) {
        ck_assert_int_eq(pthread_create(&t[i], NULL, thread_round_trips, (void *)i), 0);
    }
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    }
}
END_TEST

static Suite *codec_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *crc = tcase_create("crc32c");
    tcase_add_test(crc, crc_known_vector);
    tcase_add_test(crc, crc_paths_agree);
    tcase_add_test(crc, crc_paths_agree_large);
    tcase_add_test(crc, crc_copy_matches_crc_and_memcpy);
    suite_add_tcase(s, crc);

    TCase *rt = tcase_create("round trip");
    tcase_set_timeout(rt, 120);
    tcase_add_test(rt, round_trip_small_sizes);
    tcase_add_test(rt, round_trip_each_serializer);
    tcase_add_test(rt, threshold_boundary);
    tcase_add_test(rt, levels_clamped);
    tcase_add_test(rt, large_values);
    tcase_add_test(rt, appends_after_existing_bytes);
    tcase_add_test(rt, scratch_reused);
    tcase_add_test(rt, expiry);
    tcase_add_test(rt, zstd_version);
    tcase_add_test(rt, threads_share_nothing);
    suite_add_tcase(s, rt);

    TCase *bad = tcase_create("errors");
    tcase_set_timeout(bad, 60);
    tcase_add_test(bad, encode_errors_leave_out_unchanged);
    tcase_add_test(bad, truncated_header_is_corrupt);
    tcase_add_test(bad, wrong_length_is_corrupt);
    tcase_add_test(bad, foreign_values);
    tcase_add_test(bad, bit_flips_are_corrupt);
    tcase_add_test(bad, original_length_mismatch_is_corrupt);
    tcase_add_test(bad, length_above_bound_is_too_large);
    tcase_add_test(bad, decode_bad_arguments);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(codec_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
