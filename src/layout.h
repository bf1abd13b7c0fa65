/*
 * layout.h - where a store's data lives in Redis.
 *
 * Every key of one (prefix, definition) pair shares the hash tag
 * "{P:D}", P and D escaped (see mc_layout_escape) so that neither can end
 * the tag early or be confused with the other; in Redis Cluster all keys of
 * one definition therefore live in one slot.
 *
 *   {P:D}             hash of the definition's entries: field = cache key
 *                     (any bytes), value = its frame (codec.h), as Moodle's
 *                     cachestore_redis keeps one hash per definition
 *   {P:D}#t           sorted set of the fields written with a TTL, scored by
 *                     their expiry (unix seconds): what the reaper visits
 *   {P:D}#l:<key>     lock on <key>: the owner string, with a PX expiry
 *
 * Why a hash: every operation Moodle makes is one command on one key (HGET,
 * HMGET, HSET, HDEL), exactly the server work of cachestore_redis, and
 * purge(D) is one UNLINK of two keys, whatever the definition holds.
 * Expiry is in the frame (a reader treats an expired frame as a miss), and
 * on the server:
 * - with hash-field expiry (Redis 7.4+, Valkey 9+): a write with a TTL is
 *   HSET + HEXPIREAT of its fields, and the server deletes them when due;
 *   {P:D}#t exists only for data an older version wrote, and MC_LUA_MIGRATE
 *   converts it the first time has/find meet it;
 * - without (Redis 7.0-7.2, Valkey 8): a write with a TTL also records its
 *   fields in {P:D}#t, and at most once a second per definition and PHP
 *   process runs MC_LUA_REAP, which deletes the fields that expired
 *   meanwhile: expired data lives until the definition's first TTL write
 *   after that (or its purge).
 * purgeAll scans for "{P:*" and unlinks what it finds, so another prefix is
 * never touched.
 */
#ifndef MC_LAYOUT_H
#define MC_LAYOUT_H

#include <stddef.h>
#include "buf.h"
#include "status.h"

/* Appends "{" esc(prefix) ":" esc(definition) "}" to out. */
mc_status mc_layout_tag(mc_buf *out, const char *prefix, size_t prefix_len,
                        const char *definition, size_t definition_len);

/* Appends s with '%', ':', '{' and '}' written as %25, %3A, %7B, %7D. */
mc_status mc_layout_escape(mc_buf *out, const char *s, size_t len);

/* Appends the SCAN MATCH pattern of every key of prefix: "{" esc(prefix) ":*",
 * with glob metacharacters backslash-escaped. */
mc_status mc_layout_scan_pattern(mc_buf *out, const char *prefix, size_t prefix_len);

/* Lua scripts, sent as EVALSHA / EVALSHA_RO with their SHA-1 (the text is
 * sent by SCRIPT LOAD only when the server answers NOSCRIPT).  The
 * data-path ones take KEYS[1] = {P:D}, KEYS[2] = {P:D}#t, ARGV[1] = now
 * (unix seconds, the client's clock, the one readers judge frames by). */
typedef struct mc_script {
    const char *text;
    char sha[41];           /* hex SHA-1 of text, after mc_layout_init */
} mc_script;

extern mc_script mc_script_reap, mc_script_find, mc_script_count, mc_script_release, mc_script_migrate;

/* Computes every script's SHA-1; call once before using them (MINIT).
 * MC_ERR_NOMEM if the digest cannot be had. */
mc_status mc_layout_init(void);

/* Looks at up to 256 members of the sorted set due by ARGV[1]: deletes the
 * fields whose frames have expired, drops the members that are gone or no
 * longer expire; the number of members looked at (256: more may be due). */
extern const char MC_LUA_REAP[];

/* ARGV[2] = key prefix ("" for all).  The fields that start with it, minus
 * the expired ones.  Read only. */
extern const char MC_LUA_FIND[];

/* ARGV[2..] = distinct keys.  How many of them are present and not
 * expired.  Read only. */
extern const char MC_LUA_COUNT[];

/* KEYS[1] = lock key, ARGV[1] = owner.  Deletes the lock only if ARGV[1]
 * holds it; returns 1 when deleted, else 0. */
extern const char MC_LUA_RELEASE[];

/* Servers with hash-field expiry: turns a definition written under the
 * sorted-set layout into the field-TTL one: each field of {P:D}#t is
 * deleted when its frame has expired, else given its frame's expiry with
 * HEXPIREAT; then {P:D}#t is deleted.  Returns the number of fields seen. */
extern const char MC_LUA_MIGRATE[];

#endif
