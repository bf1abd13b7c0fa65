/*
 * redis_expiry.c - expiry on the server, and has/find (see redis_expiry.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "php.h"
#include "php_moodlecache.h"
#include "redis_call.h"
#include "redis_expiry.h"
#include "transport.h"

bool mc_expiry_native(mc_redis_store *store)
{
    if (!mc_redis_connected(store->conn)) {
        (void)mc_redis_connect(store->conn);    /* a failure here is the call's, reported by its run */
    }
    return (mc_redis_features(store->conn) & MC_REDIS_FIELD_TTL) != 0;
}

/* The slot of the current call's definition on this server. */
static struct mc_reap_slot *reap_slot(const mc_redis_store *store, zend_ulong *hash)
{
    *hash = zend_inline_hash_func(store->ident.data, store->ident.len)
        ^ zend_inline_hash_func(store->tag.data, store->tag.len) * 31;
    return &MOODLECACHE_G(reap)[*hash % MC_REAP_SLOTS];
}

/* Whether this write runs the reaper; then it may not again before the
 * interval: on the whole node where the process has the node's shared
 * mapping (PHP-FPM workers take turns serving a site's requests), else in
 * this process (a slot another definition took is no reason to wait). */
static bool reap_due(const mc_redis_store *store)
{
    zend_ulong hash;
    struct mc_reap_slot *slot = reap_slot(store, &hash);
    uint64_t now = mc_now_ms();
    mc_nc *shared = mc_near_shared();
    if (shared != NULL) {
        return store->reap_interval_ms == 0 || mc_nc_gate(shared, hash, now, store->reap_interval_ms);
    }
    if (store->reap_interval_ms > 0 && slot->hash == hash && now < slot->due_ms) {
        return false;
    }
    slot->hash = hash;
    slot->due_ms = now + store->reap_interval_ms;
    return true;
}

/* The run looked at its limit of members: more are due, run at the next write. */
static void reap_again_soon(const mc_redis_store *store)
{
    zend_ulong hash;
    struct mc_reap_slot *slot = reap_slot(store, &hash);
    mc_nc *shared = mc_near_shared();
    if (shared != NULL) {
        mc_nc_gate_reopen(shared, hash, mc_now_ms());
    } else if (slot->hash == hash) {
        slot->due_ms = 0;
    }
}

bool mc_expiry_queue(mc_redis_store *store, zend_string **keys, const size_t *offsets, uint32_t count,
                     size_t *commands, mc_expiry_queued *queued)
{
    queued->first = *commands;
    queued->native = mc_expiry_native(store);
    bool ok;
    if (queued->native) {
        /* one expiry for the call: every frame of it was made with the same TTL */
        ok = MC_ARG_LITERAL(store, "HEXPIREAT") && mc_call_hash_arg(store)
            && mc_args_add_u64(&store->args, (unsigned long long)mc_frame_expires_at(store->frames.data + offsets[0])) == MC_OK
            && MC_ARG_LITERAL(store, "FIELDS") && mc_args_add_u64(&store->args, count) == MC_OK;
        for (uint32_t i = 0; ok && i < count; i++) {
            ok = mc_call_field_arg(store, keys[i]);
        }
        *commands += 1;
        return ok && mc_call_queue(store);
    }
    ok = MC_ARG_LITERAL(store, "ZADD") && mc_call_ttl_index_arg(store);
    for (uint32_t i = 0; ok && i < count; i++) {
        ok = mc_args_add_u64(&store->args, (unsigned long long)mc_frame_expires_at(store->frames.data + offsets[i])) == MC_OK
            && mc_call_field_arg(store, keys[i]);
    }
    queued->reap = reap_due(store);
    *commands += queued->reap ? 2 : 1;
    return ok && mc_call_queue(store)
        && (!queued->reap || (mc_call_script_args(store, false, &mc_script_reap) && mc_call_queue(store)));
}

static bool is_noscript(const redisReply *r)
{
    return r->type == REDIS_REPLY_ERROR && r->len >= 8 && memcmp(r->str, "NOSCRIPT", 8) == 0;
}

/* The reaper again, behind SCRIPT LOAD (it is idempotent). */
static bool reap_again(mc_redis_store *store, const char *method)
{
    mc_args_clear(&store->args);
    mc_redis_discard(store->conn);
    if (!MC_ARG_LITERAL(store, "SCRIPT") || !MC_ARG_LITERAL(store, "LOAD")
        || !mc_call_arg(store, mc_script_reap.text, strlen(mc_script_reap.text)) || !mc_call_queue(store)
        || !mc_call_script_args(store, false, &mc_script_reap) || !mc_call_queue(store)) {
        mc_call_out_of_memory(store, method);
        return false;
    }
    redisReply **replies = mc_call_run(store, method, 2);
    if (replies != NULL && replies[1]->type != REDIS_REPLY_INTEGER) {
        mc_call_reply_failure(store, method, replies[1]);
        return false;
    }
    return replies != NULL;
}

bool mc_expiry_check(mc_redis_store *store, const char *method, redisReply **replies,
                     const mc_expiry_queued *queued)
{
    const redisReply *first = replies[queued->first];
    if (queued->native) {
        if (first->type != REDIS_REPLY_ARRAY) {
            mc_call_reply_failure(store, method, first);
            return false;
        }
        return true;
    }
    if (first->type != REDIS_REPLY_INTEGER) {
        mc_call_reply_failure(store, method, first);
        return false;
    }
    if (!queued->reap) {
        return true;
    }
    const redisReply *reaper = replies[queued->first + 1];
    if (is_noscript(reaper)) {
        return reap_again(store, method);
    }
    if (reaper->type != REDIS_REPLY_INTEGER) {
        mc_call_reply_failure(store, method, reaper);
        return false;
    }
    if (reaper->integer >= MC_REAP_LIMIT) {
        reap_again_soon(store);
    }
    return true;
}

/* Turns the definition's {P:D}#t, left by an older version, into field
 * expiry (layout.h), on a server that has it. */
static bool migrate(mc_redis_store *store, const char *method)
{
    mc_args_clear(&store->args);
    mc_redis_discard(store->conn);
    if (!mc_call_script_args(store, false, &mc_script_migrate) || !mc_call_queue(store)) {
        mc_call_out_of_memory(store, method);
        return false;
    }
    redisReply **replies = mc_call_run_loading(store, method, &mc_script_migrate, 1, 0);
    if (replies != NULL && replies[0]->type != REDIS_REPLY_INTEGER) {
        mc_call_reply_failure(store, method, replies[0]);
        return false;
    }
    return replies != NULL;
}

/* Starts a has/find call on a server with field expiry: EXISTS {P:D}#t,
 * which says whether old-layout data is left; the caller queues its one
 * command after it and calls run_native. */
static bool queue_old_layout_check(mc_redis_store *store)
{
    return MC_ARG_LITERAL(store, "EXISTS") && mc_call_ttl_index_arg(store) && mc_call_queue(store);
}

/* Runs [EXISTS {P:D}#t, the caller's command]: the command's reply once no
 * old-layout data is left (converted first when there is: then both run
 * again).  NULL on failure (reported). */
static const redisReply *run_native(mc_redis_store *store, const char *method)
{
    size_t len = 0;
    const char *queued = mc_redis_queued(store->conn, &len);
    mc_buf_clear(&store->resend_native);
    if (mc_buf_append(&store->resend_native, queued, len) != MC_OK) {
        mc_redis_discard(store->conn);
        mc_call_out_of_memory(store, method);
        return NULL;
    }
    for (int attempt = 0;; attempt++) {
        redisReply **replies = mc_call_run(store, method, 2);
        if (replies == NULL) {
            return NULL;
        }
        if (replies[0]->type != REDIS_REPLY_INTEGER) {
            mc_call_reply_failure(store, method, replies[0]);
            return NULL;
        }
        if (replies[0]->integer == 0) {
            return replies[1];
        }
        if (attempt > 0) {
            mc_call_reply_failure(store, method, NULL);     /* converted, yet still there */
            return NULL;
        }
        if (!migrate(store, method)
            || mc_redis_append_formatted(store->conn, store->resend_native.data, store->resend_native.len, 2) != MC_OK) {
            return NULL;
        }
    }
}

zend_long mc_expiry_count(mc_redis_store *store, const char *method, zend_string *definition,
                          zend_string **keys, uint32_t count)
{
    if (!mc_call_begin(store, definition)) {
        mc_call_out_of_memory(store, method);
        return -1;
    }
    if (mc_expiry_native(store)) {
        bool ok = queue_old_layout_check(store) && MC_ARG_LITERAL(store, "HPTTL") && mc_call_hash_arg(store)
            && MC_ARG_LITERAL(store, "FIELDS") && mc_args_add_u64(&store->args, count) == MC_OK;
        for (uint32_t i = 0; ok && i < count; i++) {
            ok = mc_call_field_arg(store, keys[i]);
        }
        if (!ok || !mc_call_queue(store)) {
            mc_call_out_of_memory(store, method);
            return -1;
        }
        const redisReply *ttls = run_native(store, method);
        if (ttls == NULL) {
            return -1;
        }
        if (ttls->type == REDIS_REPLY_NIL) {
            return 0;                           /* no such hash */
        }
        if (ttls->type != REDIS_REPLY_ARRAY || ttls->elements != count) {
            mc_call_reply_failure(store, method, ttls);
            return -1;
        }
        zend_long present = 0;
        for (size_t i = 0; i < ttls->elements; i++) {
            present += ttls->element[i]->type == REDIS_REPLY_INTEGER && ttls->element[i]->integer != -2;
        }
        return present;
    }
    bool ok = mc_call_script_args(store, true, &mc_script_count);
    for (uint32_t i = 0; ok && i < count; i++) {
        ok = mc_call_field_arg(store, keys[i]);
    }
    if (!ok || !mc_call_queue(store)) {
        mc_call_out_of_memory(store, method);
        return -1;
    }
    redisReply **replies = mc_call_run_loading(store, method, &mc_script_count, 1, 0);
    if (replies == NULL) {
        return -1;
    }
    if (replies[0]->type != REDIS_REPLY_INTEGER) {
        mc_call_reply_failure(store, method, replies[0]);
        return -1;
    }
    return (zend_long)replies[0]->integer;
}

bool mc_expiry_find(mc_redis_store *store, const char *method, zend_string *definition,
                    zend_string *prefix, zval *result)
{
    if (!mc_call_begin(store, definition)) {
        mc_call_out_of_memory(store, method);
        return false;
    }
    const redisReply *reply;
    bool native = mc_expiry_native(store);
    if (native) {
        if (!queue_old_layout_check(store) || !MC_ARG_LITERAL(store, "HKEYS") || !mc_call_hash_arg(store)
            || !mc_call_queue(store)) {
            mc_call_out_of_memory(store, method);
            return false;
        }
        reply = run_native(store, method);
    } else {
        if (!mc_call_script_args(store, true, &mc_script_find)
            || !mc_call_arg(store, ZSTR_VAL(prefix), ZSTR_LEN(prefix)) || !mc_call_queue(store)) {
            mc_call_out_of_memory(store, method);
            return false;
        }
        redisReply **replies = mc_call_run_loading(store, method, &mc_script_find, 1, 0);
        reply = replies ? replies[0] : NULL;
    }
    if (reply == NULL) {
        return false;
    }
    if (reply->type != REDIS_REPLY_ARRAY) {
        mc_call_reply_failure(store, method, reply);
        return false;
    }
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *key = reply->element[i];
        if (key->type == REDIS_REPLY_STRING && key->len >= ZSTR_LEN(prefix)
            && memcmp(key->str, ZSTR_VAL(prefix), ZSTR_LEN(prefix)) == 0) {
            add_next_index_stringl(result, key->str, key->len);
        }
    }
    return true;
}
