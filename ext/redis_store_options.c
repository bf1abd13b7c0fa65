/*
 * redis_store_options.c - turns RedisStore's options array into the
 * connection and codec settings, rejecting anything unknown or out of range
 * with an exception that names the option.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "php.h"
#include "zend_exceptions.h"
#include "zend_smart_str.h"
#include "php_moodlecache.h"
#include "options.h"
#include "redis_store.h"
#include "redis_expiry.h"

static const char *const known_options[] = {
    "server", "username", "password", "database", "prefix", "serializer",
    "compression", "compression_level", "compression_threshold",
    "connect_timeout", "read_timeout", "tls", "near_cache", "near_cache_exclude", "near_cache_foreign_writes",
    "cluster", "servers", "read_from_replicas", "max_value_size", "reap_interval", "persistent", NULL
};

static const char *const known_tls_options[] = {
    "ca_file", "cert_file", "key_file", "verify_peer", "server_name", NULL
};

static bool parse_tls(const mc_options *opts, mc_redis_tls_options *tls)
{
    HashTable *table;
    int found = mc_option_array(opts, "tls", &table);
    if (found <= 0) {
        return found == 0;
    }
    mc_options sub = {table, "MoodleCache\\RedisStore option 'tls' key"};
    if (!mc_options_only(&sub, known_tls_options)) {
        return false;
    }
    bool verify = true;
    return mc_option_c_string(&sub, "ca_file", &tls->ca_file) >= 0
        && mc_option_c_string(&sub, "cert_file", &tls->cert_file) >= 0
        && mc_option_c_string(&sub, "key_file", &tls->key_file) >= 0
        && mc_option_c_string(&sub, "server_name", &tls->server_name) >= 0
        && mc_option_bool(&sub, "verify_peer", &verify) >= 0
        && ((tls->verify_peer = verify), true);
}

/* Seconds between reaper runs per definition and process (redis_expiry.h);
 * 0: at every write with a TTL. */
static bool parse_reap_interval(const mc_options *opts, mc_redis_store *store)
{
    double seconds = MC_DEFAULT_REAP_INTERVAL;
    int found = mc_option_double(opts, "reap_interval", &seconds);
    if (found == 1 && !(seconds >= 0 && seconds <= 3600)) {
        return mc_option_invalid(opts, "reap_interval", "must be a number of seconds from 0 to 3600") == 0;
    }
    store->reap_interval_ms = (uint32_t)(seconds * 1000 + 0.5);
    return found >= 0;
}

/* An explicit scheme: "garbage" must not pass as the host garbage:6379. */
static bool has_scheme(const char *uri)
{
    return strncmp(uri, "tcp://", 6) == 0 || strncmp(uri, "tls://", 6) == 0 || strncmp(uri, "unix://", 7) == 0;
}

static bool parse_server(const mc_options *opts, mc_redis_store *store,
                         mc_redis_options *conn, char **storage)
{
    const char *server = "tcp://127.0.0.1:6379";
    if (mc_option_c_string(opts, "server", &server) < 0) {
        return false;
    }
    store->server = zend_string_init(server, strlen(server), 0);
    if (!has_scheme(server) || mc_redis_parse_uri(server, conn, storage) != MC_OK) {
        mc_option_invalid(opts, "server",
            "must be tcp://host:port, tls://host:port or unix:///path/to/socket");
        return false;
    }
    return true;
}

/* Option 'cluster': the seed list 'servers' (each as 'server', tcp:// or
 * tls://, all alike) becomes a mc_cluster; conn is the template of every
 * node connection. */
static bool configure_cluster(const mc_options *opts, mc_redis_store *store, mc_redis_options *conn,
                              int database, bool has_tls_options)
{
    HashTable *seeds = NULL;
    bool replicas = false;
    zend_string *single;
    if (mc_option_string(opts, "server", &single) == 1) {
        return mc_option_invalid(opts, "server", "cannot be used with 'cluster': list seeds in 'servers'") == 0;
    }
    if (database != 0) {
        return mc_option_invalid(opts, "database", "must be 0 in a cluster") == 0;
    }
    if (mc_option_array(opts, "servers", &seeds) < 0 || mc_option_bool(opts, "read_from_replicas", &replicas) < 0) {
        return false;
    }
    uint32_t n = seeds ? zend_hash_num_elements(seeds) : 0;
    if (n == 0) {
        return mc_option_invalid(opts, "servers", "must list at least one seed node with 'cluster'") == 0;
    }
    const char **hosts = safe_emalloc(n, sizeof(char *), 0);
    int *ports = safe_emalloc(n, sizeof(int), 0);
    char **storage = ecalloc(n, sizeof(char *));
    smart_str desc = {0};
    uint32_t i = 0;
    bool ok = true;
    zval *entry;
    smart_str_appends(&desc, "cluster ");
    ZEND_HASH_FOREACH_VAL(seeds, entry) {
        mc_redis_options seed;
        memset(&seed, 0, sizeof(seed));
        ZVAL_DEREF(entry);
        if (Z_TYPE_P(entry) != IS_STRING || strlen(Z_STRVAL_P(entry)) != Z_STRLEN_P(entry)
            || !has_scheme(Z_STRVAL_P(entry)) || mc_redis_parse_uri(Z_STRVAL_P(entry), &seed, &storage[i]) != MC_OK
            || seed.transport == MC_REDIS_UNIX || (i > 0 && seed.transport != conn->transport)) {
            ok = mc_option_invalid(opts, "servers",
                "entries must be tcp://host:port or tls://host:port, all with the same scheme") == 0;
            i++;
            break;
        }
        conn->transport = seed.transport;
        hosts[i] = seed.host;
        ports[i] = seed.port;
        if (i > 0) smart_str_appendc(&desc, ',');
        smart_str_append(&desc, Z_STR_P(entry));
        i++;
    } ZEND_HASH_FOREACH_END();
    smart_str_0(&desc);
    if (ok && has_tls_options && conn->transport != MC_REDIS_TLS) {
        ok = mc_option_invalid(opts, "tls", "needs tls:// seeds") == 0;
    }
    if (ok) {
        store->cluster = mc_cluster_create(conn, hosts, ports, n, replicas);
        store->read_from_replicas = replicas;
        mc_near_set_seeds(store, hosts, ports, n);
        if (store->cluster == NULL) {
            zend_throw_exception(mc_ce_exception, "MoodleCache\\RedisStore: out of memory", 0);
            ok = false;
        } else {
            store->conn = mc_cluster_seed(store->cluster);
            if (store->server) zend_string_release(store->server);
            store->server = desc.s;
            desc.s = NULL;
        }
    }
    smart_str_free(&desc);
    for (uint32_t k = 0; k < i; k++) {
        free(storage[k]);
    }
    efree(storage);
    efree(hosts);
    efree(ports);
    return ok;
}

bool mc_redis_store_configure(mc_redis_store *store, HashTable *table)
{
    mc_options opts = {table, "MoodleCache\\RedisStore option"};
    mc_redis_options conn;
    memset(&conn, 0, sizeof(conn));
    conn.tls.verify_peer = 1;
    conn.connect_timeout = MC_DEFAULT_CONNECT_TIMEOUT;
    conn.read_timeout = MC_DEFAULT_READ_TIMEOUT;
    conn.probe_features = 1;        /* field expiry or not: redis_expiry.h */
    char *storage = NULL;
    zend_long database = 0;
    zend_string *prefix = NULL;
    HashTable *tls_table;
    bool persistent = true;         /* see README: the connect round trips of every request */

    bool ok = mc_options_only(&opts, known_options)
        && parse_server(&opts, store, &conn, &storage)
        && mc_option_c_string(&opts, "username", &conn.username) >= 0
        && mc_option_c_string(&opts, "password", &conn.password) >= 0
        && mc_option_long(&opts, "database", &database) >= 0
        && mc_option_string(&opts, "prefix", &prefix) >= 0
        && mc_option_serializer(&opts, &store->serializer)
        && mc_option_compression(&opts, &store->codec)
        && ((store->max_value = MC_DEFAULT_MAX_VALUE), mc_option_max_value(&opts, &store->max_value) >= 0)
        && mc_option_timeout(&opts, "connect_timeout", &conn.connect_timeout) >= 0
        && mc_option_timeout(&opts, "read_timeout", &conn.read_timeout) >= 0
        && parse_reap_interval(&opts, store)
        && parse_tls(&opts, &conn.tls)
        && mc_option_bool(&opts, "persistent", &persistent) >= 0;
    conn.persistent = persistent;

    if (ok && (database < 0 || database > INT_MAX)) {
        ok = mc_option_invalid(&opts, "database", "must be 0 or more") == 0;
    }
    bool cluster = false;
    ok = ok && mc_option_bool(&opts, "cluster", &cluster) >= 0;
    if (ok && !cluster && (zend_hash_str_exists(table, "servers", 7) || zend_hash_str_exists(table, "read_from_replicas", 18))) {
        ok = mc_option_invalid(&opts, "servers", "and 'read_from_replicas' need 'cluster' => true") == 0;
    }
    if (ok && cluster) {
        ok = configure_cluster(&opts, store, &conn, (int)database, mc_option_array(&opts, "tls", &tls_table) == 1);
    }
    if (ok && !cluster && conn.transport != MC_REDIS_TLS && mc_option_array(&opts, "tls", &tls_table) == 1) {
        ok = mc_option_invalid(&opts, "tls", "needs a tls:// server") == 0;
    }
    if (ok && !cluster) {
        conn.database = (int)database;
        store->conn = mc_redis_create(&conn);
        if (store->conn == NULL) {
            zend_throw_exception(mc_ce_exception, "MoodleCache\\RedisStore: out of memory", 0);
            ok = false;
        }
    }
    if (ok) {
        store->prefix = prefix ? zend_string_copy(prefix) : ZSTR_EMPTY_ALLOC();
        ok = mc_near_options(store, table, store->read_from_replicas);
    }
    if (ok && !mc_store_identity(store, &conn, &store->ident)) {
        zend_throw_exception(mc_ce_exception, "MoodleCache\\RedisStore: out of memory", 0);
        ok = false;
    }
    if (ok) {
        mc_node_stats_register(store, &conn);
        ok = mc_near_attach(store, &conn);
    }
    free(storage);
    return ok;
}
