/*
 * _whiten.c: the extension module under the `whiten` Python package, over the
 * public API of libwhiten (include/whiten.h) and the numpy C API.
 *
 * Thin by design: one type, Net, owning a wh_net, whose methods take rows of
 * samples as C-contiguous float64 arrays (the Python layer converts anything
 * else once; these arrive without a copy) and run the library's loops with
 * the GIL released; and a few functions over the flows. Every failing
 * status becomes a Python exception carrying the library's own message:
 * DivergedError (an ArithmeticError) with the sample index, ConvergenceError
 * for simulated neural dynamics that do not settle, ValueError for bad
 * arguments, MemoryError. A refused batch leaves the network as it was before
 * the batch: its synapses, solver state and mean are saved first and put back.
 *
 * Centring (whiten/center.h) is a stage in front of the network, owned by Net
 * when the estimator centres: learning either folds each sample into a running
 * mean first and then subtracts it (as `whiten stream` does), or subtracts a
 * mean held fixed (the exact mean of the data, as `whiten fit` does); the
 * frozen network's response and the inverse subtract and add it back.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <whiten.h>

#include "core/linalg.h" /* the BLAS seam: its thread count (blas_enter below) */

/* Samples handed to wh_net_learn_block() at most at once, as `whiten fit` does (src/cli/learn.c). */
#define CHUNK 64

static PyObject *diverged_error;    /* whiten.DivergedError(ArithmeticError) */
static PyObject *convergence_error; /* whiten.ConvergenceError(RuntimeError) */

/* ---------------------------------------------------------------- errors */

/* Raise the exception that matches a failing status; `what` says what was being done and
 * `sample` (or UINT64_MAX) names the sample. Returns NULL for convenience. */
static PyObject *raise_status(wh_status st, const char *what, uint64_t sample)
{
    char message[512];
    if (sample != UINT64_MAX)
        snprintf(message, sizeof message, "%s: sample %llu: %s (%s)", what,
                 (unsigned long long)sample, wh_status_message(st), wh_status_name(st));
    else
        snprintf(message, sizeof message, "%s: %s (%s)", what, wh_status_message(st),
                 wh_status_name(st));
    PyObject *type;
    switch (st) {
    case WH_EDIVERGED:
        type = diverged_error;
        break;
    case WH_ENOCONV:
    case WH_ESTEPSIZE:
    case WH_EMAXSTEPS:
    case WH_ETMAX:
        type = convergence_error;
        break;
    case WH_ENOMEM:
        type = PyExc_MemoryError;
        break;
    case WH_EOVERFLOW:
        type = PyExc_OverflowError;
        break;
    case WH_ELINALG:
        type = PyExc_RuntimeError;
        break;
    default:
        type = PyExc_ValueError;
        break;
    }
    PyObject *exc = PyObject_CallFunction(type, "s", message);
    if (exc == NULL)
        return NULL;
    PyObject *name = PyUnicode_FromString(wh_status_name(st));
    PyObject *index = sample != UINT64_MAX ? PyLong_FromUnsignedLongLong(sample) : Py_NewRef(Py_None);
    if (name != NULL && index != NULL && PyObject_SetAttrString(exc, "status", name) == 0 &&
        PyObject_SetAttrString(exc, "sample", index) == 0)
        PyErr_SetObject(type, exc);
    Py_XDECREF(name);
    Py_XDECREF(index);
    Py_DECREF(exc);
    return NULL;
}

/* A C-contiguous, aligned float64 array of the given rank (and columns, unless 0), or NULL
 * with a ValueError or TypeError set. Borrowed: no new reference, no copy. */
static PyArrayObject *rows_of(PyObject *obj, int ndim, npy_intp cols, const char *name)
{
    if (!PyArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be a numpy array", name);
        return NULL;
    }
    PyArrayObject *a = (PyArrayObject *)obj;
    if (PyArray_TYPE(a) != NPY_DOUBLE || !PyArray_IS_C_CONTIGUOUS(a) || !PyArray_ISALIGNED(a) ||
        PyArray_NDIM(a) != ndim) {
        PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous float64 array of %d dimensions",
                     name, ndim);
        return NULL;
    }
    if (cols != 0 && PyArray_DIM(a, ndim - 1) != cols) {
        PyErr_Format(PyExc_ValueError, "%s has %zd values per sample; the network has n = %zd",
                     name, (Py_ssize_t)PyArray_DIM(a, ndim - 1), (Py_ssize_t)cols);
        return NULL;
    }
    return a;
}

/* The first non-finite value of count x n values, as a ValueError naming its row and column. */
static bool all_finite(const double *X, size_t count, size_t n, const char *name)
{
    for (size_t r = 0; r < count; r++)
        for (size_t j = 0; j < n; j++)
            if (!isfinite(X[r * n + j])) {
                PyErr_Format(PyExc_ValueError,
                             "%s: row %zu, column %zu is %s; every value must be finite "
                             "(nothing was learned from this batch)",
                             name, r, j, isnan(X[r * n + j]) ? "NaN" : "infinite");
                return false;
            }
    return true;
}

/* ---------------------------------------------------------------- Net */

typedef struct {
    PyObject_HEAD
    wh_net *net;
    wh_center *center; /* the mean subtracted before the network; NULL: none */
    size_t n, k;
    double *scratch;   /* CHUNK x n outputs nobody asked for */
    double *centred;   /* CHUNK x n inputs less the mean */
    double *mean_before; /* n: the mean before the sample being learned (a refused one) */
    bool busy;         /* a call is running with the GIL released */
    double ridge;      /* variance of the N(0, ridge) noise added to each learned sample; 0 */
    uint64_t ridge_seed;
    wh_average *average; /* Polyak-Ruppert average of the blocks' ends, or NULL */
    uint64_t average_from; /* the network's sample count after which averaging starts */
} Net;

/*
 * OpenBLAS splits some products (dsymv, for one) over its threads differently by their
 * number, so the library gives the bits of `whiten` (which runs one BLAS thread,
 * src/cli/main.c) only on one thread. numpy shares this OpenBLAS in the process: while any
 * call of this module runs the library, OpenBLAS runs one thread, and the caller's setting
 * comes back when the last such call ends. Called with the GIL held, which orders the count.
 */
static int blas_users, blas_threads_before = 1;

static void blas_enter(void)
{
    if (blas_users++ == 0) {
        blas_threads_before = wh__linalg_threads();
        if (blas_threads_before != 1)
            wh__linalg_set_threads(1);
    }
}

static void blas_leave(void)
{
    if (--blas_users == 0 && blas_threads_before != 1)
        wh__linalg_set_threads(blas_threads_before);
}

/* A snapshot of a network, enough to put it back bit for bit (docs/state-format.md). For
 * the gain circuits the synapses are the frame or synapses W and the solver state their
 * gains g (src/net/gain_path.c). */
typedef struct {
    double *synapses; /* M (direct) or W (the other circuits) */
    double *solver;   /* the fast solver's own state (gain circuits: g first), or NULL */
    size_t solver_size;
    uint64_t samples;
    double *mean;     /* the centring's mean, or NULL */
    uint64_t mean_samples;
} snapshot;

static bool snapshot_take(Net *self, snapshot *s)
{
    const bool direct = wh_net_get_kind(self->net) == WH_NET_DIRECT;
    const size_t cols = direct ? self->n : self->k;
    s->solver_size = wh_net_solver_state_size(self->net);
    s->samples = wh_net_samples(self->net);
    s->synapses = malloc(self->n * cols * sizeof *s->synapses);
    s->solver = s->solver_size > 0 ? malloc(s->solver_size * sizeof *s->solver) : NULL;
    s->mean = self->center != NULL ? malloc(self->n * sizeof *s->mean) : NULL;
    if (s->synapses == NULL || (s->solver_size > 0 && s->solver == NULL) ||
        (self->center != NULL && s->mean == NULL)) {
        free(s->synapses), free(s->solver), free(s->mean);
        PyErr_NoMemory();
        return false;
    }
    const wh_status st = direct ? wh_net_get_lateral(self->net, s->synapses, cols)
                                : wh_net_get_weights(self->net, s->synapses, cols);
    if (st != WH_OK) {
        free(s->synapses), free(s->solver), free(s->mean);
        raise_status(st, "snapshot", UINT64_MAX);
        return false;
    }
    if (s->solver_size > 0)
        wh_net_get_solver_state(self->net, s->solver, s->solver_size);
    if (self->center != NULL) {
        memcpy(s->mean, wh_center_mean(self->center), self->n * sizeof *s->mean);
        s->mean_samples = wh_center_samples(self->center);
    }
    return true;
}

static void snapshot_restore(Net *self, const snapshot *s)
{
    const wh_net_kind kind = wh_net_get_kind(self->net);
    const size_t ld = kind == WH_NET_DIRECT ? self->n : self->k;
    if (kind == WH_NET_GAIN || kind == WH_NET_GAIN_SYNAPSE) {
        /* Synapses and gains in one call: the saved W beside the gains learned since might
         * not make a definite M, and a restore of W alone would then be refused. */
        wh_net_restore_gains(self->net, kind == WH_NET_GAIN_SYNAPSE ? s->synapses : NULL, ld,
                             s->solver, s->samples);
        /* Gain modulation's fast path keeps more than g (its refresh's gains and M). */
        if (s->solver_size > self->k)
            wh_net_set_solver_state(self->net, s->solver, s->solver_size);
    } else {
        wh_net_restore(self->net, s->synapses, ld, s->samples);
        if (s->solver_size > 0)
            wh_net_set_solver_state(self->net, s->solver, s->solver_size);
    }
    if (self->center != NULL && s->mean != NULL)
        wh_center_set(self->center, s->mean, s->mean_samples);
}

static void snapshot_free(snapshot *s)
{
    free(s->synapses), free(s->solver), free(s->mean);
}

static int net_claim(Net *self)
{
    if (self->net == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the network is not built");
        return -1;
    }
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this network is in use by another thread; give each thread its own");
        return -1;
    }
    self->busy = true;
    return 0;
}

static void Net_dealloc(Net *self)
{
    wh_net_free(self->net);
    wh_center_free(self->center);
    wh_average_free(self->average);
    free(self->scratch);
    free(self->centred);
    free(self->mean_before);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The gain circuits' frame given as an array (n x K), into the options; 0 or -1. */
static int gain_frame(PyObject *matrix, size_t n, wh_net_options *o)
{
    if (matrix == Py_None)
        return 0;
    PyArrayObject *F = rows_of(matrix, 2, 0, "frame");
    if (F == NULL)
        return -1;
    if (PyArray_DIM(F, 0) != (npy_intp)n || PyArray_DIM(F, 1) < 1) {
        PyErr_Format(PyExc_ValueError, "the frame is %zd x %zd; the network needs n = %zu rows "
                     "and K >= 1 columns", (Py_ssize_t)PyArray_DIM(F, 0),
                     (Py_ssize_t)PyArray_DIM(F, 1), n);
        return -1;
    }
    o->gain.frame = WH_FRAME_MATRIX;
    o->gain.matrix = PyArray_DATA(F);
    o->gain.ld = (size_t)PyArray_DIM(F, 1);
    o->k = (size_t)PyArray_DIM(F, 1);
    return 0;
}

static int Net_init(Net *self, PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {"kind", "n", "k", "eta", "init_scale", "seed", "solver",
                               "refresh", "schedule", "tau", "gamma", "start", "alpha",
                               "eta_w", "frame", "matrix", NULL};
    int kind = 1, solver = 0, schedule = WH_SCHEDULE_CONSTANT, frame = WH_FRAME_DEFAULT;
    Py_ssize_t n = 0, k = 0, refresh = 0;
    unsigned long long seed = 1, start = 0;
    double eta = 1e-3, init_scale = 1.0, tau = 0.0, gamma = 1.0, alpha = 1.0, eta_w = 1e-3;
    PyObject *matrix = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "in|nddKiniddKddiO", keywords, &kind, &n, &k,
                                     &eta, &init_scale, &seed, &solver, &refresh, &schedule,
                                     &tau, &gamma, &start, &alpha, &eta_w, &frame, &matrix))
        return -1;
    if (schedule != WH_SCHEDULE_CONSTANT && schedule != WH_SCHEDULE_DECAY) {
        PyErr_Format(PyExc_ValueError, "unknown schedule %d", schedule);
        return -1;
    }
    if (self->net != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Net.__init__ called twice");
        return -1;
    }
    if (n < 1 || k < 0 || refresh < 0) {
        PyErr_Format(PyExc_ValueError, "n = %zd, k = %zd, refresh = %zd: need n >= 1, k >= 0, "
                     "refresh >= 0", n, k, refresh);
        return -1;
    }
    const bool gain = kind == WH_NET_GAIN || kind == WH_NET_GAIN_SYNAPSE;
    if (kind != WH_NET_DIRECT && kind != WH_NET_INTERNEURON && !gain) {
        PyErr_Format(PyExc_ValueError, "unknown network kind %d", kind);
        return -1;
    }
    if (frame < WH_FRAME_DEFAULT || frame > WH_FRAME_MATRIX ||
        (frame == WH_FRAME_MATRIX) != (matrix != Py_None)) {
        PyErr_Format(PyExc_ValueError, "frame %d: a matrix goes with frame 3 only", frame);
        return -1;
    }
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = (wh_net_kind)kind;
    o.n = (size_t)n;
    o.k = kind == WH_NET_DIRECT ? 0 : (size_t)k;
    o.eta = eta;
    o.init.alpha = init_scale;
    o.init.seed = seed;
    o.solver = (wh_solver)solver;
    o.refresh = (size_t)refresh;
    o.schedule = (wh_schedule){(wh_schedule_kind)schedule, tau, gamma, start};
    o.gain.alpha = alpha;
    o.gain.eta_w = eta_w;
    o.gain.frame = frame;
    if (gain && gain_frame(matrix, o.n, &o) != 0)
        return -1;
    if (solver < 0 || solver > WH_SOLVER_FAST) {
        PyErr_Format(PyExc_ValueError, "unknown solver %d", solver);
        return -1;
    }
    blas_enter();
    wh_status st = wh_net_new(&o, &self->net);
    blas_leave();
    if (st != WH_OK) {
        const char *field = NULL;
        wh_net_options_check(&o, &field);
        char what[96];
        snprintf(what, sizeof what, "cannot build the network (field %s)",
                 field != NULL ? field : "none");
        raise_status(st, field != NULL ? what : "cannot build the network", UINT64_MAX);
        return -1;
    }
    self->n = wh_net_n(self->net);
    self->k = wh_net_k(self->net);
    self->scratch = malloc(CHUNK * self->n * sizeof *self->scratch);
    self->centred = malloc(CHUNK * self->n * sizeof *self->centred);
    self->mean_before = malloc(self->n * sizeof *self->mean_before);
    if (self->scratch == NULL || self->centred == NULL || self->mean_before == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/*
 * Where a chunk starting at sample `at` of the network ends: the next multiple of CHUNK of the
 * network's own sample count, or the end of the batch. For a fresh network fed one pass after
 * another this is the grid of `whiten fit` (multiples of 64 and pass ends), so the bits agree.
 */
static size_t chunk_length(uint64_t at, size_t left)
{
    const uint64_t next = (at / CHUNK + 1) * CHUNK;
    return next - at < left ? (size_t)(next - at) : left;
}

typedef enum { MODE_LEARN_BLOCK, MODE_STEP, MODE_RESPOND } run_mode;

/*
 * What the network sees of `len` rows of X: X itself without centring, else each row less the
 * mean (into self->centred), each first folded into the running mean when `update` is set
 * (`whiten stream`'s order: the sample joins the mean, then the mean is subtracted); when
 * learning with a ridge, plus the noise of each row's sample index, counted from `index`
 * (src/cli/stages.c's order: centre, then the noise).
 */
static const double *centre_rows(Net *self, const double *X, size_t len, bool update,
                                 bool learn, uint64_t index)
{
    const size_t n = self->n;
    const bool noise = learn && self->ridge > 0.0;
    if (self->center == NULL && !noise)
        return X;
    for (size_t i = 0; i < len; i++) {
        if (self->center == NULL) {
            memcpy(self->centred + i * n, X + i * n, n * sizeof *X);
        } else {
            if (update)
                wh_center_update(self->center, X + i * n); /* finite: checked before */
            wh_center_subtract(self->center, X + i * n, self->centred + i * n);
        }
        if (noise)
            wh_ridge_noise(self->centred + i * n, n, self->ridge, self->ridge_seed, index + i);
    }
    return self->centred;
}

/* After a learned chunk of `len` samples that ended at the network's sample count `end`: its
 * share of the average, as `whiten fit --average` weighs it (src/cli/average.c). */
static void average_chunk(Net *self, uint64_t end, size_t len)
{
    if (self->average == NULL || end <= self->average_from)
        return;
    const uint64_t inside = end - self->average_from;
    wh_average_add(self->average, self->net, (double)(inside < len ? inside : len));
}

/* Run count rows of X through the network; Y (or the scratch) receives the outputs. Runs
 * without the GIL; on failure returns the status and, in *failed, the failing row. */
static wh_status run_rows(Net *self, run_mode mode, const double *X, size_t count, double *Y,
                          bool update, uint64_t *failed)
{
    const size_t n = self->n;
    wh_status st = WH_OK;
    for (size_t r = 0; r < count && st == WH_OK;) {
        wh_step_info info = {0};
        if (mode == MODE_LEARN_BLOCK) {
            const uint64_t before = wh_net_samples(self->net);
            const size_t len = chunk_length(before, count - r);
            double *out = Y != NULL ? Y + r * n : self->scratch;
            const double *in = centre_rows(self, X + r * n, len, update, true, before);
            st = wh_net_learn_block(self->net, len, in, n, out, n, NULL, 0, &info);
            if (st != WH_OK)
                *failed = r + (size_t)(info.sample - before);
            else
                average_chunk(self, before + len, len);
            r += len;
        } else {
            double *out = Y != NULL ? Y + r * n : self->scratch;
            const double *in = centre_rows(self, X + r * n, 1, update && mode == MODE_STEP,
                                           mode == MODE_STEP, wh_net_samples(self->net));
            st = mode == MODE_STEP ? wh_net_step(self->net, in, out, NULL, &info)
                                   : wh_net_respond(self->net, in, out, NULL, &info);
            if (st != WH_OK)
                *failed = r;
            r++;
        }
    }
    return st;
}

/* The common body of learn, step and respond: (X, Y or None, update_mean=True). */
static PyObject *net_run(Net *self, PyObject *args, run_mode mode)
{
    PyObject *xo, *yo = Py_None;
    int update = 1;
    if (!PyArg_ParseTuple(args, "O|Op", &xo, &yo, &update))
        return NULL;
    if (net_claim(self) != 0)
        return NULL;
    PyArrayObject *X = rows_of(xo, 2, (npy_intp)self->n, "X");
    if (X == NULL) {
        self->busy = false;
        return NULL;
    }
    PyArrayObject *Y = NULL;
    if (yo != Py_None) {
        Y = rows_of(yo, 2, (npy_intp)self->n, "Y");
        if (Y != NULL && (PyArray_DIM(Y, 0) != PyArray_DIM(X, 0) ||
                          !PyArray_ISWRITEABLE(Y))) {
            PyErr_SetString(PyExc_ValueError, "Y must be a writeable array shaped like X");
            Y = NULL;
        }
        if (Y == NULL) {
            self->busy = false;
            return NULL;
        }
    }
    const size_t count = (size_t)PyArray_DIM(X, 0);
    const double *x = PyArray_DATA(X);
    double *y = Y != NULL ? PyArray_DATA(Y) : NULL;
    if (!all_finite(x, count, self->n, "X")) {
        self->busy = false;
        return NULL;
    }
    snapshot before = {0};
    const bool keep = mode != MODE_RESPOND && count > 1;
    if (keep && !snapshot_take(self, &before)) {
        self->busy = false;
        return NULL;
    }
    /* One sample: wh_net_step() keeps the network on a refusal; the mean is put back here. */
    const bool one = mode != MODE_RESPOND && count == 1 && self->center != NULL;
    uint64_t mean_samples = 0;
    if (one) {
        memcpy(self->mean_before, wh_center_mean(self->center), self->n * sizeof(double));
        mean_samples = wh_center_samples(self->center);
    }
    const uint64_t first = wh_net_samples(self->net);
    uint64_t failed = 0;
    wh_status st;
    blas_enter();
    Py_BEGIN_ALLOW_THREADS
    st = run_rows(self, mode, x, count, y, update != 0, &failed);
    if (st != WH_OK && keep)
        snapshot_restore(self, &before);
    if (st != WH_OK && one)
        wh_center_set(self->center, self->mean_before, mean_samples);
    Py_END_ALLOW_THREADS
    blas_leave();
    if (keep)
        snapshot_free(&before);
    self->busy = false;
    if (st != WH_OK) {
        char what[160];
        snprintf(what, sizeof what, "row %llu of this batch (the network is as it was before it)",
                 (unsigned long long)failed);
        return raise_status(st, what, mode == MODE_RESPOND ? UINT64_MAX : first + failed);
    }
    Py_RETURN_NONE;
}

static PyObject *Net_learn(Net *self, PyObject *args)
{
    return net_run(self, args, MODE_LEARN_BLOCK);
}

static PyObject *Net_step(Net *self, PyObject *args)
{
    return net_run(self, args, MODE_STEP);
}

static PyObject *Net_respond(Net *self, PyObject *args)
{
    return net_run(self, args, MODE_RESPOND);
}

/* step_one(x) -> y: one sample of any array-like (converted once if it is not a float64
 * vector), one wh_net_step() (after the running mean, if any); the fast path of
 * Whitener.step. A refused sample changes nothing (wh_net_step's own guarantee; the mean is
 * put back here). */
static PyObject *Net_step_one(Net *self, PyObject *arg)
{
    PyArrayObject *x = (PyArrayObject *)PyArray_FROMANY(arg, NPY_DOUBLE, 0, 0,
                                                        NPY_ARRAY_IN_ARRAY);
    if (x == NULL)
        return NULL;
    PyObject *y = NULL;
    if (PyArray_NDIM(x) != 1 || PyArray_DIM(x, 0) != (npy_intp)self->n) {
        PyErr_Format(PyExc_ValueError,
                     "step takes one sample of shape (%zu,), got an array of %d dimensions "
                     "and %zd values", self->n, PyArray_NDIM(x), (Py_ssize_t)PyArray_SIZE(x));
    } else if (all_finite(PyArray_DATA(x), 1, self->n, "x") && net_claim(self) == 0) {
        npy_intp dims[1] = {(npy_intp)self->n};
        y = PyArray_SimpleNew(1, dims, NPY_DOUBLE);
        wh_step_info info = {0};
        wh_status st = WH_OK;
        uint64_t mean_samples = 0;
        if (self->center != NULL) {
            memcpy(self->mean_before, wh_center_mean(self->center), self->n * sizeof(double));
            mean_samples = wh_center_samples(self->center);
        }
        if (y != NULL) {
            const double *in = centre_rows(self, PyArray_DATA(x), 1, true, true,
                                           wh_net_samples(self->net));
            blas_enter();
            st = wh_net_step(self->net, in, PyArray_DATA((PyArrayObject *)y), NULL, &info);
            blas_leave();
            if (st != WH_OK && self->center != NULL)
                wh_center_set(self->center, self->mean_before, mean_samples);
        }
        self->busy = false;
        if (st != WH_OK) {
            Py_CLEAR(y);
            raise_status(st, "step (the network is as it was before it)", info.sample);
        }
    }
    Py_DECREF(x);
    return y;
}

/* inverse(Y, X): X = M Y + mean row by row (wh_inverse), for the network as it is. */
static PyObject *Net_inverse(Net *self, PyObject *args)
{
    PyObject *yo, *xo;
    if (!PyArg_ParseTuple(args, "OO", &yo, &xo) || net_claim(self) != 0)
        return NULL;
    PyArrayObject *Y = rows_of(yo, 2, (npy_intp)self->n, "Y");
    PyArrayObject *X = Y != NULL ? rows_of(xo, 2, (npy_intp)self->n, "X") : NULL;
    if (X != NULL && (PyArray_DIM(X, 0) != PyArray_DIM(Y, 0) || !PyArray_ISWRITEABLE(X))) {
        PyErr_SetString(PyExc_ValueError, "X must be a writeable array shaped like Y");
        X = NULL;
    }
    if (X == NULL || !all_finite(PyArray_DATA(Y), (size_t)PyArray_DIM(Y, 0), self->n, "Y")) {
        self->busy = false;
        return NULL;
    }
    const size_t count = (size_t)PyArray_DIM(Y, 0), n = self->n;
    const double *y = PyArray_DATA(Y);
    double *x = PyArray_DATA(X);
    wh_status st = WH_OK;
    blas_enter();
    Py_BEGIN_ALLOW_THREADS
    for (size_t r = 0; r < count && st == WH_OK; r++)
        st = wh_inverse(self->net, self->center, y + r * n, x + r * n);
    Py_END_ALLOW_THREADS
    blas_leave();
    self->busy = false;
    if (st != WH_OK)
        return raise_status(st, "inverse", UINT64_MAX);
    Py_RETURN_NONE;
}

/* set_center(window, mean=None, samples=0): centre from now on, with a running mean over
 * `window` samples (0: all) that starts at `mean` as if `samples` had been folded in (None:
 * zero, none seen). set_center(None) stops centring. */
static PyObject *Net_set_center(Net *self, PyObject *args)
{
    PyObject *wo, *mo = Py_None;
    unsigned long long samples = 0;
    if (!PyArg_ParseTuple(args, "O|OK", &wo, &mo, &samples) || net_claim(self) != 0)
        return NULL;
    wh_center *c = NULL;
    wh_status st = WH_OK;
    const char *what = "the running mean";
    if (wo != Py_None) {
        const double window = PyFloat_AsDouble(wo);
        PyArrayObject *M = NULL;
        if (!(window == -1.0 && PyErr_Occurred()) &&
            (mo == Py_None || (M = rows_of(mo, 1, (npy_intp)self->n, "mean")) != NULL)) {
            st = wh_center_new(self->n, window, &c);
            if (st == WH_OK && M != NULL) {
                what = "the mean";
                st = wh_center_set(c, PyArray_DATA(M), samples);
            }
        } else {
            self->busy = false;
            return NULL;
        }
    }
    if (st != WH_OK) {
        wh_center_free(c);
        self->busy = false;
        return raise_status(st, what, UINT64_MAX);
    }
    wh_center_free(self->center);
    self->center = c;
    self->busy = false;
    Py_RETURN_NONE;
}

/* set_ridge(ridge, seed): add N(0, ridge) noise to each learned sample from now on
 * (wh_ridge_noise, seeded as `whiten --ridge` with --seed); 0 stops it. */
static PyObject *Net_set_ridge(Net *self, PyObject *args)
{
    double ridge;
    unsigned long long seed;
    if (!PyArg_ParseTuple(args, "dK", &ridge, &seed))
        return NULL;
    if (!(ridge >= 0.0 && ridge <= 1e12)) {
        PyErr_Format(PyExc_ValueError, "ridge must lie in [0, 1e12], got %g", ridge);
        return NULL;
    }
    if (net_claim(self) != 0)
        return NULL;
    self->ridge = ridge;
    self->ridge_seed = seed;
    self->busy = false;
    Py_RETURN_NONE;
}

/* ridge -> (ridge, seed) */
static PyObject *Net_get_ridge(Net *self, void *Py_UNUSED(closure))
{
    return Py_BuildValue("(dK)", self->ridge, (unsigned long long)self->ridge_seed);
}

/* average_start(from): average M (the gains of "gain") at the ends of the learned chunks
 * after the network's sample count `from`, each weighted by its samples past it
 * (wh_average; `whiten fit --average`). */
static PyObject *Net_average_start(Net *self, PyObject *arg)
{
    const unsigned long long from = PyLong_AsUnsignedLongLong(arg);
    if (from == (unsigned long long)-1 && PyErr_Occurred())
        return NULL;
    if (wh_net_get_kind(self->net) == WH_NET_GAIN_SYNAPSE) {
        PyErr_SetString(PyExc_ValueError, "average: gains plus synapses have no average "
                                          "network (M is not linear in W and g together)");
        return NULL;
    }
    if (net_claim(self) != 0)
        return NULL;
    wh_average_free(self->average);
    self->average = NULL;
    const wh_status st = wh_average_new(self->net, &self->average);
    self->average_from = from;
    self->busy = false;
    return st == WH_OK ? Py_NewRef(Py_None) : raise_status(st, "average", UINT64_MAX);
}

/* average_apply(): put the average into the network (wh_average_apply; nothing if no chunk
 * was averaged) and stop averaging. */
static PyObject *Net_average_apply(Net *self, PyObject *Py_UNUSED(ignored))
{
    if (net_claim(self) != 0)
        return NULL;
    wh_status st = WH_OK;
    if (self->average != NULL && wh_average_weight(self->average) > 0.0) {
        blas_enter();
        Py_BEGIN_ALLOW_THREADS
        st = wh_average_apply(self->average, self->net);
        Py_END_ALLOW_THREADS
        blas_leave();
    }
    wh_average_free(self->average);
    self->average = NULL;
    self->busy = false;
    return st == WH_OK ? Py_NewRef(Py_None) : raise_status(st, "average", UINT64_MAX);
}

/* center() -> None, or (mean (n,), samples folded in, window). */
static PyObject *Net_center(Net *self, PyObject *Py_UNUSED(ignored))
{
    if (self->center == NULL)
        Py_RETURN_NONE;
    npy_intp dims[1] = {(npy_intp)self->n};
    PyObject *m = PyArray_SimpleNew(1, dims, NPY_DOUBLE);
    if (m == NULL)
        return NULL;
    memcpy(PyArray_DATA((PyArrayObject *)m), wh_center_mean(self->center),
           self->n * sizeof(double));
    return Py_BuildValue("(NKd)", m, (unsigned long long)wh_center_samples(self->center),
                         wh_center_window(self->center));
}

/* A new float64 array (rows x cols) holding a copy of row-major data. */
/* A new rows x cols array filled by get (wh_net_get_lateral or wh_net_get_weights). */
static PyObject *get_matrix(const wh_net *net, size_t rows, size_t cols,
                            wh_status (*get)(const wh_net *, double *, size_t), const char *what)
{
    npy_intp dims[2] = {(npy_intp)rows, (npy_intp)cols};
    PyObject *a = PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    if (a == NULL)
        return NULL;
    const wh_status st = get(net, PyArray_DATA((PyArrayObject *)a), cols);
    if (st != WH_OK) {
        Py_DECREF(a);
        return raise_status(st, what, UINT64_MAX);
    }
    return a;
}

static PyObject *Net_lateral(Net *self, PyObject *Py_UNUSED(ignored))
{
    if (net_claim(self) != 0)
        return NULL;
    PyObject *M = get_matrix(self->net, self->n, self->n, wh_net_get_lateral, "lateral");
    self->busy = false;
    return M;
}

static PyObject *Net_weights(Net *self, PyObject *Py_UNUSED(ignored))
{
    if (net_claim(self) != 0)
        return NULL;
    PyObject *out = wh_net_get_kind(self->net) == WH_NET_DIRECT
                        ? Py_NewRef(Py_None)
                        : get_matrix(self->net, self->n, self->k, wh_net_get_weights, "weights");
    self->busy = false;
    return out;
}

static PyObject *Net_solver_state(Net *self, PyObject *Py_UNUSED(ignored))
{
    if (net_claim(self) != 0)
        return NULL;
    const size_t size = wh_net_solver_state_size(self->net);
    npy_intp dims[1] = {(npy_intp)size};
    PyObject *a = PyArray_SimpleNew(1, dims, NPY_DOUBLE);
    wh_status st = WH_OK;
    if (a != NULL && size > 0)
        st = wh_net_get_solver_state(self->net, PyArray_DATA((PyArrayObject *)a), size);
    self->busy = false;
    if (st != WH_OK) {
        Py_XDECREF(a);
        return raise_status(st, "cannot read the solver state", UINT64_MAX);
    }
    return a;
}

/*
 * The end of restore() and restore_gains(): the synapses (or a gain circuit's W, which may be
 * NULL, and gains g), then the saved solver state SS if any, all or nothing: on a refusal the
 * network is put back as it was and the error raised, naming `what` failed.
 */
static PyObject *restore_all(Net *self, const double *synapses, size_t ld, const double *g,
                             unsigned long long samples, PyArrayObject *SS, const char *what)
{
    snapshot before = {0};
    if (!snapshot_take(self, &before)) {
        self->busy = false;
        return NULL;
    }
    blas_enter();
    wh_status st = g != NULL ? wh_net_restore_gains(self->net, synapses, ld, g, samples)
                             : wh_net_restore(self->net, synapses, ld, samples);
    if (st == WH_OK && SS != NULL) {
        st = wh_net_set_solver_state(self->net, PyArray_DATA(SS), (size_t)PyArray_DIM(SS, 0));
        what = "the saved solver state does not belong to this network";
    }
    if (st != WH_OK)
        snapshot_restore(self, &before);
    blas_leave();
    snapshot_free(&before);
    self->busy = false;
    if (st != WH_OK)
        return raise_status(st, what, UINT64_MAX);
    Py_RETURN_NONE;
}

/* restore(synapses, samples, solver_state=None): M (direct) or W (interneurons), as
 * wh_net_restore() and wh_net_set_solver_state(); all or nothing. */
static PyObject *Net_restore(Net *self, PyObject *args)
{
    PyObject *so, *sso = Py_None;
    unsigned long long samples;
    if (!PyArg_ParseTuple(args, "OK|O", &so, &samples, &sso) || net_claim(self) != 0)
        return NULL;
    const bool direct = wh_net_get_kind(self->net) == WH_NET_DIRECT;
    const size_t cols = direct ? self->n : self->k;
    PyArrayObject *S = rows_of(so, 2, (npy_intp)cols, direct ? "M" : "W");
    PyArrayObject *SS = sso != Py_None && S != NULL ? rows_of(sso, 1, 0, "solver_state") : NULL;
    if (S != NULL && PyArray_DIM(S, 0) != (npy_intp)self->n) {
        PyErr_Format(PyExc_ValueError, "the synapses have %zd rows; the network has n = %zu",
                     (Py_ssize_t)PyArray_DIM(S, 0), self->n);
        S = NULL;
    }
    if (S == NULL || (sso != Py_None && SS == NULL)) {
        self->busy = false;
        return NULL;
    }
    return restore_all(self, PyArray_DATA(S), cols, NULL, samples, SS,
                       "the saved synapses are unusable");
}

/* gains() -> g (K,) of a gain circuit, or None. */
static PyObject *Net_gains(Net *self, PyObject *Py_UNUSED(ignored))
{
    const double *g = wh_net_gains(self->net);
    if (g == NULL)
        Py_RETURN_NONE;
    npy_intp dims[1] = {(npy_intp)self->k};
    PyObject *a = PyArray_SimpleNew(1, dims, NPY_DOUBLE);
    if (a != NULL)
        memcpy(PyArray_DATA((PyArrayObject *)a), g, self->k * sizeof *g);
    return a;
}

/* restore_gains(W or None, g, samples, solver_state=None): a gain circuit's synapses
 * (gain-synapse), gains and (gain modulation's fast path) solver state back, as `whiten`
 * reads a state (wh_net_restore_gains, wh_net_set_solver_state); all or nothing. */
static PyObject *Net_restore_gains(Net *self, PyObject *args)
{
    PyObject *wo, *go, *sso = Py_None;
    unsigned long long samples;
    if (!PyArg_ParseTuple(args, "OOK|O", &wo, &go, &samples, &sso) || net_claim(self) != 0)
        return NULL;
    PyArrayObject *W = wo != Py_None ? rows_of(wo, 2, (npy_intp)self->k, "W") : NULL;
    PyArrayObject *G = wo == Py_None || W != NULL ? rows_of(go, 1, (npy_intp)self->k, "g") : NULL;
    PyArrayObject *SS = sso != Py_None && G != NULL ? rows_of(sso, 1, 0, "solver_state") : NULL;
    if (W != NULL && PyArray_DIM(W, 0) != (npy_intp)self->n) {
        PyErr_Format(PyExc_ValueError, "W has %zd rows; the network has n = %zu",
                     (Py_ssize_t)PyArray_DIM(W, 0), self->n);
        G = NULL;
    }
    if (G == NULL || (sso != Py_None && SS == NULL)) {
        self->busy = false;
        return NULL;
    }
    return restore_all(self, W != NULL ? PyArray_DATA(W) : NULL, self->k, PyArray_DATA(G),
                       samples, SS, "the saved gains and synapses are unusable");
}

static PyObject *Net_set_eta(Net *self, PyObject *arg)
{
    const double eta = PyFloat_AsDouble(arg);
    if (eta == -1.0 && PyErr_Occurred())
        return NULL;
    if (net_claim(self) != 0)
        return NULL;
    wh_status st = wh_net_set_eta(self->net, eta);
    self->busy = false;
    if (st != WH_OK)
        return raise_status(st, "cannot set eta", UINT64_MAX);
    Py_RETURN_NONE;
}

static PyObject *Net_get_samples(Net *self, void *Py_UNUSED(closure))
{
    return PyLong_FromUnsignedLongLong(wh_net_samples(self->net));
}

static PyObject *Net_get_n(Net *self, void *Py_UNUSED(closure))
{
    return PyLong_FromSize_t(self->n);
}

static PyObject *Net_get_k(Net *self, void *Py_UNUSED(closure))
{
    return PyLong_FromSize_t(self->k);
}

static PyObject *Net_get_eta(Net *self, void *Py_UNUSED(closure))
{
    return PyFloat_FromDouble(wh_net_eta(self->net));
}

static PyObject *Net_get_kind(Net *self, void *Py_UNUSED(closure))
{
    return PyLong_FromLong((long)wh_net_get_kind(self->net));
}

static PyObject *Net_get_solver(Net *self, void *Py_UNUSED(closure))
{
    return PyLong_FromLong((long)wh_net_solver(self->net));
}

static PyObject *Net_get_schedule(Net *self, void *Py_UNUSED(closure))
{
    const wh_schedule s = wh_net_get_schedule(self->net);
    return Py_BuildValue("(iddK)", (int)s.kind, s.tau, s.gamma, (unsigned long long)s.start);
}

static PyObject *Net_get_refresh(Net *self, void *Py_UNUSED(closure))
{
    return PyLong_FromSize_t(wh_net_refresh(self->net));
}

static PyObject *Net_get_alpha(Net *self, void *Py_UNUSED(closure))
{
    return PyFloat_FromDouble(wh_net_gain_alpha(self->net));
}

static PyObject *Net_get_eta_w(Net *self, void *Py_UNUSED(closure))
{
    return PyFloat_FromDouble(wh_net_gain_eta_w(self->net));
}

static PyMethodDef Net_methods[] = {
    {"learn", (PyCFunction)Net_learn, METH_VARARGS,
     "learn(X, Y=None): learn from the rows of X by wh_net_learn_block() in the chunks of "
     "`whiten fit`; Y receives the outputs."},
    {"step", (PyCFunction)Net_step, METH_VARARGS,
     "step(X, Y=None): one wh_net_step() per row of X; Y receives the outputs."},
    {"step_one", (PyCFunction)Net_step_one, METH_O,
     "step_one(x) -> y: one sample (n values), one wh_net_step()."},
    {"respond", (PyCFunction)Net_respond, METH_VARARGS,
     "respond(X, Y): the frozen network's outputs (wh_net_respond()) into Y."},
    {"lateral", (PyCFunction)Net_lateral, METH_NOARGS, "A copy of M (n x n)."},
    {"weights", (PyCFunction)Net_weights, METH_NOARGS, "A copy of W (n x k), or None."},
    {"solver_state", (PyCFunction)Net_solver_state, METH_NOARGS,
     "The fast solver's own state (empty for the exact solver)."},
    {"restore", (PyCFunction)Net_restore, METH_VARARGS,
     "restore(synapses, samples, solver_state=None): put a saved network back."},
    {"set_eta", (PyCFunction)Net_set_eta, METH_O, "Change the learning rate."},
    {"inverse", (PyCFunction)Net_inverse, METH_VARARGS,
     "inverse(Y, X): X = M Y + mean, row by row (wh_inverse)."},
    {"set_center", (PyCFunction)Net_set_center, METH_VARARGS,
     "set_center(window, mean=None, samples=0): centre with a running mean; None: stop."},
    {"set_ridge", (PyCFunction)Net_set_ridge, METH_VARARGS,
     "set_ridge(ridge, seed): N(0, ridge) noise on each learned sample (wh_ridge_noise)."},
    {"average_start", (PyCFunction)Net_average_start, METH_O,
     "average_start(from): average M over the chunks learned after sample `from` (wh_average)."},
    {"average_apply", (PyCFunction)Net_average_apply, METH_NOARGS,
     "average_apply(): put the average into the network and stop averaging."},
    {"center", (PyCFunction)Net_center, METH_NOARGS,
     "None, or (mean, samples folded in, window) of the centring."},
    {"gains", (PyCFunction)Net_gains, METH_NOARGS, "The gains g (K,) of a gain circuit, or None."},
    {"restore_gains", (PyCFunction)Net_restore_gains, METH_VARARGS,
     "restore_gains(W or None, g, samples, solver_state=None): put a gain circuit back "
     "(wh_net_restore_gains, wh_net_set_solver_state)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Net_getset[] = {
    {"samples", (getter)Net_get_samples, NULL, "samples learned", NULL},
    {"n", (getter)Net_get_n, NULL, "input dimension", NULL},
    {"k", (getter)Net_get_k, NULL, "interneurons (n for the direct network)", NULL},
    {"eta", (getter)Net_get_eta, NULL, "learning rate", NULL},
    {"kind", (getter)Net_get_kind, NULL, "0 direct, 1 interneuron, 2 gain, 3 gain-synapse",
     NULL},
    {"solver", (getter)Net_get_solver, NULL, "1 exact, 2 fast", NULL},
    {"refresh", (getter)Net_get_refresh, NULL, "fast solver's refresh period", NULL},
    {"alpha", (getter)Net_get_alpha, NULL, "gain circuits: the leak alpha (else 0)", NULL},
    {"eta_w", (getter)Net_get_eta_w, NULL, "gain-synapse: the synapses' rate (else 0)", NULL},
    {"schedule", (getter)Net_get_schedule, NULL, "(kind, tau, gamma, start) of wh_schedule",
     NULL},
    {"ridge", (getter)Net_get_ridge, NULL, "(ridge, seed) of the learned samples' noise", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject NetType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "whiten._whiten.Net",
    .tp_basicsize = sizeof(Net),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A libwhiten network (wh_net): Net(kind, n, k=0, eta=1e-3, init_scale=1.0, "
              "seed=1, solver=0, refresh=0, schedule=0, tau=0.0, gamma=1.0, start=0).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Net_init,
    .tp_dealloc = (destructor)Net_dealloc,
    .tp_methods = Net_methods,
    .tp_getset = Net_getset,
};

/* ---------------------------------------------------------------- flows */

/* A symmetric positive definite C as a C-contiguous float64 n x n array. */
static PyArrayObject *covariance_of(PyObject *obj)
{
    PyArrayObject *C = rows_of(obj, 2, 0, "C");
    if (C != NULL && PyArray_DIM(C, 0) != PyArray_DIM(C, 1)) {
        PyErr_SetString(PyExc_ValueError, "C must be square");
        return NULL;
    }
    return C;
}

/*
 * flow(kind, C, times, k=0, closed_lateral=False, init_scale=1.0, seed=1, rtol=1e-10,
 *      atol=0.0, eps=0.01, t_max=inf, max_steps=1000000)
 * -> (errors, eigenvalues, M, t_eps, steps): the flow evaluated at the ascending times
 * (errors (T,), eigenvalues of M (T, n) ascending, M (T, n, n)), and T_eps found by
 * wh_flow_converge() up to t_max (NaN if not reached; t_max = inf: not asked).
 */
static PyObject *flow_run(PyObject *Py_UNUSED(module), PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {"kind", "C", "times", "k", "closed_lateral", "init_scale",
                               "seed", "rtol", "atol", "eps", "t_max", "max_steps", NULL};
    int kind, closed = 0;
    PyObject *co, *to;
    Py_ssize_t k = 0, max_steps = 1000000;
    unsigned long long seed = 1;
    double init_scale = 1.0, rtol = 1e-10, atol = 0.0, eps = 0.01, t_max = INFINITY;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "iOO|npdKddddn", keywords, &kind, &co, &to, &k,
                                     &closed, &init_scale, &seed, &rtol, &atol, &eps, &t_max,
                                     &max_steps))
        return NULL;
    PyArrayObject *C = covariance_of(co), *T = C != NULL ? rows_of(to, 1, 0, "times") : NULL;
    if (T == NULL)
        return NULL;
    if (k < 0 || max_steps < 1 || (kind != WH_NET_DIRECT && kind != WH_NET_INTERNEURON)) {
        PyErr_SetString(PyExc_ValueError, "need k >= 0, max_steps >= 1 and a known kind");
        return NULL;
    }
    const size_t n = (size_t)PyArray_DIM(C, 0), count = (size_t)PyArray_DIM(T, 0);
    const double *times = PyArray_DATA(T);
    for (size_t i = 0; i < count; i++)
        if (!(isfinite(times[i]) && times[i] >= 0.0 && (i == 0 || times[i] >= times[i - 1]))) {
            PyErr_Format(PyExc_ValueError,
                         "times[%zu] = %g: times must be finite, >= 0 and ascending", i,
                         times[i]);
            return NULL;
        }
    wh_flow_options o;
    wh_flow_options_default(&o);
    o.kind = (wh_net_kind)kind;
    o.n = n;
    o.k = (size_t)k;
    o.closed_lateral = closed != 0;
    o.covariance = PyArray_DATA(C);
    o.ldc = n;
    o.init.alpha = init_scale;
    o.init.seed = seed;
    o.rtol = rtol;
    o.atol = atol;
    o.eps = eps;
    o.max_steps = (size_t)max_steps;
    npy_intp d1[1] = {(npy_intp)count}, d2[2] = {(npy_intp)count, (npy_intp)n},
             d3[3] = {(npy_intp)count, (npy_intp)n, (npy_intp)n};
    PyObject *errors = PyArray_SimpleNew(1, d1, NPY_DOUBLE);
    PyObject *eig = PyArray_SimpleNew(2, d2, NPY_DOUBLE);
    PyObject *Ms = PyArray_SimpleNew(3, d3, NPY_DOUBLE);
    wh_flow *flow = NULL;
    wh_status st = WH_OK;
    double t_eps = NAN;
    uint64_t steps = 0;
    if (errors == NULL || eig == NULL || Ms == NULL)
        goto fail;
    double *e = PyArray_DATA((PyArrayObject *)errors), *ev = PyArray_DATA((PyArrayObject *)eig),
           *m = PyArray_DATA((PyArrayObject *)Ms);
    const char *what = "cannot set up the flow";
    blas_enter();
    Py_BEGIN_ALLOW_THREADS
    st = wh_flow_new(&o, &flow);
    for (size_t i = 0; i < count && st == WH_OK; i++) {
        what = "integrating the flow";
        if (times[i] > wh_flow_time(flow))
            st = wh_flow_evolve(flow, times[i]);
        if (st == WH_OK)
            st = wh_flow_eigenvalues(flow, ev + i * n);
        if (st == WH_OK) {
            e[i] = wh_flow_error(flow);
            memcpy(m + i * n * n, wh_flow_lateral(flow), n * n * sizeof *m);
        }
    }
    if (st == WH_OK && isfinite(t_max)) {
        what = "finding the convergence time";
        wh_flow_reset(flow);
        st = wh_flow_converge(flow, t_max, &t_eps);
        if (st == WH_ETMAX)
            st = WH_OK; /* not reached by t_max: NaN, as documented */
    }
    if (flow != NULL)
        steps = wh_flow_steps(flow);
    wh_flow_free(flow);
    Py_END_ALLOW_THREADS
    blas_leave();
    if (st != WH_OK) {
        raise_status(st, what, UINT64_MAX);
        goto fail;
    }
    return Py_BuildValue("(NNNdK)", errors, eig, Ms, t_eps, (unsigned long long)steps);
fail:
    Py_XDECREF(errors);
    Py_XDECREF(eig);
    Py_XDECREF(Ms);
    return NULL;
}

/* closed_time(kind, lambdas, m0s, eps) -> T_eps of a commuting start (wh_flow_closed_time). */
static PyObject *flow_closed_time(PyObject *Py_UNUSED(module), PyObject *args)
{
    int kind;
    PyObject *lo, *mo;
    double eps, t = NAN;
    if (!PyArg_ParseTuple(args, "iOOd", &kind, &lo, &mo, &eps))
        return NULL;
    PyArrayObject *L = rows_of(lo, 1, 0, "eigenvalues"),
                  *M0 = L != NULL ? rows_of(mo, 1, PyArray_DIM(L, 0), "m0") : NULL;
    if (M0 == NULL)
        return NULL;
    if (kind != WH_NET_DIRECT && kind != WH_NET_INTERNEURON) {
        PyErr_Format(PyExc_ValueError, "unknown network kind %d", kind);
        return NULL;
    }
    wh_status st = wh_flow_closed_time((wh_net_kind)kind, (size_t)PyArray_DIM(L, 0),
                                       PyArray_DATA(L), PyArray_DATA(M0), eps, &t);
    if (st != WH_OK)
        return raise_status(st, "closed-form convergence time", UINT64_MAX);
    return PyFloat_FromDouble(t);
}

/* mode(kind, lam, m0, t) -> m(t) of one commuting mode (wh_flow_mode). */
static PyObject *flow_mode(PyObject *Py_UNUSED(module), PyObject *args)
{
    int kind;
    double lam, m0, t, m = NAN;
    if (!PyArg_ParseTuple(args, "iddd", &kind, &lam, &m0, &t))
        return NULL;
    if (kind != WH_NET_DIRECT && kind != WH_NET_INTERNEURON) {
        PyErr_Format(PyExc_ValueError, "unknown network kind %d", kind);
        return NULL;
    }
    wh_status st = wh_flow_mode((wh_net_kind)kind, lam, m0, t, &m);
    if (st != WH_OK)
        return raise_status(st, "closed-form mode", UINT64_MAX);
    return PyFloat_FromDouble(m);
}

/* exact_mean(X) -> the exact mean of the rows of X (wh_center_exact_mean), as `whiten fit`
 * takes it. */
static PyObject *module_exact_mean(PyObject *Py_UNUSED(module), PyObject *arg)
{
    PyArrayObject *X = rows_of(arg, 2, 0, "X");
    if (X == NULL)
        return NULL;
    const size_t rows = (size_t)PyArray_DIM(X, 0), n = (size_t)PyArray_DIM(X, 1);
    npy_intp dims[1] = {(npy_intp)n};
    PyObject *m = PyArray_SimpleNew(1, dims, NPY_DOUBLE);
    if (m == NULL)
        return NULL;
    wh_status st;
    blas_enter();
    Py_BEGIN_ALLOW_THREADS
    st = wh_center_exact_mean(rows, n, PyArray_DATA(X), n, PyArray_DATA((PyArrayObject *)m));
    Py_END_ALLOW_THREADS
    blas_leave();
    if (st != WH_OK) {
        Py_DECREF(m);
        return raise_status(st, "the mean of X", UINT64_MAX);
    }
    return m;
}

/* rms_scale(X, mean or None, rows) -> sqrt(mean of (x - mean)^2 over the first `rows` rows),
 * summed in the order `whiten fit --init-scale auto` sums (src/cli/stages.c); 1 for zeros. */
static PyObject *module_rms_scale(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *xo, *mo;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "OOn", &xo, &mo, &limit))
        return NULL;
    PyArrayObject *X = rows_of(xo, 2, 0, "X");
    PyArrayObject *M = X != NULL && mo != Py_None ? rows_of(mo, 1, PyArray_DIM(X, 1), "mean")
                                                  : NULL;
    if (X == NULL || (mo != Py_None && M == NULL))
        return NULL;
    const size_t n = (size_t)PyArray_DIM(X, 1);
    size_t rows = (size_t)PyArray_DIM(X, 0);
    if (limit >= 0 && rows > (size_t)limit)
        rows = (size_t)limit;
    const double *x = PyArray_DATA(X), *mu = M != NULL ? PyArray_DATA(M) : NULL;
    double sum = 0.0;
    for (size_t i = 0; i < rows * n; i++) {
        const double d = mu != NULL ? x[i] - mu[i % n] : x[i];
        sum += d * d;
    }
    double alpha = rows * n > 0 ? sqrt(sum / (double)(rows * n)) : 0.0;
    if (!(alpha > 0.0) || !isfinite(alpha))
        alpha = 1.0;
    return PyFloat_FromDouble(alpha);
}

/* gain_optimum(W, alpha, C) -> g* (wh_gain_optimum). */
static PyObject *module_gain_optimum(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *wo, *co;
    double alpha;
    if (!PyArg_ParseTuple(args, "OdO", &wo, &alpha, &co))
        return NULL;
    PyArrayObject *W = rows_of(wo, 2, 0, "W"), *C = W != NULL ? covariance_of(co) : NULL;
    if (C == NULL)
        return NULL;
    const size_t n = (size_t)PyArray_DIM(W, 0), K = (size_t)PyArray_DIM(W, 1);
    if (PyArray_DIM(C, 0) != (npy_intp)n) {
        PyErr_Format(PyExc_ValueError, "C is %zd x %zd; the frame has n = %zu rows",
                     (Py_ssize_t)PyArray_DIM(C, 0), (Py_ssize_t)PyArray_DIM(C, 0), n);
        return NULL;
    }
    npy_intp dims[1] = {(npy_intp)K};
    PyObject *g = PyArray_SimpleNew(1, dims, NPY_DOUBLE);
    if (g == NULL)
        return NULL;
    wh_status st = wh_gain_optimum(n, K, PyArray_DATA(W), K, alpha, PyArray_DATA(C), n,
                                   PyArray_DATA((PyArrayObject *)g));
    if (st != WH_OK) {
        Py_DECREF(g);
        return raise_status(st, "the gains' optimum", UINT64_MAX);
    }
    return g;
}

static PyObject *module_version(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored))
{
    return PyUnicode_FromString(wh_version());
}

static PyMethodDef module_methods[] = {
    {"flow", (PyCFunction)(void (*)(void))flow_run, METH_VARARGS | METH_KEYWORDS,
     "The continuous flow at given times, and T_eps (wh_flow_*)."},
    {"closed_time", flow_closed_time, METH_VARARGS, "Closed-form T_eps (wh_flow_closed_time)."},
    {"mode", flow_mode, METH_VARARGS, "Closed-form m(t) of one mode (wh_flow_mode)."},
    {"exact_mean", module_exact_mean, METH_O, "The exact mean of the rows of X."},
    {"rms_scale", module_rms_scale, METH_VARARGS,
     "rms_scale(X, mean, rows): the root mean square of the first rows, less the mean."},
    {"gain_optimum", module_gain_optimum, METH_VARARGS,
     "gain_optimum(W, alpha, C): the gains' closed-form optimum (wh_gain_optimum)."},
    {"version", module_version, METH_NOARGS, "libwhiten's version."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, .m_name = "whiten._whiten",
    .m_doc = "The C core of the whiten package (libwhiten through the numpy C API).",
    .m_size = -1, .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__whiten(void);

PyMODINIT_FUNC PyInit__whiten(void)
{
    import_array();
    if (PyType_Ready(&NetType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    diverged_error = PyErr_NewExceptionWithDoc(
        "whiten.DivergedError",
        "A learning step would leave M not positive definite (WH_EDIVERGED). The attribute "
        "`sample` is the index of the sample, counted over everything the network learned.",
        PyExc_ArithmeticError, NULL);
    convergence_error = PyErr_NewExceptionWithDoc(
        "whiten.ConvergenceError",
        "Simulated neural dynamics or an ODE integration did not settle (WH_ENOCONV, "
        "WH_ESTEPSIZE, WH_EMAXSTEPS).",
        PyExc_RuntimeError, NULL);
    if (diverged_error == NULL || convergence_error == NULL ||
        PyModule_AddObjectRef(m, "DivergedError", diverged_error) < 0 ||
        PyModule_AddObjectRef(m, "ConvergenceError", convergence_error) < 0 ||
        PyModule_AddObjectRef(m, "Net", (PyObject *)&NetType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
