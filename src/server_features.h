/*
 * server_features.h - what each server offers (mc_redis_features), kept for
 * the whole process, so that a PHP-FPM worker asks a server once a minute
 * instead of in a round trip of its own at every request's connect.
 *
 * Keyed by the endpoint and the user (an ACL may deny COMMAND to one user
 * and not another).  A server that answers "unknown command" to what it was
 * said to offer (an upgrade rolled back, a failover to an older replica) is
 * forgotten at once (mc_features_forget), and asked again at the next connect.
 * Thread-safe (a mutex): ZTS builds share it between threads.
 */
#ifndef MC_SERVER_FEATURES_H
#define MC_SERVER_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#define MC_FEATURES_TTL_MS 60000      /* how long an answer is trusted */
#define MC_FEATURES_SLOTS 16          /* servers remembered; the oldest answer makes room */

/* 1 and *features set if key's answer is under MC_FEATURES_TTL_MS old at now_ms. */
int mc_features_recall(const char *key, size_t key_len, uint64_t now_ms, unsigned *features);
/* Remembers key's answer (out of memory: not remembered, asked again next time). */
void mc_features_remember(const char *key, size_t key_len, unsigned features, uint64_t now_ms);
void mc_features_forget(const char *key, size_t key_len);
/* Forgets everything (tests; the process's end needs nothing). */
void mc_features_clear(void);

#endif
