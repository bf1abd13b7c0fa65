/* mckey.c - memcached key names (see mckey.h). */
#include <string.h>
#include <openssl/evp.h>
#include "layout.h"
#include "mckey.h"

int mc_mckey_valid(const char *key, size_t len)
{
    if (len == 0 || len > MC_MCKEY_MAX) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)key[i];
        if (c <= ' ' || c == 0x7f) {
            return 0;
        }
    }
    return 1;
}

static mc_status build_raw(mc_buf *raw, mc_mckey_kind kind, const char *prefix, size_t prefix_len,
                           const char *definition, size_t definition_len, const char *key, size_t key_len)
{
    mc_status st = mc_layout_escape(raw, prefix, prefix_len);
    if (st == MC_OK && kind == MC_MCKEY_PREFIX_GEN) {
        return mc_buf_append(raw, "{g", 2);
    }
    if (st == MC_OK) st = mc_buf_append(raw, ":", 1);
    if (st == MC_OK) st = mc_layout_escape(raw, definition, definition_len);
    switch (kind) {
    case MC_MCKEY_DEFINITION_GEN:
        return st == MC_OK ? mc_buf_append(raw, "{g", 2) : st;
    case MC_MCKEY_LOCK:
        if (st == MC_OK) st = mc_buf_append(raw, "{l:", 3);
        break;
    default:
        if (st == MC_OK) st = mc_buf_append(raw, ":", 1);
        break;
    }
    return st == MC_OK ? mc_buf_append(raw, key, key_len) : st;
}

static mc_status append_hashed(mc_buf *out, const char *raw, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    if (EVP_Digest(raw, len, digest, &digest_len, EVP_sha256(), NULL) != 1 || digest_len != 32) {
        return MC_ERR_NOMEM;    /* EVP fails only when it cannot allocate */
    }
    mc_status st = mc_buf_reserve(out, MC_MCKEY_HASHED_LEN);
    if (st != MC_OK) {
        return st;
    }
    memcpy(out->data + out->len, "mch:", 4);
    for (unsigned i = 0; i < digest_len; i++) {
        out->data[out->len + 4 + 2 * i] = hex[digest[i] >> 4];
        out->data[out->len + 5 + 2 * i] = hex[digest[i] & 15];
    }
    out->len += MC_MCKEY_HASHED_LEN;
    return MC_OK;
}

mc_status mc_mckey(mc_buf *out, mc_mckey_kind kind, const char *prefix, size_t prefix_len,
                   const char *definition, size_t definition_len, const char *key, size_t key_len)
{
    size_t before = out->len;
    mc_status st = build_raw(out, kind, prefix, prefix_len, definition, definition_len, key, key_len);
    if (st == MC_OK && !mc_mckey_valid(out->data + before, out->len - before)) {
        mc_buf raw = MC_BUF_INIT;
        st = mc_buf_append(&raw, out->data + before, out->len - before);
        out->len = before;
        if (st == MC_OK) {
            st = append_hashed(out, raw.data, raw.len);
        }
        mc_buf_free(&raw);
    }
    if (st != MC_OK) {
        out->len = before;
    }
    return st;
}
