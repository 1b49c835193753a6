/*
 * raw.c: bare little-endian float32 or float64 values, one sample of `cols`
 * values after another, as a pipe or a C program writes them.
 */
#include <math.h>

#include "io/io.h"

bool wh__raw_decode(const unsigned char *bytes, size_t len, size_t cols, size_t word,
                    wh__matrix *out, wh__io_error *err)
{
    out->rows = out->cols = 0;
    out->data = NULL;
    if (cols == 0 || (word != 4 && word != 8))
        return wh__io_fail(err, "raw data needs a dimension >= 1 and a word of 4 or 8 bytes");
    const size_t sample = cols * word;
    if (len % sample != 0) {
        err->offset = len - len % sample;
        return wh__io_fail(err,
                           "byte %zu: %zu bytes is not a whole number of samples of %zu "
                           "float%zu values (%zu bytes each)",
                           err->offset, len, cols, 8 * word, sample);
    }
    if (!wh__matrix_alloc(out, len / sample, cols))
        return wh__io_fail(err, "out of memory for %zu samples", len / sample);
    for (size_t i = 0; i < out->rows * cols; i++) {
        const double v = wh__get_float(bytes + i * word, word, false);
        if (!isfinite(v)) {
            err->offset = i * word;
            wh__matrix_free(out);
            return wh__io_fail(err,
                               "byte %zu: sample %zu, value %zu is %s; NaN and Inf are refused",
                               i * word, i / cols, i % cols, isnan(v) ? "NaN" : "infinite");
        }
        out->data[i] = v;
    }
    return true;
}

bool wh__raw_encode(const wh__matrix *m, size_t word, wh__buf *out)
{
    unsigned char v[8];
    if (word != 4 && word != 8)
        return false;
    for (size_t i = 0; i < m->rows * m->cols; i++) {
        wh__put_float_le(v, m->data[i], word);
        if (!wh__buf_put(out, v, word))
            return false;
    }
    return true;
}
