/* options.c - strict option reading (see options.h). */
#include "php.h"
#include "zend_exceptions.h"
#include "options.h"

bool mc_options_only(const mc_options *opts, const char *const *known)
{
    zend_string *key;
    zend_ulong index;
    ZEND_HASH_FOREACH_KEY(opts->table, index, key) {
        if (key == NULL) {
            zend_value_error("%s keys must be names, got index " ZEND_ULONG_FMT, opts->owner, index);
            return false;
        }
        bool found = false;
        for (const char *const *k = known; *k != NULL; k++) {
            if (zend_string_equals_cstr(key, *k, strlen(*k))) {
                found = true;
                break;
            }
        }
        if (!found) {
            zend_value_error("%s '%s' is unknown", opts->owner, ZSTR_VAL(key));
            return false;
        }
    } ZEND_HASH_FOREACH_END();
    return true;
}

static zval *lookup(const mc_options *opts, const char *name)
{
    zval *value = zend_hash_str_find(opts->table, name, strlen(name));
    if (value != NULL) {
        ZVAL_DEREF(value);
    }
    return value;
}

static int wrong_type(const mc_options *opts, const char *name, const char *expected, zval *value)
{
    zend_type_error("%s '%s' must be of type %s, %s given",
                    opts->owner, name, expected, zend_zval_type_name(value));
    return -1;
}

int mc_option_invalid(const mc_options *opts, const char *name, const char *message)
{
    zend_value_error("%s '%s' %s", opts->owner, name, message);
    return -1;
}

int mc_option_string(const mc_options *opts, const char *name, zend_string **out)
{
    zval *value = lookup(opts, name);
    if (value == NULL || Z_TYPE_P(value) == IS_NULL) {
        return 0;
    }
    if (Z_TYPE_P(value) != IS_STRING) {
        return wrong_type(opts, name, "string", value);
    }
    *out = Z_STR_P(value);
    return 1;
}

int mc_option_long(const mc_options *opts, const char *name, zend_long *out)
{
    zval *value = lookup(opts, name);
    if (value == NULL || Z_TYPE_P(value) == IS_NULL) {
        return 0;
    }
    if (Z_TYPE_P(value) != IS_LONG) {
        return wrong_type(opts, name, "int", value);
    }
    *out = Z_LVAL_P(value);
    return 1;
}

int mc_option_double(const mc_options *opts, const char *name, double *out)
{
    zval *value = lookup(opts, name);
    if (value == NULL || Z_TYPE_P(value) == IS_NULL) {
        return 0;
    }
    if (Z_TYPE_P(value) == IS_LONG) {
        *out = (double)Z_LVAL_P(value);
    } else if (Z_TYPE_P(value) == IS_DOUBLE) {
        *out = Z_DVAL_P(value);
    } else {
        return wrong_type(opts, name, "int|float", value);
    }
    return 1;
}

int mc_option_bool(const mc_options *opts, const char *name, bool *out)
{
    zval *value = lookup(opts, name);
    if (value == NULL || Z_TYPE_P(value) == IS_NULL) {
        return 0;
    }
    if (Z_TYPE_P(value) != IS_TRUE && Z_TYPE_P(value) != IS_FALSE) {
        return wrong_type(opts, name, "bool", value);
    }
    *out = Z_TYPE_P(value) == IS_TRUE;
    return 1;
}

int mc_option_array(const mc_options *opts, const char *name, HashTable **out)
{
    zval *value = lookup(opts, name);
    if (value == NULL || Z_TYPE_P(value) == IS_NULL) {
        return 0;
    }
    if (Z_TYPE_P(value) != IS_ARRAY) {
        return wrong_type(opts, name, "array", value);
    }
    *out = Z_ARRVAL_P(value);
    return 1;
}
