/*
 * fuzz_lock_record.c - arbitrary bytes into mc_lock_record_parse, as any
 * host that shares the lock directory (EFS) can write them into a lock file
 * for the others to read.  Checked: no crash, leak or UB; a record that
 * parses has a host, a boot id and a key, and built again from its fields
 * (mc_lock_record_build) it parses again to the same host, boot id, key and
 * generation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lock_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mc_lock_owner owner;
    unsigned lease_ms = 0;
    char *pidns = NULL;
    if (mc_lock_record_parse((const char *)data, size, &owner, &lease_ms, &pidns) != 0) {
        if (owner.host != NULL || owner.key != NULL || pidns != NULL) {
            abort();   /* a refusal leaves nothing behind */
        }
        return 0;
    }
    if (owner.host == NULL || owner.boot_id == NULL || owner.key == NULL) {
        abort();
    }
    mc_lock_ident id = {owner.host, owner.boot_id, pidns != NULL ? pidns : (char *)"", (pid_t)owner.pid};
    mc_lock_record rec = {owner.acquired_at, owner.generation, owner.key, strlen(owner.key), lease_ms, 0,
                          owner.expires_at};
    mc_buf again = MC_BUF_INIT;
    if (mc_lock_record_build(&id, &rec, &again) != MC_OK) {
        abort();
    }
    mc_lock_owner back;
    if (mc_lock_record_parse(again.data, again.len, &back, NULL, NULL) != 0
        || strcmp(back.host, owner.host) != 0 || strcmp(back.boot_id, owner.boot_id) != 0
        || strcmp(back.key, owner.key) != 0 || back.generation != owner.generation) {
        abort();
    }
    mc_lock_owner_clear(&back);
    mc_buf_free(&again);
    mc_lock_owner_clear(&owner);
    free(pidns);
    return 0;
}
