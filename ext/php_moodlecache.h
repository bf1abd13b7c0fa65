/*
 * php_moodlecache.h - what every file of ext/ shares: the module entry,
 * its globals, the exception class, the once-per-request warning, and each
 * class family's registration function (called from MINIT).
 */
#ifndef PHP_MOODLECACHE_H
#define PHP_MOODLECACHE_H

#include "php.h"

extern zend_module_entry moodlecache_module_entry;
#define phpext_moodlecache_ptr &moodlecache_module_entry

#define PHP_MOODLECACHE_VERSION "0.1.0"

#define MC_REAP_SLOTS 64
ZEND_BEGIN_MODULE_GLOBALS(moodlecache)
    bool warned;          /* a runtime warning was already raised this request */
    struct mc_reap_slot { /* when the reaper may run again, per definition (redis_expiry.c) */
        zend_ulong hash;
        uint64_t due_ms;
    } reap[MC_REAP_SLOTS]; /* kept across requests: a PHP-FPM worker serves many */
ZEND_END_MODULE_GLOBALS(moodlecache)

ZEND_EXTERN_MODULE_GLOBALS(moodlecache)
#define MOODLECACHE_G(v) ZEND_MODULE_GLOBALS_ACCESSOR(moodlecache, v)

#if defined(ZTS) && defined(COMPILE_DL_MOODLECACHE)
ZEND_TSRMLS_CACHE_EXTERN()
#endif

extern zend_class_entry *mc_ce_exception;

/* Zend's handler macros (ZEND_INI_MH, PHP_RINIT_FUNCTION...) declare
 * parameters a handler need not use: -Wextra's unused-parameter warning is
 * silenced around such handlers, and only there. */
#define MC_ZEND_HANDLERS_BEGIN _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wunused-parameter\"")
#define MC_ZEND_HANDLERS_END _Pragma("GCC diagnostic pop")

/* Raises E_WARNING "moodlecache: ..." unless one was raised already in this
 * request: a dead server must not flood the log with one line per get. */
void mc_warn_once(const char *format, ...) ZEND_ATTRIBUTE_FORMAT(printf, 1, 2);

/* Class families, one file each. */
void mc_redis_store_register(void);
void mc_memcached_store_register(void);
void mc_file_locks_register(void);
/* Releases the locks every MoodleCache\FileLocks object still holds (RSHUTDOWN). */
void mc_file_locks_request_shutdown(void);

#endif
