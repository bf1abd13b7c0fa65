/* crc32c.c - CRC-32C, hardware (three streams) or slicing-by-8 (see crc32c.h). */
#include <pthread.h>
#include <string.h>
#include "crc32c.h"
#include "codec.h"

#define POLY 0x82F63B78u

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

/* table[0] is the classic byte-at-a-time table; table[k][b] is the CRC of
 * byte b followed by k zero bytes, which lets one step consume 8 bytes. */
static void table_init(void)
{
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = b;
        for (int i = 0; i < 8; i++) {
            c = (c >> 1) ^ (POLY & (0u - (c & 1u)));
        }
        table[0][b] = c;
    }
    for (uint32_t b = 0; b < 256; b++) {
        for (int k = 1; k < 8; k++) {
            table[k][b] = (table[k - 1][b] >> 8) ^ table[0][table[k - 1][b] & 0xFF];
        }
    }
}

static uint32_t crc_sw(uint32_t crc, const unsigned char *p, size_t len)
{
    pthread_once(&table_once, table_init);
    for (; len >= 8; p += 8, len -= 8) {
        /* explicit byte assembly: correct on any endianness and alignment */
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                             (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        crc = table[7][lo & 0xFF] ^ table[6][(lo >> 8) & 0xFF] ^
              table[5][(lo >> 16) & 0xFF] ^ table[4][lo >> 24] ^
              table[3][p[4]] ^ table[2][p[5]] ^ table[1][p[6]] ^ table[0][p[7]];
    }
    while (len--) {
        crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xFF];
    }
    return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define HAVE_HW 1

/*
 * One crc32 instruction takes 3 cycles but a new one can start every cycle,
 * so three independent streams over three adjacent blocks run about three
 * times faster than one; the three CRCs are then joined by "shifting" the
 * earlier ones over the later blocks' length, a linear map on the 32-bit
 * register applied with four byte-indexed tables (the method of Mark
 * Adler's crc32c.c).  LONG_BLOCK covers large values, SHORT_BLOCK the rest.
 */
#define LONG_BLOCK 8192
#define SHORT_BLOCK 256

static uint32_t long_shift[4][256], short_shift[4][256];
static pthread_once_t shift_once = PTHREAD_ONCE_INIT;

static uint32_t gf2_times(const uint32_t *mat, uint32_t vec)
{
    uint32_t sum = 0;
    for (; vec != 0; vec >>= 1, mat++) {
        if (vec & 1) {
            sum ^= *mat;
        }
    }
    return sum;
}

static void gf2_square(uint32_t *square, const uint32_t *mat)
{
    for (int n = 0; n < 32; n++) {
        square[n] = gf2_times(mat, mat[n]);
    }
}

/* The operator that appends len zero bytes (len a power of two) to a register. */
static void zeros_operator(uint32_t op[32], size_t len)
{
    uint32_t odd[32], even[32];
    odd[0] = POLY;                       /* one zero bit */
    for (int n = 1; n < 32; n++) {
        odd[n] = 1u << (n - 1);
    }
    gf2_square(even, odd);               /* two bits */
    gf2_square(odd, even);               /* four bits */
    for (;;) {
        gf2_square(even, odd);           /* 1, 4, 16 ... bytes */
        len >>= 1;
        if (len == 0) {
            memcpy(op, even, sizeof(even));
            return;
        }
        gf2_square(odd, even);           /* 2, 8, 32 ... bytes */
        len >>= 1;
        if (len == 0) {
            memcpy(op, odd, sizeof(odd));
            return;
        }
    }
}

static void shift_table(uint32_t table_out[4][256], size_t len)
{
    uint32_t op[32];
    zeros_operator(op, len);
    for (uint32_t n = 0; n < 256; n++) {
        for (int b = 0; b < 4; b++) {
            table_out[b][n] = gf2_times(op, n << (8 * b));
        }
    }
}

static void shift_init(void)
{
    shift_table(long_shift, LONG_BLOCK);
    shift_table(short_shift, SHORT_BLOCK);
}

static uint32_t shift(uint32_t t[4][256], uint32_t crc)
{
    return t[0][crc & 0xFF] ^ t[1][(crc >> 8) & 0xFF] ^ t[2][(crc >> 16) & 0xFF] ^ t[3][crc >> 24];
}

static uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8); /* x86 is little-endian; memcpy avoids unaligned UB */
    return v;
}

static void store64(unsigned char *d, uint64_t v)
{
    memcpy(d, &v, 8);
}

/* Three streams over blocks of `block` bytes while three blocks remain;
 * copies what it reads to *dp unless *dp is NULL (the copy rides on the
 * CRC's loads: a value is read once, not once for memcpy and once here). */
__attribute__((target("sse4.2"))) static inline __attribute__((always_inline)) uint32_t
crc_hw_3way(uint32_t crc, const unsigned char **pp, unsigned char **dp, size_t *lenp, size_t block,
            uint32_t t[4][256])
{
    const unsigned char *p = *pp;
    unsigned char *d = *dp;
    size_t len = *lenp;
    while (len >= 3 * block) {
        uint64_t c0 = crc, c1 = 0, c2 = 0;
        for (const unsigned char *end = p + block; p < end; p += 8) {
            uint64_t v0 = load64(p), v1 = load64(p + block), v2 = load64(p + 2 * block);
            c0 = _mm_crc32_u64(c0, v0);
            c1 = _mm_crc32_u64(c1, v1);
            c2 = _mm_crc32_u64(c2, v2);
            if (d != NULL) {
                store64(d, v0);
                store64(d + block, v1);
                store64(d + 2 * block, v2);
                d += 8;
            }
        }
        crc = shift(t, (uint32_t)c0) ^ (uint32_t)c1;
        crc = shift(t, crc) ^ (uint32_t)c2;
        p += 2 * block;
        d = d ? d + 2 * block : NULL;
        len -= 3 * block;
    }
    *pp = p;
    *dp = d;
    *lenp = len;
    return crc;
}

/* The hardware path; copies p to d as it goes unless d is NULL (the two
 * callers below pass a constant, so each gets its own loop). */
__attribute__((target("sse4.2"))) static inline __attribute__((always_inline)) uint32_t
crc_hw_body(uint32_t crc, const unsigned char *p, unsigned char *d, size_t len)
{
    if (len >= 3 * SHORT_BLOCK) {
        pthread_once(&shift_once, shift_init);
        crc = crc_hw_3way(crc, &p, &d, &len, LONG_BLOCK, long_shift);
        crc = crc_hw_3way(crc, &p, &d, &len, SHORT_BLOCK, short_shift);
    }
    uint64_t c = crc;
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t v = load64(p);
        c = _mm_crc32_u64(c, v);
        if (d != NULL) {
            store64(d, v);
            d += 8;
        }
    }
    uint32_t c32 = (uint32_t)c;
    while (len--) {
        if (d != NULL) {
            *d++ = *p;
        }
        c32 = _mm_crc32_u8(c32, *p++);
    }
    return c32;
}

__attribute__((target("sse4.2")))
static uint32_t crc_hw(uint32_t crc, const unsigned char *p, size_t len)
{
    return crc_hw_body(crc, p, NULL, len);
}

__attribute__((target("sse4.2")))
static uint32_t crc_hw_copy(uint32_t crc, unsigned char *d, const unsigned char *p, size_t len)
{
    return crc_hw_body(crc, p, d, len);
}
#endif

uint32_t mc_crc32c(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
    if (len == 0) {
        return crc;
    }
    crc = ~crc;
#ifdef HAVE_HW
    /* __builtin_cpu_supports reads a table libgcc fills before main */
    if (__builtin_cpu_supports("sse4.2")) {
        return ~crc_hw(crc, p, len);
    }
#endif
    return ~crc_sw(crc, p, len);
}

uint32_t mc_crc32c_copy(uint32_t crc, void *dst, const void *src, size_t len)
{
    if (len == 0) {
        return crc;
    }
#ifdef HAVE_HW
    if (__builtin_cpu_supports("sse4.2")) {
        return ~crc_hw_copy(~crc, dst, src, len);
    }
#endif
    memcpy(dst, src, len);
    return ~crc_sw(~crc, dst, len);
}

uint32_t mc_crc32c_sw(uint32_t crc, const void *data, size_t len)
{
    return len == 0 ? crc : ~crc_sw(~crc, data, len);
}
