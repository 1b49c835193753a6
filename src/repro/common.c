/*
 * common.c: what every experiment shares: a deterministic parallel map, CSV
 * files through the I/O module, verdict lines and line fits.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "repro/repro.h"

typedef struct pool {
    atomic_size_t next;
    size_t count;
    void (*job)(size_t, void *);
    void *ctx;
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    for (size_t i; (i = atomic_fetch_add(&p->next, 1)) < p->count;)
        p->job(i, p->ctx);
    return NULL;
}

int wh__parallel_for(size_t count, size_t threads, void (*job)(size_t i, void *ctx), void *ctx)
{
    enum { MAX_THREADS = 64 };
    pool p = {.count = count, .job = job, .ctx = ctx};
    atomic_init(&p.next, 0);
    pthread_t tid[MAX_THREADS];
    size_t started = 0;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    for (; started + 1 < threads; started++)
        if (pthread_create(&tid[started], NULL, worker, &p) != 0)
            break;
    worker(&p); /* this thread works too, and finishes whatever is left */
    for (size_t i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    return 0;
}

typedef struct sweep_run {
    const wh__sweep *w;
    double *results;
    wh__journal *journal;
    size_t slot;
    bool shared; /* a shard computes every unit (wh__sweep_run_shared) */
} sweep_run;

static void sweep_job(size_t i, void *arg)
{
    sweep_run *r = arg;
    double *out = r->results + i * r->w->width;
    if (r->journal == NULL) {
        r->w->job(i, r->w->ctx, out);
        return;
    }
    /* Units done before, other shards' units, and every unit of a merge are not computed;
     * but a shard computes other shards' units of a shared sweep, without journalling them. */
    if (wh__journal_stopping(r->journal))
        return;
    if (!wh__journal_unit_wanted(r->journal, r->slot, i)) {
        if (r->shared && wh__journal_unit_foreign(r->journal, r->slot, i))
            r->w->job(i, r->w->ctx, out);
        return;
    }
    r->w->job(i, r->w->ctx, out);
    wh__journal_complete(r->journal, r->slot, i, out);
}

static int run_sweep(const wh__repro_settings *s, const wh__sweep *w, double *results,
                     bool shared)
{
    sweep_run r = {w, results, s->journal, 0, shared};
    if (r.journal != NULL && wh__journal_sweep(r.journal, w->count, w->width, results, &r.slot) != 0)
        return -1;
    wh__parallel_for(w->count, s->threads, sweep_job, &r);
    return r.journal != NULL ? wh__journal_sweep_status(r.journal, r.slot) : 0;
}

int wh__sweep_run(const wh__repro_settings *s, const wh__sweep *w, double *results)
{
    return run_sweep(s, w, results, false);
}

int wh__sweep_run_shared(const wh__repro_settings *s, const wh__sweep *w, double *results)
{
    return run_sweep(s, w, results, true);
}

void wh__column_put(const double *column, size_t rows, size_t cols, size_t c, double *table)
{
    for (size_t r = 0; r < rows; r++)
        table[r * cols + c] = column[r];
}

int wh__repro_path(char *buf, size_t size, const char *dir, const char *name)
{
    if (snprintf(buf, size, "%s/%s", dir, name) >= (int)size) {
        fprintf(stderr, "whiten reproduce: path too long: %s/%s\n", dir, name);
        return -1;
    }
    return 0;
}

int wh__repro_write_csv(const char *dir, const char *name, const char *const *header, size_t cols,
                        const double *data, size_t rows)
{
    char path[4096];
    if (wh__repro_path(path, sizeof path, dir, name) != 0)
        return -1;
    wh__matrix m = {rows, cols, (double *)data};
    wh__buf buf = {0};
    wh__io_error err = {0};
    bool ok = wh__csv_encode(&m, header, &buf) && wh__file_write_atomic(path, &buf, &err);
    if (!ok)
        fprintf(stderr, "whiten reproduce: cannot write %s: %s\n", path,
                err.message[0] != '\0' ? err.message : "out of memory");
    wh__buf_free(&buf);
    return ok ? 0 : -1;
}

/*
 * Columns whose quantity cannot be negative, by the words of their names: errors,
 * gaps, times, rates, eigenvalues, parameters, counts. --report-only draws its
 * verdicts from CSV files a user may have edited or mixed up; a negative gap or
 * time would pass a "gap <= tolerance" test, so it is refused instead.
 */
static bool cannot_be_negative(const char *name, size_t len)
{
    static const char *const words[] = {
        "error",  "gap", "time",    "rate",         "eigenvalue", "lambda",   "alpha",
        "eta",    "eps", "samples", "flops",        "condition",  "distance", "floor",
        "median", "q1",  "q3",      "q95",          "patches",    "images",   "interneurons",
        "seed",   "run", "unit",    "presentation", "network",    "circuit"};
    char field[64];
    if (len == 0 || len >= sizeof field)
        return false;
    memcpy(field, name, len);
    field[len] = '\0';
    if (strcmp(field, "t") == 0 || strcmp(field, "n") == 0)
        return true;
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strstr(field, words[i]) != NULL)
            return true;
    return false;
}

/* The first impossible value of m: a negative number in a column named for a quantity
 * that cannot be negative (NaN, a failed run, and +inf are possible). */
static bool impossible_value(const char *text, size_t len, const wh__matrix *m, char *why,
                             size_t size)
{
    const char *nl = memchr(text, '\n', len);
    const size_t header = nl != NULL ? (size_t)(nl - text) : len;
    size_t start = 0;
    for (size_t j = 0; j < m->cols && start <= header; j++) {
        const char *comma = memchr(text + start, ',', header - start);
        const size_t end = comma != NULL ? (size_t)(comma - text) : header;
        if (cannot_be_negative(text + start, end - start))
            for (size_t i = 0; i < m->rows; i++)
                if (m->data[i * m->cols + j] < 0.0) {
                    snprintf(why, size,
                             "row %zu, column %zu (%.*s): %g is impossible: %.*s cannot be "
                             "negative (an edited or foreign file?)",
                             i + 1, j + 1, (int)(end - start), text + start,
                             m->data[i * m->cols + j], (int)(end - start), text + start);
                    return true;
                }
        start = end + 1;
    }
    return false;
}

/*
 * The rows each CSV file has after a --quick run, the smallest an experiment writes (a
 * --full run writes as many or more: more seeds, points or records). A file with fewer
 * was cut short or comes from another run, and verdicts drawn from it would mean nothing.
 * Every run renders its report from the files it wrote, so a plan that changes its rows
 * without this table fails its first --quick run (tests/reproduce.sh).
 */
static const struct {
    const char *file;
    size_t rows;
} quick_rows[] = {
    {"e1_flows.csv", 480},          {"e1_rates.csv", 8},
    {"e2_times.csv", 21},           {"e3_noncommuting.csv", 11},
    {"e4_samples_to_eps.csv", 9},   {"e4_curves.csv", 94},
    {"e4_floors.csv", 7},           {"e5_switch.csv", 800},
    {"e5_online.csv", 2400},        {"e5_floors.csv", 2},
    {"e6_interneurons.csv", 101},   {"e6_stability.csv", 72},
    {"e7_errors.csv", 226},         {"e7_run.csv", 1},
    {"e7_spectrum.csv", 64},        {"e7_filters_direct.csv", 64},
    {"e7_filters_interneuron.csv", 64}, {"e7_filters_zca.csv", 64},
    {"e8_frames.csv", 11},          {"e8_curves.csv", 200},
    {"e9_basis.csv", 120},          {"e10_curves.csv", 640},
    {"e10_cost.csv", 4},
};

/* The rows a file needs (0: no rule). */
static size_t rows_needed(const char *name)
{
    for (size_t i = 0; i < sizeof quick_rows / sizeof *quick_rows; i++)
        if (strcmp(quick_rows[i].file, name) == 0)
            return quick_rows[i].rows;
    return 0;
}

int wh__repro_read_csv(const char *dir, const char *name, size_t cols, wh__matrix *out)
{
    char path[4096];
    unsigned char *bytes = NULL;
    size_t len = 0;
    wh__io_error err = {0};
    memset(out, 0, sizeof *out);
    if (wh__repro_path(path, sizeof path, dir, name) != 0)
        return -1;
    bool ok = wh__file_read(path, &bytes, &len, &err) &&
              wh__csv_decode_table((const char *)bytes, len, true, out, &err);
    if (ok && out->cols != cols) {
        snprintf(err.message, sizeof err.message, "has %zu columns, expected %zu", out->cols, cols);
        wh__matrix_free(out);
        ok = false;
    }
    const size_t need = rows_needed(name);
    if (ok && out->rows < need) {
        snprintf(err.message, sizeof err.message,
                 "%zu rows, but a --quick run writes %zu (a --full run as many or more): the "
                 "file is cut short or from another run, and verdicts drawn from it would "
                 "mean nothing",
                 out->rows, need);
        wh__matrix_free(out);
        ok = false;
    }
    if (ok && impossible_value((const char *)bytes, len, out, err.message, sizeof err.message)) {
        wh__matrix_free(out);
        ok = false;
    }
    wh__free(bytes);
    if (!ok)
        fprintf(stderr, "whiten reproduce: %s: %s\n", path, err.message);
    return ok ? 0 : -1;
}

bool wh__verdict(wh__buf *report, bool ok, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    wh__buf_printf(report, "- %s %s\n", ok ? "✔" : "✘", text);
    return ok;
}

void wh__fit_line(size_t n, const double *x, const double *y, double *a, double *b, double *r2)
{
    double mx = 0.0, my = 0.0, sxx = 0.0, sxy = 0.0, syy = 0.0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i] / (double)n;
        my += y[i] / (double)n;
    }
    for (size_t i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
        syy += (y[i] - my) * (y[i] - my);
    }
    *b = sxx > 0.0 ? sxy / sxx : (double)NAN;
    *a = my - *b * mx;
    *r2 = sxx > 0.0 && syy > 0.0 ? sxy * sxy / (sxx * syy) : 1.0;
}

void wh__fit_columns(const wh__matrix *t, size_t xcol, size_t ycol, bool log_x, double lo,
                     double hi, double *slope, double *r2)
{
    double *x = wh__alloc((t->rows + 1) * 2, sizeof *x), *y = x + t->rows + 1, a;
    size_t m = 0;
    *slope = *r2 = (double)NAN;
    if (x == NULL)
        return;
    for (size_t r = 0; r < t->rows; r++) {
        const double v = t->data[r * t->cols + xcol];
        if (v < lo * (1.0 - 1e-9) || v > hi * (1.0 + 1e-9))
            continue;
        x[m] = log_x ? log(v) : v;
        y[m++] = t->data[r * t->cols + ycol];
    }
    if (m >= 2)
        wh__fit_line(m, x, y, &a, slope, r2);
    wh__free(x);
}

double **wh__columns(const wh__matrix *t)
{
    double **cols = wh__alloc(t->cols, sizeof *cols);
    bool ok = cols != NULL;
    for (size_t c = 0; ok && c < t->cols; c++) {
        ok = (cols[c] = wh__alloc((t->rows + 1), sizeof **cols)) != NULL;
        for (size_t r = 0; ok && r < t->rows; r++)
            cols[c][r] = t->data[r * t->cols + c];
    }
    if (!ok) {
        wh__free_columns(cols, t->cols);
        return NULL;
    }
    return cols;
}

void wh__free_columns(double **cols, size_t count)
{
    for (size_t c = 0; cols != NULL && c < count; c++)
        wh__free(cols[c]);
    wh__free(cols);
}

static int compare_doubles(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void wh__quartiles(double *v, size_t n, double *q1, double *median, double *q3)
{
    /* NaN has no order; here it records a run that never got there, so it sorts last. */
    for (size_t i = 0; i < n; i++)
        if (isnan(v[i]))
            v[i] = (double)INFINITY;
    qsort(v, n, sizeof *v, compare_doubles);
    const double at[3] = {0.25, 0.5, 0.75};
    double *out[3] = {q1, median, q3};
    for (int i = 0; i < 3; i++) {
        const double pos = at[i] * (double)(n - 1);
        const size_t lo = (size_t)pos;
        const double frac = pos - (double)lo;
        *out[i] = lo + 1 < n ? v[lo] * (1.0 - frac) + v[lo + 1] * frac : v[lo];
    }
}

wh_status wh__run_open(const wh_net_options *opts, const double *C, size_t contexts,
                       uint64_t switch_every, uint64_t seed, wh__run *run)
{
    wh_source_options so;
    wh_source_options_default(&so);
    so.n = opts->n;
    so.contexts = contexts;
    so.covariances = C;
    so.switch_every = switch_every;
    so.seed = seed;
    *run = (wh__run){NULL, NULL, NULL};
    wh_status st = wh_net_new(opts, &run->net);
    if (st == WH_OK)
        st = wh_source_new(&so, &run->src);
    if (st == WH_OK)
        st = wh_metrics_new(opts->n, C, opts->n, &run->metrics);
    if (st != WH_OK)
        wh__run_close(run);
    return st;
}

void wh__run_close(wh__run *run)
{
    if (run == NULL)
        return;
    wh_metrics_free(run->metrics);
    wh_source_free(run->src);
    wh_net_free(run->net);
    *run = (wh__run){NULL, NULL, NULL};
}

int wh__repro_fail(const char *id, const char *what, wh_status status)
{
    fprintf(stderr, "whiten reproduce: %s: %s: %s\n", id, what, wh_status_message(status));
    return -1;
}
