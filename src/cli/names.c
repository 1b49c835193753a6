/*
 * names.c: a CSV header's column names for messages about channels.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/names.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Whether path names a CSV (or text) file, by its extension as the readers decide. */
static bool is_text_file(const char *path)
{
    static const char *const ext[] = {".csv", ".txt", ".tsv"};
    const size_t len = strlen(path);
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
        if (len >= 4 && strcmp(path + len - 4, ext[i]) == 0)
            return true;
    return false;
}

/* Split line (content only) into names->name, cols of them, or leave count 0. */
static void split(const char *line, size_t len, size_t cols, wh__cli_names *names)
{
    const bool comma = memchr(line, ',', len) != NULL;
    names->name = wh__alloc(cols, sizeof *names->name);
    if (names->name == NULL)
        return;
    size_t count = 0, pos = 0;
    while (pos < len && count <= cols) {
        while (pos < len && blank(line[pos]))
            pos++;
        if (!comma && pos == len)
            break;
        size_t end = pos;
        while (end < len && (comma ? line[end] != ',' : !blank(line[end])))
            end++;
        size_t a = pos, b = end;
        while (b > a && blank(line[b - 1]))
            b--;
        if (b - a >= 2 && (line[a] == '"' || line[a] == '\'') && line[b - 1] == line[a])
            a++, b--;
        if (count < cols)
            snprintf(names->name[count], sizeof names->name[count], "%.*s",
                     (int)(b - a > WH__NAME_CHARS ? WH__NAME_CHARS : b - a), line + a);
        count++;
        pos = end + (end < len);
        if (comma && end == len)
            break;
    }
    if (count == cols) {
        names->count = cols;
    } else {
        wh__free(names->name);
        names->name = NULL;
    }
}

void wh__cli_names_read(const char *path, wh__csv_header header, size_t cols,
                        wh__cli_names *names)
{
    *names = (wh__cli_names){0, NULL};
    if (path == NULL || header == WH__CSV_NO_HEADER || cols == 0 || !is_text_file(path))
        return;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    for (bool first = true; (got = getline(&line, &cap, f)) >= 0; first = false) {
        char *text = line;
        size_t len = (size_t)got;
        if (first && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
            text += 3, len -= 3;
        if (!wh__csv_has_content(text, len))
            continue;
        const char *hash = memchr(text, '#', len);
        if (hash != NULL)
            len = (size_t)(hash - text);
        while (len > 0 && (blank(text[len - 1]) || text[len - 1] == '\n'))
            len--;
        if (header == WH__CSV_HEADER || wh__csv_is_header(text, len))
            split(text, len, cols, names);
        break;
    }
    free(line); /* from getline(), not wh__alloc */
    fclose(f);
}

void wh__cli_names_free(wh__cli_names *names)
{
    wh__free(names->name);
    *names = (wh__cli_names){0, NULL};
}

const char *wh__cli_channel_name(char *buf, size_t size, size_t j, const wh__cli_names *names)
{
    if (names != NULL && j < names->count && names->name[j][0] != '\0')
        snprintf(buf, size, " ('%s')", names->name[j]);
    else if (size > 0)
        buf[0] = '\0';
    return buf;
}
