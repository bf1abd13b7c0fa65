/* reply_text.h - for Check suites: a reply tree from RESP text, as hiredis
 * would give it (src/reply.h's reader); free it with freeReplyObject. */
#ifndef MC_TEST_REPLY_TEXT_H
#define MC_TEST_REPLY_TEXT_H

#include <check.h>
#include <string.h>
#include "reply.h"

static inline redisReply *reply_from_text(const char *resp)
{
    mc_reply_reader *rr = mc_reply_reader_create();
    redisReply *reply = NULL;
    ck_assert_ptr_nonnull(rr);
    ck_assert_int_eq(mc_reply_reader_feed(rr, resp, strlen(resp)), MC_OK);
    ck_assert_int_eq(mc_reply_reader_get(rr, &reply), MC_OK);
    ck_assert_ptr_nonnull(reply);
    mc_reply_reader_free(rr);
    return reply;
}

#endif
