/*
 * options.h - reading a class's options array strictly: an unknown option
 * is a ValueError, a value of the wrong type a TypeError, and both name the
 * option ("MoodleCache\RedisStore option 'database' must be of type int,
 * string given").  Each getter returns 1 when the option is present and
 * valid, 0 when absent (out untouched), -1 when it threw.
 */
#ifndef MC_OPTIONS_H
#define MC_OPTIONS_H

#include "php.h"

typedef struct mc_options {
    HashTable *table;
    const char *owner;     /* "MoodleCache\RedisStore option" or "... option 'tls'" */
} mc_options;

/* Throws ValueError for the first key not in known (NULL-terminated). */
bool mc_options_only(const mc_options *opts, const char *const *known);

int mc_option_string(const mc_options *opts, const char *name, zend_string **out);
int mc_option_long(const mc_options *opts, const char *name, zend_long *out);
/* Accepts int or float. */
int mc_option_double(const mc_options *opts, const char *name, double *out);
int mc_option_bool(const mc_options *opts, const char *name, bool *out);
int mc_option_array(const mc_options *opts, const char *name, HashTable **out);

/* Throws a ValueError "<owner> 'name' <message>". Always returns -1. */
int mc_option_invalid(const mc_options *opts, const char *name, const char *message);

#endif
