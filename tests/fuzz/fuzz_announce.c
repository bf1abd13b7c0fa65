/*
 * fuzz_announce.c - arbitrary bytes into mc_announce_decode, as a listener
 * receives them from any client that may PUBLISH on the channel.  A message
 * that decodes is rebuilt from its parts and must come out byte for byte
 * the same; every key must lie inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "announce.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *msg = (const char *)data;
    mc_announce a;
    if (mc_announce_decode(msg, size, &a) != MC_OK) {
        return 0;
    }
    mc_buf again = MC_BUF_INIT;
    mc_status st = a.op == MC_ANNOUNCE_WRITTEN ? mc_announce_begin_written(&again, a.write_id, a.tag, a.tag_len)
                                               : mc_announce_begin(&again, a.op, a.tag, a.tag_len);
    if (st != MC_OK || (a.op == MC_ANNOUNCE_WRITTEN) != (a.write_id != 0)) {
        abort();
    }
    size_t off = 0, len;
    const char *key;
    while (mc_announce_next_key(&a, &off, &key, &len)) {
        if (key < msg || key + len > msg + size || mc_announce_key(&again, key, len) != MC_OK) {
            abort();
        }
    }
    if (again.len != size || memcmp(again.data, msg, size) != 0) {
        abort();
    }
    mc_buf_free(&again);
    return 0;
}
