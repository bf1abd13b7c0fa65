/*
 * mckey.h - memcached key names for MemcachedStore.
 *
 * memcached's text protocol limits a key to 250 bytes with no spaces or
 * control characters.  Every key is first built in full (raw form below,
 * prefix and definition escaped as in layout.h so neither can end early);
 * a raw key that is valid as it stands is used as is, anything else becomes
 * "mch:" + the SHA-256 of the raw key in hex (68 bytes).  No raw key can
 * look like a hashed one: every raw form with a ':' at byte 4 has a
 * non-hex '{' or ':' later.
 *
 *   <P>{g            the prefix generation (purgeAll increments it)
 *   <P>:<D>{g        the generation of definition D (purge increments it)
 *   <P>:<D>:<key>    a value: 16-byte generation stamp + value frame
 *   <P>:<D>{l:<key>  a lock: the owner string
 */
#ifndef MC_MCKEY_H
#define MC_MCKEY_H

#include <stddef.h>
#include "buf.h"
#include "status.h"

#define MC_MCKEY_MAX 250
#define MC_MCKEY_HASHED_LEN 68

typedef enum mc_mckey_kind {
    MC_MCKEY_PREFIX_GEN = 0,
    MC_MCKEY_DEFINITION_GEN = 1,
    MC_MCKEY_DATA = 2,
    MC_MCKEY_LOCK = 3
} mc_mckey_kind;

/* Appends the memcached key of kind for (prefix, definition, key) to out
 * (definition and key are ignored where the kind has none).  On error
 * (MC_ERR_NOMEM) out is as it was. */
mc_status mc_mckey(mc_buf *out, mc_mckey_kind kind, const char *prefix, size_t prefix_len,
                   const char *definition, size_t definition_len, const char *key, size_t key_len);

/* 1 when key[0..len) is usable by memcached as it stands, else 0. */
int mc_mckey_valid(const char *key, size_t len);

#endif
