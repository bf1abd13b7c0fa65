/* layout.c - Redis key layout and scripts (see layout.h). */
#include <string.h>
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

const char MC_LUA_PURGE[] =
    "local n = 0\n"
    "for _, set in ipairs(KEYS) do\n"
    "  local members = redis.call('SMEMBERS', set)\n"
    "  n = n + #members\n"
    "  for i = 1, #members, 256 do\n"
    "    local batch = {}\n"
    "    for j = i, math.min(i + 255, #members) do batch[#batch + 1] = ARGV[1] .. members[j] end\n"
    "    redis.call('UNLINK', unpack(batch))\n"
    "  end\n"
    "  redis.call('UNLINK', set)\n"
    "end\n"
    "return n\n";

const char MC_LUA_FIND[] =
    "local found, seen = {}, {}\n"
    "local plen = #ARGV[2]\n"
    "for _, set in ipairs(KEYS) do\n"
    "  for _, m in ipairs(redis.call('SMEMBERS', set)) do\n"
    "    if plen == 0 or string.sub(m, 1, plen) == ARGV[2] then\n"
    "      if seen[m] then\n"
    "      elseif redis.call('EXISTS', ARGV[1] .. m) == 1 then found[#found + 1] = m; seen[m] = true\n"
    "      else redis.call('SREM', set, m) end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return found\n";

const char MC_LUA_RELEASE[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n";
