/* conn_pool.c - the process's idle connections (see conn_pool.h). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "conn_pool.h"

typedef struct entry {
    char *key;                  /* malloc'd; NULL: free slot */
    size_t key_len;
    mc_conn conn;
    unsigned features;
    pid_t pid;                  /* the process that parked it */
    uint64_t parked_ms;
    uint64_t seq;               /* parking order: the lowest is the oldest */
} entry;

static entry entries[MC_POOL_MAX];
static uint64_t next_seq;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Closes the connection (no byte sent: see mc_conn_close) and frees the slot. */
static void drop(entry *e)
{
    mc_conn_close(&e->conn);
    free(e->key);
    memset(e, 0, sizeof(*e));
    e->conn.fd = -1;
}

static int matches(const entry *e, const char *key, size_t key_len)
{
    return e->key != NULL && e->key_len == key_len && memcmp(e->key, key, key_len) == 0;
}

/* Entries inherited over fork() belong to the parent: closing our copy of
 * the descriptor leaves its connection open. */
static void drop_foreign(pid_t self)
{
    for (size_t i = 0; i < MC_POOL_MAX; i++) {
        if (entries[i].key != NULL && entries[i].pid != self) {
            drop(&entries[i]);
        }
    }
}

/* The slot for a new entry under key: a free one, unless key already holds
 * MC_POOL_PER_KEY; else the oldest of key's, or the oldest of all, emptied. */
static entry *room(const char *key, size_t key_len)
{
    entry *free_slot = NULL, *oldest = NULL, *oldest_of_key = NULL;
    size_t of_key = 0;
    for (size_t i = 0; i < MC_POOL_MAX; i++) {
        entry *e = &entries[i];
        if (e->key == NULL) {
            free_slot = free_slot ? free_slot : e;
            continue;
        }
        if (oldest == NULL || e->seq < oldest->seq) {
            oldest = e;
        }
        if (matches(e, key, key_len)) {
            of_key++;
            if (oldest_of_key == NULL || e->seq < oldest_of_key->seq) {
                oldest_of_key = e;
            }
        }
    }
    entry *slot = of_key >= MC_POOL_PER_KEY ? oldest_of_key : free_slot ? free_slot : oldest;
    if (slot->key != NULL) {
        drop(slot);
    }
    return slot;
}

void mc_pool_put(const char *key, size_t key_len, mc_conn *conn, unsigned features, uint64_t now_ms)
{
    char *copy = malloc(key_len ? key_len : 1);
    if (copy == NULL) {
        mc_conn_close(conn);
        return;
    }
    memcpy(copy, key, key_len);
    pid_t self = getpid();
    pthread_mutex_lock(&lock);
    drop_foreign(self);
    entry *e = room(key, key_len);
    e->key = copy;
    e->key_len = key_len;
    e->conn = *conn;
    e->features = features;
    e->pid = self;
    e->parked_ms = now_ms;
    e->seq = next_seq++;
    pthread_mutex_unlock(&lock);
    conn->fd = -1;
    conn->ssl = NULL;
}

/* The most recently parked entry under key, or NULL. */
static entry *newest(const char *key, size_t key_len)
{
    entry *best = NULL;
    for (size_t i = 0; i < MC_POOL_MAX; i++) {
        if (matches(&entries[i], key, key_len) && (best == NULL || entries[i].seq > best->seq)) {
            best = &entries[i];
        }
    }
    return best;
}

/* Parked recently enough that no middlebox dropped it silently, and sound. */
static int reusable(entry *e, uint64_t now_ms)
{
    return now_ms >= e->parked_ms && now_ms - e->parked_ms <= MC_POOL_MAX_IDLE_MS
        && mc_conn_idle_usable(&e->conn);
}

int mc_pool_take(const char *key, size_t key_len, mc_conn *conn, unsigned *features, uint64_t now_ms)
{
    int found = 0;
    pthread_mutex_lock(&lock);
    drop_foreign(getpid());
    entry *e;
    while (!found && (e = newest(key, key_len)) != NULL) {
        if (reusable(e, now_ms)) {
            *conn = e->conn;
            *features = e->features;
            e->conn.fd = -1;        /* moved out: drop() only frees the slot */
            e->conn.ssl = NULL;
            found = 1;
        }
        drop(e);
    }
    pthread_mutex_unlock(&lock);
    return found;
}

size_t mc_pool_size(void)
{
    size_t n = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < MC_POOL_MAX; i++) {
        n += entries[i].key != NULL;
    }
    pthread_mutex_unlock(&lock);
    return n;
}

void mc_pool_clear(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < MC_POOL_MAX; i++) {
        if (entries[i].key != NULL) {
            drop(&entries[i]);
        }
    }
    pthread_mutex_unlock(&lock);
}
