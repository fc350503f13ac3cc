/*
 * crc32.c - table-driven CRC-32 with "slicing-by-4".
 *
 * The classic algorithm processes one byte per step using a 256-entry table.
 * Slicing-by-4 keeps four tables so it can fold four bytes per step, roughly
 * 3x faster on 64-bit CPUs, while producing exactly the same checksum.
 */
#include "crc32.h"

#include <stdio.h>
#include <string.h>

static uint32_t crc_table[4][256];
static int table_ready = 0;

/*
 * Fill the lookup tables. Entry n of table 0 is the CRC of the single byte n:
 * shift the byte through eight rounds of "if the low bit is set, xor in the
 * polynomial". Tables 1-3 are table 0 advanced by one, two and three zero
 * bytes, which is what lets the inner loop consume a 32-bit word at a time.
 */
void parcel_crc32_init(void)
{
    if (table_ready) {
        return;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) {
            c = (c & 1u) ? (PARCEL_CRC32_POLY ^ (c >> 1)) : (c >> 1);
        }
        crc_table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = crc_table[0][n];
        for (int t = 1; t < 4; t++) {
            c = crc_table[0][c & 0xFFu] ^ (c >> 8);
            crc_table[t][n] = c;
        }
    }
    table_ready = 1;
}

uint32_t parcel_crc32_update(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;

    parcel_crc32_init();
    crc = ~crc;

    /* Byte at a time until the pointer is 4-byte aligned. */
    while (len > 0 && ((uintptr_t)p & 3u) != 0) {
        crc = crc_table[0][(crc ^ *p++) & 0xFFu] ^ (crc >> 8);
        len--;
    }
    /* Four bytes per step (little-endian load). */
    while (len >= 4) {
        uint32_t word;
        memcpy(&word, p, 4);
        crc ^= word;
        crc = crc_table[3][crc & 0xFFu] ^
              crc_table[2][(crc >> 8) & 0xFFu] ^
              crc_table[1][(crc >> 16) & 0xFFu] ^
              crc_table[0][crc >> 24];
        p += 4;
        len -= 4;
    }
    /* Tail. */
    while (len-- > 0) {
        crc = crc_table[0][(crc ^ *p++) & 0xFFu] ^ (crc >> 8);
    }
    return ~crc;
}

uint32_t parcel_crc32(const void *data, size_t len)
{
    return parcel_crc32_update(0, data, len);
}

/* Multiply a 32x32 GF(2) matrix by a vector. */
static uint32_t gf2_times(const uint32_t *mat, uint32_t vec)
{
    uint32_t sum = 0;
    while (vec) {
        if (vec & 1u) {
            sum ^= *mat;
        }
        vec >>= 1;
        mat++;
    }
    return sum;
}

static void gf2_square(uint32_t *square, const uint32_t *mat)
{
    for (int n = 0; n < 32; n++) {
        square[n] = gf2_times(mat, mat[n]);
    }
}

/* Same approach as zlib's crc32_combine: apply len_b zero bytes to crc_a by
 * repeated squaring of the "one zero bit" operator, then xor in crc_b. */
uint32_t parcel_crc32_combine(uint32_t crc_a, uint32_t crc_b, size_t len_b)
{
    uint32_t even[32], odd[32];

    if (len_b == 0) {
        return crc_a;
    }
    odd[0] = PARCEL_CRC32_POLY;
    for (int n = 1, row = 1; n < 32; n++, row <<= 1) {
        odd[n] = (uint32_t)row;
    }
    gf2_square(even, odd); /* two zero bits */
    gf2_square(odd, even); /* four zero bits */

    do {
        gf2_square(even, odd);
        if (len_b & 1u) {
            crc_a = gf2_times(even, crc_a);
        }
        len_b >>= 1;
        if (len_b == 0) {
            break;
        }
        gf2_square(odd, even);
        if (len_b & 1u) {
            crc_a = gf2_times(odd, crc_a);
        }
        len_b >>= 1;
    } while (len_b != 0);

    return crc_a ^ crc_b;
}

uint32_t parcel_crc32_file(const char *path, int *ok)
{
    unsigned char buffer[1 << 16];
    uint32_t crc = 0;
    size_t got;
    FILE *fp = fopen(path, "rb");

    *ok = 0;
    if (fp == NULL) {
        return 0;
    }
    while ((got = fread(buffer, 1, sizeof buffer, fp)) > 0) {
        crc = parcel_crc32_update(crc, buffer, got);
    }
    *ok = !ferror(fp);
    fclose(fp);
    return *ok ? crc : 0;
}

#ifdef PARCEL_CRC32_SELFTEST
int main(void)
{
    /* Standard check value: CRC-32 of "123456789" is 0xCBF43926. */
    uint32_t whole = parcel_crc32("123456789", 9);
    uint32_t joined = parcel_crc32_combine(parcel_crc32("1234", 4), parcel_crc32("56789", 5), 5);
    printf("%08X %08X\n", whole, joined);
    return (whole == 0xCBF43926u && joined == whole) ? 0 : 1;
}
#endif
