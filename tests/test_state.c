/*
 * test_state.c: saving and restoring a network and a source continues a run
 * bit for bit (wh_net_restore, wh_source_get_state, wh_source_set_state).
 *
 * Oracle: one uninterrupted run against a run stopped half-way, whose state is
 * copied out, put into freshly built objects, and continued. Every output and
 * the final synapses must be identical to the last bit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "net/view.h"

enum { N = 4, K = 7, HALF = 300 };

/* How the networks of one test learn: kind, solver and refresh period. */
typedef struct learner {
    wh_net_kind kind;
    wh_solver solver;
    size_t refresh;
} learner;

static wh_net *make_net(const learner *l, double alpha)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = l->kind;
    o.n = N;
    o.k = K;
    o.eta = 0.0237;
    o.init.alpha = alpha;
    o.solver = l->solver;
    o.refresh = l->refresh;
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    return net;
}

static wh_source *make_source(const double *C, uint64_t seed)
{
    return wh_test_source(C, N, seed);
}

/* Run HALF samples through net from src, writing the outputs into y (HALF x N). */
static void run(wh_net *net, wh_source *src, double *y)
{
    double x[N];
    for (int t = 0; t < HALF; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(net, x, y + (size_t)t * N, NULL, NULL), WH_OK);
    }
}

/* Rebuild net and src from their saved state, as a later run of the tool would. */
static void restore(const learner *l, wh_net *from, const wh_source *src_from,
                    const double *C, wh_net **net, wh_source **src)
{
    const wh_net_kind kind = l->kind;
    *net = make_net(l, 1.0);
    const double *syn = kind == WH_NET_DIRECT ? wh__net_lateral(from) : wh__net_weights(from);
    const size_t ld = kind == WH_NET_DIRECT ? N : K;
    double *copy = malloc(N * K * sizeof *copy);
    memcpy(copy, syn, N * ld * sizeof *copy);
    assert_status(wh_net_restore(*net, copy, ld, wh_net_samples(from)), WH_OK);
    free(copy);
    const size_t size = wh_net_solver_state_size(from);
    cr_assert_eq(size, wh_net_solver_state_size(*net));
    if (size > 0) {
        double *solver = malloc(size * sizeof *solver);
        assert_status(wh_net_get_solver_state(from, solver, size), WH_OK);
        assert_status(wh_net_set_solver_state(*net, solver, size), WH_OK);
        free(solver);
    }
    uint32_t words[WH_SOURCE_STATE_WORDS];
    uint64_t samples;
    assert_status(wh_source_get_state(src_from, words, &samples), WH_OK);
    *src = make_source(C, 999); /* another seed: the state must override it */
    assert_status(wh_source_set_state(*src, words, samples), WH_OK);
    cr_assert_eq(wh_source_samples(*src), samples);
}

static void continues_bit_for_bit(const learner *l)
{
    double *C = wh_test_covariance(N, 0.2, 5.0, 21);
    wh_net *a = make_net(l, 2.385), *b = make_net(l, 2.385);
    wh_source *sa = make_source(C, 5), *sb = make_source(C, 5);
    double ya[HALF * N], yb[HALF * N];
    run(a, sa, ya);
    run(a, sa, ya); /* the uninterrupted run: its second half is in ya */
    run(b, sb, yb);
    wh_net *c;
    wh_source *sc;
    restore(l, b, sb, C, &c, &sc);
    run(c, sc, yb);
    cr_assert(memcmp(ya, yb, sizeof ya) == 0,
              "outputs after the restore differ (kind %d, solver "
              "%d, refresh %zu)",
              (int)l->kind, (int)l->solver, l->refresh);
    cr_assert(memcmp(wh__net_lateral(a), wh__net_lateral(c), N * N * sizeof(double)) == 0,
              "final M differs");
    cr_assert_eq(wh_net_samples(c), 2 * HALF);
    wh_net_free(a);
    wh_net_free(b);
    wh_net_free(c);
    wh_source_free(sa);
    wh_source_free(sb);
    wh_source_free(sc);
    free(C);
}

/* Each network with each solver; refresh 7 puts refreshes on both sides of the restore. */
Test(state, every_network_and_solver_continues_bit_for_bit)
{
    const learner cases[] = {
        {WH_NET_DIRECT, WH_SOLVER_EXACT, 0},
        {WH_NET_DIRECT, WH_SOLVER_FAST, 7},
        {WH_NET_DIRECT, WH_SOLVER_FAST, 0},
        {WH_NET_INTERNEURON, WH_SOLVER_EXACT, 0},
        {WH_NET_INTERNEURON, WH_SOLVER_FAST, 7},
        {WH_NET_INTERNEURON, WH_SOLVER_FAST, 0},
        /* Every sample exact; and a period longer than the 64 outputs kept, saved 66
         * samples into it (300 mod 234), where M is updated per sample and CG undeflated. */
        {WH_NET_DIRECT, WH_SOLVER_FAST, 1},
        {WH_NET_DIRECT, WH_SOLVER_FAST, 234},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        continues_bit_for_bit(&cases[i]);
}

Test(state, solver_state_of_another_kind_is_refused)
{
    const learner fast_in = {WH_NET_INTERNEURON, WH_SOLVER_FAST, 7};
    const learner fast_direct = {WH_NET_DIRECT, WH_SOLVER_FAST, 7};
    const learner exact = {WH_NET_DIRECT, WH_SOLVER_EXACT, 0};
    wh_net *a = make_net(&fast_in, 1.0), *b = make_net(&fast_direct, 1.0),
           *c = make_net(&exact, 1.0);
    cr_assert_eq(wh_net_solver_state_size(c), 0);
    const size_t size = wh_net_solver_state_size(a);
    double *state = calloc(size, sizeof *state);
    assert_status(wh_net_get_solver_state(a, state, size), WH_OK);
    assert_status(wh_net_set_solver_state(b, state, size), WH_EINVAL);
    assert_status(wh_net_set_solver_state(a, state, size - 1), WH_EINVAL);
    state[1] = 7.0; /* samples since the last refresh must be below the refresh period */
    assert_status(wh_net_set_solver_state(a, state, size), WH_EINVAL);
    state[1] = 0.0;
    state[5] = NAN;
    assert_status(wh_net_set_solver_state(a, state, size), WH_ENONFINITE);
    free(state);
    wh_net_free(a);
    wh_net_free(b);
    wh_net_free(c);
}

Test(state, restore_refuses_bad_synapses_and_keeps_the_network)
{
    wh_net *net = wh_test_net(WH_NET_DIRECT, 2, 0, 0.01, 1.5);
    const double asym[4] = {2.0, 0.5, 0.4, 2.0}, indefinite[4] = {1.0, 2.0, 2.0, 1.0};
    const double nan_m[4] = {1.0, 0.0, 0.0, NAN};
    assert_status(wh_net_restore(net, asym, 2, 7), WH_ENOTSYM);
    assert_status(wh_net_restore(net, indefinite, 2, 7), WH_ENOTPD);
    assert_status(wh_net_restore(net, nan_m, 2, 7), WH_ENONFINITE);
    assert_status(wh_net_restore(net, asym, 1, 7), WH_EINVAL);
    cr_assert(wh__net_lateral(net)[0] == 1.5 && wh_net_samples(net) == 0, "network changed");
    wh_net_free(net);
    wh_net *in = wh_test_net(WH_NET_INTERNEURON, 2, 3, 0.01, 1.0);
    const double rank_one[6] = {1.0, 2.0, 3.0, 2.0, 4.0, 6.0};
    assert_status(wh_net_restore(in, rank_one, 3, 1), WH_ERANK);
    wh_net_free(in);
}

Test(state, source_refuses_a_bad_position_word)
{
    double *C = wh_test_covariance(N, 0.2, 5.0, 21);
    wh_source *src = make_source(C, 5);
    uint32_t words[WH_SOURCE_STATE_WORDS];
    uint64_t samples;
    assert_status(wh_source_get_state(src, words, &samples), WH_OK);
    words[WH_SOURCE_STATE_WORDS - 1] = 625;
    assert_status(wh_source_set_state(src, words, 3), WH_EINVAL);
    cr_assert_eq(wh_source_samples(src), 0);
    wh_source_free(src);
    free(C);
}

/* Every Gaussian draw of `count` samples is zero: the stream of an all-zero MT19937. */
static bool draws_only_zeros(wh_source *src, size_t count)
{
    double x[N];
    bool zeros = true;
    for (size_t t = 0; t < count; t++) {
        wh_source_next(src, x, NULL);
        for (size_t i = 0; i < N; i++)
            zeros = zeros && x[i] == 0.0;
    }
    return zeros;
}

Test(state, source_refuses_a_generator_state_stuck_at_zero)
{
    double *C = wh_test_covariance(N, 0.2, 5.0, 21);
    wh_source *src = make_source(C, 5);
    uint32_t words[WH_SOURCE_STATE_WORDS] = {0};
    words[WH_SOURCE_STATE_WORDS - 1] = 624;
    assert_status(wh_source_set_state(src, words, 3), WH_EINVAL);
    /* Word 0's low 31 bits are not part of the recurrence: still stuck at zero. */
    words[0] = 0x7fffffffu;
    assert_status(wh_source_set_state(src, words, 3), WH_EINVAL);
    cr_assert_eq(wh_source_samples(src), 0, "a refused state changed the sample count");
    cr_assert(!draws_only_zeros(src, 3), "a refused state reached the generator");
    /* One bit of the 19937 is enough for the full-period cycle: accepted, and not zeros. */
    words[0] = 0x80000000u;
    assert_status(wh_source_set_state(src, words, 3), WH_OK);
    cr_assert_eq(wh_source_samples(src), 3);
    cr_assert(!draws_only_zeros(src, 700), "a valid state emitted only zeros");
    wh_source_free(src);
    free(C);
}

/* The blocked path (n >= 40) keeps the weights as a lazy product Q W between refreshes; a
 * state saved in the middle of that product must continue it bit for bit. Oracle: the
 * uninterrupted run. (That the product is the right W is test_fast.c's comparison of the
 * blocked path with the exact one, sample by sample.) */
Test(state, blocked_path_continues_bit_for_bit_across_its_lazy_product)
{
    enum { BN = 48, BK = 96, CALL = 50, CALLS = 8 };
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = WH_NET_INTERNEURON;
    o.n = BN;
    o.k = BK;
    o.eta = 1e-3;
    o.solver = WH_SOLVER_FAST;
    wh_net *a = NULL, *b = NULL, *c = NULL;
    assert_status(wh_net_new(&o, &a), WH_OK);
    assert_status(wh_net_new(&o, &b), WH_OK);
    assert_status(wh_net_new(&o, &c), WH_OK);
    cr_assert_gt(wh_net_block_length(a), 1, "the test needs the blocked path");
    double *X = malloc(CALL * CALLS * BN * sizeof *X), *ya = malloc(CALL * BN * sizeof *ya),
           *yc = malloc(CALL * BN * sizeof *yc);
    uint64_t s = 7;
    for (size_t i = 0; i < CALL * CALLS * BN; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        X[i] = ((double)(s >> 11) * 0x1p-53 - 0.5) * (1.0 + (double)(i % BN) / BN);
    }
    for (int t = 0; t < CALLS / 2; t++) {
        assert_status(wh_net_learn_block(a, CALL, X + t * CALL * BN, BN, ya, BN, NULL, 0, NULL),
                      WH_OK);
        assert_status(wh_net_learn_block(b, CALL, X + t * CALL * BN, BN, yc, BN, NULL, 0, NULL),
                      WH_OK);
    }
    /* b's weights as a reader sees them (the product), saved like `whiten fit` saves them. */
    double *w = malloc(BN * BK * sizeof *w);
    memcpy(w, wh__net_weights(b), BN * BK * sizeof *w);
    assert_status(wh_net_restore(c, w, BK, wh_net_samples(b)), WH_OK);
    const size_t size = wh_net_solver_state_size(b);
    double *solver = malloc(size * sizeof *solver);
    assert_status(wh_net_get_solver_state(b, solver, size), WH_OK);
    cr_assert_eq(solver[4 + 2 * BN * BN], 1.0, "the save fell between refreshes: Q is running");
    assert_status(wh_net_set_solver_state(c, solver, size), WH_OK);
    cr_assert(memcmp(wh__net_weights(c), w, BN * BK * sizeof *w) == 0,
              "the restored weights are not the saved ones");
    for (int t = CALLS / 2; t < CALLS; t++) {
        assert_status(wh_net_learn_block(a, CALL, X + t * CALL * BN, BN, ya, BN, NULL, 0, NULL),
                      WH_OK);
        assert_status(wh_net_learn_block(c, CALL, X + t * CALL * BN, BN, yc, BN, NULL, 0, NULL),
                      WH_OK);
        cr_assert(memcmp(ya, yc, CALL * BN * sizeof *ya) == 0, "outputs differ after call %d", t);
    }
    cr_assert(memcmp(wh__net_weights(a), wh__net_weights(c), BN * BK * sizeof(double)) == 0,
              "final weights differ");
    cr_assert(memcmp(wh__net_lateral(a), wh__net_lateral(c), BN * BN * sizeof(double)) == 0,
              "final M differs");
    free(X);
    free(ya);
    free(yc);
    free(w);
    free(solver);
    wh_net_free(a);
    wh_net_free(b);
    wh_net_free(c);
}

/*
 * The direct path keeps one output per sample since its last refresh. A solver state
 * that claims more samples since than the count the synapses were restored with allows
 * (since <= samples mod refresh) would run past them: it is refused, and the network
 * keeps learning from the synapses alone. With the right count it is taken.
 */
Test(state, direct_solver_state_with_more_samples_since_than_the_count_is_refused)
{
    const learner fast = {WH_NET_DIRECT, WH_SOLVER_FAST, 8};
    double *C = wh_test_covariance(N, 0.2, 5.0, 31);
    wh_source *src = make_source(C, 32);
    wh_net *a = make_net(&fast, 1.0);
    double x[N];
    for (int t = 0; t < 7; t++) { /* since = 7 at the save, Y full */
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(a, x, NULL, NULL, NULL), WH_OK);
    }
    const size_t size = wh_net_solver_state_size(a);
    double *state = malloc(size * sizeof *state), M[N * N];
    assert_status(wh_net_get_solver_state(a, state, size), WH_OK);
    cr_assert_eq(state[1], 7.0);
    memcpy(M, wh__net_lateral(a), sizeof M);
    wh_net *b = make_net(&fast, 1.0);
    assert_status(wh_net_restore(b, M, N, 5), WH_OK);
    assert_status(wh_net_set_solver_state(b, state, size), WH_EINVAL);
    for (int t = 0; t < 20; t++) { /* through two refreshes, from the synapses alone */
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(b, x, NULL, NULL, NULL), WH_OK);
    }
    wh_net *c = make_net(&fast, 1.0);
    assert_status(wh_net_restore(c, M, N, 7), WH_OK);
    assert_status(wh_net_set_solver_state(c, state, size), WH_OK);
    free(state);
    free(C);
    wh_source_free(src);
    wh_net_free(a);
    wh_net_free(b);
    wh_net_free(c);
}
