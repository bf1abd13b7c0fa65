/* announce.c - near-cache announcements (see announce.h). */
#include <stdio.h>
#include <string.h>
#include "announce.h"
#include "layout.h"

#define HEADER_LEN 5    /* magic + op */

mc_status mc_announce_channel(mc_buf *out, int database, const char *prefix, size_t prefix_len)
{
    static const char name[] = "__moodlecache__:inv:";
    mc_status st = mc_buf_append(out, name, sizeof(name) - 1);
    if (st == MC_OK) st = mc_buf_append_u64(out, (unsigned long long)(database < 0 ? 0 : database));
    if (st == MC_OK) st = mc_buf_append(out, ":", 1);
    if (st == MC_OK) st = mc_layout_escape(out, prefix, prefix_len);
    return st;
}

mc_status mc_announce_node_channel(mc_buf *out, int database, uint64_t node_id, const char *prefix,
                                   size_t prefix_len)
{
    char name[64];
    int n = snprintf(name, sizeof(name), "__moodlecache__:node:%d:%016llx:", database < 0 ? 0 : database,
                     (unsigned long long)node_id);
    mc_status st = n > 0 && (size_t)n < sizeof(name) ? mc_buf_append(out, name, (size_t)n) : MC_ERR_ARG;
    return st == MC_OK ? mc_layout_escape(out, prefix, prefix_len) : st;
}

static mc_status put_u32(mc_buf *out, size_t v)
{
    if (v > UINT32_MAX) {
        return MC_ERR_TOO_LARGE;
    }
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    return mc_buf_append(out, b, 4);
}

static mc_status put_item(mc_buf *out, const char *data, size_t len)
{
    mc_status st = put_u32(out, len);
    return st == MC_OK ? mc_buf_append(out, data, len) : st;
}

mc_status mc_announce_begin(mc_buf *out, mc_announce_op op, const char *tag, size_t tag_len)
{
    mc_buf_clear(out);
    char op_byte = (char)op;
    mc_status st = mc_buf_append(out, MC_ANNOUNCE_MAGIC, 4);
    if (st == MC_OK) st = mc_buf_append(out, &op_byte, 1);
    if (st == MC_OK && op != MC_ANNOUNCE_ALL) st = put_item(out, tag, tag_len);
    return st;
}

mc_status mc_announce_begin_written(mc_buf *out, uint64_t write_id, const char *tag, size_t tag_len)
{
    mc_buf_clear(out);
    char op_byte = (char)MC_ANNOUNCE_WRITTEN;
    unsigned char id[8];
    for (int i = 0; i < 8; i++) {
        id[i] = (unsigned char)(write_id >> (8 * i));
    }
    mc_status st = mc_buf_append(out, MC_ANNOUNCE_MAGIC, 4);
    if (st == MC_OK) st = mc_buf_append(out, &op_byte, 1);
    if (st == MC_OK) st = mc_buf_append(out, id, 8);
    if (st == MC_OK) st = put_item(out, tag, tag_len);
    return st;
}

mc_status mc_announce_key(mc_buf *out, const char *key, size_t len)
{
    return put_item(out, key, len);
}

/* Reads the item at msg[*off..len): 1 with *data and *n set, 0 if it overruns. */
static int get_item(const char *msg, size_t len, size_t *off, const char **data, size_t *n)
{
    if (len - *off < 4) {
        return 0;
    }
    const unsigned char *p = (const unsigned char *)msg + *off;
    size_t v = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
    if (v > len - *off - 4) {
        return 0;
    }
    *data = msg + *off + 4;
    *n = v;
    *off += 4 + v;
    return 1;
}

mc_status mc_announce_decode(const char *msg, size_t len, mc_announce *out)
{
    memset(out, 0, sizeof(*out));
    if (len < HEADER_LEN || memcmp(msg, MC_ANNOUNCE_MAGIC, 4) != 0) {
        return MC_ERR_FOREIGN;
    }
    char op = msg[4];
    size_t off = HEADER_LEN;
    if (op == MC_ANNOUNCE_ALL) {
        out->op = MC_ANNOUNCE_ALL;
        return off == len ? MC_OK : MC_ERR_CORRUPT;
    }
    if (op != MC_ANNOUNCE_KEYS && op != MC_ANNOUNCE_WRITTEN && op != MC_ANNOUNCE_DEFINITION) {
        return MC_ERR_CORRUPT;
    }
    if (op == MC_ANNOUNCE_WRITTEN) {
        if (len - off < 8) {
            return MC_ERR_CORRUPT;
        }
        const unsigned char *p = (const unsigned char *)msg + off;
        for (int i = 7; i >= 0; i--) {
            out->write_id = out->write_id << 8 | p[i];
        }
        off += 8;
        if (out->write_id == 0) {
            return MC_ERR_CORRUPT;
        }
    }
    if (!get_item(msg, len, &off, &out->tag, &out->tag_len)) {
        memset(out, 0, sizeof(*out));
        return MC_ERR_CORRUPT;
    }
    out->op = (mc_announce_op)op;
    if (op == MC_ANNOUNCE_DEFINITION) {
        return off == len ? MC_OK : MC_ERR_CORRUPT;
    }
    out->keys = msg + off;
    out->keys_len = len - off;
    while (off < len) {
        const char *key;
        size_t n;
        if (!get_item(msg, len, &off, &key, &n)) {
            memset(out, 0, sizeof(*out));
            return MC_ERR_CORRUPT;
        }
    }
    return MC_OK;
}

int mc_announce_next_key(const mc_announce *a, size_t *offset, const char **key, size_t *key_len)
{
    if ((a->op != MC_ANNOUNCE_KEYS && a->op != MC_ANNOUNCE_WRITTEN) || *offset >= a->keys_len) {
        return 0;
    }
    return get_item(a->keys, a->keys_len, offset, key, key_len);
}
