/*
 * test_alloc.c: every constructor survives the failure of each of its
 * allocations, returns WH_ENOMEM, leaves *out NULL, and leaks nothing.
 *
 * The oracle for "leaks nothing" is the allocator's own live count (every
 * library buffer comes from wh__alloc); CI also runs this suite under
 * AddressSanitizer's leak checker.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "io/io.h"
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

/* The averaging stage of a network (whiten/average.h); spec is the network. */
static wh_status average(const void *spec, void **out)
{
    return wh_average_new(spec, (wh_average **)out);
}

static void free_average(void *p)
{
    wh_average_free(p);
}

Test(alloc, sources_and_metrics_survive_each_failed_allocation)
{
    wh_net *net = wh_test_net(WH_NET_INTERNEURON, N, K, 1e-3, 1.0);
    fail_each_allocation("average", average, net, free_average, 2);
    wh_net_free(net);
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

/*
 * The readers and writers of src/io/ allocate through wh__alloc too. Each call
 * below is made with allocation 0, 1, 2, ... failing until it succeeds: every
 * failure must return false, name a reason when the call takes an error record,
 * and leave no block live (the call cleans up, or its free function does).
 */
typedef bool (*io_call)(const void *input, wh__io_error *err);

static void io_fails_cleanly(const char *what, io_call run, const void *input, bool reasons,
                             size_t at_least)
{
    for (size_t nth = 0; nth < 1000; nth++) {
        const long live = wh__alloc_live();
        wh__io_error err = {0};
        wh__alloc_fail_at(nth);
        const bool ok = run(input, &err);
        const bool fired = !wh__alloc_armed();
        wh__alloc_fail_at(WH__ALLOC_NEVER);
        cr_assert_eq(wh__alloc_live(), live, "%s: allocation %zu failed and %ld blocks leaked",
                     what, nth, wh__alloc_live() - live);
        if (!fired) {
            cr_assert(ok, "%s: no allocation failed but the call failed: %s", what, err.message);
            cr_assert_geq(nth, at_least, "%s: only %zu allocations, want at least %zu", what, nth,
                          at_least);
            return;
        }
        cr_assert_not(ok, "%s: allocation %zu failed but the call succeeded", what, nth);
        if (reasons)
            cr_assert(err.message[0] != '\0', "%s: allocation %zu failed and no reason", what, nth);
    }
    cr_assert_fail("%s: never succeeded", what);
}

/* A 1500 x 3 matrix of high-entropy values: more than the CSV reader's first 4096 values,
 * so that its table grows once. */
static wh__matrix io_matrix(void)
{
    wh__matrix m;
    cr_assert(wh__matrix_alloc(&m, 1500, 3));
    for (size_t i = 0; i < 1500 * 3; i++)
        m.data[i] = sin(2.385 * (double)i) * 1e3;
    return m;
}

static bool npy_round(const void *input, wh__io_error *err)
{
    const wh__matrix *m = input;
    wh__matrix back = {0};
    wh__buf b = {0};
    const bool ok = wh__npy_encode(m, 8, 2, &b) && wh__npy_decode(b.data, b.len, &back, NULL, err);
    wh__matrix_free(&back);
    wh__buf_free(&b);
    return ok;
}

static bool csv_round(const void *input, wh__io_error *err)
{
    const wh__matrix *m = input;
    wh__matrix back = {0};
    wh__buf b = {0};
    const bool ok = wh__csv_encode(m, NULL, &b) &&
                    wh__csv_decode((const char *)b.data, b.len, &back, err);
    wh__matrix_free(&back);
    wh__buf_free(&b);
    return ok;
}

static bool state_decode(const void *input_, wh__io_error *err)
{
    const wh__buf *input = input_;
    wh__state s;
    const bool ok = wh__state_decode(input->data, input->len, &s, err);
    if (ok)
        wh__state_free(&s);
    return ok;
}

static bool repro_ckpt_decode(const void *input_, wh__io_error *err)
{
    const wh__buf *input = input_;
    wh__repro_ckpt c;
    const bool ok = wh__repro_ckpt_decode(input->data, input->len, &c, err);
    if (ok)
        wh__repro_ckpt_free(&c);
    return ok;
}

static bool file_write_read(const void *input_, wh__io_error *err)
{
    const wh__buf *input = input_;
    char path[] = "/tmp/whiten_alloc_XXXXXX";
    const int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    unsigned char *bytes = NULL;
    size_t len = 0;
    bool ok = wh__file_write_atomic(path, input, err) && wh__file_read(path, &bytes, &len, err);
    ok = ok && len == input->len && memcmp(bytes, input->data, len) == 0;
    wh__free(bytes);
    unlink(path);
    return ok;
}

Test(alloc, io_readers_and_writers_survive_each_failed_allocation)
{
    wh__matrix m = io_matrix();
    io_fails_cleanly("npy encode and decode", npy_round, &m, false, 2);
    io_fails_cleanly("csv encode and decode", csv_round, &m, false, 3);
    wh__matrix_free(&m);
    /* A state file of the interneuron network with a solver state, through the writer. */
    wh__state s = {.kind = 1, .n = 3, .k = 4, .eta = 2.385e-3, .samples = 12,
                   .solver = WH_SOLVER_FAST, .refresh = 7};
    cr_assert(wh__matrix_alloc(&s.M, 3, 3) && wh__matrix_alloc(&s.W, 3, 4) &&
              wh__matrix_alloc(&s.solver_state, 5, 1));
    for (size_t i = 0; i < 9; i++)
        s.M.data[i] = 1.0 / (double)(i + 2);
    wh__buf state = {0};
    cr_assert(wh__state_encode(&s, "test", &state));
    io_fails_cleanly("state decode", state_decode, &state, true, 3);
    io_fails_cleanly("atomic write and read back", file_write_read, &state, true, 2);
    /* The checkpoint of `whiten reproduce`: options, one sweep with units done. */
    wh__repro_ckpt c = {.options = 1, .seconds = 2.385, .sessions = 1, .sweeps = 1};
    c.option_name[0] = wh__alloc(5, 1);
    c.option_value[0] = wh__alloc(2, 1);
    c.sweep = wh__alloc(1, sizeof *c.sweep);
    cr_assert(c.option_name[0] && c.option_value[0] && c.sweep);
    strcpy(c.option_name[0], "seed");
    strcpy(c.option_value[0], "7");
    strcpy(c.sweep[0].experiment, "E4");
    cr_assert(wh__repro_sweep_alloc(&c.sweep[0], 6, 3));
    c.sweep[0].done[2] = 1;
    wh__buf ckpt = {0};
    cr_assert(wh__repro_ckpt_encode(&c, "test", &ckpt));
    io_fails_cleanly("reproduce checkpoint decode", repro_ckpt_decode, &ckpt, true, 4);
    wh__repro_ckpt_free(&c);
    wh__state_free(&s);
    wh__buf_free(&state);
    wh__buf_free(&ckpt);
}
