/*
 * crc32c.h - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the
 * checksum of the value frame (see codec.h).
 *
 * On x86-64 CPUs with SSE4.2 the crc32 instruction does 8 bytes a step; other
 * CPUs use slicing-by-8 tables, built once on first use (pthread_once).  The
 * choice is made at run time, so one binary serves both.
 */
#ifndef MC_CRC32C_H
#define MC_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C of data[0..len), continuing from crc (start with 0); also declared
 * in codec.h.  data may be NULL when len is 0.  Thread-safe. */
uint32_t mc_crc32c(uint32_t crc, const void *data, size_t len);

/* mc_crc32c of src[0..len) that also copies it to dst (the two must not
 * overlap), reading each byte once: for a frame built from a value. */
uint32_t mc_crc32c_copy(uint32_t crc, void *dst, const void *src, size_t len);

/* The portable table path alone, same contract; for tests on CPUs where
 * mc_crc32c takes the hardware path. */
uint32_t mc_crc32c_sw(uint32_t crc, const void *data, size_t len);

#endif
