/*
 * store_common.h - what RedisStore and MemcachedStore share: the hit/miss
 * counters, PHP values to value frames and back (value.h + codec.h), the
 * key lists of the *Many methods, and the options both stores read the same
 * way (serializer, compression, timeouts, C strings).
 */
#ifndef MC_STORE_COMMON_H
#define MC_STORE_COMMON_H

#include "php.h"
#include "buf.h"
#include "codec.h"
#include "options.h"

#define MC_DEFAULT_CONNECT_TIMEOUT 1.0
#define MC_DEFAULT_READ_TIMEOUT 1.0
#define MC_DEFAULT_COMPRESSION_THRESHOLD 4096
#define MC_DEFAULT_MAX_VALUE ((size_t)64 << 20)   /* option max_value_size */

typedef struct mc_store_counters {
    uint64_t hits;
    uint64_t misses;
    uint64_t sets;
    uint64_t deletes;
    uint64_t corrupt;     /* values that failed to decode: served as misses */
} mc_store_counters;

/* Serializes value and appends its frame (expiry from ttl seconds, 0 = none)
 * to frames; *offset and *len locate it.  false with an exception thrown when
 * the value cannot be serialized or encoded. */
bool mc_store_encode(const mc_codec_options *codec, int serializer, zval *value, zend_long ttl,
                     mc_buf *frames, size_t *offset, size_t *len);

typedef enum mc_decoded {
    MC_DECODED_HIT = 0,      /* rv holds the value */
    MC_DECODED_EXPIRED = 1,  /* an intact frame past its expiry: a plain miss */
    MC_DECODED_BAD = 2       /* corrupt, foreign, too large (decompression bomb), or its
                                unserialization failed or threw; *why says which */
} mc_decoded;

/* Decodes one stored frame into rv; counts the hit, miss or corrupt value.
 * A frame claiming a payload above max_value, or above what the request
 * may still allocate under memory_limit, is refused before anything is
 * allocated.  PHP's own warnings from unserialize are kept out (the caller
 * raises the one warning), and an exception it throws is cleared.  *why is
 * a constant (or a class name) when the result is MC_DECODED_BAD. */
mc_decoded mc_store_decode(const char *data, size_t len, size_t max_value, mc_buf *scratch,
                           mc_store_counters *counters, zval *rv, const char **why);

/* The values of a PHP array as strings: release with mc_key_list_free. */
zend_string **mc_key_list(HashTable *keys, uint32_t *count);
void mc_key_list_free(zend_string **list, uint32_t count);

/* Options shared by the stores; each returns as the mc_option_* getters do
 * (1 present, 0 absent, -1 threw) or true/false (false: thrown). */
int mc_option_c_string(const mc_options *opts, const char *name, const char **out);
int mc_option_timeout(const mc_options *opts, const char *name, double *out);
bool mc_option_serializer(const mc_options *opts, int *serializer);
bool mc_option_compression(const mc_options *opts, mc_codec_options *codec);
/* Option max_value_size: bytes, 1 KiB .. 1 GiB. */
int mc_option_max_value(const mc_options *opts, size_t *out);

#endif
