/* fuzz_reply_parser.c - libFuzzer target for the RESP2 reply reader
 * (src/reply.c), the code path mc_redis_exec feeds socket reads into.
 *
 * Input: byte 0 % 8 = n, bytes 1..n = chunk sizes (each % 64 + 1, used in
 * turn), the rest = the bytes "received".  After every chunk all complete
 * replies are taken, as mc_redis does.  Checked: no crash, leak or UB; a
 * reader that reports no error has handed out exactly the replies its
 * framer counted; after an error, reset makes it usable again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "reply.h"

static void walk(const redisReply *r, int depth)
{
    if (depth > MC_REPLY_MAX_DEPTH + 1) {
        abort();
    }
    switch (r->type) {
    case REDIS_REPLY_ARRAY:
        for (size_t i = 0; i < r->elements; i++) {
            walk(r->element[i], depth + 1);
        }
        break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        if (r->len > MC_REPLY_MAX_BULK || (r->len > 0 && r->str == NULL)) {
            abort();
        }
        if (r->len > 0) {
            volatile char sink = r->str[0] ^ r->str[r->len - 1];
            (void)sink;
        }
        break;
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    size_t n = data[0] % 8;
    if (size < 1 + n) {
        return 0;
    }
    const uint8_t *sizes = data + 1;
    const char *payload = (const char *)data + 1 + n;
    size_t len = size - 1 - n;

    mc_reply_reader *rr = mc_reply_reader_create();
    if (rr == NULL) {
        return 0;
    }
    mc_status st = MC_OK;
    uint64_t taken = 0;
    size_t off = 0, turn = 0;
    while (off < len && st == MC_OK) {
        size_t chunk = n ? (size_t)(sizes[turn++ % n] % 64) + 1 : len;
        if (chunk > len - off) {
            chunk = len - off;
        }
        st = mc_reply_reader_feed(rr, payload + off, chunk);
        off += chunk;
        while (st == MC_OK) {
            redisReply *reply = NULL;
            st = mc_reply_reader_get(rr, &reply);
            if (reply == NULL) {
                break;
            }
            taken++;
            walk(reply, 0);
            freeReplyObject(reply);
        }
    }
    if (st == MC_OK) {
        if (mc_reply_reader_framed(rr) != taken) {
            abort();    /* our framer and hiredis disagree on reply boundaries */
        }
    } else {
        if (mc_reply_reader_errstr(rr)[0] == '\0' || mc_reply_reader_feed(rr, "+OK\r\n", 5) != st) {
            abort();
        }
        redisReply *reply = NULL;
        if (mc_reply_reader_reset(rr) != MC_OK || mc_reply_reader_feed(rr, "+OK\r\n", 5) != MC_OK
            || mc_reply_reader_get(rr, &reply) != MC_OK || reply == NULL
            || reply->type != REDIS_REPLY_STATUS) {
            abort();
        }
        freeReplyObject(reply);
    }
    mc_reply_reader_free(rr);
    return 0;
}
