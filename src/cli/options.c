#include "cli/options.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

wh__option wh__opt_flag(const char *name, bool *field, const char *help)
{
    return (wh__option){name, WH__OPT_FLAG, {.flag = field}, 0, 0, 0, help};
}

wh__option wh__opt_double(const char *name, double *field, double min, double max, int open,
                          const char *help)
{
    return (wh__option){name, WH__OPT_DOUBLE, {.number = field}, min, max, open, help};
}

wh__option wh__opt_size(const char *name, size_t *field, double min, double max, const char *help)
{
    return (wh__option){name, WH__OPT_SIZE, {.size = field}, min, max, 0, help};
}

wh__option wh__opt_u64(const char *name, uint64_t *field, double min, double max, const char *help)
{
    return (wh__option){name, WH__OPT_U64, {.u64 = field}, min, max, 0, help};
}

wh__option wh__opt_string(const char *name, const char **field, const char *help)
{
    return (wh__option){name, WH__OPT_STRING, {.string = field}, 0, 0, 0, help};
}

static const wh__option *find(const wh__option *table, size_t count, const char *name, size_t len)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(table[i].name) == len && strncmp(table[i].name, name, len) == 0)
            return &table[i];
    return NULL;
}

static void describe_range(char *buf, size_t size, const wh__option *o)
{
    if (o->type == WH__OPT_STRING || o->type == WH__OPT_FLAG) {
        buf[0] = '\0';
        return;
    }
    snprintf(buf, size, "%s%g, %g%s", (o->open & WH__OPEN_MIN) ? "(" : "[", o->min, o->max,
             (o->open & WH__OPEN_MAX) ? ")" : "]");
}

static bool in_range(const wh__option *o, double v)
{
    bool low = (o->open & WH__OPEN_MIN) ? v > o->min : v >= o->min;
    bool high = (o->open & WH__OPEN_MAX) ? v < o->max : v <= o->max;
    return low && high;
}

static bool parse_number(const wh__option *o, const char *text, double *value,
                         unsigned long long *whole)
{
    char *end = NULL;
    errno = 0;
    if (o->type == WH__OPT_DOUBLE) {
        *value = strtod(text, &end);
        return end != text && *end == '\0' && errno == 0 && isfinite(*value);
    }
    /* A whole number starts with a digit: strtoull would take " -1" (and strtod "+1", " 2")
     * and wrap it to 2^64 - 1. */
    if (!(text[0] >= '0' && text[0] <= '9'))
        return false;
    unsigned long long u = strtoull(text, &end, 10);
    if (end != text && *end == '\0' && errno == 0) {
        *value = (double)u;
        *whole = u;
        return true;
    }
    /* As --help prints them ("1e+06"): a decimal or exponent form of a whole number. */
    errno = 0;
    *value = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !isfinite(*value) ||
        *value != floor(*value) || *value >= 18446744073709551616.0)
        return false;
    *whole = (unsigned long long)*value;
    return true;
}

static int store(const char *command, const wh__option *o, const char *text)
{
    if (o->type == WH__OPT_STRING) {
        *o->field.string = text;
        return WH__PARSE_OK;
    }
    char range[96];
    describe_range(range, sizeof range, o);
    double v;
    unsigned long long whole = 0;
    if (!parse_number(o, text, &v, &whole) || !in_range(o, v)) {
        fprintf(stderr, "whiten %s: option --%s: expected %s in %s, got '%s'\n", command, o->name,
                o->type == WH__OPT_DOUBLE ? "a number" : "a whole number", range, text);
        return WH__PARSE_USAGE;
    }
    if (o->type == WH__OPT_DOUBLE)
        *o->field.number = v;
    else if (o->type == WH__OPT_SIZE)
        *o->field.size = (size_t)whole;
    else
        *o->field.u64 = (uint64_t)whole;
    return WH__PARSE_OK;
}

int wh__options_parse(const wh__command_help *help, const wh__option *table, size_t count,
                      int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            wh__options_print_help(stdout, help, table, count);
            return WH__PARSE_HELP;
        }
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "whiten %s: unexpected argument '%s'; see 'whiten %s --help'\n",
                    help->command, arg, help->command);
            return WH__PARSE_USAGE;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        const size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
        const wh__option *o = find(table, count, name, len);
        if (o == NULL) {
            fprintf(stderr, "whiten %s: unknown option '--%.*s'; see 'whiten %s --help'\n",
                    help->command, (int)len, name, help->command);
            return WH__PARSE_USAGE;
        }
        if (o->type == WH__OPT_FLAG) {
            if (eq != NULL) {
                fprintf(stderr, "whiten %s: option --%s takes no value\n", help->command, o->name);
                return WH__PARSE_USAGE;
            }
            *o->field.flag = true;
            continue;
        }
        const char *value = eq != NULL ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (value == NULL) {
            fprintf(stderr, "whiten %s: option --%s needs a value\n", help->command, o->name);
            return WH__PARSE_USAGE;
        }
        int rc = store(help->command, o, value);
        if (rc != WH__PARSE_OK)
            return rc;
    }
    return WH__PARSE_OK;
}

bool wh__options_given(int argc, char **argv, const char *name)
{
    const size_t len = strlen(name);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) == 0 && strncmp(a + 2, name, len) == 0 &&
            (a[2 + len] == '\0' || a[2 + len] == '='))
            return true;
    }
    return false;
}

/*
 * A default outside the option's range is a "not given" (stream's --n 0: take n
 * from --state): printing it would offer a value the option refuses.
 */
static void print_default(FILE *out, const wh__option *o)
{
    if (o->type == WH__OPT_DOUBLE && !in_range(o, *o->field.number))
        return;
    if (o->type == WH__OPT_SIZE && !in_range(o, (double)*o->field.size))
        return;
    if (o->type == WH__OPT_U64 && !in_range(o, (double)*o->field.u64))
        return;
    switch (o->type) {
    case WH__OPT_FLAG:
        break;
    case WH__OPT_DOUBLE:
        fprintf(out, " (default %g)", *o->field.number);
        break;
    case WH__OPT_SIZE:
        fprintf(out, " (default %zu)", *o->field.size);
        break;
    case WH__OPT_U64:
        fprintf(out, " (default %llu)", (unsigned long long)*o->field.u64);
        break;
    case WH__OPT_STRING:
        if (*o->field.string != NULL)
            fprintf(out, " (default %s)", *o->field.string);
        break;
    }
}

void wh__options_print_help(FILE *out, const wh__command_help *help, const wh__option *table,
                            size_t count)
{
    fprintf(out, "usage: whiten %s [options]\n\n%s\n", help->command, help->synopsis);
    if (help->details != NULL)
        fprintf(out, "\n%s\n", help->details);
    fprintf(out, "\noptions:\n");
    for (size_t i = 0; i < count; i++) {
        const wh__option *o = &table[i];
        char range[96];
        describe_range(range, sizeof range, o);
        fprintf(out, "  --%s%s\n      %s", o->name, o->type == WH__OPT_FLAG ? "" : " VALUE",
                o->help);
        if (range[0] != '\0')
            fprintf(out, "; accepts %s", range);
        print_default(out, o);
        fputc('\n', out);
    }
    fprintf(out, "  -h, --help\n      print this help and exit\n\nexample:\n  %s\n", help->example);
}
