#include "support.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double wh_test_rel_diff(size_t n, size_t m, const double *a, size_t lda, const double *b,
                        size_t ldb)
{
    double diff = 0.0, scale = 1.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++) {
            diff = fmax(diff, fabs(a[i * lda + j] - b[i * ldb + j]));
            scale = fmax(scale, fabs(b[i * ldb + j]));
        }
    return diff / scale;
}

double *wh_test_covariance(size_t n, double lo, double hi, uint64_t seed)
{
    double *C = calloc(n * n, sizeof *C);
    cr_assert_not_null(C);
    wh_spectrum spec = {.n = n, .lo = lo, .hi = hi, .rotate = true, .seed = seed};
    assert_status(wh_covariance_from_spectrum(&spec, C, n), WH_OK);
    return C;
}

double wh_test_min_eig(size_t n, const double *a)
{
    double *copy = malloc(n * n * sizeof *copy), *w = malloc(n * sizeof *w);
    cr_assert(copy != NULL && w != NULL);
    memcpy(copy, a, n * n * sizeof *copy);
    lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'L', (lapack_int)n, copy,
                                    (lapack_int)n, w);
    cr_assert_eq(info, 0, "dsyev failed: info %d", (int)info);
    double min = w[0];
    free(copy);
    free(w);
    return min;
}

double wh_test_asymmetry(size_t n, const double *a)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            worst = fmax(worst, fabs(a[i * n + j] - a[j * n + i]));
    return worst;
}

void wh_test_matmul(size_t n, size_t m, size_t p, const double *a, const double *b, double *c)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++) {
            double s = 0.0;
            for (size_t l = 0; l < m; l++)
                s += a[i * m + l] * b[l * p + j];
            c[i * p + j] = s;
        }
}

wh_source *wh_test_source(const double *C, size_t n, uint64_t seed)
{
    wh_source_options so;
    wh_source_options_default(&so);
    so.n = n;
    so.covariances = C;
    so.seed = seed;
    wh_source *src = NULL;
    assert_status(wh_source_new(&so, &src), WH_OK);
    return src;
}

wh_net *wh_test_net(wh_net_kind kind, size_t n, size_t k, double eta, double alpha)
{
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = kind;
    o.n = n;
    o.k = k;
    o.eta = eta;
    o.init.alpha = alpha;
    wh_net *net = NULL;
    assert_status(wh_net_new(&o, &net), WH_OK);
    return net;
}
