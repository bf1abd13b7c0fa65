/*
 * memcached_store.c - MoodleCache\MemcachedStore: Moodle's cache operations
 * on memcached through libmemcached (consistent hashing across servers).
 *
 * purge() and purgeAll() never flush a server.  Each value carries a 16-byte
 * stamp, the prefix and definition generations it was written under, ahead
 * of its value frame; purge increments the definition's generation key,
 * purgeAll the prefix's, and a value whose stamp is not current is a miss.
 * Reads fetch both generation keys in the same multi-get as the data (one
 * round trip, servers in parallel), so a purge by any process is seen by the
 * very next read.  Writes stamp with the generations this object last saw
 * (fetched once when unknown): a write racing a purge elsewhere is stored
 * under the old generation and reads as a miss, never as wrong data.  A lost
 * generation key (eviction, restart) is recreated with a new random value,
 * which hides everything written under the old one.  Key names: src/mckey.h.
 *
 * A failed call is a miss (false / 0 / []) plus one warning per request.
 * A dead server is skipped for MC_MEMCACHED_RETRY_S seconds and then tried
 * again, so it rejoins by itself; servers are never ejected from the hash
 * ring, so keys never move to another server and come back stale.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <time.h>
#include <openssl/rand.h>
#include "php.h"
#include "zend_exceptions.h"
#include "php_moodlecache.h"
#include "memcached_store.h"
#include "memcached_store_arginfo.h"
#include "mckey.h"

#define STAMP_SIZE 16
#define MAX_RELATIVE_TTL (30 * 24 * 3600) /* memcached reads larger expiries as unix times */

static zend_class_entry *memcached_store_ce;
static zend_object_handlers memcached_store_handlers;

#define THIS_STORE() mc_memcached_store_from(Z_OBJ_P(ZEND_THIS))

/* ---- object life cycle ------------------------------------------------ */

static zend_object *memcached_store_create(zend_class_entry *ce)
{
    mc_memcached_store *store = zend_object_alloc(sizeof(mc_memcached_store), ce);
    zend_object_std_init(&store->std, ce);
    object_properties_init(&store->std, ce);
    store->std.handlers = &memcached_store_handlers;
    zend_hash_init(&store->definition_gens, 8, NULL, NULL, 0);
    return &store->std;
}

static void memcached_store_free(zend_object *obj)
{
    mc_memcached_store *store = mc_memcached_store_from(obj);
    if (store->mc) memcached_free(store->mc);
    zend_hash_destroy(&store->definition_gens);
    mc_buf_free(&store->keys);
    mc_buf_free(&store->frames);
    mc_buf_free(&store->scratch);
    if (store->servers) zend_string_release(store->servers);
    if (store->prefix) zend_string_release(store->prefix);
    if (store->last_error) zend_string_release(store->last_error);
    zend_object_std_dtor(obj);
}

static bool ready(mc_memcached_store *store)
{
    if (store->mc == NULL) {
        zend_throw_error(NULL, "MoodleCache\\MemcachedStore object is not constructed");
        return false;
    }
    if (store->in_user_code) {
        /* its buffers and replies are in use by the outer call */
        zend_throw_error(NULL, "MoodleCache\\MemcachedStore called from the (un)serialization of one of its own values; "
                         "use another store object there");
        return false;
    }
    return true;
}

/* ---- errors ------------------------------------------------------------ */

static void set_error(mc_memcached_store *store, zend_string *message)
{
    if (store->last_error) {
        zend_string_release(store->last_error);
    }
    store->last_error = message;
}

static void clear_error(mc_memcached_store *store)
{
    set_error(store, NULL);
}

/* A server could not be used: a miss, and one warning a request. */
/* libmemcached's last error without what is of no use to an operator (and
 * should not be shown): the "(0x55...)" heap address it starts with and the
 * "-> ./src/libmemcached/io.cc:145" source position it ends with. */
static zend_string *error_detail(mc_memcached_store *store, memcached_return_t rc)
{
    const char *detail = memcached_last_error_message(store->mc);
    if (detail == NULL || *detail == '\0') {
        detail = memcached_strerror(store->mc, rc);
    }
    if (detail[0] == '(' && detail[1] == '0' && detail[2] == 'x') {
        const char *close = strchr(detail, ')');
        detail = close ? close + 1 : detail;
        while (*detail == ' ') detail++;
    }
    const char *source = strstr(detail, " -> ");
    size_t len = source ? (size_t)(source - detail) : strlen(detail);
    while (len > 0 && (detail[len - 1] == ' ' || detail[len - 1] == ',')) len--;
    return zend_string_init(detail, len, 0);
}

static void network_failure(mc_memcached_store *store, const char *method, memcached_return_t rc)
{
    zend_string *detail = error_detail(store, rc);
    store->errors++;
    set_error(store, zend_strpprintf(0, "%s: %s", method, ZSTR_VAL(detail)));
    mc_warn_once("moodlecache: memcached %s unavailable (%s); %s() served as a miss",
                 ZSTR_VAL(store->servers), ZSTR_VAL(detail), method);
    zend_string_release(detail);
}

static void out_of_memory(mc_memcached_store *store, const char *method)
{
    set_error(store, zend_strpprintf(0, "%s: out of memory", method));
    mc_warn_once("moodlecache: %s(): out of memory", method);
}

/* ---- keys and generations ------------------------------------------------ */

/* Appends one memcached key to store->keys; its start is *offset. */
static bool add_key(mc_memcached_store *store, mc_mckey_kind kind, zend_string *definition,
                    const char *key, size_t key_len, size_t *offset)
{
    *offset = store->keys.len;
    return mc_mckey(&store->keys, kind, ZSTR_VAL(store->prefix), ZSTR_LEN(store->prefix),
                    definition ? ZSTR_VAL(definition) : "", definition ? ZSTR_LEN(definition) : 0,
                    key, key_len) == MC_OK;
}

/* A generation as stored: decimal text of 1..20 digits, not 0. */
static bool parse_gen(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > 20) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10) {
            return false;
        }
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return v != 0;
}

/* A fresh generation: random, so that it matches no lost one. */
static uint64_t random_gen(void)
{
    uint64_t v = 0;
    if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1) {
        v = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)&v;
    }
    v >>= 2;                /* room for increments before the 64-bit wrap */
    return v ? v : 1;
}

static uint64_t cached_definition_gen(mc_memcached_store *store, zend_string *definition)
{
    zval *gen = zend_hash_find(&store->definition_gens, definition);
    return gen ? (uint64_t)Z_LVAL_P(gen) : 0;
}

static void cache_definition_gen(mc_memcached_store *store, zend_string *definition, uint64_t gen)
{
    zval value;
    ZVAL_LONG(&value, (zend_long)gen);
    zend_hash_update(&store->definition_gens, definition, &value);
}

static void stamp_write(char *stamp, uint64_t prefix_gen, uint64_t definition_gen)
{
    for (int i = 0; i < 8; i++) {
        stamp[i] = (char)(prefix_gen >> (8 * i));
        stamp[8 + i] = (char)(definition_gen >> (8 * i));
    }
}

static bool stamp_matches(const char *value, size_t len, uint64_t prefix_gen, uint64_t definition_gen)
{
    char expected[STAMP_SIZE];
    stamp_write(expected, prefix_gen, definition_gen);
    return len >= STAMP_SIZE && memcmp(value, expected, STAMP_SIZE) == 0;
}

/* ---- the multi-get ---------------------------------------------------------- */

/* One multi-get of count keys (store->keys at offsets): values[i] is the
 * value of key i or NULL.  Requests go to every server before any reply is
 * read.  false when any server failed (reported); the values that did
 * arrive are still filled in. */
static bool multi_get(mc_memcached_store *store, const char *method, size_t count,
                      const size_t *offsets, zend_string **values)
{
    const char **ptrs = safe_emalloc(count, sizeof(char *), 0);
    size_t *lens = safe_emalloc(count, sizeof(size_t), 0);
    HashTable index;
    zend_hash_init(&index, (uint32_t)count, NULL, NULL, 0);
    for (size_t i = 0; i < count; i++) {
        size_t end = i + 1 < count ? offsets[i + 1] : store->keys.len;
        ptrs[i] = store->keys.data + offsets[i];
        lens[i] = end - offsets[i];
        values[i] = NULL;
        zval pos;
        ZVAL_LONG(&pos, (zend_long)i);
        zend_hash_str_add(&index, ptrs[i], lens[i], &pos);  /* first of duplicates */
    }
    store->round_trips++;
    memcached_return_t rc = memcached_mget(store->mc, ptrs, lens, count);
    bool ok = rc == MEMCACHED_SUCCESS;
    if (rc == MEMCACHED_SUCCESS || rc == MEMCACHED_SOME_ERRORS) {
        memcached_result_st result;
        memcached_return_t frc = MEMCACHED_SUCCESS;
        if (memcached_result_create(store->mc, &result) == NULL) {
            ok = false;
            rc = MEMCACHED_MEMORY_ALLOCATION_FAILURE;
        } else {
            while (memcached_fetch_result(store->mc, &result, &frc) != NULL) {
                zval *pos = zend_hash_str_find(&index, memcached_result_key_value(&result),
                                               memcached_result_key_length(&result));
                if (pos != NULL && values[Z_LVAL_P(pos)] == NULL) {
                    values[Z_LVAL_P(pos)] = zend_string_init(memcached_result_value(&result),
                                                             memcached_result_length(&result), 0);
                }
            }
            memcached_result_free(&result);
            /* A server that died since its last use fails while its replies
             * are read, and the fetch loop just ends: its error is kept. */
            memcached_return_t last = memcached_last_error(store->mc);
            if (frc != MEMCACHED_END && frc != MEMCACHED_SUCCESS && frc != MEMCACHED_NOTFOUND) {
                ok = false;
                rc = frc;
            } else if (last != MEMCACHED_SUCCESS && last != MEMCACHED_END && last != MEMCACHED_NOTFOUND) {
                ok = false;
                rc = last;
            }
        }
    }
    /* Duplicated keys take the value of their first occurrence. */
    for (size_t i = 0; i < count; i++) {
        zval *pos = zend_hash_str_find(&index, ptrs[i], lens[i]);
        if (pos != NULL && (size_t)Z_LVAL_P(pos) != i && values[Z_LVAL_P(pos)] != NULL) {
            values[i] = zend_string_copy(values[Z_LVAL_P(pos)]);
        }
    }
    zend_hash_destroy(&index);
    efree(ptrs);
    efree(lens);
    if (!ok) {
        network_failure(store, method, rc);
    }
    return ok;
}

/* Fetches the two generations and the values of keys in one multi-get.
 * values[i] is the frame of key i when its stamp is current, else NULL.
 * false when the call failed as a whole (out of memory, reported). */
static bool fetch_current(mc_memcached_store *store, const char *method, zend_string *definition,
                          zend_string **keys, uint32_t count, zend_string **values)
{
    size_t total = (size_t)count + 2;
    size_t *offsets = safe_emalloc(total, sizeof(size_t), 0);
    zend_string **raw = safe_emalloc(total, sizeof(zend_string *), 0);
    mc_buf_clear(&store->keys);
    bool ok = add_key(store, MC_MCKEY_PREFIX_GEN, NULL, "", 0, &offsets[0])
        && add_key(store, MC_MCKEY_DEFINITION_GEN, definition, "", 0, &offsets[1]);
    for (uint32_t i = 0; ok && i < count; i++) {
        ok = add_key(store, MC_MCKEY_DATA, definition, ZSTR_VAL(keys[i]), ZSTR_LEN(keys[i]), &offsets[i + 2]);
    }
    for (uint32_t i = 0; i < count; i++) {
        values[i] = NULL;
    }
    if (!ok) {
        efree(offsets);
        efree(raw);
        out_of_memory(store, method);
        return false;
    }
    if (multi_get(store, method, total, offsets, raw)) {
        clear_error(store);
    }
    uint64_t prefix_gen = 0, definition_gen = 0;
    bool gens = raw[0] && raw[1] && parse_gen(ZSTR_VAL(raw[0]), ZSTR_LEN(raw[0]), &prefix_gen)
        && parse_gen(ZSTR_VAL(raw[1]), ZSTR_LEN(raw[1]), &definition_gen);
    if (gens) {
        store->prefix_gen = prefix_gen;
        cache_definition_gen(store, definition, definition_gen);
    } else {
        /* Lost (restart, eviction) or unreachable: the next write makes new ones. */
        store->prefix_gen = 0;
        zend_hash_del(&store->definition_gens, definition);
    }
    for (size_t i = 0; i < total; i++) {
        zend_string *value = raw[i];
        if (value == NULL) {
            continue;
        }
        if (i >= 2 && gens && stamp_matches(ZSTR_VAL(value), ZSTR_LEN(value), prefix_gen, definition_gen)) {
            values[i - 2] = zend_string_init(ZSTR_VAL(value) + STAMP_SIZE, ZSTR_LEN(value) - STAMP_SIZE, 0);
        }
        zend_string_release(value);
    }
    efree(offsets);
    efree(raw);
    return true;
}

/* A generation key that holds no generation (written by something else, or
 * damaged) would block every write of its prefix or definition: it is
 * counted as corrupt, reported, and replaced by a fresh generation, which
 * is a purge of what it covered.  The new generation, 0 on failure. */
static uint64_t repair_gen(mc_memcached_store *store, const char *method, const char *key, size_t key_len)
{
    char text[24];
    uint64_t gen = random_gen();
    int n = snprintf(text, sizeof(text), "%llu", (unsigned long long)gen);
    store->counters.corrupt++;
    store->round_trips++;
    memcached_return_t rc = memcached_set(store->mc, key, key_len, text, (size_t)n, 0, 0);
    if (rc != MEMCACHED_SUCCESS) {
        network_failure(store, method, rc);
        return 0;
    }
    set_error(store, zend_strpprintf(0, "%s: a generation key held no generation; replaced (a purge)", method));
    mc_warn_once("moodlecache: memcached %s: %s", ZSTR_VAL(store->servers), ZSTR_VAL(store->last_error));
    return gen;
}

/* The value of one generation key, creating it (random) when missing and
 * replacing it when it holds no generation.  0 on failure (reported). */
static uint64_t load_gen(mc_memcached_store *store, const char *method, const char *key, size_t key_len,
                         zend_string *value)
{
    uint64_t gen = 0;
    if (value != NULL) {
        return parse_gen(ZSTR_VAL(value), ZSTR_LEN(value), &gen) ? gen : repair_gen(store, method, key, key_len);
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        char text[24];
        gen = random_gen();
        int n = snprintf(text, sizeof(text), "%llu", (unsigned long long)gen);
        store->round_trips++;
        memcached_return_t rc = memcached_add(store->mc, key, key_len, text, (size_t)n, 0, 0);
        if (rc == MEMCACHED_SUCCESS) {
            return gen;
        }
        if (rc != MEMCACHED_NOTSTORED && rc != MEMCACHED_DATA_EXISTS) {
            network_failure(store, method, rc);
            return 0;
        }
        /* Another process created it first: read theirs. */
        size_t len = 0;
        uint32_t flags = 0;
        store->round_trips++;
        char *current = memcached_get(store->mc, key, key_len, &len, &flags, &rc);
        if (current != NULL) {
            bool parsed = parse_gen(current, len, &gen);
            free(current);
            return parsed ? gen : repair_gen(store, method, key, key_len);
        }
        if (rc != MEMCACHED_NOTFOUND) {
            network_failure(store, method, rc);
            return 0;
        }
    }
    return 0;
}

/* The generations to stamp a write with: those last seen, else fetched (and
 * created when missing).  false on failure (reported). */
static bool write_gens(mc_memcached_store *store, const char *method, zend_string *definition,
                       uint64_t *prefix_gen, uint64_t *definition_gen)
{
    *prefix_gen = store->prefix_gen;
    *definition_gen = cached_definition_gen(store, definition);
    if (*prefix_gen != 0 && *definition_gen != 0) {
        return true;
    }
    size_t offsets[2];
    zend_string *raw[2] = {NULL, NULL};
    mc_buf_clear(&store->keys);
    if (!add_key(store, MC_MCKEY_PREFIX_GEN, NULL, "", 0, &offsets[0])
        || !add_key(store, MC_MCKEY_DEFINITION_GEN, definition, "", 0, &offsets[1])) {
        out_of_memory(store, method);
        return false;
    }
    bool ok = multi_get(store, method, 2, offsets, raw);
    if (ok) {
        *prefix_gen = load_gen(store, method, store->keys.data, offsets[1], raw[0]);
        *definition_gen = *prefix_gen ? load_gen(store, method, store->keys.data + offsets[1],
                                                 store->keys.len - offsets[1], raw[1]) : 0;
        ok = *prefix_gen != 0 && *definition_gen != 0;
    }
    for (int i = 0; i < 2; i++) {
        if (raw[i]) zend_string_release(raw[i]);
    }
    if (ok) {
        store->prefix_gen = *prefix_gen;
        cache_definition_gen(store, definition, *definition_gen);
    }
    return ok;
}

/* ---- values -------------------------------------------------------------- */

static time_t expiration_of(zend_long ttl)
{
    if (ttl <= 0) {
        return 0;
    }
    return ttl <= MAX_RELATIVE_TTL ? (time_t)ttl : time(NULL) + (time_t)ttl;
}

/* Appends stamp + frame of value to store->frames. */
static bool encode(mc_memcached_store *store, zval *value, zend_long ttl, uint64_t prefix_gen,
                   uint64_t definition_gen, size_t *offset, size_t *len)
{
    char stamp[STAMP_SIZE];
    size_t start = store->frames.len, frame_offset, frame_len;
    stamp_write(stamp, prefix_gen, definition_gen);
    if (mc_buf_append(&store->frames, stamp, STAMP_SIZE) != MC_OK) {
        zend_throw_exception(mc_ce_exception, "moodlecache: out of memory", 0);
        return false;
    }
    store->in_user_code++;          /* serialization may run PHP code */
    bool encoded = mc_store_encode(&store->codec, store->serializer, value, ttl, &store->frames,
                                   &frame_offset, &frame_len);
    store->in_user_code--;
    if (!encoded) {
        store->frames.len = start;
        return false;
    }
    *offset = start;
    *len = STAMP_SIZE + frame_len;
    return true;
}

/* Turns a fetched frame (or NULL) into a PHP value in rv; false for a miss. */
static bool decode(mc_memcached_store *store, const char *method, zend_string *frame, zend_string *definition,
                   zend_string *key, zval *rv)
{
    if (frame == NULL) {
        store->counters.misses++;
        return false;
    }
    const char *why = NULL;
    store->in_user_code++;          /* unserialization may run PHP code */
    mc_decoded result = mc_store_decode(ZSTR_VAL(frame), ZSTR_LEN(frame), store->max_value, &store->scratch,
                                        &store->counters, rv, &why);
    store->in_user_code--;
    if (result == MC_DECODED_BAD) {
        set_error(store, zend_strpprintf(0, "%s: unreadable value for key '%s' of '%s' (%s)", method,
                                         ZSTR_VAL(key), ZSTR_VAL(definition), why));
        mc_warn_once("moodlecache: %s; served as a miss", ZSTR_VAL(store->last_error));
    }
    return result == MC_DECODED_HIT;
}

static void release_values(zend_string **values, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        if (values[i]) zend_string_release(values[i]);
    }
    efree(values);
}

/* Stores one stamped value; true when memcached took it (or buffered it). */
static bool store_value(mc_memcached_store *store, const char *method, zend_string *definition,
                        zend_string *key, size_t offset, size_t len, zend_long ttl)
{
    if (len > store->max_item) {
        set_error(store, zend_strpprintf(0, "%s: value of key '%s' is %zu bytes, above max_item_size %zu",
                                         method, ZSTR_VAL(key), len, store->max_item));
        mc_warn_once("moodlecache: %s; not stored", ZSTR_VAL(store->last_error));
        return false;
    }
    size_t key_offset;
    mc_buf_clear(&store->keys);
    if (!add_key(store, MC_MCKEY_DATA, definition, ZSTR_VAL(key), ZSTR_LEN(key), &key_offset)) {
        out_of_memory(store, method);
        return false;
    }
    memcached_return_t rc = memcached_set(store->mc, store->keys.data, store->keys.len,
                                          store->frames.data + offset, len, expiration_of(ttl), 0);
    if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_BUFFERED) {
        network_failure(store, method, rc);
        return false;
    }
    return true;
}

/* ---- methods -------------------------------------------------------------- */

PHP_METHOD(MoodleCache_MemcachedStore, __construct)
{
    HashTable *options;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_ARRAY_HT(options)
    ZEND_PARSE_PARAMETERS_END();

    mc_memcached_store *store = THIS_STORE();
    if (store->mc != NULL) {
        zend_throw_error(NULL, "MoodleCache\\MemcachedStore is already constructed");
        RETURN_THROWS();
    }
    if (!mc_memcached_store_configure(store, options)) {
        RETURN_THROWS();
    }
}

PHP_METHOD(MoodleCache_MemcachedStore, get)
{
    zend_string *definition, *key;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_STR(key)
    ZEND_PARSE_PARAMETERS_END();

    mc_memcached_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    zend_string *frame = NULL;
    if (!fetch_current(store, "get", definition, &key, 1, &frame)) {
        store->counters.misses++;
        RETURN_FALSE;
    }
    bool hit = decode(store, "get", frame, definition, key, return_value);
    if (frame) zend_string_release(frame);
    if (!hit) {
        RETURN_FALSE;
    }
}

PHP_METHOD(MoodleCache_MemcachedStore, getMany)
{
    zend_string *definition;
    HashTable *keys;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_ARRAY_HT(keys)
    ZEND_PARSE_PARAMETERS_END();

    mc_memcached_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    uint32_t count;
    zend_string **list = mc_key_list(keys, &count);
    array_init_size(return_value, count);
    if (count == 0) {
        mc_key_list_free(list, count);
        return;
    }
    zend_string **frames = safe_emalloc(count, sizeof(zend_string *), 0);
    fetch_current(store, "getMany", definition, list, count, frames);
    for (uint32_t i = 0; i < count; i++) {
        zval value;
        if (!decode(store, "getMany", frames[i], definition, list[i], &value)) {
            ZVAL_FALSE(&value);
        }
        zend_symtable_update(Z_ARRVAL_P(return_value), list[i], &value);
    }
    release_values(frames, count);
    mc_key_list_free(list, count);
}

PHP_METHOD(MoodleCache_MemcachedStore, set)
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

    mc_memcached_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    if (ttl < 0) {
        zend_argument_value_error(4, "must be 0 (no expiry) or a number of seconds");
        RETURN_THROWS();
    }
    uint64_t prefix_gen, definition_gen;
    size_t offset, len;
    mc_buf_clear(&store->frames);
    if (!encode(store, value, ttl, 1, 1, &offset, &len)) {
        RETURN_THROWS();
    }
    if (!write_gens(store, "set", definition, &prefix_gen, &definition_gen)) {
        RETURN_FALSE;
    }
    stamp_write(store->frames.data + offset, prefix_gen, definition_gen);
    store->round_trips++;
    if (!store_value(store, "set", definition, key, offset, len, ttl)) {
        RETURN_FALSE;
    }
    clear_error(store);
    store->counters.sets++;
    RETURN_TRUE;
}

PHP_METHOD(MoodleCache_MemcachedStore, setMany)
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

    mc_memcached_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    if (ttl < 0) {
        zend_argument_value_error(3, "must be 0 (no expiry) or a number of seconds");
        RETURN_THROWS();
    }
    uint32_t count = zend_hash_num_elements(items);
    if (count == 0) {
        RETURN_LONG(0);
    }
    uint64_t prefix_gen, definition_gen;
    if (!write_gens(store, "setMany", definition, &prefix_gen, &definition_gen)) {
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
    mc_buf_clear(&store->frames);
    ZEND_HASH_FOREACH_KEY_VAL(items, ikey, skey, value) {
        keys[n] = skey ? zend_string_copy(skey) : zend_long_to_str((zend_long)ikey);
        n++;
        if (!encode(store, value, ttl, prefix_gen, definition_gen, &offsets[n - 1], &lengths[n - 1])) {
            ok = false;
            break;
        }
    } ZEND_HASH_FOREACH_END();

    zend_long stored = 0;
    if (ok) {
        /* Without replies ("noreply"): each set is written at once and
         * nothing waits for an answer, so n items spread over any number of
         * servers cost one trip's wall time (the next call's round trip
         * orders after them on the same connections).  The count is of items
         * sent; a value above max_item_size is refused here, before sending,
         * as memcached would drop it silently.  (BUFFER_REQUESTS would batch
         * the writes too, but libmemcached reconnects every server whenever
         * that behaviour is switched.) */
        clear_error(store);
        store->round_trips++;
        memcached_return_t rc = memcached_behavior_set(store->mc, MEMCACHED_BEHAVIOR_NOREPLY, 1);
        for (uint32_t i = 0; rc == MEMCACHED_SUCCESS && i < n; i++) {
            stored += store_value(store, "setMany", definition, keys[i], offsets[i], lengths[i], ttl);
        }
        memcached_behavior_set(store->mc, MEMCACHED_BEHAVIOR_NOREPLY, 0);
        if (rc != MEMCACHED_SUCCESS) {
            network_failure(store, "setMany", rc);
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        zend_string_release(keys[i]);
    }
    efree(keys);
    efree(offsets);
    efree(lengths);
    if (EG(exception)) RETURN_THROWS();
    store->counters.sets += (uint64_t)stored;
    RETURN_LONG(stored);
}

/* Deletes keys one by one (memcached has no multi-delete); the number that
 * existed, -1 when a server failed. */
static zend_long delete_keys(mc_memcached_store *store, const char *method, zend_string *definition,
                             zend_string **keys, uint32_t count)
{
    zend_long deleted = 0;
    clear_error(store);
    for (uint32_t i = 0; i < count; i++) {
        size_t offset;
        mc_buf_clear(&store->keys);
        if (!add_key(store, MC_MCKEY_DATA, definition, ZSTR_VAL(keys[i]), ZSTR_LEN(keys[i]), &offset)) {
            out_of_memory(store, method);
            return -1;
        }
        store->round_trips++;
        memcached_return_t rc = memcached_delete(store->mc, store->keys.data, store->keys.len, 0);
        if (rc == MEMCACHED_SUCCESS) {
            deleted++;
        } else if (rc != MEMCACHED_NOTFOUND) {
            network_failure(store, method, rc);
            return -1;
        }
    }
    store->counters.deletes += (uint64_t)deleted;
    return deleted;
}

PHP_METHOD(MoodleCache_MemcachedStore, delete)
{
    zend_string *definition, *key;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_STR(key)
    ZEND_PARSE_PARAMETERS_END();

    mc_memcached_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    RETURN_BOOL(delete_keys(store, "delete", definition, &key, 1) > 0);
}

PHP_METHOD(MoodleCache_MemcachedStore, deleteMany)
{
    zend_string *definition;
    HashTable *keys;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_ARRAY_HT(keys)
    ZEND_PARSE_PARAMETERS_END();

    mc_memcached_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    uint32_t count;
    zend_string **list = mc_key_list(keys, &count);
    zend_long deleted = count ? delete_keys(store, "deleteMany", definition, list, count) : 0;
    mc_key_list_free(list, count);
    RETURN_LONG(deleted < 0 ? 0 : deleted);
}

/* How many of keys hold a current value (duplicates count once each time
 * they appear); -1 on failure. */
static zend_long count_current(mc_memcached_store *store, const char *method, zend_string *definition,
                               HashTable *keys, uint32_t *count)
{
    zend_string **list = mc_key_list(keys, count);
    if (*count == 0) {
        mc_key_list_free(list, *count);
        return 0;
    }
    zend_string **frames = safe_emalloc(*count, sizeof(zend_string *), 0);
    zend_long found = -1;
    if (fetch_current(store, method, definition, list, *count, frames)) {
        found = 0;
        for (uint32_t i = 0; i < *count; i++) {
            mc_frame frame;
            found += frames[i] != NULL
                && mc_frame_decode(ZSTR_VAL(frames[i]), ZSTR_LEN(frames[i]), &store->scratch, &frame) == MC_OK
                && !mc_frame_expired(&frame, (uint64_t)time(NULL));
        }
    }
    release_values(frames, *count);
    mc_key_list_free(list, *count);
    return found;
}

PHP_METHOD(MoodleCache_MemcachedStore, has)
{
    zend_string *definition, *key;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_STR(key)
    ZEND_PARSE_PARAMETERS_END();

    mc_memcached_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    HashTable one;
    zend_hash_init(&one, 1, NULL, NULL, 0);
    zval k;
    ZVAL_STR(&k, key);
    zend_hash_next_index_insert(&one, &k);
    uint32_t count;
    zend_long found = count_current(store, "has", definition, &one, &count);
    zend_hash_destroy(&one);
    RETURN_BOOL(found > 0);
}

PHP_METHOD(MoodleCache_MemcachedStore, hasAny)
{
    zend_string *definition;
    HashTable *keys;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_ARRAY_HT(keys)
    ZEND_PARSE_PARAMETERS_END();

    mc_memcached_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    uint32_t count;
    RETURN_BOOL(count_current(store, "hasAny", definition, keys, &count) > 0);
}

PHP_METHOD(MoodleCache_MemcachedStore, hasAll)
{
    zend_string *definition;
    HashTable *keys;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_ARRAY_HT(keys)
    ZEND_PARSE_PARAMETERS_END();

    mc_memcached_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    uint32_t count;
    zend_long found = count_current(store, "hasAll", definition, keys, &count);
    RETURN_BOOL(found >= 0 && (uint32_t)found == count);
}

/* Increments a generation key.  A missing key needs nothing: whatever was
 * stamped with it is unreadable already, and the next write creates a new
 * random generation. */
static bool bump_gen(mc_memcached_store *store, const char *method, zend_string *definition)
{
    size_t offset;
    mc_buf_clear(&store->keys);
    if (!add_key(store, definition ? MC_MCKEY_DEFINITION_GEN : MC_MCKEY_PREFIX_GEN, definition,
                 "", 0, &offset)) {
        out_of_memory(store, method);
        return false;
    }
    uint64_t gen = 0;
    store->round_trips++;
    memcached_return_t rc = memcached_increment(store->mc, store->keys.data, store->keys.len, 1, &gen);
    if (rc == MEMCACHED_CLIENT_ERROR) {
        /* "cannot increment or decrement non-numeric value": not a generation */
        gen = repair_gen(store, method, store->keys.data, store->keys.len);
        rc = gen != 0 ? MEMCACHED_SUCCESS : rc;
        if (gen == 0) {
            return false;
        }
    } else if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_NOTFOUND) {
        network_failure(store, method, rc);
        return false;
    }
    if (rc == MEMCACHED_NOTFOUND) {
        gen = 0;
    }
    if (definition) {
        cache_definition_gen(store, definition, gen);
    } else {
        store->prefix_gen = gen;
    }
    clear_error(store);
    return true;
}

PHP_METHOD(MoodleCache_MemcachedStore, purge)
{
    zend_string *definition;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_STR(definition)
    ZEND_PARSE_PARAMETERS_END();

    mc_memcached_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    RETURN_BOOL(bump_gen(store, "purge", definition));
}

PHP_METHOD(MoodleCache_MemcachedStore, purgeAll)
{
    ZEND_PARSE_PARAMETERS_NONE();
    mc_memcached_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    RETURN_BOOL(bump_gen(store, "purgeAll", NULL));
}

static void not_searchable(const char *method)
{
    zend_throw_exception_ex(mc_ce_exception, 0,
        "MoodleCache\\MemcachedStore::%s(): memcached cannot list keys; use RedisStore for searchable definitions",
        method);
}

PHP_METHOD(MoodleCache_MemcachedStore, findAll)
{
    zend_string *definition;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_STR(definition)
    ZEND_PARSE_PARAMETERS_END();
    if (!ready(THIS_STORE())) RETURN_THROWS();
    not_searchable("findAll");
    RETURN_THROWS();
}

PHP_METHOD(MoodleCache_MemcachedStore, findByPrefix)
{
    zend_string *definition, *prefix;
    ZEND_PARSE_PARAMETERS_START(2, 2)
        Z_PARAM_STR(definition)
        Z_PARAM_STR(prefix)
    ZEND_PARSE_PARAMETERS_END();
    if (!ready(THIS_STORE())) RETURN_THROWS();
    not_searchable("findByPrefix");
    RETURN_THROWS();
}

/* Reads the lock key of key: its owner (free()) or NULL; *rc says why not. */
static char *lock_owner(mc_memcached_store *store, zend_string *definition, zend_string *key,
                        size_t *len, memcached_return_t *rc)
{
    size_t offset;
    uint32_t flags = 0;
    mc_buf_clear(&store->keys);
    if (!add_key(store, MC_MCKEY_LOCK, definition, ZSTR_VAL(key), ZSTR_LEN(key), &offset)) {
        *rc = MEMCACHED_MEMORY_ALLOCATION_FAILURE;
        return NULL;
    }
    store->round_trips++;
    return memcached_get(store->mc, store->keys.data, store->keys.len, len, &flags, rc);
}

PHP_METHOD(MoodleCache_MemcachedStore, acquireLock)
{
    zend_string *definition, *key, *owner;
    zend_long ttl_ms;
    ZEND_PARSE_PARAMETERS_START(4, 4)
        Z_PARAM_STR(definition)
        Z_PARAM_STR(key)
        Z_PARAM_STR(owner)
        Z_PARAM_LONG(ttl_ms)
    ZEND_PARSE_PARAMETERS_END();

    mc_memcached_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    if (ttl_ms <= 0) {
        zend_argument_value_error(4, "must be a number of milliseconds above 0");
        RETURN_THROWS();
    }
    size_t offset;
    mc_buf_clear(&store->keys);
    if (!add_key(store, MC_MCKEY_LOCK, definition, ZSTR_VAL(key), ZSTR_LEN(key), &offset)) {
        out_of_memory(store, "acquireLock");
        RETURN_FALSE;
    }
    /* memcached counts expiry in whole seconds: round up, never below 1. */
    zend_long seconds = ttl_ms / 1000 + (ttl_ms % 1000 != 0);
    store->round_trips++;
    memcached_return_t rc = memcached_add(store->mc, store->keys.data, store->keys.len,
                                          ZSTR_VAL(owner), ZSTR_LEN(owner), expiration_of(seconds), 0);
    if (rc == MEMCACHED_SUCCESS) {
        clear_error(store);
        RETURN_TRUE;
    }
    if (rc != MEMCACHED_NOTSTORED && rc != MEMCACHED_DATA_EXISTS) {
        network_failure(store, "acquireLock", rc);
    }
    RETURN_FALSE;
}

PHP_METHOD(MoodleCache_MemcachedStore, releaseLock)
{
    zend_string *definition, *key, *owner;
    ZEND_PARSE_PARAMETERS_START(3, 3)
        Z_PARAM_STR(definition)
        Z_PARAM_STR(key)
        Z_PARAM_STR(owner)
    ZEND_PARSE_PARAMETERS_END();

    mc_memcached_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    size_t len = 0;
    memcached_return_t rc;
    char *current = lock_owner(store, definition, key, &len, &rc);
    if (current == NULL) {
        if (rc != MEMCACHED_NOTFOUND) network_failure(store, "releaseLock", rc);
        RETURN_FALSE;
    }
    bool mine = len == ZSTR_LEN(owner) && memcmp(current, ZSTR_VAL(owner), len) == 0;
    free(current);
    if (!mine) {
        RETURN_FALSE;
    }
    /* Not atomic with the check (memcached has no compare-and-delete): the
     * lock could expire and be taken by another owner in between, a window
     * of one round trip at the very end of its lifetime. */
    store->round_trips++;
    rc = memcached_delete(store->mc, store->keys.data, store->keys.len, 0);
    if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_NOTFOUND) {
        network_failure(store, "releaseLock", rc);
        RETURN_FALSE;
    }
    clear_error(store);
    RETURN_BOOL(rc == MEMCACHED_SUCCESS);
}

PHP_METHOD(MoodleCache_MemcachedStore, checkLockState)
{
    zend_string *definition, *key, *owner;
    ZEND_PARSE_PARAMETERS_START(3, 3)
        Z_PARAM_STR(definition)
        Z_PARAM_STR(key)
        Z_PARAM_STR(owner)
    ZEND_PARSE_PARAMETERS_END();

    mc_memcached_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    size_t len = 0;
    memcached_return_t rc;
    char *current = lock_owner(store, definition, key, &len, &rc);
    if (current == NULL) {
        if (rc != MEMCACHED_NOTFOUND) network_failure(store, "checkLockState", rc);
        RETURN_NULL();
    }
    bool mine = len == ZSTR_LEN(owner) && memcmp(current, ZSTR_VAL(owner), len) == 0;
    free(current);
    RETURN_BOOL(mine);
}

PHP_METHOD(MoodleCache_MemcachedStore, stats)
{
    ZEND_PARSE_PARAMETERS_NONE();
    mc_memcached_store *store = THIS_STORE();
    if (!ready(store)) RETURN_THROWS();
    array_init(return_value);
    add_assoc_long(return_value, "hits", (zend_long)store->counters.hits);
    add_assoc_long(return_value, "misses", (zend_long)store->counters.misses);
    add_assoc_long(return_value, "sets", (zend_long)store->counters.sets);
    add_assoc_long(return_value, "deletes", (zend_long)store->counters.deletes);
    add_assoc_long(return_value, "corrupt", (zend_long)store->counters.corrupt);
    add_assoc_long(return_value, "round_trips", (zend_long)store->round_trips);
    add_assoc_long(return_value, "errors", (zend_long)store->errors);
    add_assoc_long(return_value, "servers", (zend_long)memcached_server_count(store->mc));
}

PHP_METHOD(MoodleCache_MemcachedStore, lastError)
{
    ZEND_PARSE_PARAMETERS_NONE();
    mc_memcached_store *store = THIS_STORE();
    if (store->last_error == NULL) {
        RETURN_NULL();
    }
    RETURN_STR_COPY(store->last_error);
}

void mc_memcached_store_register(void)
{
    memcached_store_ce = register_class_MoodleCache_MemcachedStore();
    memcached_store_ce->create_object = memcached_store_create;
    memcpy(&memcached_store_handlers, zend_get_std_object_handlers(), sizeof(zend_object_handlers));
    memcached_store_handlers.offset = XtOffsetOf(mc_memcached_store, std);
    memcached_store_handlers.free_obj = memcached_store_free;
    memcached_store_handlers.clone_obj = NULL;
}
