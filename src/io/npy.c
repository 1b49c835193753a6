/*
 * npy.c: numpy's .npy format, versions 1.0 to 3.0.
 *
 * A file is the magic "\x93NUMPY", two version bytes, the header length
 * (2 bytes little-endian in 1.0, 4 bytes in 2.0 and 3.0), then a Python dict
 * literal such as {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
 * padded with spaces and a newline, then the raw array. Errors give the byte
 * offset in the file at which the reader gave up.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"

#define MAGIC_LEN 6
#define MAX_DIMS  2

static const unsigned char magic[MAGIC_LEN] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* The header dict, as parsed. */
typedef struct header {
    char descr[16];
    int fortran; /* -1 until seen */
    size_t shape[MAX_DIMS];
    size_t ndim; /* SIZE_MAX until seen */
} header;

/* A cursor over the header text; base is its offset in the file, for errors. */
typedef struct cursor {
    const char *p, *end;
    size_t base;
    const char *start;
} cursor;

static bool fail_at(const cursor *c, wh__io_error *err, const char *what)
{
    err->offset = c->base + (size_t)(c->p - c->start);
    return wh__io_fail(err, "byte %zu: NPY header: %s", err->offset, what);
}

static void skip_space(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool expect(cursor *c, char ch, wh__io_error *err)
{
    skip_space(c);
    if (c->p >= c->end || *c->p != ch) {
        char what[48];
        snprintf(what, sizeof what, "expected '%c'", ch);
        return fail_at(c, err, what);
    }
    c->p++;
    return true;
}

static bool parse_string(cursor *c, char *out, size_t cap, wh__io_error *err)
{
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return fail_at(c, err, "expected a quoted string");
    const char quote = *c->p++;
    size_t len = 0;
    while (c->p < c->end && *c->p != quote) {
        if (len + 1 >= cap)
            return fail_at(c, err, "string too long");
        out[len++] = *c->p++;
    }
    if (c->p >= c->end)
        return fail_at(c, err, "unterminated string");
    c->p++;
    out[len] = '\0';
    return true;
}

static bool parse_bool(cursor *c, int *value, wh__io_error *err)
{
    skip_space(c);
    const size_t left = (size_t)(c->end - c->p);
    if (left >= 4 && strncmp(c->p, "True", 4) == 0) {
        c->p += 4;
        *value = 1;
        return true;
    }
    if (left >= 5 && strncmp(c->p, "False", 5) == 0) {
        c->p += 5;
        *value = 0;
        return true;
    }
    return fail_at(c, err, "expected True or False");
}

static bool parse_size(cursor *c, size_t *value, wh__io_error *err)
{
    skip_space(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
        return fail_at(c, err, "expected a dimension (a whole number)");
    size_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        const size_t digit = (size_t)(*c->p - '0');
        if (v > (SIZE_MAX - digit) / 10)
            return fail_at(c, err, "dimension too large");
        v = 10 * v + digit;
        c->p++;
    }
    if (c->p < c->end && *c->p == 'L') /* Python 2 wrote long integers as 3L */
        c->p++;
    *value = v;
    return true;
}

/* A shape tuple: (), (n,), (r, c) or (r, c,). */
static bool parse_shape(cursor *c, header *h, wh__io_error *err)
{
    if (!expect(c, '(', err))
        return false;
    h->ndim = 0;
    for (;;) {
        skip_space(c);
        if (c->p < c->end && *c->p == ')') {
            c->p++;
            return true;
        }
        if (h->ndim == MAX_DIMS)
            return fail_at(c, err, "more than 2 dimensions (whiten reads vectors and matrices)");
        if (!parse_size(c, &h->shape[h->ndim++], err))
            return false;
        skip_space(c);
        if (c->p < c->end && *c->p == ',')
            c->p++;
        else if (c->p >= c->end || *c->p != ')')
            return fail_at(c, err, "expected ',' or ')' in the shape");
    }
}

static bool parse_entry(cursor *c, header *h, wh__io_error *err)
{
    char key[32];
    if (!parse_string(c, key, sizeof key, err) || !expect(c, ':', err))
        return false;
    skip_space(c);
    if (strcmp(key, "descr") == 0 && c->p < c->end && *c->p == '[')
        return fail_at(c, err,
                       "unsupported NPY dtype: a structured array (whiten reads "
                       "float32 and float64 matrices)");
    if (strcmp(key, "descr") == 0)
        return parse_string(c, h->descr, sizeof h->descr, err);
    if (strcmp(key, "fortran_order") == 0)
        return parse_bool(c, &h->fortran, err);
    if (strcmp(key, "shape") == 0)
        return parse_shape(c, h, err);
    return fail_at(c, err, "unknown key (expected descr, fortran_order and shape)");
}

static bool parse_header(cursor *c, header *h, wh__io_error *err)
{
    h->descr[0] = '\0';
    h->fortran = -1;
    h->ndim = SIZE_MAX;
    if (!expect(c, '{', err))
        return false;
    for (;;) {
        skip_space(c);
        if (c->p < c->end && *c->p == '}')
            break;
        if (!parse_entry(c, h, err))
            return false;
        skip_space(c);
        if (c->p < c->end && *c->p == ',')
            c->p++;
        else if (c->p >= c->end || *c->p != '}')
            return fail_at(c, err, "expected ',' or '}'");
    }
    if (h->descr[0] == '\0' || h->fortran < 0 || h->ndim == SIZE_MAX)
        return fail_at(c, err, "missing one of descr, fortran_order, shape");
    return true;
}

/* '<f8', '>f4', '=f8' ('=' is native: little-endian on every host whiten supports). */
static bool parse_descr(const char *descr, size_t *word, bool *big, wh__io_error *err,
                        size_t offset)
{
    const bool known_order = descr[0] == '<' || descr[0] == '>' || descr[0] == '=';
    if (known_order && descr[1] == 'f' && (descr[2] == '4' || descr[2] == '8') &&
        descr[3] == '\0') {
        *word = descr[2] == '4' ? 4 : 8;
        *big = descr[0] == '>';
        return true;
    }
    err->offset = offset;
    return wh__io_fail(err,
                       "byte %zu: unsupported NPY dtype '%s' (whiten reads float32 and float64: "
                       "'<f4', '>f4', '<f8', '>f8')",
                       offset, descr);
}

/* The header: magic, version, length; *data_at is where the array begins. */
static bool read_preamble(const unsigned char *b, size_t len, wh__npy_info *info,
                          size_t *header_len, wh__io_error *err)
{
    if (len < MAGIC_LEN || memcmp(b, magic, MAGIC_LEN) != 0) {
        err->offset = 0;
        return wh__io_fail(err, "byte 0: not an NPY file (the magic string \\x93NUMPY is missing)");
    }
    if (len < MAGIC_LEN + 2) {
        err->offset = len;
        return wh__io_fail(err, "byte %zu: truncated NPY header (no version)", len);
    }
    info->major = b[6];
    info->minor = b[7];
    if (info->major < 1 || info->major > 3) {
        err->offset = 6;
        return wh__io_fail(err,
                           "byte 6: unsupported NPY format version %u.%u (whiten reads 1.0-3.0)",
                           info->major, info->minor);
    }
    const size_t len_bytes = info->major == 1 ? 2 : 4;
    if (len < 8 + len_bytes) {
        err->offset = len;
        return wh__io_fail(err, "byte %zu: truncated NPY header (no header length)", len);
    }
    *header_len = (size_t)wh__get_uint_le(b + 8, len_bytes);
    if (*header_len > len - 8 - len_bytes) {
        err->offset = len;
        return wh__io_fail(err,
                           "byte %zu: truncated NPY header: it announces %zu bytes but only %zu "
                           "follow",
                           len, *header_len, len - 8 - len_bytes);
    }
    return true;
}

static bool shape_to_matrix(const header *h, size_t *rows, size_t *cols)
{
    *rows = h->ndim >= 1 ? h->shape[0] : 1;
    *cols = h->ndim == 2 ? h->shape[1] : 1;
    return *cols == 0 || *rows <= SIZE_MAX / 8 / *cols;
}

/* Copy the array into row-major doubles, refusing NaN and infinities. */
static bool convert(const unsigned char *data, const wh__npy_info *info, wh__matrix *m,
                    size_t data_at, wh__io_error *err)
{
    const size_t count = m->rows * m->cols;
    for (size_t i = 0; i < count; i++) {
        const double v = wh__get_float(data + i * info->word, info->word, info->big_endian);
        /* Fortran order stores columns one after another. */
        const size_t r = info->fortran_order ? i % m->rows : i / m->cols;
        const size_t c = info->fortran_order ? i / m->rows : i % m->cols;
        if (!isfinite(v)) {
            err->offset = data_at + i * info->word;
            return wh__io_fail(err, "byte %zu: element (%zu, %zu) is %s; NaN and Inf are refused",
                               err->offset, r, c, isnan(v) ? "NaN" : "infinite");
        }
        m->data[r * m->cols + c] = v;
    }
    return true;
}

static bool decode_body(const unsigned char *bytes, size_t len, const header *h, wh__npy_info *info,
                        size_t data_at, wh__matrix *out, wh__io_error *err)
{
    size_t rows, cols;
    if (!shape_to_matrix(h, &rows, &cols))
        return wh__io_fail(err, "byte %zu: NPY shape too large", data_at);
    const size_t need = rows * cols * info->word, have = len - data_at;
    if (have != need) {
        err->offset = len;
        return wh__io_fail(err,
                           "byte %zu: NPY data %s: the header promises %zu x %zu values (%zu "
                           "bytes) but %zu bytes follow it",
                           len, have < need ? "truncated" : "too long", rows, cols, need, have);
    }
    if (!wh__matrix_alloc(out, rows, cols))
        return wh__io_fail(err, "out of memory for a %zu x %zu array", rows, cols);
    if (!convert(bytes + data_at, info, out, data_at, err)) {
        wh__matrix_free(out);
        return false;
    }
    return true;
}

bool wh__npy_decode(const unsigned char *bytes, size_t len, wh__matrix *out, wh__npy_info *info,
                    wh__io_error *err)
{
    wh__npy_info local;
    if (info == NULL)
        info = &local;
    memset(info, 0, sizeof *info);
    out->rows = out->cols = 0;
    out->data = NULL;
    size_t header_len = 0;
    if (!read_preamble(bytes, len, info, &header_len, err))
        return false;
    const size_t text_at = info->major == 1 ? 10 : 12;
    const char *text = (const char *)bytes + text_at;
    cursor c = {text, text + header_len, text_at, text};
    header h;
    if (!parse_header(&c, &h, err) ||
        !parse_descr(h.descr, &info->word, &info->big_endian, err, text_at))
        return false;
    info->fortran_order = h.fortran == 1;
    info->ndim = h.ndim;
    return decode_body(bytes, len, &h, info, text_at + header_len, out, err);
}

static bool put_header(const wh__matrix *m, size_t word, size_t ndim, wh__buf *out)
{
    char dict[160];
    int n = ndim == 1
                ? snprintf(dict, sizeof dict,
                           "{'descr': '<f%zu', 'fortran_order': False, 'shape': (%zu,), }", word,
                           m->rows * m->cols)
                : snprintf(dict, sizeof dict,
                           "{'descr': '<f%zu', 'fortran_order': False, 'shape': (%zu, %zu), }",
                           word, m->rows, m->cols);
    if (n < 0 || (size_t)n >= sizeof dict)
        return false;
    /* Pad with spaces and end with '\n' so the data starts on a 64-byte boundary. */
    const size_t preamble = 10, unpadded = preamble + (size_t)n + 1;
    const size_t total = (unpadded + 63) / 64 * 64, header_len = total - preamble;
    unsigned char pre[10];
    memcpy(pre, magic, MAGIC_LEN);
    pre[6] = 1;
    pre[7] = 0;
    wh__put_uint_le(pre + 8, header_len, 2);
    bool ok = wh__buf_put(out, pre, sizeof pre) && wh__buf_put(out, dict, (size_t)n);
    for (size_t i = (size_t)n; ok && i + 1 < header_len; i++)
        ok = wh__buf_put(out, " ", 1);
    return ok && wh__buf_put(out, "\n", 1);
}

bool wh__npy_encode(const wh__matrix *m, size_t word, size_t ndim, wh__buf *out)
{
    if ((word != 4 && word != 8) || (ndim != 1 && ndim != 2))
        return false;
    if (!put_header(m, word, ndim, out))
        return false;
    unsigned char v[8];
    const size_t count = m->rows * m->cols;
    for (size_t i = 0; i < count; i++) {
        wh__put_float_le(v, m->data[i], word);
        if (!wh__buf_put(out, v, word))
            return false;
    }
    return true;
}
