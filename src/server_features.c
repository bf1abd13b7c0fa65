/*
 * server_features.c - the process-wide memory of server features
 * (server_features.h).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "server_features.h"

typedef struct slot {
    char *key;                  /* malloc'd; NULL: free slot */
    size_t key_len;
    unsigned features;
    uint64_t learned_ms;
} slot;

static slot slots[MC_FEATURES_SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static slot *find(const char *key, size_t key_len)
{
    for (size_t i = 0; i < MC_FEATURES_SLOTS; i++) {
        if (slots[i].key != NULL && slots[i].key_len == key_len && memcmp(slots[i].key, key, key_len) == 0) {
            return &slots[i];
        }
    }
    return NULL;
}

int mc_features_recall(const char *key, size_t key_len, uint64_t now_ms, unsigned *features)
{
    int found = 0;
    pthread_mutex_lock(&lock);
    slot *s = find(key, key_len);
    if (s != NULL && now_ms >= s->learned_ms && now_ms - s->learned_ms < MC_FEATURES_TTL_MS) {
        *features = s->features;
        found = 1;
    }
    pthread_mutex_unlock(&lock);
    return found;
}

void mc_features_remember(const char *key, size_t key_len, unsigned features, uint64_t now_ms)
{
    pthread_mutex_lock(&lock);
    slot *s = find(key, key_len);
    if (s == NULL) {
        s = &slots[0];
        for (size_t i = 0; i < MC_FEATURES_SLOTS && s->key != NULL; i++) {
            if (slots[i].key == NULL || slots[i].learned_ms < s->learned_ms) {
                s = &slots[i];
            }
        }
        free(s->key);
        s->key = malloc(key_len ? key_len : 1);
        s->key_len = key_len;
        if (s->key != NULL) {
            memcpy(s->key, key, key_len);
        }
    }
    if (s->key != NULL) {
        s->features = features;
        s->learned_ms = now_ms;
    }
    pthread_mutex_unlock(&lock);
}

void mc_features_forget(const char *key, size_t key_len)
{
    pthread_mutex_lock(&lock);
    slot *s = find(key, key_len);
    if (s != NULL) {
        free(s->key);
        s->key = NULL;
    }
    pthread_mutex_unlock(&lock);
}

void mc_features_clear(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < MC_FEATURES_SLOTS; i++) {
        free(slots[i].key);
        slots[i].key = NULL;
    }
    pthread_mutex_unlock(&lock);
}
