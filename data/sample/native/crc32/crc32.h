/*
 * crc32.h - CRC-32 (IEEE 802.3, as used by zip, gzip and PNG) for Parcel's
 * native helpers. The storage scrubber uses it to spot-check large objects
 * quickly before falling back to the slower SHA-256 comparison.
 */
#ifndef PARCEL_CRC32_H
#define PARCEL_CRC32_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reflected form of the polynomial x^32 + x^26 + ... + x + 1. */
#define PARCEL_CRC32_POLY 0xEDB88320u

/* Build the lookup tables. Safe to call more than once; called lazily by the
 * other functions, but servers call it at startup to keep latency flat. */
void parcel_crc32_init(void);

/* Continue a running CRC with more data. Start with crc = 0. */
uint32_t parcel_crc32_update(uint32_t crc, const void *data, size_t len);

/* One-shot CRC of a buffer. */
uint32_t parcel_crc32(const void *data, size_t len);

/* CRC of A||B given crc(A), crc(B) and len(B), without the data (for parallel parts). */
uint32_t parcel_crc32_combine(uint32_t crc_a, uint32_t crc_b, size_t len_b);

/* CRC of a whole file; returns 0 and sets *ok = 0 on I/O error. */
uint32_t parcel_crc32_file(const char *path, int *ok);

#ifdef __cplusplus
}
#endif

#endif /* PARCEL_CRC32_H */
