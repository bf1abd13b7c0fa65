/*
 * status.h - the one set of result codes shared by every module of src/.
 *
 * 0 is success; every other value names one kind of failure.  The values are
 * pinned (like zstd's error codes) because tests and the PHP layer map them.
 */
#ifndef MC_STATUS_H
#define MC_STATUS_H

typedef enum mc_status {
    MC_OK = 0,
    MC_ERR_NOMEM = 1,        /* an allocation failed */
    MC_ERR_ARG = 2,          /* a caller passed an invalid argument */
    MC_ERR_CORRUPT = 3,      /* a value frame failed validation (checksum, lengths) */
    MC_ERR_FOREIGN = 4,      /* bytes that are not one of our frames, or a newer version */
    MC_ERR_UNSUPPORTED = 5,  /* a serializer/compression this build does not have */
    MC_ERR_COMPRESS = 6,     /* the compressor or decompressor failed */
    MC_ERR_TOO_LARGE = 7,    /* a size above the configured bound */

    MC_ERR_IO = 10,          /* read/write failed or the peer closed the connection */
    MC_ERR_TIMEOUT = 11,     /* connect or read timeout */
    MC_ERR_CONNECT = 12,     /* could not connect (refused, unreachable, DNS) */
    MC_ERR_PROTOCOL = 13,    /* the server sent bytes that are not a valid reply */
    MC_ERR_AUTH = 14,        /* AUTH or SELECT was refused */
    MC_ERR_TLS = 15,         /* TLS set-up, handshake or verification failed */
    MC_ERR_SERVER = 16,      /* the server answered with an error reply */
    MC_ERR_BACKOFF = 17,     /* not attempted: waiting before the next reconnect */
    MC_ERR_LOCK = 20,        /* lock layer: see its header */
    MC_ERR_NOTFOUND = 21,    /* lock layer / stores: no such entry */
    MC_ERR_QUOTA = 40,       /* lock layer: a lock/open-file limit (EDQUOT, ENOLCK, EMFILE) */
    MC_ERR_LOST = 41,        /* lock layer: a held lock was lost (NFS lease, forced release) */
    MC_ERR_SETUP = 42        /* lock layer: directory missing, not a directory or read-only */
} mc_status;

/* A short constant English name for a code ("timeout"); never NULL. */
const char *mc_status_name(mc_status status);

#endif
