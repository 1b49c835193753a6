/*
 * main.c: the whiten executable: parse, dispatch, map the outcome to an exit code.
 */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/memlimit.h"
#include "core/alloc.h"
#include "core/linalg.h"
#include "whiten.h"

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("whiten %s\n", wh_version());
    return WH__EXIT_OK;
}

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"flow", wh__cmd_flow, "integrate the continuous synaptic dynamics; time convergence"},
    {"simulate", wh__cmd_simulate, "one network learning online on synthetic data or a file"},
    {"fit", wh__cmd_fit, "learn from a data file and save the network as a state file"},
    {"apply", wh__cmd_apply, "whiten a data file with a saved network"},
    {"stream", wh__cmd_stream, "whiten samples from standard input as they arrive"},
    {"reproduce", wh__cmd_reproduce, "reproduce the paper's experiments: figures, CSVs, REPORT.md"},
    {"sweep", wh__cmd_sweep, "a parameter sweep from a JSON grid; sharded over a Slurm array"},
    {"bench", wh__cmd_bench, "time every learning path against this machine's limits"},
    {"version", cmd_version, "print the version and exit"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: whiten COMMAND [options]\n\n"
            "Adaptive statistical whitening by recurrent neural networks: the direct and\n"
            "interneuron circuits of Lipshutz, Pehlevan & Chklovskii (ICLR 2023), which learn\n"
            "lateral weights M -> C^{1/2} online so that outputs y = M^{-1} x have identity\n"
            "covariance.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'whiten COMMAND --help' describes each command's options.\n"
                 "Exit status: 0 success, 1 runtime failure, 2 usage error.\n");
}

/*
 * Process-wide settings, made once here and nowhere in the library: GSL must
 * report errors as return values instead of aborting, and BLAS runs on one
 * thread, because whiten's work is many small products and sweeps parallelise
 * across runs, not inside them.
 */
static void configure_process(void)
{
    gsl_set_error_handler_off();
    wh__linalg_single_thread();
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return WH__EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return WH__EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(0, NULL);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "whiten: unknown command '%s'; see 'whiten --help'\n", argv[1]);
    return WH__EXIT_USAGE;
}

#ifdef WH_ALLOC_HOOK
/*
 * Test builds only (tests/alloc_cli.sh): WH_ALLOC_FAIL_AT=N makes the N-th
 * allocation of the run fail, and at the end the run says whether that failure
 * fired and how many blocks were still live (a leak, if any).
 */
static int run_with_failure(int argc, char **argv)
{
    const char *at = getenv("WH_ALLOC_FAIL_AT");
    if (at != NULL)
        wh__alloc_fail_at((size_t)strtoull(at, NULL, 10));
    const int rc = dispatch(argc, argv);
    fprintf(stderr, "alloc-hook: %s, %ld blocks live\n",
            wh__alloc_armed() ? "not reached" : "fired", wh__alloc_live());
    return rc;
}
#endif

int main(int argc, char **argv)
{
    wh__cli_memlimit_prepare(argv);
    configure_process();
#ifdef WH_ALLOC_HOOK
    return run_with_failure(argc, argv);
#else
    return dispatch(argc, argv);
#endif
}
