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
 * the batch: its synapses and solver state are saved first and put back.
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
    size_t n, k;
    double *scratch; /* CHUNK x n outputs nobody asked for */
    bool busy;       /* a call is running with the GIL released */
} Net;

/* A snapshot of a network, enough to put it back bit for bit (docs/state-format.md). */
typedef struct {
    double *synapses; /* M (direct) or W (interneurons) */
    double *solver;   /* the fast solver's own state, or NULL */
    size_t solver_size;
    uint64_t samples;
} snapshot;

static bool snapshot_take(Net *self, snapshot *s)
{
    const bool direct = wh_net_get_kind(self->net) == WH_NET_DIRECT;
    const size_t cols = direct ? self->n : self->k;
    s->solver_size = wh_net_solver_state_size(self->net);
    s->samples = wh_net_samples(self->net);
    s->synapses = malloc(self->n * cols * sizeof *s->synapses);
    s->solver = s->solver_size > 0 ? malloc(s->solver_size * sizeof *s->solver) : NULL;
    if (s->synapses == NULL || (s->solver_size > 0 && s->solver == NULL)) {
        free(s->synapses), free(s->solver);
        PyErr_NoMemory();
        return false;
    }
    const wh_status st = direct ? wh_net_get_lateral(self->net, s->synapses, cols)
                                : wh_net_get_weights(self->net, s->synapses, cols);
    if (st != WH_OK) {
        free(s->synapses), free(s->solver);
        raise_status(st, "snapshot", UINT64_MAX);
        return false;
    }
    if (s->solver_size > 0)
        wh_net_get_solver_state(self->net, s->solver, s->solver_size);
    return true;
}

static void snapshot_restore(Net *self, const snapshot *s)
{
    const size_t ld = wh_net_get_kind(self->net) == WH_NET_DIRECT ? self->n : self->k;
    wh_net_restore(self->net, s->synapses, ld, s->samples);
    if (s->solver_size > 0)
        wh_net_set_solver_state(self->net, s->solver, s->solver_size);
}

static void snapshot_free(snapshot *s)
{
    free(s->synapses), free(s->solver);
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
    free(self->scratch);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Net_init(Net *self, PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {"kind", "n", "k", "eta", "init_scale", "seed", "solver",
                               "refresh", "schedule", "tau", "gamma", "start", NULL};
    int kind = 1, solver = 0, schedule = WH_SCHEDULE_CONSTANT;
    Py_ssize_t n = 0, k = 0, refresh = 0;
    unsigned long long seed = 1, start = 0;
    double eta = 1e-3, init_scale = 1.0, tau = 0.0, gamma = 1.0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "in|nddKiniddK", keywords, &kind, &n, &k, &eta,
                                     &init_scale, &seed, &solver, &refresh, &schedule, &tau,
                                     &gamma, &start))
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
    if (kind != WH_NET_DIRECT && kind != WH_NET_INTERNEURON) {
        PyErr_Format(PyExc_ValueError, "unknown network kind %d", kind);
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
    if (solver < 0 || solver > WH_SOLVER_FAST) {
        PyErr_Format(PyExc_ValueError, "unknown solver %d", solver);
        return -1;
    }
    wh_status st = wh_net_new(&o, &self->net);
    if (st != WH_OK) {
        raise_status(st, "cannot build the network", UINT64_MAX);
        return -1;
    }
    self->n = wh_net_n(self->net);
    self->k = wh_net_k(self->net);
    self->scratch = malloc(CHUNK * self->n * sizeof *self->scratch);
    if (self->scratch == NULL) {
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

/* Run count rows of X through the network; Y (or the scratch) receives the outputs. Runs
 * without the GIL; on failure returns the status and, in *failed, the failing row. */
static wh_status run_rows(Net *self, run_mode mode, const double *X, size_t count, double *Y,
                          uint64_t *failed)
{
    const size_t n = self->n;
    wh_status st = WH_OK;
    for (size_t r = 0; r < count && st == WH_OK;) {
        wh_step_info info = {0};
        if (mode == MODE_LEARN_BLOCK) {
            const uint64_t before = wh_net_samples(self->net);
            const size_t len = chunk_length(before, count - r);
            double *out = Y != NULL ? Y + r * n : self->scratch;
            st = wh_net_learn_block(self->net, len, X + r * n, n, out, n, NULL, 0, &info);
            if (st != WH_OK)
                *failed = r + (size_t)(info.sample - before);
            r += len;
        } else {
            double *out = Y != NULL ? Y + r * n : self->scratch;
            st = mode == MODE_STEP ? wh_net_step(self->net, X + r * n, out, NULL, &info)
                                   : wh_net_respond(self->net, X + r * n, out, NULL, &info);
            if (st != WH_OK)
                *failed = r;
            r++;
        }
    }
    return st;
}

/* The common body of learn_block, step_rows and respond_rows: (X, Y or None). */
static PyObject *net_run(Net *self, PyObject *args, run_mode mode)
{
    PyObject *xo, *yo = Py_None;
    if (!PyArg_ParseTuple(args, "O|O", &xo, &yo))
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
    const uint64_t first = wh_net_samples(self->net);
    uint64_t failed = 0;
    wh_status st;
    Py_BEGIN_ALLOW_THREADS
    st = run_rows(self, mode, x, count, y, &failed);
    if (st != WH_OK && keep)
        snapshot_restore(self, &before);
    Py_END_ALLOW_THREADS
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
 * vector), one wh_net_step(); the fast path of Whitener.step. A refused sample changes
 * nothing (wh_net_step's own guarantee). */
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
        if (y != NULL)
            st = wh_net_step(self->net, PyArray_DATA(x), PyArray_DATA((PyArrayObject *)y), NULL,
                             &info);
        self->busy = false;
        if (st != WH_OK) {
            Py_CLEAR(y);
            raise_status(st, "step (the network is as it was before it)", info.sample);
        }
    }
    Py_DECREF(x);
    return y;
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
    snapshot before = {0};
    if (!snapshot_take(self, &before)) {
        self->busy = false;
        return NULL;
    }
    wh_status st = wh_net_restore(self->net, PyArray_DATA(S), cols, samples);
    const char *what = "the saved synapses are unusable";
    if (st == WH_OK && SS != NULL) {
        st = wh_net_set_solver_state(self->net, PyArray_DATA(SS), (size_t)PyArray_DIM(SS, 0));
        what = "the saved solver state does not belong to this network";
        if (st != WH_OK)
            snapshot_restore(self, &before);
    }
    snapshot_free(&before);
    self->busy = false;
    if (st != WH_OK)
        return raise_status(st, what, UINT64_MAX);
    Py_RETURN_NONE;
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
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Net_getset[] = {
    {"samples", (getter)Net_get_samples, NULL, "samples learned", NULL},
    {"n", (getter)Net_get_n, NULL, "input dimension", NULL},
    {"k", (getter)Net_get_k, NULL, "interneurons (n for the direct network)", NULL},
    {"eta", (getter)Net_get_eta, NULL, "learning rate", NULL},
    {"kind", (getter)Net_get_kind, NULL, "0 direct, 1 interneuron", NULL},
    {"solver", (getter)Net_get_solver, NULL, "1 exact, 2 fast", NULL},
    {"refresh", (getter)Net_get_refresh, NULL, "fast solver's refresh period", NULL},
    {"schedule", (getter)Net_get_schedule, NULL, "(kind, tau, gamma, start) of wh_schedule",
     NULL},
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

static PyObject *module_version(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored))
{
    return PyUnicode_FromString(wh_version());
}

static PyMethodDef module_methods[] = {
    {"flow", (PyCFunction)(void (*)(void))flow_run, METH_VARARGS | METH_KEYWORDS,
     "The continuous flow at given times, and T_eps (wh_flow_*)."},
    {"closed_time", flow_closed_time, METH_VARARGS, "Closed-form T_eps (wh_flow_closed_time)."},
    {"mode", flow_mode, METH_VARARGS, "Closed-form m(t) of one mode (wh_flow_mode)."},
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
