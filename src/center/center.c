/*
 * center.c: the running mean and the exact mean of a file (whiten/center.h).
 */
#include <math.h>

#include "core/alloc.h"
#include "core/linalg.h"
#include "whiten/center.h"

struct wh_center {
    size_t n;
    double window;    /* 0: none (the mean of every sample so far) */
    uint64_t samples; /* t: samples folded in */
    double *mean;     /* mu, n values */
};

static int window_ok(double window)
{
    return window == 0.0 || (window >= 1.0 && window <= WH_CENTER_MAX_WINDOW);
}

wh_status wh_center_new(size_t n, double window, wh_center **out)
{
    if (out == NULL)
        return WH_EINVAL;
    *out = NULL;
    if (!window_ok(window))
        return WH_EINVAL;
    if (n == 0)
        return WH_EDIM;
    wh_center *c = wh__alloc(1, sizeof *c);
    if (c == NULL)
        return WH_ENOMEM;
    c->n = n;
    c->window = window;
    c->mean = wh__alloc(n, sizeof *c->mean);
    if (c->mean == NULL) {
        wh_center_free(c);
        return WH_ENOMEM;
    }
    *out = c;
    return WH_OK;
}

void wh_center_free(wh_center *c)
{
    if (c == NULL)
        return;
    wh__free(c->mean);
    wh__free(c);
}

wh_status wh_center_update(wh_center *c, const double *x)
{
    if (c == NULL || x == NULL)
        return WH_EINVAL;
    if (!wh__finite(1, c->n, x, c->n))
        return WH_ENONFINITE;
    c->samples++;
    /* 1/t until the window is full, then 1/window: an exact mean, then a moving one. */
    const double t = (double)c->samples,
                 d = c->window > 0.0 && c->window < t ? c->window : t;
    for (size_t i = 0; i < c->n; i++)
        c->mean[i] += (x[i] - c->mean[i]) / d;
    return WH_OK;
}

void wh_center_subtract(const wh_center *c, const double *x, double *xc)
{
    if (c == NULL || x == NULL || xc == NULL)
        return;
    for (size_t i = 0; i < c->n; i++)
        xc[i] = x[i] - c->mean[i];
}

void wh_center_add(const wh_center *c, const double *xc, double *x)
{
    if (c == NULL || xc == NULL || x == NULL)
        return;
    for (size_t i = 0; i < c->n; i++)
        x[i] = xc[i] + c->mean[i];
}

const double *wh_center_mean(const wh_center *c)
{
    return c != NULL ? c->mean : NULL;
}

size_t wh_center_n(const wh_center *c)
{
    return c != NULL ? c->n : 0;
}

uint64_t wh_center_samples(const wh_center *c)
{
    return c != NULL ? c->samples : 0;
}

double wh_center_window(const wh_center *c)
{
    return c != NULL ? c->window : (double)NAN;
}

wh_status wh_center_set(wh_center *c, const double *mean, uint64_t samples)
{
    if (c == NULL || mean == NULL)
        return WH_EINVAL;
    if (!wh__finite(1, c->n, mean, c->n))
        return WH_ENONFINITE;
    wh__copy(1, c->n, mean, c->n, c->mean, c->n);
    c->samples = samples;
    return WH_OK;
}

wh_status wh_center_set_window(wh_center *c, double window)
{
    if (c == NULL || !window_ok(window))
        return WH_EINVAL;
    c->window = window;
    return WH_OK;
}

wh_status wh_center_exact_mean(size_t rows, size_t n, const double *X, size_t ldx, double *mean)
{
    if (X == NULL || mean == NULL || rows == 0 || ldx < n)
        return WH_EINVAL;
    if (n == 0)
        return WH_EDIM;
    if (!wh__finite(rows, n, X, ldx))
        return WH_ENONFINITE;
    /* The plain mean, then the mean of the residuals from it: the second pass removes the
     * rounding of the first, which a large mean against a small spread would leave. */
    for (size_t j = 0; j < n; j++)
        mean[j] = 0.0;
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++)
            mean[j] += X[r * ldx + j];
    for (size_t j = 0; j < n; j++)
        mean[j] /= (double)rows;
    for (size_t j = 0; j < n; j++) {
        double residual = 0.0;
        for (size_t r = 0; r < rows; r++)
            residual += X[r * ldx + j] - mean[j];
        mean[j] += residual / (double)rows;
    }
    return WH_OK;
}
