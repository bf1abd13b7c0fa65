/*
 * lock_record.h - the owner record written into a lock file: one
 * "name value" line per field, values escaped (mc_lock_escape) so no byte of
 * a key or host name can break a line, closed by "end" and padded with
 * spaces to a multiple of 256 bytes.  Diagnosis only in OFD mode; the lease
 * itself in LEASE mode.  Records come from any host sharing the directory:
 * the parser takes any bytes (it is fuzzed).  Internal to src/lock*.c.
 */
#ifndef MC_LOCK_RECORD_H
#define MC_LOCK_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "buf.h"
#include "lock.h"

#define MC_RECORD_MAGIC "moodlecache-lock 1\n"
/* Written over a lock file that a forced release unlinks. */
#define MC_RECORD_FORCED "moodlecache-lock-forced\n"

/* Who holds a lock: the same for every record of one handle. */
typedef struct mc_lock_ident {
    char *host;       /* raw host or pod name */
    char *boot_id;    /* "" if unknown */
    char *pidns;      /* "pid:[4026531836]", or "" */
    pid_t pid;
} mc_lock_ident;

/* One lock's fields. */
typedef struct mc_lock_record {
    double acquired_at;       /* Unix time */
    uint64_t generation;
    const char *key;          /* escaped */
    size_t keylen;
    unsigned lease_ms;        /* LEASE: the lease fields are written when expires_at > 0 */
    uint64_t renewed;
    double expires_at;
} mc_lock_record;

/* The record's bytes into out (cleared first).  MC_ERR_NOMEM. */
mc_status mc_lock_record_build(const mc_lock_ident *id, const mc_lock_record *r, mc_buf *out);

/*
 * Parses len bytes of data (any bytes; data may be NULL when len is 0).
 * 0 if they are a record, -1 if not.  Fills owner (its strings malloc'd,
 * freed by mc_lock_owner_clear; cleared when -1) and, when not NULL,
 * *lease_ms (0 if absent) and *pidns (malloc'd or NULL; the caller frees).
 */
int mc_lock_record_parse(const char *data, size_t len, mc_lock_owner *owner, unsigned *lease_ms,
                         char **pidns);

/* Reads fd from offset 0 into out, at most max bytes.  MC_ERR_IO, MC_ERR_NOMEM. */
mc_status mc_lock_read_file(int fd, mc_buf *out, size_t max);

/* %XX sequences of s decoded (others kept); malloc'd, NULL when out of memory. */
char *mc_lock_unescape(const char *s);

#endif
