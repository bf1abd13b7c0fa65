/*
 * fuzz_parse_uri.c - arbitrary bytes (up to the first NUL) into
 * mc_redis_parse_uri, as a store's server option reaches it from
 * configuration.  Checked: no crash, leak or UB; an accepted URI gives a
 * TCP or TLS host of printable characters without '/', '@', '?', '#' or
 * brackets (':' only inside brackets) and a port in 1..65535, or a Unix
 * path that starts with '/' and fits sun_path; every string lies in the
 * storage returned.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include "redis.h"

static int inside(const char *p, const char *storage)
{
    return p >= storage && p <= storage + strlen(storage);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *uri = malloc(size + 1);
    if (uri == NULL) {
        return 0;
    }
    memcpy(uri, data, size);
    uri[size] = '\0';
    mc_redis_options opts;
    memset(&opts, 0, sizeof(opts));
    char *storage = NULL;
    mc_status st = mc_redis_parse_uri(uri, &opts, &storage);
    if (st != MC_OK) {
        if (storage != NULL) {
            abort();
        }
        free(uri);
        return 0;
    }
    if (storage == NULL) {
        abort();
    }
    if (opts.transport == MC_REDIS_UNIX) {
        if (opts.path != storage || opts.path[0] != '/'
            || strlen(opts.path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            abort();
        }
    } else {
        const char *h = opts.host;
        if ((opts.transport != MC_REDIS_TCP && opts.transport != MC_REDIS_TLS) || h == NULL
            || !inside(h, storage) || h[0] == '\0' || opts.port < 1 || opts.port > 65535) {
            abort();
        }
        int bracketed = h > storage && h[-1] == '[';
        for (const char *p = h; *p; p++) {
            unsigned char c = (unsigned char)*p;
            if (c <= ' ' || c >= 0x7f || strchr("/@?#[]", c) != NULL || (c == ':' && !bracketed)) {
                abort();
            }
        }
    }
    free(storage);
    free(uri);
    return 0;
}
