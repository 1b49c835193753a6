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
    WH_EINVAL,          /* an argument is missing or meaningless (NULL, bad enum) */
    WH_EDIM,            /* a dimension is zero or too large */
    WH_EINTERNEURONS,   /* fewer interneurons than primary neurons (k < n) */
    WH_EETA,            /* learning rate outside the open interval (0, 1) */
    WH_ENOTSYM,         /* a matrix that must be symmetric is not */
    WH_ENOTPD,          /* a matrix that must be positive definite is not */
    WH_ERANK,           /* W0 has rank below n, so W0 W0^T is singular */
    WH_ENONFINITE,      /* a value is NaN or infinite */
    WH_EDIVERGED,       /* M lost positive definiteness during learning */
    WH_ENOCONV,         /* simulated neural dynamics did not settle in time */
    WH_ENOMEM,          /* an allocation failed */
    WH_EOVERFLOW,       /* a size computation would overflow */
    WH_ELINALG,         /* LAPACK reported an unexpected failure */
    WH_ESTEPSIZE,       /* ODE integrator cannot meet its tolerance at the smallest step */
    WH_EMAXSTEPS,       /* ODE integrator used up its allowed number of steps */
    WH_ETMAX,           /* whitening error still above eps at the time limit */
    WH_STATUS_COUNT     /* number of statuses; not a status */
} wh_status;

/* The short name of a status, e.g. "WH_ENOTPD"; "WH_UNKNOWN" if out of range. */
WH_API const char *wh_status_name(wh_status status);

/* A one-line human description of a status, without a trailing newline. */
WH_API const char *wh_status_message(wh_status status);

#ifdef __cplusplus
}
#endif

#endif
