/* nodestats.c - node-wide store figures in shared memory (see nodestats.h). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "nodestats.h"

typedef struct ns_entry {
    _Atomic uint64_t id;        /* 0: free; claimed by CAS */
    _Atomic uint32_t ready;     /* label written */
    _Atomic uint32_t channel;   /* its near-cache channel + 1, 0: none */
    char label[MC_NS_LABEL_MAX];
    _Atomic uint64_t counters[MC_NS_COUNTERS];
} ns_entry;

struct mc_ns {
    ns_entry *entries;          /* MC_NS_STORES of them, shared */
    size_t map_size;
};

uint64_t mc_ns_ident_hash(const char *ident, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ (unsigned char)ident[i]) * 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

mc_status mc_ns_create(mc_ns **out)
{
    *out = NULL;
    mc_ns *ns = calloc(1, sizeof(*ns));
    if (ns == NULL) {
        return MC_ERR_NOMEM;
    }
    ns->map_size = (MC_NS_STORES * sizeof(ns_entry) + 4095) & ~(size_t)4095;
    void *map = mmap(NULL, ns->map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        free(ns);
        return MC_ERR_NOMEM;
    }
    ns->entries = map;          /* zero-filled: every entry free */
    *out = ns;
    return MC_OK;
}

void mc_ns_free(mc_ns *ns)
{
    if (ns == NULL) {
        return;
    }
    munmap(ns->entries, ns->map_size);
    free(ns);
}

int mc_ns_entry(mc_ns *ns, const char *ident, size_t ident_len, const char *label)
{
    uint64_t id = mc_ns_ident_hash(ident, ident_len);
    for (int i = 0; i < MC_NS_STORES; i++) {
        ns_entry *e = &ns->entries[i];
        uint64_t cur = atomic_load(&e->id);
        if (cur == 0) {
            if (!atomic_compare_exchange_strong(&e->id, &cur, id)) {
                if (cur != id) {
                    continue;       /* another identity took it meanwhile */
                }
                return i;
            }
            size_t n = strlen(label);
            n = n < MC_NS_LABEL_MAX - 1 ? n : MC_NS_LABEL_MAX - 1;
            memcpy(e->label, label, n);
            e->label[n] = '\0';
            atomic_store_explicit(&e->ready, 1, memory_order_release);
            return i;
        }
        if (cur == id) {
            return i;
        }
    }
    return -1;
}

void mc_ns_add(mc_ns *ns, int entry, const mc_ns_counters *delta)
{
    if (entry < 0 || entry >= MC_NS_STORES) {
        return;
    }
    const uint64_t *d = (const uint64_t *)delta;
    for (size_t k = 0; k < MC_NS_COUNTERS; k++) {
        if (d[k] != 0) {
            atomic_fetch_add_explicit(&ns->entries[entry].counters[k], d[k], memory_order_relaxed);
        }
    }
}

void mc_ns_set_channel(mc_ns *ns, int entry, uint32_t channel)
{
    if (entry >= 0 && entry < MC_NS_STORES) {
        atomic_store(&ns->entries[entry].channel, channel + 1);
    }
}

int mc_ns_read(mc_ns *ns, int entry, char *label, mc_ns_counters *counters, int64_t *channel)
{
    if (entry < 0 || entry >= MC_NS_STORES) {
        return 0;
    }
    ns_entry *e = &ns->entries[entry];
    if (!atomic_load_explicit(&e->ready, memory_order_acquire)) {
        return 0;
    }
    memcpy(label, e->label, MC_NS_LABEL_MAX);
    label[MC_NS_LABEL_MAX - 1] = '\0';
    *channel = (int64_t)atomic_load(&e->channel) - 1;
    uint64_t *c = (uint64_t *)counters;
    for (size_t k = 0; k < MC_NS_COUNTERS; k++) {
        c[k] = atomic_load_explicit(&e->counters[k], memory_order_relaxed);
    }
    return 1;
}
