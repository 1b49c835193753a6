/*
 * data.c: files by name for the subcommands, over the buffers of src/io/.
 */
/* sysconf(_SC_PHYS_PAGES) is a common extension, not POSIX. */
#define _DEFAULT_SOURCE
#include "cli/data.h"

#include <float.h>
#include <unistd.h>
#include <math.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/alloc.h"
#include "net/view.h"

static const struct {
    const char *ext;
    wh__format fmt;
} extensions[] = {
    {".npy", WH__FORMAT_NPY}, {".csv", WH__FORMAT_CSV}, {".txt", WH__FORMAT_CSV},
    {".tsv", WH__FORMAT_CSV}, {".f32", WH__FORMAT_F32}, {".f64", WH__FORMAT_F64},
    {".bin", WH__FORMAT_F64},
};

static bool ends_with(const char *s, const char *suffix)
{
    const size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

int wh__cli_format(const char *command, const char *option, const char *path, wh__format *fmt)
{
    for (size_t i = 0; i < sizeof extensions / sizeof *extensions; i++)
        if (ends_with(path, extensions[i].ext)) {
            *fmt = extensions[i].fmt;
            return WH__EXIT_OK;
        }
    fprintf(stderr,
            "whiten %s: option --%s: cannot tell the format of '%s'; name it .npy, .csv (or "
            ".txt, .tsv), .f32 or .f64 (raw little-endian floats)\n",
            command, option, path);
    return WH__EXIT_USAGE;
}

static bool decode(wh__format fmt, const unsigned char *bytes, size_t len, size_t raw_cols,
                   wh__csv_header header, wh__matrix *m, wh__io_error *err)
{
    switch (fmt) {
    case WH__FORMAT_NPY:
        return wh__npy_decode(bytes, len, m, NULL, err);
    case WH__FORMAT_CSV:
        return wh__csv_decode_with((const char *)bytes, len, header, false, m, err);
    case WH__FORMAT_F32:
    case WH__FORMAT_F64:
        return wh__raw_decode(bytes, len, raw_cols, fmt == WH__FORMAT_F32 ? 4 : 8, m, err);
    }
    return wh__io_fail(err, "unknown format");
}

int wh__cli_read_data(const char *command, const char *path, size_t raw_cols, wh__matrix *m)
{
    return wh__cli_read_data_as(command, path, raw_cols, WH__CSV_HEADER_AUTO, m);
}

int wh__cli_read_data_as(const char *command, const char *path, size_t raw_cols,
                         wh__csv_header header, wh__matrix *m)
{
    wh__format fmt;
    int rc = wh__cli_format(command, "data", path, &fmt);
    if (rc != WH__EXIT_OK)
        return rc;
    if ((fmt == WH__FORMAT_F32 || fmt == WH__FORMAT_F64) && raw_cols == 0) {
        fprintf(stderr, "whiten %s: raw file %s has no header: give its dimension with --n\n",
                command, path);
        return WH__EXIT_USAGE;
    }
    unsigned char *bytes = NULL;
    size_t len = 0;
    wh__io_error err = {0};
    bool ok = wh__file_read(path, &bytes, &len, &err);
    if (ok && len == 0)
        ok = wh__io_fail(&err, "the file is empty");
    ok = ok && decode(fmt, bytes, len, raw_cols, header, m, &err);
    wh__free(bytes);
    if (ok && (m->rows == 0 || m->cols == 0)) {
        ok = wh__io_fail(&err, "no samples (the array is %zu x %zu)", m->rows, m->cols);
        wh__matrix_free(m);
    }
    if (!ok) {
        fprintf(stderr, "whiten %s: %s: %s\n", command, path, err.message);
        return WH__EXIT_FAILURE;
    }
    return WH__EXIT_OK;
}

static bool encode(wh__format fmt, const wh__matrix *m, const char *const *header, wh__buf *b)
{
    switch (fmt) {
    case WH__FORMAT_NPY:
        return wh__npy_encode(m, 8, 2, b);
    case WH__FORMAT_CSV:
        return wh__csv_encode(m, header, b);
    case WH__FORMAT_F32:
        return wh__raw_encode(m, 4, b);
    case WH__FORMAT_F64:
        return wh__raw_encode(m, 8, b);
    }
    return false;
}

static int write_buf(const char *command, const char *path, const wh__buf *b, bool encoded)
{
    wh__io_error err = {0};
    bool ok = encoded || wh__io_fail(&err, "out of memory while encoding");
    if (ok)
        ok = wh__file_write_atomic(path, b, &err);
    if (!ok) {
        fprintf(stderr, "whiten %s: %s: %s\n", command, path, err.message);
        return WH__EXIT_FAILURE;
    }
    return WH__EXIT_OK;
}

int wh__cli_write_data(const char *command, const char *path, const wh__matrix *m,
                       const char *const *header)
{
    wh__format fmt;
    int rc = wh__cli_format(command, "out", path, &fmt);
    if (rc != WH__EXIT_OK)
        return rc;
    wh__buf b = {0};
    rc = write_buf(command, path, &b, encode(fmt, m, header, &b));
    wh__buf_free(&b);
    return rc;
}

/* The fast solver's own state into s->solver_state (malloc'd; empty for the exact solver). */
static int fill_solver_state(const wh_net *net, wh__state *s)
{
    const size_t size = wh_net_solver_state_size(net);
    if (size == 0)
        return WH__EXIT_OK;
    if (!wh__matrix_alloc(&s->solver_state, size, 1))
        return WH__EXIT_FAILURE;
    return wh_net_get_solver_state(net, s->solver_state.data, size) == WH_OK ? WH__EXIT_OK
                                                                             : WH__EXIT_FAILURE;
}

/* The centring's mean (borrowed) and window, the ridge. */
static void fill_stages(const wh__cli_stages *st, wh__state *s)
{
    if (st == NULL)
        return;
    if (st->center != NULL) {
        s->has_center = true;
        s->mean = (wh__matrix){s->n, 1, (double *)(uintptr_t)wh_center_mean(st->center)};
        s->center_window = wh_center_window(st->center);
        s->center_samples = wh_center_samples(st->center);
    }
    s->ridge = st->ridge;
    s->ridge_seed = st->ridge_seed;
}

/* The state's synapses point at the network's own storage; only the solver state is copied. */
static int fill_state(wh_net *net, const wh__cli_stages *stages, const wh_source *src,
                      wh__state *s)
{
    memset(s, 0, sizeof *s);
    s->kind = (int)wh_net_get_kind(net);
    s->n = wh_net_n(net);
    s->k = wh_net_k(net);
    s->eta = wh_net_eta(net);
    s->samples = wh_net_samples(net);
    s->solver = (int)wh_net_solver(net);
    s->refresh = wh_net_refresh(net);
    /* The exact gain circuits' path state is their gains, saved as g.npy below; the fast
     * path's (its refresh's gains, M and counters) goes to solver_state.npy, so a state
     * continues bit for bit as with the paper's circuits. */
    if ((wh_net_gains(net) == NULL || s->solver == WH_SOLVER_FAST) &&
        fill_solver_state(net, s) != WH__EXIT_OK)
        return WH__EXIT_FAILURE;
    s->M = (wh__matrix){s->n, s->n, (double *)(uintptr_t)wh__net_lateral(net)};
    fill_stages(stages, s);
    const wh_schedule schedule = wh_net_get_schedule(net);
    s->schedule_kind = (int)schedule.kind;
    s->schedule_tau = schedule.tau;
    s->schedule_gamma = schedule.gamma;
    s->schedule_start = schedule.start;
    if (s->kind != WH_NET_DIRECT)
        s->W = (wh__matrix){s->n, s->k, (double *)(uintptr_t)wh__net_weights(net)};
    if (wh_net_gains(net) != NULL) {
        s->g = (wh__matrix){s->k, 1, (double *)(uintptr_t)wh_net_gains(net)};
        s->alpha = wh_net_gain_alpha(net);
        s->eta_w = s->kind == WH_NET_GAIN_SYNAPSE ? wh_net_gain_eta_w(net) : 0.0;
    }
    s->has_source = src != NULL;
    if (src != NULL)
        return wh_source_get_state(src, s->mt, &s->source_samples) == WH_OK ? WH__EXIT_OK
                                                                            : WH__EXIT_FAILURE;
    return WH__EXIT_OK;
}

int wh__cli_write_state(const char *command, const char *path, wh_net *net,
                        const wh__cli_stages *stages, const wh_source *src)
{
    return wh__cli_write_checkpoint(command, path, net, stages, src, NULL);
}

int wh__cli_write_checkpoint(const char *command, const char *path, wh_net *net,
                             const wh__cli_stages *stages, const wh_source *src,
                             const wh__state *run)
{
    wh__state s;
    if (fill_state(net, stages, src, &s) != WH__EXIT_OK) {
        fprintf(stderr, "whiten %s: %s: cannot read the solver's or the source's state\n", command,
                path);
        wh__matrix_free(&s.solver_state);
        return WH__EXIT_FAILURE;
    }
    if (run != NULL)
        memcpy(s.sim_inputs, run->sim_inputs, sizeof s.sim_inputs);
    if (run != NULL && run->run_command[0] != '\0') {
        s.has_run = true;
        memcpy(s.run_command, run->run_command, sizeof s.run_command);
        s.run_done = run->run_done;
        s.run_total = run->run_total;
        s.run_converged = run->run_converged;
        s.run_convergence = run->run_convergence;
        s.run_below = run->run_below;
        s.run_since = run->run_since;
        s.run_record = run->run_record; /* borrowed: only solver_state is freed below */
        memcpy(s.run_problem, run->run_problem, sizeof s.run_problem);
    }
    char creator[64];
    snprintf(creator, sizeof creator, "whiten %s", wh_version());
    wh__buf b = {0};
    int rc = write_buf(command, path, &b, wh__state_encode(&s, creator, &b));
    wh__buf_free(&b);
    wh__matrix_free(&s.solver_state);
    return rc;
}

/*
 * Whether the fast solver's saved state belongs to the synapses beside it: the network's
 * response to x = M v, through that state, must give back v (M from the file's M, or W W^T).
 * A state from another fit, or a scaled one, answers with something else. The largest
 * relative difference goes to *gap (1 when the response fails).
 */
static bool solver_state_fits(wh_net *net, const wh__state *s, double *gap)
{
    const size_t n = s->n, k = s->k;
    double *buf = wh__alloc(3 * n, sizeof *buf);
    *gap = 1.0;
    if (buf == NULL)
        return true; /* cannot check without memory; the load goes on as before */
    double *v = buf, *x = buf + n, *y = buf + 2 * n, vmax = 0.0;
    for (size_t i = 0; i < n; i++) {
        v[i] = (i % 2 == 0 ? 1.0 : -1.0) / (1.0 + (double)(i % 7));
        vmax = fmax(vmax, fabs(v[i]));
    }
    for (size_t i = 0; i < n; i++) {
        x[i] = 0.0;
        for (size_t j = 0; j < n; j++) {
            double m = 0.0;
            if (s->kind == WH_NET_DIRECT)
                m = s->M.data[i * n + j];
            else
                for (size_t c = 0; c < k; c++)
                    m += s->W.data[i * k + c] * s->W.data[j * k + c];
            x[i] += m * v[j];
        }
    }
    if (wh_net_respond(net, x, y, NULL, NULL) == WH_OK) {
        *gap = 0.0;
        for (size_t i = 0; i < n; i++)
            *gap = fmax(*gap, fabs(y[i] - v[i]) / vmax);
    }
    wh__free(buf);
    return *gap <= 1e-4;
}

/*
 * The fast gain path's own state (solver_state.npy: the gains, then the refresh's gains, M
 * and counters) over the restored gains. It must carry the very gains of g.npy, and its M
 * is checked by the library; a file without it continues equal up to rounding.
 */
static int restore_gain_path(const char *command, const char *path, const wh__state *s,
                             wh_net **net)
{
    const size_t saved = s->solver_state.rows, expected = wh_net_solver_state_size(*net);
    const char *why = NULL;
    wh_status st = WH_OK;
    if (saved != expected)
        why = "it holds a different number of values than this network's fast path keeps";
    else if (memcmp(s->solver_state.data, s->g.data, s->k * sizeof *s->g.data) != 0)
        why = "its gains are not those of g.npy beside it";
    else if ((st = wh_net_set_solver_state(*net, s->solver_state.data, saved)) != WH_OK)
        why = wh_status_message(st);
    if (why == NULL)
        return WH__EXIT_OK;
    fprintf(stderr,
            "whiten %s: %s: solver_state.npy does not belong to this gain network (%s); with "
            "that member removed from the archive the state loads and continues equal up to "
            "rounding\n",
            command, path, why);
    wh_net_free(*net);
    *net = NULL;
    return WH__EXIT_FAILURE;
}

/* A gain circuit from a state file: its frame is the saved W, then its gains (and synapses). */
static int restore_gains(const char *command, const char *path, const wh__state *s, wh_net **net)
{
    wh__cli_net o = wh__cli_net_default();
    o.net = wh__cli_net_name((wh_net_kind)s->kind);
    o.n = s->n, o.k = s->k, o.eta = s->eta, o.alpha = s->alpha;
    if (s->kind == WH_NET_GAIN_SYNAPSE)
        o.eta_w = s->eta_w;
    o.frame_matrix = &s->W;
    o.solver = s->solver == WH_SOLVER_FAST ? "fast" : "exact"; /* the path it ran, not auto's */
    int rc = wh__cli_make_net(command, &o, net);
    if (rc != WH__EXIT_OK)
        return rc;
    const bool synapses = s->kind == WH_NET_GAIN_SYNAPSE;
    const wh_schedule schedule = {(wh_schedule_kind)s->schedule_kind, s->schedule_tau,
                                  s->schedule_gamma, s->schedule_start};
    wh_status st = wh_net_set_schedule(*net, &schedule);
    if (st == WH_OK)
        st = wh_net_restore_gains(*net, synapses ? s->W.data : NULL, s->k, s->g.data,
                                  s->samples);
    if (st == WH_OK && s->solver_state.rows > 0)
        return restore_gain_path(command, path, s, net);
    if (st == WH_OK)
        return WH__EXIT_OK;
    fprintf(stderr, "whiten %s: %s: the saved gains and synapses are unusable: %s\n", command, path,
            wh_status_message(st));
    wh_net_free(*net);
    *net = NULL;
    return WH__EXIT_FAILURE;
}

static int restore(const char *command, const char *path, const wh__state *s, wh_net **net)
{
    if (s->kind == WH_NET_GAIN || s->kind == WH_NET_GAIN_SYNAPSE)
        return restore_gains(command, path, s, net);
    wh__cli_net o = wh__cli_net_default();
    o.net = s->kind == WH_NET_DIRECT ? "direct" : "interneuron";
    o.n = s->n, o.k = s->k, o.eta = s->eta, o.refresh = s->refresh;
    o.solver = s->solver == WH_SOLVER_FAST ? "fast" : "exact";
    int rc = wh__cli_make_net(command, &o, net);
    if (rc != WH__EXIT_OK)
        return rc;
    const wh__matrix *syn = s->kind == WH_NET_DIRECT ? &s->M : &s->W;
    const wh_schedule schedule = {(wh_schedule_kind)s->schedule_kind, s->schedule_tau,
                                  s->schedule_gamma, s->schedule_start};
    wh_status st = wh_net_set_schedule(*net, &schedule);
    if (st == WH_OK)
        st = wh_net_restore(*net, syn->data, syn->cols, s->samples);
    const size_t saved = s->solver_state.rows, expected = wh_net_solver_state_size(*net);
    if (st != WH_OK) {
        fprintf(stderr, "whiten %s: %s: the saved synapses are unusable: %s\n", command, path,
                wh_status_message(st));
    } else if (saved > 0 &&
               (st = wh_net_set_solver_state(*net, s->solver_state.data, saved)) != WH_OK) {
        /* Without the solver's own state the network re-derives it: equal up to rounding. */
        if (saved != expected)
            fprintf(stderr,
                    "whiten %s: %s: solver_state.npy holds %zu values where this network's fast "
                    "solver keeps %zu (a file from an older whiten?)",
                    command, path, saved, expected);
        else
            fprintf(stderr, "whiten %s: %s: solver_state.npy does not belong to this network: %s",
                    command, path, wh_status_message(st));
        fprintf(stderr, "; with that member removed from the archive the state loads and "
                        "continues equal up to rounding\n");
    } else if (saved > 0) {
        double gap;
        if (!solver_state_fits(*net, s, &gap)) {
            fprintf(stderr,
                    "whiten %s: %s: solver_state.npy does not belong to the %s beside it (the "
                    "network's response through it is off by %.3g relative); with that member "
                    "removed from the archive the state loads and continues equal up to "
                    "rounding\n",
                    command, path, s->kind == WH_NET_DIRECT ? "M" : "W", gap);
            st = WH_EINVAL;
        }
    }
    if (st != WH_OK) {
        wh_net_free(*net);
        *net = NULL;
        return WH__EXIT_FAILURE;
    }
    return WH__EXIT_OK;
}

/* The saved centring (a running mean that continues bit for bit) and ridge into st. */
static int restore_stages(const char *command, const char *path, const wh__state *s,
                          wh__cli_stages *st)
{
    st->center = NULL;
    st->before = NULL;
    st->mean_frozen = false;
    st->ridge = s->ridge;
    st->ridge_seed = s->ridge_seed;
    if (!s->has_center)
        return WH__EXIT_OK;
    wh_status e = wh_center_new(s->n, s->center_window, &st->center);
    if (e == WH_OK)
        e = wh_center_set(st->center, s->mean.data, s->center_samples);
    if (e == WH_OK)
        return WH__EXIT_OK;
    wh_center_free(st->center);
    st->center = NULL;
    fprintf(stderr, "whiten %s: %s: mean.npy is unusable: %s\n", command, path,
            wh_status_message(e));
    return WH__EXIT_FAILURE;
}

int wh__cli_read_state(const char *command, const char *path, wh__state *s, wh_net **net,
                       wh__cli_stages *stages)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    wh__io_error err = {0};
    *net = NULL;
    bool ok = wh__file_read(path, &bytes, &len, &err);
    if (ok && len == 0)
        ok = wh__io_fail(&err, "the file is empty");
    ok = ok && wh__state_decode(bytes, len, s, &err);
    wh__free(bytes);
    if (!ok) {
        fprintf(stderr, "whiten %s: %s: %s\n", command, path, err.message);
        return WH__EXIT_FAILURE;
    }
    int rc = restore(command, path, s, net);
    if (rc == WH__EXIT_OK && stages != NULL && (rc = restore_stages(command, path, s, stages)) !=
                                                   WH__EXIT_OK) {
        wh_net_free(*net);
        *net = NULL;
    }
    if (rc != WH__EXIT_OK)
        wh__state_free(s);
    return rc;
}

int wh__cli_fail(const char *command, const char *what, wh_status st)
{
    fprintf(stderr, "whiten %s: %s: %s (%s)\n", command, what, wh_status_message(st),
            wh_status_name(st));
    return WH__EXIT_FAILURE;
}

/* Statuses of wh_net_new() that a bad option causes, with the option to blame; any other
 * names the library's field (wh_net_options_check). */
static int explain(const char *command, const wh__cli_net *o, const wh_net_options *opts,
                   wh_status st)
{
    if (st == WH_EINTERNEURONS)
        fprintf(stderr,
                "whiten %s: option --k: %zu interneurons is fewer than n = %zu; need k >= n\n",
                command, o->k, o->n);
    else if (st == WH_EETA)
        fprintf(stderr, "whiten %s: option --eta: expected a number in (0, 1), got %g\n", command,
                o->eta);
    else if (st == WH_EDIM && o->frame != NULL && strcmp(o->frame, "pairs") == 0)
        fprintf(stderr,
                "whiten %s: option --frame: the pairs frame has K = n(n+1)/2 = %zu columns, but "
                "--K is %zu\n",
                command, wh_frame_full_size(o->n), o->k);
    else if (st == WH_ENOTPD && o->alpha == 0.0)
        fprintf(stderr,
                "whiten %s: option --alpha: with alpha = 0 the gains start at 0 and M = 0 is "
                "singular; give alpha > 0\n",
                command);
    else if (st == WH_ERANK)
        fprintf(stderr, "whiten %s: option --frame: a column of the frame is zero\n", command);
    else if (st == WH_EDIM)
        fprintf(stderr,
                "whiten %s: options --n and --k: n = %zu, k = %zu is out of range (LAPACK's "
                "32-bit sizes allow each dimension up to 46340)\n",
                command, o->n, o->k == 0 ? o->n : o->k);
    else {
        const char *field = NULL;
        wh_net_options_check(opts, &field);
        if (field == NULL)
            return wh__cli_fail(command, "cannot build the network", st);
        char what[96];
        snprintf(what, sizeof what, "cannot build the network (option field '%s')", field);
        return wh__cli_fail(command, what, st);
    }
    return WH__EXIT_USAGE;
}

static int parse_solver(const char *command, const char *text, wh_solver *solver)
{
    static const char *const names[] = {"auto", "exact", "fast"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (text == NULL || strcmp(text, names[i]) == 0) {
            *solver = text == NULL ? WH_SOLVER_AUTO : (wh_solver)i;
            return WH__EXIT_OK;
        }
    fprintf(stderr, "whiten %s: option --solver: expected 'auto', 'exact' or 'fast', got '%s'\n",
            command, text);
    return WH__EXIT_USAGE;
}

int wh__cli_check_memory(const char *command, const char *what, double bytes, const char *hint)
{
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    const double have = pages > 0 && page > 0 ? (double)pages * (double)page : DBL_MAX;
    if (bytes <= have)
        return WH__EXIT_OK;
    fprintf(stderr, "whiten %s: %s needs about %.3g GB of memory; this machine has %.3g GB%s\n",
            command, what, bytes / 1e9, have / 1e9, hint);
    return WH__EXIT_FAILURE;
}

/*
 * The library holds about 6 n x n and 2 n x k matrices, the fast solver up to 5
 * more n x n (interneurons: P, L, the blocked path's Q twice) and one n x k (the
 * weights it forms for readers), and the interneurons' start a k x k rotation:
 * 8 (11 n^2 + 3 n k + k^2) bytes, counted in doubles so that the estimate itself
 * cannot overflow.
 */
static int check_network_memory(const char *command, size_t n, size_t k)
{
    const double nd = (double)n, kd = (double)(k == 0 ? n : k);
    char what[96];
    snprintf(what, sizeof what, "n = %zu, k = %zu", n, k == 0 ? n : k);
    const double bytes = 8.0 * (11.0 * nd * nd + 3.0 * nd * kd + kd * kd);
    return wh__cli_check_memory(command, what, bytes, "");
}

/* --frame: random, pairs, or a file of n rows (read into *owned, which the caller frees). */
static int gain_frame(const char *command, const wh__cli_net *o, wh_net_options *opts,
                      wh__matrix *owned)
{
    const wh__matrix *m = o->frame_matrix;
    if (m == NULL && o->frame != NULL && strcmp(o->frame, "random") == 0)
        opts->gain.frame = WH_FRAME_RANDOM;
    else if (m == NULL && o->frame != NULL && strcmp(o->frame, "pairs") == 0)
        opts->gain.frame = WH_FRAME_PAIRS;
    else if (m == NULL && o->frame != NULL) {
        int rc = wh__cli_read_data(command, o->frame, 0, owned);
        if (rc != WH__EXIT_OK)
            return rc;
        m = owned;
    }
    if (m == NULL)
        return WH__EXIT_OK;
    if (m->rows != o->n || (o->k != 0 && m->cols != o->k)) {
        fprintf(stderr,
                "whiten %s: option --frame: %s is %zu x %zu; the network needs n = %zu rows%s\n",
                command, o->frame != NULL ? o->frame : "the frame", m->rows, m->cols, o->n,
                o->k != 0 ? " and --K columns" : "");
        return WH__EXIT_USAGE;
    }
    opts->gain.frame = WH_FRAME_MATRIX;
    opts->gain.matrix = m->data;
    opts->gain.ld = m->cols;
    opts->k = m->cols;
    return WH__EXIT_OK;
}

/* The gain circuits' options; --eta-g, if given, is the gains' rate (else --eta). */
static int gain_options(const char *command, const wh__cli_net *o, wh_net_options *opts,
                        wh__matrix *owned)
{
    opts->k = o->k;
    opts->gain.alpha = o->alpha;
    opts->gain.eta_w = o->eta_w;
    if (o->eta_g > 0.0)
        opts->eta = o->eta_g;
    return gain_frame(command, o, opts, owned);
}

wh__cli_net wh__cli_net_default(void)
{
    wh_net_options d;
    wh_net_options_default(&d);
    return (wh__cli_net){.net = "interneuron",
                         .n = d.n,
                         .k = d.k,
                         .eta = d.eta,
                         .init_scale = d.init.alpha,
                         .seed = d.init.seed,
                         .solver = NULL,
                         .refresh = d.refresh,
                         .alpha = d.gain.alpha,
                         .eta_g = 0.0,
                         .eta_w = d.gain.eta_w,
                         .frame = NULL,
                         .frame_matrix = NULL};
}

int wh__cli_make_net(const char *command, const wh__cli_net *o, wh_net **net)
{
    wh_net_options opts;
    wh_net_options_default(&opts);
    int rc = wh__cli_net_kind(command, "net", o->net, &opts.kind);
    if (rc == WH__EXIT_OK)
        rc = parse_solver(command, o->solver, &opts.solver);
    if (rc != WH__EXIT_OK)
        return rc;
    if (o->n <= 46340 && o->k <= 46340 && check_network_memory(command, o->n, o->k) != WH__EXIT_OK)
        return WH__EXIT_FAILURE;
    opts.refresh = o->refresh;
    opts.n = o->n;
    opts.k = opts.kind == WH_NET_DIRECT ? 0 : o->k;
    opts.eta = o->eta;
    opts.init.alpha = o->init_scale;
    opts.init.seed = o->seed;
    wh__matrix frame = {0};
    const bool gain = opts.kind == WH_NET_GAIN || opts.kind == WH_NET_GAIN_SYNAPSE;
    const char *stray = o->frame != NULL ? "frame"
                        : o->alpha != 1.0 ? "alpha"
                        : o->eta_g != 0.0 ? "eta-g"
                        : o->eta_w != 1e-3 ? "eta-w"
                                           : NULL;
    if (!gain && stray != NULL) {
        fprintf(stderr, "whiten %s: option --%s applies to --net gain and gain-synapse only\n",
                command, stray);
        return WH__EXIT_USAGE;
    }
    if (gain) {
        if (opts.kind == WH_NET_GAIN_SYNAPSE && o->solver != NULL &&
            strcmp(o->solver, "fast") == 0) {
            fprintf(stderr,
                    "whiten %s: option --solver: gains plus synapses have only the exact "
                    "solver (a Cholesky factor per sample)\n",
                    command);
            return WH__EXIT_USAGE;
        }
        /* W (n x K), for a learning or dense frame W_next and a scratch of n x K besides
         * (a sparse fixed frame keeps 4 K of column data instead), and 6 n x n (the fast
         * path's P): refuse what cannot fit. */
        const double nd = (double)o->n,
                     kd = o->k != 0 ? (double)o->k
                                    : (opts.kind == WH_NET_GAIN ? nd * (nd + 1.0) / 2.0 : nd);
        char what[96];
        snprintf(what, sizeof what, "a gain circuit of n = %zu, K = %.0f", o->n, kd);
        if (wh__cli_check_memory(command, what, 8.0 * (3.0 * nd * kd + 6.0 * nd * nd), "") !=
            WH__EXIT_OK)
            return WH__EXIT_FAILURE;
        rc = gain_options(command, o, &opts, &frame);
        if (rc != WH__EXIT_OK) {
            wh__matrix_free(&frame); /* a frame read from a file, then refused */
            return rc;
        }
    }
    wh_status st = wh_net_new(&opts, net);
    rc = st == WH_OK ? WH__EXIT_OK : explain(command, o, &opts, st); /* opts may read frame */
    wh__matrix_free(&frame);
    return rc;
}

/* FNV-1a 64 of a file's bytes and its size; false if it cannot be read. */
static bool hash_file(const char *path, uint64_t *hash, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    unsigned char chunk[4096];
    uint64_t h = 14695981039346656037ULL;
    size_t got, total = 0;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        for (size_t i = 0; i < got; i++) {
            h ^= chunk[i];
            h *= 1099511628211ULL;
        }
        total += got;
    }
    const bool ok = !ferror(f);
    fclose(f);
    *hash = h;
    *size = total;
    return ok;
}

void wh__cli_problem_add_gain(char *buf, size_t size, const wh__cli_net *o)
{
    const bool synapse = o->net != NULL && strcmp(o->net, "gain-synapse") == 0;
    if (o->net == NULL || (strcmp(o->net, "gain") != 0 && !synapse))
        return;
    wh__cli_problem_add(buf, size, "alpha", "%.17g", o->alpha);
    wh__cli_problem_add(buf, size, "eta-g", "%.17g", o->eta_g > 0.0 ? o->eta_g : o->eta);
    if (synapse)
        wh__cli_problem_add(buf, size, "eta-w", "%.17g", o->eta_w);
    uint64_t h = 0;
    size_t bytes = 0;
    if (o->frame == NULL || strcmp(o->frame, "random") == 0 || strcmp(o->frame, "pairs") == 0)
        wh__cli_problem_add(buf, size, "frame", "%s", o->frame != NULL ? o->frame : "default");
    else if (hash_file(o->frame, &h, &bytes))
        wh__cli_problem_add(buf, size, "frame", "a file of %zu bytes, hash %016llx", bytes,
                            (unsigned long long)h);
    else
        wh__cli_problem_add(buf, size, "frame", "an unreadable file");
}

int wh__cli_check_dim(const char *command, const char *path, const wh__matrix *m, size_t n,
                      const char *whose)
{
    if (m->cols == n)
        return WH__EXIT_OK;
    fprintf(stderr, "whiten %s: %s: samples have %zu values, but %s has n = %zu\n", command, path,
            m->cols, whose, n);
    return WH__EXIT_FAILURE;
}
