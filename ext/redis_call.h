/*
 * redis_call.h - building and running one RedisStore call (redis_call.c).
 *
 * A method starts a call with mc_call_begin (the definition's tag, and in a
 * cluster the node of its slot), adds each command's arguments with the
 * *_arg helpers and mc_call_queue, and runs everything queued in one round
 * trip with mc_call_run.  Failures are recorded for lastError() and raise
 * at most one warning per request.
 */
#ifndef MC_REDIS_CALL_H
#define MC_REDIS_CALL_H

#include "php.h"
#include "redis_store.h"
#include "layout.h"

/* ---- errors ---- */
void mc_call_set_error(mc_redis_store *store, zend_string *message);
/* The call could not reach the server: a miss, and one warning a request. */
void mc_call_network_failure(mc_redis_store *store, const char *method);
/* The server answered with something this call cannot use (reply may be NULL). */
void mc_call_reply_failure(mc_redis_store *store, const char *method, const redisReply *reply);
/* A call that succeeded (also without Redis: served by the near cache). */
void mc_call_clear_error(mc_redis_store *store);
void mc_call_out_of_memory(mc_redis_store *store, const char *method);

/* ---- building ---- */
/* Starts a call on one definition: remembers its tag "{P:D}". */
bool mc_call_begin(mc_redis_store *store, zend_string *definition);
bool mc_call_arg(mc_redis_store *store, const char *data, size_t len);
#define MC_ARG_LITERAL(store, text) mc_call_arg((store), (text), sizeof(text) - 1)
/* Adds the key "{P:D}" suffix key, e.g. suffix "#l:" for locks. */
bool mc_call_key_arg(mc_redis_store *store, const char *suffix, const char *key, size_t key_len);
/* Adds "{P:D}", the definition's hash. */
bool mc_call_hash_arg(mc_redis_store *store);
/* Adds "{P:D}#t", the sorted set of the fields written with a TTL (layout.h). */
bool mc_call_ttl_index_arg(mc_redis_store *store);
bool mc_call_field_arg(mc_redis_store *store, zend_string *key);
/* Adds an encoded frame by reference: store->frames must not change until
 * the command is queued. */
bool mc_call_frame_arg(mc_redis_store *store, size_t offset, size_t len);
/* Starts "EVALSHA[_RO] <sha> 2 {P:D} {P:D}#t now": the caller adds the
 * script's further ARGV and queues it. */
bool mc_call_script_args(mc_redis_store *store, bool read_only, const mc_script *script);
/* Queues the command built so far. */
bool mc_call_queue(mc_redis_store *store);

/* ---- running ---- */
/* Runs the queued commands; NULL on a network failure or a wrong number of
 * replies (reported); clears lastError() on success. */
redisReply **mc_call_run(mc_redis_store *store, const char *method, size_t expected);
/* mc_call_run for a call whose command `index` is an EVALSHA of script:
 * when the server answers NOSCRIPT, the script is loaded and the whole call
 * sent again behind SCRIPT LOAD (so only for calls that may run twice). */
redisReply **mc_call_run_loading(mc_redis_store *store, const char *method, const mc_script *script,
                                 size_t expected, size_t index);

/* ---- near-cache announcements ---- */
/* Queues the announcement of this call's change to every node's near cache
 * (near_cache.h) as the last command; counts it in *commands and sets
 * *announced.  Nothing when the store does not announce this change, and
 * no command (*announced set, near.published not) when no other node can
 * need it (src/quiet.h). */
bool mc_call_queue_announcement(mc_redis_store *store, zend_string *definition, mc_announce_op op,
                                zend_string **keys, uint32_t count, size_t *commands, bool *announced);
/* A write's replies say that its first command (the HSET) and its
 * announcement (the last, when one was sent) succeeded: the value is in
 * Redis and every node will hear of it. */
bool mc_call_written(const mc_redis_store *store, redisReply **replies, size_t commands, bool announced);
/* The announcement's reply is the last of the call's. */
void mc_call_check_announcement(mc_redis_store *store, redisReply **replies, size_t commands, bool announced);

#endif
