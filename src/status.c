/* status.c - names for mc_status codes. */
#include "status.h"

const char *mc_status_name(mc_status status)
{
    switch (status) {
    case MC_OK: return "ok";
    case MC_ERR_NOMEM: return "out of memory";
    case MC_ERR_ARG: return "invalid argument";
    case MC_ERR_CORRUPT: return "corrupt value";
    case MC_ERR_FOREIGN: return "foreign value";
    case MC_ERR_UNSUPPORTED: return "unsupported encoding";
    case MC_ERR_COMPRESS: return "compression failed";
    case MC_ERR_TOO_LARGE: return "too large";
    case MC_ERR_IO: return "connection lost";
    case MC_ERR_TIMEOUT: return "timeout";
    case MC_ERR_CONNECT: return "connect failed";
    case MC_ERR_PROTOCOL: return "protocol error";
    case MC_ERR_AUTH: return "authentication failed";
    case MC_ERR_TLS: return "TLS error";
    case MC_ERR_SERVER: return "server error";
    case MC_ERR_BACKOFF: return "waiting to reconnect";
    case MC_ERR_LOCK: return "lock error";
    case MC_ERR_NOTFOUND: return "not found";
    case MC_ERR_QUOTA: return "lock limit reached";
    case MC_ERR_LOST: return "lock lost";
    case MC_ERR_SETUP: return "lock directory unusable";
    }
    return "unknown error";
}
