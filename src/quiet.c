/* quiet.c - quiet announcements: the listener's helpers (see quiet.h). */
#include <string.h>
#include "announce.h"
#include "layout.h"
#include "quiet.h"

mc_status mc_quiet_registry_key(mc_buf *out, const char *prefix, size_t prefix_len)
{
    mc_status st = mc_buf_append(out, "{", 1);
    if (st == MC_OK) st = mc_layout_escape(out, prefix, prefix_len);
    if (st == MC_OK) st = mc_buf_append(out, "}#mc:nodes", 10);
    return st;
}

mc_quiet_proof_kind mc_quiet_proof(const redisReply *r)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 4 || r->element[1]->type != REDIS_REPLY_INTEGER
        || r->element[3]->type != REDIS_REPLY_INTEGER) {
        return MC_QUIET_NONE;
    }
    long long shared = r->element[1]->integer, own = r->element[3]->integer;
    if (shared < 1 || own != shared - 1) {
        return MC_QUIET_NONE;
    }
    return shared == 1 ? MC_QUIET_ALONE : MC_QUIET_HEARD;
}

static int parse_id(const char *s, size_t len, uint64_t *id)
{
    uint64_t v = 0;
    if (len != 16) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) {
            return 0;
        }
        v = v << 4 | (uint64_t)d;
    }
    *id = v;
    return 1;
}

static int in_reply(const redisReply *r, uint64_t id)
{
    for (size_t i = 0; i < r->elements; i++) {
        uint64_t v;
        if (r->element[i]->type == REDIS_REPLY_STRING && parse_id(r->element[i]->str, r->element[i]->len, &v)
            && v == id) {
            return 1;
        }
    }
    return 0;
}

int mc_quiet_members_stale(const mc_quiet_members *m, const redisReply *r)
{
    if (r->type != REDIS_REPLY_ARRAY) {
        return 0;
    }
    for (size_t i = 0; i < m->count; i++) {
        if (!in_reply(r, m->ids[i])) {
            return 1;
        }
    }
    return 0;
}

static int known(const mc_quiet_members *m, uint64_t id)
{
    for (size_t i = 0; i < m->count; i++) {
        if (m->ids[i] == id) {
            return 1;
        }
    }
    return 0;
}

int mc_quiet_members_add(mc_quiet_members *m, const redisReply *r, uint64_t self, int database,
                         const char *prefix, size_t prefix_len, mc_buf *channels, size_t *offsets,
                         size_t *lengths, int *full)
{
    int added = 0;
    *full = 0;
    if (r->type != REDIS_REPLY_ARRAY) {
        return 0;
    }
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        uint64_t id;
        if (e->type != REDIS_REPLY_STRING || !parse_id(e->str, e->len, &id) || id == self || known(m, id)) {
            continue;
        }
        if (m->count == MC_QUIET_MAX_MEMBERS) {
            *full = 1;
            break;
        }
        size_t start = channels->len;
        if (mc_announce_node_channel(channels, database, id, prefix, prefix_len) != MC_OK) {
            return -1;
        }
        offsets[added] = start;
        lengths[added] = channels->len - start;
        m->ids[m->count++] = id;
        added++;
    }
    return added;
}
