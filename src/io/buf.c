/*
 * buf.c: the small pieces every reader and writer shares: matrices, the
 * growable output buffer, error messages and byte-order conversions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "io/io.h"

bool wh__matrix_alloc(wh__matrix *m, size_t rows, size_t cols)
{
    m->rows = rows;
    m->cols = cols;
    m->data = NULL;
    size_t count;
    if (!wh__size_mul(rows, cols, &count))
        return false;
    m->data = wh__alloc(count, sizeof(double)); /* never NULL for 0: "empty" is not "failed" */
    return m->data != NULL;
}

void wh__matrix_free(wh__matrix *m)
{
    wh__free(m->data);
    m->data = NULL;
    m->rows = m->cols = 0;
}

bool wh__io_fail(wh__io_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return false;
}

static bool reserve(wh__buf *b, size_t extra)
{
    if (b->failed || extra > SIZE_MAX - b->len) {
        b->failed = true;
        return false;
    }
    if (b->len + extra <= b->cap)
        return true;
    size_t cap = b->cap > 0 ? b->cap : 256;
    while (cap < b->len + extra)
        cap = cap > SIZE_MAX / 2 ? b->len + extra : 2 * cap;
    unsigned char *data = wh__realloc(b->data, cap, 1);
    if (data == NULL) {
        b->failed = true;
        return false;
    }
    b->data = data;
    b->cap = cap;
    return true;
}

bool wh__buf_put(wh__buf *b, const void *bytes, size_t len)
{
    if (len == 0)
        return !b->failed;
    if (!reserve(b, len))
        return false;
    memcpy(b->data + b->len, bytes, len);
    b->len += len;
    return true;
}

bool wh__buf_printf(wh__buf *b, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0)
        b->failed = true;
    bool ok = need >= 0 && reserve(b, (size_t)need + 1);
    if (ok) {
        vsnprintf((char *)b->data + b->len, (size_t)need + 1, fmt, again);
        b->len += (size_t)need;
    }
    va_end(again);
    return ok;
}

void wh__buf_free(wh__buf *b)
{
    wh__free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

/* Assembled byte by byte, so the host's own byte order never matters. */
uint64_t wh__get_uint_le(const unsigned char *p, size_t bytes)
{
    uint64_t v = 0;
    for (size_t i = bytes; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

void wh__put_uint_le(unsigned char *p, uint64_t v, size_t bytes)
{
    for (size_t i = 0; i < bytes; i++, v >>= 8)
        p[i] = (unsigned char)(v & 0xffu);
}

static uint64_t get_uint_be(const unsigned char *p, size_t bytes)
{
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; i++)
        v = (v << 8) | p[i];
    return v;
}

double wh__get_float(const unsigned char *p, size_t word, bool big_endian)
{
    const uint64_t bits = big_endian ? get_uint_be(p, word) : wh__get_uint_le(p, word);
    if (word == 4) {
        float f;
        const uint32_t b32 = (uint32_t)bits;
        memcpy(&f, &b32, sizeof f);
        return (double)f;
    }
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

void wh__put_float_le(unsigned char *p, double v, size_t word)
{
    if (word == 4) {
        const float f = (float)v;
        uint32_t b32;
        memcpy(&b32, &f, sizeof b32);
        wh__put_uint_le(p, b32, 4);
        return;
    }
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    wh__put_uint_le(p, bits, 8);
}

const char *wh__format_double(char *buf, double v)
{
    for (int digits = 15; digits < 17; digits++) {
        snprintf(buf, WH__DOUBLE_TEXT, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return buf;
    }
    snprintf(buf, WH__DOUBLE_TEXT, "%.17g", v);
    return buf;
}
