/*
 * lock_lease.h - LEASE mode, the fallback below the lock table (lock.c)
 * where byte-range locks are unavailable: the lock is the existence of
 * <hash>.lease, created with O_EXCL and holding the owner record with a
 * lease, rewritten every lease/3 by a background thread so other hosts see
 * the holder alive.  When a contender may take a file over: lock.h.
 *
 * The renewal thread has every signal blocked (a max_execution_time SIGPROF
 * or PHP-FPM's SIGTERM is PHP's), waits on the monotonic clock (a wall
 * clock stepped back must not delay renewals until another host takes the
 * lease), and does its I/O on descriptors of its own outside its mutex, so
 * the handle's thread never waits behind an EFS round trip of a renewal.
 * Internal to src/lock*.c.
 */
#ifndef MC_LOCK_LEASE_H
#define MC_LOCK_LEASE_H

#include "lock_dir.h"

/* A handle's LEASE state: the leases it holds, their renewal thread, and
 * what it saw of others' lease files (to judge them stale). */
typedef struct mc_leases mc_leases;

/* For the handle of dir (which must outlive it).  MC_OK or MC_ERR_NOMEM. */
mc_status mc_leases_new(mc_lock_dir *dir, unsigned lease_ms, mc_leases **out);
/* Stops the renewal thread (in the process that started it), closes the
 * files of leases still held and frees.  Removes no file: release each
 * lease first.  Accepts NULL. */
void mc_leases_free(mc_leases *ls);

/*
 * Creates hash's lease file holding rec (its lease fields are filled here),
 * trying until deadline (monotonic seconds), and starts renewing it.
 * *fd: the file, open; it stays this layer's (mc_lease_release closes it).
 *   MC_OK, MC_ERR_TIMEOUT (held by a live holder), else an error of
 *   mc_lock_dir_open with the directory's error set.
 */
mc_status mc_lease_acquire(mc_leases *ls, const unsigned char *hash, const mc_lock_record *rec,
                           double deadline, int *fd);

/*
 * One contender's step on hash's lease file, which it could not create and
 * whose bytes it read (seen): takes the file over when seen is stale and
 * still what the file holds.  MC_OK: try creating again (taken over,
 * released, or changed meanwhile); MC_ERR_LOCK: a live holder has it; else
 * an error with the directory's error set.  Used by mc_lease_acquire.
 */
mc_status mc_lease_contend(mc_leases *ls, const unsigned char *hash, const mc_buf *seen);

/* Stops renewing hash's lease, removes its file if it is still ours and
 * closes it.  MC_OK, MC_ERR_LOST (taken over, removed by force, or a
 * renewal failed), MC_ERR_NOTFOUND (not held here), or an unlink error. */
mc_status mc_lease_release(mc_leases *ls, const unsigned char *hash);

/* Whether a live lease holds hash: *locked.  MC_OK or an error. */
mc_status mc_lease_is_locked(mc_leases *ls, const unsigned char *hash, int *locked);
/* The record of a live lease on hash: MC_OK, MC_ERR_NOTFOUND, or an error. */
mc_status mc_lease_owner(mc_leases *ls, const unsigned char *hash, mc_lock_owner *owner);
/* Removes hash's lease file whoever holds it: MC_OK, MC_ERR_NOTFOUND, or an error. */
mc_status mc_lease_force(mc_leases *ls, const unsigned char *hash);

#endif
