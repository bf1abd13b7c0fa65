/* reply.c - bounded RESP2 framer in front of hiredis's reader (see reply.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "reply.h"

enum frame_state {
    ST_TYPE = 0,   /* expecting the type byte of an element */
    ST_LINE,       /* inside the line after the type byte */
    ST_BULK        /* inside a bulk payload (and its CRLF) */
};

struct mc_reply_reader {
    redisReader *hr;
    mc_status err;          /* sticky */
    char errstr[128];

    /* framer */
    enum frame_state state;
    char type;              /* of the current line */
    int saw_cr;             /* previous line byte was '\r' */
    size_t line_len;        /* bytes of the current line so far */
    int neg;                /* '-' seen at the start of a length */
    int digits;             /* digits seen in a length */
    uint64_t value;         /* length being parsed ($ and *) */
    uint64_t bulk_left;     /* payload bytes + 2 (CRLF) still to come */
    int depth;              /* open arrays */
    uint64_t remaining[MC_REPLY_MAX_DEPTH]; /* elements still to come per open array */
    uint64_t promised;      /* sum of remaining[] */
    uint64_t framed;        /* completed top-level replies */
    uint64_t taken;         /* replies returned by _get */
};

static mc_status fail(mc_reply_reader *rr, mc_status st, const char *msg)
{
    rr->err = st;
    /* Cut to the buffer on purpose (a hiredis message may be longer). */
    size_t n = strnlen(msg, sizeof(rr->errstr) - 1);
    memcpy(rr->errstr, msg, n);
    rr->errstr[n] = '\0';
    return st;
}

static void frame_reset(mc_reply_reader *rr)
{
    rr->state = ST_TYPE;
    rr->saw_cr = 0;
    rr->line_len = 0;
    rr->depth = 0;
    rr->promised = 0;
    rr->framed = 0;
    rr->taken = 0;
    rr->bulk_left = 0;
}

mc_reply_reader *mc_reply_reader_create(void)
{
    mc_reply_reader *rr = calloc(1, sizeof(*rr));
    if (rr == NULL) {
        return NULL;
    }
    rr->hr = redisReaderCreate();
    if (rr->hr == NULL) {
        free(rr);
        return NULL;
    }
#if HIREDIS_MAJOR >= 1
    rr->hr->maxelements = MC_REPLY_MAX_ELEMENTS;
#endif
    return rr;
}

void mc_reply_reader_free(mc_reply_reader *rr)
{
    if (rr == NULL) {
        return;
    }
    if (rr->hr != NULL) {
        redisReaderFree(rr->hr);
    }
    free(rr);
}

mc_status mc_reply_reader_reset(mc_reply_reader *rr)
{
    redisReader *hr = redisReaderCreate();
    if (hr == NULL) {
        return fail(rr, MC_ERR_NOMEM, "out of memory");
    }
#if HIREDIS_MAJOR >= 1
    hr->maxelements = MC_REPLY_MAX_ELEMENTS;
#endif
    if (rr->hr != NULL) {
        redisReaderFree(rr->hr);
    }
    rr->hr = hr;
    rr->err = MC_OK;
    rr->errstr[0] = '\0';
    frame_reset(rr);
    return MC_OK;
}

/* One element (leaf or empty/nil array) is complete: close the arrays it completes. */
static void element_done(mc_reply_reader *rr)
{
    while (rr->depth > 0 && rr->remaining[rr->depth - 1] == 0) {
        rr->depth--;
    }
    if (rr->depth == 0) {
        rr->framed++;
    }
}

/* The CRLF of a line has been seen. */
static mc_status line_done(mc_reply_reader *rr)
{
    rr->state = ST_TYPE;
    if (rr->type == '+' || rr->type == '-') {
        element_done(rr);
        return MC_OK;
    }
    if (rr->digits == 0 || rr->value > (uint64_t)INT64_MAX + (uint64_t)rr->neg) {
        return fail(rr, MC_ERR_PROTOCOL, "protocol error: bad number");
    }
    if (rr->type == ':') {
        element_done(rr);
        return MC_OK;
    }
    if (rr->neg && rr->value != 1) {
        return fail(rr, MC_ERR_PROTOCOL, "protocol error: bad length");
    }
    if (rr->neg) {                 /* nil bulk or nil array */
        element_done(rr);
        return MC_OK;
    }
    if (rr->type == '$') {
        if (rr->value > MC_REPLY_MAX_BULK) {
            return fail(rr, MC_ERR_TOO_LARGE, "bulk reply larger than the limit");
        }
        rr->bulk_left = rr->value + 2;
        rr->state = ST_BULK;
        return MC_OK;
    }
    if (rr->value == 0) {
        element_done(rr);
        return MC_OK;
    }
    if (rr->depth == MC_REPLY_MAX_DEPTH) {
        return fail(rr, MC_ERR_PROTOCOL, "protocol error: arrays nested too deep");
    }
    if (rr->value > MC_REPLY_MAX_ELEMENTS - rr->promised) {
        return fail(rr, MC_ERR_TOO_LARGE, "array reply larger than the limit");
    }
    rr->remaining[rr->depth++] = rr->value;
    rr->promised += rr->value;
    return MC_OK;
}

/* Scans buf without copying; fails at the first byte that breaks a bound. */
static mc_status frame(mc_reply_reader *rr, const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)buf[i];
        switch (rr->state) {
        case ST_TYPE:
            if (c != '+' && c != '-' && c != ':' && c != '$' && c != '*') {
                return fail(rr, MC_ERR_PROTOCOL, "protocol error: unexpected reply type byte");
            }
            if (rr->depth > 0) {
                rr->remaining[rr->depth - 1]--;
                rr->promised--;
            }
            rr->type = (char)c;
            rr->state = ST_LINE;
            rr->saw_cr = 0;
            rr->line_len = 0;
            rr->neg = 0;
            rr->digits = 0;
            rr->value = 0;
            i++;
            break;
        case ST_LINE:
            i++;
            if (++rr->line_len > MC_REPLY_MAX_LINE) {
                return fail(rr, MC_ERR_TOO_LARGE, "reply line longer than the limit");
            }
            if (rr->saw_cr) {
                if (c != '\n') {
                    return fail(rr, MC_ERR_PROTOCOL, "protocol error: CR without LF in a reply line");
                }
                mc_status st = line_done(rr);
                if (st != MC_OK) {
                    return st;
                }
            } else if (c == '\r') {
                rr->saw_cr = 1;
            } else if (c == '\n') {
                return fail(rr, MC_ERR_PROTOCOL, "protocol error: LF without CR in a reply line");
            } else if (rr->type == '$' || rr->type == '*' || rr->type == ':') {
                /* -?(0|[1-9][0-9]*), as hiredis 1.x's string2ll wants */
                if (c == '-' && rr->line_len == 1) {
                    rr->neg = 1;
                } else if (c >= '0' && c <= '9' && rr->digits < 19
                           && !(rr->digits == 1 && rr->value == 0)
                           && !(c == '0' && rr->neg && rr->digits == 0)) {
                    rr->value = rr->value * 10 + (uint64_t)(c - '0');
                    rr->digits++;
                } else {
                    return fail(rr, MC_ERR_PROTOCOL, "protocol error: bad number");
                }
            }
            break;
        case ST_BULK: {
            size_t avail = len - i;
            if (rr->bulk_left > 2) {
                uint64_t payload = rr->bulk_left - 2;
                size_t take = avail < payload ? avail : (size_t)payload;
                rr->bulk_left -= take;
                i += take;
                break;
            }
            if (c != (rr->bulk_left == 2 ? '\r' : '\n')) {
                return fail(rr, MC_ERR_PROTOCOL, "protocol error: bulk not followed by CRLF");
            }
            i++;
            if (--rr->bulk_left == 0) {
                rr->state = ST_TYPE;
                element_done(rr);
            }
            break;
        }
        }
    }
    return MC_OK;
}

mc_status mc_reply_reader_feed(mc_reply_reader *rr, const char *buf, size_t len)
{
    if (rr->err != MC_OK) {
        return rr->err;
    }
    if (len == 0) {
        return MC_OK;
    }
    size_t buffered = rr->hr->len - rr->hr->pos;
    if (len > MC_REPLY_MAX_BULK + MC_REPLY_SLACK - buffered) {
        return fail(rr, MC_ERR_TOO_LARGE, "more reply bytes buffered than the limit");
    }
    mc_status st = frame(rr, buf, len);
    if (st != MC_OK) {
        return st;
    }
    if (redisReaderFeed(rr->hr, buf, len) != REDIS_OK) {
        return fail(rr, rr->hr->err == REDIS_ERR_OOM ? MC_ERR_NOMEM : MC_ERR_PROTOCOL,
                    rr->hr->errstr[0] ? rr->hr->errstr : "reader error");
    }
    return MC_OK;
}

mc_status mc_reply_reader_get(mc_reply_reader *rr, redisReply **reply)
{
    *reply = NULL;
    if (rr->err != MC_OK) {
        return rr->err;
    }
    void *out = NULL;
    if (redisReaderGetReply(rr->hr, &out) != REDIS_OK) {
        char msg[160];
        snprintf(msg, sizeof(msg), "protocol error: %s", rr->hr->errstr);
        return fail(rr, rr->hr->err == REDIS_ERR_OOM ? MC_ERR_NOMEM : MC_ERR_PROTOCOL, msg);
    }
    if (out != NULL) {
        rr->taken++;
    }
    *reply = out;
    return MC_OK;
}

uint64_t mc_reply_reader_framed(const mc_reply_reader *rr)
{
    return rr->framed;
}

int mc_reply_reader_empty(const mc_reply_reader *rr)
{
    return rr->state == ST_TYPE && rr->depth == 0 && rr->framed == rr->taken;
}

const char *mc_reply_reader_errstr(const mc_reply_reader *rr)
{
    return rr->errstr;
}
