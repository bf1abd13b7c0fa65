/* nckey.c - classify invalidated key names for the near cache (see nckey.h). */
#include <string.h>
#include "nckey.h"

mc_nckey_kind mc_nckey_classify(const char *name, size_t len, size_t *tag_len)
{
    size_t dummy;
    size_t *tl = tag_len != NULL ? tag_len : &dummy;
    *tl = 0;
    if (len < 2 || name[0] != '{') {
        return MC_NCKEY_OTHER;
    }
    const char *close = memchr(name + 1, '}', len - 1);
    if (close == NULL) {
        return MC_NCKEY_OTHER;
    }
    size_t n = (size_t)(close - name) + 1;
    *tl = n;
    if (n == len) {
        return MC_NCKEY_GROUP;
    }
    if (name[n] == ':') {
        return MC_NCKEY_KEY;
    }
    if (name[n] == '#') {
        return MC_NCKEY_INTERNAL;
    }
    return MC_NCKEY_OTHER;
}
