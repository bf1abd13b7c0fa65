/* crc32c.c - CRC-32C, hardware or slicing-by-8 (see crc32c.h). */
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

__attribute__((target("sse4.2")))
static uint32_t crc_hw(uint32_t crc, const unsigned char *p, size_t len)
{
    uint64_t c = crc;
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t v;
        memcpy(&v, p, 8); /* x86 is little-endian; memcpy avoids unaligned UB */
        c = _mm_crc32_u64(c, v);
    }
    uint32_t c32 = (uint32_t)c;
    while (len--) {
        c32 = _mm_crc32_u8(c32, *p++);
    }
    return c32;
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

uint32_t mc_crc32c_sw(uint32_t crc, const void *data, size_t len)
{
    return len == 0 ? crc : ~crc_sw(~crc, data, len);
}
