/* value.c - PHP values to payload bytes and back (see value.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "php.h"
#include "ext/standard/php_var.h"
#include "zend_exceptions.h"
#ifdef MOODLECACHE_HAVE_IGBINARY
#include "ext/igbinary/igbinary.h"
#endif
#include "value.h"

bool mc_serializer_available(int serializer)
{
    switch (serializer) {
    case MC_SER_STRING:
    case MC_SER_LONG:
    case MC_SER_PHP:
        return true;
#ifdef MOODLECACHE_HAVE_IGBINARY
    case MC_SER_IGBINARY:
        return true;
#endif
    default:
        return false;
    }
}

/* The serialization buffer, reused from value to value: growing a fresh one
 * from nothing costs several reallocations per value, more than the copy
 * out of it.  Request memory: freed at request end. */
#define REUSE_KEEP_BYTES (256 * 1024)
ZEND_TLS smart_str reuse;
ZEND_TLS bool reuse_busy;

bool mc_value_serialize(zval *value, int serializer, mc_payload *out)
{
    memset(&out->owned, 0, sizeof(out->owned));
    out->shared = false;
    ZVAL_DEREF(value);
    if (Z_TYPE_P(value) == IS_STRING) {
        out->serializer = MC_SER_STRING;
        out->data = Z_STRVAL_P(value);
        out->len = Z_STRLEN_P(value);
        return true;
    }
    if (Z_TYPE_P(value) == IS_LONG) {
        out->serializer = MC_SER_LONG;
        out->len = (size_t)snprintf(out->digits, sizeof(out->digits), ZEND_LONG_FMT, Z_LVAL_P(value));
        out->data = out->digits;
        return true;
    }
    out->serializer = serializer;
#ifdef MOODLECACHE_HAVE_IGBINARY
    if (serializer == MC_SER_IGBINARY) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        if (igbinary_serialize(&bytes, &len, value) != 0 || EG(exception)) {
            if (bytes != NULL) {
                efree(bytes);
            }
            return false;
        }
        smart_str_appendl(&out->owned, (const char *)bytes, len);
        efree(bytes);
        smart_str_0(&out->owned);
        out->data = ZSTR_VAL(out->owned.s);
        out->len = ZSTR_LEN(out->owned.s);
        return true;
    }
#endif
    /* Into the reused buffer, unless a __serialize() of this value is
     * itself writing to a cache (then the outer call holds it). */
    smart_str *buf = reuse_busy ? &out->owned : &reuse;
    out->shared = !reuse_busy;
    if (out->shared) {
        reuse_busy = true;
        if (reuse.s != NULL) {
            ZSTR_LEN(reuse.s) = 0;
        }
    }
    php_serialize_data_t var_hash;
    PHP_VAR_SERIALIZE_INIT(var_hash);
    php_var_serialize(buf, value, &var_hash);
    PHP_VAR_SERIALIZE_DESTROY(var_hash);
    if (EG(exception) || buf->s == NULL) {
        mc_payload_free(out);
        return false;
    }
    out->data = ZSTR_VAL(buf->s);
    out->len = ZSTR_LEN(buf->s);
    return true;
}

void mc_payload_free(mc_payload *payload)
{
    smart_str_free(&payload->owned);
    if (payload->shared) {
        payload->shared = false;
        reuse_busy = false;
        if (reuse.a > REUSE_KEEP_BYTES) {
            smart_str_free(&reuse);   /* a large value: do not hold its size */
        }
    }
}

void mc_value_request_shutdown(void)
{
    smart_str_free(&reuse);
    reuse_busy = false;
}

static bool unserialize_long(const mc_frame *frame, zval *rv)
{
    zend_long number;
    double unused;
    /* is_numeric_string reads digits up to a NUL, and a payload from the
     * near cache has none after it: parse a terminated copy (bounded above). */
    char digits[MAX_LENGTH_OF_LONG + 1];
    if (frame->payload_len == 0 || frame->payload_len > MAX_LENGTH_OF_LONG) {
        return false;
    }
    memcpy(digits, frame->payload, frame->payload_len);
    digits[frame->payload_len] = '\0';
    if (is_numeric_string(digits, frame->payload_len, &number, &unused, false) != IS_LONG) {
        return false;
    }
    ZVAL_LONG(rv, number);
    return true;
}

static bool unserialize_php(const mc_frame *frame, zval *rv)
{
    const unsigned char *p = (const unsigned char *)frame->payload;
    const unsigned char *end = p + frame->payload_len;
    php_unserialize_data_t var_hash;
    PHP_VAR_UNSERIALIZE_INIT(var_hash);
    bool ok = php_var_unserialize(rv, &p, end, &var_hash) && p == end;
    PHP_VAR_UNSERIALIZE_DESTROY(var_hash);
    if (!ok || EG(exception)) {
        zval_ptr_dtor(rv);
        ZVAL_UNDEF(rv);     /* rv may be a return value the engine frees again */
        return false;
    }
    return true;
}

bool mc_value_unserialize(const mc_frame *frame, zval *rv)
{
    ZVAL_UNDEF(rv);
    switch (frame->serializer) {
    case MC_SER_STRING:
        ZVAL_STRINGL_FAST(rv, frame->payload, frame->payload_len);
        return true;
    case MC_SER_LONG:
        return unserialize_long(frame, rv);
    case MC_SER_PHP:
        return unserialize_php(frame, rv);
#ifdef MOODLECACHE_HAVE_IGBINARY
    case MC_SER_IGBINARY:
        if (igbinary_unserialize((const uint8_t *)frame->payload, frame->payload_len, rv) != 0 || EG(exception)) {
            zval_ptr_dtor(rv);
            ZVAL_UNDEF(rv);
            return false;
        }
        return true;
#endif
    default:
        return false;
    }
}
