/*
 * redis_call.c - building and running one RedisStore call: the commands of
 * a call are built argument by argument (mc_call_arg...), queued, and run
 * in one round trip (mc_call_run); failures become lastError() and at most
 * one warning per request.  Used by redis_store.c (the methods) and
 * redis_expiry.c (TTL bookkeeping, has, find).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "php.h"
#include "php_moodlecache.h"
#include "redis_call.h"
#include "layout.h"

/* ---- errors ------------------------------------------------------------ */


void mc_call_set_error(mc_redis_store *store, zend_string *message)
{
    if (store->last_error) {
        zend_string_release(store->last_error);
    }
    store->last_error = message;
}

/* The call could not reach the server: a miss, and one warning a request. */
void mc_call_network_failure(mc_redis_store *store, const char *method)
{
    mc_call_set_error(store, zend_strpprintf(0, "%s: %s", method, mc_redis_errstr(store->conn)));
    mc_warn_once("moodlecache: Redis %s unavailable (%s); %s() served as a miss",
                 ZSTR_VAL(store->server), mc_redis_errstr(store->conn), method);
}

/* The server answered with something this call cannot use. */
void mc_call_reply_failure(mc_redis_store *store, const char *method, const redisReply *reply)
{
    const char *detail = reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply";
    if (reply && reply->type == REDIS_REPLY_ERROR && strstr(reply->str, "unknown command") != NULL) {
        mc_redis_forget_features(store->conn);      /* e.g. a failover to a replica without field expiry */
    }
    store->reply_errors++;
    mc_call_set_error(store, zend_strpprintf(0, "%s: %s", method, detail));
    mc_warn_once("moodlecache: Redis %s: %s() failed: %s", ZSTR_VAL(store->server), method, detail);
}

/* A call that succeeded without Redis (served by the near cache). */
void mc_call_clear_error(mc_redis_store *store)
{
    if (store->last_error) {
        zend_string_release(store->last_error);
        store->last_error = NULL;
    }
}

void mc_call_out_of_memory(mc_redis_store *store, const char *method)
{
    mc_call_set_error(store, zend_strpprintf(0, "%s: out of memory", method));
    mc_warn_once("moodlecache: %s(): out of memory", method);
}

/* ---- building commands ------------------------------------------------- */

/* Starts a call on one definition: remembers its tag "{P:D}". */
bool mc_call_begin(mc_redis_store *store, zend_string *definition)
{
    if (++store->ns_calls >= MC_NODE_STATS_EVERY) {
        mc_node_stats_flush(store);
    }
    mc_buf_clear(&store->tag);
    mc_buf_clear(&store->frames);
    store->near.write_id = 0;       /* only set/setMany announce what they wrote */
    store->near.quiet_stamp = 0;    /* nothing of an earlier call to announce again */
    mc_args_clear(&store->args);
    mc_redis_discard(store->conn);
    if (mc_layout_tag(&store->tag, ZSTR_VAL(store->prefix), ZSTR_LEN(store->prefix),
                      ZSTR_VAL(definition), ZSTR_LEN(definition)) != MC_OK) {
        return false;
    }
    if (store->cluster) {
        /* Every key of a call carries this tag: one slot, so one node. */
        store->conn = mc_cluster_node(store->cluster, mc_cluster_key_slot(store->tag.data, store->tag.len));
        mc_redis_discard(store->conn);
    }
    return true;
}

bool mc_call_arg(mc_redis_store *store, const char *data, size_t len)
{
    return mc_args_add(&store->args, data, len) == MC_OK;
}



/* Adds the key "{P:D}" suffix key, e.g. suffix ":" for data, "#l:" for locks. */
bool mc_call_key_arg(mc_redis_store *store, const char *suffix, const char *key, size_t key_len)
{
    mc_args *args = &store->args;
    if (mc_args_start(args) != MC_OK
        || mc_args_append(args, store->tag.data, store->tag.len) != MC_OK
        || mc_args_append(args, suffix, strlen(suffix)) != MC_OK
        || mc_args_append(args, key, key_len) != MC_OK) {
        args->open = 0;
        return false;
    }
    mc_args_end(args);
    return true;
}

/* Adds "{P:D}", the definition's hash. */
bool mc_call_hash_arg(mc_redis_store *store)
{
    return mc_call_key_arg(store, "", "", 0);
}

/* Adds "{P:D}#t", the sorted set of the fields written with a TTL. */
bool mc_call_ttl_index_arg(mc_redis_store *store)
{
    return mc_call_key_arg(store, "#t", "", 0);
}

bool mc_call_field_arg(mc_redis_store *store, zend_string *key)
{
    return mc_call_arg(store, ZSTR_VAL(key), ZSTR_LEN(key));
}

/* Adds an encoded frame by reference: store->frames must not change until
 * the command is queued. */
bool mc_call_frame_arg(mc_redis_store *store, size_t offset, size_t len)
{
    return mc_args_add_ref(&store->args, store->frames.data + offset, len) == MC_OK;
}

/* Queues the command built in args. */
bool mc_call_queue(mc_redis_store *store)
{
    const char *const *argv = mc_args_argv(&store->args);
    bool ok = argv != NULL
        && mc_redis_append(store->conn, (int)store->args.count, argv, store->args.lengths) == MC_OK;
    mc_args_clear(&store->args);
    return ok;
}

/* Runs the queued commands; NULL on a network failure (already reported). */
redisReply **mc_call_run(mc_redis_store *store, const char *method, size_t expected)
{
    redisReply **replies = NULL;
    size_t count = 0;
    mc_status st = store->cluster ? mc_cluster_exec(store->cluster, &store->conn, &replies, &count)
                                  : mc_redis_exec(store->conn, &replies, &count);
    if (st != MC_OK) {
        mc_call_network_failure(store, method);
        return NULL;
    }
    if (count != expected) {
        mc_call_reply_failure(store, method, NULL);
        return NULL;
    }
    mc_call_clear_error(store);
    return replies;
}

/* Queues the announcement of this call's change to every node's near cache
 * (near_cache.h) as the last command; counts it in *commands and sets
 * *announced.  Nothing when the store does not announce this change. */
bool mc_call_queue_announcement(mc_redis_store *store, zend_string *definition, mc_announce_op op,
                               zend_string **keys, uint32_t count, size_t *commands, bool *announced)
{
    const mc_buf *message = mc_near_announcement(store, definition, op, keys, count);
    *announced = message != NULL;
    store->near.quiet_stamp = 0;
    store->near.published = false;
    if (message == NULL) {
        return true;
    }
    /* changes to keys, the most frequent, may go on this node's own channel,
     * or nowhere on a one-node site (quiet.h) */
    const mc_buf *channel = op == MC_ANNOUNCE_KEYS ? mc_near_announce_channel(store) : &store->near.channel;
    if (channel == NULL) {
        return true;
    }
    store->near.published = true;
    (*commands)++;
    return MC_ARG_LITERAL(store, "PUBLISH") && mc_call_arg(store, channel->data, channel->len)
        && mc_call_arg(store, message->data, message->len) && mc_call_queue(store);
}

bool mc_call_written(const mc_redis_store *store, redisReply **replies, size_t commands, bool announced)
{
    return replies != NULL && announced && replies[0]->type == REDIS_REPLY_INTEGER
        && (!store->near.published || replies[commands - 1]->type == REDIS_REPLY_INTEGER);
}

/* The announcement's reply is the last of the call's (a call that failed
 * as a whole was reported already).  A quiet one that failed or went stale
 * is not reported here: mc_near_after_call sends it again. */
void mc_call_check_announcement(mc_redis_store *store, redisReply **replies, size_t commands, bool announced)
{
    const redisReply *publish = announced && replies != NULL && store->near.published ? replies[commands - 1] : NULL;
    if (announced && store->near.quiet_stamp != 0) {
        mc_near_quiet_check(store, replies != NULL, publish);
    } else if (publish != NULL && publish->type != REDIS_REPLY_INTEGER) {
        mc_near_announce_failed(store, publish);
    }
}


static bool is_noscript(const redisReply *r)
{
    return r->type == REDIS_REPLY_ERROR && r->len >= 8 && memcmp(r->str, "NOSCRIPT", 8) == 0;
}

redisReply **mc_call_run_loading(mc_redis_store *store, const char *method, const mc_script *script,
                                 size_t expected, size_t index)
{
    size_t len = 0;
    const char *queued = mc_redis_queued(store->conn, &len);
    mc_buf_clear(&store->resend);
    if (mc_buf_append(&store->resend, queued, len) != MC_OK) {
        mc_redis_discard(store->conn);
        mc_call_out_of_memory(store, method);
        return NULL;
    }
    redisReply **replies = mc_call_run(store, method, expected);
    if (replies == NULL || !is_noscript(replies[index])) {
        return replies;
    }
    /* The server lost its scripts (a restart, SCRIPT FLUSH, a failover):
     * load this one and send the call again, behind it, once. */
    if (!MC_ARG_LITERAL(store, "SCRIPT") || !MC_ARG_LITERAL(store, "LOAD")
        || !mc_call_arg(store, script->text, strlen(script->text)) || !mc_call_queue(store)
        || mc_redis_append_formatted(store->conn, store->resend.data, store->resend.len, expected) != MC_OK) {
        mc_redis_discard(store->conn);
        mc_call_out_of_memory(store, method);
        return NULL;
    }
    replies = mc_call_run(store, method, expected + 1);
    return replies ? replies + 1 : NULL;
}

bool mc_call_script_args(mc_redis_store *store, bool read_only, const mc_script *script)
{
    return (read_only ? MC_ARG_LITERAL(store, "EVALSHA_RO") : MC_ARG_LITERAL(store, "EVALSHA"))
        && mc_call_arg(store, script->sha, 40)
        && MC_ARG_LITERAL(store, "2") && mc_call_hash_arg(store) && mc_call_ttl_index_arg(store)
        && mc_args_add_u64(&store->args, (unsigned long long)time(NULL)) == MC_OK;
}
