/*
 * zip.c: the zip container of numpy's .npz, stored entries only.
 *
 * numpy.load() opens any zip whose members are .npy files (and returns other
 * members as bytes), so a zip of stored entries is all a state file needs:
 * no compression, no zip64, sizes below 4 GiB. The CRC-32 comes from zlib.
 */
#include <string.h>
#include <zlib.h>

#include "io/io.h"

#define LOCAL_SIG     0x04034b50u
#define CENTRAL_SIG   0x02014b50u
#define END_SIG       0x06054b50u
#define LOCAL_LEN     30
#define CENTRAL_LEN   46
#define END_LEN       22
#define DOS_DATE_1980 0x21 /* 1 January 1980: fixed, so equal states give equal files */

static uint32_t crc_of(const unsigned char *data, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (len > 0) {
        const uInt chunk = len > 0x40000000u ? 0x40000000u : (uInt)len;
        crc = crc32(crc, data, chunk);
        data += chunk;
        len -= chunk;
    }
    return (uint32_t)crc;
}

/* Little-endian fields of a zip record, in order: (value, bytes) pairs. */
static bool put_fields(wh__buf *out, const uint64_t *values, const unsigned char *sizes,
                       size_t count)
{
    unsigned char b[8];
    for (size_t i = 0; i < count; i++) {
        wh__put_uint_le(b, values[i], sizes[i]);
        if (!wh__buf_put(out, b, sizes[i]))
            return false;
    }
    return true;
}

static bool put_local(wh__buf *out, const wh__zip_entry *e, uint32_t crc)
{
    const size_t name_len = strlen(e->name);
    const uint64_t v[] = {LOCAL_SIG, 20, 0, 0, 0, DOS_DATE_1980, crc, e->len, e->len, name_len, 0};
    static const unsigned char s[] = {4, 2, 2, 2, 2, 2, 4, 4, 4, 2, 2};
    return put_fields(out, v, s, sizeof s) && wh__buf_put(out, e->name, name_len) &&
           wh__buf_put(out, e->data, e->len);
}

static bool put_central(wh__buf *out, const wh__zip_entry *e, uint32_t crc, size_t offset)
{
    const size_t name_len = strlen(e->name);
    const uint64_t v[] = {CENTRAL_SIG, 20, 20, 0, 0, 0, DOS_DATE_1980, crc, e->len, e->len,
                          name_len,    0,  0,  0, 0, 0, offset};
    static const unsigned char s[] = {4, 2, 2, 2, 2, 2, 2, 4, 4, 4, 2, 2, 2, 2, 2, 4, 4};
    return put_fields(out, v, s, sizeof s) && wh__buf_put(out, e->name, name_len);
}

bool wh__zip_encode(const wh__zip_entry *entries, size_t count, wh__buf *out)
{
    enum { MAX_ENTRIES = 16 };
    size_t offsets[MAX_ENTRIES];
    uint32_t crcs[MAX_ENTRIES];
    if (count > MAX_ENTRIES)
        return false;
    const size_t start = out->len;
    for (size_t i = 0; i < count; i++) {
        if (entries[i].len > 0xffffffffu || strlen(entries[i].name) > 0xffffu)
            return false;
        offsets[i] = out->len - start;
        crcs[i] = crc_of(entries[i].data, entries[i].len);
        if (!put_local(out, &entries[i], crcs[i]))
            return false;
    }
    const size_t central = out->len - start;
    for (size_t i = 0; i < count; i++)
        if (!put_central(out, &entries[i], crcs[i], offsets[i]))
            return false;
    const size_t central_len = out->len - start - central;
    if (central > 0xffffffffu)
        return false;
    const uint64_t v[] = {END_SIG, 0, 0, count, count, central_len, central, 0};
    static const unsigned char s[] = {4, 2, 2, 2, 2, 4, 4, 2};
    return put_fields(out, v, s, sizeof s);
}

static bool find_end(const unsigned char *b, size_t len, size_t *at, wh__io_error *err)
{
    for (size_t i = len >= END_LEN ? len - END_LEN + 1 : 0; i-- > 0;) {
        if (wh__get_uint_le(b + i, 4) == END_SIG) {
            *at = i;
            return true;
        }
        if (len - i > END_LEN + 0xffff) /* past the longest possible archive comment */
            break;
    }
    err->offset = len;
    return wh__io_fail(err, "byte %zu: not a zip (.npz) archive: no end-of-archive record", len);
}

/* The bytes of the entry whose central record starts at c. */
static bool entry_data(const unsigned char *b, size_t len, size_t c, const char *name,
                       const unsigned char **data, size_t *data_len, wh__io_error *err)
{
    const unsigned method = (unsigned)wh__get_uint_le(b + c + 10, 2);
    const uint32_t crc = (uint32_t)wh__get_uint_le(b + c + 16, 4);
    const size_t size = (size_t)wh__get_uint_le(b + c + 20, 4);
    const size_t local = (size_t)wh__get_uint_le(b + c + 42, 4);
    err->offset = local;
    if (method != 0)
        return wh__io_fail(err,
                           "byte %zu: zip entry '%s' is compressed (method %u); whiten "
                           "reads stored entries (numpy.savez, not savez_compressed)",
                           local, name, method);
    if (local > len || len - local < LOCAL_LEN || wh__get_uint_le(b + local, 4) != LOCAL_SIG)
        return wh__io_fail(err, "byte %zu: zip entry '%s': bad local header", local, name);
    const size_t skip = LOCAL_LEN + (size_t)wh__get_uint_le(b + local + 26, 2) +
                        (size_t)wh__get_uint_le(b + local + 28, 2);
    if (len - local < skip || len - local - skip < size)
        return wh__io_fail(err, "byte %zu: zip entry '%s' is truncated", local, name);
    *data = b + local + skip;
    *data_len = size;
    if (crc_of(*data, size) != crc)
        return wh__io_fail(err, "byte %zu: zip entry '%s' fails its CRC-32 check", local, name);
    return true;
}

bool wh__zip_find(const unsigned char *b, size_t len, const char *name, const unsigned char **data,
                  size_t *data_len, wh__io_error *err)
{
    size_t end = 0;
    if (!find_end(b, len, &end, err))
        return false;
    const size_t count = (size_t)wh__get_uint_le(b + end + 10, 2);
    size_t c = (size_t)wh__get_uint_le(b + end + 16, 4);
    const size_t name_len = strlen(name);
    for (size_t i = 0; i < count; i++) {
        if (c > end || end - c < CENTRAL_LEN || wh__get_uint_le(b + c, 4) != CENTRAL_SIG) {
            err->offset = c;
            return wh__io_fail(err, "byte %zu: zip central directory is damaged", c);
        }
        const size_t n = (size_t)wh__get_uint_le(b + c + 28, 2);
        const size_t skip = CENTRAL_LEN + n + (size_t)wh__get_uint_le(b + c + 30, 2) +
                            (size_t)wh__get_uint_le(b + c + 32, 2);
        if (end - c < CENTRAL_LEN + n) {
            err->offset = c;
            return wh__io_fail(err, "byte %zu: zip central directory is damaged", c);
        }
        if (n == name_len && memcmp(b + c + CENTRAL_LEN, name, n) == 0)
            return entry_data(b, len, c, name, data, data_len, err);
        c += skip;
    }
    err->offset = 0;
    return wh__io_fail(err, "the archive has no entry '%s'", name);
}
