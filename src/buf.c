/* buf.c - growable byte buffer (see buf.h). */
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "buf.h"

mc_status mc_buf_reserve(mc_buf *buf, size_t extra)
{
    if (extra <= buf->cap - buf->len) {
        return MC_OK;
    }
    if (extra > SIZE_MAX - buf->len) {
        return MC_ERR_TOO_LARGE;
    }
    size_t need = buf->len + extra;
    size_t cap = buf->cap ? buf->cap : 64;
    while (cap < need) {
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    }
    char *data = realloc(buf->data, cap);
    if (data == NULL) {
        return MC_ERR_NOMEM;
    }
    buf->data = data;
    buf->cap = cap;
    return MC_OK;
}

mc_status mc_buf_append(mc_buf *buf, const void *data, size_t len)
{
    if (len == 0) {
        return MC_OK;
    }
    mc_status st = mc_buf_reserve(buf, len);
    if (st != MC_OK) {
        return st;
    }
    memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    return MC_OK;
}

mc_status mc_buf_append_u64(mc_buf *buf, unsigned long long value)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[sizeof(digits) - 1 - n] = (char)('0' + value % 10);
        value /= 10;
        n++;
    } while (value != 0);
    return mc_buf_append(buf, digits + sizeof(digits) - n, n);
}

void mc_buf_clear(mc_buf *buf)
{
    buf->len = 0;
}

void mc_buf_free(mc_buf *buf)
{
    if (buf == NULL) {
        return;
    }
    free(buf->data);
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
}
