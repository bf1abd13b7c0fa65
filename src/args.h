/*
 * args.h - builds the argument vector of one or more Redis commands.
 *
 * Arguments are copied into one growable buffer and remembered as offsets,
 * because the buffer may move while it grows; mc_args_argv() turns them into
 * pointers once every argument is in.  Large values (encoded frames) are
 * added by reference instead, which saves a copy of every value written.  A store builds each command here and
 * hands argc/argv/argvlen to mc_redis_append, then clears the builder.
 */
#ifndef MC_ARGS_H
#define MC_ARGS_H

#include <stddef.h>
#include "buf.h"
#include "status.h"

typedef struct mc_args {
    mc_buf bytes;        /* every argument, back to back */
    size_t *offsets;     /* start of argument i in bytes */
    size_t *lengths;     /* length of argument i */
    const char **refs;   /* the caller's bytes of argument i, or NULL: in bytes */
    const char **argv;   /* filled by mc_args_argv */
    size_t count;
    size_t cap;
    int open;            /* 1 while an argument is being built piecewise */
} mc_args;

#define MC_ARGS_INIT {MC_BUF_INIT, NULL, NULL, NULL, NULL, 0, 0, 0}

/* Adds one argument, a copy of data[0..len). */
mc_status mc_args_add(mc_args *args, const void *data, size_t len);
/* Adds one argument that is data[0..len) itself, not a copy: data must stay
 * unchanged until the command has been handed on (mc_redis_append). */
mc_status mc_args_add_ref(mc_args *args, const void *data, size_t len);
/* Adds one argument as a decimal integer. */
mc_status mc_args_add_u64(mc_args *args, unsigned long long value);
/* Builds one argument from pieces: start, append any number, end. */
mc_status mc_args_start(mc_args *args);
mc_status mc_args_append(mc_args *args, const void *data, size_t len);
void mc_args_end(mc_args *args);
/* Pointers to the arguments, valid until the next change to args. NULL when
 * out of memory.  Lengths are args->lengths. */
const char *const *mc_args_argv(mc_args *args);
/* Forgets the arguments, keeps the memory. */
void mc_args_clear(mc_args *args);
/* Frees everything; accepts NULL. */
void mc_args_free(mc_args *args);

#endif
