/*
 * test_schedule.c: learning-rate schedules (wh_schedule, src/net/schedule.c)
 * on every learning path.
 *
 * Oracles: the schedule's formula written out here; and the online algorithm
 * itself, written out here in a few lines of LAPACK (y = M^{-1} x by dposv,
 * M <- M + eta_t (y y^T - I) or W <- (1 - eta_t) W + eta_t y z^T), against which
 * every path of the library must agree to rounding while the rate decays.
 */
#include <lapacke.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "net/view.h"

/* The schedule of these tests: it decays by a factor ~6 over the run, from sample 300. */
static const wh_schedule decay = {WH_SCHEDULE_DECAY, 211.5, 0.75, 300};
static const double base_eta = 0.0123;

/* The formula of wh_schedule_kind, computed another way (exp and log1p). */
static double formula(const wh_schedule *s, double eta, uint64_t t)
{
    if (s->kind == WH_SCHEDULE_CONSTANT || t < s->start)
        return eta;
    return eta * exp(-s->gamma * log1p((double)(t - s->start) / s->tau));
}

Test(schedule, rate_follows_its_formula)
{
    const wh_schedule s = {WH_SCHEDULE_DECAY, 137.25, 0.6, 250};
    const uint64_t ts[] = {0, 249, 250, 251, 1000, 123456, 10000000000ull};
    for (size_t i = 0; i < sizeof ts / sizeof *ts; i++)
        assert_close(wh_schedule_eta(&s, 0.0371, ts[i]), formula(&s, 0.0371, ts[i]), 1e-15);
    /* gamma = 1, start 0: eta / (1 + t / tau) exactly as the issue writes it. */
    const wh_schedule one = {WH_SCHEDULE_DECAY, 100.0, 1.0, 0};
    assert_close(wh_schedule_eta(&one, 0.002, 300), 0.0005, 1e-16);
    assert_close(wh_schedule_eta(&one, 0.002, 0), 0.002, 0.0);
    const wh_schedule constant = {WH_SCHEDULE_CONSTANT, -1.0, 7.0, 5};
    cr_assert_eq(wh_schedule_eta(&constant, 0.0371, 99999), 0.0371);
    cr_assert_eq(wh_schedule_eta(NULL, 0.0371, 99999), 0.0371);
    /* Never larger than eta, and non-increasing. */
    double last = 0.0371;
    for (uint64_t t = 0; t < 5000; t += 7) {
        const double r = wh_schedule_eta(&s, 0.0371, t);
        cr_assert(r <= last && r > 0.0, "rate %g at t = %llu after %g", r, (unsigned long long)t,
                  last);
        last = r;
    }
}

Test(schedule, bad_tau_and_gamma_are_refused)
{
    const wh_schedule bad[] = {
        {WH_SCHEDULE_DECAY, 0.0, 1.0, 0},     {WH_SCHEDULE_DECAY, -3.5, 1.0, 0},
        {WH_SCHEDULE_DECAY, NAN, 1.0, 0},     {WH_SCHEDULE_DECAY, INFINITY, 1.0, 0},
        {WH_SCHEDULE_DECAY, 10.0, 0.5, 0},    {WH_SCHEDULE_DECAY, 10.0, 1.0000001, 0},
        {WH_SCHEDULE_DECAY, 10.0, NAN, 0},    {WH_SCHEDULE_DECAY, 10.0, -0.75, 0},
        {(wh_schedule_kind)7, 10.0, 0.75, 0},
    };
    wh_net_options o;
    wh_net_options_default(&o);
    o.n = 3;
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    assert_status(wh_net_set_schedule(net, &decay), WH_OK);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        wh_net_options b = o;
        b.schedule = bad[i];
        wh_net *other = (wh_net *)&o; /* must come back NULL */
        assert_status(wh_net_new(&b, &other), WH_EINVAL);
        cr_assert_null(other);
        assert_status(wh_net_set_schedule(net, &bad[i]), WH_EINVAL);
        const wh_schedule kept = wh_net_get_schedule(net);
        cr_assert(kept.kind == decay.kind && kept.tau == decay.tau && kept.gamma == decay.gamma &&
                      kept.start == decay.start,
                  "case %zu: a refused schedule changed the network's", i);
    }
    assert_status(wh_net_set_schedule(net, NULL), WH_EINVAL);
    assert_status(wh_net_set_schedule(NULL, &decay), WH_EINVAL);
    /* The edges that are allowed: gamma = 1, and any tau or gamma for CONSTANT. */
    const wh_schedule edge = {WH_SCHEDULE_DECAY, 1e-300, 1.0, 0};
    assert_status(wh_net_set_schedule(net, &edge), WH_OK);
    const wh_schedule constant = {WH_SCHEDULE_CONSTANT, -1.0, 9.0, 0};
    assert_status(wh_net_set_schedule(net, &constant), WH_OK);
    wh_net_free(net);
}

/* The oracle: the online algorithm by a fresh LAPACK solve each sample. */
typedef struct reference {
    size_t n, k;
    bool interneurons;
    double *M, *W, *A, *y, *z;
} reference;

static reference reference_new(wh_net *net)
{
    const size_t n = wh_net_n(net), k = wh_net_k(net);
    reference r = {n, k, wh_net_get_kind(net) == WH_NET_INTERNEURON, NULL, NULL, NULL, NULL, NULL};
    r.M = malloc(n * n * sizeof *r.M);
    r.A = malloc(n * n * sizeof *r.A);
    r.W = malloc(n * k * sizeof *r.W);
    r.y = malloc(n * sizeof *r.y);
    r.z = malloc(k * sizeof *r.z);
    memcpy(r.M, wh__net_lateral(net), n * n * sizeof *r.M);
    if (r.interneurons)
        memcpy(r.W, wh__net_weights(net), n * k * sizeof *r.W);
    return r;
}

static void reference_free(reference *r)
{
    free(r->M);
    free(r->A);
    free(r->W);
    free(r->y);
    free(r->z);
}

/* M = W W^T (W n x k). */
static void gram(size_t n, size_t k, const double *W, double *M)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0.0;
            for (size_t l = 0; l < k; l++)
                s += W[i * k + l] * W[j * k + l];
            M[i * n + j] = s;
        }
}

static void reference_step(reference *r, const double *x, double eta)
{
    const size_t n = r->n, k = r->k;
    if (r->interneurons)
        gram(n, k, r->W, r->M);
    memcpy(r->A, r->M, n * n * sizeof *r->A);
    memcpy(r->y, x, n * sizeof *r->y);
    cr_assert_eq(
        LAPACKE_dposv(LAPACK_ROW_MAJOR, 'L', (lapack_int)n, 1, r->A, (lapack_int)n, r->y, 1), 0);
    if (!r->interneurons) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                r->M[i * n + j] += eta * (r->y[i] * r->y[j] - (i == j ? 1.0 : 0.0));
        return;
    }
    for (size_t j = 0; j < k; j++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += r->W[i * k + j] * r->y[i];
        r->z[j] = s;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++)
            r->W[i * k + j] = (1.0 - eta) * r->W[i * k + j] + eta * r->y[i] * r->z[j];
    gram(n, k, r->W, r->M);
}

/* One learning path: the network it is, and how samples are fed to it. */
typedef struct path_case {
    const char *name;
    wh_net_kind kind;
    size_t n, k;
    wh_solver solver;
    size_t refresh;
    bool simulated; /* simulated neural dynamics */
    bool blocks;    /* fed through wh_net_learn_block in ragged chunks */
    bool set_eta;   /* a constant schedule whose base rate changes mid-period */
    long samples;
    double tol; /* on M, relative */
} path_case;

static wh_net *case_net(const path_case *c)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = c->kind;
    o.n = c->n;
    o.k = c->k;
    o.eta = base_eta;
    o.init.alpha = 2.385;
    o.solver = c->solver;
    o.refresh = c->refresh;
    o.schedule = c->set_eta ? (wh_schedule){WH_SCHEDULE_CONSTANT, 0.0, 0.0, 0} : decay;
    if (c->simulated) {
        o.neural.mode = WH_NEURAL_SIMULATED;
        o.neural.tol = 1e-14;
    }
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    return net;
}

/* The rate the test expects for sample t, and the base-rate changes of set_eta cases at
 * samples that are no refresh's (1003 and 2007 against refresh 8 and 100). */
static double case_rate(const path_case *c, wh_net *net, long t)
{
    if (c->set_eta && (t == 1003 || t == 2007))
        assert_status(wh_net_set_eta(net, t == 1003 ? 0.0161 : 0.0047), WH_OK);
    if (c->set_eta)
        return t < 1003 ? base_eta : (t < 2007 ? 0.0161 : 0.0047);
    return formula(&decay, base_eta, (uint64_t)t);
}

static void path_equals_reference(const path_case *c)
{
    const size_t n = c->n;
    double *C = wh_test_covariance(n, 0.2, 5.0, 41);
    wh_source *src = wh_test_source(C, n, 42);
    wh_net *net = case_net(c);
    reference r = reference_new(net);
    if (c->blocks && c->kind == WH_NET_INTERNEURON)
        cr_assert_gt(wh_net_block_length(net), 0, "%s: no blocks at n = %zu", c->name, n);
    enum { CHUNK = 40 };
    double *X = malloc(CHUNK * n * sizeof *X), *Y = malloc(CHUNK * n * sizeof *Y);
    double worst_y = 0.0;
    size_t count = 1;
    for (long t = 0; t < c->samples; t += (long)count) {
        count = c->blocks ? (size_t)(t % 37) % CHUNK + 1 : 1;
        if (t + (long)count > c->samples)
            count = (size_t)(c->samples - t);
        for (long at = 1003; c->set_eta && at <= 2007; at += 1004)
            if (t < at && t + (long)count > at)
                count = (size_t)(at - t); /* the base rate changes between calls */
        for (size_t i = 0; i < count; i++)
            wh_source_next(src, X + i * n, NULL);
        const double eta = case_rate(c, net, t);
        if (c->blocks)
            assert_status(wh_net_learn_block(net, count, X, n, Y, n, NULL, 0, NULL), WH_OK);
        else
            assert_status(wh_net_step(net, X, Y, NULL, NULL), WH_OK);
        for (size_t i = 0; i < count; i++) {
            reference_step(&r, X + i * n, i == 0 ? eta : case_rate(c, net, t + (long)i));
            worst_y = fmax(worst_y, wh_test_rel_diff(1, n, Y + i * n, n, r.y, n));
        }
    }
    cr_assert_eq(wh_net_samples(net), (uint64_t)c->samples);
    const double dm = wh_test_rel_diff(n, n, wh__net_lateral(net), n, r.M, n);
    cr_assert_leq(dm, c->tol,
                  "%s: relative difference of M from the reference after %ld samples: "
                  "%g (tolerance %g)",
                  c->name, c->samples, dm, c->tol);
    cr_assert_leq(worst_y, 1e3 * c->tol, "%s: largest relative difference of y: %g", c->name,
                  worst_y);
    free(X);
    free(Y);
    free(C);
    reference_free(&r);
    wh_source_free(src);
    wh_net_free(net);
}

static const path_case cases[] = {
    {"direct exact", WH_NET_DIRECT, 7, 0, WH_SOLVER_EXACT, 0, false, false, false, 3000, 1e-12},
    {"direct simulated", WH_NET_DIRECT, 4, 0, WH_SOLVER_EXACT, 0, true, false, false, 1500, 1e-11},
    {"interneuron exact", WH_NET_INTERNEURON, 6, 9, WH_SOLVER_EXACT, 0, false, false, false, 3000,
     1e-12},
    {"interneuron simulated", WH_NET_INTERNEURON, 4, 6, WH_SOLVER_EXACT, 0, true, false, false,
     1500, 1e-11},
    {"interneuron fast", WH_NET_INTERNEURON, 16, 32, WH_SOLVER_FAST, 0, false, false, false, 3000,
     1e-12},
    {"interneuron blocks", WH_NET_INTERNEURON, 64, 128, WH_SOLVER_FAST, 0, false, true, false, 3000,
     1e-12},
    {"direct CG n 16", WH_NET_DIRECT, 16, 0, WH_SOLVER_FAST, 0, false, false, false, 3000, 1e-12},
    {"direct CG n 64", WH_NET_DIRECT, 64, 0, WH_SOLVER_FAST, 13, false, true, false, 3000, 1e-12},
    {"direct CG beyond the kept outputs", WH_NET_DIRECT, 24, 0, WH_SOLVER_FAST, 100, false, false,
     false, 3000, 1e-12},
    {"direct CG, eta set mid-period", WH_NET_DIRECT, 16, 0, WH_SOLVER_FAST, 8, false, false, true,
     3000, 1e-12},
    {"direct CG, eta set mid-period, refresh 100", WH_NET_DIRECT, 24, 0, WH_SOLVER_FAST, 100, false,
     false, true, 3000, 1e-12},
    {"interneuron blocks, eta set", WH_NET_INTERNEURON, 64, 128, WH_SOLVER_FAST, 0, false, true,
     true, 3000, 1e-12},
};

Test(schedule, every_path_equals_the_reference_while_the_rate_decays)
{
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        path_equals_reference(&cases[i]);
}

/* Feed `count` samples of src to a and (if not NULL) b, the same rows to both, in the case's
 * way; the outputs must be the same bits. */
static void feed_both(const path_case *c, wh_source *src, long count, wh_net *a, wh_net *b)
{
    const size_t n = c->n;
    enum { CHUNK = 29 };
    double X[CHUNK * 64], Ya[CHUNK * 64], Yb[CHUNK * 64];
    for (long t = 0; t < count;) {
        const size_t m = c->blocks ? (size_t)fmin(CHUNK, (double)(count - t)) : 1;
        for (size_t i = 0; i < m; i++)
            wh_source_next(src, X + i * n, NULL);
        assert_status(wh_net_learn_block(a, m, X, n, Ya, n, NULL, 0, NULL), WH_OK);
        if (b != NULL) {
            assert_status(wh_net_learn_block(b, m, X, n, Yb, n, NULL, 0, NULL), WH_OK);
            cr_assert(memcmp(Ya, Yb, m * n * sizeof *Ya) == 0, "%s: outputs differ after restore",
                      c->name);
        }
        t += (long)m;
    }
}

Test(schedule, save_and_restore_continue_bit_for_bit)
{
    static const path_case saved[] = {
        {"direct exact", WH_NET_DIRECT, 7, 0, WH_SOLVER_EXACT, 0, false, false, false, 1234, 0},
        {"direct CG", WH_NET_DIRECT, 16, 0, WH_SOLVER_FAST, 8, false, false, false, 1234, 0},
        {"direct CG, long period", WH_NET_DIRECT, 24, 0, WH_SOLVER_FAST, 100, false, false, false,
         1234, 0},
        {"interneuron blocks", WH_NET_INTERNEURON, 64, 128, WH_SOLVER_FAST, 0, false, true, false,
         1234, 0},
    };
    for (size_t i = 0; i < sizeof saved / sizeof *saved; i++) {
        const path_case *c = &saved[i];
        const size_t n = c->n;
        double *C = wh_test_covariance(n, 0.2, 5.0, 43);
        wh_source *src = wh_test_source(C, n, 44);
        wh_net *a = case_net(c), *b = case_net(c);
        feed_both(c, src, c->samples, a, NULL);
        const bool direct = c->kind == WH_NET_DIRECT;
        const double *syn = direct ? wh__net_lateral(a) : wh__net_weights(a);
        assert_status(wh_net_restore(b, syn, direct ? n : c->k, wh_net_samples(a)), WH_OK);
        const size_t size = wh_net_solver_state_size(a);
        cr_assert_eq(size, wh_net_solver_state_size(b));
        if (size > 0) {
            double *state = malloc(size * sizeof *state);
            assert_status(wh_net_get_solver_state(a, state, size), WH_OK);
            assert_status(wh_net_set_solver_state(b, state, size), WH_OK);
            free(state);
        }
        feed_both(c, src, 700, a, b);
        cr_assert(memcmp(wh__net_lateral(a), wh__net_lateral(b), n * n * sizeof(double)) == 0,
                  "%s: M differs after restore", c->name);
        free(C);
        wh_source_free(src);
        wh_net_free(a);
        wh_net_free(b);
    }
}

/* The minibatch algorithm under a schedule: each sample's update at its own rate, all with
 * the M of the block's start. */
Test(schedule, minibatch_weights_each_sample_by_its_rate)
{
    const size_t n = 5, block = 25;
    const path_case c = {"minibatch", WH_NET_DIRECT, 5, 0, WH_SOLVER_EXACT, 0, false,
                         false,       false,         0, 0};
    double *C = wh_test_covariance(n, 0.2, 5.0, 45);
    wh_source *src = wh_test_source(C, n, 46);
    wh_net *net = case_net(&c);
    reference r = reference_new(net);
    double X[25 * 5], Y[25 * 5], *D = malloc(n * n * sizeof *D);
    for (uint64_t t = 0; t < 1000; t += block) {
        for (size_t i = 0; i < block; i++)
            wh_source_next(src, X + i * n, NULL);
        assert_status(wh_net_step_minibatch(net, block, X, n, Y, n, NULL), WH_OK);
        memset(D, 0, n * n * sizeof *D);
        for (size_t b = 0; b < block; b++) {
            reference_step(&r, X + b * n, 0.0); /* y from the block's M; M unchanged */
            const double eta = formula(&decay, base_eta, t + b);
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++)
                    D[i * n + j] += eta * (r.y[i] * r.y[j] - (i == j ? 1.0 : 0.0));
        }
        for (size_t i = 0; i < n * n; i++)
            r.M[i] += D[i];
    }
    const double dm = wh_test_rel_diff(n, n, wh__net_lateral(net), n, r.M, n);
    cr_assert_leq(dm, 1e-12, "minibatch M is %g from the reference", dm);
    free(D);
    free(C);
    reference_free(&r);
    wh_source_free(src);
    wh_net_free(net);
}
