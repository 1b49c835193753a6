/*
 * test_online.c: both networks learning online from sampled data (science.md §3).
 *
 * n = 10, spectrum [0.1, 10], M0 = I. Online runs never settle: each sample
 * kicks M, so the whitening error fluctuates around a noise floor that falls
 * with eta.
 */
#include <math.h>
#include <stdlib.h>

#include "support.h"
#include "net/view.h"

typedef struct online_result {
    uint64_t first_below; /* first recorded sample with error < 0.2; UINT64_MAX if never */
    double tail_mean;     /* mean error over the last 1e5 samples */
} online_result;

static online_result run_online(wh_net_kind kind, double eta, uint64_t samples)
{
    const size_t n = 10;
    const uint64_t every = 1000, tail = 100000;
    double *C = wh_test_covariance(n, 0.1, 10.0, 42);
    wh_source *src = wh_test_source(C, n, 43);
    wh_metrics *m = NULL;
    assert_status(wh_metrics_new(n, C, n, &m), WH_OK);
    wh_net *net = wh_test_net(kind, n, 2 * n, eta, 1.0);
    online_result r = {UINT64_MAX, 0.0};
    double x[10], sum = 0.0;
    size_t count = 0;
    for (uint64_t t = 1; t <= samples; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(net, x, NULL, NULL, NULL), WH_OK);
        if (t % every != 0)
            continue;
        wh_errors e;
        assert_status(wh_metrics_eval(m, wh__net_lateral(net), n, &e), WH_OK);
        if (e.spectral < 0.2 && r.first_below == UINT64_MAX)
            r.first_below = t;
        if (t > samples - tail) {
            sum += e.spectral;
            count++;
        }
    }
    r.tail_mean = sum / (double)count;
    wh_net_free(net);
    wh_metrics_free(m);
    wh_source_free(src);
    free(C);
    return r;
}

static void noise_floor_falls_with_eta(wh_net_kind kind)
{
    online_result slow = run_online(kind, 1e-4, 500000);
    online_result fast = run_online(kind, 1e-3, 500000);
    cr_log_info("kind %d: eta 1e-4 first below 0.2 at %llu, tail mean %.4f; eta 1e-3 tail mean %.4f",
                (int)kind, (unsigned long long)slow.first_below, slow.tail_mean, fast.tail_mean);
    cr_assert_leq(slow.first_below, 500000, "error never fell below 0.2 in 5e5 samples");
    cr_assert_lt(slow.tail_mean, 0.2, "eta 1e-4: mean error over the last 1e5 samples %g",
                 slow.tail_mean);
    cr_assert_lt(slow.tail_mean, fast.tail_mean,
                 "noise floor did not fall with eta: %g (1e-4) vs %g (1e-3)", slow.tail_mean,
                 fast.tail_mean);
}

Test(online, direct_whitens_and_its_noise_floor_falls_with_eta)
{
    noise_floor_falls_with_eta(WH_NET_DIRECT);
}

Test(online, interneurons_whiten_and_their_noise_floor_falls_with_eta)
{
    noise_floor_falls_with_eta(WH_NET_INTERNEURON);
}

Test(online, running_output_covariance_tracks_the_known_error)
{
    /* Once learned, the exponentially weighted output covariance over a long
     * window agrees with ||M^-1 C M^-1 - I|| up to its own sampling noise. */
    const size_t n = 4;
    double *C = wh_test_covariance(n, 0.5, 4.0, 9);
    wh_net_options o;
    wh_net_options_default(&o);
    o.n = n;
    o.init.kind = WH_INIT_MATRIX;
    wh_metrics *m = NULL;
    assert_status(wh_metrics_new(n, C, n, &m), WH_OK);
    o.init.matrix = wh_metrics_sqrt(m); /* start whitened; tiny eta keeps M near C^{1/2} */
    o.eta = 1e-7;
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    wh_source *src = wh_test_source(C, n, 10);
    wh_running_cov *rc = NULL;
    assert_status(wh_running_cov_new(n, 20000.0, &rc), WH_OK);
    double x[4], y[4];
    for (int t = 0; t < 200000; t++) {
        wh_source_next(src, x, NULL);
        assert_status(wh_net_step(net, x, y, NULL, NULL), WH_OK);
        wh_running_cov_update(rc, y);
    }
    wh_errors e;
    assert_status(wh_running_cov_errors(rc, &e), WH_OK);
    /* Sampling noise of a 2e4-sample covariance estimate is about sqrt(2/2e4) ~ 0.01 per entry. */
    cr_assert_lt(e.spectral, 0.08, "running output covariance error %g", e.spectral);
    cr_assert(isnan(e.sqrt_relative));
    wh_running_cov_free(rc);
    wh_source_free(src);
    wh_net_free(net);
    wh_metrics_free(m);
    free(C);
}

/*
 * The direct network's M after T samples is M0 + sum_t eta (y_t y_t^T - I) of its own
 * outputs. Summed in long double, that is the oracle for the stored M: rounding may
 * only wander (about sqrt(T) units in the last place), not drift. Adding eta y_i^2
 * and then subtracting eta rounded the same way every sample, 0.5 units in the last
 * place each: 3.3e-13 after 3000 samples near 1, which this test refuses. Both
 * solvers, and a refresh period beyond the kept outputs (M updated per sample).
 */
Test(online, direct_M_is_the_sum_of_its_updates_without_a_rounding_drift)
{
    const size_t n = 6;
    const int samples = 3000;
    double *C = wh_test_covariance(n, 0.5, 2.0, 5);
    const wh_solver solver[] = {WH_SOLVER_EXACT, WH_SOLVER_FAST, WH_SOLVER_FAST};
    const size_t refresh[] = {0, 0, 100};
    for (size_t c = 0; c < 3; c++) {
        wh_source *src = wh_test_source(C, n, 6);
        wh_net_options o;
        wh_net_options_default(&o);
        o.n = n;
        o.eta = 1e-3;
        o.solver = solver[c];
        o.refresh = refresh[c];
        wh_net *net = NULL;
        assert_status(wh_net_new(&o, &net), WH_OK);
        long double sum[36];
        const double *M0 = wh__net_lateral(net);
        for (size_t i = 0; i < n * n; i++)
            sum[i] = M0[i];
        double x[6], y[6];
        for (int t = 0; t < samples; t++) {
            wh_source_next(src, x, NULL);
            assert_status(wh_net_step(net, x, y, NULL, NULL), WH_OK);
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++)
                    sum[i * n + j] += 1e-3L * ((long double)y[i] * y[j] - (i == j ? 1.0L : 0.0L));
        }
        const double *M = wh__net_lateral(net);
        double worst = 0.0;
        for (size_t i = 0; i < n * n; i++)
            worst = fmax(worst, fabs((double)((long double)M[i] - sum[i])));
        cr_assert_leq(worst, 5e-14, "case %zu: M is %g from the sum of its updates", c, worst);
        wh_net_free(net);
        wh_source_free(src);
    }
    free(C);
}
