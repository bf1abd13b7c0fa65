/*
 * near_cache.c - RedisStore's near cache: INI settings, the shared mapping
 * made at MINIT (so PHP-FPM workers forked later share it), the listener
 * threads this process runs, and the hooks of near_cache.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "php.h"
#include "php_ini.h"
#include "SAPI.h"
#include "ext/standard/info.h"
#include "zend_exceptions.h"
#include "php_moodlecache.h"
#include "options.h"
#include "redis_store.h"
#include "near_cache.h"
#include "layout.h"
#include "listener.h"
#include "transport.h"
#include "value.h"
#include "node_stats.h"

#define LISTENER_RETRY_MS 200      /* how often a process tries to become a listener */

static zend_ulong ini_size;        /* moodlecache.near_cache_size (0: off) */
static zend_ulong ini_max_item;    /* moodlecache.near_cache_max_item */
static bool ini_enable_cli;        /* moodlecache.near_cache_enable_cli */
static bool ini_prefault;          /* moodlecache.near_cache_prefault */

static mc_nc *cache;               /* NULL when off or the mapping failed */
static pid_t index_mapped_pid;     /* this process mapped the index in (prefault) */
static char *fill_hook_dir;        /* tests only: see fill_hook() */
#ifdef MOODLECACHE_TEST_HOOKS
static long quiet_stall_ms;        /* tests only: see mc_near_quiet_check() */
#endif
static pid_t cache_pid;            /* the process that made it (MINIT) */

/* Listener threads of this process, by channel. */
static struct {
    mc_listener *thread;
    pid_t pid;                     /* the process that started it */
    uint64_t last_try_ms;
} listeners[MC_NC_CHANNELS];

/* ---- INI --------------------------------------------------------------- */

MC_ZEND_HANDLERS_BEGIN
static ZEND_INI_MH(OnUpdateNearSize)
{
    zend_string *err = NULL;
    zend_ulong v = zend_ini_parse_uquantity(new_value, &err);
    if (err != NULL) {
        php_error_docref(NULL, E_WARNING, "moodlecache.near_cache_size: %s", ZSTR_VAL(err));
        zend_string_release(err);
        return FAILURE;
    }
    if (v != 0 && (v < MC_NC_MIN_SIZE || v > MC_NC_MAX_SIZE)) {
        php_error_docref(NULL, E_WARNING,
            "moodlecache.near_cache_size must be 0 (off) or between 1M and 1T, \"%s\" given",
            ZSTR_VAL(new_value));
        return FAILURE;
    }
    ini_size = v;
    return SUCCESS;
}

static ZEND_INI_MH(OnUpdateNearMaxItem)
{
    zend_string *err = NULL;
    zend_ulong v = zend_ini_parse_uquantity(new_value, &err);
    if (err != NULL) {
        php_error_docref(NULL, E_WARNING, "moodlecache.near_cache_max_item: %s", ZSTR_VAL(err));
        zend_string_release(err);
        return FAILURE;
    }
    if (v < 1024 || v > ((zend_ulong)1 << 30)) {
        php_error_docref(NULL, E_WARNING,
            "moodlecache.near_cache_max_item must be between 1K and 1G, \"%s\" given",
            ZSTR_VAL(new_value));
        return FAILURE;
    }
    ini_max_item = v;
    return SUCCESS;
}

static ZEND_INI_MH(OnUpdateNearFlag)
{
    bool *flag = (bool *)mh_arg1;
    *flag = zend_ini_parse_bool(new_value);
    return SUCCESS;
}
MC_ZEND_HANDLERS_END

PHP_INI_BEGIN()
    PHP_INI_ENTRY("moodlecache.near_cache_size", "64M", PHP_INI_SYSTEM, OnUpdateNearSize)
    PHP_INI_ENTRY("moodlecache.near_cache_max_item", "1M", PHP_INI_SYSTEM, OnUpdateNearMaxItem)
    PHP_INI_ENTRY1("moodlecache.near_cache_enable_cli", "0", PHP_INI_SYSTEM, OnUpdateNearFlag, &ini_enable_cli)
    PHP_INI_ENTRY1("moodlecache.near_cache_prefault", "0", PHP_INI_SYSTEM, OnUpdateNearFlag, &ini_prefault)
PHP_INI_END()

/* As APCu: a command-line process has no workers to share a cache with,
 * so it gets none unless asked (it still announces its changes). */
static bool wanted_in_this_sapi(void)
{
    const char *name = sapi_module.name ? sapi_module.name : "";
    bool cli = strcmp(name, "cli") == 0 || strcmp(name, "phpdbg") == 0 || strcmp(name, "embed") == 0;
    return !cli || ini_enable_cli;
}

void mc_near_minit(int type, int module_number)
{
    REGISTER_INI_ENTRIES();
#ifdef MOODLECACHE_TEST_HOOKS
    REGISTER_BOOL_CONSTANT("MOODLECACHE_TEST_HOOKS", 1, CONST_CS | CONST_PERSISTENT);
#endif
    if (ini_size == 0 || !wanted_in_this_sapi()) {
        return;
    }
    if (mc_nc_create((size_t)ini_size, (size_t)ini_max_item, &cache) != MC_OK) {
        php_error_docref(NULL, E_WARNING, "moodlecache: cannot map a near cache of %lu bytes; near cache off",
                         (unsigned long)ini_size);
        cache = NULL;
    }
    cache_pid = getpid();
    if (cache != NULL && ini_prefault) {
        mc_nc_prefault(cache);      /* commits the whole size now (see the INI's documentation) */
    }
#ifdef MOODLECACHE_TEST_HOOKS
    const char *hook = getenv("MOODLECACHE_TEST_FILL_HOOK");
    if (hook != NULL && *hook != '\0') {
        fill_hook_dir = pestrdup(hook, 1);
    }
    const char *stall = getenv("MOODLECACHE_TEST_QUIET_STALL_MS");
    quiet_stall_ms = stall != NULL ? strtol(stall, NULL, 10) : 0;
#endif
}

void mc_near_mshutdown(int type, int module_number)
{
    pid_t me = getpid();
    for (int c = 0; c < MC_NC_CHANNELS; c++) {
        if (listeners[c].thread != NULL) {
            if (listeners[c].pid == me) {
                mc_listener_stop(listeners[c].thread);
            } else {
                mc_listener_forget(listeners[c].thread);   /* a forked child's copy */
            }
            listeners[c].thread = NULL;
        }
    }
    if (cache != NULL) {
        mc_nc_free(cache);
        cache = NULL;
    }
    if (fill_hook_dir != NULL) {
        pefree(fill_hook_dir, 1);
        fill_hook_dir = NULL;
    }
    UNREGISTER_INI_ENTRIES();
}

void mc_near_minfo(zend_module_entry *zend_module)
{
    char size[32];
    snprintf(size, sizeof(size), "%lu", (unsigned long)ini_size);
    php_info_print_table_row(2, "Near cache", cache ? "enabled" : "disabled");
    php_info_print_table_row(2, "Near cache size (bytes)", size);
    DISPLAY_INI_ENTRIES();
}


/* ---- options ----------------------------------------------------------- */

static const char *own(mc_near_store *near, int slot, const char *s)
{
    if (s == NULL) {
        return NULL;
    }
    near->owned[slot] = pestrdup(s, 1);
    return near->owned[slot];
}

void mc_near_set_seeds(mc_redis_store *store, const char *const *hosts, const int *ports, size_t n)
{
    mc_near_store *near = &store->near;
    near->seed_hosts = pecalloc(n, sizeof(char *), 1);
    near->seed_ports = pecalloc(n, sizeof(int), 1);
    for (size_t i = 0; i < n; i++) {
        near->seed_hosts[i] = pestrdup(hosts[i], 1);
        near->seed_ports[i] = ports[i];
    }
    near->nseeds = n;
}

bool mc_near_options(mc_redis_store *store, HashTable *table, bool replicas)
{
    mc_options opts = {table, "MoodleCache\\RedisStore option"};
    mc_near_store *near = &store->near;
    bool on = true;
    HashTable *exclude = NULL;
    int given = mc_option_bool(&opts, "near_cache", &on);
    if (given < 0 || mc_option_array(&opts, "near_cache_exclude", &exclude) < 0
        || mc_option_bool(&opts, "near_cache_foreign_writes", &near->foreign) < 0) {
        return false;
    }
    if (given == 1 && on && replicas) {
        return mc_option_invalid(&opts, "near_cache",
            "cannot be combined with 'read_from_replicas': a replica may answer with a value older than "
            "an invalidation already applied") == 0;
    }
    if (exclude != NULL) {
        zval *entry;
        near->exclude = zend_new_array(zend_hash_num_elements(exclude));
        ZEND_HASH_FOREACH_VAL(exclude, entry) {
            if (Z_TYPE_P(entry) != IS_STRING) {
                mc_option_invalid(&opts, "near_cache_exclude", "must be a list of definition names (strings)");
                return false;
            }
            zend_hash_add_empty_element(near->exclude, Z_STR_P(entry));
        } ZEND_HASH_FOREACH_END();
    }
    near->announce = on;
    near->use = on && !replicas;
    return true;
}

bool mc_near_attach(mc_redis_store *store, const mc_redis_options *conn)
{
    mc_near_store *near = &store->near;
    near->database = conn->database;
    if (!near->announce) {
        return true;
    }
    if (mc_announce_channel(&near->channel, near->nseeds ? 0 : conn->database, ZSTR_VAL(store->prefix),
                            ZSTR_LEN(store->prefix)) != MC_OK) {
        zend_throw_exception(mc_ce_exception, "MoodleCache\\RedisStore: out of memory", 0);
        return false;
    }
    if (cache == NULL || !near->use) {
        return true;                /* announces, but keeps nothing near in this process */
    }
    mc_status st = mc_nc_channel(cache, store->ident.data, store->ident.len, &near->chan);
    if (st != MC_OK) {
        /* Not an error of the caller's: the store works, without a near cache. */
        php_error_docref(NULL, E_WARNING, "moodlecache: near cache not used for prefix '%s': %s",
                         ZSTR_VAL(store->prefix), st == MC_ERR_TOO_LARGE
                         ? "every near-cache channel is taken (one per server, database, prefix and user)"
                         : mc_status_name(st));
        return true;
    }
    mc_node_stats_set_channel(store, near->chan);
    if (near->nseeds == 0 && mc_announce_node_channel(&near->node_channel, conn->database, mc_nc_node_id(cache),
                                                      ZSTR_VAL(store->prefix), ZSTR_LEN(store->prefix)) != MC_OK) {
        mc_buf_free(&near->node_channel);   /* out of memory: never quiet, nothing else lost */
    }
    near->listen = *conn;
    near->listen.host = own(near, 0, conn->host);
    near->listen.path = own(near, 1, conn->path);
    near->listen.username = own(near, 2, conn->username);
    near->listen.password = own(near, 3, conn->password);
    near->listen.tls.ca_file = own(near, 4, conn->tls.ca_file);
    near->listen.tls.cert_file = own(near, 5, conn->tls.cert_file);
    near->listen.tls.key_file = own(near, 6, conn->tls.key_file);
    near->listen.tls.server_name = own(near, 7, conn->tls.server_name);
    near->enabled = true;
    if (ini_prefault && index_mapped_pid != getpid()) {
        /* Map the index into this process now rather than one page fault per
         * first lookup (each costs 10-40 µs in some VMs). */
        index_mapped_pid = getpid();
        mc_nc_prefault_index(cache);
    }
    return true;
}

void mc_near_free(mc_redis_store *store)
{
    mc_near_store *near = &store->near;
    if (near->owned[3] != NULL) {
        explicit_bzero(near->owned[3], strlen(near->owned[3]));    /* the password */
    }
    for (size_t i = 0; i < sizeof(near->owned) / sizeof(near->owned[0]); i++) {
        if (near->owned[i]) pefree(near->owned[i], 1);
    }
    for (size_t i = 0; i < near->nseeds; i++) {
        pefree(near->seed_hosts[i], 1);
    }
    if (near->seed_hosts) pefree(near->seed_hosts, 1);
    if (near->seed_ports) pefree(near->seed_ports, 1);
    if (near->exclude) {
        zend_array_destroy(near->exclude);
    }
    if (near->tokens) efree(near->tokens);
    mc_buf_free(&near->channel);
    mc_buf_free(&near->node_channel);
    mc_buf_free(&near->message);
    mc_buf_free(&near->key);
    mc_buf_free(&near->scratch);
}

/* ---- trust and listeners ----------------------------------------------- */

/* Starts a listener candidate for the store's channel when none lives. */
static void ensure_listener(mc_redis_store *store, uint64_t now)
{
    mc_near_store *near = &store->near;
    uint32_t c = near->chan;
    pid_t me = getpid();
    if (listeners[c].thread != NULL && listeners[c].pid != me) {
        mc_listener_forget(listeners[c].thread);     /* inherited through fork */
        listeners[c].thread = NULL;
    }
    if (listeners[c].thread != NULL && mc_listener_running(listeners[c].thread)) {
        return;
    }
    if (now < listeners[c].last_try_ms + LISTENER_RETRY_MS || !mc_nc_listener_wanted(cache, c, now)) {
        return;
    }
    listeners[c].last_try_ms = now;
    mc_listener_stop(listeners[c].thread);           /* a candidate that lost, or stopped */
    listeners[c].thread = NULL;
    mc_listener_config cfg = {&near->listen, (const char *const *)near->seed_hosts, near->seed_ports,
                              near->nseeds, ZSTR_VAL(store->prefix), ZSTR_LEN(store->prefix), near->database,
                              near->foreign};
    if (mc_listener_start(cache, c, &cfg, &listeners[c].thread) == MC_OK) {
        listeners[c].pid = me;
    }
}

/* A refusal the listener met (an ACL, an unknown command) is reported once
 * per node: by the process that runs the listener, once per new error. */
static void report_listener_error(mc_redis_store *store)
{
    mc_near_store *near = &store->near;
    uint32_t c = near->chan;
    if (listeners[c].thread == NULL || listeners[c].pid != getpid()
        || mc_nc_listener_error_seq(cache, c) == near->warned_seq) {
        return;
    }
    char message[MC_NC_ERROR_MAX];
    uint64_t retry_at = 0, backoff = 0;
    near->warned_seq = mc_nc_listener_error(cache, c, message, sizeof(message), &retry_at, &backoff);
    if (message[0] != '\0') {
        php_error_docref(NULL, E_WARNING, "moodlecache: near cache off for Redis %s (prefix '%s'): %s; "
                         "reads go to Redis, next try in %llu s",
                         ZSTR_VAL(store->server), ZSTR_VAL(store->prefix), message,
                         (unsigned long long)((backoff + 999) / 1000));
    }
}

mc_nc *mc_near_shared(void)
{
    return cache;
}

static bool applies(mc_redis_store *store, zend_string *definition)
{
    mc_near_store *near = &store->near;
    return near->enabled && cache != NULL
        && (near->exclude == NULL || !zend_hash_exists(near->exclude, definition));
}

/* Trusted now?  If not, makes sure a listener is on its way. */
static bool trusted(mc_redis_store *store, uint64_t now)
{
    if (mc_nc_trusted(cache, store->near.chan, now)) {
        return true;
    }
    ensure_listener(store, now);
    report_listener_error(store);
    return false;
}

/* near->key = "{P:D}:" key */
static bool build_key(mc_redis_store *store, const char *key, size_t len)
{
    mc_buf *k = &store->near.key;
    mc_buf_clear(k);
    return mc_buf_append(k, store->tag.data, store->tag.len) == MC_OK
        && mc_buf_append(k, ":", 1) == MC_OK
        && mc_buf_append(k, key, len) == MC_OK;
}

/* A frame from the near cache into rv; false (a miss) if it has expired or
 * does not decode (it decoded when it was filled, so that is not expected). */
static bool decode_frame(mc_redis_store *store, const char *data, size_t len, zval *rv)
{
    mc_frame frame;
    if (mc_frame_decode(data, len, &store->scratch, &frame) != MC_OK) {
        return false;
    }
    if (frame.expires_at != 0 && mc_frame_expired(&frame, (uint64_t)time(NULL))) {
        return false;
    }
    store->in_user_code++;          /* unserialization may run PHP code */
    bool ok = mc_value_unserialize(&frame, rv);
    store->in_user_code--;
    if (!ok && EG(exception)) {
        zend_clear_exception();
    }
    return ok;
}

/* What the near cache knows of a key. */
typedef enum { NEAR_ASK, NEAR_VALUE, NEAR_ABSENT } near_answer;

/* Looks key up: NEAR_VALUE with rv set, NEAR_ABSENT when Redis lately had
 * no such key (an empty entry: a frame is never empty), else NEAR_ASK and
 * *token taken for a fill when the near cache is trusted. */
static near_answer lookup(mc_redis_store *store, const char *key, size_t len, zval *rv, mc_nc_token *token,
                          uint64_t now)
{
    mc_near_store *near = &store->near;
    token->valid = 0;
    if (!build_key(store, key, len)) {
        return NEAR_ASK;
    }
    const char *value;
    size_t value_len;
    /* the group of "{P:D}:<key>" is its tag, the definition */
    if (mc_nc_get(cache, near->chan, near->key.data, near->key.len, store->tag.len, &near->scratch,
                  &value, &value_len) == MC_OK) {
        if (value_len == 0) {
            near->counters.absent_hits++;
            store->counters.misses++;
            return NEAR_ABSENT;
        }
        if (decode_frame(store, value, value_len, rv)) {
            near->counters.hits++;
            store->counters.hits++;
            return NEAR_VALUE;
        }
    }
    near->counters.misses++;
    mc_nc_fill_begin(cache, near->chan, near->key.data, near->key.len, store->tag.len, now, token);
    return NEAR_ASK;
}

/* Installs what Redis answered for key under token: its frame, or an empty
 * entry for a key Redis does not have (so the next read of an absent key,
 * which Moodle makes on every page, needs no round trip either).  Any
 * write of the key is announced, and its announcement drops the entry. */
static void fill(mc_redis_store *store, const mc_nc_token *token, const char *key_bytes, size_t key_len,
                 const char *value, size_t len)
{
    mc_near_store *near = &store->near;
    if (!token->valid) {
        return;
    }
    mc_status st = mc_nc_fill_commit(cache, token, key_bytes, key_len, value, len);
    if (st == MC_OK) {
        near->counters.fills++;
    } else if (st == MC_ERR_NOTFOUND) {
        near->counters.fill_drops++;
    }
}

/* A reply worth installing: a value, or nil (absent); *value and *len are
 * what to install. */
static bool fillable(const redisReply *reply, const char **value, size_t *len)
{
    if (reply->type == REDIS_REPLY_STRING && reply->len > 0) {
        *value = reply->str;
        *len = reply->len;
        return true;
    }
    if (reply->type == REDIS_REPLY_NIL) {
        *value = "";
        *len = 0;
        return true;
    }
    return false;
}

/* ---- hooks --------------------------------------------------------------- */

bool mc_near_get(mc_redis_store *store, zend_string *definition, zend_string *key, zval *rv)
{
    mc_near_store *near = &store->near;
    near->token.valid = 0;
    if (!applies(store, definition)) {
        return false;
    }
    uint64_t now = mc_now_ms();
    if (!trusted(store, now)) {
        return false;
    }
    switch (lookup(store, ZSTR_VAL(key), ZSTR_LEN(key), rv, &near->token, now)) {
    case NEAR_VALUE:
        return true;
    case NEAR_ABSENT:
        ZVAL_FALSE(rv);
        return true;
    default:
        return false;
    }
}

/* A live entry of key whose frame has not expired (no unserialization). */
static bool holds(mc_redis_store *store, zend_string *key, uint64_t now_s)
{
    mc_near_store *near = &store->near;
    const char *value;
    size_t len;
    if (!build_key(store, ZSTR_VAL(key), ZSTR_LEN(key))
        || mc_nc_get(cache, near->chan, near->key.data, near->key.len, store->tag.len, &near->scratch,
                     &value, &len) != MC_OK
        || len < MC_FRAME_HEADER_SIZE) {
        return false;
    }
    uint64_t expires = mc_frame_expires_at(value);
    return expires == 0 || expires > now_s;
}

bool mc_near_has(mc_redis_store *store, zend_string *definition, zend_string **keys, uint32_t count, bool any)
{
    if (count == 0 || !applies(store, definition) || !trusted(store, mc_now_ms())) {
        return false;
    }
    uint64_t now_s = (uint64_t)time(NULL);
    for (uint32_t i = 0; i < count; i++) {
        bool held = holds(store, keys[i], now_s);
        if (held == any) {
            return any;         /* any: one held is enough; all: one missing is enough */
        }
    }
    return !any;
}

#ifdef MOODLECACHE_TEST_HOOKS
/* For the deterministic fill-race test only (MOODLECACHE_TEST_FILL_HOOK=dir
 * in the environment at start-up): between the GET's reply and the install,
 * create dir/paused, wait for dir/resume, and apply this node's pending
 * invalidations (sync barrier), so a write made meanwhile has certainly
 * been applied when the install is tried. */
static void fill_hook(mc_redis_store *store)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/paused", fill_hook_dir);
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fclose(f);
    }
    snprintf(path, sizeof(path), "%s/resume", fill_hook_dir);
    for (int i = 0; i < 10000 && access(path, F_OK) != 0; i++) {
        usleep(1000);
    }
    mc_nc_token saved = store->near.token;
    mc_buf key = MC_BUF_INIT;
    if (mc_buf_append(&key, store->near.key.data, store->near.key.len) == MC_OK) {
        mc_near_sync(store, 5.0);
        store->near.token = saved;
        mc_buf_clear(&store->near.key);
        mc_buf_append(&store->near.key, key.data, key.len);
    }
    mc_buf_free(&key);
}
#endif

void mc_near_fill(mc_redis_store *store, const redisReply *reply)
{
    mc_near_store *near = &store->near;
    const char *value;
    size_t len;
    if (!near->token.valid || !fillable(reply, &value, &len)) {
        near->token.valid = 0;
        return;
    }
    mc_buf copy = MC_BUF_INIT;
#ifdef MOODLECACHE_TEST_HOOKS
    if (fill_hook_dir != NULL) {
        /* the hook's PUBLISH frees the GET's reply: keep its bytes */
        if (mc_buf_append(&copy, value, len) != MC_OK) {
            return;
        }
        fill_hook(store);
        value = len ? copy.data : "";
    }
#endif
    /* near->key still holds this key: nothing rebuilt it since lookup */
    fill(store, &near->token, near->key.data, near->key.len, value, len);
    near->token.valid = 0;
    mc_buf_free(&copy);
}

uint32_t mc_near_get_many(mc_redis_store *store, zend_string *definition, zend_string **keys,
                          uint32_t count, zval *result, bool *missing)
{
    mc_near_store *near = &store->near;
    for (uint32_t i = 0; i < count; i++) {
        missing[i] = true;
    }
    for (uint32_t i = 0; i < near->tokens_cap; i++) {
        near->tokens[i].valid = 0;      /* none left over from an earlier call */
    }
    if (!applies(store, definition)) {
        return count;
    }
    uint64_t now = mc_now_ms();
    if (!trusted(store, now)) {
        return count;
    }
    if (near->tokens_cap < count) {
        near->tokens = safe_erealloc(near->tokens, count, sizeof(mc_nc_token), 0);
        near->tokens_cap = count;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < count; i++) {
        zval value;
        near_answer answer = lookup(store, ZSTR_VAL(keys[i]), ZSTR_LEN(keys[i]), &value, &near->tokens[i], now);
        if (answer != NEAR_VALUE) {
            ZVAL_FALSE(&value);
        }
        if (answer == NEAR_ASK) {
            n++;
        } else {
            missing[i] = false;
        }
        zend_symtable_update(Z_ARRVAL_P(result), keys[i], &value);
    }
    return n;
}

void mc_near_fill_many(mc_redis_store *store, uint32_t i, zend_string *key, const redisReply *reply)
{
    mc_near_store *near = &store->near;
    const char *value;
    size_t len;
    if (near->enabled && i < near->tokens_cap && fillable(reply, &value, &len)
        && build_key(store, ZSTR_VAL(key), ZSTR_LEN(key))) {
        fill(store, &near->tokens[i], near->key.data, near->key.len, value, len);
    }
    if (i < near->tokens_cap) {
        near->tokens[i].valid = 0;
    }
}

/* ---- announcements and local invalidation -------------------------------- */

const mc_buf *mc_near_announcement(mc_redis_store *store, zend_string *definition, mc_announce_op op,
                                   zend_string **keys, uint32_t count)
{
    mc_near_store *near = &store->near;
    if (!near->announce || (definition != NULL && near->exclude != NULL
                            && zend_hash_exists(near->exclude, definition))) {
        return NULL;
    }
    mc_status st = op == MC_ANNOUNCE_KEYS && near->write_id != 0
        ? mc_announce_begin_written(&near->message, near->write_id, store->tag.data, store->tag.len)
        : mc_announce_begin(&near->message, op, store->tag.data, store->tag.len);
    for (uint32_t i = 0; st == MC_OK && op == MC_ANNOUNCE_KEYS && i < count; i++) {
        st = mc_announce_key(&near->message, ZSTR_VAL(keys[i]), ZSTR_LEN(keys[i]));
    }
    if (st != MC_OK) {
        mc_near_announce_failed(store, NULL);
        return NULL;
    }
    return &near->message;
}

/* The proof in use is younger than limit_ms. */
static bool quiet_fresh(uint64_t stamp, uint64_t limit_ms)
{
    return stamp != 0 && mc_now_us() < stamp + limit_ms * 1000;
}

const mc_buf *mc_near_announce_channel(mc_redis_store *store)
{
    mc_near_store *near = &store->near;
    near->quiet_stamp = 0;
    near->quiet_stands = false;
    if (!near->enabled || cache == NULL || near->node_channel.len == 0 || near->quiet_refused) {
        return &near->channel;
    }
    int alone;
    uint64_t stamp = mc_nc_quiet(cache, near->chan, &alone);
    if (!quiet_fresh(stamp, MC_NC_QUIET_USE_MS)) {
        return &near->channel;
    }
    near->quiet_stamp = stamp;
    near->counters.quiet_announcements++;
    if (alone) {
        near->counters.quiet_unsent++;
        return NULL;
    }
    return &near->node_channel;
}

void mc_near_quiet_check(mc_redis_store *store, bool answered, const redisReply *publish)
{
    mc_near_store *near = &store->near;
#ifdef MOODLECACHE_TEST_HOOKS
    if (quiet_stall_ms > 0) {
        usleep((useconds_t)quiet_stall_ms * 1000);  /* a writer held up after Redis answered */
    }
#endif
    if (publish != NULL && publish->type == REDIS_REPLY_ERROR) {
        near->quiet_refused = true;     /* e.g. an ACL that allows only the shared channel */
    }
    bool published = publish != NULL && publish->type == REDIS_REPLY_INTEGER;
    near->quiet_stands = near->quiet_stamp != 0 && answered && (near->published ? published : true)
        && quiet_fresh(near->quiet_stamp, MC_NC_QUIET_MS);
}

/* Runs one command on the store's connection; its reply, or NULL. */
static const redisReply *run_one(mc_redis_store *store, int argc, const char **argv, const size_t *lens)
{
    redisReply **replies = NULL;
    size_t count = 0;
    mc_redis_discard(store->conn);
    if (mc_redis_append(store->conn, argc, argv, lens) != MC_OK
        || mc_redis_exec(store->conn, &replies, &count) != MC_OK || count != 1) {
        return NULL;
    }
    return replies[0];
}

static void drop_epoch_key(mc_redis_store *store)
{
    mc_buf key = MC_BUF_INIT;
    if (mc_listener_epoch_key(&key, ZSTR_VAL(store->prefix), ZSTR_LEN(store->prefix), NULL) == MC_OK) {
        const char *argv[2] = {"DEL", key.data};
        size_t lens[2] = {3, key.len};
        (void)run_one(store, 2, argv, lens);
    }
    mc_buf_free(&key);
}

void mc_near_after_call(mc_redis_store *store)
{
    mc_near_store *near = &store->near;
    bool again = near->quiet_stamp != 0 && !near->quiet_stands;
    near->quiet_stamp = 0;
    near->quiet_stands = false;
    if (again) {
        near->counters.reannouncements++;
        const char *argv[3] = {"PUBLISH", near->channel.data, near->message.data};
        size_t lens[3] = {7, near->channel.len, near->message.len};
        const redisReply *r = run_one(store, 3, argv, lens);
        if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
            mc_near_announce_failed(store, r);
        }
    }
    if (near->drop_epoch) {
        near->drop_epoch = false;
        drop_epoch_key(store);
    }
}

void mc_near_announce_failed(mc_redis_store *store, const redisReply *reply)
{
    mc_near_store *near = &store->near;
    near->counters.announce_errors++;
    mc_warn_once("moodlecache: Redis %s: a change could not be announced to other nodes' near caches (%s); "
                 "allow the user Pub/Sub channels, or set near_cache to false on every store of prefix '%s'",
                 ZSTR_VAL(store->server), reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "not sent",
                 ZSTR_VAL(store->prefix));
    /* in a cluster each master's epoch key is the listener's choice: nothing to delete from here */
    near->drop_epoch = store->cluster == NULL;
}

void mc_near_write_begin(mc_redis_store *store, zend_string *definition, zend_string **keys, const size_t *offsets,
                         const size_t *lengths, uint32_t count)
{
    mc_near_store *near = &store->near;
    near->write_id = 0;
    if (!near->announce || !applies(store, definition)) {
        return;
    }
    uint64_t now = mc_now_ms();
    if (!trusted(store, now)) {
        return;
    }
    near->write_id = mc_nc_next_write_id(cache);
    for (uint32_t i = 0; i < count; i++) {
        mc_nc_token token;
        if (!build_key(store, ZSTR_VAL(keys[i]), ZSTR_LEN(keys[i]))) {
            mc_nc_invalidate_group(cache, near->chan, store->tag.data, store->tag.len);
            continue;
        }
        mc_nc_fill_begin(cache, near->chan, near->key.data, near->key.len, store->tag.len, now, &token);
        if (!mc_nc_holds(cache, &token)) {
            near->counters.write_arounds++;     /* mc_near_write_end drops it */
            continue;
        }
        if (mc_nc_fill_written(cache, &token, near->key.data, near->key.len, store->frames.data + offsets[i],
                               lengths[i], near->write_id) == MC_OK) {
            near->counters.fills++;
        }
    }
}

void mc_near_write_end(mc_redis_store *store, zend_string **keys, uint32_t count, bool written)
{
    mc_near_store *near = &store->near;
    uint64_t write_id = near->write_id;
    near->write_id = 0;
    if (write_id == 0 || !written) {
        mc_near_invalidate_keys(store, keys, count);
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        if (!build_key(store, ZSTR_VAL(keys[i]), ZSTR_LEN(keys[i]))) {
            mc_nc_invalidate_group(cache, near->chan, store->tag.data, store->tag.len);
        } else if (near->quiet_stands) {
            /* no listener of this node hears a quiet announcement: confirm as it would */
            mc_nc_confirm(cache, near->chan, near->key.data, near->key.len, write_id);
        } else {
            mc_nc_written(cache, near->chan, near->key.data, near->key.len, write_id);
        }
    }
}

void mc_near_invalidate_keys(mc_redis_store *store, zend_string **keys, uint32_t count)
{
    if (!store->near.enabled || cache == NULL) {
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        if (build_key(store, ZSTR_VAL(keys[i]), ZSTR_LEN(keys[i]))) {
            mc_nc_invalidate(cache, store->near.chan, store->near.key.data, store->near.key.len);
        } else {
            mc_nc_invalidate_group(cache, store->near.chan, store->tag.data, store->tag.len);
        }
    }
}

void mc_near_invalidate_definition(mc_redis_store *store)
{
    mc_near_store *near = &store->near;
    if (near->enabled && cache != NULL) {
        mc_nc_invalidate_group(cache, near->chan, store->tag.data, store->tag.len);
    }
}

void mc_near_flush(mc_redis_store *store)
{
    if (store->near.enabled && cache != NULL) {
        mc_nc_flush_channel(cache, store->near.chan);
    }
}

/* ---- the sync barrier ------------------------------------------------------ */
/* Asks the listener for a probe round now (a "poke" on its sync channel;
 * in a cluster PUBLISH reaches it from any node) and waits until a round
 * sent after start has completed: every announcement Redis executed
 * before then has been applied, and the epoch was checked. */
bool mc_near_sync(mc_redis_store *store, double timeout)
{
    mc_near_store *near = &store->near;
    if (!near->enabled || cache == NULL) {
        return false;
    }
    uint64_t start_us = mc_now_us();
    uint64_t deadline = start_us / 1000 + (uint64_t)(timeout * 1000.0);
    while (!trusted(store, mc_now_ms())) {
        if (mc_now_ms() >= deadline) {
            return false;
        }
        usleep(1000);
    }
    /* The poke only hurries the round.  When it fails (this store's
     * connection broken, or a dead cluster node it still points at, while
     * the listener's own connections are fine) the listener's next round
     * of its own (every MC_NC_PROBE_MS) is waited for instead: returning
     * false at once left the node trusted, and the caller's next read
     * served from the near cache with announcements still unapplied. */
    mc_buf channel = MC_BUF_INIT;
    if (mc_listener_sync_channel(&channel, mc_nc_node_id(cache), near->chan) == MC_OK) {
        const char *argv[3] = {"PUBLISH", channel.data, "poke"};
        size_t lens[3] = {7, channel.len, 4};
        redisReply **replies = NULL;
        size_t count = 0;
        mc_redis_discard(store->conn);
        if (mc_redis_append(store->conn, 3, argv, lens) == MC_OK) {
            (void)mc_redis_exec(store->conn, &replies, &count);
        }
    }
    mc_buf_free(&channel);
    while (mc_nc_last_heartbeat(cache, near->chan) <= start_us) {
        if (mc_now_ms() >= deadline || !mc_nc_trusted(cache, near->chan, mc_now_ms())) {
            return false;
        }
        usleep(200);
    }
    return mc_nc_trusted(cache, near->chan, mc_now_ms());
}

/* ---- stats ------------------------------------------------------------------- */

/* The node's near-cache figures into array, each name after prefix; in
 * stats(), next to a store's own fills and drops, the node's are
 * "node_fills" and "node_fill_drops" (node_names). */
static void add_node_figures(zval *array, const char *prefix, bool node_names)
{
    mc_nc_stats s;
    memset(&s, 0, sizeof(s));
    if (cache != NULL) {
        mc_nc_get_stats(cache, &s);
    }
    const struct { const char *name; uint64_t value; } figures[] = {
        {node_names ? "node_fills" : "fills", s.fills},
        {node_names ? "node_fill_drops" : "fill_drops", s.fill_drops}, {"invalidations", s.invalidations},
        {"flushes", s.flushes}, {"evictions", s.evictions}, {"recoveries", s.recoveries},
        {"entries", s.entries}, {"bytes_used", s.bytes_used}, {"bytes_total", s.bytes_total},
    };
    char name[64];
    for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++) {
        snprintf(name, sizeof(name), "%s%s", prefix, figures[i].name);
        add_assoc_long(array, name, (zend_long)figures[i].value);
    }
}

void mc_near_node_stats(zval *array)
{
    add_assoc_bool(array, "enabled", cache != NULL);
    add_node_figures(array, "", false);
}

void mc_near_channel_state(int64_t chan, zval *array)
{
    char error[MC_NC_ERROR_MAX] = "";
    bool known = cache != NULL && chan >= 0 && chan < MC_NC_CHANNELS;
    if (known) {
        (void)mc_nc_listener_error(cache, (uint32_t)chan, error, sizeof(error), NULL, NULL);
        add_assoc_bool(array, "near_trusted", mc_nc_trusted(cache, (uint32_t)chan, mc_now_ms()));
    } else {
        add_assoc_null(array, "near_trusted");
    }
    if (error[0] != '\0') {
        add_assoc_string(array, "near_error", error);
    } else {
        add_assoc_null(array, "near_error");
    }
}

void mc_near_stats(mc_redis_store *store, zval *array)
{
    mc_near_store *near = &store->near;
    add_assoc_bool(array, "near_enabled", near->enabled);
    mc_near_channel_state(near->enabled ? (int64_t)near->chan : -1, array);
    if (!near->enabled) {
        add_assoc_bool(array, "near_trusted", false);
    }
    add_assoc_long(array, "near_hits", (zend_long)near->counters.hits);
    add_assoc_long(array, "near_absent_hits", (zend_long)near->counters.absent_hits);
    add_assoc_long(array, "near_misses", (zend_long)near->counters.misses);
    add_assoc_long(array, "near_fills", (zend_long)near->counters.fills);
    add_assoc_long(array, "near_fill_drops", (zend_long)near->counters.fill_drops);
    add_assoc_long(array, "near_write_arounds", (zend_long)near->counters.write_arounds);
    add_assoc_long(array, "near_announce_errors", (zend_long)near->counters.announce_errors);
    add_assoc_long(array, "near_quiet_announcements", (zend_long)near->counters.quiet_announcements);
    add_assoc_long(array, "near_quiet_unsent", (zend_long)near->counters.quiet_unsent);
    add_assoc_long(array, "near_reannouncements", (zend_long)near->counters.reannouncements);
    /* node-wide, every worker and store of this node */
    add_node_figures(array, "near_", true);
}
