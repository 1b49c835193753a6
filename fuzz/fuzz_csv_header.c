/*
 * fuzz_csv_header.c: libFuzzer harness for the CSV header logic (issue 16): a
 * header is recognised by its content, the user's --header/--no-header decide
 * when given, and the stream's test of a first line (wh__csv_is_header) and
 * the file reader's agree. Each input is decoded three times, once per mode,
 * and the harness aborts when one of these invariants breaks:
 *  1. by content (AUTO) the result is exactly the --header result when the
 *     first line with content is a header by wh__csv_is_header (what stream
 *     asks), and exactly the --no-header result when it is not;
 *  2. a first line of names is never data: --no-header then fails, on that line;
 *  3. when --header and --no-header both decode, the first line was a row of
 *     numbers: --no-header has one row more, and the rows after it are equal;
 *  4. a UTF-8 byte-order mark in front changes nothing;
 *  5. a decoded table written back with a header of names reads back, by
 *     content, as the same numbers bit for bit, and without one as well (a
 *     written row of numbers is never taken for a header).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct outcome {
    bool ok;
    wh__matrix m;
    wh__io_error err;
} outcome;

static outcome decode(const char *text, size_t len, wh__csv_header mode)
{
    outcome o = {0};
    o.ok = wh__csv_decode_with(text, len, mode, false, &o.m, &o.err);
    return o;
}

static bool same_matrix(const wh__matrix *a, const wh__matrix *b, size_t skip)
{
    if (a->cols != b->cols || a->rows != b->rows + skip)
        return false;
    const size_t n = b->rows * b->cols;
    return n == 0 || memcmp(a->data + skip * a->cols, b->data, n * sizeof *b->data) == 0;
}

static bool same_outcome(const outcome *a, const outcome *b)
{
    if (a->ok != b->ok)
        return false;
    if (a->ok)
        return same_matrix(&a->m, &b->m, 0);
    return a->err.line == b->err.line && a->err.column == b->err.column &&
           strcmp(a->err.message, b->err.message) == 0;
}

/* The first line with content (after a byte-order mark), its 1-based number, or 0. */
static size_t first_line(const char *text, size_t len, const char **line, size_t *line_len)
{
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        text += 3, len -= 3;
    size_t lineno = 1;
    for (size_t start = 0; start < len; lineno++) {
        const char *nl = memchr(text + start, '\n', len - start);
        const size_t end = nl != NULL ? (size_t)(nl - text) : len;
        if (wh__csv_has_content(text + start, end - start)) {
            *line = text + start;
            *line_len = end - start;
            return lineno;
        }
        start = end + 1;
    }
    return 0;
}

/* Invariant 5: encode m (with or without a header of names) and decode it by content. */
static void round_trip(const wh__matrix *m, bool named)
{
    const char *names[64];
    static const char *const pool[4] = {"x", "channel_b", "\"c\"", "d_2"};
    if (m->cols > 64)
        return;
    for (size_t j = 0; j < m->cols; j++)
        names[j] = pool[j % 4];
    wh__buf b = {0};
    if (!wh__csv_encode(m, named ? names : NULL, &b) || b.failed) {
        wh__buf_free(&b);
        return; /* out of memory: nothing to check */
    }
    outcome back = decode((const char *)b.data, b.len, WH__CSV_HEADER_AUTO);
    if (!back.ok || !same_matrix(&back.m, m, 0))
        abort();
    wh__matrix_free(&back.m);
    wh__buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    outcome by_content = decode(text, size, WH__CSV_HEADER_AUTO);
    outcome header = decode(text, size, WH__CSV_HEADER);
    outcome none = decode(text, size, WH__CSV_NO_HEADER);
    const char *line = NULL;
    size_t line_len = 0;
    const size_t lineno = first_line(text, size, &line, &line_len);
    const bool named = lineno > 0 && wh__csv_is_header(line, line_len);

    if (!same_outcome(&by_content, named ? &header : &none)) /* 1 */
        abort();
    if (named && (none.ok || none.err.line != lineno)) /* 2 */
        abort();
    if (header.ok && none.ok && !same_matrix(&none.m, &header.m, 1)) /* 3 */
        abort();

    if (size < 1 << 16 && (size < 3 || memcmp(text, "\xEF\xBB\xBF", 3) != 0)) { /* 4 */
        char *bom = wh__alloc(size + 3, 1);
        if (bom != NULL) {
            memcpy(bom, "\xEF\xBB\xBF", 3);
            if (size > 0)
                memcpy(bom + 3, text, size);
            outcome again = decode(bom, size + 3, WH__CSV_HEADER_AUTO);
            if (!same_outcome(&again, &by_content))
                abort();
            wh__matrix_free(&again.m);
            wh__free(bom);
        }
    }
    if (by_content.ok) { /* 5 */
        round_trip(&by_content.m, true);
        round_trip(&by_content.m, false);
    }
    wh__matrix_free(&by_content.m);
    wh__matrix_free(&header.m);
    wh__matrix_free(&none.m);
    return 0;
}
