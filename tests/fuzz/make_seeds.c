/*
 * make_seeds.c - writes the seed corpus of fuzz_frame_decode: a few valid
 * frames, plain and zstd, each under 4 KB.  Build and run from tests/fuzz:
 *   cc -I../../src make_seeds.c ../../src/buf.c ../../src/codec.c \
 *      ../../src/crc32c.c -lzstd -lpthread -o /tmp/make_seeds && /tmp/make_seeds
 */
#include <stdio.h>
#include <string.h>
#include "codec.h"

static int write_seed(const char *name, const mc_codec_options *opts, int ser,
                      uint64_t expires_at, const char *payload, size_t len)
{
    mc_buf out = MC_BUF_INIT;
    char path[256];
    snprintf(path, sizeof(path), "corpus/frame_decode/%s", name);
    FILE *fp = NULL;
    int ok = mc_frame_encode(opts, ser, expires_at, payload, len, &out) == MC_OK &&
             (fp = fopen(path, "wb")) != NULL &&
             fwrite(out.data, 1, out.len, fp) == out.len;
    if (fp != NULL && fclose(fp) != 0) {
        ok = 0;
    }
    mc_buf_free(&out);
    if (!ok) {
        fprintf(stderr, "make_seeds: cannot write %s\n", path);
    }
    return ok ? 0 : 1;
}

int main(void)
{
    static const mc_codec_options zstd = {MC_COMP_ZSTD, 3, 0};
    char text[3000];
    for (size_t i = 0; i < sizeof(text); i++) {
        text[i] = "moodle course cache quiz "[(i * 5 + i / 11) % 25];
    }
    const char *php = "a:2:{s:4:\"name\";s:6:\"course\";s:2:\"id\";i:42;}";
    int bad = 0;
    bad |= write_seed("empty", NULL, MC_SER_STRING, 0, "", 0);
    bad |= write_seed("long", NULL, MC_SER_LONG, 0, "1234567", 7);
    bad |= write_seed("php_plain", NULL, MC_SER_PHP, 1700000000, php, strlen(php));
    bad |= write_seed("igbinary_plain", NULL, MC_SER_IGBINARY, 0, "\0\0\0\2\21\3abc", 9);
    bad |= write_seed("text_zstd", &zstd, MC_SER_STRING, 0, text, sizeof(text));
    bad |= write_seed("php_zstd", &zstd, MC_SER_PHP, 1800000000, text, 400);
    return bad;
}
