/*
 * whiten/status.h: the one status type of libwhiten.
 *
 * Every fallible call returns a wh_status. WH_OK is zero; every failure is a
 * distinct positive value with a stable short name ("WH_EDIVERGED") and a
 * one-line message, both taken from one table. The library never prints,
 * exits or aborts: detail that does not fit in a status (the sample at which
 * M stopped being positive definite, the iterations of the neural dynamics)
 * goes into an out-struct of the call that failed.
 */
#ifndef WHITEN_STATUS_H
#define WHITEN_STATUS_H

#include "whiten/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wh_status {
    WH_OK = 0,          /* success */
    WH_EINVAL = 1,      /* an argument is missing or meaningless (NULL, bad enum) */
    WH_EDIM = 2,        /* a dimension is zero or too large */
    WH_EINTERNEURONS = 3, /* fewer interneurons than primary neurons (k < n) */
    WH_EETA = 4,        /* learning rate outside the open interval (0, 1) */
    WH_ENOTSYM = 5,     /* a matrix that must be symmetric is not */
    WH_ENOTPD = 6,      /* a matrix that must be positive definite is not */
    WH_ERANK = 7,       /* W0 has rank below n, so W0 W0^T is singular */
    WH_ENONFINITE = 8,  /* a value is NaN or infinite */
    WH_EDIVERGED = 9,   /* M lost positive definiteness during learning */
    WH_ENOCONV = 10,    /* simulated neural dynamics did not settle in time */
    WH_ENOMEM = 11,     /* an allocation failed */
    WH_EOVERFLOW = 12,  /* a size computation would overflow */
    WH_ELINALG = 13,    /* LAPACK reported an unexpected failure */
    WH_ESTEPSIZE = 14,  /* ODE integrator cannot meet its tolerance at the smallest step */
    WH_EMAXSTEPS = 15,  /* ODE integrator used up its allowed number of steps */
    WH_ETMAX = 16,      /* whitening error still above eps at the time limit */
    WH_STATUS_COUNT = 17 /* number of statuses; not a status. It grows when a status is added:
                          * test for the statuses you know, never compare with this. */
} wh_status;

/* The short name of a status, e.g. "WH_ENOTPD"; "WH_UNKNOWN" if out of range. */
WH_API const char *wh_status_name(wh_status status);

/* A one-line human description of a status, without a trailing newline. */
WH_API const char *wh_status_message(wh_status status);

#ifdef __cplusplus
}
#endif

#endif
