/*
 * cmd_apply.c: `whiten apply`, whitening a data file with a saved network,
 * or (--inverse) mapping whitened outputs back to the inputs.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/data.h"
#include "cli/learn.h"
#include "cli/options.h"
#include "cli/rows.h"
#include "cli/stages.h"
#include "net/view.h"

typedef struct apply_options {
    const char *state, *data, *out, *save_state;
    bool learn, quiet, header, no_header, nonfinite;
    wh__csv_header header_mode;
    bool inverse;
    double eta, ridge, center_window;
    wh__cli_continued given; /* what replaces the state's with --learn */
    const char *schedule; /* --schedule; NULL: the state's */
    double tau, gamma;
} apply_options;

static const wh__command_help apply_help = {
    "apply",
    "Whiten a data file with a saved network: each row x becomes y = M^-1 (x - mean).",
    "The mean is the one the state saved (fit centres by default); a state without one\n"
    "whitens x itself. The network is frozen unless --learn is given, in which case it\n"
    "keeps adapting sample by sample (the mean too, if --center-window is given), with\n"
    "the state's eta, ridge and schedule unless --eta, --ridge or --schedule say\n"
    "otherwise, so that fit then apply --learn equals a longer fit; --save-state writes\n"
    "where it got to. --inverse maps outputs y back to\n"
    "inputs x = M y + mean (exact to rounding for outputs of a frozen apply). The output\n"
    "has one row per input row, in the format --out names (.npy float64, .csv, .f32,\n"
    ".f64). Raw input files take their dimension from the state.",
    "whiten apply --state S.npz --data X.npy --out Y.npy",
};

/*
 * The first output that is NaN or infinite, or beyond float32's range in a .f32 file,
 * stops the command (nothing written) unless --allow-nonfinite: a file of NaN downstream
 * is worse than an error here. The inputs and the state are finite (their readers refuse
 * NaN and infinities), so a non-finite output means that y = M^-1 (x - mean) overflowed:
 * to infinity, or to NaN where two overflowed terms met (inf - inf).
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
                    "whiten apply: %s: row %zu, column %zu: the output is %s; nothing "
                    "written (--allow-nonfinite writes it)\n",
                    o->data, r + 1, c + 1,
                    f32          ? "beyond the range of float32 (about 3.4e38)"
                    : isnan(v)   ? "NaN (the whitening overflowed double precision)"
                                 : "infinite (the whitening overflowed double precision)");
            return WH__EXIT_FAILURE;
        }
    return WH__EXIT_OK;
}

/* x = M y + mean for every row of Y (the data file) into X. */
static int invert_rows(wh_net *net, const wh__cli_stages *st, const wh__matrix *Y, wh__matrix *X)
{
    for (size_t r = 0; r < Y->rows; r++) {
        wh_status e = wh_inverse(net, st->center, Y->data + r * Y->cols, X->data + r * Y->cols);
        if (e != WH_OK) {
            fprintf(stderr, "whiten apply: row %zu: %s (%s)\n", r + 1, wh_status_message(e),
                    wh_status_name(e));
            return WH__EXIT_FAILURE;
        }
    }
    return WH__EXIT_OK;
}

/* --eta, --ridge and --center-window given with --learn replace the state's; without
 * --center-window the saved mean stays as it is. */
static int override(const apply_options *o, wh_net *net, wh__cli_stages *st)
{
    wh_status e = WH_OK;
    if (o->given.ridge)
        st->ridge = o->ridge;
    st->mean_frozen = !o->given.window;
    if (o->given.window && st->center != NULL)
        e = wh_center_set_window(st->center, o->center_window);
    if (e == WH_OK && o->given.eta)
        e = wh_net_set_eta(net, o->eta);
    if (e != WH_OK)
        return wh__cli_fail("apply", "the state's settings", e);
    /* The direct network's automatic tau takes the scale of M, which has the data's. */
    const double *M = wh__net_lateral(net);
    double trace = 0.0;
    for (size_t i = 0; i < wh_net_n(net); i++)
        trace += M[i * wh_net_n(net) + i];
    return wh__cli_continue_schedule("apply", net, o->given.schedule, o->schedule, o->tau, o->gamma,
                                     trace / (double)wh_net_n(net));
}

static int run_apply(const apply_options *o)
{
    wh__state s = {0};
    wh__cli_stages stages = {0};
    wh_net *net = NULL;
    wh__matrix X = {0}, Y = {0};
    wh__format fmt;
    int rc = wh__cli_format("apply", "out", o->out, &fmt);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_read_state("apply", o->state, &s, &net, &stages);
    if (rc == WH__EXIT_OK)
        rc = override(o, net, &stages);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_read_data_as("apply", o->data, s.n, o->header_mode, &X);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_dim("apply", o->data, &X, s.n, o->state);
    if (rc == WH__EXIT_OK && !wh__matrix_alloc(&Y, X.rows, X.cols))
        rc = wh__cli_fail("apply", "outputs", WH_ENOMEM);
    if (rc == WH__EXIT_OK && o->inverse)
        rc = invert_rows(net, &stages, &X, &Y);
    else if (rc == WH__EXIT_OK)
        rc = wh__cli_run_rows("apply", net, &stages, &X, 1, o->learn, &Y, o->quiet,
                              "try a smaller --eta");
    if (rc == WH__EXIT_OK)
        rc = check_outputs(o, &Y, fmt);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_write_data("apply", o->out, &Y, NULL);
    if (rc == WH__EXIT_OK && o->save_state != NULL)
        rc = wh__cli_write_state("apply", o->save_state, net, &stages, NULL);
    wh__matrix_free(&X);
    wh__matrix_free(&Y);
    wh__state_free(&s);
    wh__cli_stages_free(&stages);
    wh_net_free(net);
    return rc;
}

/* Options that only make sense together, refused before any file is read. */
static int check(const apply_options *o)
{
    if (o->state == NULL || o->data == NULL || o->out == NULL) {
        fprintf(stderr,
                "whiten apply: give --state, --data and --out; see 'whiten apply --help'\n");
        return WH__EXIT_USAGE;
    }
    if ((o->save_state != NULL || o->given.eta || o->given.ridge || o->given.window ||
         o->given.schedule) &&
        !o->learn) {
        fprintf(stderr, "whiten apply: options --save-state, --eta, --ridge, --center-window "
                        "and --schedule need --learn (a frozen network does not change)\n");
        return WH__EXIT_USAGE;
    }
    if (o->inverse && o->learn) {
        fprintf(stderr, "whiten apply: --inverse maps outputs back with the saved network; it "
                        "cannot --learn\n");
        return WH__EXIT_USAGE;
    }
    return WH__EXIT_OK;
}

int wh__cmd_apply(int argc, char **argv)
{
    /* --eta, --ridge and --center-window keep the state's unless given: NaN, no default. */
    apply_options o = {.header_mode = WH__CSV_HEADER_AUTO,
                       .eta = NAN,
                       .ridge = NAN,
                       .center_window = NAN,
                       .gamma = WH__CLI_DEFAULT_GAMMA};
    const wh__option table[] = {
        wh__opt_string("state", &o.state, "state file from fit (required)"),
        wh__opt_string("data", &o.data,
                       "data file to whiten (with --inverse: outputs to map back; required)"),
        wh__opt_string("out", &o.out, "output file (required)"),
        wh__opt_flag("learn", &o.learn, "keep learning (the network and the mean) while whitening"),
        wh__opt_double("eta", &o.eta, 0, 1, WH__OPEN_MIN | WH__OPEN_MAX,
                       "with --learn: learning rate from now on (default: the state's)"),
        wh__opt_double("ridge", &o.ridge, 0, 1e12, 0,
                       "with --learn: noise variance added to each sample (default: the state's)"),
        wh__opt_double(
            "center-window", &o.center_window, 0, WH_CENTER_MAX_WINDOW, 0,
            "with --learn: let the saved mean learn too, over about this many samples (0: the "
            "mean of all samples, the saved count included); default: the mean stays"),
        wh__opt_string(
            "schedule", &o.schedule,
            "with --learn: constant or decay from now on (default: the state's schedule goes on; "
            "see 'whiten fit --help')"),
        wh__cli_row_tau(&o.tau),
        wh__cli_row_gamma(&o.gamma),
        wh__opt_string("save-state", &o.save_state, "with --learn: write the adapted network here"),
        wh__opt_flag("inverse", &o.inverse, "map whitened outputs y back to inputs x = M y + mean"),
        wh__opt_flag("quiet", &o.quiet, "no progress bar"),
        wh__cli_row_header(&o.header),
        wh__cli_row_no_header(&o.no_header),
        wh__opt_flag("allow-nonfinite", &o.nonfinite,
                     "write outputs that are NaN or infinite (or overflow a .f32 file) instead of "
                     "stopping at the first with its row and column"),
    };
    int rc = wh__options_parse(&apply_help, table, sizeof table / sizeof *table, argc, argv);
    if (rc == WH__PARSE_HELP)
        return WH__EXIT_OK;
    if (rc != WH__PARSE_OK)
        return WH__EXIT_USAGE;
    if (wh__cli_continued_given("apply", argc, argv, o.center_window, &o.given) != WH__EXIT_OK)
        return WH__EXIT_USAGE;
    rc = check(&o);
    const wh__cli_file files[] = {
        {"state", o.state, false, NULL},
        {"data", o.data, false, NULL},
        {"out", o.out, true, NULL},
        {"save-state", o.save_state, true, NULL},
    };
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_files("apply", files, sizeof files / sizeof *files);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_header_mode("apply", o.header, o.no_header, &o.header_mode);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_npz("apply", "save-state", o.save_state);
    return rc == WH__EXIT_OK ? run_apply(&o) : rc;
}
