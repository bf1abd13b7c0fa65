/*
 * no_deepbind.c - LD_PRELOAD shim for running Debian's PHP with an ASan
 * build of the extension.  PHP loads extensions with RTLD_DEEPBIND, which
 * the ASan runtime refuses (google/sanitizers#611); this drops that flag and
 * passes the call on.  Preloaded before libasan, with
 * ASAN_OPTIONS=verify_asan_link_order=0.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

void *dlopen(const char *file, int mode)
{
    static void *(*real_dlopen)(const char *, int);
    if (real_dlopen == NULL) {
        real_dlopen = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
    }
    return real_dlopen(file, mode & ~RTLD_DEEPBIND);
}
