/* layout.c - Redis key layout and scripts (see layout.h). */
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include "layout.h"

mc_status mc_layout_escape(mc_buf *out, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *code;
        switch (s[i]) {
        case '%': code = "%25"; break;
        case ':': code = "%3A"; break;
        case '{': code = "%7B"; break;
        case '}': code = "%7D"; break;
        default: continue;
        }
        mc_status st = mc_buf_append(out, s + start, i - start);
        if (st == MC_OK) {
            st = mc_buf_append(out, code, 3);
        }
        if (st != MC_OK) {
            return st;
        }
        start = i + 1;
    }
    return mc_buf_append(out, s + start, len - start);
}

mc_status mc_layout_tag(mc_buf *out, const char *prefix, size_t prefix_len,
                        const char *definition, size_t definition_len)
{
    size_t before = out->len;
    mc_status st = mc_buf_append(out, "{", 1);
    if (st == MC_OK) st = mc_layout_escape(out, prefix, prefix_len);
    if (st == MC_OK) st = mc_buf_append(out, ":", 1);
    if (st == MC_OK) st = mc_layout_escape(out, definition, definition_len);
    if (st == MC_OK) st = mc_buf_append(out, "}", 1);
    if (st != MC_OK) {
        out->len = before;
    }
    return st;
}

mc_status mc_layout_scan_pattern(mc_buf *out, const char *prefix, size_t prefix_len)
{
    mc_buf escaped = MC_BUF_INIT;
    size_t before = out->len;
    mc_status st = mc_layout_escape(&escaped, prefix, prefix_len);
    if (st == MC_OK) st = mc_buf_append(out, "{", 1);
    for (size_t i = 0; st == MC_OK && i < escaped.len; i++) {
        char c = escaped.data[i];
        if (strchr("*?[]\\^", c) != NULL) {
            st = mc_buf_append(out, "\\", 1);
        }
        if (st == MC_OK) st = mc_buf_append(out, &c, 1);
    }
    if (st == MC_OK) st = mc_buf_append(out, ":*", 2);
    if (st != MC_OK) {
        out->len = before;
    }
    mc_buf_free(&escaped);
    return st;
}

/* expires_at(v): a frame's expiry (bytes 8..15, little endian), 0 for none
 * or for a value that is not a frame. */
#define LUA_EXPIRES_AT \
    "local function expires_at(v)\n" \
    "  if #v < 28 or string.sub(v, 1, 2) ~= 'MC' then return 0 end\n" \
    "  local e = 0\n" \
    "  for i = 16, 9, -1 do e = e * 256 + string.byte(v, i) end\n" \
    "  return e\n" \
    "end\n" \
    "local now = tonumber(ARGV[1])\n" \
    "local function expired(v) local e = expires_at(v) return e ~= 0 and e <= now end\n"

const char MC_LUA_REAP[] =
    LUA_EXPIRES_AT
    "local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 256)\n"
    "for _, k in ipairs(due) do\n"
    "  local v = redis.call('HGET', KEYS[1], k)\n"
    "  if v and expired(v) then redis.call('HDEL', KEYS[1], k); v = false end\n"
    "  if v and expires_at(v) ~= 0 then redis.call('ZADD', KEYS[2], expires_at(v), k)\n"
    "  else redis.call('ZREM', KEYS[2], k) end\n"
    "end\n"
    "return #due\n";

const char MC_LUA_FIND[] =
    LUA_EXPIRES_AT
    "local dead = {}\n"
    "for _, k in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do\n"
    "  local v = redis.call('HGET', KEYS[1], k)\n"
    "  if v and expired(v) then dead[k] = true end\n"
    "end\n"
    "local found, plen = {}, #ARGV[2]\n"
    "for _, k in ipairs(redis.call('HKEYS', KEYS[1])) do\n"
    "  if not dead[k] and (plen == 0 or string.sub(k, 1, plen) == ARGV[2]) then found[#found + 1] = k end\n"
    "end\n"
    "return found\n";

const char MC_LUA_COUNT[] =
    LUA_EXPIRES_AT
    "local n = 0\n"
    "for i = 2, #ARGV do\n"
    "  local k = ARGV[i]\n"
    "  if redis.call('HEXISTS', KEYS[1], k) == 1 then\n"
    "    local due = redis.call('ZSCORE', KEYS[2], k)\n"
    "    if not due or tonumber(due) > now or not expired(redis.call('HGET', KEYS[1], k)) then n = n + 1 end\n"
    "  end\n"
    "end\n"
    "return n\n";

const char MC_LUA_RELEASE[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n";

const char MC_LUA_MIGRATE[] =
    LUA_EXPIRES_AT
    "local n = 0\n"
    "for _, k in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do\n"
    "  local v = redis.call('HGET', KEYS[1], k)\n"
    "  n = n + 1\n"
    "  if v and expired(v) then redis.call('HDEL', KEYS[1], k)\n"
    "  elseif v and expires_at(v) ~= 0 then redis.call('HEXPIREAT', KEYS[1], expires_at(v), 'FIELDS', 1, k) end\n"
    "end\n"
    "redis.call('DEL', KEYS[2])\n"
    "return n\n";

mc_script mc_script_reap = {MC_LUA_REAP, ""};
mc_script mc_script_find = {MC_LUA_FIND, ""};
mc_script mc_script_count = {MC_LUA_COUNT, ""};
mc_script mc_script_release = {MC_LUA_RELEASE, ""};
mc_script mc_script_migrate = {MC_LUA_MIGRATE, ""};

static mc_status sha1_hex(mc_script *s)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(s->text, strlen(s->text), digest, &len, EVP_sha1(), NULL) != 1 || len != 20) {
        return MC_ERR_NOMEM;
    }
    for (unsigned int i = 0; i < len; i++) {
        snprintf(s->sha + 2 * i, 3, "%02x", digest[i]);
    }
    return MC_OK;
}

mc_status mc_layout_init(void)
{
    mc_script *all[] = {&mc_script_reap, &mc_script_find, &mc_script_count, &mc_script_release, &mc_script_migrate};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        mc_status st = sha1_hex(all[i]);
        if (st != MC_OK) {
            return st;
        }
    }
    return MC_OK;
}
