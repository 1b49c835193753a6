/*
 * names.h: the column names of a CSV data file's header line, so that messages
 * about channels can say "channel 3 ('Fz')" as well as the number numpy uses.
 */
#ifndef WH_CLI_NAMES_H
#define WH_CLI_NAMES_H

#include <stddef.h>

#include "io/io.h"

/* Characters of a name kept for messages (longer names are cut). */
#define WH__NAME_CHARS 40

typedef struct wh__cli_names {
    size_t count;                         /* names read: 0 (no header) or the file's columns */
    char (*name)[WH__NAME_CHARS + 1];     /* count names, NUL-terminated */
} wh__cli_names;

/*
 * The names of the first line with content of the CSV file `path` when it is a header
 * (by `header`, as the reader decides: WH__CSV_HEADER always, WH__CSV_NO_HEADER never,
 * AUTO when every field is a name), split as the reader splits it (commas if the line has
 * one, else blanks), surrounding quotes and blanks removed. Anything else (no header, not
 * a CSV file, a read error, a header of other than `cols` fields) leaves count 0: names
 * only help messages, so their absence is never an error.
 */
void wh__cli_names_read(const char *path, wh__csv_header header, size_t cols,
                        wh__cli_names *names);

void wh__cli_names_free(wh__cli_names *names);

/* " ('NAME')" when the file named channel j (names may be NULL), else ""; into buf. */
const char *wh__cli_channel_name(char *buf, size_t size, size_t j, const wh__cli_names *names);

#endif
