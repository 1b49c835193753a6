/*
 * test_alloc.c: every constructor survives the failure of each of its
 * allocations, returns WH_ENOMEM, leaves *out NULL, and leaks nothing.
 *
 * The oracle for "leaks nothing" is the allocator's own live count (every
 * library buffer comes from wh__alloc); CI also runs this suite under
 * AddressSanitizer's leak checker.
 */
#include <math.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "support.h"

/* Build one object described by `spec` into *out. */
typedef wh_status (*constructor)(const void *spec, void **out);

/*
 * Fail allocation 0, 1, 2, ... until the constructor succeeds, which must take
 * at least `at_least` allocations (so that the test is known to reach them).
 * Each failure must give WH_ENOMEM, *out NULL and no block left live; the
 * success must free back to the starting count.
 */
static void fail_each_allocation(const char *what, constructor make, const void *spec,
                                 void (*destroy)(void *), size_t at_least)
{
    for (size_t nth = 0; nth < 1000; nth++) {
        const long live = wh__alloc_live();
        void *obj = (void *)&nth;
        wh__alloc_fail_at(nth);
        wh_status st = make(spec, &obj);
        const bool fired = !wh__alloc_armed();
        wh__alloc_fail_at(WH__ALLOC_NEVER);
        if (!fired) {
            cr_assert(st == WH_OK, "%s: no allocation failed but status is %s", what,
                      wh_status_name(st));
            destroy(obj);
            cr_assert_eq(wh__alloc_live(), live, "%s: free leaves %ld blocks", what,
                         wh__alloc_live() - live);
            cr_assert_geq(nth, at_least, "%s: only %zu allocations, want at least %zu", what, nth,
                          at_least);
            return;
        }
        cr_assert(st == WH_ENOMEM, "%s: allocation %zu failed but status is %s", what, nth,
                  wh_status_name(st));
        cr_assert_null(obj, "%s: allocation %zu failed but *out is set", what, nth);
        cr_assert_eq(wh__alloc_live(), live, "%s: allocation %zu failed and %ld blocks leaked",
                     what, nth, wh__alloc_live() - live);
    }
    cr_assert_fail("%s: never succeeded", what);
}

enum { N = 4, K = 6 };

static const double spread[N] = {0.5, 1.5, 2.385, 1.0};
static const double C4[N * N] = {2.0, 0.1, 0.0, 0.0, 0.1, 1.0, 0.2, 0.0,
                                 0.0, 0.2, 3.0, 0.1, 0.0, 0.0, 0.1, 0.5};
/* W0 for WH_INIT_WEIGHTS: n x k of rank n. */
static const double W4x6[N * K] = {
    1.2, 0.0, 0.0,   0.0, 0.3, 0.0, /* row 1 */
    0.0, 0.9, 0.0,   0.0, 0.0, 0.4, /* row 2 */
    0.0, 0.0, 2.385, 0.0, 0.1, 0.0, /* row 3 */
    0.0, 0.0, 0.0,   0.7, 0.0, 0.2, /* row 4 */
};

/* A network to build: every kind, start, solver and neural mode has its own buffers. */
typedef struct net_case {
    const char *name;
    wh_net_kind kind;
    wh_init_kind init;
    wh_solver solver;
    wh_neural_mode neural;
    size_t at_least; /* allocations it must make, so that the test reaches them all */
} net_case;

/*
 * The counts are those measured when this table was written; the fast solvers
 * add 7 blocks (their struct and 6 vectors) to the exact path's count, and 8 for
 * the interneurons (the inverse P too), so a fast row below its bound would mean
 * the fast state is no longer built (or no longer through wh__alloc).
 */
static const net_case net_cases[] = {
    {"direct, identity, exact", WH_NET_DIRECT, WH_INIT_IDENTITY, WH_SOLVER_EXACT, WH_NEURAL_EXACT,
     12},
    {"direct, rotated, exact", WH_NET_DIRECT, WH_INIT_ROTATED, WH_SOLVER_EXACT, WH_NEURAL_EXACT,
     15},
    {"direct, identity, fast", WH_NET_DIRECT, WH_INIT_IDENTITY, WH_SOLVER_FAST, WH_NEURAL_EXACT,
     19},
    {"direct, matrix, fast", WH_NET_DIRECT, WH_INIT_MATRIX, WH_SOLVER_FAST, WH_NEURAL_EXACT, 19},
    {"direct, simulated dynamics", WH_NET_DIRECT, WH_INIT_IDENTITY, WH_SOLVER_FAST,
     WH_NEURAL_SIMULATED, 12},
    {"interneurons, rotated, exact", WH_NET_INTERNEURON, WH_INIT_ROTATED, WH_SOLVER_EXACT,
     WH_NEURAL_EXACT, 24},
    {"interneurons, rotated, fast", WH_NET_INTERNEURON, WH_INIT_ROTATED, WH_SOLVER_FAST,
     WH_NEURAL_EXACT, 32},
    {"interneurons, matrix, fast", WH_NET_INTERNEURON, WH_INIT_MATRIX, WH_SOLVER_FAST,
     WH_NEURAL_EXACT, 29},
    {"interneurons, weights, fast", WH_NET_INTERNEURON, WH_INIT_WEIGHTS, WH_SOLVER_FAST,
     WH_NEURAL_EXACT, 20},
    {"interneurons, weights, exact", WH_NET_INTERNEURON, WH_INIT_WEIGHTS, WH_SOLVER_EXACT,
     WH_NEURAL_EXACT, 12},
};

static wh_status make_net(const void *spec, void **out)
{
    const net_case *c = spec;
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = c->kind;
    o.n = N;
    o.k = K;
    o.solver = c->solver;
    o.neural.mode = c->neural;
    o.init.kind = c->init;
    o.init.spread = spread;
    o.init.matrix = c->init == WH_INIT_WEIGHTS ? W4x6 : C4;
    return wh_net_new(&o, (wh_net **)out);
}

static void free_net(void *p)
{
    wh_net_free(p);
}

/* A flow to set up: each network's flow, and the interneurons' closed flow of M. */
typedef struct flow_case {
    const char *name;
    wh_net_kind kind;
    bool closed_lateral;
    size_t at_least;
} flow_case;

static const flow_case flow_cases[] = {
    {"direct flow", WH_NET_DIRECT, false, 41},
    {"interneuron flow of W", WH_NET_INTERNEURON, false, 58},
    {"interneuron flow of M", WH_NET_INTERNEURON, true, 58},
};

static wh_status make_flow(const void *spec, void **out)
{
    const flow_case *c = spec;
    wh_flow_options o;
    wh_flow_options_default(&o);
    o.kind = c->kind;
    o.n = N;
    o.k = K;
    o.closed_lateral = c->closed_lateral;
    o.covariance = C4;
    o.init.kind = WH_INIT_ROTATED;
    o.init.spread = spread;
    return wh_flow_new(&o, (wh_flow **)out);
}

static void free_flow(void *p)
{
    wh_flow_free(p);
}

static wh_status source_two_contexts(const void *spec, void **out)
{
    (void)spec;
    double both[2 * N * N];
    for (size_t i = 0; i < N * N; i++)
        both[i] = both[N * N + i] = C4[i];
    wh_source_options so;
    wh_source_options_default(&so);
    so.n = N;
    so.contexts = 2;
    so.covariances = both;
    so.switch_every = 10;
    return wh_source_new(&so, (wh_source **)out);
}

static void free_source(void *p)
{
    wh_source_free(p);
}

static wh_status metrics(const void *spec, void **out)
{
    (void)spec;
    return wh_metrics_new(N, C4, N, (wh_metrics **)out);
}

static void free_metrics(void *p)
{
    wh_metrics_free(p);
}

static wh_status running(const void *spec, void **out)
{
    (void)spec;
    return wh_running_cov_new(N, 100.0, (wh_running_cov **)out);
}

static void free_running(void *p)
{
    wh_running_cov_free(p);
}

Test(alloc, every_network_survives_each_failed_allocation)
{
    for (size_t i = 0; i < sizeof net_cases / sizeof *net_cases; i++)
        fail_each_allocation(net_cases[i].name, make_net, &net_cases[i], free_net,
                             net_cases[i].at_least);
}

Test(alloc, every_flow_survives_each_failed_allocation)
{
    for (size_t i = 0; i < sizeof flow_cases / sizeof *flow_cases; i++)
        fail_each_allocation(flow_cases[i].name, make_flow, &flow_cases[i], free_flow,
                             flow_cases[i].at_least);
}

Test(alloc, sources_and_metrics_survive_each_failed_allocation)
{
    fail_each_allocation("source", source_two_contexts, NULL, free_source, 4);
    fail_each_allocation("metrics", metrics, NULL, free_metrics, 5);
    fail_each_allocation("running covariance", running, NULL, free_running, 3);
}

Test(alloc, covariance_from_spectrum_survives_each_failed_allocation)
{
    double C[N * N];
    wh_spectrum spec = {.n = N, .lo = 0.1, .hi = 10.0, .rotate = true, .seed = 3};
    size_t nth = 0;
    for (;; nth++) {
        const long live = wh__alloc_live();
        wh__alloc_fail_at(nth);
        wh_status st = wh_covariance_from_spectrum(&spec, C, N);
        const bool fired = !wh__alloc_armed();
        wh__alloc_fail_at(WH__ALLOC_NEVER);
        cr_assert_eq(wh__alloc_live(), live);
        if (!fired) {
            assert_status(st, WH_OK);
            break;
        }
        assert_status(st, WH_ENOMEM);
    }
    cr_assert_geq(nth, 4, "only %zu allocations were exercised", nth);
}

Test(alloc, size_overflow_is_caught_before_allocating)
{
    size_t out;
    cr_assert(!wh__size_mul(SIZE_MAX / 2 + 1, 2, &out));
    cr_assert(wh__size_mul(SIZE_MAX / 2, 2, &out));
    cr_assert_null(wh__alloc(SIZE_MAX / 4, 8));
}
