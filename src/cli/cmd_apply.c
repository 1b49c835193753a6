/*
 * cmd_apply.c: `whiten apply`, whitening a data file with a saved network.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/data.h"
#include "cli/learn.h"
#include "cli/options.h"

typedef struct apply_options {
    const char *state, *data, *out, *save_state;
    bool learn, quiet, header, no_header, nonfinite;
    wh__csv_header header_mode;
} apply_options;

static const wh__command_help apply_help = {
    "apply",
    "Whiten a data file with a saved network: each row x becomes y = M^-1 x.",
    "The network is frozen unless --learn is given, in which case it keeps adapting\n"
    "sample by sample (and --save-state writes where it got to). The output has one\n"
    "row per input row, in the format --out names (.npy float64, .csv, .f32, .f64).\n"
    "Raw input files take their dimension from the state.",
    "whiten apply --state S.npz --data X.npy --out Y.npy",
};

/*
 * The first output that is NaN or infinite, or beyond float32's range in a .f32 file,
 * stops the command (nothing written) unless --allow-nonfinite: a file of NaN downstream
 * is worse than an error here.
 */
static int check_outputs(const apply_options *o, const wh__matrix *Y, wh__format fmt)
{
    if (o->nonfinite)
        return WH__EXIT_OK;
    for (size_t r = 0; r < Y->rows; r++)
        for (size_t c = 0; c < Y->cols; c++) {
            const double v = Y->data[r * Y->cols + c];
            const bool f32 = fmt == WH__FORMAT_F32 && isfinite(v) && fabs(v) > (double)FLT_MAX;
            if (isfinite(v) && !f32)
                continue;
            fprintf(stderr,
                    "whiten apply: %s: row %zu, column %zu: the output is %s%s; nothing "
                    "written (--allow-nonfinite writes it)\n",
                    o->data, r + 1, c + 1, isnan(v) ? "NaN" : f32 ? "" : "infinite",
                    f32 ? "beyond the range of float32 (about 3.4e38)" : "");
            return WH__EXIT_FAILURE;
        }
    return WH__EXIT_OK;
}

static int run_apply(const apply_options *o)
{
    wh__state s = {0};
    wh_net *net = NULL;
    wh__matrix X = {0}, Y = {0};
    wh__format fmt;
    int rc = wh__cli_format("apply", "out", o->out, &fmt);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_read_state("apply", o->state, &s, &net);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_read_data_as("apply", o->data, s.n, o->header_mode, &X);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_dim("apply", o->data, &X, s.n, o->state);
    if (rc == WH__EXIT_OK && !wh__matrix_alloc(&Y, X.rows, X.cols))
        rc = wh__cli_fail("apply", "outputs", WH_ENOMEM);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_run_rows("apply", net, &X, 1, o->learn, &Y, o->quiet);
    if (rc == WH__EXIT_OK)
        rc = check_outputs(o, &Y, fmt);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_write_data("apply", o->out, &Y, NULL);
    if (rc == WH__EXIT_OK && o->save_state != NULL)
        rc = wh__cli_write_state("apply", o->save_state, net, NULL);
    wh__matrix_free(&X);
    wh__matrix_free(&Y);
    wh__state_free(&s);
    wh_net_free(net);
    return rc;
}

int wh__cmd_apply(int argc, char **argv)
{
    apply_options o = {NULL, NULL, NULL, NULL, false, false, false, false, false, WH__CSV_HEADER_AUTO};
    const wh__option table[] = {
        {"state", WH__OPT_STRING, &o.state, 0, 0, 0, "state file from fit (required)"},
        {"data", WH__OPT_STRING, &o.data, 0, 0, 0, "data file to whiten (required)"},
        {"out", WH__OPT_STRING, &o.out, 0, 0, 0, "output file (required)"},
        {"learn", WH__OPT_FLAG, &o.learn, 0, 0, 0, "keep learning while whitening"},
        {"save-state", WH__OPT_STRING, &o.save_state, 0, 0, 0,
         "with --learn: write the adapted network here"},
        {"quiet", WH__OPT_FLAG, &o.quiet, 0, 0, 0, "no progress bar"},
        {"header", WH__OPT_FLAG, &o.header, 0, 0, 0,
         "CSV data: the first line is a header, whatever it holds (e.g. pandas' 0,1,2)"},
        {"no-header", WH__OPT_FLAG, &o.no_header, 0, 0, 0,
         "CSV data: no header line (default: the first line is a header only if every "
         "field is a name)"},
        {"allow-nonfinite", WH__OPT_FLAG, &o.nonfinite, 0, 0, 0,
         "write outputs that are NaN or infinite (or overflow a .f32 file) instead of "
         "stopping at the first with its row and column"},
    };
    int rc = wh__options_parse(&apply_help, table, sizeof table / sizeof *table, argc, argv);
    if (rc == WH__PARSE_HELP)
        return WH__EXIT_OK;
    if (rc != WH__PARSE_OK)
        return WH__EXIT_USAGE;
    if (o.state == NULL || o.data == NULL || o.out == NULL) {
        fprintf(stderr,
                "whiten apply: give --state, --data and --out; see 'whiten apply --help'\n");
        return WH__EXIT_USAGE;
    }
    if (o.save_state != NULL && !o.learn) {
        fprintf(stderr, "whiten apply: option --save-state needs --learn (a frozen network does "
                        "not change)\n");
        return WH__EXIT_USAGE;
    }
    const wh__cli_file files[] = {
        {"state", o.state, false, NULL},
        {"data", o.data, false, NULL},
        {"out", o.out, true, NULL},
        {"save-state", o.save_state, true, NULL},
    };
    rc = wh__cli_check_files("apply", files, sizeof files / sizeof *files);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_header_mode("apply", o.header, o.no_header, &o.header_mode);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_npz("apply", "save-state", o.save_state);
    return rc == WH__EXIT_OK ? run_apply(&o) : rc;
}
