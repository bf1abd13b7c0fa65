/*
 * redis_store.h - the state behind a MoodleCache\RedisStore object, shared
 * by its method file and its options file.
 */
#ifndef MC_REDIS_STORE_H
#define MC_REDIS_STORE_H

#include "php.h"
#include "args.h"
#include "buf.h"
#include "codec.h"
#include "redis.h"
#include "cluster.h"
#include "store_common.h"
#include "near_cache.h"
#include "node_stats.h"


typedef struct mc_redis_store {
    mc_redis *conn;          /* in a cluster: the node of the current call */
    mc_cluster *cluster;     /* NULL unless option 'cluster' (owns the connections) */
    bool read_from_replicas; /* cluster option: reads may go to replicas */
    zend_string *server;     /* as configured, for messages */
    zend_string *prefix;
    int serializer;          /* for values that are not strings or ints */
    mc_codec_options codec;
    size_t max_value;        /* option max_value_size: largest decoded value accepted */
    uint32_t reap_interval_ms; /* option reap_interval: redis_expiry.h */
    mc_args args;            /* the command being built */
    mc_buf tag;              /* "{P:D}" of the current call */
    mc_buf frames;           /* encoded values of the current call */
    mc_buf scratch;          /* decompressed payloads */
    mc_buf resend;           /* a call's commands, kept to send again after NOSCRIPT */
    mc_buf resend_native;    /* has/find's, kept to send again after converting old-layout data */
    mc_store_counters counters;
    uint64_t reply_errors;   /* calls the server answered with an error (counted in stats' errors) */
    zend_string *last_error; /* NULL when the last call succeeded */
    mc_near_store near;      /* the near cache (near_cache.h) */
    mc_buf ident;            /* who this store is (node_stats.h): the near cache and node figures key by it */
    int ns_entry;            /* its entry in the node's figures, -1: none */
    uint32_t ns_calls;       /* calls since the last flush of its figures */
    mc_ns_counters ns_sent;  /* its totals at that flush */
    int in_user_code;        /* >0 while a value is (un)serialized: no re-entry */
    zend_object std;
} mc_redis_store;

static inline mc_redis_store *mc_redis_store_from(zend_object *obj)
{
    return (mc_redis_store *)((char *)obj - XtOffsetOf(mc_redis_store, std));
}

/* Applies the constructor's options; false with an exception thrown. */
bool mc_redis_store_configure(mc_redis_store *store, HashTable *options);

#endif
