/*
 * fuzz_cluster_slots.c - libFuzzer target for the Redis Cluster topology and
 * redirect parsers (src/cluster.c): the bytes are fed to the reply reader as
 * mc_cluster_refresh does, and every reply goes to mc_cluster_parse_slots;
 * the raw bytes also go to mc_cluster_parse_redirect and mc_cluster_key_slot.
 * Checked: no crash, leak or UB; an accepted map has every range inside
 * 0..16383 with start <= end, at least one endpoint each, ports in 1..65535
 * and hosts without spaces or control bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cluster.h"
#include "reply.h"

static void check_map(const mc_cluster_map *map)
{
    for (size_t r = 0; r < map->nranges; r++) {
        const mc_cluster_range *range = &map->ranges[r];
        if (range->start > range->end || range->end >= MC_CLUSTER_SLOTS || range->count == 0
            || range->first + range->count > map->nendpoints) {
            abort();
        }
    }
    for (size_t e = 0; e < map->nendpoints; e++) {
        const mc_cluster_endpoint *ep = &map->endpoints[e];
        size_t len = strlen(ep->host);
        if (ep->port < 1 || ep->port > 65535 || len == 0) {
            abort();
        }
        for (size_t i = 0; i < len; i++) {
            if ((unsigned char)ep->host[i] <= ' ' || (unsigned char)ep->host[i] >= 0x7f) {
                abort();
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    if (mc_cluster_key_slot(text, size) >= MC_CLUSTER_SLOTS) {
        abort();
    }
    int ask;
    unsigned slot;
    char *host = NULL;
    int port;
    if (mc_cluster_parse_redirect(text, size, &ask, &slot, &host, &port)) {
        if (slot >= MC_CLUSTER_SLOTS || port < 1 || port > 65535 || host == NULL || host[0] == '\0') {
            abort();
        }
        free(host);
    }

    mc_reply_reader *rr = mc_reply_reader_create();
    if (rr == NULL) {
        return 0;
    }
    mc_status st = mc_reply_reader_feed(rr, text, size);
    while (st == MC_OK) {
        redisReply *reply = NULL;
        st = mc_reply_reader_get(rr, &reply);
        if (reply == NULL) {
            break;
        }
        mc_cluster_map map;
        if (mc_cluster_parse_slots(reply, (size & 1) ? "127.0.0.1" : NULL, &map) == MC_OK) {
            check_map(&map);
        } else if (map.nranges != 0 || map.nendpoints != 0 || map.ranges != NULL) {
            abort();    /* on error the map is empty */
        }
        mc_cluster_map_free(&map);
        freeReplyObject(reply);
    }
    mc_reply_reader_free(rr);
    return 0;
}
