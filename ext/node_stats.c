/*
 * node_stats.c - node-wide store figures (see node_stats.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <openssl/evp.h>
#include "php.h"
#include "php_moodlecache.h"
#include "redis_store.h"
#include "node_stats.h"

static mc_ns *table;               /* NULL if the mapping failed */

void mc_node_stats_minit(void)
{
    if (mc_ns_create(&table) != MC_OK) {
        table = NULL;
    }
}

void mc_node_stats_mshutdown(void)
{
    mc_ns_free(table);
    table = NULL;
}

static void append_field(mc_buf *ident, const char *s, bool *ok)
{
    *ok = *ok && mc_buf_append(ident, "|", 1) == MC_OK && mc_buf_append_u64(ident, s ? strlen(s) : 0) == MC_OK
        && mc_buf_append(ident, ":", 1) == MC_OK && (s == NULL || mc_buf_append(ident, s, strlen(s)) == MC_OK);
}

bool mc_store_identity(mc_redis_store *store, const mc_redis_options *conn, mc_buf *ident)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1] = "-";
    if (conn->password != NULL) {
        if (EVP_Digest(conn->password, strlen(conn->password), digest, &digest_len, EVP_sha256(), NULL) != 1) {
            return false;
        }
        for (unsigned int i = 0; i < digest_len; i++) {
            snprintf(hex + 2 * i, 3, "%02x", digest[i]);
        }
    }
    char verify[2] = {conn->tls.verify_peer ? '1' : '0', '\0'};
    char foreign[2] = {store->near.foreign ? '1' : '0', '\0'};
    bool ok = mc_buf_append(ident, "v2", 2) == MC_OK;
    append_field(ident, ZSTR_VAL(store->server), &ok);
    ok = ok && mc_buf_append(ident, "|", 1) == MC_OK && mc_buf_append_u64(ident, (unsigned long long)conn->database) == MC_OK;
    append_field(ident, ZSTR_VAL(store->prefix), &ok);
    append_field(ident, conn->username, &ok);
    append_field(ident, hex, &ok);
    append_field(ident, conn->tls.ca_file, &ok);
    append_field(ident, conn->tls.cert_file, &ok);
    append_field(ident, conn->tls.key_file, &ok);
    append_field(ident, conn->tls.server_name, &ok);
    append_field(ident, verify, &ok);
    append_field(ident, foreign, &ok);      /* its listener follows other writers too */
    return ok;
}

void mc_node_stats_register(mc_redis_store *store, const mc_redis_options *conn)
{
    store->ns_entry = -1;
    if (table == NULL) {
        return;
    }
    char label[MC_NS_LABEL_MAX];
    snprintf(label, sizeof(label), "%s db %d prefix '%s'%s%s", ZSTR_VAL(store->server), conn->database,
             ZSTR_VAL(store->prefix), conn->username ? " user " : "", conn->username ? conn->username : "");
    store->ns_entry = mc_ns_entry(table, store->ident.data, store->ident.len, label);
}

void mc_node_stats_set_channel(mc_redis_store *store, uint32_t channel)
{
    if (table != NULL) {
        mc_ns_set_channel(table, store->ns_entry, channel);
    }
}

/* The store's totals so far. */
static void totals(mc_redis_store *store, mc_ns_counters *t)
{
    const mc_redis_stats *net = mc_redis_get_stats(store->conn);
    mc_redis_stats sum;
    if (store->cluster) {
        mc_cluster_stats(store->cluster, &sum);
        net = &sum;
    }
    *t = (mc_ns_counters){
        .hits = store->counters.hits, .misses = store->counters.misses,
        /* reads answered from memory, "absent" ones too */
        .near_hits = store->near.counters.hits + store->near.counters.absent_hits,
        .near_misses = store->near.counters.misses,
        .sets = store->counters.sets, .deletes = store->counters.deletes, .corrupt = store->counters.corrupt,
        .round_trips = net->round_trips, .commands = net->commands, .errors = net->errors + store->reply_errors,
        .connects = net->connects, .reconnects = net->reconnects,
        .bytes_sent = net->bytes_sent, .bytes_received = net->bytes_received,
        .announce_errors = store->near.counters.announce_errors,
    };
}

void mc_node_stats_flush(mc_redis_store *store)
{
    store->ns_calls = 0;
    if (table == NULL || store->ns_entry < 0 || store->conn == NULL) {
        return;
    }
    mc_ns_counters now, delta;
    totals(store, &now);
    const uint64_t *n = (const uint64_t *)&now, *sent = (const uint64_t *)&store->ns_sent;
    uint64_t *d = (uint64_t *)&delta;
    for (size_t k = 0; k < MC_NS_COUNTERS; k++) {
        d[k] = n[k] >= sent[k] ? n[k] - sent[k] : 0;
    }
    mc_ns_add(table, store->ns_entry, &delta);
    store->ns_sent = now;
}

#define ADD_COUNTER(arr, c, name) add_assoc_long((arr), #name, (zend_long)(c).name)

ZEND_FUNCTION(MoodleCache_nodeStats)
{
    ZEND_PARSE_PARAMETERS_NONE();
    array_init(return_value);
    zval near, stores;
    array_init(&near);
    mc_near_node_stats(&near);
    add_assoc_zval(return_value, "near_cache", &near);
    array_init(&stores);
    for (int i = 0; table != NULL && i < MC_NS_STORES; i++) {
        char label[MC_NS_LABEL_MAX];
        mc_ns_counters c;
        int64_t channel;
        if (!mc_ns_read(table, i, label, &c, &channel)) {
            continue;
        }
        zval entry;
        array_init(&entry);
        add_assoc_string(&entry, "store", label);
        ADD_COUNTER(&entry, c, hits);
        ADD_COUNTER(&entry, c, misses);
        ADD_COUNTER(&entry, c, near_hits);
        ADD_COUNTER(&entry, c, near_misses);
        ADD_COUNTER(&entry, c, sets);
        ADD_COUNTER(&entry, c, deletes);
        ADD_COUNTER(&entry, c, corrupt);
        ADD_COUNTER(&entry, c, round_trips);
        ADD_COUNTER(&entry, c, commands);
        ADD_COUNTER(&entry, c, errors);
        ADD_COUNTER(&entry, c, connects);
        ADD_COUNTER(&entry, c, reconnects);
        ADD_COUNTER(&entry, c, bytes_sent);
        ADD_COUNTER(&entry, c, bytes_received);
        ADD_COUNTER(&entry, c, announce_errors);
        mc_near_channel_state(channel, &entry);
        add_next_index_zval(&stores, &entry);
    }
    add_assoc_zval(return_value, "stores", &stores);
}
