/* store_common.c - code RedisStore and MemcachedStore share (see store_common.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <time.h>
#include "php.h"
#include "zend_exceptions.h"
#include "php_moodlecache.h"
#include "store_common.h"
#include "value.h"
#include "main/php_globals.h"

bool mc_store_encode(const mc_codec_options *codec, int serializer, zval *value, zend_long ttl,
                     mc_buf *frames, size_t *offset, size_t *len)
{
    mc_payload payload;
    if (!mc_value_serialize(value, serializer, &payload)) {
        if (!EG(exception)) {
            zend_throw_exception(mc_ce_exception, "moodlecache: value cannot be serialized", 0);
        }
        return false;
    }
    uint64_t expires_at = ttl > 0 ? (uint64_t)time(NULL) + (uint64_t)ttl : 0;
    *offset = frames->len;
    mc_status st = mc_frame_encode(codec, payload.serializer, expires_at, payload.data, payload.len, frames);
    mc_payload_free(&payload);
    if (st != MC_OK) {
        zend_throw_exception_ex(mc_ce_exception, 0, "moodlecache: value cannot be encoded: %s",
                                mc_status_name(st));
        return false;
    }
    *len = frames->len - *offset;
    return true;
}

/* The request may still allocate n bytes under memory_limit (the decoded
 * payload is first allocated outside PHP's heap, then copied into it). */
static bool memory_allows(size_t n)
{
    zend_long limit = PG(memory_limit);
    if (limit <= 0) {
        return true;
    }
    size_t used = zend_memory_usage(false);
    return used < (size_t)limit && n <= (size_t)limit - used;
}

/* Unserializes frame into rv with PHP's own warnings kept out (a value
 * nested too deep warns from inside unserialize: made an exception here, so
 * no error handler sees it and the store's one warning reports it) and an
 * exception turned into a failure; *thrown gets the exception's class. */
static bool unserialize_quietly(const mc_frame *frame, zval *rv, const char **thrown)
{
    zend_error_handling saved;
    zend_replace_error_handling(EH_THROW, zend_ce_error_exception, &saved);
    bool ok = mc_value_unserialize(frame, rv);
    zend_restore_error_handling(&saved);
    *thrown = NULL;
    if (EG(exception)) {
        *thrown = ZSTR_VAL(EG(exception)->ce->name);
        zend_clear_exception();
        if (ok) {
            zval_ptr_dtor(rv);
            ZVAL_UNDEF(rv);
        }
        ok = false;
    }
    return ok;
}

mc_decoded mc_store_decode(const char *data, size_t len, size_t max_value, mc_buf *scratch,
                           mc_store_counters *counters, zval *rv, const char **why)
{
    size_t claimed = mc_frame_claimed_size(data, len);
    if (claimed > max_value || !memory_allows(claimed)) {
        counters->corrupt++;
        counters->misses++;
        *why = claimed > max_value ? "larger than max_value_size once decompressed"
                                   : "too large for the memory this request has left";
        return MC_DECODED_BAD;
    }
    mc_frame frame;
    mc_status st = mc_frame_decode(data, len, scratch, &frame);
    if (st == MC_OK && mc_frame_expired(&frame, (uint64_t)time(NULL))) {
        counters->misses++;
        return MC_DECODED_EXPIRED;
    }
    const char *thrown = NULL;
    if (st != MC_OK || !unserialize_quietly(&frame, rv, &thrown)) {
        counters->corrupt++;
        counters->misses++;
        *why = st != MC_OK ? mc_status_name(st) : thrown != NULL ? thrown : "does not unserialize";
        return MC_DECODED_BAD;
    }
    counters->hits++;
    return MC_DECODED_HIT;
}

zend_string **mc_key_list(HashTable *keys, uint32_t *count)
{
    zend_string **list = safe_emalloc(zend_hash_num_elements(keys) + 1, sizeof(zend_string *), 0);
    uint32_t n = 0;
    zval *entry;
    ZEND_HASH_FOREACH_VAL(keys, entry) {
        list[n++] = zval_get_string(entry);
    } ZEND_HASH_FOREACH_END();
    *count = n;
    return list;
}

void mc_key_list_free(zend_string **list, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        zend_string_release(list[i]);
    }
    efree(list);
}

int mc_option_c_string(const mc_options *opts, const char *name, const char **out)
{
    zend_string *value;
    int found = mc_option_string(opts, name, &value);
    if (found == 1) {
        if (strlen(ZSTR_VAL(value)) != ZSTR_LEN(value)) {
            return mc_option_invalid(opts, name, "must not contain NUL bytes");
        }
        *out = ZSTR_VAL(value);
    }
    return found;
}

int mc_option_timeout(const mc_options *opts, const char *name, double *out)
{
    int found = mc_option_double(opts, name, out);
    if (found == 1 && !(*out > 0 && *out <= 3600)) {
        return mc_option_invalid(opts, name, "must be a number of seconds above 0 and at most 3600");
    }
    return found;
}

bool mc_option_serializer(const mc_options *opts, int *serializer)
{
    zend_string *name;
    *serializer = MC_SER_PHP;
    int found = mc_option_string(opts, "serializer", &name);
    if (found <= 0) {
        return found == 0;
    }
    if (zend_string_equals_literal(name, "php")) {
        *serializer = MC_SER_PHP;
    } else if (zend_string_equals_literal(name, "igbinary")) {
        if (!mc_serializer_available(MC_SER_IGBINARY)) {
            zend_throw_exception_ex(mc_ce_exception, 0,
                "%s 'serializer': igbinary is not available in this build "
                "(configure with --enable-moodlecache-igbinary)", opts->owner);
            return false;
        }
        *serializer = MC_SER_IGBINARY;
    } else {
        mc_option_invalid(opts, "serializer", "must be 'php' or 'igbinary'");
        return false;
    }
    return true;
}

bool mc_option_compression(const mc_options *opts, mc_codec_options *codec)
{
    zend_string *name;
    zend_long level = 0, threshold = MC_DEFAULT_COMPRESSION_THRESHOLD;
    codec->compression = MC_COMP_NONE;
    int found = mc_option_string(opts, "compression", &name);
    if (found < 0) {
        return false;
    }
    if (found == 1) {
        if (zend_string_equals_literal(name, "zstd")) {
            codec->compression = MC_COMP_ZSTD;
        } else if (!zend_string_equals_literal(name, "none")) {
            mc_option_invalid(opts, "compression", "must be 'none' or 'zstd'");
            return false;
        }
    }
    found = mc_option_long(opts, "compression_level", &level);
    if (found < 0 || (found == 1 && (level < 1 || level > 22)
                      && mc_option_invalid(opts, "compression_level", "must be between 1 and 22"))) {
        return false;
    }
    found = mc_option_long(opts, "compression_threshold", &threshold);
    if (found < 0 || (found == 1 && threshold < 0
                      && mc_option_invalid(opts, "compression_threshold", "must be 0 or more bytes"))) {
        return false;
    }
    codec->level = (int)level;
    codec->threshold = (size_t)threshold;
    return true;
}

int mc_option_max_value(const mc_options *opts, size_t *out)
{
    zend_long v;
    int found = mc_option_long(opts, "max_value_size", &v);
    if (found == 1) {
        if (v < 1024 || (uint64_t)v > MC_FRAME_MAX_PAYLOAD) {
            return mc_option_invalid(opts, "max_value_size", "must be between 1024 and 1073741824 bytes");
        }
        *out = (size_t)v;
    }
    return found;
}
