/*
 * network.c: the dispatcher. It validates the options, picks the circuit's
 * path (one table of operations, net.h) once in the constructor, and hands
 * every call to that table: no other file asks which circuit it runs.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/linalg.h"
#include "core/options.h"
#include "net/fast.h"
#include "net/net.h"
#include "net/view.h"
#include "whiten/gain.h"

static void net_defaults(wh_net_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->kind = WH_NET_DIRECT;
    opts->gain.alpha = 1.0;
    opts->gain.eta_w = 1e-3;
    opts->n = 0; /* required: 0 is "not set" and refused (WH_EDIM, field "n") */
    opts->k = 0;
    opts->eta = 1e-3;
    opts->init.kind = WH_INIT_IDENTITY;
    opts->init.alpha = 1.0;
    opts->init.seed = 1;
    opts->neural.mode = WH_NEURAL_EXACT;
    opts->neural.gamma = 0.0;
    opts->neural.tol = 1e-12;
    opts->neural.max_iter = 100000;
}

void wh_net_options_init(wh_net_options *opts, size_t size)
{
    wh_net_options d;
    net_defaults(&d);
    wh__options_write(opts, size, &d, sizeof d);
}

/* The exported function under the macro's name, for callers that take its address. */
void(wh_net_options_default)(wh_net_options *opts)
{
    wh_net_options_init(opts, sizeof *opts);
}

/* Relative asymmetry tolerated in the covariance of wh_net_step_expected (as in the
 * sources and the metrics). */
#define COVARIANCE_RTOL 1e-10

static wh_status check_eta(double eta)
{
    return (eta > 0.0 && eta < 1.0) ? WH_OK : WH_EETA;
}

/* A refusal and the field it names (wh_net_options_check). */
static wh_status refuse(wh_status st, const char *name, const char **field)
{
    *field = name;
    return st;
}

static wh_status check_neural(const wh_neural *neural, wh_net_kind kind, const char **field)
{
    if (neural->mode != WH_NEURAL_EXACT && neural->mode != WH_NEURAL_SIMULATED)
        return refuse(WH_EINVAL, "neural.mode", field);
    if (neural->mode == WH_NEURAL_EXACT)
        return WH_OK;
    if (neural->interneuron_dynamics && kind != WH_NET_INTERNEURON)
        return refuse(WH_EINVAL, "neural.interneuron_dynamics", field);
    if (!isfinite(neural->gamma) || neural->gamma < 0.0)
        return refuse(isfinite(neural->gamma) ? WH_EINVAL : WH_ENONFINITE, "neural.gamma", field);
    if (!isfinite(neural->tol) || !(neural->tol > 0.0))
        return refuse(isfinite(neural->tol) ? WH_EINVAL : WH_ENONFINITE, "neural.tol", field);
    if (neural->max_iter == 0)
        return refuse(WH_EINVAL, "neural.max_iter", field);
    return WH_OK;
}

static wh_status check_options(const wh_net_options *o, size_t k, const char **field)
{
    const bool gain = o->kind == WH_NET_GAIN || o->kind == WH_NET_GAIN_SYNAPSE;
    if (o->kind != WH_NET_DIRECT && o->kind != WH_NET_INTERNEURON && !gain)
        return refuse(WH_EINVAL, "kind", field);
    if (o->n == 0 || o->n > wh__linalg_max_dim())
        return refuse(WH_EDIM, "n", field);
    if (k == 0 || k > wh__linalg_max_dim())
        return refuse(WH_EDIM, "k", field);
    if (k < o->n && !gain) /* a gain circuit's alpha I keeps M definite with K < n */
        return refuse(WH_EINTERNEURONS, "k", field);
    if (o->solver != WH_SOLVER_AUTO && o->solver != WH_SOLVER_EXACT && o->solver != WH_SOLVER_FAST)
        return refuse(WH_EINVAL, "solver", field);
    if (check_eta(o->eta) != WH_OK)
        return refuse(WH_EETA, "eta", field);
    if (wh__schedule_check(&o->schedule) != WH_OK)
        return refuse(WH_EINVAL,
                      o->schedule.kind != WH_SCHEDULE_CONSTANT &&
                              o->schedule.kind != WH_SCHEDULE_DECAY
                          ? "schedule.kind"
                          : (isfinite(o->schedule.tau) && o->schedule.tau > 0.0 ? "schedule.gamma"
                                                                                 : "schedule.tau"),
                      field);
    return check_neural(&o->neural, o->kind, field);
}

/* The field a path's create() refused, from what it checks (init.c for the paper's
 * circuits, gain_path.c and gain.c for the gain circuits); NULL for a failure of
 * resources (WH_ENOMEM, WH_EOVERFLOW, WH_ELINALG), which no field causes. */
static const char *create_field(const wh_net_options *o, wh_status st)
{
    if (st == WH_ENOMEM || st == WH_EOVERFLOW || st == WH_ELINALG)
        return NULL;
    if (o->kind == WH_NET_GAIN || o->kind == WH_NET_GAIN_SYNAPSE) {
        if (st == WH_EETA)
            return "gain.eta_w";
        if (st == WH_ENONFINITE)
            return isfinite(o->gain.alpha) ? (isfinite(o->gain.eta_w) ? "gain.g0" : "gain.eta_w")
                                           : "gain.alpha";
        if (st == WH_EINVAL && o->neural.mode != WH_NEURAL_EXACT)
            return "neural.mode";
        if (st == WH_ENOTPD)
            return "gain.alpha";
        return o->gain.frame == WH_FRAME_MATRIX ? "gain.matrix" : "gain.frame";
    }
    const wh_init *init = &o->init;
    switch (init->kind) {
    case WH_INIT_IDENTITY:
        return "init.alpha";
    case WH_INIT_ROTATED:
        return isfinite(init->alpha) && init->alpha > 0.0 ? "init.spread" : "init.alpha";
    case WH_INIT_MATRIX:
    case WH_INIT_WEIGHTS:
        return o->kind == WH_NET_DIRECT && init->kind == WH_INIT_WEIGHTS ? "init.kind"
                                                                         : "init.matrix";
    default:
        return "init.kind";
    }
}

/*
 * The paths: one table of operations per circuit and solver (net.h). This
 * list and the choices just below are the only places that know which
 * circuits exist; a circuit without a FAST entry runs its EXACT one.
 */
static const struct path {
    wh_net_kind kind;
    wh_solver solver;
    const wh__net_ops *ops;
} paths[] = {
    {WH_NET_DIRECT, WH_SOLVER_EXACT, &wh__direct_exact_ops},
    {WH_NET_DIRECT, WH_SOLVER_FAST, &wh__direct_cg_ops},
    {WH_NET_INTERNEURON, WH_SOLVER_EXACT, &wh__interneuron_exact_ops},
    {WH_NET_INTERNEURON, WH_SOLVER_FAST, &wh__interneuron_fast_ops},
    {WH_NET_GAIN, WH_SOLVER_EXACT, &wh__gain_ops},
    {WH_NET_GAIN, WH_SOLVER_FAST, &wh__gain_fast_ops},
    {WH_NET_GAIN_SYNAPSE, WH_SOLVER_EXACT, &wh__gain_synapse_ops},
};

/* k when the options give 0: n for the paper's circuits and gains plus synapses; for gain
 * modulation n(n+1)/2, the fewest gains that can whiten a generic covariance (0 on
 * overflow, refused as WH_EDIM). */
static size_t default_k(const wh_net_options *o)
{
    if (o->kind != WH_NET_GAIN)
        return o->n;
    size_t m;
    return wh__size_mul(o->n, o->n + 1, &m) ? m / 2 : 0;
}

static const wh__net_ops *find_path(wh_net_kind kind, wh_solver solver)
{
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        if (paths[i].kind == kind && paths[i].solver == solver)
            return paths[i].ops;
    return NULL;
}

/*
 * The direct fast path's default refresh (WH_REFRESH_DIRECT = 8 up to n = 64):
 * each refresh factors and inverts M (~n^3 flops), while its deflated CG
 * needs a few more iterations per sample the longer it runs (direct_cg.c), so
 * larger n refreshes less often: n / 8 up to WH__CG_RANK_MAX. Measured here
 * (n = 64, 256, 1024): 8, 32 and 64 are the fastest, within noise.
 */
static size_t default_direct_refresh(size_t n)
{
    const size_t r = n / 8;
    return r <= WH_REFRESH_DIRECT ? WH_REFRESH_DIRECT : (r > WH__CG_RANK_MAX ? WH__CG_RANK_MAX : r);
}

/*
 * AUTO: the faster path for the circuit and n, from the crossovers `whiten bench`
 * measured (BENCHMARKS.md, "--solver auto over a grid"): the fast interneuron path wins at
 * every n measured (n = 4: 2x the exact one); the direct CG path loses below
 * WH_AUTO_DIRECT_FAST_N and wins from it (30: the two are within 5 % of each other either
 * way at n = 28-31, CG 1.14-1.16x at 32 and 1.4-1.5x at 33); gain modulation's fast path
 * loses below WH_AUTO_GAIN_FAST_N and wins from it (33: the exact step at 0.69x the fast one
 * there, where its Cholesky leaves its loops for LAPACK; within 6 % either way at 29-32). Simulated neural dynamics take the
 * exact path.
 */
static wh_solver auto_solver(wh_net_kind kind, size_t n)
{
    if (kind == WH_NET_DIRECT)
        return n >= WH_AUTO_DIRECT_FAST_N ? WH_SOLVER_FAST : WH_SOLVER_EXACT;
    if (kind == WH_NET_GAIN)
        return n >= WH_AUTO_GAIN_FAST_N ? WH_SOLVER_FAST : WH_SOLVER_EXACT;
    return WH_SOLVER_FAST;
}

static void choose_path(wh_net *net, const wh_net_options *opts)
{
    const bool interneurons = net->kind == WH_NET_INTERNEURON;
    net->solver = opts->solver == WH_SOLVER_AUTO ? auto_solver(net->kind, net->n) : opts->solver;
    if (net->neural.mode != WH_NEURAL_EXACT || find_path(net->kind, net->solver) == NULL)
        net->solver = WH_SOLVER_EXACT;
    /* The gain circuits have no refresh period (the gain fast path refreshes when its
     * certificate or CG asks): 0, whatever asked. */
    const bool gains = net->kind == WH_NET_GAIN || net->kind == WH_NET_GAIN_SYNAPSE;
    net->refresh = gains                ? 0
                   : opts->refresh != 0 ? opts->refresh
                   : interneurons       ? WH_REFRESH_INTERNEURON
                                        : default_direct_refresh(opts->n);
    net->ops = find_path(net->kind, net->solver);
}

/* wh_net_new, naming in *field what it refuses. */
static wh_status build(const wh_net_options *opts, wh_net **out, const char **field)
{
    *field = NULL;
    if (out == NULL)
        return WH_EINVAL;
    *out = NULL;
    if (opts == NULL)
        return WH_EINVAL;
    wh_net_options full; /* the caller's fields over the defaults of any it does not have */
    net_defaults(&full);
    if (!wh__options_read(opts, sizeof full, sizeof full, &full))
        return refuse(WH_EINVAL, "size", field);
    opts = &full;
    const size_t k =
        opts->kind == WH_NET_DIRECT ? opts->n : (opts->k == 0 ? default_k(opts) : opts->k);
    wh_status st = check_options(opts, k, field);
    if (st != WH_OK)
        return st;
    wh_net *net = wh__alloc(1, sizeof *net);
    if (net == NULL)
        return WH_ENOMEM;
    net->kind = opts->kind;
    net->n = opts->n;
    net->k = k;
    net->eta = opts->eta;
    net->schedule = opts->schedule;
    net->neural = opts->neural;
    choose_path(net, opts);
    net->y = wh__alloc(net->n, sizeof(double));
    net->z = wh__alloc(net->k, sizeof(double));
    net->check = wh__alloc(net->n * net->n, sizeof(double)); /* n <= 46340: no overflow */
    st = net->y != NULL && net->z != NULL && net->check != NULL ? net->ops->create(net, opts)
                                                                : WH_ENOMEM;
    if (st != WH_OK) {
        *field = create_field(opts, st);
        wh_net_free(net);
        return st;
    }
    *out = net;
    return WH_OK;
}

wh_status wh_net_new(const wh_net_options *opts, wh_net **out)
{
    const char *field;
    return build(opts, out, &field);
}

wh_status wh_net_options_check(const wh_net_options *opts, const char **field)
{
    const char *name = NULL;
    wh_net *net = NULL;
    wh_status st = opts != NULL ? build(opts, &net, &name) : WH_EINVAL;
    wh_net_free(net);
    if (field != NULL)
        *field = st == WH_OK ? NULL : name;
    return st;
}

void wh_net_free(wh_net *net)
{
    if (net == NULL)
        return;
    if (net->ops != NULL)
        net->ops->destroy(net);
    wh__free(net->y);
    wh__free(net->z);
    wh__free(net->check);
    wh__free(net);
}

static void begin_step(const wh_net *net, wh_step_info *info)
{
    if (info != NULL) {
        info->sample = net->samples;
        info->iterations = 0;
    }
}

/* Copy the last outputs net->y (and net->z where the circuit has them) to y and z, each
 * NULL if not wanted. */
static void copy_outputs(const wh_net *net, double *y, double *z)
{
    if (y != NULL)
        memcpy(y, net->y, net->n * sizeof *y);
    if (z != NULL && net->ops->has_z)
        memcpy(z, net->z, net->k * sizeof *z);
}

wh_status wh_net_step(wh_net *net, const double *x, double *y, double *z, wh_step_info *info)
{
    if (net == NULL || x == NULL)
        return WH_EINVAL;
    begin_step(net, info);
    if (!wh__finite(1, net->n, x, net->n))
        return WH_ENONFINITE;
    size_t iterations = 0;
    wh_status st = net->ops->learn(net, x, &iterations);
    if (info != NULL)
        info->iterations = iterations;
    if (st != WH_OK)
        return st;
    copy_outputs(net, y, z);
    return WH_OK;
}

wh_status wh_net_respond(wh_net *net, const double *x, double *y, double *z, wh_step_info *info)
{
    if (net == NULL || x == NULL)
        return WH_EINVAL;
    begin_step(net, info);
    if (!wh__finite(1, net->n, x, net->n))
        return WH_ENONFINITE;
    size_t iterations = 0;
    wh_status st = net->ops->respond(net, x, &iterations);
    if (info != NULL)
        info->iterations = iterations;
    if (st != WH_OK)
        return st;
    copy_outputs(net, y, z);
    return WH_OK;
}

/* The first row of X (count x n) with a NaN or infinity, or count if none. */
static size_t first_nonfinite(size_t count, size_t n, const double *X, size_t ldx)
{
    size_t i = 0;
    while (i < count && wh__finite(1, n, X + i * ldx, ldx))
        i++;
    return i;
}

wh_status wh_net_learn_block(wh_net *net, size_t count, const double *X, size_t ldx, double *Y,
                             size_t ldy, double *Z, size_t ldz, wh_step_info *info)
{
    if (info != NULL)
        *info = (wh_step_info){net != NULL ? net->samples : 0, 0};
    if (net == NULL || X == NULL || Y == NULL || count == 0 || ldx < net->n || ldy < net->n ||
        (Z != NULL && net->ops->has_z && ldz < net->k))
        return WH_EINVAL;
    const size_t bad = first_nonfinite(count, net->n, X, ldx);
    if (bad < count) {
        if (info != NULL)
            info->sample = net->samples + bad;
        return WH_ENONFINITE;
    }
    if (!net->ops->has_z)
        Z = NULL;
    wh_status st = WH_OK;
    if (net->ops->learn_block != NULL) {
        st = net->ops->learn_block(net, count, X, ldx, Y, ldy, Z, ldz);
    } else {
        for (size_t i = 0; i < count && st == WH_OK; i++) {
            wh_step_info one;
            st = wh_net_step(net, X + i * ldx, Y + i * ldy, Z != NULL ? Z + i * ldz : NULL, &one);
            if (info != NULL)
                info->iterations += one.iterations;
        }
    }
    if (info != NULL && st != WH_OK)
        info->sample = net->samples;
    return st;
}

size_t wh_net_block_length(const wh_net *net)
{
    return net != NULL && net->ops->block_length != NULL ? net->ops->block_length(net) : 0;
}

wh_status wh_net_step_expected(wh_net *net, const double *C, size_t ldc, wh_step_info *info)
{
    if (net == NULL || C == NULL || ldc < net->n)
        return WH_EINVAL;
    begin_step(net, info);
    const wh_status st = wh__check_spd(net->n, C, ldc, COVARIANCE_RTOL, net->check);
    return st != WH_OK ? st : net->ops->learn_expected(net, C, ldc);
}

wh_status wh_net_step_minibatch(wh_net *net, size_t count, const double *X, size_t ldx, double *Y,
                                size_t ldy, wh_step_info *info)
{
    if (info != NULL)
        *info = (wh_step_info){net != NULL ? net->samples : 0, 0};
    if (net == NULL || X == NULL || Y == NULL || count == 0 || ldx < net->n || ldy < net->n ||
        net->ops->learn_minibatch == NULL)
        return WH_EINVAL;
    if (!wh__finite(count, net->n, X, ldx))
        return WH_ENONFINITE;
    return net->ops->learn_minibatch(net, count, X, ldx, Y, ldy);
}

wh_status wh_net_step_block(wh_net *net, size_t count, const double *X, size_t ldx, double *Y,
                            size_t ldy, wh_step_info *info)
{
    return wh_net_step_minibatch(net, count, X, ldx, Y, ldy, info);
}

wh_status wh_net_restore(wh_net *net, const double *synapses, size_t ld, uint64_t samples)
{
    return net != NULL ? net->ops->restore(net, synapses, ld, samples) : WH_EINVAL;
}

size_t wh_net_solver_state_size(const wh_net *net)
{
    return net != NULL && net->ops->state_size != NULL ? net->ops->state_size(net) : 0;
}

wh_status wh_net_get_solver_state(const wh_net *net, double *state, size_t size)
{
    if (net == NULL || state == NULL || size == 0 || size != wh_net_solver_state_size(net))
        return WH_EINVAL;
    net->ops->get_state(net, state);
    return WH_OK;
}

wh_status wh_net_set_solver_state(wh_net *net, const double *state, size_t size)
{
    if (net == NULL || state == NULL || size == 0 || size != wh_net_solver_state_size(net))
        return WH_EINVAL;
    if (!wh__finite(1, size, state, size))
        return WH_ENONFINITE;
    return net->ops->set_state(net, state);
}

wh_net_kind wh_net_get_kind(const wh_net *net)
{
    return net != NULL ? net->kind : WH_NET_DIRECT;
}

size_t wh_net_n(const wh_net *net)
{
    return net != NULL ? net->n : 0;
}

size_t wh_net_k(const wh_net *net)
{
    return net != NULL ? net->k : 0;
}

double wh_net_eta(const wh_net *net)
{
    return net != NULL ? net->eta : (double)NAN;
}

wh_solver wh_net_solver(const wh_net *net)
{
    return net != NULL ? net->solver : WH_SOLVER_AUTO;
}

size_t wh_net_refresh(const wh_net *net)
{
    return net != NULL ? net->refresh : 0;
}

uint64_t wh_net_samples(const wh_net *net)
{
    return net != NULL ? net->samples : 0;
}

const double *wh__net_lateral(wh_net *net)
{
    return net != NULL ? net->ops->lateral(net) : NULL;
}

const double *wh__net_weights(wh_net *net)
{
    return net != NULL && net->ops->weights != NULL ? net->ops->weights(net) : NULL;
}

const double *wh_net_lateral(wh_net *net)
{
    return wh__net_lateral(net);
}

const double *wh_net_weights(wh_net *net)
{
    return wh__net_weights(net);
}

wh_status wh_net_get_lateral(const wh_net *net, double *M, size_t ldm)
{
    if (net == NULL || M == NULL || ldm < net->n)
        return WH_EINVAL;
    return net->ops->copy_lateral(net, M, ldm);
}

wh_status wh_net_get_weights(const wh_net *net, double *W, size_t ldw)
{
    if (net == NULL || W == NULL || net->ops->copy_weights == NULL || ldw < net->k)
        return WH_EINVAL;
    return net->ops->copy_weights(net, W, ldw);
}

wh_status wh_net_set_eta(wh_net *net, double eta)
{
    if (net == NULL)
        return WH_EINVAL;
    wh_status st = check_eta(eta);
    if (st == WH_OK)
        net->eta = eta;
    return st;
}
