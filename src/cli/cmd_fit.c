/*
 * cmd_fit.c: `whiten fit`, learning from a data file into a state file.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/condition.h"
#include "cli/data.h"
#include "cli/learn.h"
#include "cli/options.h"
#include "cli/rows.h"
#include "cli/stages.h"

typedef struct fit_options {
    wh__cli_net net;
    const char *data, *state, *resume, *init_scale;
    size_t passes;
    bool quiet, no_center;
    wh__checkpoint checkpoint;
    double ridge;
    bool header, no_header;
    wh__csv_header header_mode;
    const char *schedule; /* --schedule; NULL: decay */
    double tau, gamma;
    double average; /* --average: fraction of the fit over which M is averaged; 0: none */
} fit_options;

static const wh__command_help fit_help = {
    "fit",
    "Learn whitening synapses from a data file (one sample per row) and save the learned\n"
    "network, with the data's mean, as a state file.",
    "The data may be .npy (float32 or float64, any byte order, C or Fortran order),\n"
    ".csv/.txt (comma- or whitespace-separated, optional header, '#' comments) or raw\n"
    "little-endian .f32/.f64 (give --n). The exact mean of the file is subtracted\n"
    "first (--no-center: not) and saved in the state, which apply subtracts too. The\n"
    "centred rows are fed in order, --passes times, to online Algorithm 1 (direct) or\n"
    "2 (interneuron) from M0 = init-scale * I (auto: the root mean square of the first\n"
    "1000 centred rows, printed). The state file (.npz, see docs/state-format.md) opens\n"
    "in numpy: np.load(S)['M'], np.load(S)['mean'].\n"
    "Prints the whitening error ||M^-1 C M^-1 - I||_2 against the data's covariance C\n"
    "(with --no-center: X^T X / T).",
    "whiten fit --net interneuron --data X.npy --state S.npz --passes 3 --eta 1e-3",
};

/*
 * --schedule when not given: decay for the paper's two circuits, whose modes relax at rates
 * that the automatic tau follows; constant for the gain circuits, whose gains relax at rates
 * set by the frame's conditioning (science.md §7), which no tau taken from eta follows.
 */
static const char *default_schedule(const char *net)
{
    return strcmp(net, "gain") == 0 || strcmp(net, "gain-synapse") == 0 ? "constant" : "decay";
}

/*
 * What this fit computes, for its checkpoints: the data as read (before centring) and every
 * option that changes the result, so that a resume with another is refused naming it.
 */
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
    if (strcmp(o->init_scale, "auto") == 0)
        wh__cli_problem_add(buf, size, "init-scale", "auto");
    else
        wh__cli_problem_add(buf, size, "init-scale", "%.17g", strtod(o->init_scale, NULL));
    wh__cli_problem_add(buf, size, "seed", "%llu", (unsigned long long)o->net.seed);
    wh__cli_problem_add(buf, size, "solver", "%s", o->net.solver != NULL ? o->net.solver : "auto");
    wh__cli_problem_add(buf, size, "refresh", "%zu", o->net.refresh);
    wh__cli_problem_add(buf, size, "ridge", "%.17g", o->ridge);
    wh__cli_problem_add(buf, size, "no-center", "%s", o->no_center ? "given" : "not given");
    wh__cli_problem_add(buf, size, "schedule", "%s",
                        o->schedule != NULL ? o->schedule : default_schedule(o->net.net));
    wh__cli_problem_add(buf, size, "tau", "%.17g", o->tau);
    wh__cli_problem_add(buf, size, "gamma", "%.17g", o->gamma);
    wh__cli_problem_add_gain(buf, size, &o->net);
}

/* The network and the samples done of a fit's checkpoint, which must be this fit's. */
static int resume(const fit_options *o, const wh__matrix *X, wh_net **net, uint64_t *start,
                  const char *problem)
{
    wh__state st;
    int rc = wh__cli_read_state("fit", o->resume, &st, net, NULL);
    if (rc != WH__EXIT_OK)
        return rc;
    if (st.has_run && strcmp(st.run_command, "fit") == 0 &&
        (rc = wh__cli_check_problem("fit", o->resume, st.run_problem, problem)) != WH__EXIT_OK) {
        wh__state_free(&st);
        return rc;
    }
    if (!st.has_run || strcmp(st.run_command, "fit") != 0) {
        fprintf(stderr,
                "whiten fit: %s: %s%s%s, not a checkpoint of fit: fit --resume finishes the fit "
                "whose --checkpoint file it is (apply --learn --state learns on from a "
                "finished state)\n",
                o->resume, st.has_run ? "a checkpoint of 'whiten " : "a finished run's state",
                st.has_run ? st.run_command : "", st.has_run ? "'" : "");
        rc = WH__EXIT_USAGE;
    } else if (st.run_total != (uint64_t)X->rows * o->passes || st.n != X->cols ||
        st.has_center != !o->no_center || st.ridge != o->ridge) {
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

/* Samples --passes 0 asks for: enough for the default rate and schedule to converge. */
#define AUTO_SAMPLES 100000

/*
 * The data, fingerprinted as read (problem), then centred unless --no-center and diagnosed;
 * the network's initial scale.
 */
static int prepare(fit_options *o, wh__matrix *X, wh__cli_stages *stages, char *problem,
                   size_t problem_size, double spectrum[2], double *alpha)
{
    int rc = wh__cli_read_data_as("fit", o->data, o->net.n, o->header_mode, X);
    if (rc == WH__EXIT_OK && o->net.n != 0)
        rc = wh__cli_check_dim("fit", o->data, X, o->net.n, "--n");
    if (rc == WH__EXIT_OK && o->passes == 0)
        o->passes = (AUTO_SAMPLES + X->rows - 1) / X->rows;
    if (rc == WH__EXIT_OK)
        fingerprint(o, X, problem, problem_size);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_center_file("fit", X, o->no_center, stages);
    if (rc == WH__EXIT_OK) {
        wh__cli_names names;
        wh__cli_names_read(o->data, o->header_mode, X->cols, &names);
        rc = wh__cli_diagnose_data("fit", o->data, X, &names,
                                   stages->center != NULL ? wh_center_mean(stages->center) : NULL,
                                   o->ridge, o->net.eta, o->quiet, spectrum);
        wh__cli_names_free(&names);
    }
    if (rc == WH__EXIT_OK)
        rc = wh__cli_init_scale("fit", o->init_scale, X, alpha);
    return rc;
}

/* A new network with the schedule of the options. */
static int make_net(const fit_options *o, const wh__cli_net *spec, wh_net **net)
{
    wh_schedule schedule;
    wh_net_kind kind = WH_NET_INTERNEURON;
    int rc = wh__cli_net_kind("fit", "net", spec->net, &kind);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_schedule("fit", o->schedule, default_schedule(spec->net), o->tau, o->gamma,
                              kind, spec->eta, spec->init_scale, 0, &schedule);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_make_net("fit", spec, net);
    if (rc == WH__EXIT_OK && wh_net_set_schedule(*net, &schedule) != WH_OK)
        rc = wh__cli_fail("fit", "--schedule", WH_EINVAL);
    return rc;
}

/* A fit that ended far from white says so, with what would help. */
static void warn_unconverged(wh_net *net, const wh__matrix *X, double ridge, const char *path,
                             double alpha, double hi)
{
    char advice[400];
    const double error = wh__cli_data_error(net, X, ridge);
    if (wh__cli_unconverged_advice(advice, sizeof advice, wh_net_get_kind(net), wh_net_eta(net),
                                   alpha, error, hi))
        fprintf(stderr, "whiten fit: %s: warning: the whitening error is still %.3g; %s\n", path,
                error, advice);
}

static int run_fit(const fit_options *given)
{
    fit_options resolved = *given;
    fit_options *o = &resolved;
    wh__matrix X = {0};
    wh_net *net = NULL;
    wh__cli_net spec = o->net;
    wh__cli_stages stages = {NULL, false, o->ridge, o->net.seed, NULL, 0};
    uint64_t start = 0;
    double spectrum[2];
    char problem[sizeof ((wh__state *)NULL)->run_problem] = "";
    int rc = prepare(o, &X, &stages, problem, sizeof problem, spectrum, &spec.init_scale);
    spec.n = X.cols;
    wh_net_kind kind = WH_NET_INTERNEURON;
    if (rc == WH__EXIT_OK)
        rc = wh__cli_net_kind("fit", "net", spec.net, &kind);
    if (rc == WH__EXIT_OK)
        rc = o->resume != NULL ? resume(o, &X, &net, &start, problem)
                               : make_net(o, &spec, &net);
    char advice[512];
    wh__cli_divergence_advice(advice, sizeof advice, kind, spec.eta, spec.init_scale,
                              spectrum[0], spectrum[1]);
    const wh__cli_fit_run run = {o->passes, start,   &stages, o->checkpoint,
                                 o->quiet,  problem, advice,  o->average};
    if (rc == WH__EXIT_OK)
        rc = wh__cli_fit_rows("fit", net, &X, &run);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_write_state("fit", o->state, net, &stages, NULL);
    if (rc == WH__EXIT_OK && !o->quiet) {
        char text[128];
        const wh_schedule schedule = wh_net_get_schedule(net);
        char averaged[96] = "";
        if (o->average > 0.0)
            snprintf(averaged, sizeof averaged, ", M averaged over the last %.4g of the samples",
                     o->average);
        printf("whiten fit: %zu samples x %zu passes, n = %zu, %s, init scale %.4g%s, %s%s; "
               "whitening error on the data %.4g; wrote %s\n",
               X.rows, o->passes, X.cols, stages.center != NULL ? "centred" : "not centred",
               spec.init_scale, strcmp(o->init_scale, "auto") == 0 ? " (auto)" : "",
               wh__cli_schedule_text(text, sizeof text, &schedule), averaged,
               wh__cli_data_error(net, &X, o->ridge), o->state);
    }
    if (rc == WH__EXIT_OK && !o->quiet)
        warn_unconverged(net, &X, o->ridge, o->data, spec.init_scale, spectrum[1]);
    wh_net_free(net);
    wh__cli_stages_free(&stages);
    wh__matrix_free(&X);
    return rc;
}

int wh__cmd_fit(int argc, char **argv)
{
    fit_options o = {.net = wh__cli_net_default(),
                     .init_scale = "auto",
                     .checkpoint = wh__checkpoint_none(),
                     .header_mode = WH__CSV_HEADER_AUTO,
                     .gamma = WH__CLI_DEFAULT_GAMMA};
    const wh__option table[] = {
        WH__CLI_NET_ROWS(o.net),
        wh__opt_string("data", &o.data, "data file, one sample per row (required)"),
        wh__opt_string("state", &o.state, "state file to write (.npz; required)"),
        wh__opt_size("passes", &o.passes, 0, 1e6,
                     "passes over the data (0: enough for 100000 samples, at least one)"),
        wh__opt_string(
            "init-scale", &o.init_scale,
            "initial M0 = init-scale * I: a number, or auto (the root mean square of the first "
            "1000 centred rows' channels, so that M0 has the data's scale)"),
        wh__opt_string(
            "schedule", &o.schedule,
            "learning rate: decay (the default for direct and interneuron), eta / (1 + "
            "t/tau)^gamma, so that the estimate settles on a stationary file instead of "
            "hovering at a noise floor of order eta; constant (the default for the gain "
            "circuits, whose speed depends on the frame), for data whose statistics drift and "
            "must be tracked to the end"),
        wh__cli_row_tau(&o.tau),
        wh__cli_row_gamma(&o.gamma),
        wh__opt_double(
            "average", &o.average, 0, 1, 0,
            "Polyak-Ruppert: the state holds the average of M over this last fraction of the "
            "fit's samples (e.g. 0.5), which hovers far less than M itself at a constant eta; "
            "0: none. Not with --checkpoint/--resume, nor gain-synapse"),
        wh__opt_flag(
            "no-center", &o.no_center,
            "do not subtract the data's mean (for data centred already, or to whiten X^T X / T)"),
        wh__opt_size("n", &o.net.n, 0, 1e6, "dimension of raw .f32/.f64 data (0: from file)"),
        wh__cli_row_quiet(&o.quiet),
        wh__cli_row_header(&o.header),
        wh__cli_row_no_header(&o.no_header),
        WH__CLI_CHECKPOINT_ROWS(o.checkpoint),
        wh__opt_double(
            "ridge", &o.ridge, 0, 1e12, 0,
            "whiten C + ridge I: add independent N(0, ridge) noise to each sample (for "
            "singular or ill-conditioned data; saved in the state, which apply --learn and "
            "stream then keep)"),
        wh__opt_string("resume", &o.resume,
                       "finish the fit whose checkpoint this is (same data and options)"),
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
    if (rc == WH__EXIT_OK && o.average > 0.0 && (o.checkpoint.path != NULL || o.resume != NULL)) {
        fprintf(stderr, "whiten fit: option --average: not with --%s (a checkpoint does not keep "
                        "the running average)\n", o.resume != NULL ? "resume" : "checkpoint");
        rc = WH__EXIT_USAGE;
    }
    if (rc == WH__EXIT_OK)
        rc = wh__cli_refuse_k_direct("fit", o.net.net, o.net.k);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_refuse_inapplicable("fit", argc, argv, o.schedule, &o.net,
                                         o.checkpoint.path != NULL || o.resume != NULL);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_npz("fit", "state", o.state);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_npz("fit", "checkpoint", o.checkpoint.path);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_checkpoint_target("fit", o.checkpoint.path, o.resume, false);
    return rc == WH__EXIT_OK ? run_fit(&o) : rc;
}
