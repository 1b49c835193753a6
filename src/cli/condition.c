/*
 * condition.c: eigenvalues of the data's C = X^T X / T before learning, named
 * causes of singularity, and the noise that implements --ridge.
 */
#include "cli/condition.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/alloc.h"
#include "core/linalg.h"

/* What is wrong with the channels, as text for the diagnosis. */
typedef struct findings {
    char text[768];
    size_t len;
    const wh__cli_names *names; /* the CSV header's names of the channels, or NULL */
} findings;

/* " ('NAME')" after channel j's number when the file's header named it. */
#define NAME(f, buf, j) wh__cli_channel_name(buf, sizeof buf, j, (f)->names)

static void note(findings *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(findings *f, const char *fmt, ...)
{
    if (f->len + 200 >= sizeof f->text)
        return; /* enough named; the eigenvalues say the rest */
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(f->text + f->len, sizeof f->text - f->len, fmt, ap);
    va_end(ap);
    if (w > 0)
        f->len += (size_t)w;
}

/*
 * Data whose largest |x| lies beyond 2^+-200 would overflow (or underflow) the
 * products x_i x_j of C: a sum of squares of 1e150 is inf, and two channels whose
 * C_ij^2 and C_ii C_jj are both inf (or both 0) looked proportional. Such data are
 * diagnosed as X 2^-e, with 2^e the power of two of the largest |x|: exact, and
 * every eigenvalue is scaled by 4^-e. Returns e, or 0 for data of ordinary scale.
 */
static int scale_exponent(const wh__matrix *X, double *largest)
{
    double big = 0.0;
    for (size_t i = 0; i < X->rows * X->cols; i++)
        big = fmax(big, fabs(X->data[i]));
    *largest = big;
    int e = 0;
    if (big > 0x1p200 || (big > 0.0 && big < 0x1p-200))
        frexp(big, &e);
    return e;
}

/* C = X^T X / T (of X 2^-e), both triangles, by BLAS (a diagnosis needs no fixed
 * summation order). */
static double *second_moment(const wh__matrix *X, int e)
{
    const size_t n = X->cols;
    if (X->rows > INT_MAX || n > INT_MAX)
        return NULL;
    double *C = wh__alloc(n * n, sizeof *C);
    double *scaled = e != 0 ? wh__alloc(X->rows * n, sizeof *scaled) : NULL;
    if (C != NULL && e != 0 && scaled == NULL) {
        wh__free(C);
        return NULL;
    }
    for (size_t i = 0; scaled != NULL && i < X->rows * n; i++)
        scaled[i] = ldexp(X->data[i], -e);
    if (C != NULL)
        wh__gram_t(n, X->rows, 1.0 / (double)X->rows, scaled != NULL ? scaled : X->data, n, C,
                   n);
    wh__free(scaled);
    return C;
}

/*
 * The eigenvalues of C in the data's units (w of X 2^-e times 4^e), or false and a
 * refusal when C is no matrix of normal doubles: it overflows, or lies among the
 * subnormal numbers, where sums lose their digits.
 */
static bool unscale(const char *command, const char *path, double largest, int e, double *w,
                    size_t n)
{
    const double top = w[n - 1] > 0.0 ? log10(w[n - 1]) + 2.0 * e * log10(2.0) : 0.0;
    for (size_t i = 0; i < n; i++)
        w[i] = ldexp(w[i], 2 * e);
    if (e == 0 || (isfinite(w[n - 1]) && w[n - 1] >= DBL_MIN))
        return true;
    fprintf(stderr,
            "whiten %s: %s: values reach %.3g in magnitude, so the data's second moments "
            "X^T X / T (up to about 1e%+.0f) %s double precision; divide the data by a constant "
            "(about %.3g) first\n",
            command, path, largest, top, e > 0 ? "overflow" : "underflow", largest);
    return false;
}

/* Channels that never change: all zeros (C singular) or a constant (an offset that centring
 * turns into zeros); mean is what was subtracted, or NULL. */
static void constant_channels(const wh__matrix *X, const double *mean, findings *f)
{
    for (size_t j = 0; j < X->cols; j++) {
        const double v = X->data[j];
        size_t r = 1;
        while (r < X->rows && X->data[r * X->cols + j] == v)
            r++;
        if (r < X->rows)
            continue;
        const double value = mean != NULL ? v + mean[j] : v;
        char a[WH__NAME_CHARS + 8];
        if (value == 0.0)
            note(f, "; channel %zu%s is all zeros", j, NAME(f, a, j));
        else
            note(f, "; channel %zu%s is constant (%g)", j, NAME(f, a, j), value);
    }
}

/* Pairs with C_ij^2 = C_ii C_jj: x_j = c x_i on every sample (Cauchy-Schwarz with equality). */
static void proportional_channels(const double *C, size_t n, findings *f)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            const double cii = C[i * n + i], cjj = C[j * n + j], cij = C[i * n + j];
            if (cii <= 0.0 || cjj <= 0.0 || cij * cij < (1.0 - 1e-12) * cii * cjj)
                continue;
            const double c = cij / cii;
            char a[WH__NAME_CHARS + 8], b[WH__NAME_CHARS + 8];
            if (fabs(c - 1.0) <= 1e-12)
                note(f, "; channels %zu%s and %zu%s are equal", i, NAME(f, a, i), j, NAME(f, b, j));
            else
                note(f, "; channels %zu%s and %zu%s are proportional (factor %.4g)", i,
                     NAME(f, a, i), j, NAME(f, b, j), c);
        }
}

/*
 * When no channel is constant or a copy of another, name the channels that the
 * direction of least variance (the eigenvector of lambda_min) is made of, each
 * with its share of it (the squares of the unit vector's entries; 10 % or more).
 * The eigenvectors are computed only here, for data about to be refused or
 * warned about, because they cost several times the eigenvalues.
 */
static void weakest_direction(const double *C, size_t n, findings *f)
{
    wh__eig e;
    if (wh__eig_init(&e, n) == WH_OK && wh__eig_solve(&e, C, n, true) == WH_OK) {
        note(f, "; the direction of least variance is");
        size_t named = 0;
        for (size_t i = 0; i < n; i++) {
            const double share = e.a[i] * e.a[i]; /* row 0: the eigenvector of lambda_min */
            char a[WH__NAME_CHARS + 8];
            if (share >= 0.1)
                note(f, "%s%.0f %% channel %zu%s", named++ == 0 ? " " : " + ", 100.0 * share, i,
                     NAME(f, a, i));
        }
        if (named == 0)
            note(f, " spread over many channels");
    }
    wh__eig_free(&e);
}

/* How the messages name C: the covariance of centred data, or the second moments. */
static const char *name_of_c(const double *mean)
{
    return mean != NULL ? "covariance C = (X - mean)^T (X - mean) / T"
                        : "second-moment matrix C = X^T X / T";
}

static void refuse(const char *command, const char *path, const double *mean, double lo,
                   double hi, size_t rank, size_t n, double eta, const findings *f)
{
    /* Enough to lift the smallest eigenvalue to 1e-4 of the largest (a condition number the
     * default schedule and passes learn: on scikit-learn's digits, whitening errors 0.12 and
     * 0.15 for the two networks, where 1e-6 left 0.33 and 1.9) and above (10 eta)^2, so
     * that the direct network's steps of about eta stay well below sqrt(lambda_min). */
    const double suggest = fmax(hi * 1e-4, 100.0 * eta * eta);
    const bool singular = lo <= hi * (double)n * DBL_EPSILON;
    fprintf(stderr,
            "whiten %s: %s: the data's %s is %s: eigenvalues "
            "%.3g to %.3g (%s%zu of %zu, condition number %.3g)%s%s. A network cannot whiten a "
            "direction with (almost) no variance: M would lose positive definiteness. Remove "
            "or fix those channels, or give --ridge EPS to whiten C + EPS I (e.g. --ridge "
            "%.2g)\n",
            command, path, name_of_c(mean), singular ? "singular" : "nearly singular",
            fmax(lo, 0.0), hi, "numerical rank ", rank, n,
            lo > 0.0 ? hi / lo : (double)INFINITY, f->text,
            f->len > 0 ? " (channels counted from 0)" : "", suggest);
}

static void warn(const char *command, const char *path, const double *mean, double lo,
                 double hi, double eta, const findings *f)
{
    fprintf(stderr,
            "whiten %s: %s: warning: the data's %s is ill-conditioned: eigenvalues "
            "%.3g to %.3g (condition number %.3g)%s%s; learning is stiff (a stable --eta is "
            "at most about sqrt(lambda_min) = %.2g%s); --ridge EPS whitens C + EPS I instead\n",
            command, path, mean != NULL ? "covariance" : "C = X^T X / T", lo, hi, hi / lo,
            f->text, f->len > 0 ? " (channels counted from 0)" : "", sqrt(lo),
            eta > sqrt(lo) ? ", and this --eta is larger" : "");
}

static int judge(const char *command, const char *path, const double *mean, const double *w,
                 size_t n, double ridge, double eta, bool quiet, const findings *f)
{
    const double lo = w[0], hi = w[n - 1];
    size_t rank = 0;
    for (size_t i = 0; i < n; i++)
        rank += w[i] > hi * (double)n * DBL_EPSILON;
    const bool bad = !(hi > 0.0) || !(lo * WH__COND_REFUSE >= hi);
    if (ridge > 0.0) {
        if (!quiet)
            fprintf(stderr,
                    "whiten %s: %s: --ridge %g: whitening C + %g I (eigenvalues %.3g to %.3g, "
                    "condition number %.3g), adding independent N(0, %g) noise to each sample\n",
                    command, path, ridge, ridge, lo + ridge, hi + ridge,
                    (hi + ridge) / (lo + ridge), ridge);
        return WH__EXIT_OK;
    }
    if (bad) {
        refuse(command, path, mean, lo, hi, rank, n, eta, f);
        return WH__EXIT_FAILURE;
    }
    if (lo * WH__COND_WARN < hi)
        warn(command, path, mean, lo, hi, eta, f);
    else if (f->len > 0)
        fprintf(stderr,
                "whiten %s: %s: warning: %s (channels counted from 0); the network whitens "
                "X^T X / T, so a constant offset counts as signal: leave out --no-center to "
                "centre the data\n",
                command, path, f->text + 2);
    return WH__EXIT_OK;
}

int wh__cli_diagnose_data(const char *command, const char *path, const wh__matrix *X,
                          const wh__cli_names *names, const double *mean, double ridge,
                          double eta, bool quiet, double spectrum[2])
{
    const size_t n = X->cols;
    if (spectrum != NULL)
        spectrum[0] = spectrum[1] = (double)NAN;
    /* An eigendecomposition costs n^3: beyond a few thousand channels it would take longer
     * than many learning runs, so large data go undiagnosed (learning still reports). */
    if (n > WH__DIAGNOSE_MAX_N)
        return WH__EXIT_OK;
    double largest;
    const int scale = scale_exponent(X, &largest);
    double *C = second_moment(X, scale);
    wh__eig e = {0};
    if (C == NULL || wh__eig_init(&e, n) != WH_OK || wh__eig_solve(&e, C, n, false) != WH_OK) {
        /* Too large to diagnose here: learning will report what goes wrong. */
        wh__free(C);
        wh__eig_free(&e);
        return WH__EXIT_OK;
    }
    if (!unscale(command, path, largest, scale, e.w, n)) {
        wh__free(C);
        wh__eig_free(&e);
        return WH__EXIT_FAILURE;
    }
    if (spectrum != NULL) {
        spectrum[0] = e.w[0] + ridge;
        spectrum[1] = e.w[n - 1] + ridge;
    }
    findings f = {{0}, 0, names};
    constant_channels(X, mean, &f);
    proportional_channels(C, n, &f);
    if (f.len == 0 && !(e.w[0] * WH__COND_WARN >= e.w[n - 1]))
        weakest_direction(C, n, &f);
    const int rc = judge(command, path, mean, e.w, n, ridge, eta, quiet, &f);
    wh__free(C);
    wh__eig_free(&e);
    return rc;
}

void wh__cli_spectrum(const double *C, size_t n, double spectrum[2])
{
    wh__eig e = {0};
    spectrum[0] = spectrum[1] = (double)NAN;
    if (wh__eig_init(&e, n) == WH_OK && wh__eig_solve(&e, C, n, false) == WH_OK) {
        spectrum[0] = e.w[0];
        spectrum[1] = e.w[n - 1];
    }
    wh__eig_free(&e);
}

