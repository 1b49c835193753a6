/*
 * cmd_flow.c: `whiten flow`, the continuous synaptic dynamics of one network.
 *
 * Integrates the gradient flow of the direct or the interneuron network from
 * M0 = alpha I (or alpha R diag(spread) R^T), finds the convergence time T_eps
 * and, for a start that commutes with C, prints the closed form beside it.
 * --out writes the trajectory (time, whitening error, eigenvalues of M) on a
 * grid, through a temporary file renamed into place; --json prints one object.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/flow_gain.h"
#include "cli/options.h"
#include "cli/rows.h"
#include "core/alloc.h"
#include "io/io.h"
#include "whiten.h"

/* Rows of --out at most: a finer grid is a usage error, not a full disk. */
#define FLOW_MAX_ROWS 10000000.0

typedef struct flow_args {
    const char *net, *eigenvalues, *spectrum, *spread, *out;
    size_t n, k, max_steps;
    double init_scale, eps, t_max, t_end, every, rtol;
    uint64_t seed;
    bool json, closed_m;
    wh__cli_net gain; /* --net gain: --K, --alpha, --frame (flow_gain.c) */
    double dt;        /* --net gain: Euler step of the gain flow */
} flow_args;

/* What the run found, for the text or JSON report. */
typedef struct flow_result {
    wh_status status;   /* of the search for T_eps */
    double t_eps;       /* NaN if not reached */
    double closed_time; /* NaN unless the start commutes with C */
    double final_time, final_error;
    uint64_t steps;
} flow_result;

static const wh__command_help flow_help = {
    "flow",
    "Integrate the continuous synaptic dynamics (the small-eta limit) of one network and\n"
    "report its convergence time: the first t with ||M^-1 C M^-1 - I||_2 <= eps.",
    "Direct:       dM/dt = M^-1 C M^-1 - I\n"
    "Interneurons: dW/dt = (M^-1 C M^-1 - I) W, M = W W^T (or, with --closed-m, the\n"
    "              closed flow dM/dt = M^-1 C + C M^-1 - 2 M)\n\n"
    "C has the eigenvalues given (diagonal, so M0 = alpha I commutes with it and the closed\n"
    "form of the convergence time is printed too). --init-spread d1,...,dn starts instead\n"
    "from alpha R diag(d) R^T with R a random rotation drawn from --seed. Integration is\n"
    "GSL's adaptive Runge-Kutta Prince-Dormand 8(9) with relative tolerance --rtol.",
    "whiten flow --net interneuron --eigenvalues 0.5,2,8 --init-scale 100 --json",
};

static int usage_error(const char *message)
{
    fprintf(stderr, "whiten flow: %s\n", message);
    return WH__EXIT_USAGE;
}

/* A failure while integrating: a runtime failure (exit 1). */
static int library_error(const char *what, wh_status st)
{
    fprintf(stderr, "whiten flow: %s: %s (%s)\n", what, wh_status_message(st), wh_status_name(st));
    return WH__EXIT_FAILURE;
}

/* A refused set-up is the user's to fix (exit 2), unless memory or LAPACK failed. */
static int setup_error(wh_status st)
{
    library_error("cannot set up the flow", st);
    return st == WH_ENOMEM || st == WH_ELINALG ? WH__EXIT_FAILURE : WH__EXIT_USAGE;
}

/* --init-spread: n positive numbers. */
static int parse_spread(const flow_args *a, size_t n, double **spread)
{
    size_t count = 0;
    int rc = wh__cli_doubles("flow", "init-spread", a->spread, spread, &count);
    if (rc != WH__EXIT_OK)
        return rc;
    for (size_t i = 0; i < count && rc == WH__EXIT_OK; i++)
        if (!((*spread)[i] > 0.0)) {
            fprintf(stderr, "whiten flow: option --init-spread: item %zu is %g; need > 0\n", i + 1,
                    (*spread)[i]);
            rc = WH__EXIT_USAGE;
        }
    if (rc == WH__EXIT_OK && count != n) {
        fprintf(stderr, "whiten flow: option --init-spread: %zu values for n = %zu\n", count, n);
        rc = WH__EXIT_USAGE;
    }
    return rc;
}

static wh_flow_options flow_options(const flow_args *a, wh_net_kind kind, size_t n, const double *C,
                                    const double *spread)
{
    wh_flow_options o;
    wh_flow_options_default(&o);
    o.kind = kind;
    o.n = n;
    o.k = a->k;
    o.closed_lateral = a->closed_m;
    o.covariance = C;
    o.init.kind = spread != NULL ? WH_INIT_ROTATED : WH_INIT_IDENTITY;
    o.init.alpha = a->init_scale;
    o.init.spread = spread;
    o.init.seed = a->seed;
    o.rtol = a->rtol;
    o.eps = a->eps;
    o.max_steps = a->max_steps;
    return o;
}

/* The closed-form T_eps of M0 = alpha I; C = diag(lambda) as wh__cli_covariance builds it. */
static double closed_time(wh_net_kind kind, size_t n, const double *C, double alpha, double eps)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double t;
        if (wh_flow_mode_time(kind, C[i * n + i], alpha, eps, &t) != WH_OK)
            return NAN;
        worst = fmax(worst, t);
    }
    return worst;
}

/* Move the flow to time t, from the start again if it has gone past t. */
static wh_status flow_to(wh_flow *flow, double t)
{
    if (wh_flow_time(flow) > t)
        wh_flow_reset(flow);
    return wh_flow_evolve(flow, t);
}

static int write_row(FILE *f, wh_flow *flow, double *eig)
{
    if (wh_flow_eigenvalues(flow, eig) != WH_OK)
        return -1;
    fprintf(f, "%.17g,%.17g", wh_flow_time(flow), wh_flow_error(flow));
    for (size_t i = 0; i < wh_flow_n(flow); i++)
        fprintf(f, ",%.17g", eig[i]);
    fputc('\n', f);
    return ferror(f) ? -1 : 0;
}

/* The trajectory on the grid 0, every, 2 every, ..., t_end (t_end always included). */
static wh_status emit_trajectory(FILE *f, wh_flow *flow, double t_end, double every)
{
    const size_t n = wh_flow_n(flow);
    double *eig = wh__alloc(n, sizeof *eig);
    if (eig == NULL)
        return WH_ENOMEM;
    fprintf(f, "time,whitening_error");
    for (size_t i = 0; i < n; i++)
        fprintf(f, ",m_%zu", i + 1);
    fputc('\n', f);
    wh_flow_reset(flow);
    wh_status st = WH_OK;
    for (double i = 0.0; st == WH_OK; i += 1.0) {
        const double t = fmin(i * every, t_end);
        st = wh_flow_evolve(flow, t);
        if (st == WH_OK && write_row(f, flow, eig) != 0)
            st = WH_EINVAL;
        if (t >= t_end)
            break;
    }
    wh__free(eig);
    return st;
}

/* Write the trajectory to path through the tool's safe writer (src/io/file.c): all or nothing. */
static int write_trajectory(const char *path, wh_flow *flow, double t_end, double every)
{
    wh__file_out out;
    wh__io_error err = {0};
    if (!wh__file_out_open(&out, path, &err)) {
        fprintf(stderr, "whiten flow: %s: %s\n", path, err.message);
        return WH__EXIT_FAILURE;
    }
    const int fd = dup(out.fd);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    if (f == NULL) {
        fprintf(stderr, "whiten flow: cannot write %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        wh__file_out_abort(&out);
        return WH__EXIT_FAILURE;
    }
    wh_status st = emit_trajectory(f, flow, t_end, every);
    const int saved = errno;
    bool failed = fclose(f) != 0 || st == WH_EINVAL;
    if (st != WH_OK && st != WH_EINVAL) {
        wh__file_out_abort(&out);
        return library_error("integrating the trajectory", st);
    }
    if (failed) {
        fprintf(stderr, "whiten flow: cannot write %s: %s\n", path, strerror(saved));
        wh__file_out_abort(&out);
        return WH__EXIT_FAILURE;
    }
    if (!wh__file_out_commit(&out, &err)) {
        fprintf(stderr, "whiten flow: %s: %s\n", path, err.message);
        return WH__EXIT_FAILURE;
    }
    return WH__EXIT_OK;
}

/*
 * The convergence time to report: the integrated one; or, when the integration
 * stopped at --t-max still above eps, the closed form if it lies beyond --t-max
 * (consistent with the integration); NaN if there is no answer.
 */
static double answer(const flow_result *r, const flow_args *a)
{
    if (!isnan(r->t_eps))
        return r->t_eps;
    return r->status == WH_ETMAX && r->closed_time > a->t_max ? r->closed_time : (double)NAN;
}

static void print_json(const flow_args *a, wh_net_kind kind, const wh_flow *flow,
                       const flow_result *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "net", kind == WH_NET_DIRECT ? "direct" : "interneuron");
    cJSON_AddNumberToObject(o, "n", (double)wh_flow_n(flow));
    if (kind == WH_NET_INTERNEURON) {
        cJSON_AddNumberToObject(o, "k", (double)wh_flow_k(flow));
        cJSON_AddStringToObject(o, "integrated", a->closed_m ? "M" : "W");
    }
    cJSON_AddNumberToObject(o, "init_scale", a->init_scale);
    if (a->spread != NULL)
        cJSON_AddStringToObject(o, "init_spread", a->spread);
    cJSON_AddNumberToObject(o, "seed", (double)a->seed);
    cJSON_AddNumberToObject(o, "eps", a->eps);
    cJSON_AddNumberToObject(o, "rtol", a->rtol);
    cJSON_AddNumberToObject(o, "t_max", a->t_max);
    cJSON_AddStringToObject(o, "status", wh_status_name(r->status));
    /* convergence_time: the integrated T_eps, or past --t-max the closed form (which
     * convergence_time_from names); integrated_time is the integration's alone. */
    const double t = answer(r, a);
    if (isnan(t))
        cJSON_AddNullToObject(o, "convergence_time");
    else
        cJSON_AddNumberToObject(o, "convergence_time", t);
    if (isnan(t))
        cJSON_AddNullToObject(o, "convergence_time_from");
    else
        cJSON_AddStringToObject(o, "convergence_time_from",
                                isnan(r->t_eps) ? "closed form" : "integration");
    if (isnan(r->t_eps))
        cJSON_AddNullToObject(o, "integrated_time");
    else
        cJSON_AddNumberToObject(o, "integrated_time", r->t_eps);
    if (!isnan(r->closed_time))
        cJSON_AddNumberToObject(o, "closed_form_time", r->closed_time);
    cJSON_AddNumberToObject(o, "final_time", r->final_time);
    cJSON_AddNumberToObject(o, "final_error", r->final_error);
    cJSON_AddNumberToObject(o, "steps", (double)r->steps);
    char *text = cJSON_PrintUnformatted(o);
    if (text != NULL)
        printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(o);
}

static void print_text(wh_net_kind kind, const wh_flow *flow, const flow_result *r,
                       const flow_args *a)
{
    printf("whiten flow: %s network, n = %zu, init scale %g\n",
           kind == WH_NET_DIRECT ? "direct" : "interneuron", wh_flow_n(flow), a->init_scale);
    if (isnan(r->t_eps))
        printf("  integrated: error still above %g when the integration stopped (%s, "
               "--t-max %g)\n",
               a->eps, wh_status_name(r->status), a->t_max);
    else
        printf("  convergence time (error <= %g), integrated: %.12g\n", a->eps, r->t_eps);
    if (!isnan(r->closed_time))
        printf("  convergence time, closed form:             %.12g%s\n", r->closed_time,
               isnan(r->t_eps) && !isnan(answer(r, a)) ? " (beyond --t-max: the answer)" : "");
    printf("  final error %.6g at t = %.12g after %llu steps\n", r->final_error, r->final_time,
           (unsigned long long)r->steps);
}

/* Find T_eps, then bring the flow to the end of the trajectory and measure it there. */
static int run(const flow_args *a, wh_net_kind kind, wh_flow *flow, flow_result *r)
{
    /* Running out of time or of steps is still a result worth reporting. */
    r->status = wh_flow_converge(flow, a->t_max, &r->t_eps);
    const bool stopped = r->status == WH_ETMAX || r->status == WH_EMAXSTEPS;
    if (r->status != WH_OK && !stopped)
        return library_error("integrating the flow", r->status);
    r->steps = wh_flow_steps(flow);
    const double reached = isnan(r->t_eps) ? wh_flow_time(flow) : r->t_eps;
    const double t_end = a->t_end > 0.0 ? a->t_end : reached;
    const double every = a->every > 0.0 ? a->every : t_end / 100.0;
    if (a->out != NULL && t_end / every > FLOW_MAX_ROWS)
        return usage_error("option --every: more than 1e7 rows; give a coarser grid");
    int rc = a->out != NULL ? write_trajectory(a->out, flow, t_end, every) : WH__EXIT_OK;
    wh_status st = rc == WH__EXIT_OK ? flow_to(flow, t_end) : WH_OK;
    if (st != WH_OK)
        return library_error("integrating the flow", st);
    r->final_time = wh_flow_time(flow);
    r->final_error = wh_flow_error(flow);
    if (rc == WH__EXIT_OK && a->json)
        print_json(a, kind, flow, r);
    else if (rc == WH__EXIT_OK)
        print_text(kind, flow, r, a);
    if (rc == WH__EXIT_OK && stopped && isnan(answer(r, a))) {
        fprintf(stderr, "whiten flow: %s (%s)\n", wh_status_message(r->status),
                wh_status_name(r->status));
        rc = WH__EXIT_FAILURE;
    }
    return rc;
}

/* --net gain: C rotated by --seed (a diagonal C would leave the pairs' gains trivial). */
static int run_gain_flow(const flow_args *a, wh_net_kind kind)
{
    if (kind == WH_NET_GAIN_SYNAPSE)
        return usage_error("option --net: the flow of gain-synapse has two time scales; its "
                           "population dynamics are 'whiten simulate --net gain-synapse "
                           "--population'");
    size_t n = a->n;
    double *C = NULL;
    int rc = wh__cli_covariance("flow", a->eigenvalues, a->spectrum, &n, true, a->seed, &C);
    if (rc != WH__EXIT_OK)
        return rc;
    wh__flow_gain_args g = {a->gain, C, a->dt, a->eps, a->t_max, a->max_steps, a->json};
    g.net.net = "gain", g.net.n = n, g.net.seed = a->seed;
    if (g.net.k == 0)
        g.net.k = a->k;
    rc = wh__flow_gain(&g);
    wh__free(C);
    return rc;
}

static int run_flow(const flow_args *a)
{
    wh_net_kind kind;
    size_t n = a->n;
    double *C = NULL, *spread = NULL;
    int rc = wh__cli_net_kind("flow", "net", a->net, &kind);
    if (rc == WH__EXIT_OK && (kind == WH_NET_GAIN || kind == WH_NET_GAIN_SYNAPSE))
        return run_gain_flow(a, kind);
    if (rc == WH__EXIT_OK && a->closed_m && kind == WH_NET_DIRECT)
        rc = usage_error("option --closed-m needs --net interneuron");
    if (rc == WH__EXIT_OK)
        rc = wh__cli_covariance("flow", a->eigenvalues, a->spectrum, &n, false, a->seed, &C);
    if (rc == WH__EXIT_OK && a->spread != NULL)
        rc = parse_spread(a, n, &spread);
    wh_flow *flow = NULL;
    if (rc == WH__EXIT_OK) {
        wh_flow_options o = flow_options(a, kind, n, C, spread);
        wh_status st = wh_flow_new(&o, &flow);
        rc = st == WH_OK ? WH__EXIT_OK : setup_error(st);
    }
    if (rc == WH__EXIT_OK) {
        flow_result r = {.closed_time = NAN};
        if (spread == NULL)
            r.closed_time = closed_time(kind, n, C, a->init_scale, a->eps);
        rc = run(a, kind, flow, &r);
    }
    wh_flow_free(flow);
    wh__free(C);
    wh__free(spread);
    return rc;
}

/*
 * Options that cannot apply to the chosen flow are refused, not dropped (issue 16):
 * which flows each option shapes, as bits of 1 << wh_net_kind (the gain flow takes
 * its own start, step and output; the matrix flows take no gain options).
 */
#define FLOW_MATRIX ((1u << WH_NET_DIRECT) | (1u << WH_NET_INTERNEURON))
#define FLOW_GAIN   (1u << WH_NET_GAIN)
static const struct {
    const char *option;
    unsigned flows;
    const char *which;
} flow_applies[] = {
    {"K", FLOW_GAIN, "--net gain"},
    {"alpha", FLOW_GAIN, "--net gain"},
    {"eta-g", FLOW_GAIN, "--net gain"},
    {"eta-w", FLOW_GAIN, "--net gain"},
    {"frame", FLOW_GAIN, "--net gain"},
    {"dt", FLOW_GAIN, "--net gain"},
    {"k", (1u << WH_NET_INTERNEURON) | FLOW_GAIN, "--net interneuron and gain"},
    {"init-scale", FLOW_MATRIX, "--net direct and interneuron"},
    {"init-spread", FLOW_MATRIX, "--net direct and interneuron"},
    {"rtol", FLOW_MATRIX, "--net direct and interneuron"},
    {"out", FLOW_MATRIX, "--net direct and interneuron"},
    {"t-end", FLOW_MATRIX, "--net direct and interneuron"},
    {"every", FLOW_MATRIX, "--net direct and interneuron"},
};

static int refuse_inapplicable(const flow_args *a, int argc, char **argv)
{
    wh_net_kind kind;
    if (wh__cli_net_kind("flow", "net", a->net, &kind) != WH__EXIT_OK)
        return WH__EXIT_USAGE;
    for (size_t i = 0; i < sizeof flow_applies / sizeof *flow_applies; i++)
        if (!(flow_applies[i].flows & (1u << kind)) &&
            wh__options_given(argc, argv, flow_applies[i].option)) {
            fprintf(stderr, "whiten flow: option --%s applies to %s, not --net %s\n",
                    flow_applies[i].option, flow_applies[i].which, a->net);
            return WH__EXIT_USAGE;
        }
    if (wh__options_given(argc, argv, "K") && wh__options_given(argc, argv, "k"))
        return usage_error("give --K or --k, not both (they are the same number)");
    if (a->out == NULL &&
        (wh__options_given(argc, argv, "t-end") || wh__options_given(argc, argv, "every")))
        return usage_error("--t-end and --every shape the trajectory --out writes; give --out");
    return WH__EXIT_OK;
}

int wh__cmd_flow(int argc, char **argv)
{
    flow_args a = {.net = "direct",
                   .max_steps = 1000000,
                   .init_scale = 1.0,
                   .eps = 0.01,
                   .t_max = 1e6,
                   .rtol = 1e-10,
                   .seed = 1,
                   .gain = wh__cli_net_default(),
                   .dt = 0.01};
    a.gain.net = "gain"; /* --net gain's circuit; its rate is --dt (flow_gain.c) */
    const wh__option table[] = {
        wh__opt_string(
            "net", &a.net,
            "direct, interneuron or gain (the gains' flow beside the closed form g*; C rotated by "
            "--seed)"),
        WH__CLI_GAIN_ROWS(a.gain),
        wh__opt_double("dt", &a.dt, 0, 0.5, WH__OPEN_MIN, "--net gain: Euler step of the flow"),
        wh__opt_string("eigenvalues", &a.eigenvalues, "eigenvalues of C, e.g. 0.5,2,8 (fixes n)"),
        wh__opt_string("spectrum", &a.spectrum,
                       "lo:hi, eigenvalues of C log-spaced over n values (with --n)"),
        wh__opt_size("n", &a.n, 0, 4096, "input dimension for --spectrum"),
        wh__opt_size("k", &a.k, 0, 100000, "interneurons (0 means n)"),
        wh__opt_double("init-scale", &a.init_scale, 0, 1e12, WH__OPEN_MIN,
                       "alpha: M0 = alpha I, or alpha R diag(spread) R^T"),
        wh__opt_string("init-spread", &a.spread,
                       "n positive values d: start from alpha R diag(d) R^T, R random from --seed"),
        wh__opt_u64("seed", &a.seed, 0, 1.8e19, "seed of the rotation R (and of W0's mixing)"),
        wh__opt_flag("closed-m", &a.closed_m,
                     "interneurons: integrate the closed M flow instead of W"),
        wh__opt_double("eps", &a.eps, 0, 1, WH__OPEN_MIN | WH__OPEN_MAX,
                       "whitening-error threshold of the convergence time"),
        wh__opt_double(
            "t-max", &a.t_max, 0, 1e12, WH__OPEN_MIN,
            "give up the integration's search for T_eps at this time; if the closed form lies "
            "beyond it, that is reported (convergence_time_from: closed form; integrated_time "
            "null) and the exit status is 0, otherwise 1"),
        wh__opt_double("rtol", &a.rtol, 1e-14, 1e-3, 0, "relative error per integrator step"),
        wh__opt_size("max-steps", &a.max_steps, 1, 1e9, "integrator steps allowed"),
        wh__opt_string("out", &a.out,
                       "write the trajectory (time, whitening_error, eigenvalues m_i of M) as CSV"),
        wh__opt_double("t-end", &a.t_end, 0, 1e12, 0,
                       "end of the trajectory; 0 means the convergence time (or --t-max)"),
        wh__opt_double("every", &a.every, 0, 1e12, 0,
                       "time between rows of --out; 0 means a hundredth of the trajectory"),
        wh__opt_flag("json", &a.json, "print one JSON object instead of text"),
    };
    int rc = wh__options_parse(&flow_help, table, sizeof table / sizeof *table, argc, argv);
    if (rc == WH__PARSE_HELP)
        return WH__EXIT_OK;
    if (rc != WH__PARSE_OK || refuse_inapplicable(&a, argc, argv) != WH__EXIT_OK)
        return WH__EXIT_USAGE;
    return run_flow(&a);
}
