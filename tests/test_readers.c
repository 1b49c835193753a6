/*
 * test_readers.c: the getters that write nothing (whiten/network.h, "Threads").
 *
 * wh_net_get_lateral() and wh_net_get_weights() take a const network. On every
 * path that keeps M or W implicitly (the direct CG path's M of the last refresh
 * plus the outputs since; the blocked interneuron path's product Q W0), two
 * threads read one network at once through a const pointer and must get the same
 * bits every time; the values must match an independent computation (the exact
 * path fed the same samples; W W^T formed here from the weights read); and a
 * twin never read must then learn on bit for bit like the network that was read.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define N 40
#define ROWS 120
#define READS 40

typedef struct reader {
    const wh_net *net; /* read only through this */
    size_t n, k;
    double *M, *W;       /* the first read */
    double *M_again, *W_again;
    int mismatches;
} reader;

static void *read_many(void *arg)
{
    reader *r = arg;
    for (int i = 0; i < READS; i++) {
        const bool weights = r->W != NULL;
        if (wh_net_get_lateral(r->net, r->M_again, r->n) != WH_OK ||
            (weights && wh_net_get_weights(r->net, r->W_again, r->k) != WH_OK)) {
            r->mismatches++;
            continue;
        }
        if (memcmp(r->M, r->M_again, r->n * r->n * sizeof *r->M) != 0 ||
            (weights && memcmp(r->W, r->W_again, r->n * r->k * sizeof *r->W) != 0))
            r->mismatches++;
    }
    return NULL;
}

static wh_net *make(wh_net_kind kind, wh_solver solver)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = kind;
    o.n = N;
    o.k = kind == WH_NET_INTERNEURON ? N + 8 : 0;
    o.eta = 0.004;
    o.solver = solver;
    o.init.alpha = 1.5;
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    return net;
}

/* ROWS samples of a correlated source, learned in one block call. */
static void learn(wh_net *net, uint64_t seed)
{
    double *C = wh_test_covariance(N, 0.3, 4.0, 11);
    wh_source *src = wh_test_source(C, N, seed);
    double *X = malloc(ROWS * N * sizeof *X), *Y = malloc(ROWS * N * sizeof *Y);
    for (size_t i = 0; i < ROWS; i++)
        wh_source_next(src, X + i * N, NULL);
    assert_status(wh_net_learn_block(net, ROWS, X, N, Y, N, NULL, 0, NULL), WH_OK);
    free(X), free(Y), free(C);
    wh_source_free(src);
}

static void check_path(wh_net_kind kind)
{
    wh_net *net = make(kind, WH_SOLVER_FAST), *twin = make(kind, WH_SOLVER_FAST),
           *exact = make(kind, WH_SOLVER_EXACT);
    learn(net, 5), learn(twin, 5), learn(exact, 5);
    const wh_net *view = net;
    const size_t n = N, k = wh_net_k(view);
    const bool weights = kind == WH_NET_INTERNEURON;
    reader r[2];
    for (int t = 0; t < 2; t++) {
        r[t] = (reader){view, n, k, calloc(n * n, sizeof(double)), NULL,
                        calloc(n * n, sizeof(double)), NULL, 0};
        assert_status(wh_net_get_lateral(view, r[t].M, n), WH_OK);
        if (weights) {
            r[t].W = calloc(n * k, sizeof(double));
            r[t].W_again = calloc(n * k, sizeof(double));
            assert_status(wh_net_get_weights(view, r[t].W, k), WH_OK);
        }
    }
    pthread_t th[2];
    for (int t = 0; t < 2; t++)
        cr_assert_eq(pthread_create(&th[t], NULL, read_many, &r[t]), 0);
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < 2; t++)
        cr_assert_eq(r[t].mismatches, 0, "thread %d: %d of %d reads differed", t, r[t].mismatches,
                     READS);

    /* Independent values: the exact path on the same samples, and W W^T formed here. */
    double *Me = calloc(n * n, sizeof(double));
    assert_status(wh_net_get_lateral(exact, Me, n), WH_OK);
    const double d = wh_test_rel_diff(n, n, r[0].M, n, Me, n);
    cr_assert(d < 1e-10, "fast M differs from the exact path's by %.3g (tolerance 1e-10)", d);
    cr_assert_eq(wh_test_asymmetry(n, r[0].M), 0.0, "M read is not exactly symmetric");
    if (weights) {
        double *WWt = calloc(n * n, sizeof(double)), *Wt = calloc(n * k, sizeof(double));
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < k; j++)
                Wt[j * n + i] = r[0].W[i * k + j];
        wh_test_matmul(n, k, n, r[0].W, Wt, WWt);
        const double g = wh_test_rel_diff(n, n, r[0].M, n, WWt, n);
        cr_assert(g < 1e-13, "M read differs from W W^T by %.3g (tolerance 1e-13)", g);
        free(WWt), free(Wt);
    } else {
        double W[1];
        assert_status(wh_net_get_weights(view, W, 1), WH_EINVAL); /* no W */
    }

    /* Reading wrote nothing the learning uses: the twin, never read, continues alike. */
    learn(net, 9), learn(twin, 9);
    double *Mt = calloc(n * n, sizeof(double));
    assert_status(wh_net_get_lateral(net, r[0].M, n), WH_OK);
    assert_status(wh_net_get_lateral(twin, Mt, n), WH_OK);
    cr_assert(memcmp(r[0].M, Mt, n * n * sizeof *Mt) == 0, "reading changed the learning");

    for (int t = 0; t < 2; t++)
        free(r[t].M), free(r[t].M_again), free(r[t].W), free(r[t].W_again);
    free(Me), free(Mt);
    wh_net_free(net), wh_net_free(twin), wh_net_free(exact);
}

Test(readers, direct_cg_path_two_threads_one_const_network) { check_path(WH_NET_DIRECT); }

Test(readers, blocked_interneuron_path_two_threads_one_const_network)
{
    check_path(WH_NET_INTERNEURON);
}

/* Gains plus synapses at n = 40: the step factors M straight from W and g and leaves it
 * unformed, so every read forms it. */
Test(readers, gain_synapse_straight_factor_two_threads_one_const_network)
{
    check_path(WH_NET_GAIN_SYNAPSE);
}

/* The copies carry the bits of the old pointer getters (the library's own view). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
Test(readers, copies_equal_the_deprecated_views)
{
    const wh_net_kind kinds[] = {WH_NET_DIRECT, WH_NET_INTERNEURON};
    for (size_t i = 0; i < 2; i++) {
        wh_net *net = make(kinds[i], WH_SOLVER_FAST);
        learn(net, 3);
        const size_t k = wh_net_k(net);
        double *M = calloc(N * N, sizeof *M), *W = calloc(N * k, sizeof *W);
        assert_status(wh_net_get_lateral(net, M, N), WH_OK);
        cr_assert(memcmp(M, wh_net_lateral(net), N * N * sizeof *M) == 0);
        if (kinds[i] == WH_NET_INTERNEURON) {
            assert_status(wh_net_get_weights(net, W, k), WH_OK);
            cr_assert(memcmp(W, wh_net_weights(net), N * k * sizeof *W) == 0);
        }
        free(M), free(W);
        wh_net_free(net);
    }
}
#pragma GCC diagnostic pop
