#include "whiten/status.h"

static const struct {
    const char *name;
    const char *message;
} status_table[WH_STATUS_COUNT] = {
    [WH_OK] = {"WH_OK", "success"},
    [WH_EINVAL] = {"WH_EINVAL", "invalid argument"},
    [WH_EDIM] = {"WH_EDIM", "dimension is zero or too large"},
    [WH_EINTERNEURONS] = {"WH_EINTERNEURONS",
                          "fewer interneurons than primary neurons (need k >= n)"},
    [WH_EETA] = {"WH_EETA", "learning rate eta must lie strictly between 0 and 1"},
    [WH_ENOTSYM] = {"WH_ENOTSYM", "matrix is not symmetric"},
    [WH_ENOTPD] = {"WH_ENOTPD", "matrix is not positive definite"},
    [WH_ERANK] = {"WH_ERANK", "W0 has rank below n, so W0 W0^T is singular"},
    [WH_ENONFINITE] = {"WH_ENONFINITE", "value is NaN or infinite"},
    [WH_EDIVERGED] = {"WH_EDIVERGED", "M lost positive definiteness"},
    [WH_ENOCONV] = {"WH_ENOCONV",
                    "simulated neural dynamics did not settle: raise max_iter, or if they blew up "
                    "lower gamma (0 picks a stable step)"},
    [WH_ENOMEM] = {"WH_ENOMEM", "out of memory"},
    [WH_EOVERFLOW] = {"WH_EOVERFLOW", "size computation overflows"},
    [WH_ELINALG] = {"WH_ELINALG", "LAPACK reported an unexpected failure"},
    [WH_ESTEPSIZE] = {"WH_ESTEPSIZE", "the ODE integrator cannot meet its error tolerance even at "
                                     "the smallest step size; loosen rtol or atol"},
    [WH_EMAXSTEPS] = {"WH_EMAXSTEPS",
                      "the ODE integrator reached its step limit; raise max_steps"},
    [WH_ETMAX] = {"WH_ETMAX",
                  "the whitening error did not reach eps by the time limit; raise t_max"},
};

static int in_range(wh_status status)
{
    return (int)status >= 0 && (int)status < (int)WH_STATUS_COUNT;
}

const char *wh_status_name(wh_status status)
{
    return in_range(status) ? status_table[status].name : "WH_UNKNOWN";
}

const char *wh_status_message(wh_status status)
{
    return in_range(status) ? status_table[status].message : "unknown status";
}
