/* lock_record.c - owner records (see lock_record.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lock_record.h"

static int keep_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '.' || c == '_' || c == ':' || c == '/' || c == '@' || c == '-';
}

mc_status mc_lock_escape(mc_buf *out, const void *data, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        mc_status st;
        if (keep_byte(p[i])) {
            st = mc_buf_append(out, &p[i], 1);
        } else {
            char esc[3] = {'%', hex[p[i] >> 4], hex[p[i] & 15]};
            st = mc_buf_append(out, esc, 3);
        }
        if (st != MC_OK) {
            return st;
        }
    }
    return MC_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

char *mc_lock_unescape(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[j++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
    return out;
}

static mc_status append_str(mc_buf *b, const char *s)
{
    return mc_buf_append(b, s, strlen(s));
}

/* A Unix time with microseconds (any double fits: records read from other
 * hosts are written again by the fuzz target). */
static mc_status append_time(mc_buf *b, double t)
{
    char num[400];
    int n = snprintf(num, sizeof(num), "%.6f", t);
    if (n < 0 || (size_t)n >= sizeof(num)) {
        return MC_ERR_ARG;
    }
    return mc_buf_append(b, num, (size_t)n);
}

mc_status mc_lock_record_build(const mc_lock_ident *id, const mc_lock_record *r, mc_buf *out)
{
    mc_status st = MC_OK;
    mc_buf_clear(out);
#define TRY(x) do { if ((st = (x)) != MC_OK) return st; } while (0)
    TRY(append_str(out, MC_RECORD_MAGIC));
    TRY(append_str(out, "host "));
    TRY(mc_lock_escape(out, id->host, strlen(id->host)));
    TRY(append_str(out, "\npid "));
    TRY(mc_buf_append_u64(out, (unsigned long long)id->pid));
    TRY(append_str(out, "\nboot_id "));
    TRY(mc_lock_escape(out, id->boot_id, strlen(id->boot_id)));
    TRY(append_str(out, "\npidns "));
    TRY(mc_lock_escape(out, id->pidns, strlen(id->pidns)));
    TRY(append_str(out, "\nacquired_at "));
    TRY(append_time(out, r->acquired_at));
    TRY(append_str(out, "\ngeneration "));
    TRY(mc_buf_append_u64(out, r->generation));
    if (r->expires_at > 0) {
        TRY(append_str(out, "\nlease_ms "));
        TRY(mc_buf_append_u64(out, r->lease_ms));
        TRY(append_str(out, "\nrenewed "));
        TRY(mc_buf_append_u64(out, r->renewed));
        TRY(append_str(out, "\nexpires_at "));
        TRY(append_time(out, r->expires_at));
    }
    TRY(append_str(out, "\nkey "));
    TRY(mc_buf_append(out, r->key, r->keylen));
    TRY(append_str(out, "\nend\n"));
    /* Pad to a multiple of 256 bytes: a later record of the same key then
     * has the same size, and older tail bytes never look like a record. */
    size_t pad = (256 - out->len % 256) % 256;
    TRY(mc_buf_reserve(out, pad));
    memset(out->data + out->len, ' ', pad);
    out->len += pad;
#undef TRY
    return MC_OK;
}

int mc_lock_record_parse(const char *data, size_t len, mc_lock_owner *owner, unsigned *lease_ms, char **pidns)
{
    size_t mlen = strlen(MC_RECORD_MAGIC);
    memset(owner, 0, sizeof(*owner));
    owner->pid = -1;
    if (lease_ms) *lease_ms = 0;
    if (pidns) *pidns = NULL;
    if (len < mlen || memcmp(data, MC_RECORD_MAGIC, mlen) != 0) {
        return -1;
    }
    int ended = 0;
    size_t pos = mlen;
    while (pos < len) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', len - pos);
        if (nl == NULL) {
            break;
        }
        size_t llen = (size_t)(nl - line);
        pos += llen + 1;
        if (llen == 3 && memcmp(line, "end", 3) == 0) {
            ended = 1;
            break;
        }
        const char *sp = memchr(line, ' ', llen);
        if (sp == NULL) {
            continue;
        }
        size_t nlen = (size_t)(sp - line);
        size_t vlen = llen - nlen - 1;
        char *value = malloc(vlen + 1);
        if (value == NULL) {
            mc_lock_owner_clear(owner);
            return -1;
        }
        memcpy(value, sp + 1, vlen);
        value[vlen] = '\0';
#define IS(name) (nlen == strlen(name) && memcmp(line, name, nlen) == 0)
        if (IS("host") && owner->host == NULL) {
            owner->host = mc_lock_unescape(value);
        } else if (IS("boot_id") && owner->boot_id == NULL) {
            owner->boot_id = mc_lock_unescape(value);
        } else if (IS("pidns") && pidns != NULL && *pidns == NULL) {
            *pidns = mc_lock_unescape(value);
        } else if (IS("key") && owner->key == NULL) {
            owner->key = value;
            value = NULL;
        } else if (IS("pid")) {
            owner->pid = strtoll(value, NULL, 10);
        } else if (IS("acquired_at")) {
            owner->acquired_at = strtod(value, NULL);
        } else if (IS("expires_at")) {
            owner->expires_at = strtod(value, NULL);
        } else if (IS("generation")) {
            owner->generation = strtoull(value, NULL, 10);
        } else if (IS("lease_ms") && lease_ms != NULL) {
            *lease_ms = (unsigned)strtoul(value, NULL, 10);
        }
#undef IS
        free(value);
    }
    if (!ended || owner->host == NULL || owner->boot_id == NULL || owner->key == NULL) {
        mc_lock_owner_clear(owner);
        if (pidns) {
            free(*pidns);
            *pidns = NULL;
        }
        owner->pid = -1;
        return -1;
    }
    return 0;
}

void mc_lock_owner_clear(mc_lock_owner *owner)
{
    if (owner == NULL) {
        return;
    }
    free(owner->host);
    free(owner->boot_id);
    free(owner->key);
    memset(owner, 0, sizeof(*owner));
    owner->pid = -1;
}

mc_status mc_lock_read_file(int fd, mc_buf *out, size_t max)
{
    mc_buf_clear(out);
    for (;;) {
        if (out->len >= max) {
            return MC_OK;   /* a record is far smaller: the rest is not ours */
        }
        mc_status st = mc_buf_reserve(out, 4096);
        if (st != MC_OK) {
            return st;
        }
        size_t want = out->cap - out->len;
        if (want > max - out->len) {
            want = max - out->len;
        }
        ssize_t n = pread(fd, out->data + out->len, want, (off_t)out->len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return MC_ERR_IO;
        }
        if (n == 0) {
            return MC_OK;
        }
        out->len += (size_t)n;
    }
}
