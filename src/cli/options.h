/*
 * options.h: command-line options from one table.
 *
 * Each subcommand describes its options once, as rows {name, type, field,
 * range, help} made by the typed constructors below (wh__opt_double and its
 * kin), so that a row's type and the field it writes cannot disagree: binding
 * a size_t to a double row does not compile. The same table parses argv,
 * checks every value against its range, and prints --help with the current
 * (default) values. Options that several commands share are made once, with
 * one help text, in cli/rows.h.
 */
#ifndef WH_CLI_OPTIONS_H
#define WH_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum wh__opt_type {
    WH__OPT_FLAG,   /* bool; takes no value */
    WH__OPT_DOUBLE, /* double */
    WH__OPT_SIZE,   /* size_t */
    WH__OPT_U64,    /* uint64_t */
    WH__OPT_STRING  /* const char *, pointing into argv */
} wh__opt_type;

/* Range flags: the bound itself is excluded. */
enum { WH__OPEN_MIN = 1, WH__OPEN_MAX = 2 };

/* The field a row writes: the member that `type` names. */
typedef union wh__opt_field {
    bool *flag;
    double *number;
    size_t *size;
    uint64_t *u64;
    const char **string;
} wh__opt_field;

typedef struct wh__option {
    const char *name; /* long name without the leading "--" */
    wh__opt_type type;
    wh__opt_field field;
    double min, max; /* accepted range of numeric values */
    int open;        /* WH__OPEN_MIN | WH__OPEN_MAX */
    const char *help;
} wh__option;

/*
 * The rows of a table, one constructor per type. Numbers are accepted in
 * [min, max], a bound excluded where `open` says so (WH__OPEN_MIN,
 * WH__OPEN_MAX); whole numbers in [min, max]. A string points into argv.
 */
wh__option wh__opt_flag(const char *name, bool *field, const char *help);
wh__option wh__opt_double(const char *name, double *field, double min, double max, int open,
                          const char *help);
wh__option wh__opt_size(const char *name, size_t *field, double min, double max, const char *help);
wh__option wh__opt_u64(const char *name, uint64_t *field, double min, double max, const char *help);
wh__option wh__opt_string(const char *name, const char **field, const char *help);

typedef struct wh__command_help {
    const char *command;  /* e.g. "reproduce" */
    const char *synopsis; /* one line */
    const char *details;  /* paragraphs, may be NULL */
    const char *example;  /* one shell line */
} wh__command_help;

/* Outcomes of parsing. */
enum { WH__PARSE_OK = 0, WH__PARSE_HELP = -1, WH__PARSE_USAGE = 2 };

/*
 * Parse argv[1..argc) ("--name value", "--name=value", "--flag", "-h",
 * "--help") into the table's fields. On a usage error prints one line naming
 * the option and its accepted range to stderr and returns WH__PARSE_USAGE; on
 * --help prints the help to stdout and returns WH__PARSE_HELP.
 */
int wh__options_parse(const wh__command_help *help, const wh__option *table, size_t count,
                      int argc, char **argv);

/*
 * True if argv[1..argc) gives option `name` ("--name value" or "--name=value"):
 * for options whose absence means "keep what the state file says".
 */
bool wh__options_given(int argc, char **argv, const char *name);

void wh__options_print_help(FILE *out, const wh__command_help *help, const wh__option *table,
                            size_t count);

#endif
