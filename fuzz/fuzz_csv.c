/*
 * fuzz_csv.c: libFuzzer harness for the CSV reader: the whole-file decoder
 * (fit, apply) and the line-at-a-time parser (stream), fed the same bytes, so
 * both paths see the same hostile text. The input is not NUL-terminated, as a
 * file read into memory is not either.
 */
#include <stdint.h>
#include <string.h>

#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feed each line to wh__csv_line as `whiten stream` does, with a small cap so
 * that rows wider than the buffer are exercised too. */
static void lines(const char *text, size_t len)
{
    wh__csv_sep sep = WH__CSV_AUTO;
    double values[8];
    size_t lineno = 1, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != '\n')
            continue;
        size_t count = 0;
        wh__io_error err;
        (void)wh__csv_is_header(text + start, i - start);
        (void)wh__csv_line(text + start, i - start, lineno++, &sep, values, 8, &count, &err);
        start = i + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    wh__matrix m = {0};
    wh__io_error err;
    if (wh__csv_decode(text, size, &m, &err)) {
        wh__buf out = {0};
        (void)wh__csv_encode(&m, NULL, &out);
        wh__buf_free(&out);
    }
    wh__matrix_free(&m);
    lines(text, size);
    return 0;
}
