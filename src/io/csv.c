/*
 * csv.c: numbers as text, one sample per line.
 *
 * Fields are separated by commas, or by runs of spaces and tabs when the first
 * line has no comma. '#' starts a comment. The first non-blank line is a
 * header when it is a line of names (wh__csv_is_header), or when the caller
 * says so; a first line of numbers ("0,1,2", as pandas names columns) is data
 * unless the caller says it is a header, and any other first line that does
 * not parse is an error naming its line and column. Errors name the 1-based
 * line and column (in characters from the start of the line) of the bad field.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "io/io.h"

#define FIELD_MAX WH__NUMBER_CHARS

/* One field of a line: where it starts and how long it is, spaces trimmed. */
typedef struct field {
    const char *text;
    size_t len, column;
} field;

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* The line up to a '#' comment, with trailing blanks (and '\r') dropped. */
static size_t content_length(const char *line, size_t len)
{
    const char *hash = memchr(line, '#', len);
    size_t end = hash != NULL ? (size_t)(hash - line) : len;
    while (end > 0 && is_blank(line[end - 1]))
        end--;
    return end;
}

/* The message names the line, the column and (up to 40 characters of) the field. */
static bool fail_at(wh__io_error *err, size_t line, const field *f, const char *what)
{
    err->line = line;
    err->column = f->column;
    const int shown = (int)(f->len > 40 ? 40 : f->len);
    return wh__io_fail(err, "line %zu, column %zu: '%.*s' %s", line, f->column, shown, f->text,
                       what);
}

/* The next field starting at *pos; false at the end of the line. */
static bool next_field(const char *line, size_t len, wh__csv_sep sep, size_t *pos, bool *more,
                       field *f)
{
    size_t i = *pos;
    while (i < len && is_blank(line[i]))
        i++;
    if (sep == WH__CSV_SPACE && i >= len)
        return false;
    f->text = line + i;
    f->column = i + 1;
    size_t end = i;
    while (end < len && !(sep == WH__CSV_COMMA ? line[end] == ',' : is_blank(line[end])))
        end++;
    /* After a comma another field follows, even an empty one; spaces just end a field. */
    *more = sep == WH__CSV_COMMA ? end < len : true;
    *pos = *more ? end + 1 : end;
    while (end > i && is_blank(line[end - 1]))
        end--;
    f->len = end - i;
    return true;
}

typedef enum parsed { NUMBER, NOT_NUMBER, NOT_FINITE, OUT_OF_RANGE, TOO_LONG } parsed;

static parsed parse_number(const field *f, bool allow_nonfinite, double *value)
{
    char buf[FIELD_MAX];
    if (f->len == 0)
        return NOT_NUMBER;
    if (f->len >= sizeof buf)
        return TOO_LONG;
    memcpy(buf, f->text, f->len);
    buf[f->len] = '\0';
    char *stop = NULL;
    errno = 0;
    *value = strtod(buf, &stop);
    if (stop != buf + f->len)
        return NOT_NUMBER;
    if ((isnan(*value) || isinf(*value)) && !allow_nonfinite)
        return errno == ERANGE ? OUT_OF_RANGE : NOT_FINITE;
    return NUMBER;
}

static bool report(parsed p, const field *f, size_t lineno, wh__io_error *err)
{
    if (f->len == 0) {
        err->line = lineno;
        err->column = f->column;
        return wh__io_fail(err, "line %zu, column %zu: empty field", lineno, f->column);
    }
    if (p == NOT_FINITE)
        return fail_at(err, lineno, f, "is not finite; NaN and Inf are refused");
    if (p == OUT_OF_RANGE)
        return fail_at(err, lineno, f, "is out of the range of a double");
    if (p == TOO_LONG) {
        char what[96];
        snprintf(what, sizeof what, "... is too long for a number (%zu characters; at most %d)",
                 f->len, FIELD_MAX - 1);
        return fail_at(err, lineno, f, what);
    }
    return fail_at(err, lineno, f, "is not a number");
}

static bool parse_line(const char *line, size_t len, size_t lineno, bool allow_nonfinite,
                       wh__csv_sep *sep, double *values, size_t cap, size_t *count,
                       wh__io_error *err)
{
    *count = 0;
    len = content_length(line, len);
    size_t pos = 0;
    while (pos < len && is_blank(line[pos]))
        pos++;
    if (pos >= len)
        return true;
    if (*sep == WH__CSV_AUTO)
        *sep = memchr(line, ',', len) != NULL ? WH__CSV_COMMA : WH__CSV_SPACE;
    field f;
    bool more = true;
    while (more && next_field(line, len, *sep, &pos, &more, &f)) {
        double v = 0.0;
        parsed p = parse_number(&f, allow_nonfinite, &v);
        if (p != NUMBER)
            return report(p, &f, lineno, err);
        if (*count < cap)
            values[*count] = v;
        (*count)++;
    }
    return true;
}

/* A growing list of values, and the shape seen so far. */
bool wh__csv_line(const char *line, size_t len, size_t lineno, wh__csv_sep *sep, double *values,
                  size_t cap, size_t *count, wh__io_error *err)
{
    return parse_line(line, len, lineno, false, sep, values, cap, count, err);
}

typedef struct table {
    double *values;
    size_t len, cap, cols, first_line;
    bool allow_nonfinite;
} table;

static bool table_reserve(table *t, size_t extra)
{
    if (t->len + extra <= t->cap)
        return true;
    size_t cap = t->cap > 0 ? 2 * t->cap : 1024;
    while (cap < t->len + extra)
        cap *= 2;
    if (cap > SIZE_MAX / sizeof(double))
        return false;
    double *v = wh__realloc(t->values, cap, sizeof *v);
    if (v == NULL)
        return false;
    t->values = v;
    t->cap = cap;
    return true;
}

/* A column name: not empty, starts with a letter, '_', a quote or a non-ASCII byte (UTF-8),
 * and does not read as a number (so "nan" and "inf" are not names). */
static bool is_name(const field *f)
{
    if (f->len == 0)
        return false;
    const unsigned char c = (unsigned char)f->text[0];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '"' ||
          c == '\'' || c >= 0x80))
        return false;
    double v;
    const parsed p = parse_number(f, true, &v);
    return p == NOT_NUMBER || p == TOO_LONG;
}

/* True if every field of the line is a name: a header, by its content. */
static bool is_header(const char *line, size_t len, wh__csv_sep sep)
{
    len = content_length(line, len);
    if (len == 0)
        return false;
    size_t pos = 0;
    bool more = true;
    field f;
    while (more && next_field(line, len, sep, &pos, &more, &f))
        if (!is_name(&f))
            return false;
    return true;
}

/*
 * Where a row with `count` fields instead of `expected` goes wrong: the start of
 * its first extra field, or just past its last one if it has too few.
 */
static size_t ragged_column(const char *line, size_t len, wh__csv_sep sep, size_t expected)
{
    len = content_length(line, len);
    size_t pos = 0, index = 0;
    bool more = true;
    field f;
    while (more && next_field(line, len, sep, &pos, &more, &f))
        if (index++ == expected)
            return f.column;
    return len + 1;
}

static bool add_line(table *t, const char *line, size_t len, size_t lineno, wh__csv_sep *sep,
                     wh__io_error *err)
{
    size_t count;
    const size_t cap = t->cols > 0 ? t->cols : 4096;
    if (!table_reserve(t, cap))
        return wh__io_fail(err, "line %zu: out of memory", lineno);
    if (!parse_line(line, len, lineno, t->allow_nonfinite, sep, t->values + t->len, cap, &count,
                    err))
        return false;
    if (count == 0)
        return true;
    if (t->cols == 0) {
        if (count > cap)
            return wh__io_fail(err, "line %zu: more than %zu fields", lineno, cap);
        t->cols = count;
        t->first_line = lineno;
    } else if (count != t->cols) {
        err->line = lineno;
        err->column = ragged_column(line, len, *sep, t->cols);
        return wh__io_fail(err,
                           "line %zu, column %zu: %zu fields where line %zu has %zu (ragged rows; "
                           "%s)",
                           lineno, err->column, count, t->first_line, t->cols,
                           count > t->cols ? "the first extra field starts here"
                                           : "the line ends here");
    }
    t->len += count;
    return true;
}

bool wh__csv_has_content(const char *line, size_t len)
{
    const size_t content = content_length(line, len);
    size_t lead = 0;
    while (lead < content && is_blank(line[lead]))
        lead++;
    return lead < content;
}

bool wh__csv_is_header(const char *line, size_t len)
{
    const size_t content = content_length(line, len);
    return is_header(line, len, memchr(line, ',', content) != NULL ? WH__CSV_COMMA : WH__CSV_SPACE);
}

/* Returns the length of the line at text[pos..len) and the position after its newline. */
static size_t line_at(const char *text, size_t len, size_t pos, size_t *next)
{
    const char *nl = memchr(text + pos, '\n', len - pos);
    const size_t end = nl != NULL ? (size_t)(nl - text) : len;
    *next = nl != NULL ? end + 1 : len;
    return end - pos;
}

static bool parse_lines(const char *text, size_t len, wh__csv_header header, table *t,
                        wh__io_error *err)
{
    wh__csv_sep sep = WH__CSV_AUTO;
    bool header_possible = true;
    size_t next;
    for (size_t pos = 0, lineno = 1; pos < len; pos = next, lineno++) {
        const size_t n = line_at(text, len, pos, &next);
        const size_t content = content_length(text + pos, n);
        size_t lead = 0;
        while (lead < content && is_blank(text[pos + lead]))
            lead++;
        if (lead == content)
            continue;
        if (header_possible) {
            header_possible = false;
            sep = memchr(text + pos, ',', content) != NULL ? WH__CSV_COMMA : WH__CSV_SPACE;
            if (header == WH__CSV_HEADER ||
                (header == WH__CSV_HEADER_AUTO && is_header(text + pos, n, sep))) {
                sep = WH__CSV_AUTO; /* the data rows choose their own separator */
                continue;
            }
        }
        if (!add_line(t, text + pos, n, lineno, &sep, err))
            return false;
    }
    return true;
}

bool wh__csv_decode(const char *text, size_t len, wh__matrix *out, wh__io_error *err)
{
    return wh__csv_decode_with(text, len, WH__CSV_HEADER_AUTO, false, out, err);
}

bool wh__csv_decode_table(const char *text, size_t len, bool allow_nonfinite, wh__matrix *out,
                          wh__io_error *err)
{
    return wh__csv_decode_with(text, len, WH__CSV_HEADER_AUTO, allow_nonfinite, out, err);
}

bool wh__csv_decode_with(const char *text, size_t len, wh__csv_header header,
                         bool allow_nonfinite, wh__matrix *out, wh__io_error *err)
{
    table t = {.allow_nonfinite = allow_nonfinite};
    out->rows = out->cols = 0;
    out->data = NULL;
    /* Spreadsheets often start UTF-8 text with a byte-order mark; it is not part of a field. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    if (!parse_lines(text, len, header, &t, err)) {
        wh__free(t.values);
        return false;
    }
    if (t.len == 0) {
        wh__free(t.values);
        err->line = 1;
        err->column = 1;
        return wh__io_fail(err, "line 1, column 1: no data rows (the file is empty or all header "
                                "and comments)");
    }
    out->rows = t.len / t.cols;
    out->cols = t.cols;
    out->data = t.values;
    return true;
}

bool wh__csv_encode(const wh__matrix *m, const char *const *header, wh__buf *out)
{
    char text[WH__DOUBLE_TEXT];
    bool ok = true;
    for (size_t c = 0; header != NULL && ok && c < m->cols; c++)
        ok = wh__buf_printf(out, "%s%s", c > 0 ? "," : "", header[c]);
    if (header != NULL && ok)
        ok = wh__buf_put(out, "\n", 1);
    for (size_t r = 0; ok && r < m->rows; r++)
        for (size_t c = 0; ok && c < m->cols; c++)
            ok = wh__buf_printf(out, "%s%s", wh__format_double(text, m->data[r * m->cols + c]),
                                c + 1 < m->cols ? "," : "\n");
    return ok;
}
