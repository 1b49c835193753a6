/*
 * source.h: the inside of a wh_source, shared by the files of src/source/.
 */
#ifndef WH_SOURCE_SOURCE_H
#define WH_SOURCE_SOURCE_H

#include <gsl/gsl_rng.h>

#include "whiten/source.h"

struct wh_source {
    size_t n, contexts;
    uint64_t switch_every, t;
    double *C; /* contexts covariances, n x n each */
    double *L; /* their Cholesky factors (lower triangles) */
    gsl_rng *rng;
};

#endif
