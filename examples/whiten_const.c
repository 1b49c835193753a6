/*
 * whiten_const.c: the library's contract as a C user meets it, compiled against
 * the INSTALLED library (tests/installed_example.sh: meson install into a
 * temporary prefix, then cc -Wall -Wextra -Werror with pkg-config).
 *
 * It whitens a 4-channel source with the interneuron network, reads the
 * lateral weights through a const network (wh_net_get_lateral), lets
 * wh_net_options_check name a field that is refused, and checks two answers of
 * the NULL policy. It prints one line per check and exits non-zero if one fails.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <whiten.h>

enum { N = 4 };

static int check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok" : "FAILED", what);
    return ok ? 0 : 1;
}

/* The whitening error of M against C, read through a const network. */
static double error_of(const wh_net *net, wh_metrics *m)
{
    double M[N * N];
    wh_errors e;
    if (wh_net_get_lateral(net, M, N) != WH_OK || wh_metrics_eval(m, M, N, &e) != WH_OK)
        return NAN;
    return e.spectral;
}

int main(void)
{
    double C[N * N], x[N], y[N];
    wh_spectrum spec = {.n = N, .lo = 0.2, .hi = 5.0, .rotate = true, .seed = 3};
    wh_source_options so;
    wh_net_options o;
    wh_source *src = NULL;
    wh_net *net = NULL;
    wh_metrics *m = NULL;
    int failures = 0;

    wh_source_options_default(&so);
    wh_net_options_default(&o);
    const char *field = NULL;
    failures += check(wh_net_options_check(&o, &field) == WH_EDIM && field != NULL &&
                          strcmp(field, "n") == 0,
                      "an unset n is refused, naming the field n");
    o.kind = WH_NET_INTERNEURON, o.n = N, o.k = 2 * N, o.eta = 5e-3;
    o.schedule = (wh_schedule){WH_SCHEDULE_DECAY, 2000.0, 1.0, 0}; /* settles below the floor */
    so.n = N, so.covariances = C, so.seed = 11;
    if (wh_covariance_from_spectrum(&spec, C, N) != WH_OK || wh_source_new(&so, &src) != WH_OK ||
        wh_net_new(&o, &net) != WH_OK || wh_metrics_new(N, C, N, &m) != WH_OK)
        return 2;
    const double before = error_of(net, m);
    for (int t = 0; t < 50000; t++) {
        wh_source_next(src, x, NULL);
        if (wh_net_step(net, x, y, NULL, NULL) != WH_OK)
            return 3;
    }
    const double after = error_of(net, m);
    printf("whitening error %.3f -> %.3f\n", before, after);
    failures += check(after < 0.2 && after < before / 15.0, "the network whitens");
    failures += check(wh_net_step(NULL, x, y, NULL, NULL) == WH_EINVAL, "a NULL network: WH_EINVAL");
    failures += check(wh_net_n(NULL) == 0 && isnan(wh_net_eta(NULL)), "NULL queries: 0 and NaN");
    wh_metrics_free(m), wh_net_free(net), wh_source_free(src);
    return failures == 0 ? 0 : 1;
}
