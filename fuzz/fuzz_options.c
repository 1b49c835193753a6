/*
 * fuzz_options.c: libFuzzer harness for the table-driven option parser. The
 * input is split at NUL bytes into argv[1..], at most 32 arguments, and parsed
 * against a table holding one option of every type with the kinds of ranges
 * the commands use. The parser prints usage errors and --help; run with
 * -close_fd_mask=3 (scripts/fuzz.sh does) so that output does not flood.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 32

static int parse(int argc, char **argv)
{
    double eta = 0.01, alpha = 1.0;
    size_t n = 2;
    uint64_t seed = 7;
    const char *data = NULL;
    bool quiet = false;
    const wh__option table[] = {
        wh__opt_double("eta", &eta, 0.0, 1.0, WH__OPEN_MIN, "step size"),
        wh__opt_double("alpha", &alpha, 0.0, 1e300, WH__OPEN_MIN | WH__OPEN_MAX, "gain"),
        wh__opt_size("n", &n, 1, 4096, "channels"),
        wh__opt_u64("seed", &seed, 0, 18446744073709551615.0, "seed"),
        wh__opt_string("data", &data, "input file"),
        wh__opt_flag("quiet", &quiet, "no progress"),
    };
    const wh__command_help help = {"fuzz", "the option parser under libFuzzer", NULL,
                                   "whiten fuzz --eta 0.1"};
    return wh__options_parse(&help, table, sizeof table / sizeof table[0], argc, argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private NUL-terminated copy, so every argument ends inside the buffer. */
    char *copy = malloc(size + 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *argv[MAX_ARGS + 2] = {"whiten-fuzz"};
    int argc = 1;
    for (size_t i = 0; i <= size && argc <= MAX_ARGS; argc++) {
        argv[argc] = copy + i;
        i += strlen(copy + i) + 1;
    }
    argv[argc] = NULL;
    int rc = parse(argc, argv);
    if (rc != WH__PARSE_OK && rc != WH__PARSE_HELP && rc != WH__PARSE_USAGE)
        abort();
    free(copy);
    return 0;
}
