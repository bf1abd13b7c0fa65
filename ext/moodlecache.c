/*
 * moodlecache.c - module start-up, INI, phpinfo(), the exception class and
 * the once-per-request warning.  Each class family registers itself from
 * its own file (see php_moodlecache.h).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php.h"
#include "ext/standard/info.h"
#include "ext/spl/spl_exceptions.h"
#include <hiredis/hiredis.h>
#include <openssl/opensslv.h>
#include <openssl/crypto.h>
#include <zstd.h>
#include <libmemcached/memcached.h>

#include "php_moodlecache.h"
#include "value.h"
#include "moodlecache_arginfo.h"
#include "codec.h"
#include "layout.h"
#include "near_cache.h"
#include "node_stats.h"
#include "conn_pool.h"

ZEND_DECLARE_MODULE_GLOBALS(moodlecache)

zend_class_entry *mc_ce_exception;

void mc_warn_once(const char *format, ...)
{
    if (MOODLECACHE_G(warned)) {
        return;
    }
    MOODLECACHE_G(warned) = true;
    va_list args;
    va_start(args, format);
    char *message = NULL;
    zend_vspprintf(&message, 0, format, args);
    va_end(args);
    php_error_docref(NULL, E_WARNING, "%s", message);
    efree(message);
}

static PHP_GINIT_FUNCTION(moodlecache)
{
#if defined(COMPILE_DL_MOODLECACHE) && defined(ZTS)
    ZEND_TSRMLS_CACHE_UPDATE();
#endif
    moodlecache_globals->warned = false;
    memset(moodlecache_globals->reap, 0, sizeof(moodlecache_globals->reap));
}

static PHP_MINIT_FUNCTION(moodlecache)
{
    mc_ce_exception = register_class_MoodleCache_Exception(spl_ce_RuntimeException);
    if (mc_layout_init() != MC_OK) {
        php_error_docref(NULL, E_WARNING, "moodlecache: cannot compute the scripts' SHA-1 digests");
        return FAILURE;
    }
    mc_redis_store_register();
    mc_memcached_store_register();
    mc_file_locks_register();
    mc_near_minit(type, module_number);
    mc_node_stats_minit();
    return SUCCESS;
}

static PHP_MSHUTDOWN_FUNCTION(moodlecache)
{
    mc_near_mshutdown(type, module_number);
    mc_node_stats_mshutdown();
    mc_pool_clear();        /* idle persistent connections: closed, nothing sent */
    return SUCCESS;
}

MC_ZEND_HANDLERS_BEGIN
static PHP_RINIT_FUNCTION(moodlecache)
{
#if defined(COMPILE_DL_MOODLECACHE) && defined(ZTS)
    ZEND_TSRMLS_CACHE_UPDATE();
#endif
    MOODLECACHE_G(warned) = false;
    return SUCCESS;
}

static PHP_RSHUTDOWN_FUNCTION(moodlecache)
{
    mc_file_locks_request_shutdown();
    mc_value_request_shutdown();
    return SUCCESS;
}
MC_ZEND_HANDLERS_END

static PHP_MINFO_FUNCTION(moodlecache)
{
    char hiredis_version[32];
    snprintf(hiredis_version, sizeof(hiredis_version), "%d.%d.%d",
             HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH);

    php_info_print_table_start();
    php_info_print_table_row(2, "moodlecache support", "enabled");
    php_info_print_table_row(2, "Version", PHP_MOODLECACHE_VERSION);
    php_info_print_table_row(2, "Stores", "Redis/Valkey, memcached");
    php_info_print_table_row(2, "Compression", "zstd");
#ifdef MOODLECACHE_HAVE_IGBINARY
    php_info_print_table_row(2, "Serializers", "php, igbinary");
#else
    php_info_print_table_row(2, "Serializers", "php");
#endif
    php_info_print_table_row(2, "hiredis (build)", hiredis_version);
    php_info_print_table_row(2, "zstd (build)", ZSTD_VERSION_STRING);
    php_info_print_table_row(2, "zstd (run time)", mc_codec_zstd_version());
    php_info_print_table_row(2, "libmemcached (build)", LIBMEMCACHED_VERSION_STRING);
    php_info_print_table_row(2, "libmemcached (run time)", memcached_lib_version());
    php_info_print_table_row(2, "OpenSSL (build)", OPENSSL_VERSION_TEXT);
    php_info_print_table_row(2, "OpenSSL (run time)", OpenSSL_version(OPENSSL_VERSION));
    php_info_print_table_end();
    mc_near_minfo(zend_module);
}

static const zend_module_dep moodlecache_deps[] = {
#ifdef MOODLECACHE_HAVE_IGBINARY
    ZEND_MOD_REQUIRED("igbinary")
#endif
    ZEND_MOD_END
};

zend_module_entry moodlecache_module_entry = {
    STANDARD_MODULE_HEADER_EX,
    NULL,
    moodlecache_deps,
    "moodlecache",
    ext_functions,
    PHP_MINIT(moodlecache),
    PHP_MSHUTDOWN(moodlecache),
    PHP_RINIT(moodlecache),
    PHP_RSHUTDOWN(moodlecache),
    PHP_MINFO(moodlecache),
    PHP_MOODLECACHE_VERSION,
    PHP_MODULE_GLOBALS(moodlecache),
    PHP_GINIT(moodlecache),
    NULL,
    NULL,
    STANDARD_MODULE_PROPERTIES_EX
};

#ifdef COMPILE_DL_MOODLECACHE
#ifdef ZTS
ZEND_TSRMLS_CACHE_DEFINE()
#endif
ZEND_GET_MODULE(moodlecache)
#endif
