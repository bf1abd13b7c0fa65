/*
 * file_locks.c - MoodleCache\FileLocks: the lock layer of src/lock.h for
 * PHP.  Configuration errors throw; a contended lock is false; an I/O
 * failure is false plus one warning per request, except a lock directory
 * that vanished or turned read-only, which throws (a broken setup must be
 * seen, not served as "busy").  Every live object is on a per-thread list
 * so request shutdown releases whatever a script left held.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include <math.h>
#include "php.h"
#include "zend_exceptions.h"
#include "php_moodlecache.h"
#include "file_locks_arginfo.h"
#include "lock.h"

typedef struct mc_file_locks {
    mc_lockdir *ld;
    zend_string *dir;
    struct mc_file_locks *prev, *next;   /* live objects of this thread */
    zend_object std;
} mc_file_locks;

static zend_class_entry *file_locks_ce;
static zend_object_handlers file_locks_handlers;
ZEND_TLS mc_file_locks *live_objects;

static inline mc_file_locks *from_obj(zend_object *obj)
{
    return (mc_file_locks *)((char *)obj - XtOffsetOf(mc_file_locks, std));
}

#define THIS_LOCKS() from_obj(Z_OBJ_P(ZEND_THIS))

static zend_object *file_locks_create(zend_class_entry *ce)
{
    mc_file_locks *fl = zend_object_alloc(sizeof(mc_file_locks), ce);
    zend_object_std_init(&fl->std, ce);
    object_properties_init(&fl->std, ce);
    fl->std.handlers = &file_locks_handlers;
    return &fl->std;
}

static void unlink_live(mc_file_locks *fl)
{
    if (fl->prev) {
        fl->prev->next = fl->next;
    } else if (live_objects == fl) {
        live_objects = fl->next;
    }
    if (fl->next) {
        fl->next->prev = fl->prev;
    }
    fl->prev = fl->next = NULL;
}

static void file_locks_free(zend_object *obj)
{
    mc_file_locks *fl = from_obj(obj);
    if (fl->ld) {
        unlink_live(fl);
        mc_lockdir_free(fl->ld);   /* releases held locks */
        fl->ld = NULL;
    }
    if (fl->dir) {
        zend_string_release(fl->dir);
    }
    zend_object_std_dtor(obj);
}

void mc_file_locks_request_shutdown(void)
{
    for (mc_file_locks *fl = live_objects; fl != NULL; fl = fl->next) {
        mc_lock_release_all(fl->ld);
    }
}

static bool ready(mc_file_locks *fl)
{
    if (fl->ld == NULL) {
        zend_throw_error(NULL, "MoodleCache\\FileLocks object is not constructed");
        return false;
    }
    return true;
}

/* ---- options ------------------------------------------------------------ */

static bool opt_long(zend_string *name, zval *v, zend_long min, zend_long max, unsigned *out)
{
    if (Z_TYPE_P(v) != IS_LONG) {
        zend_value_error("MoodleCache\\FileLocks option \"%s\" must be an int", ZSTR_VAL(name));
        return false;
    }
    if (Z_LVAL_P(v) < min || Z_LVAL_P(v) > max) {
        zend_value_error("MoodleCache\\FileLocks option \"%s\" must be between " ZEND_LONG_FMT " and " ZEND_LONG_FMT,
                         ZSTR_VAL(name), min, max);
        return false;
    }
    *out = (unsigned)Z_LVAL_P(v);
    return true;
}

static bool opt_bool(zend_string *name, zval *v, int *out)
{
    if (Z_TYPE_P(v) != IS_TRUE && Z_TYPE_P(v) != IS_FALSE) {
        zend_value_error("MoodleCache\\FileLocks option \"%s\" must be a bool", ZSTR_VAL(name));
        return false;
    }
    *out = Z_TYPE_P(v) == IS_TRUE;
    return true;
}

/* group: a name or a gid; kept as text in buf for the C layer. */
static bool opt_group(zval *v, char *buf, size_t size, mc_lock_options *o)
{
    if (Z_TYPE_P(v) == IS_LONG && Z_LVAL_P(v) >= 0 && Z_LVAL_P(v) < (zend_long)UINT32_MAX) {
        snprintf(buf, size, ZEND_LONG_FMT, Z_LVAL_P(v));
        o->group = buf;
        return true;
    }
    if (Z_TYPE_P(v) == IS_STRING && Z_STRLEN_P(v) > 0 && !memchr(Z_STRVAL_P(v), 0, Z_STRLEN_P(v))) {
        o->group = Z_STRVAL_P(v);
        return true;
    }
    zend_value_error("MoodleCache\\FileLocks option \"group\" must be a group name or a group id (int, 0 or more)");
    return false;
}

static bool parse_options(HashTable *options, mc_lock_options *o, char *group_buf, size_t group_size)
{
    zend_string *name;
    zval *v;
    ZEND_HASH_FOREACH_STR_KEY_VAL(options, name, v) {
        if (name == NULL) {
            zend_value_error("MoodleCache\\FileLocks options must have string keys");
            return false;
        }
        if (zend_string_equals_literal(name, "mode")) {
            if (Z_TYPE_P(v) != IS_STRING) {
                zend_value_error("MoodleCache\\FileLocks option \"mode\" must be \"auto\", \"ofd\" or \"lease\"");
                return false;
            }
            if (zend_string_equals_literal(Z_STR_P(v), "auto")) {
                o->mode = MC_LOCK_AUTO;
            } else if (zend_string_equals_literal(Z_STR_P(v), "ofd")) {
                o->mode = MC_LOCK_OFD;
            } else if (zend_string_equals_literal(Z_STR_P(v), "lease")) {
                o->mode = MC_LOCK_LEASE;
            } else {
                zend_value_error("MoodleCache\\FileLocks option \"mode\" must be \"auto\", \"ofd\" or \"lease\", \"%s\" given",
                                 Z_STRVAL_P(v));
                return false;
            }
        } else if (zend_string_equals_literal(name, "max_open_files")) {
            if (!opt_long(name, v, 1, 1024, &o->max_open_files)) return false;
        } else if (zend_string_equals_literal(name, "lease_ms")) {
            if (!opt_long(name, v, 100, 86400000, &o->lease_ms)) return false;
        } else if (zend_string_equals_literal(name, "backoff_min_us")) {
            if (!opt_long(name, v, 1, 10000000, &o->backoff_min_us)) return false;
        } else if (zend_string_equals_literal(name, "backoff_max_us")) {
            if (!opt_long(name, v, 1, 10000000, &o->backoff_max_us)) return false;
        } else if (zend_string_equals_literal(name, "verify_reuse")) {
            if (!opt_bool(name, v, &o->verify_reuse)) return false;
        } else if (zend_string_equals_literal(name, "owner_record")) {
            if (!opt_bool(name, v, &o->owner_record)) return false;
        } else if (zend_string_equals_literal(name, "host")) {
            if (Z_TYPE_P(v) != IS_STRING || Z_STRLEN_P(v) == 0 || memchr(Z_STRVAL_P(v), 0, Z_STRLEN_P(v))) {
                zend_value_error("MoodleCache\\FileLocks option \"host\" must be a non-empty string without NUL bytes");
                return false;
            }
            o->host = Z_STRVAL_P(v);
        } else if (zend_string_equals_literal(name, "group")) {
            if (!opt_group(v, group_buf, group_size, o)) return false;
        } else {
            zend_value_error("MoodleCache\\FileLocks: unknown option \"%s\"", ZSTR_VAL(name));
            return false;
        }
    } ZEND_HASH_FOREACH_END();
    if (o->backoff_min_us && o->backoff_max_us && o->backoff_max_us < o->backoff_min_us) {
        zend_value_error("MoodleCache\\FileLocks option \"backoff_max_us\" must not be below \"backoff_min_us\"");
        return false;
    }
    return true;
}

PHP_METHOD(MoodleCache_FileLocks, __construct)
{
    zend_string *dir;
    HashTable *options = NULL;
    ZEND_PARSE_PARAMETERS_START(1, 2)
        Z_PARAM_PATH_STR(dir)
        Z_PARAM_OPTIONAL
        Z_PARAM_ARRAY_HT(options)
    ZEND_PARSE_PARAMETERS_END();

    mc_file_locks *fl = THIS_LOCKS();
    if (fl->ld != NULL) {
        zend_throw_error(NULL, "MoodleCache\\FileLocks is already constructed");
        RETURN_THROWS();
    }
    if (ZSTR_LEN(dir) == 0) {
        zend_argument_value_error(1, "must not be empty");
        RETURN_THROWS();
    }
    mc_lock_options o;
    char group_buf[32];
    mc_lock_options_init(&o);
    if (options && !parse_options(options, &o, group_buf, sizeof(group_buf))) {
        RETURN_THROWS();
    }
    char *msg = NULL;
    mc_lockdir *ld = NULL;
    mc_status st = mc_lockdir_open(ZSTR_VAL(dir), &o, &ld, &msg);
    if (st != MC_OK) {
        if (st == MC_ERR_ARG && msg != NULL && strncmp(msg, "option ", 7) == 0) {
            zend_value_error("MoodleCache\\FileLocks %s", msg);
        } else if (st == MC_ERR_ARG) {
            zend_value_error("MoodleCache\\FileLocks: %s", msg ? msg : mc_status_name(st));
        } else {
            zend_throw_exception_ex(mc_ce_exception, st, "moodlecache: %s", msg ? msg : mc_status_name(st));
        }
        free(msg);
        RETURN_THROWS();
    }
    fl->ld = ld;
    fl->dir = zend_string_copy(dir);
    fl->next = live_objects;
    if (live_objects) {
        live_objects->prev = fl;
    }
    live_objects = fl;

    mc_lock_stats s;
    mc_lock_stats_get(ld, &s);
    if (s.nfs && s.local_lock[0] != '\0' && strcmp(s.local_lock, "none") != 0) {
        php_error_docref(NULL, E_WARNING,
                         "moodlecache: %s is mounted with local_lock=%s: locks do not reach other nodes; mount with local_lock=none",
                         ZSTR_VAL(dir), s.local_lock);
    }
}

/* A bad key is a programming error: ValueError. */
static bool key_ok(zend_string *key, uint32_t arg)
{
    if (ZSTR_LEN(key) == 0) {
        zend_argument_value_error(arg, "must not be empty");
        return false;
    }
    if (ZSTR_LEN(key) > MC_LOCK_MAX_KEY) {
        zend_argument_value_error(arg, "must be at most %d bytes long", MC_LOCK_MAX_KEY);
        return false;
    }
    return true;
}

/* I/O failures: false and one warning; a broken directory throws. */
static void runtime_failure(mc_file_locks *fl, const char *method, mc_status st)
{
    const char *detail = mc_lockdir_error(fl->ld);
    if (st == MC_ERR_SETUP) {
        zend_throw_exception_ex(mc_ce_exception, st, "moodlecache: lock directory %s is unusable: %s",
                                ZSTR_VAL(fl->dir), detail[0] ? detail : mc_status_name(st));
        return;
    }
    mc_warn_once("moodlecache: FileLocks::%s() in %s: %s%s%s", method, ZSTR_VAL(fl->dir), mc_status_name(st),
                 detail[0] ? ": " : "", detail);
}

PHP_METHOD(MoodleCache_FileLocks, acquire)
{
    zend_string *key;
    double timeout = 0.0;
    ZEND_PARSE_PARAMETERS_START(1, 2)
        Z_PARAM_STR(key)
        Z_PARAM_OPTIONAL
        Z_PARAM_DOUBLE(timeout)
    ZEND_PARSE_PARAMETERS_END();
    mc_file_locks *fl = THIS_LOCKS();
    if (!ready(fl) || !key_ok(key, 1)) {
        RETURN_THROWS();
    }
    if (!(timeout >= 0) || !zend_finite(timeout)) {
        zend_argument_value_error(2, "must be a finite number of seconds, 0 or more");
        RETURN_THROWS();
    }
    mc_status st = mc_lock_acquire(fl->ld, ZSTR_VAL(key), ZSTR_LEN(key), timeout);
    switch (st) {
    case MC_OK:
        RETURN_TRUE;
    case MC_ERR_TIMEOUT:
    case MC_ERR_LOCK:
        RETURN_FALSE;
    default:
        runtime_failure(fl, "acquire", st);
        if (EG(exception)) {
            RETURN_THROWS();
        }
        RETURN_FALSE;
    }
}

PHP_METHOD(MoodleCache_FileLocks, release)
{
    zend_string *key;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_STR(key)
    ZEND_PARSE_PARAMETERS_END();
    mc_file_locks *fl = THIS_LOCKS();
    if (!ready(fl) || !key_ok(key, 1)) {
        RETURN_THROWS();
    }
    mc_status st = mc_lock_release(fl->ld, ZSTR_VAL(key), ZSTR_LEN(key));
    if (st == MC_OK) {
        RETURN_TRUE;
    }
    if (st == MC_ERR_LOST) {
        mc_warn_once("moodlecache: lock was lost before its release (NFS lease loss or forced release) in %s",
                     ZSTR_VAL(fl->dir));
    } else if (st != MC_ERR_NOTFOUND) {
        runtime_failure(fl, "release", st);
        if (EG(exception)) {
            RETURN_THROWS();
        }
    }
    RETURN_FALSE;
}

PHP_METHOD(MoodleCache_FileLocks, releaseAll)
{
    ZEND_PARSE_PARAMETERS_NONE();
    mc_file_locks *fl = THIS_LOCKS();
    if (!ready(fl)) {
        RETURN_THROWS();
    }
    RETURN_LONG((zend_long)mc_lock_release_all(fl->ld));
}

PHP_METHOD(MoodleCache_FileLocks, isLocked)
{
    zend_string *key;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_STR(key)
    ZEND_PARSE_PARAMETERS_END();
    mc_file_locks *fl = THIS_LOCKS();
    if (!ready(fl) || !key_ok(key, 1)) {
        RETURN_THROWS();
    }
    int locked = 0;
    mc_status st = mc_lock_is_locked(fl->ld, ZSTR_VAL(key), ZSTR_LEN(key), &locked);
    if (st != MC_OK) {
        runtime_failure(fl, "isLocked", st);
        if (EG(exception)) {
            RETURN_THROWS();
        }
        RETURN_FALSE;
    }
    RETURN_BOOL(locked);
}

PHP_METHOD(MoodleCache_FileLocks, holds)
{
    zend_string *key;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_STR(key)
    ZEND_PARSE_PARAMETERS_END();
    mc_file_locks *fl = THIS_LOCKS();
    if (!ready(fl) || !key_ok(key, 1)) {
        RETURN_THROWS();
    }
    RETURN_BOOL(mc_lock_held(fl->ld, ZSTR_VAL(key), ZSTR_LEN(key)));
}

static void add_str_or_null(zval *arr, const char *name, const char *value)
{
    if (value) {
        add_assoc_string(arr, name, value);
    } else {
        add_assoc_null(arr, name);
    }
}

PHP_METHOD(MoodleCache_FileLocks, owner)
{
    zend_string *key;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_STR(key)
    ZEND_PARSE_PARAMETERS_END();
    mc_file_locks *fl = THIS_LOCKS();
    if (!ready(fl) || !key_ok(key, 1)) {
        RETURN_THROWS();
    }
    mc_lock_owner o;
    mc_status st = mc_lock_owner_get(fl->ld, ZSTR_VAL(key), ZSTR_LEN(key), &o);
    if (st == MC_ERR_NOTFOUND) {
        RETURN_NULL();
    }
    if (st != MC_OK) {
        runtime_failure(fl, "owner", st);
        if (EG(exception)) {
            RETURN_THROWS();
        }
        RETURN_NULL();
    }
    array_init(return_value);
    add_str_or_null(return_value, "host", o.host);
    add_assoc_long(return_value, "pid", (zend_long)o.pid);
    add_str_or_null(return_value, "boot_id", o.boot_id);
    add_assoc_double(return_value, "acquired_at", o.acquired_at);
    add_assoc_long(return_value, "generation", (zend_long)o.generation);
    add_str_or_null(return_value, "key", o.key);
    if (o.expires_at > 0) {
        add_assoc_double(return_value, "expires_at", o.expires_at);
    }
    mc_lock_owner_clear(&o);
}

PHP_METHOD(MoodleCache_FileLocks, forceRelease)
{
    zend_string *key;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_STR(key)
    ZEND_PARSE_PARAMETERS_END();
    mc_file_locks *fl = THIS_LOCKS();
    if (!ready(fl) || !key_ok(key, 1)) {
        RETURN_THROWS();
    }
    mc_status st = mc_lock_force_release(fl->ld, ZSTR_VAL(key), ZSTR_LEN(key));
    if (st == MC_OK) {
        RETURN_TRUE;
    }
    if (st != MC_ERR_NOTFOUND) {
        runtime_failure(fl, "forceRelease", st);
        if (EG(exception)) {
            RETURN_THROWS();
        }
    }
    RETURN_FALSE;
}

PHP_METHOD(MoodleCache_FileLocks, lockFile)
{
    zend_string *key;
    ZEND_PARSE_PARAMETERS_START(1, 1)
        Z_PARAM_STR(key)
    ZEND_PARSE_PARAMETERS_END();
    mc_file_locks *fl = THIS_LOCKS();
    if (!ready(fl) || !key_ok(key, 1)) {
        RETURN_THROWS();
    }
    char *p = mc_lock_path(fl->ld, ZSTR_VAL(key), ZSTR_LEN(key));
    if (p == NULL) {
        zend_throw_error(NULL, "moodlecache: out of memory");
        RETURN_THROWS();
    }
    RETVAL_STRING(p);
    free(p);
}

PHP_METHOD(MoodleCache_FileLocks, stats)
{
    ZEND_PARSE_PARAMETERS_NONE();
    mc_file_locks *fl = THIS_LOCKS();
    if (!ready(fl)) {
        RETURN_THROWS();
    }
    mc_lock_stats s;
    mc_lock_stats_get(fl->ld, &s);
    array_init(return_value);
    add_assoc_str(return_value, "directory", zend_string_copy(fl->dir));
    add_assoc_string(return_value, "mode", s.mode == MC_LOCK_LEASE ? "lease" : "ofd");
    add_assoc_bool(return_value, "nfs", s.nfs);
    add_assoc_string(return_value, "filesystem", s.fstype);
    add_assoc_string(return_value, "local_lock", s.local_lock);
#define ADD(name) add_assoc_long(return_value, #name, (zend_long)s.name)
    ADD(acquired);
    ADD(released);
    ADD(timeouts);
    ADD(attempts);
    ADD(busy_attempts);
    ADD(lost);
    ADD(quota_errors);
    ADD(io_errors);
    ADD(forced);
    ADD(stale_taken);
    ADD(fds_opened);
    ADD(fds_closed);
    ADD(fds_reused);
    ADD(held);
    ADD(open_files);
#undef ADD
    add_assoc_double(return_value, "wait_ms_total", s.wait_ms_total);
    add_assoc_double(return_value, "wait_ms_max", s.wait_ms_max);
    add_assoc_long(return_value, "pooled_fds", (zend_long)mc_lock_pool_size());
}

void mc_file_locks_register(void)
{
    file_locks_ce = register_class_MoodleCache_FileLocks();
    file_locks_ce->create_object = file_locks_create;
    memcpy(&file_locks_handlers, zend_get_std_object_handlers(), sizeof(zend_object_handlers));
    file_locks_handlers.offset = XtOffsetOf(mc_file_locks, std);
    file_locks_handlers.free_obj = file_locks_free;
    file_locks_handlers.clone_obj = NULL;
}
