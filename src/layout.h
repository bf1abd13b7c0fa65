/*
 * layout.h - where a store's data lives in Redis.
 *
 * Every key of one (prefix, definition) pair shares the hash tag
 * "{P:D}", P and D escaped (see mc_layout_escape) so that neither can end
 * the tag early or be confused with the other; in Redis Cluster all keys of
 * one definition therefore live in one slot, which lets one script purge
 * a definition.
 *
 *   {P:D}:<key>       the value frame of <key> (any bytes), with a native
 *                     TTL (PX) when the entry has one
 *   {P:D}#i           set of the keys stored without a TTL
 *   {P:D}#t           set of the keys stored with a TTL; the set itself
 *                     expires no earlier than its longest-lived member, so it
 *                     cannot outlive its data by more than that TTL
 *   {P:D}#l:<key>     lock on <key>: the owner string, with a PX expiry
 *
 * purge(D) runs one script over both sets (one round trip); purgeAll scans
 * for "{P:*" and unlinks what it finds, so another prefix is never touched.
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

/* Lua scripts, run with EVAL (Redis caches them by hash after the first call). */

/* KEYS[1] = {P:D}#i, KEYS[2] = {P:D}#t, ARGV[1] = "{P:D}:".  Unlinks every
 * listed key and both sets; returns the number of keys listed. */
extern const char MC_LUA_PURGE[];

/* KEYS as for purge, ARGV[1] = "{P:D}:", ARGV[2] = key prefix ("" for all).
 * Returns the keys that still exist and start with ARGV[2]; drops from the
 * sets the members whose data has expired or was evicted. */
extern const char MC_LUA_FIND[];

/* KEYS[1] = lock key, ARGV[1] = owner.  Deletes the lock only if ARGV[1]
 * holds it; returns 1 when deleted, else 0. */
extern const char MC_LUA_RELEASE[];

#endif
