/*
 * flow_gain.c: `whiten flow --net gain` (flow_gain.h).
 *
 * The gain circuit's population update with rate dt is Euler's method for its gain flow;
 * its fixed point is the closed form g* (wh_gain_optimum), printed beside it, with the
 * frame's cross-Gram condition number, which sets how fast the flow gets there.
 */
#include "cli/flow_gain.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/alloc.h"
#include "whiten.h"
#include "net/view.h"

typedef struct gain_result {
    double t_eps, t, error, gap, condition;
    double *g_star; /* K values, malloc'd */
} gain_result;

static cJSON *vector(const double *v, size_t count)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a != NULL && i < count; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

static void print_json(const wh__flow_gain_args *a, wh_net *net, const gain_result *r)
{
    const size_t n = wh_net_n(net), K = wh_net_k(net);
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return;
    cJSON_AddStringToObject(o, "net", "gain");
    cJSON_AddNumberToObject(o, "n", (double)n);
    cJSON_AddNumberToObject(o, "K", (double)K);
    cJSON_AddNumberToObject(o, "alpha", wh_net_gain_alpha(net));
    cJSON_AddStringToObject(o, "frame", a->net.frame != NULL ? a->net.frame : "default");
    cJSON_AddNumberToObject(o, "cross_gram_condition", r->condition);
    cJSON_AddNumberToObject(o, "dt", a->dt);
    cJSON_AddNumberToObject(o, "eps", a->eps);
    if (isnan(r->t_eps))
        cJSON_AddNullToObject(o, "convergence_time");
    else
        cJSON_AddNumberToObject(o, "convergence_time", r->t_eps);
    cJSON_AddNumberToObject(o, "final_time", r->t);
    cJSON_AddNumberToObject(o, "final_error", r->error);
    cJSON_AddNumberToObject(o, "gain_gap", r->gap);
    cJSON_AddItemToObject(o, "g_star", vector(r->g_star, K));
    cJSON_AddItemToObject(o, "g", vector(wh_net_gains(net), K));
    char *text = cJSON_Print(o);
    if (text != NULL)
        printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(o);
}

static double gap(size_t K, const double *g, const double *g_star)
{
    double d = 0.0, s = 0.0;
    for (size_t j = 0; j < K; j++)
        d += (g[j] - g_star[j]) * (g[j] - g_star[j]), s += g_star[j] * g_star[j];
    return sqrt(d / s);
}

/* Euler steps until the error reaches eps or t_max passes. */
static wh_status integrate(const wh__flow_gain_args *a, wh_net *net, wh_metrics *m, gain_result *r)
{
    const size_t n = wh_net_n(net);
    wh_errors e;
    wh_status st = WH_OK;
    r->t_eps = NAN;
    for (uint64_t s = 0;; s++) {
        r->t = (double)s * a->dt;
        st = wh_metrics_eval(m, wh__net_lateral(net), n, &e);
        if (st != WH_OK)
            return st;
        r->error = e.spectral;
        if (e.spectral <= a->eps) {
            r->t_eps = r->t;
            return WH_OK;
        }
        if (r->t >= a->t_max || s >= a->max_steps)
            return WH_OK;
        st = wh_net_step_expected(net, a->C, n, NULL);
        if (st != WH_OK)
            return st;
    }
}

int wh__flow_gain(const wh__flow_gain_args *a)
{
    wh__cli_net o = a->net;
    o.eta = a->dt;
    o.eta_g = 0.0;
    wh_net *net = NULL;
    wh_metrics *m = NULL;
    int rc = wh__cli_make_net("flow", &o, &net);
    if (rc != WH__EXIT_OK)
        return rc;
    const size_t n = wh_net_n(net), K = wh_net_k(net);
    gain_result r = {.g_star = wh__alloc(K, sizeof(double))};
    wh_status st = r.g_star == NULL ? WH_ENOMEM : wh_metrics_new(n, a->C, n, &m);
    if (st == WH_OK)
        st = wh_frame_condition(n, K, wh__net_weights(net), K, &r.condition);
    if (st == WH_OK)
        st = wh_gain_optimum(n, K, wh__net_weights(net), K, wh_net_gain_alpha(net), a->C, n,
                             r.g_star);
    if (st == WH_OK && K < wh_frame_full_size(n))
        st = WH_ERANK; /* then g* is not the flow's fixed point (science.md §7 fact 3) */
    if (st == WH_ERANK) {
        fprintf(stderr,
                "whiten flow: the frame's w w^T do not span the symmetric matrices (K = %zu, "
                "n(n+1)/2 = %zu), so the closed form g* is not the fixed point: use --K %zu\n",
                K, wh_frame_full_size(n), wh_frame_full_size(n));
        rc = WH__EXIT_USAGE;
    } else if (st == WH_OK) {
        st = integrate(a, net, m, &r);
    }
    if (rc == WH__EXIT_OK && st != WH_OK)
        rc = wh__cli_fail("flow", "the gain flow", st);
    if (rc == WH__EXIT_OK) {
        r.gap = gap(K, wh_net_gains(net), r.g_star);
        if (a->json)
            print_json(a, net, &r);
        else
            printf("gain flow, n = %zu, K = %zu, cond((W^T W) o (W^T W)) = %.3g: error %.3g at t "
                   "= %g%s; |g - g*| / |g*| = %.3g\n",
                   n, K, r.condition, r.error, r.t, isnan(r.t_eps) ? " (eps not reached)" : "",
                   r.gap);
    }
    wh__free(r.g_star);
    wh_metrics_free(m);
    wh_net_free(net);
    return rc;
}
