/*
 * memcached_store_options.c - turns MemcachedStore's options array into a
 * configured libmemcached handle, rejecting anything unknown or out of range
 * with an exception that names the option.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "php.h"
#include "zend_exceptions.h"
#include "zend_smart_str.h"
#include "php_moodlecache.h"
#include "memcached_store.h"

/* A dead server is skipped this long, then tried again (it rejoins by itself). */
#define MC_MEMCACHED_RETRY_S 1

static const char *const known_options[] = {
    "servers", "prefix", "serializer", "compression", "compression_level",
    "compression_threshold", "connect_timeout", "read_timeout", "consistent_hashing",
    "binary_protocol", "max_item_size", "max_value_size", NULL
};

/* "host:port[:weight]" or "[v6]:port[:weight]"; port 1..65535, weight 1..1000. */
static bool parse_server(const char *spec, char **host, int *port, int *weight)
{
    char *copy = estrdup(spec), *rest;
    *host = copy;
    if (copy[0] == '[') {
        char *close = strchr(copy, ']');
        if (close == NULL || close[1] != ':') {
            efree(copy);
            return false;
        }
        *close = '\0';
        *host = copy + 1;
        rest = close + 2;
    } else {
        rest = strchr(copy, ':');
        if (rest == NULL) {
            efree(copy);
            return false;
        }
        *rest++ = '\0';
    }
    char *weight_text = strchr(rest, ':');
    if (weight_text) {
        *weight_text++ = '\0';
    }
    char *end;
    long p = strtol(rest, &end, 10);
    long w = weight_text ? strtol(weight_text, &weight_text, 10) : 1;
    bool ok = **host != '\0' && *rest != '\0' && *end == '\0' && p >= 1 && p <= 65535
        && (weight_text == NULL || *weight_text == '\0') && w >= 1 && w <= 1000;
    for (const char *c = *host; ok && *c; c++) {
        ok = *c > ' ' && *c < 0x7f && *c != '/';
    }
    if (!ok) {
        efree(copy);
        return false;
    }
    *port = (int)p;
    *weight = (int)w;
    /* host points into copy: move it to the start so the caller frees one block. */
    memmove(copy, *host, strlen(*host) + 1);
    *host = copy;
    return true;
}

static bool add_servers(const mc_options *opts, mc_memcached_store *store, bool *weighted)
{
    HashTable *list;
    int found = mc_option_array(opts, "servers", &list);
    if (found < 0) {
        return false;
    }
    if (found == 0 || zend_hash_num_elements(list) == 0) {
        return mc_option_invalid(opts, "servers", "must list at least one \"host:port\"") == 0;
    }
    smart_str desc = {0};
    zval *entry;
    bool ok = true;
    *weighted = false;
    ZEND_HASH_FOREACH_VAL(list, entry) {
        char *host;
        int port, weight;
        ZVAL_DEREF(entry);
        if (Z_TYPE_P(entry) != IS_STRING || strlen(Z_STRVAL_P(entry)) != Z_STRLEN_P(entry)
            || !parse_server(Z_STRVAL_P(entry), &host, &port, &weight)) {
            ok = mc_option_invalid(opts, "servers",
                "entries must be strings \"host:port\" or \"host:port:weight\" (weight 1..1000)") == 0;
            break;
        }
        *weighted = *weighted || weight != 1;
        memcached_return_t rc = memcached_server_add_with_weight(store->mc, host, (in_port_t)port,
                                                                 (uint32_t)weight);
        efree(host);
        if (rc != MEMCACHED_SUCCESS) {
            zend_throw_exception_ex(mc_ce_exception, 0, "%s 'servers': %s", opts->owner,
                                    memcached_strerror(store->mc, rc));
            ok = false;
            break;
        }
        if (desc.s) smart_str_appendc(&desc, ',');
        smart_str_append(&desc, Z_STR_P(entry));
    } ZEND_HASH_FOREACH_END();
    smart_str_0(&desc);
    if (ok) {
        store->servers = desc.s;
    } else {
        smart_str_free(&desc);
    }
    return ok;
}

static bool behave(mc_memcached_store *store, memcached_behavior_t flag, uint64_t value)
{
    if (memcached_behavior_set(store->mc, flag, value) != MEMCACHED_SUCCESS) {
        zend_throw_exception_ex(mc_ce_exception, 0, "MoodleCache\\MemcachedStore: libmemcached refused behavior %d",
                                (int)flag);
        return false;
    }
    return true;
}

bool mc_memcached_store_configure(mc_memcached_store *store, HashTable *table)
{
    mc_options opts = {table, "MoodleCache\\MemcachedStore option"};
    double connect_timeout = MC_DEFAULT_CONNECT_TIMEOUT, read_timeout = MC_DEFAULT_READ_TIMEOUT;
    bool consistent = true, binary = false, weighted = false;
    zend_long max_item = MC_MEMCACHED_DEFAULT_MAX_ITEM;
    zend_string *prefix = NULL;

    if (!mc_options_only(&opts, known_options)
        || mc_option_string(&opts, "prefix", &prefix) < 0
        || !mc_option_serializer(&opts, &store->serializer)
        || !mc_option_compression(&opts, &store->codec)
        || ((store->max_value = MC_DEFAULT_MAX_VALUE), mc_option_max_value(&opts, &store->max_value) < 0)
        || mc_option_timeout(&opts, "connect_timeout", &connect_timeout) < 0
        || mc_option_timeout(&opts, "read_timeout", &read_timeout) < 0
        || mc_option_bool(&opts, "consistent_hashing", &consistent) < 0
        || mc_option_bool(&opts, "binary_protocol", &binary) < 0
        || mc_option_long(&opts, "max_item_size", &max_item) < 0) {
        return false;
    }
    if (max_item < 1024 || max_item > 1024 * 1024 * 1024) {
        mc_option_invalid(&opts, "max_item_size", "must be between 1024 bytes and 1 GB");
        return false;
    }
    memcached_st *mc = memcached_create(NULL);
    if (mc == NULL) {
        zend_throw_exception(mc_ce_exception, "MoodleCache\\MemcachedStore: out of memory", 0);
        return false;
    }
    store->mc = mc;
    uint64_t connect_ms = (uint64_t)(connect_timeout * 1000 + 0.5), read_ms = (uint64_t)(read_timeout * 1000 + 0.5);
    bool ok = add_servers(&opts, store, &weighted)
        && behave(store, MEMCACHED_BEHAVIOR_NO_BLOCK, 1)
        && behave(store, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1)
        && behave(store, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, connect_ms ? connect_ms : 1)
        && behave(store, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, read_ms ? read_ms : 1)
        && behave(store, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, read_ms * 1000)
        && behave(store, MEMCACHED_BEHAVIOR_SND_TIMEOUT, read_ms * 1000)
        && behave(store, MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, 1)
        && behave(store, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, MC_MEMCACHED_RETRY_S)
        && behave(store, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, binary);
    /* KETAMA_WEIGHTED is what php-memcached's OPT_LIBKETAMA_COMPATIBLE sets
     * (MD5 points, server weights): keys land where Moodle's store puts them. */
    if (ok && consistent) {
        ok = behave(store, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
    } else if (ok && weighted) {
        ok = mc_option_invalid(&opts, "servers", "weights need consistent_hashing") == 0;
    }
    if (!ok) {
        memcached_free(store->mc);
        store->mc = NULL;
        return false;
    }
    store->max_item = (size_t)max_item;
    store->prefix = prefix ? zend_string_copy(prefix) : ZSTR_EMPTY_ALLOC();
    return true;
}
