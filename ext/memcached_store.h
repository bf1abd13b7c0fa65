/*
 * memcached_store.h - the state behind a MoodleCache\MemcachedStore object,
 * shared by its method file and its options file.
 */
#ifndef MC_MEMCACHED_STORE_H
#define MC_MEMCACHED_STORE_H

#include <libmemcached/memcached.h>
#include "php.h"
#include "buf.h"
#include "codec.h"
#include "store_common.h"

/* memcached's default item size limit (-I 1m): larger values are refused
 * before they are sent. */
#define MC_MEMCACHED_DEFAULT_MAX_ITEM (1024 * 1024)

typedef struct mc_memcached_store {
    memcached_st *mc;
    zend_string *servers;    /* as configured, for messages */
    zend_string *prefix;
    int serializer;
    mc_codec_options codec;
    size_t max_item;         /* bytes of one stored item, stamp and frame */
    size_t max_value;        /* option max_value_size: largest decoded value accepted */
    uint64_t prefix_gen;     /* last generations seen (0: not known yet) */
    HashTable definition_gens; /* definition => generation (IS_LONG bits) */
    mc_buf keys;             /* memcached keys of the current call, back to back */
    mc_buf frames;           /* stamped values of the current call */
    mc_buf scratch;          /* decompressed payloads */
    mc_store_counters counters;
    uint64_t round_trips;    /* calls that went to the servers */
    uint64_t errors;         /* calls that failed */
    zend_string *last_error;
    int in_user_code;        /* >0 while a value is (un)serialized: no re-entry */
    zend_object std;
} mc_memcached_store;

static inline mc_memcached_store *mc_memcached_store_from(zend_object *obj)
{
    return (mc_memcached_store *)((char *)obj - XtOffsetOf(mc_memcached_store, std));
}

/* Applies the constructor's options; false with an exception thrown. */
bool mc_memcached_store_configure(mc_memcached_store *store, HashTable *options);

#endif
