/*
 * value.h - PHP values to payload bytes and back.
 *
 * Strings are stored as they are (MC_SER_STRING) and ints as decimal text
 * (MC_SER_LONG): no serializer runs for the most common cached values.
 * Everything else goes through the store's serializer (PHP's or igbinary).
 */
#ifndef MC_VALUE_H
#define MC_VALUE_H

#include "php.h"
#include "ext/standard/php_smart_string.h"
#include "zend_smart_str.h"
#include "codec.h"

typedef struct mc_payload {
    int serializer;          /* enum mc_serializer */
    const char *data;
    size_t len;
    smart_str owned;         /* holds data when the value was serialized ... */
    bool shared;             /* ... or the reused buffer does (value.c) */
    char digits[MAX_LENGTH_OF_LONG + 1];
} mc_payload;

/* true when this build can write and read serializer id `serializer`. */
bool mc_serializer_available(int serializer);

/* Fills out with the bytes of value.  Fails (returns false) only when the
 * serializer threw, e.g. for a Closure; the exception is left in flight. */
bool mc_value_serialize(zval *value, int serializer, mc_payload *out);
/* Releases out's bytes; due before the next mc_value_serialize of the caller. */
void mc_payload_free(mc_payload *payload);
/* RSHUTDOWN: the reused buffer is request memory. */
void mc_value_request_shutdown(void);

/* Rebuilds a value from a decoded frame into rv.  false (rv undefined) when
 * the payload does not unserialize or its serializer is not in this build. */
bool mc_value_unserialize(const mc_frame *frame, zval *rv);

#endif
