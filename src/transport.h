/*
 * transport.h - non-blocking byte transport under mc_redis: TCP, Unix
 * socket, or TLS (OpenSSL) over TCP.
 *
 * Connect and handshake take an absolute deadline (monotonic ms) and wait
 * with poll().  Reads and writes never block: they report how much moved, or
 * which poll() events to wait for (TLS may need to read in order to write).
 * The caller owns the waiting, so it can write and read at the same time.
 *
 * SIGPIPE: plain sockets write with send(MSG_NOSIGNAL); TLS runs over a
 * BIO of our own whose write is also send(MSG_NOSIGNAL) (OpenSSL's socket
 * BIO uses write(), which would raise SIGPIPE in PHP on a closed peer).
 * Nothing here touches signal dispositions.
 */
#ifndef MC_TRANSPORT_H
#define MC_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

typedef struct mc_conn {
    int fd;        /* -1 when closed */
    SSL *ssl;      /* NULL for TCP and Unix */
} mc_conn;

#define MC_CONN_INIT {-1, NULL}

typedef struct mc_tls_config {
    const char *ca_file;
    const char *cert_file;
    const char *key_file;
    int verify_peer;
} mc_tls_config;

/* Monotonic clock in milliseconds. */
uint64_t mc_now_ms(void);
/* The same clock in microseconds. */
uint64_t mc_now_us(void);

/* Connects to host:port (every address getaddrinfo returns, in order, until
 * one answers) with TCP_NODELAY.  Name resolution itself is getaddrinfo's
 * and blocking: the deadline covers the connects, not the DNS lookup.  MC_ERR_CONNECT (DNS, refused) or
 * MC_ERR_TIMEOUT; the reason goes to err (errlen bytes, always terminated). */
mc_status mc_conn_connect_tcp(mc_conn *c, const char *host, int port, uint64_t deadline,
                              char *err, size_t errlen);
/* Connects to the Unix socket at path. */
mc_status mc_conn_connect_unix(mc_conn *c, const char *path, uint64_t deadline,
                               char *err, size_t errlen);

/* Makes a client SSL_CTX from cfg (CA file or the default paths, optional
 * client certificate and key).  NULL on failure with the reason in err.
 * Free with mc_tls_ctx_free (accepts NULL). */
SSL_CTX *mc_tls_ctx_new(const mc_tls_config *cfg, char *err, size_t errlen);
void mc_tls_ctx_free(SSL_CTX *ctx);

/* Runs the TLS handshake on a connected c: SNI = name unless it is an IP
 * address; with verify_peer, the chain and the name (DNS or IP) are
 * verified.  MC_ERR_TLS or MC_ERR_TIMEOUT; on failure c stays connected
 * (the caller closes). */
mc_status mc_conn_start_tls(mc_conn *c, SSL_CTX *ctx, const char *name, int verify_peer,
                            uint64_t deadline, char *err, size_t errlen);

/* Writes up to len bytes: MC_OK with *n > 0, or MC_OK with *n == 0 and
 * *want set to the poll() events to wait for; MC_ERR_IO (peer gone: *eof=1
 * when it was EPIPE/ECONNRESET) / MC_ERR_TLS otherwise. */
mc_status mc_conn_write(mc_conn *c, const char *buf, size_t len, size_t *n, short *want,
                        int *eof, char *err, size_t errlen);
/* Reads up to cap bytes; the same contract; EOF is MC_ERR_IO with *eof = 1. */
mc_status mc_conn_read(mc_conn *c, char *buf, size_t cap, size_t *n, short *want,
                       int *eof, char *err, size_t errlen);
/* Bytes already decrypted and waiting inside the TLS layer (0 for plain). */
int mc_conn_pending(const mc_conn *c);
/* 1 if the peer has closed or reset the connection (checked without reading). */
int mc_conn_peer_closed(const mc_conn *c);
/* 1 if an idle connection can carry a new pipeline: no hangup, error or
 * EOF, and nothing unread (a stray reply would desynchronise the next
 * pipeline).  Checked with poll() and no wait; over TLS, records that
 * arrived are read without blocking, so that session tickets (consumed
 * by OpenSSL) pass and application data fails.  No byte is sent. */
int mc_conn_idle_usable(mc_conn *c);
/* Waits for events until deadline: 1 ready, 0 timed out, -1 error (err set). */
int mc_conn_wait(const mc_conn *c, short events, uint64_t deadline, char *err, size_t errlen);
/* Waits for events on c or for wake_fd (-1: none) to become readable, until
 * deadline: 1 c ready, 2 wake_fd readable, 0 timed out, -1 error (err set). */
int mc_conn_wait_or_wake(const mc_conn *c, short events, int wake_fd, uint64_t deadline,
                         char *err, size_t errlen);
/* Closes (no TLS close_notify: the peer may be gone); accepts a closed conn. */
void mc_conn_close(mc_conn *c);

#endif
