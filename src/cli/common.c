#include "cli/common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"

int wh__cli_net_kind(const char *command, const char *option, const char *text, wh_net_kind *kind)
{
    if (strcmp(text, "direct") == 0) {
        *kind = WH_NET_DIRECT;
        return WH__EXIT_OK;
    }
    if (strcmp(text, "interneuron") == 0 || strcmp(text, "interneurons") == 0) {
        *kind = WH_NET_INTERNEURON;
        return WH__EXIT_OK;
    }
    fprintf(stderr, "whiten %s: option --%s: expected 'direct' or 'interneuron', got '%s'\n",
            command, option, text);
    return WH__EXIT_USAGE;
}

static bool parse_double(const char *begin, const char *end, double *value)
{
    char buf[64];
    const size_t len = (size_t)(end - begin);
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, begin, len);
    buf[len] = '\0';
    char *stop = NULL;
    *value = strtod(buf, &stop);
    return stop == buf + len && isfinite(*value);
}

int wh__cli_doubles(const char *command, const char *option, const char *text, double **values,
                    size_t *count)
{
    size_t cap = 1;
    for (const char *p = text; *p != '\0'; p++)
        cap += *p == ',';
    *values = malloc(cap * sizeof **values);
    if (*values == NULL) {
        fprintf(stderr, "whiten %s: out of memory\n", command);
        return WH__EXIT_FAILURE;
    }
    *count = 0;
    for (const char *p = text;; p++) {
        const char *end = strchr(p, ',');
        if (end == NULL)
            end = p + strlen(p);
        if (!parse_double(p, end, &(*values)[*count])) {
            fprintf(stderr,
                    "whiten %s: option --%s: item %zu '%.*s' is not a finite number "
                    "(expected a list like 0.5,2,8)\n",
                    command, option, *count + 1, (int)(end - p), p);
            free(*values);
            *values = NULL;
            return WH__EXIT_USAGE;
        }
        (*count)++;
        if (*end == '\0')
            return WH__EXIT_OK;
        p = end;
    }
}

int wh__cli_range(const char *command, const char *option, const char *text, double *lo,
                  double *hi)
{
    const char *colon = strchr(text, ':');
    if (colon == NULL || !parse_double(text, colon, lo) ||
        !parse_double(colon + 1, colon + strlen(colon), hi) || !(*lo > 0.0) || *hi < *lo) {
        fprintf(stderr, "whiten %s: option --%s: expected lo:hi with 0 < lo <= hi, got '%s'\n",
                command, option, text);
        return WH__EXIT_USAGE;
    }
    return WH__EXIT_OK;
}

static int positive_list(const char *command, const double *values, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!(values[i] > 0.0)) {
            fprintf(stderr,
                    "whiten %s: option --eigenvalues: item %zu is %g; a covariance needs "
                    "every eigenvalue > 0\n",
                    command, i + 1, values[i]);
            return WH__EXIT_USAGE;
        }
    return WH__EXIT_OK;
}

int wh__cli_covariance(const char *command, const char *eigenvalues, const char *spectrum,
                       size_t *n, bool rotate, uint64_t seed, double **C)
{
    wh_spectrum spec = {.n = *n, .lo = 0.1, .hi = 10.0, .rotate = rotate, .seed = seed};
    double *values = NULL;
    int rc = WH__EXIT_OK;
    *C = NULL;
    if (eigenvalues != NULL && spectrum != NULL) {
        fprintf(stderr, "whiten %s: give --eigenvalues or --spectrum, not both\n", command);
        return WH__EXIT_USAGE;
    }
    if (eigenvalues != NULL) {
        rc = wh__cli_doubles(command, "eigenvalues", eigenvalues, &values, &spec.n);
        if (rc == WH__EXIT_OK)
            rc = positive_list(command, values, spec.n);
        if (rc == WH__EXIT_OK && *n != 0 && *n != spec.n) {
            fprintf(stderr, "whiten %s: --n %zu disagrees with the %zu values of --eigenvalues\n",
                    command, *n, spec.n);
            rc = WH__EXIT_USAGE;
        }
        spec.eigenvalues = values;
    } else if (spectrum != NULL) {
        rc = wh__cli_range(command, "spectrum", spectrum, &spec.lo, &spec.hi);
    }
    if (rc == WH__EXIT_OK && spec.n == 0) {
        fprintf(stderr,
                "whiten %s: give --n (the spectrum defaults to 0.1:10), or --eigenvalues\n",
                command);
        rc = WH__EXIT_USAGE;
    }
    if (rc == WH__EXIT_OK && (*C = calloc(spec.n * spec.n, sizeof **C)) == NULL) {
        fprintf(stderr, "whiten %s: out of memory for a %zu x %zu covariance\n", command,
                spec.n, spec.n);
        rc = WH__EXIT_FAILURE;
    }
    if (rc == WH__EXIT_OK) {
        wh_status st = wh_covariance_from_spectrum(&spec, *C, spec.n);
        if (st != WH_OK) {
            fprintf(stderr, "whiten %s: cannot build the covariance: %s\n", command,
                    wh_status_message(st));
            rc = st == WH_ENOMEM ? WH__EXIT_FAILURE : WH__EXIT_USAGE;
        }
    }
    if (rc != WH__EXIT_OK) {
        free(*C);
        *C = NULL;
    }
    free(values);
    *n = spec.n;
    return rc;
}
