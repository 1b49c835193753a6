/*
 * cmd_fit.c: `whiten fit`, learning from a data file into a state file.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/condition.h"
#include "cli/data.h"
#include "cli/learn.h"
#include "cli/options.h"

typedef struct fit_options {
    wh__cli_net net;
    const char *data, *state, *resume;
    size_t passes;
    bool quiet;
    wh__checkpoint checkpoint;
    double ridge;
    bool header, no_header;
    wh__csv_header header_mode;
} fit_options;

static const wh__command_help fit_help = {
    "fit",
    "Learn whitening synapses from a data file (one centred sample per row) and save the\n"
    "learned network as a state file.",
    "The data may be .npy (float32 or float64, any byte order, C or Fortran order),\n"
    ".csv/.txt (comma- or whitespace-separated, optional header, '#' comments) or raw\n"
    "little-endian .f32/.f64 (give --n). The rows are fed in order, --passes times, to\n"
    "online Algorithm 1 (direct) or 2 (interneuron) from M0 = init-scale * I. The state\n"
    "file (.npz, see docs/state-format.md) opens in numpy: np.load(S)['M'].\n"
    "Prints the whitening error ||M^-1 C M^-1 - I||_2 against the data's C = X^T X / T.",
    "whiten fit --net interneuron --data X.npy --state S.npz --passes 3 --eta 1e-3",
};

/* The network and the samples done of a fit's checkpoint, which must be this fit's. */
/* What this fit computes, for its checkpoints: the data and every option that changes it. */
static void fingerprint(const fit_options *o, const wh__matrix *X, char *buf, size_t size)
{
    buf[0] = '\0';
    wh__cli_problem_add(buf, size, "data", "%zux%zu:%016llx", X->rows, X->cols,
                        (unsigned long long)wh__cli_hash(X->data,
                                                         X->rows * X->cols * sizeof *X->data));
    wh__cli_problem_add(buf, size, "passes", "%zu", o->passes);
    wh__cli_problem_add(buf, size, "net", "%s", o->net.net);
    wh__cli_problem_add(buf, size, "k", "%zu", o->net.k);
    wh__cli_problem_add(buf, size, "eta", "%.17g", o->net.eta);
    wh__cli_problem_add(buf, size, "init-scale", "%.17g", o->net.init_scale);
    wh__cli_problem_add(buf, size, "seed", "%llu", (unsigned long long)o->net.seed);
    wh__cli_problem_add(buf, size, "solver", "%s", o->net.solver != NULL ? o->net.solver : "auto");
    wh__cli_problem_add(buf, size, "refresh", "%zu", o->net.refresh);
    wh__cli_problem_add(buf, size, "ridge", "%.17g", o->ridge);
}

static int resume(const fit_options *o, const wh__matrix *X, wh_net **net, uint64_t *start,
                  const char *problem)
{
    wh__state st;
    int rc = wh__cli_read_state("fit", o->resume, &st, net);
    if (rc != WH__EXIT_OK)
        return rc;
    if (st.has_run && strcmp(st.run_command, "fit") == 0 &&
        (rc = wh__cli_check_problem("fit", o->resume, st.run_problem, problem)) != WH__EXIT_OK) {
        wh__state_free(&st);
        return rc;
    }
    if (!st.has_run || strcmp(st.run_command, "fit") != 0 ||
        st.run_total != (uint64_t)X->rows * o->passes || st.n != X->cols) {
        fprintf(stderr,
                "whiten fit: %s: not a checkpoint of this fit (%zu rows x %zu passes, n = %zu); "
                "resume it with the data and options of the run that wrote it\n",
                o->resume, X->rows, o->passes, X->cols);
        rc = WH__EXIT_USAGE;
    }
    *start = st.run_done;
    wh__state_free(&st);
    return rc;
}

static int run_fit(const fit_options *o)
{
    wh__matrix X = {0};
    wh_net *net = NULL;
    wh__cli_net spec = o->net;
    uint64_t start = 0;
    int rc = wh__cli_read_data_as("fit", o->data, o->net.n, o->header_mode, &X);
    if (rc == WH__EXIT_OK && o->net.n != 0)
        rc = wh__cli_check_dim("fit", o->data, &X, o->net.n, "--n");
    spec.n = X.cols;
    if (rc == WH__EXIT_OK)
        rc = wh__cli_diagnose_data("fit", o->data, &X, o->ridge, o->net.eta, o->quiet);
    char problem[sizeof ((wh__state *)NULL)->run_problem] = "";
    if (rc == WH__EXIT_OK)
        fingerprint(o, &X, problem, sizeof problem);
    if (rc == WH__EXIT_OK)
        rc = o->resume != NULL ? resume(o, &X, &net, &start, problem)
                               : wh__cli_make_net("fit", &spec, &net);
    const wh__cli_fit_run run = {o->passes, start,     o->ridge, o->net.seed,
                                 o->checkpoint, o->quiet, problem};
    if (rc == WH__EXIT_OK)
        rc = wh__cli_fit_rows("fit", net, &X, &run);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_write_state("fit", o->state, net, NULL);
    if (rc == WH__EXIT_OK && !o->quiet)
        printf("whiten fit: %zu samples x %zu passes, n = %zu; whitening error on the data "
               "%.4g; wrote %s\n",
               X.rows, o->passes, X.cols, wh__cli_data_error(net, &X, o->ridge), o->state);
    wh_net_free(net);
    wh__matrix_free(&X);
    return rc;
}

int wh__cmd_fit(int argc, char **argv)
{
    fit_options o = {
        {"interneuron", 0, 0, 1e-3, 1.0, 1, NULL, 0, 1.0, 0.0, 1e-3, NULL, NULL}, NULL, NULL, NULL, 1, false, {NULL, 0, 0.0, 0.0, UINT64_MAX},
        0.0, false, false, WH__CSV_HEADER_AUTO};
    const wh__option table[] = {
        {"net", WH__OPT_STRING, &o.net.net, 0, 0, 0, "network: direct, interneuron, gain or gain-synapse"},
        WH__CLI_GAIN_OPTIONS(o.net),
        {"data", WH__OPT_STRING, &o.data, 0, 0, 0, "data file, one sample per row (required)"},
        {"state", WH__OPT_STRING, &o.state, 0, 0, 0, "state file to write (.npz; required)"},
        {"passes", WH__OPT_SIZE, &o.passes, 1, 1e6, 0, "passes over the data"},
        {"eta", WH__OPT_DOUBLE, &o.net.eta, 0, 1, WH__OPEN_MIN | WH__OPEN_MAX, "learning rate"},
        {"k", WH__OPT_SIZE, &o.net.k, 0, 1e6, 0, "interneurons (0: k = n)"},
        {"init-scale", WH__OPT_DOUBLE, &o.net.init_scale, 0, 1e12, WH__OPEN_MIN,
         "initial M0 = init-scale * I"},
        {"seed", WH__OPT_U64, &o.net.seed, 0, 1.8e19, 0, "seed of the interneuron mixing"},
        {"solver", WH__OPT_STRING, &o.net.solver, 0, 0, 0,
         "auto, exact (a Cholesky factor per sample) or fast (O(n^2) per sample); auto is "
         "the faster as measured: fast for interneurons, and for the direct network exact "
         "below n = 36 and fast from it, which reports a loss of definiteness up to "
         "--refresh samples late (exact: at the very sample)"},
        {"refresh", WH__OPT_SIZE, &o.net.refresh, 0, 1e9, 0,
         "fast solver: samples between exact steps (0: its default, 1000 for interneurons; "
         "direct 8, n/8 up to 64 beyond n = 64)"},
        {"n", WH__OPT_SIZE, &o.net.n, 0, 1e6, 0, "dimension of raw .f32/.f64 data (0: from file)"},
        {"quiet", WH__OPT_FLAG, &o.quiet, 0, 0, 0, "no progress bar and no summary"},
        {"header", WH__OPT_FLAG, &o.header, 0, 0, 0,
         "CSV data: the first line is a header, whatever it holds (e.g. pandas' 0,1,2)"},
        {"no-header", WH__OPT_FLAG, &o.no_header, 0, 0, 0,
         "CSV data: no header line (default: the first line is a header only if every "
         "field is a name, i.e. starts with a letter, '_' or a quote)"},
        {"checkpoint", WH__OPT_STRING, &o.checkpoint.path, 0, 0, 0,
         "checkpoint file (.npz): written periodically and on SIGINT/SIGTERM; --resume it"},
        {"checkpoint-every", WH__OPT_U64, &o.checkpoint.every, 0, 1e15, 0,
         "samples between checkpoints (0: only on a signal); each is written at the first "
         "multiple of 64 samples at or after its due point"},
        {"checkpoint-seconds", WH__OPT_DOUBLE, &o.checkpoint.seconds, 0, 1e9, 0,
         "seconds between checkpoints (0: none)"},
        {"ridge", WH__OPT_DOUBLE, &o.ridge, 0, 1e12, 0,
         "whiten C + ridge I: add independent N(0, ridge) noise to each sample (for "
         "singular or ill-conditioned data)"},
        {"resume", WH__OPT_STRING, &o.resume, 0, 0, 0,
         "finish the fit whose checkpoint this is (same data and options)"},
    };
    int rc = wh__options_parse(&fit_help, table, sizeof table / sizeof *table, argc, argv);
    if (rc == WH__PARSE_HELP)
        return WH__EXIT_OK;
    if (rc != WH__PARSE_OK)
        return WH__EXIT_USAGE;
    if (o.data == NULL || o.state == NULL) {
        fprintf(stderr, "whiten fit: give --data FILE and --state FILE; see 'whiten fit --help'\n");
        return WH__EXIT_USAGE;
    }
    const wh__cli_file files[] = {
        {"data", o.data, false, NULL},
        {"resume", o.resume, false, NULL},
        {"state", o.state, true, NULL},
        {"checkpoint", o.checkpoint.path, true, "resume"},
    };
    rc = wh__cli_check_files("fit", files, sizeof files / sizeof *files);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_header_mode("fit", o.header, o.no_header, &o.header_mode);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_refuse_k_direct("fit", o.net.net, o.net.k);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_npz("fit", "state", o.state);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_npz("fit", "checkpoint", o.checkpoint.path);
    return rc == WH__EXIT_OK ? run_fit(&o) : rc;
}
