/* args.c - command argument builder (see args.h). */
#include <stdlib.h>
#include "args.h"

static mc_status grow(mc_args *args)
{
    if (args->count < args->cap) {
        return MC_OK;
    }
    size_t cap = args->cap ? args->cap * 2 : 16;
    size_t *offsets = realloc(args->offsets, cap * sizeof(*offsets));
    if (offsets == NULL) {
        return MC_ERR_NOMEM;
    }
    args->offsets = offsets;
    size_t *lengths = realloc(args->lengths, cap * sizeof(*lengths));
    if (lengths == NULL) {
        return MC_ERR_NOMEM;
    }
    args->lengths = lengths;
    const char **refs = realloc(args->refs, cap * sizeof(*refs));
    if (refs == NULL) {
        return MC_ERR_NOMEM;
    }
    args->refs = refs;
    const char **argv = realloc(args->argv, cap * sizeof(*argv));
    if (argv == NULL) {
        return MC_ERR_NOMEM;
    }
    args->argv = argv;
    args->cap = cap;
    return MC_OK;
}

mc_status mc_args_start(mc_args *args)
{
    mc_status st = grow(args);
    if (st != MC_OK) {
        return st;
    }
    args->offsets[args->count] = args->bytes.len;
    args->lengths[args->count] = 0;
    args->refs[args->count] = NULL;
    args->open = 1;
    return MC_OK;
}

mc_status mc_args_append(mc_args *args, const void *data, size_t len)
{
    if (!args->open) {
        return MC_ERR_ARG;
    }
    mc_status st = mc_buf_append(&args->bytes, data, len);
    if (st == MC_OK) {
        args->lengths[args->count] += len;
    }
    return st;
}

void mc_args_end(mc_args *args)
{
    if (args->open) {
        args->open = 0;
        args->count++;
    }
}

mc_status mc_args_add(mc_args *args, const void *data, size_t len)
{
    mc_status st = mc_args_start(args);
    if (st == MC_OK) {
        st = mc_args_append(args, data, len);
    }
    if (st != MC_OK) {
        args->open = 0;
        return st;
    }
    mc_args_end(args);
    return MC_OK;
}

mc_status mc_args_add_ref(mc_args *args, const void *data, size_t len)
{
    if ((data == NULL && len != 0) || args->open) {
        return MC_ERR_ARG;
    }
    mc_status st = grow(args);
    if (st != MC_OK) {
        return st;
    }
    args->offsets[args->count] = 0;
    args->lengths[args->count] = len;
    args->refs[args->count] = data ? data : "";
    args->count++;
    return MC_OK;
}

mc_status mc_args_add_u64(mc_args *args, unsigned long long value)
{
    mc_status st = mc_args_start(args);
    if (st == MC_OK) {
        size_t before = args->bytes.len;
        st = mc_buf_append_u64(&args->bytes, value);
        if (st == MC_OK) {
            args->lengths[args->count] = args->bytes.len - before;
        }
    }
    if (st != MC_OK) {
        args->open = 0;
        return st;
    }
    mc_args_end(args);
    return MC_OK;
}

const char *const *mc_args_argv(mc_args *args)
{
    if (args->count == 0 && grow(args) != MC_OK) {
        return NULL;
    }
    for (size_t i = 0; i < args->count; i++) {
        if (args->refs[i] != NULL) {
            args->argv[i] = args->refs[i];
        } else {
            /* Only empty arguments so far: no allocation to point into. */
            args->argv[i] = args->bytes.data ? args->bytes.data + args->offsets[i] : "";
        }
    }
    return args->argv;
}

void mc_args_clear(mc_args *args)
{
    mc_buf_clear(&args->bytes);
    args->count = 0;
    args->open = 0;
}

void mc_args_free(mc_args *args)
{
    if (args == NULL) {
        return;
    }
    mc_buf_free(&args->bytes);
    free(args->offsets);
    free(args->lengths);
    free(args->refs);
    free(args->argv);
    args->offsets = NULL;
    args->lengths = NULL;
    args->refs = NULL;
    args->argv = NULL;
    args->count = 0;
    args->cap = 0;
    args->open = 0;
}
