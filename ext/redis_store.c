/*
 * redis_store.c - MoodleCache\RedisStore: Moodle's cache operations on
 * Redis, each in one round trip.  The key layout is in src/layout.h.
 *
 * Every method builds its commands, runs them with one mc_redis_exec, and
 * reads the replies.  A failed exec is a miss (false / 0 / []) plus one
 * warning per request; only bad arguments throw.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "php.h"
#include "zend_exceptions.h"
#include "php_moodlecache.h"
#include "redis_store.h"
#include "redis_store_arginfo.h"
#include "redis_call.h"
#include "redis_expiry.h"
#include "layout.h"

static zend_class_entry *redis_store_ce;
static zend_object_handlers redis_store_handlers;

#define THIS_STORE() mc_redis_store_from(Z_OBJ_P(ZEND_THIS))

/* ---- object life cycle ------------------------------------------------ */

static zend_object *redis_store_create(zend_class_entry *ce)
{
    mc_redis_store *store = zend_object_alloc(sizeof(mc_redis_store), ce);
    zend_object_std_init(&store->std, ce);
    object_properties_init(&store->std, ce);
    store->std.handlers = &redis_store_handlers;
    return &store->std;
}

static void redis_store_free(zend_object *obj)
{
    mc_redis_store *store = mc_redis_store_from(obj);
    mc_node_stats_flush(store);
    if (store->cluster) {
        mc_cluster_free(store->cluster);     /* owns every connection */
    } else {
        mc_redis_free(store->conn);
    }
    mc_args_free(&store->args);
    mc_buf_free(&store->tag);
    mc_buf_free(&store->frames);
    mc_buf_free(&store->scratch);
    mc_buf_free(&store->resend);
    mc_buf_free(&store->resend_native);
    mc_buf_free(&store->ident);
    mc_near_free(store);
    if (store->server) zend_string_release(store->server);
    if (store->prefix) zend_string_release(store->prefix);
    if (store->last_error) zend_string_release(store->last_error);
    zend_object_std_dtor(obj);
}

static bool ready(mc_redis_store *store)
{
    if (store->conn == NULL) {
        zend_throw_error(NULL, "MoodleCache\\RedisStore object is not constructed");
        return false;
    }
    if (store->in_user_code) {
        /* its buffers and replies are in use by the outer call */
        zend_throw_error(NULL, "MoodleCache\\RedisStore called from the (un)serialization of one of its own values; "
                         "use another store object there");
        return false;
    }
    return true;
}

/* Encodes value into store->frames; false if it cannot be serialized (an
 * exception is then in flight) or out of memory. */
static bool encode(mc_redis_store *store, zval *value, zend_long ttl, size_t *offset, size_t *len)
{
    store->in_user_code++;          /* serialization may run PHP code */
    bool ok = mc_store_encode(&store->codec, store->serializer, value, ttl, &store->frames, offset, len);
    store->in_user_code--;
    return ok;
}

/* Turns one GET reply of method into a PHP value in rv; false for a miss. */
static bool decode(mc_redis_store *store, const char *method, const redisReply *reply, zend_string *definition,
                   zend_string *key, zval *rv)
{
    if (reply->type == REDIS_REPLY_NIL) {
        store->counters.misses++;
        return false;
    }
    if (reply->type != REDIS_REPLY_STRING) {
        mc_call_reply_failure(store, method, reply);
        store->counters.misses++;
        return false;
    }
    const char *why = NULL;
    store->in_user_code++;          /* unserialization may run PHP code */
    mc_decoded result = mc_store_decode(reply->str, reply->len, store->max_value, &store->scratch,
                                        &store->counters, rv, &why);
    store->in_user_code--;
    if (result == MC_DECODED_BAD) {
        mc_call_set_error(store, zend_strpprintf(0, "%s: unreadable value for key '%s' of '%s' (%s)", method,
                                                 ZSTR_VAL(key), ZSTR_VAL(definition), why));
        mc_warn_once("moodlecache: %s; served as a miss", ZSTR_VAL(store->last_error));
    }
    return result == MC_DECODED_HIT;
}

/* ---- methods ------------------------------------------------------------ */

PHP_METHOD(MoodleCache_RedisStore, __construct)
{
    HashTable *options;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_ARRAY_HT(options)
    ZEND_PARSE_PARAMETERS_END();

    mc_redis_store *store = THIS_STORE();
    if (store->conn != NULL) {
        zend_throw_error(NULL, "MoodleCache\\RedisStore is already constructed");
        RETURN_THROWS();
    }
    if (!mc_redis_store_configure(store, options)) {
        RETURN_THROWS();
    }
}

PHP_METHOD(MoodleCache_RedisStore, get)
{
    zend_string *definition, *key;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_STR(key)
    ZEND_PARSE_PARAMETERS_END();

    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    if (!mc_call_begin(store, definition)) {
        mc_call_out_of_memory(store, "get");
        RETURN_FALSE;
    }
    if (mc_near_get(store, definition, key, return_value)) {
        mc_call_clear_error(store);
        return;
    }
    if (!MC_ARG_LITERAL(store, "HGET") || !mc_call_hash_arg(store) || !mc_call_field_arg(store, key) || !mc_call_queue(store)) {
        mc_call_out_of_memory(store, "get");
        RETURN_FALSE;
    }
    redisReply **replies = mc_call_run(store, "get", 1);
    if (replies == NULL) {
        store->counters.misses++;
        RETURN_FALSE;
    }
    bool hit = decode(store, "get", replies[0], definition, key, return_value);
    if (hit || replies[0]->type == REDIS_REPLY_NIL) {
        mc_near_fill(store, replies[0]);
    }
    if (!hit) {
        RETURN_FALSE;
    }
}

PHP_METHOD(MoodleCache_RedisStore, getMany)
{
    zend_string *definition;
    HashTable *keys;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_ARRAY_HT(keys)
    ZEND_PARSE_PARAMETERS_END();

    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    uint32_t count;
    zend_string **list = mc_key_list(keys, &count);
    array_init_size(return_value, count);
    if (count == 0) {
        mc_key_list_free(list, count);
        return;
    }
    bool ok = mc_call_begin(store, definition);
    /* Keys the near cache answered are in return_value already. */
    bool *missing = safe_emalloc(count, sizeof(bool), 0);
    uint32_t asked = ok ? mc_near_get_many(store, definition, list, count, return_value, missing) : count;
    if (asked == 0) {
        mc_call_clear_error(store);
        efree(missing);
        mc_key_list_free(list, count);
        return;
    }
    ok = ok && MC_ARG_LITERAL(store, "HMGET") && mc_call_hash_arg(store);
    for (uint32_t i = 0; ok && i < count; i++) {
        ok = !missing[i] || mc_call_field_arg(store, list[i]);
    }
    redisReply **replies = NULL;
    if (!ok || !mc_call_queue(store)) {
        mc_call_out_of_memory(store, "getMany");
    } else {
        replies = mc_call_run(store, "getMany", 1);
    }
    const redisReply *values = replies ? replies[0] : NULL;
    if (values && (values->type != REDIS_REPLY_ARRAY || values->elements != asked)) {
        mc_call_reply_failure(store, "getMany", values);
        values = NULL;
    }
    for (uint32_t i = 0, j = 0; i < count; i++) {
        zval value;
        if (!missing[i]) {
            continue;
        }
        if (values == NULL) {
            store->counters.misses++;
            ZVAL_FALSE(&value);
        } else {
            const redisReply *reply = values->element[j++];
            bool hit = decode(store, "getMany", reply, definition, list[i], &value);
            if (hit || reply->type == REDIS_REPLY_NIL) {
                mc_near_fill_many(store, i, list[i], reply);
            }
            if (!hit) {
                ZVAL_FALSE(&value);
            }
        }
        zend_symtable_update(Z_ARRVAL_P(return_value), list[i], &value);
    }
    efree(missing);
    mc_key_list_free(list, count);
}

/* Whether the HSET (and the TTL's commands) of a set/setMany succeeded;
 * a failure is reported. */
static bool set_stored(mc_redis_store *store, const char *method, redisReply **replies, zend_long ttl,
                       const mc_expiry_queued *expiry)
{
    if (replies[0]->type != REDIS_REPLY_INTEGER) {
        mc_call_reply_failure(store, method, replies[0]);
        return false;
    }
    return ttl == 0 || mc_expiry_check(store, method, replies, expiry);
}

PHP_METHOD(MoodleCache_RedisStore, set)
{
    zend_string *definition, *key;
    zval *value;
    zend_long ttl = 0;
    ZEND_PARSE_PARAMETERS_START(3, 4)
        Z_PARAM_STR(definition)
        Z_PARAM_STR(key)
        Z_PARAM_ZVAL(value)
        Z_PARAM_OPTIONAL
        Z_PARAM_LONG(ttl)
    ZEND_PARSE_PARAMETERS_END();

    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    if (ttl < 0) {
        zend_argument_value_error(4, "must be 0 (no expiry) or a number of seconds");
        RETURN_THROWS();
    }
    size_t offset, len, commands = 1;
    if (!mc_call_begin(store, definition)) {
        mc_call_out_of_memory(store, "set");
        RETURN_FALSE;
    }
    if (!encode(store, value, ttl, &offset, &len)) {
        RETURN_THROWS();
    }
    bool announced = false;
    mc_expiry_queued expiry;
    mc_near_write_begin(store, definition, &key, &offset, &len, 1);
    bool ok = MC_ARG_LITERAL(store, "HSET") && mc_call_hash_arg(store) && mc_call_field_arg(store, key)
        && mc_call_frame_arg(store, offset, len) && mc_call_queue(store)
        && (ttl == 0 || mc_expiry_queue(store, &key, &offset, 1, &commands, &expiry))
        && mc_call_queue_announcement(store, definition, MC_ANNOUNCE_KEYS, &key, 1, &commands, &announced);
    if (!ok) {
        mc_near_write_end(store, &key, 1, false);
        mc_call_out_of_memory(store, "set");
        RETURN_FALSE;
    }
    redisReply **replies = mc_call_run(store, "set", commands);
    mc_call_check_announcement(store, replies, commands, announced);
    mc_near_write_end(store, &key, 1, mc_call_written(store, replies, commands, announced));
    bool stored = replies != NULL && set_stored(store, "set", replies, ttl, &expiry);
    mc_near_after_call(store);      /* the replies are used: they may go now */
    if (!stored) RETURN_FALSE;
    store->counters.sets++;
    RETURN_TRUE;
}

PHP_METHOD(MoodleCache_RedisStore, setMany)
{
    zend_string *definition;
    HashTable *items;
    zend_long ttl = 0;
    ZEND_PARSE_PARAMETERS_START(2, 3)
        Z_PARAM_STR(definition)
        Z_PARAM_ARRAY_HT(items)
        Z_PARAM_OPTIONAL
        Z_PARAM_LONG(ttl)
    ZEND_PARSE_PARAMETERS_END();

    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    if (ttl < 0) {
        zend_argument_value_error(3, "must be 0 (no expiry) or a number of seconds");
        RETURN_THROWS();
    }
    uint32_t count = zend_hash_num_elements(items);
    if (count == 0) {
        RETURN_LONG(0);
    }
    if (!mc_call_begin(store, definition)) {
        mc_call_out_of_memory(store, "setMany");
        RETURN_LONG(0);
    }
    zend_string **keys = safe_emalloc(count, sizeof(zend_string *), 0);
    size_t *offsets = safe_emalloc(count, sizeof(size_t), 0);
    size_t *lengths = safe_emalloc(count, sizeof(size_t), 0);
    uint32_t n = 0;
    zend_string *skey;
    zend_ulong ikey;
    zval *value;
    bool ok = true;
    ZEND_HASH_FOREACH_KEY_VAL(items, ikey, skey, value) {
        keys[n] = skey ? zend_string_copy(skey) : zend_long_to_str((zend_long)ikey);
        n++;
        if (!encode(store, value, ttl, &offsets[n - 1], &lengths[n - 1])) {
            ok = false;
            break;
        }
    } ZEND_HASH_FOREACH_END();

    size_t commands = 1;
    ok = ok && MC_ARG_LITERAL(store, "HSET") && mc_call_hash_arg(store);
    for (uint32_t i = 0; ok && i < n; i++) {
        ok = mc_call_field_arg(store, keys[i]) && mc_call_frame_arg(store, offsets[i], lengths[i]);
    }
    bool encoded = ok || !EG(exception);
    bool announced = false;
    mc_expiry_queued expiry;
    if (ok) {
        mc_near_write_begin(store, definition, keys, offsets, lengths, n);
    }
    ok = ok && mc_call_queue(store) && (ttl == 0 || mc_expiry_queue(store, keys, offsets, n, &commands, &expiry))
        && mc_call_queue_announcement(store, definition, MC_ANNOUNCE_KEYS, keys, n, &commands, &announced);

    zend_long stored = 0;
    if (ok) {
        redisReply **replies = mc_call_run(store, "setMany", commands);
        mc_call_check_announcement(store, replies, commands, announced);
        mc_near_write_end(store, keys, n, mc_call_written(store, replies, commands, announced));
        stored = replies != NULL && set_stored(store, "setMany", replies, ttl, &expiry) ? n : 0;
        mc_near_after_call(store);
    } else if (encoded) {
        mc_near_write_end(store, keys, n, false);
        mc_call_out_of_memory(store, "setMany");
    }
    mc_key_list_free(keys, n);
    efree(offsets);
    efree(lengths);
    if (EG(exception)) RETURN_THROWS();
    store->counters.sets += (uint64_t)stored;
    RETURN_LONG(stored);
}

/* HDEL of keys (their stale {P:D}#t members go at the next reap); returns
 * the number deleted, -1 on failure. */
static zend_long delete_keys(mc_redis_store *store, const char *method, zend_string *definition,
                             zend_string **keys, uint32_t count)
{
    size_t commands = 1;
    bool announced = false;
    bool ok = mc_call_begin(store, definition) && MC_ARG_LITERAL(store, "HDEL") && mc_call_hash_arg(store);
    for (uint32_t i = 0; ok && i < count; i++) {
        ok = mc_call_field_arg(store, keys[i]);
    }
    if (!ok || !mc_call_queue(store)
        || !mc_call_queue_announcement(store, definition, MC_ANNOUNCE_KEYS, keys, count, &commands, &announced)) {
        mc_call_out_of_memory(store, method);
        return -1;
    }
    redisReply **replies = mc_call_run(store, method, commands);
    mc_near_invalidate_keys(store, keys, count);
    mc_call_check_announcement(store, replies, commands, announced);
    zend_long deleted = -1;
    if (replies != NULL && replies[0]->type != REDIS_REPLY_INTEGER) {
        mc_call_reply_failure(store, method, replies[0]);
    } else if (replies != NULL) {
        deleted = (zend_long)replies[0]->integer;
        store->counters.deletes += (uint64_t)deleted;
    }
    mc_near_after_call(store);
    return deleted;
}

PHP_METHOD(MoodleCache_RedisStore, delete)
{
    zend_string *definition, *key;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_STR(key)
    ZEND_PARSE_PARAMETERS_END();

    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    RETURN_BOOL(delete_keys(store, "delete", definition, &key, 1) > 0);
}

PHP_METHOD(MoodleCache_RedisStore, deleteMany)
{
    zend_string *definition;
    HashTable *keys;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_ARRAY_HT(keys)
    ZEND_PARSE_PARAMETERS_END();

    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    uint32_t count;
    zend_string **list = mc_key_list(keys, &count);
    zend_long deleted = count ? delete_keys(store, "deleteMany", definition, list, count) : 0;
    mc_key_list_free(list, count);
    RETURN_LONG(deleted < 0 ? 0 : deleted);
}

/* count_present over the distinct keys of a PHP array, their number in *distinct. */
static zend_long count_existing(mc_redis_store *store, const char *method, zend_string *definition,
                                HashTable *keys, bool any, uint32_t *distinct)
{
    HashTable seen;
    zend_hash_init(&seen, zend_hash_num_elements(keys), NULL, NULL, 0);
    zval *entry, dummy;
    ZVAL_TRUE(&dummy);
    ZEND_HASH_FOREACH_VAL(keys, entry) {
        zend_string *key = zval_get_string(entry);
        zend_hash_add(&seen, key, &dummy);
        zend_string_release(key);
    } ZEND_HASH_FOREACH_END();
    *distinct = zend_hash_num_elements(&seen);
    zend_long present = 0;
    if (*distinct > 0) {
        zend_string **list = safe_emalloc(*distinct, sizeof(zend_string *), 0);
        uint32_t n = 0;
        zend_string *key;
        ZEND_HASH_FOREACH_STR_KEY(&seen, key) {
            list[n++] = key;
        } ZEND_HASH_FOREACH_END();
        present = !mc_call_begin(store, definition) ? -1
                : mc_near_has(store, definition, list, n, any) ? (any ? 1 : n)
                : mc_expiry_count(store, method, definition, list, n);
        efree(list);
    }
    zend_hash_destroy(&seen);
    return present;
}

PHP_METHOD(MoodleCache_RedisStore, has)
{
    zend_string *definition, *key;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_STR(key)
    ZEND_PARSE_PARAMETERS_END();

    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    RETURN_BOOL((mc_call_begin(store, definition) && mc_near_has(store, definition, &key, 1, true))
                || mc_expiry_count(store, "has", definition, &key, 1) > 0);
}

PHP_METHOD(MoodleCache_RedisStore, hasAny)
{
    zend_string *definition;
    HashTable *keys;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_ARRAY_HT(keys)
    ZEND_PARSE_PARAMETERS_END();

    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    uint32_t distinct;
    RETURN_BOOL(count_existing(store, "hasAny", definition, keys, true, &distinct) > 0);
}

PHP_METHOD(MoodleCache_RedisStore, hasAll)
{
    zend_string *definition;
    HashTable *keys;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_ARRAY_HT(keys)
    ZEND_PARSE_PARAMETERS_END();

    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    uint32_t distinct;
    zend_long existing = count_existing(store, "hasAll", definition, keys, false, &distinct);
    RETURN_BOOL(existing >= 0 && (uint32_t)existing == distinct);
}

PHP_METHOD(MoodleCache_RedisStore, purge)
{
    zend_string *definition;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_STR(definition)
    ZEND_PARSE_PARAMETERS_END();

    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    size_t commands = 1;
    bool announced = false;
    if (!mc_call_begin(store, definition) || !MC_ARG_LITERAL(store, "DEL") || !mc_call_hash_arg(store)
        || !mc_call_ttl_index_arg(store) || !mc_call_queue(store)
        || !mc_call_queue_announcement(store, definition, MC_ANNOUNCE_DEFINITION, NULL, 0, &commands, &announced)) {
        mc_call_out_of_memory(store, "purge");
        RETURN_FALSE;
    }
    redisReply **replies = mc_call_run(store, "purge", commands);
    mc_near_invalidate_definition(store);
    mc_call_check_announcement(store, replies, commands, announced);
    bool purged = replies != NULL && replies[0]->type == REDIS_REPLY_INTEGER;
    if (replies != NULL && !purged) {
        mc_call_reply_failure(store, "purge", replies[0]);
    }
    mc_near_after_call(store);
    RETURN_BOOL(purged);
}

/* SCANs one node for the prefix's keys and unlinks what each step found. */
static bool purge_all_on(mc_redis_store *store, const mc_buf *pattern)
{
    zend_string *cursor = zend_string_init("0", 1, 0);
    bool ok = true;
    mc_redis_discard(store->conn);
    do {
        mc_args_clear(&store->args);
        ok = MC_ARG_LITERAL(store, "SCAN") && mc_call_arg(store, ZSTR_VAL(cursor), ZSTR_LEN(cursor))
            && MC_ARG_LITERAL(store, "MATCH") && mc_call_arg(store, pattern->data, pattern->len)
            && MC_ARG_LITERAL(store, "COUNT") && MC_ARG_LITERAL(store, "1000") && mc_call_queue(store);
        if (!ok) {
            mc_call_out_of_memory(store, "purgeAll");
            break;
        }
        redisReply **replies = mc_call_run(store, "purgeAll", 1);
        const redisReply *scan = replies ? replies[0] : NULL;
        if (scan == NULL || scan->type != REDIS_REPLY_ARRAY || scan->elements != 2
            || scan->element[0]->type != REDIS_REPLY_STRING || scan->element[1]->type != REDIS_REPLY_ARRAY) {
            if (scan) mc_call_reply_failure(store, "purgeAll", scan);
            ok = false;
            break;
        }
        zend_string_release(cursor);
        cursor = zend_string_init(scan->element[0]->str, scan->element[0]->len, 0);
        const redisReply *found = scan->element[1];
        if (found->elements > 0) {
            /* A cluster node refuses a multi-key UNLINK across slots: one per key there. */
            size_t commands = store->cluster ? found->elements : 1;
            ok = true;
            for (size_t i = 0; ok && i < found->elements; i++) {
                ok = (i > 0 && !store->cluster) || MC_ARG_LITERAL(store, "UNLINK");
                ok = ok && found->element[i]->type == REDIS_REPLY_STRING
                    && mc_call_arg(store, found->element[i]->str, found->element[i]->len)
                    && (!store->cluster || mc_call_queue(store));
            }
            ok = ok && (store->cluster || mc_call_queue(store));
            replies = ok ? mc_call_run(store, "purgeAll", commands) : NULL;
            for (size_t i = 0; replies && i < commands; i++) {
                if (replies[i]->type != REDIS_REPLY_INTEGER) {
                    mc_call_reply_failure(store, "purgeAll", replies[i]);
                    replies = NULL;
                }
            }
            if (replies == NULL) {
                ok = false;
                break;
            }
        }
    } while (!zend_string_equals_literal(cursor, "0"));
    zend_string_release(cursor);
    return ok;
}

/* After purgeAll: every node flushes the prefix (in a cluster PUBLISH
 * reaches every node from any master). */
static void announce_purge_all(mc_redis_store *store)
{
    size_t commands = 0;
    bool announced = false;
    mc_redis_discard(store->conn);
    mc_args_clear(&store->args);
    mc_buf_clear(&store->tag);
    if (!mc_call_queue_announcement(store, NULL, MC_ANNOUNCE_ALL, NULL, 0, &commands, &announced)) {
        mc_near_announce_failed(store, NULL);
    } else if (announced) {
        mc_call_check_announcement(store, mc_call_run(store, "purgeAll", commands), commands, announced);
    }
    mc_near_after_call(store);
}

/* In a cluster the prefix's definitions hash to every master: each is scanned. */
PHP_METHOD(MoodleCache_RedisStore, purgeAll)
{
    ZEND_PARSE_PARAMETERS_NONE();
    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();

    mc_buf pattern = MC_BUF_INIT;
    if (mc_layout_scan_pattern(&pattern, ZSTR_VAL(store->prefix), ZSTR_LEN(store->prefix)) != MC_OK) {
        mc_buf_free(&pattern);
        mc_call_out_of_memory(store, "purgeAll");
        RETURN_FALSE;
    }
    mc_redis **nodes = &store->conn;
    size_t count = store->cluster ? mc_cluster_masters(store->cluster, &nodes) : 1;
    bool ok = true;
    for (size_t i = 0; i < count; i++) {
        store->conn = nodes[i];
        ok = purge_all_on(store, &pattern) && ok;
    }
    mc_buf_free(&pattern);
    mc_near_flush(store);
    announce_purge_all(store);
    RETURN_BOOL(ok);
}

static void find_keys(INTERNAL_FUNCTION_PARAMETERS, const char *method, zend_string *definition,
                      zend_string *key_prefix)
{
    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    array_init(return_value);
    (void)mc_expiry_find(store, method, definition, key_prefix, return_value);
}

PHP_METHOD(MoodleCache_RedisStore, findAll)
{
    zend_string *definition;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_STR(definition)
    ZEND_PARSE_PARAMETERS_END();
    find_keys(INTERNAL_FUNCTION_PARAM_PASSTHRU, "findAll", definition, ZSTR_EMPTY_ALLOC());
}

PHP_METHOD(MoodleCache_RedisStore, findByPrefix)
{
    zend_string *definition, *prefix;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_STR(prefix)
    ZEND_PARSE_PARAMETERS_END();
    find_keys(INTERNAL_FUNCTION_PARAM_PASSTHRU, "findByPrefix", definition, prefix);
}

PHP_METHOD(MoodleCache_RedisStore, acquireLock)
{
    zend_string *definition, *key, *owner;
    zend_long ttl_ms;
    ZEND_PARSE_PARAMETERS_START(4, 4)
        Z_PARAM_STR(definition)
        Z_PARAM_STR(key)
        Z_PARAM_STR(owner)
        Z_PARAM_LONG(ttl_ms)
    ZEND_PARSE_PARAMETERS_END();

    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    if (ttl_ms <= 0) {
        zend_argument_value_error(4, "must be a number of milliseconds above 0");
        RETURN_THROWS();
    }
    if (!mc_call_begin(store, definition) || !MC_ARG_LITERAL(store, "SET")
        || !mc_call_key_arg(store, "#l:", ZSTR_VAL(key), ZSTR_LEN(key))
        || !mc_call_arg(store, ZSTR_VAL(owner), ZSTR_LEN(owner)) || !MC_ARG_LITERAL(store, "NX")
        || !MC_ARG_LITERAL(store, "PX") || mc_args_add_u64(&store->args, (unsigned long long)ttl_ms) != MC_OK
        || !mc_call_queue(store)) {
        mc_call_out_of_memory(store, "acquireLock");
        RETURN_FALSE;
    }
    mc_redis_no_resend(store->conn);     /* run twice, it would see its own lock as another's */
    redisReply **replies = mc_call_run(store, "acquireLock", 1);
    if (replies == NULL) {
        RETURN_FALSE;
    }
    if (replies[0]->type == REDIS_REPLY_STATUS) {
        RETURN_TRUE;
    }
    if (replies[0]->type != REDIS_REPLY_NIL) {
        mc_call_reply_failure(store, "acquireLock", replies[0]);   /* an error, not "busy" */
    }
    RETURN_FALSE;
}

PHP_METHOD(MoodleCache_RedisStore, releaseLock)
{
    zend_string *definition, *key, *owner;
    ZEND_PARSE_PARAMETERS_START(3, 3)
        Z_PARAM_STR(definition)
        Z_PARAM_STR(key)
        Z_PARAM_STR(owner)
    ZEND_PARSE_PARAMETERS_END();

    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    if (!mc_call_begin(store, definition) || !MC_ARG_LITERAL(store, "EVALSHA")
        || !mc_call_arg(store, mc_script_release.sha, 40) || !MC_ARG_LITERAL(store, "1")
        || !mc_call_key_arg(store, "#l:", ZSTR_VAL(key), ZSTR_LEN(key))
        || !mc_call_arg(store, ZSTR_VAL(owner), ZSTR_LEN(owner)) || !mc_call_queue(store)) {
        mc_call_out_of_memory(store, "releaseLock");
        RETURN_FALSE;
    }
    redisReply **replies = mc_call_run_loading(store, "releaseLock", &mc_script_release, 1, 0);
    if (replies != NULL && replies[0]->type != REDIS_REPLY_INTEGER) {
        mc_call_reply_failure(store, "releaseLock", replies[0]);   /* the lock stays until its TTL */
        RETURN_FALSE;
    }
    RETURN_BOOL(replies && replies[0]->integer == 1);
}

PHP_METHOD(MoodleCache_RedisStore, checkLockState)
{
    zend_string *definition, *key, *owner;
    ZEND_PARSE_PARAMETERS_START(3, 3)
        Z_PARAM_STR(definition)
        Z_PARAM_STR(key)
        Z_PARAM_STR(owner)
    ZEND_PARSE_PARAMETERS_END();

    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    if (!mc_call_begin(store, definition) || !MC_ARG_LITERAL(store, "GET")
        || !mc_call_key_arg(store, "#l:", ZSTR_VAL(key), ZSTR_LEN(key)) || !mc_call_queue(store)) {
        mc_call_out_of_memory(store, "checkLockState");
        RETURN_FALSE;
    }
    redisReply **replies = mc_call_run(store, "checkLockState", 1);
    if (replies == NULL) {
        RETURN_FALSE;                   /* unknown: never "ours", never "free" */
    }
    if (replies[0]->type == REDIS_REPLY_NIL) {
        RETURN_NULL();
    }
    if (replies[0]->type != REDIS_REPLY_STRING) {
        mc_call_reply_failure(store, "checkLockState", replies[0]);
        RETURN_FALSE;
    }
    RETURN_BOOL(replies[0]->len == ZSTR_LEN(owner)
                && memcmp(replies[0]->str, ZSTR_VAL(owner), ZSTR_LEN(owner)) == 0);
}

PHP_METHOD(MoodleCache_RedisStore, stats)
{
    ZEND_PARSE_PARAMETERS_NONE();
    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    mc_node_stats_flush(store);
    const mc_redis_stats *net = mc_redis_get_stats(store->conn);
    mc_redis_stats sum;
    if (store->cluster) {
        mc_cluster_stats(store->cluster, &sum);
        net = &sum;
    }
    array_init(return_value);
    add_assoc_long(return_value, "hits", (zend_long)store->counters.hits);
    add_assoc_long(return_value, "misses", (zend_long)store->counters.misses);
    add_assoc_long(return_value, "sets", (zend_long)store->counters.sets);
    add_assoc_long(return_value, "deletes", (zend_long)store->counters.deletes);
    add_assoc_long(return_value, "corrupt", (zend_long)store->counters.corrupt);
    add_assoc_long(return_value, "round_trips", (zend_long)net->round_trips);
    add_assoc_long(return_value, "commands", (zend_long)net->commands);
    add_assoc_long(return_value, "bytes_sent", (zend_long)net->bytes_sent);
    add_assoc_long(return_value, "bytes_received", (zend_long)net->bytes_received);
    add_assoc_long(return_value, "connects", (zend_long)net->connects);
    add_assoc_long(return_value, "reconnects", (zend_long)net->reconnects);
    add_assoc_long(return_value, "reused", (zend_long)net->reused);
    add_assoc_long(return_value, "errors", (zend_long)(net->errors + store->reply_errors));
    if (store->cluster) {
        const mc_cluster_counters *cc = mc_cluster_get_counters(store->cluster);
        add_assoc_long(return_value, "cluster_refreshes", (zend_long)cc->refreshes);
        add_assoc_long(return_value, "cluster_moved", (zend_long)cc->moved);
        add_assoc_long(return_value, "cluster_ask", (zend_long)cc->ask);
        add_assoc_long(return_value, "cluster_tryagain", (zend_long)cc->tryagain);
    }
    mc_near_stats(store, return_value);
}

PHP_METHOD(MoodleCache_RedisStore, nearCacheSync)
{
    double timeout = 1.0;
    ZEND_PARSE_PARAMETERS_START(0, 1)
        Z_PARAM_OPTIONAL
        Z_PARAM_DOUBLE(timeout)
    ZEND_PARSE_PARAMETERS_END();
    mc_redis_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    if (!(timeout >= 0 && timeout <= 3600)) {
        zend_argument_value_error(1, "must be a number of seconds between 0 and 3600");
        RETURN_THROWS();
    }
    RETURN_BOOL(mc_near_sync(store, timeout));
}

PHP_METHOD(MoodleCache_RedisStore, lastError)
{
    ZEND_PARSE_PARAMETERS_NONE();
    mc_redis_store *store = THIS_STORE();
    if (store->last_error == NULL) {
        RETURN_NULL();
    }
    RETURN_STR_COPY(store->last_error);
}

void mc_redis_store_register(void)
{
    redis_store_ce = register_class_MoodleCache_RedisStore();
    redis_store_ce->create_object = redis_store_create;
    memcpy(&redis_store_handlers, zend_get_std_object_handlers(), sizeof(zend_object_handlers));
    redis_store_handlers.offset = XtOffsetOf(mc_redis_store, std);
    redis_store_handlers.free_obj = redis_store_free;
    redis_store_handlers.clone_obj = NULL;
}
