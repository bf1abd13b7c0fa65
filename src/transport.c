/* transport.c - TCP, Unix and TLS connections without blocking (see transport.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "transport.h"

uint64_t mc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t mc_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int wait_fd(int fd, short events, uint64_t deadline, short *revents)
{
    for (;;) {
        uint64_t now = mc_now_ms();
        if (now >= deadline) {
            return 0;
        }
        uint64_t left = deadline - now;
        struct pollfd p = {fd, events, 0};
        int rc = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (rc < 0 && errno == EINTR) {
            continue;
        }
        if (rc > 0 && revents != NULL) {
            *revents = p.revents;
        }
        return rc < 0 ? -1 : rc;
    }
}

int mc_conn_wait(const mc_conn *c, short events, uint64_t deadline, char *err, size_t errlen)
{
    int rc = wait_fd(c->fd, events, deadline, NULL);
    if (rc < 0) {
        snprintf(err, errlen, "poll: %s", strerror(errno));
    }
    return rc;
}

int mc_conn_wait_or_wake(const mc_conn *c, short events, int wake_fd, uint64_t deadline,
                         char *err, size_t errlen)
{
    for (;;) {
        uint64_t now = mc_now_ms();
        if (now >= deadline) {
            return 0;
        }
        uint64_t left = deadline - now;
        struct pollfd p[2] = {{c->fd, events, 0}, {wake_fd, POLLIN, 0}};
        int rc = poll(p, wake_fd >= 0 ? 2 : 1, left > INT_MAX ? INT_MAX : (int)left);
        if (rc < 0 && errno == EINTR) {
            continue;
        }
        if (rc < 0) {
            snprintf(err, errlen, "poll: %s", strerror(errno));
            return -1;
        }
        if (rc == 0) {
            continue;       /* re-check the clock: poll may wake early */
        }
        if (wake_fd >= 0 && p[1].revents != 0) {
            return 2;
        }
        return 1;
    }
}

/* Waits for a non-blocking connect on fd; 0 connected, else errno-like code (ETIMEDOUT). */
static int finish_connect(int fd, uint64_t deadline)
{
    int rc = wait_fd(fd, POLLOUT, deadline, NULL);
    if (rc == 0) {
        return ETIMEDOUT;
    }
    if (rc < 0) {
        return errno;
    }
    int soerr = 0;
    socklen_t sl = sizeof(soerr);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0) {
        return errno;
    }
    return soerr;
}

mc_status mc_conn_connect_tcp(mc_conn *c, const char *host, int port, uint64_t deadline,
                              char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    char portstr[16];
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(portstr, sizeof(portstr), "%d", port);
    int grc = getaddrinfo(host, portstr, &hints, &res);
    if (grc != 0) {
        snprintf(err, errlen, "resolve %s: %s", host, gai_strerror(grc));
        return MC_ERR_CONNECT;
    }
    int last = ECONNREFUSED;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        int e = 0;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            e = errno == EINPROGRESS ? finish_connect(fd, deadline) : errno;
        }
        if (e == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            freeaddrinfo(res);
            c->fd = fd;
            return MC_OK;
        }
        close(fd);
        last = e;
        if (e == ETIMEDOUT) {
            break;      /* the deadline is spent */
        }
    }
    freeaddrinfo(res);
    snprintf(err, errlen, "connect to %s:%d: %s", host, port,
             last == ETIMEDOUT ? "timed out" : strerror(last));
    return last == ETIMEDOUT ? MC_ERR_TIMEOUT : MC_ERR_CONNECT;
}

mc_status mc_conn_connect_unix(mc_conn *c, const char *path, uint64_t deadline,
                               char *err, size_t errlen)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "connect to unix socket: path too long");
        return MC_ERR_CONNECT;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return MC_ERR_CONNECT;
    }
    int e;
    for (;;) {
        e = 0;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            break;
        }
        e = errno;
        if (e == EINPROGRESS) {
            e = finish_connect(fd, deadline);
            break;
        }
        if (e != EAGAIN || mc_now_ms() >= deadline) {
            break;      /* EAGAIN: the listen backlog is full; retry until the deadline */
        }
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    if (e == EAGAIN) {
        e = ETIMEDOUT;
    }
    if (e != 0) {
        close(fd);
        snprintf(err, errlen, "connect to unix:%.200s: %s", path,
                 e == ETIMEDOUT ? "timed out" : strerror(e));
        return e == ETIMEDOUT ? MC_ERR_TIMEOUT : MC_ERR_CONNECT;
    }
    c->fd = fd;
    return MC_OK;
}

/* ---- TLS ---------------------------------------------------------------- */

static BIO_METHOD *bio_method;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;

static int bio_write(BIO *b, const char *data, int len)
{
    int fd = (int)(intptr_t)BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ssize_t n = send(fd, data, (size_t)len, MSG_NOSIGNAL);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            BIO_set_retry_write(b);
        }
        return -1;
    }
    return (int)n;
}

static int bio_read(BIO *b, char *data, int len)
{
    int fd = (int)(intptr_t)BIO_get_data(b);
    BIO_clear_retry_flags(b);
    ssize_t n = recv(fd, data, (size_t)len, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            BIO_set_retry_read(b);
        }
        return -1;
    }
    return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int bio_destroy(BIO *b)
{
    (void)b;        /* the fd belongs to mc_conn */
    return 1;
}

static void tls_init_once(void)
{
    OPENSSL_init_ssl(0, NULL);
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "moodlecache socket");
    if (m != NULL && BIO_meth_set_write(m, bio_write) && BIO_meth_set_read(m, bio_read)
        && BIO_meth_set_ctrl(m, bio_ctrl) && BIO_meth_set_create(m, bio_create)
        && BIO_meth_set_destroy(m, bio_destroy)) {
        bio_method = m;
    } else if (m != NULL) {
        BIO_meth_free(m);
    }
}

/* The first queued OpenSSL error, or fallback. */
static void tls_error(char *err, size_t errlen, const char *what, const char *fallback)
{
    unsigned long e = ERR_get_error();
    char buf[200];
    if (e != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
    } else {
        snprintf(buf, sizeof(buf), "%s", fallback);
    }
    snprintf(err, errlen, "%s: %s", what, buf);
    ERR_clear_error();
}

SSL_CTX *mc_tls_ctx_new(const mc_tls_config *cfg, char *err, size_t errlen)
{
    pthread_once(&tls_once, tls_init_once);
    if (bio_method == NULL) {
        snprintf(err, errlen, "TLS: OpenSSL initialisation failed");
        return NULL;
    }
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        tls_error(err, errlen, "TLS context", "SSL_CTX_new failed");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF); /* a peer's bare close is EOF */
#endif
    if (cfg->verify_peer) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        int ok = cfg->ca_file != NULL ? SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL)
                                      : SSL_CTX_set_default_verify_paths(ctx);
        if (ok != 1) {
            tls_error(err, errlen, "TLS: loading CA certificates", "failed");
            SSL_CTX_free(ctx);
            return NULL;
        }
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    if (cfg->cert_file != NULL) {
        const char *key = cfg->key_file != NULL ? cfg->key_file : cfg->cert_file;
        if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1
            || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1
            || SSL_CTX_check_private_key(ctx) != 1) {
            tls_error(err, errlen, "TLS: loading client certificate/key", "failed");
            SSL_CTX_free(ctx);
            return NULL;
        }
    }
    return ctx;
}

void mc_tls_ctx_free(SSL_CTX *ctx)
{
    if (ctx != NULL) {
        SSL_CTX_free(ctx);
    }
}

static int is_ip_literal(const char *name)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

mc_status mc_conn_start_tls(mc_conn *c, SSL_CTX *ctx, const char *name, int verify_peer,
                            uint64_t deadline, char *err, size_t errlen)
{
    ERR_clear_error();
    SSL *ssl = SSL_new(ctx);
    BIO *bio = ssl != NULL ? BIO_new(bio_method) : NULL;
    if (bio == NULL) {
        tls_error(err, errlen, "TLS", "out of memory");
        SSL_free(ssl);
        return MC_ERR_TLS;
    }
    BIO_set_data(bio, (void *)(intptr_t)c->fd);
    SSL_set_bio(ssl, bio, bio);
    c->ssl = ssl;
    int ip = is_ip_literal(name);
    if (!ip && SSL_set_tlsext_host_name(ssl, name) != 1) {
        tls_error(err, errlen, "TLS: server name", "rejected");
        return MC_ERR_TLS;
    }
    if (verify_peer) {
        int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name)
                    : SSL_set1_host(ssl, name);
        if (ok != 1) {
            tls_error(err, errlen, "TLS: name to verify", "rejected");
            return MC_ERR_TLS;
        }
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    }
    for (;;) {
        ERR_clear_error();
        int rc = SSL_connect(ssl);
        if (rc == 1) {
            return MC_OK;
        }
        int e = SSL_get_error(ssl, rc);
        short ev;
        if (e == SSL_ERROR_WANT_READ) {
            ev = POLLIN;
        } else if (e == SSL_ERROR_WANT_WRITE) {
            ev = POLLOUT;
        } else {
            long vr = SSL_get_verify_result(ssl);
            if (vr != X509_V_OK) {
                snprintf(err, errlen, "TLS handshake with %s: certificate verify failed: %s",
                         name, X509_verify_cert_error_string(vr));
                ERR_clear_error();
            } else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
                snprintf(err, errlen, "TLS handshake with %s: %s", name,
                         rc == 0 || errno == 0 ? "connection closed" : strerror(errno));
            } else {
                char what[160];
                snprintf(what, sizeof(what), "TLS handshake with %s", name);
                tls_error(err, errlen, what, "failed");
            }
            return MC_ERR_TLS;
        }
        int w = wait_fd(c->fd, ev, deadline, NULL);
        if (w <= 0) {
            snprintf(err, errlen, "TLS handshake with %s: %s", name,
                     w == 0 ? "timed out" : strerror(errno));
            return w == 0 ? MC_ERR_TIMEOUT : MC_ERR_TLS;
        }
    }
}

/* ---- I/O ---------------------------------------------------------------- */

static int is_reset(int e)
{
    return e == EPIPE || e == ECONNRESET || e == ENOTCONN || e == ECONNABORTED;
}

/* OpenSSL 3 queues a reset or an EOF from the peer as an error (a system
 * error, or "unexpected eof") where 1.1 left SSL_ERROR_SYSCALL with an empty
 * queue: either way the server is gone, a network failure, not a TLS one. */
static int tls_peer_gone(unsigned long q)
{
    if (q == 0) {
        return 0;
    }
    if (ERR_GET_LIB(q) == ERR_LIB_SYS) {
        return is_reset(ERR_GET_REASON(q));
    }
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
    if (ERR_GET_LIB(q) == ERR_LIB_SSL && ERR_GET_REASON(q) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        return 1;
    }
#endif
    return 0;
}

static mc_status ssl_result(mc_conn *c, int rc, const char *op, size_t *n, short *want,
                            int *eof, char *err, size_t errlen)
{
    int e = SSL_get_error(c->ssl, rc);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        *want = POLLIN;
        return MC_OK;
    case SSL_ERROR_WANT_WRITE:
        *want = POLLOUT;
        return MC_OK;
    case SSL_ERROR_ZERO_RETURN:
        *eof = 1;
        snprintf(err, errlen, "%s: connection closed by server", op);
        return MC_ERR_IO;
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0) {
            int se = errno;
            *eof = rc == 0 || is_reset(se);
            snprintf(err, errlen, "%s: %s", op, *eof ? "connection closed by server" : strerror(se));
            return MC_ERR_IO;
        }
        /* fall through */
    default:
        if (tls_peer_gone(ERR_peek_error())) {
            *eof = 1;
            ERR_clear_error();
            snprintf(err, errlen, "%s: connection closed by server", op);
            return MC_ERR_IO;
        }
        tls_error(err, errlen, op, "TLS failure");
        (void)n;
        return MC_ERR_TLS;
    }
}

mc_status mc_conn_write(mc_conn *c, const char *buf, size_t len, size_t *n, short *want,
                        int *eof, char *err, size_t errlen)
{
    *n = 0;
    *eof = 0;
    if (c->ssl != NULL) {
        ERR_clear_error();
        int rc = SSL_write(c->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
        if (rc > 0) {
            *n = (size_t)rc;
            return MC_OK;
        }
        return ssl_result(c, rc, "write", n, want, eof, err, errlen);
    }
    ssize_t rc = send(c->fd, buf, len, MSG_NOSIGNAL);
    if (rc >= 0) {
        *n = (size_t)rc;
        if (rc == 0) {
            *want = POLLOUT;
        }
        return MC_OK;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        *want = POLLOUT;
        return MC_OK;
    }
    *eof = is_reset(errno);
    snprintf(err, errlen, "write: %s", strerror(errno));
    return MC_ERR_IO;
}

mc_status mc_conn_read(mc_conn *c, char *buf, size_t cap, size_t *n, short *want,
                       int *eof, char *err, size_t errlen)
{
    *n = 0;
    *eof = 0;
    if (c->ssl != NULL) {
        ERR_clear_error();
        int rc = SSL_read(c->ssl, buf, cap > INT_MAX ? INT_MAX : (int)cap);
        if (rc > 0) {
            *n = (size_t)rc;
            return MC_OK;
        }
        return ssl_result(c, rc, "read", n, want, eof, err, errlen);
    }
    ssize_t rc = recv(c->fd, buf, cap, 0);
    if (rc > 0) {
        *n = (size_t)rc;
        return MC_OK;
    }
    if (rc == 0) {
        *eof = 1;
        snprintf(err, errlen, "read: connection closed by server");
        return MC_ERR_IO;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        *want = POLLIN;
        return MC_OK;
    }
    *eof = is_reset(errno);
    snprintf(err, errlen, "read: %s", strerror(errno));
    return MC_ERR_IO;
}

int mc_conn_pending(const mc_conn *c)
{
    return c->ssl != NULL ? SSL_pending(c->ssl) : 0;
}

int mc_conn_peer_closed(const mc_conn *c)
{
    struct pollfd p = {c->fd, POLLIN | POLLRDHUP, 0};
    int rc;
    do {
        rc = poll(&p, 1, 0);
    } while (rc < 0 && errno == EINTR);
    if (rc <= 0) {
        return 0;
    }
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) {
        return 1;
    }
    /* Bytes waiting on an idle plain connection can only be a stray reply:
     * reconnect rather than hand them to the next pipeline.  Over TLS they
     * may be session tickets, which OpenSSL consumes by itself. */
    return c->ssl == NULL && (p.revents & POLLIN);
}

int mc_conn_idle_usable(mc_conn *c)
{
    if (c->fd < 0 || mc_conn_pending(c) > 0) {
        return 0;
    }
    struct pollfd p = {c->fd, POLLIN | POLLRDHUP, 0};
    int rc;
    do {
        rc = poll(&p, 1, 0);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0 || (rc > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)))) {
        return 0;
    }
    if (rc == 0) {
        return 1;
    }
    if (c->ssl == NULL) {
        return 0;       /* readable while idle: a stray reply */
    }
    /* TLS: let OpenSSL take what arrived; only non-application records
     * (session tickets) leave it wanting more. */
    char byte;
    ERR_clear_error();
    int n = SSL_read(c->ssl, &byte, 1);
    int ok = n <= 0 && SSL_get_error(c->ssl, n) == SSL_ERROR_WANT_READ && SSL_pending(c->ssl) == 0;
    ERR_clear_error();
    return ok;
}

void mc_conn_close(mc_conn *c)
{
    if (c->ssl != NULL) {
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}
