/*
 * cmd_sweep.c: `whiten sweep FILE --out DIR`, a parameter sweep of the user's
 * own: a grid over circuit, data, n, k, learning rate (or schedule), initial
 * scale and seed, read from a JSON file, run on threads or as shards of a
 * Slurm job array (issue 18, docs/cluster.md), with one row of results per
 * run and a summary over the seeds.
 *
 * The runs are one sweep of the reproduction machinery (src/repro): each
 * run's numbers depend on its grid point alone, the journal keeps what is done
 * (--checkpoint, --shard) and a merge rebuilds the grid from the sweep file's
 * text recorded in the shard files.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/checkpoint.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/memlimit.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/rows.h"
#include "cli/shard.h"
#include "core/alloc.h"
#include "net/view.h"
#include "repro/floor.h"
#include "repro/repro.h"
#include "whiten.h"

#define MAX_VALUES   64 /* values of one axis */
#define MAX_SEEDS    4096
#define MAX_CIRCUITS 8
#define MAX_DATA     16
#define MAX_N        4096
#define MAX_RUNS     10000000

/* The results of one run, as the journal keeps them. */
enum { R_FINAL, R_SAMPLES, R_EPS, R_FLOOR, R_STATUS, R_SECONDS, R_WIDTH };

typedef struct data_spec {
    double lo, hi;
    bool rotate;
    uint64_t seed;
} data_spec;

typedef struct k_spec {
    double value; /* interneurons: value (absolute), or value x n when per_n */
    bool per_n;
} k_spec;

typedef struct grid {
    size_t ncirc, ndata, nn, nk, neta, nsched, nscale, nseed;
    wh_net_kind circ[MAX_CIRCUITS];
    data_spec data[MAX_DATA];
    size_t n[MAX_VALUES];
    k_spec k[MAX_VALUES];
    double eta[MAX_VALUES], scale[MAX_VALUES];
    wh_schedule sched[MAX_VALUES];
    uint64_t seed[MAX_SEEDS];
    uint64_t samples, every, window;
    double eps;     /* 0: twice the run's measured noise floor */
    char name[128]; /* "name", for the summary's title */
    char *text;     /* the file's content as canonical JSON (recorded in shard files) */
} grid;

/* One run's coordinates. */
typedef struct point {
    size_t circ, data, n, k, eta, sched, scale, seed; /* indices into the grid's axes */
    size_t kvalue; /* interneurons: k; the gain circuits: their K; 0 for direct connections */
} point;

static const struct {
    const char *name;
    wh_net_kind kind;
} circuits[] = {{"direct", WH_NET_DIRECT},
                {"interneuron", WH_NET_INTERNEURON},
                {"gain", WH_NET_GAIN},
                {"gain-synapse", WH_NET_GAIN_SYNAPSE}};

/* Which axes a circuit has: k is the interneurons' only; the gain circuits start from
 * g = 0 (M = I) with their own K (n(n+1)/2, the pairs frame; and n), so neither k nor
 * init_scale applies to them. */
static bool has_k(wh_net_kind kind)
{
    return kind == WH_NET_INTERNEURON;
}

static bool has_scale(wh_net_kind kind)
{
    return kind == WH_NET_DIRECT || kind == WH_NET_INTERNEURON;
}

static const char *circuit_name(wh_net_kind kind)
{
    for (size_t i = 0; i < sizeof circuits / sizeof *circuits; i++)
        if (circuits[i].kind == kind)
            return circuits[i].name;
    return "?";
}

/* ---- reading the sweep file ---------------------------------------------------------- */

typedef struct reader {
    const char *path;
    char message[512];
} reader;

static bool bad(reader *r, const char *key, const char *fmt, const char *what)
{
    snprintf(r->message, sizeof r->message, "%s: \"%s\": %s%s", r->path, key, fmt, what);
    return false;
}

/* The array under key (a single value counts as a list of one), 1..max entries. */
static const cJSON *list_of(reader *r, const cJSON *doc, const char *key, size_t max, size_t *count,
                            bool required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);
    *count = 0;
    if (v == NULL) {
        if (required)
            bad(r, key, "missing", "");
        return NULL;
    }
    const size_t m = cJSON_IsArray(v) ? (size_t)cJSON_GetArraySize(v) : 1;
    if (m == 0 || m > max) {
        char what[64];
        snprintf(what, sizeof what, "%zu", max);
        bad(r, key, "must list 1 to ", what);
        return NULL;
    }
    *count = m;
    return v;
}

static const cJSON *item_at(const cJSON *v, size_t i)
{
    return cJSON_IsArray(v) ? cJSON_GetArrayItem(v, (int)i) : v;
}

/* Numbers in (lo, hi] (or [lo, hi] when closed) under key. */
static bool numbers(reader *r, const cJSON *doc, const char *key, double lo, double hi, bool closed,
                    double *out, size_t max, size_t *count)
{
    const cJSON *v = list_of(r, doc, key, max, count, true);
    char what[96];
    snprintf(what, sizeof what, "%s%g, %g]", closed ? "[" : "(", lo, hi);
    for (size_t i = 0; v != NULL && i < *count; i++) {
        const cJSON *x = item_at(v, i);
        const double d = cJSON_IsNumber(x) ? x->valuedouble : (double)NAN;
        if (!(d <= hi && (closed ? d >= lo : d > lo)))
            return bad(r, key, "every value must be a number in ", what);
        out[i] = d;
    }
    return v != NULL;
}

static bool whole(double d, double lo, double hi)
{
    return d >= lo && d <= hi && d == floor(d);
}

static bool read_circuits(reader *r, const cJSON *doc, grid *g)
{
    const cJSON *v = list_of(r, doc, "circuits", MAX_CIRCUITS, &g->ncirc, true);
    for (size_t i = 0; v != NULL && i < g->ncirc; i++) {
        const char *name = cJSON_GetStringValue(item_at(v, i));
        size_t c = 0;
        while (name != NULL && c < sizeof circuits / sizeof *circuits &&
               strcmp(circuits[c].name, name) != 0)
            c++;
        if (name == NULL || c == sizeof circuits / sizeof *circuits)
            return bad(r, "circuits", "known circuits are ",
                       "\"direct\", \"interneuron\", \"gain\", \"gain-synapse\"");
        g->circ[i] = circuits[c].kind;
    }
    return v != NULL;
}

/* "k": whole numbers, or "Xn" for X times n (default "n"). */
static bool read_k(reader *r, const cJSON *doc, grid *g)
{
    if (cJSON_GetObjectItemCaseSensitive(doc, "k") == NULL) {
        g->nk = 1;
        g->k[0] = (k_spec){1.0, true};
        return true;
    }
    const cJSON *v = list_of(r, doc, "k", MAX_VALUES, &g->nk, true);
    for (size_t i = 0; v != NULL && i < g->nk; i++) {
        const cJSON *x = item_at(v, i);
        const char *s = cJSON_GetStringValue(x);
        char *end = NULL;
        if (cJSON_IsNumber(x) && whole(x->valuedouble, 1, MAX_N * 64))
            g->k[i] = (k_spec){x->valuedouble, false};
        else if (s != NULL && strcmp(s, "n") == 0)
            g->k[i] = (k_spec){1.0, true};
        else if (s != NULL && (g->k[i].value = strtod(s, &end)) >= 1.0 && end != s &&
                 strcmp(end, "n") == 0 && g->k[i].value <= 64.0)
            g->k[i].per_n = true;
        else
            return bad(r, "k", "every value must be a whole number of interneurons or ",
                       "\"n\", \"2n\", ... (at most \"64n\")");
    }
    return v != NULL;
}

static bool read_data(reader *r, const cJSON *doc, grid *g)
{
    if (cJSON_GetObjectItemCaseSensitive(doc, "data") == NULL) {
        g->ndata = 1;
        g->data[0] = (data_spec){0.1, 10.0, true, 1};
        return true;
    }
    const cJSON *v = list_of(r, doc, "data", MAX_DATA, &g->ndata, true);
    for (size_t i = 0; v != NULL && i < g->ndata; i++) {
        const cJSON *d = item_at(v, i), *item;
        data_spec *s = &g->data[i];
        *s = (data_spec){0.1, 10.0, true, 1};
        if (!cJSON_IsObject(d))
            return bad(r, "data", "every entry must be an object such as ",
                       "{\"spectrum\": [0.1, 10], \"rotate\": true, \"seed\": 1}");
        cJSON_ArrayForEach(item, d)
        {
            const cJSON *lo = cJSON_GetArrayItem(item, 0), *hi = cJSON_GetArrayItem(item, 1);
            if (strcmp(item->string, "spectrum") == 0 && cJSON_GetArraySize(item) == 2 &&
                cJSON_IsNumber(lo) && cJSON_IsNumber(hi) && lo->valuedouble > 0.0 &&
                hi->valuedouble >= lo->valuedouble && isfinite(hi->valuedouble))
                s->lo = lo->valuedouble, s->hi = hi->valuedouble;
            else if (strcmp(item->string, "rotate") == 0 && cJSON_IsBool(item))
                s->rotate = cJSON_IsTrue(item);
            else if (strcmp(item->string, "seed") == 0 && cJSON_IsNumber(item) &&
                     whole(item->valuedouble, 0, 9007199254740992.0))
                s->seed = (uint64_t)item->valuedouble;
            else
                return bad(r, "data", "entries take \"spectrum\": [lo, hi] with 0 < lo <= hi, ",
                           "\"rotate\": true/false and \"seed\": a whole number");
        }
    }
    return v != NULL;
}

/* "schedule": {"kind": "constant"} or {"kind": "decay", "tau": T, "gamma": G, "start": S}. */
static bool read_schedules(reader *r, const cJSON *doc, grid *g)
{
    static const char *const usage = "{\"kind\": \"constant\"} or {\"kind\": \"decay\", "
                                     "\"tau\": samples > 0, \"gamma\": in (0.5, 1], \"start\": "
                                     "a sample index (default 0)}";
    if (cJSON_GetObjectItemCaseSensitive(doc, "schedule") == NULL) {
        g->nsched = 1;
        g->sched[0] = (wh_schedule){WH_SCHEDULE_CONSTANT, 0.0, 0.0, 0};
        return true;
    }
    const cJSON *v = list_of(r, doc, "schedule", MAX_VALUES, &g->nsched, true);
    for (size_t i = 0; v != NULL && i < g->nsched; i++) {
        const cJSON *x = item_at(v, i), *item;
        wh_schedule *s = &g->sched[i];
        *s = (wh_schedule){WH_SCHEDULE_CONSTANT, 0.0, 1.0, 0};
        const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "kind"));
        if (!cJSON_IsObject(x) || kind == NULL ||
            (strcmp(kind, "constant") != 0 && strcmp(kind, "decay") != 0))
            return bad(r, "schedule", "every entry must be ", usage);
        s->kind = strcmp(kind, "decay") == 0 ? WH_SCHEDULE_DECAY : WH_SCHEDULE_CONSTANT;
        cJSON_ArrayForEach(item, x)
        {
            const double d = cJSON_IsNumber(item) ? item->valuedouble : (double)NAN;
            const bool decay = s->kind == WH_SCHEDULE_DECAY;
            if (strcmp(item->string, "kind") == 0)
                continue;
            if (decay && strcmp(item->string, "tau") == 0 && d > 0.0 && d < 1e18)
                s->tau = d;
            else if (decay && strcmp(item->string, "gamma") == 0 && d > 0.5 && d <= 1.0)
                s->gamma = d;
            else if (decay && strcmp(item->string, "start") == 0 && whole(d, 0, 1e15))
                s->start = (uint64_t)d;
            else
                return bad(r, "schedule", "every entry must be ", usage);
        }
        if (s->kind == WH_SCHEDULE_DECAY && !(s->tau > 0.0))
            return bad(r, "schedule", "a decay needs \"tau\": ", usage);
    }
    return v != NULL;
}

static bool read_seeds(reader *r, const cJSON *doc, grid *g)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "seeds");
    if (cJSON_IsNumber(v)) { /* "seeds": 4 means seeds 1, 2, 3, 4 */
        if (!whole(v->valuedouble, 1, MAX_SEEDS))
            return bad(r, "seeds", "a count of seeds must be a whole number in [1, ", "4096]");
        g->nseed = (size_t)v->valuedouble;
        for (size_t i = 0; i < g->nseed; i++)
            g->seed[i] = i + 1;
        return true;
    }
    double s[MAX_SEEDS];
    if (!numbers(r, doc, "seeds", 0, 9007199254740992.0, true, s, MAX_SEEDS, &g->nseed))
        return false;
    for (size_t i = 0; i < g->nseed; i++) {
        if (s[i] != floor(s[i]))
            return bad(r, "seeds", "seeds must be whole numbers", "");
        g->seed[i] = (uint64_t)s[i];
    }
    return true;
}

/* A whole number under key in [lo, hi], or def when absent. */
static bool count_of(reader *r, const cJSON *doc, const char *key, double lo, double hi,
                     uint64_t def, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);
    *out = def;
    if (v == NULL)
        return true;
    if (!cJSON_IsNumber(v) || !whole(v->valuedouble, lo, hi)) {
        char what[64];
        snprintf(what, sizeof what, "[%g, %g]", lo, hi);
        return bad(r, key, "must be a whole number in ", what);
    }
    *out = (uint64_t)v->valuedouble;
    return true;
}

static bool known_keys(reader *r, const cJSON *doc)
{
    static const char *const keys[] = {"name",  "circuits", "data",       "n",     "k",
                                       "eta",   "schedule", "init_scale", "seeds", "samples",
                                       "every", "window",   "eps"};
    const cJSON *item;
    cJSON_ArrayForEach(item, doc)
    {
        size_t i = 0;
        while (i < sizeof keys / sizeof *keys && strcmp(keys[i], item->string) != 0)
            i++;
        if (i == sizeof keys / sizeof *keys)
            return bad(r, item->string, "unknown key; known: name, circuits, data, n, k, eta, ",
                       "schedule, init_scale, seeds, samples, every, window, eps");
    }
    return true;
}

static bool read_grid(reader *r, const cJSON *doc, grid *g)
{
    double n[MAX_VALUES], eps = 0.0;
    if (!cJSON_IsObject(doc))
        return bad(r, "(top)", "the sweep file must hold one JSON object", "");
    bool ok = known_keys(r, doc) && read_circuits(r, doc, g) && read_data(r, doc, g) &&
              numbers(r, doc, "n", 1, MAX_N, true, n, MAX_VALUES, &g->nn) && read_k(r, doc, g) &&
              numbers(r, doc, "eta", 0, 0.5, false, g->eta, MAX_VALUES, &g->neta) &&
              read_schedules(r, doc, g) &&
              numbers(r, doc, "init_scale", 0, 1e12, false, g->scale, MAX_VALUES, &g->nscale) &&
              read_seeds(r, doc, g) && count_of(r, doc, "samples", 1, 1e12, 10000, &g->samples) &&
              count_of(r, doc, "every", 1, 1e12, 100, &g->every) &&
              count_of(r, doc, "window", 0, 1e12, 0, &g->window);
    for (size_t i = 0; ok && i < g->nn; i++) {
        g->n[i] = (size_t)n[i];
        if (n[i] != floor(n[i]))
            ok = bad(r, "n", "sizes must be whole numbers", "");
    }
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "eps");
    if (ok && e != NULL && !(cJSON_IsNumber(e) && (eps = e->valuedouble) > 0.0 && eps < 1e6))
        ok = bad(r, "eps", "must be a number in (0, 1e6); leave it out for twice the run's ",
                 "noise floor");
    g->eps = eps;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(doc, "name");
    if (ok && name != NULL && !cJSON_IsString(name))
        ok = bad(r, "name", "must be a string", "");
    snprintf(g->name, sizeof g->name, "%s", name != NULL ? name->valuestring : "");
    if (ok && g->window == 0)
        g->window = 10 * g->every;
    return ok;
}

static size_t k_of(const grid *g, size_t k, size_t n)
{
    return g->k[k].per_n ? (size_t)llround(g->k[k].value * (double)n) : (size_t)g->k[k].value;
}

/* Runs of circuit c: only interneurons have a k axis, the gain circuits no init_scale. */
static size_t block_of(const grid *g, size_t c)
{
    return g->ndata * g->nn * (has_k(g->circ[c]) ? g->nk : 1) * g->neta * g->nsched *
           (has_scale(g->circ[c]) ? g->nscale : 1) * g->nseed;
}

static size_t runs_of(const grid *g)
{
    size_t total = 0;
    for (size_t c = 0; c < g->ncirc; c++)
        total += block_of(g, c);
    return total;
}

/* Run i's grid point: circuits outermost, then data, n, k, eta, schedule, scale, seed
 * innermost. */
static point point_of(const grid *g, size_t i)
{
    point p = {0};
    while (i >= block_of(g, p.circ))
        i -= block_of(g, p.circ++);
    const wh_net_kind kind = g->circ[p.circ];
    const size_t nk = has_k(kind) ? g->nk : 1, nscale = has_scale(kind) ? g->nscale : 1;
    p.seed = i % g->nseed, i /= g->nseed;
    p.scale = i % nscale, i /= nscale;
    p.sched = i % g->nsched, i /= g->nsched;
    p.eta = i % g->neta, i /= g->neta;
    p.k = i % nk, i /= nk;
    p.n = i % g->nn, i /= g->nn;
    p.data = i;
    const size_t n = g->n[p.n];
    p.kvalue = kind == WH_NET_INTERNEURON    ? k_of(g, p.k, n)
               : kind == WH_NET_GAIN         ? n * (n + 1) / 2
               : kind == WH_NET_GAIN_SYNAPSE ? n
                                             : 0;
    return p;
}

static bool check_grid(reader *r, grid *g)
{
    for (size_t c = 0; c < g->ncirc; c++)
        for (size_t n = 0; c < g->ncirc && g->circ[c] == WH_NET_INTERNEURON && n < g->nn; n++)
            for (size_t k = 0; k < g->nk; k++)
                if (k_of(g, k, g->n[n]) < g->n[n]) {
                    char what[96];
                    snprintf(what, sizeof what, "k = %zu at n = %zu", k_of(g, k, g->n[n]), g->n[n]);
                    return bad(r, "k", "interneurons need k >= n; the grid has ", what);
                }
    double runs = 1.0;
    for (size_t c = 0; c < g->ncirc; c++)
        runs += (double)block_of(g, c);
    if (runs > MAX_RUNS)
        return bad(r, "(grid)", "more than 10^7 runs", "");
    return true;
}

/* Line and column of byte `at` of text. */
static void line_column(const char *text, size_t at, size_t *line, size_t *col)
{
    *line = 1, *col = 1;
    for (size_t i = 0; i < at && text[i] != '\0'; i++, (*col)++)
        if (text[i] == '\n')
            (*line)++, *col = 0;
}

/* Parse JSON text (from `path`, for messages) into g, keeping its canonical form. */
static int parse_sweep(const char *path, const char *text, size_t len, grid *g)
{
    reader r = {path, ""};
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (doc == NULL) {
        size_t line, col;
        line_column(text, end != NULL && end >= text ? (size_t)(end - text) : 0, &line, &col);
        fprintf(stderr, "whiten sweep: %s:%zu:%zu: not valid JSON here\n", path, line, col);
        return WH__EXIT_USAGE;
    }
    memset(g, 0, sizeof *g);
    bool ok = read_grid(&r, doc, g) && check_grid(&r, g);
    if (ok && (g->text = cJSON_PrintUnformatted(doc)) == NULL)
        ok = bad(&r, "(top)", "out of memory", "");
    cJSON_Delete(doc);
    if (!ok)
        fprintf(stderr, "whiten sweep: %s\n", r.message);
    return ok ? WH__EXIT_OK : WH__EXIT_USAGE;
}

static int read_sweep(const char *path, grid *g)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    wh__io_error err = {0};
    if (!wh__file_read(path, &bytes, &len, &err)) {
        fprintf(stderr, "whiten sweep: %s: %s\n", path, err.message);
        return WH__EXIT_USAGE;
    }
    const int rc = parse_sweep(path, (const char *)bytes, len, g);
    wh__free(bytes);
    return rc;
}

/* ---- one run ------------------------------------------------------------------------- */

typedef struct sweep_ctx {
    const grid *g;
} sweep_ctx;

static double now(void)
{
    return wh__now();
}

static double mean_tail(const double *errors, size_t m)
{
    const size_t from = m - (m + 4) / 5; /* the last fifth of the records */
    double sum = 0.0;
    for (size_t r = from; r < m; r++)
        sum += errors[r];
    return sum / (double)(m - from);
}

/* Learn online for g->samples samples from the run's own source; the results into out. */
static wh_status learn(const grid *g, const wh_net_options *o, const double *C, uint64_t seed,
                       double *out)
{
    const size_t n = o->n, records = (size_t)(g->samples / g->every);
    double *x = wh__alloc(n, sizeof *x), *errors = wh__alloc((records + 1), sizeof *errors);
    wh__run run;
    wh_status st = x != NULL && errors != NULL ? wh__run_open(o, C, 1, 0, seed, &run) : WH_ENOMEM;
    wh_passage passage;
    if (st == WH_OK)
        st = wh_passage_init_window(&passage, out[R_EPS], g->window);
    size_t m = 0;
    for (uint64_t t = 1; st == WH_OK && t <= g->samples; t++) {
        wh_source_next(run.src, x, NULL);
        st = wh_net_step(run.net, x, NULL, NULL, NULL);
        if (st == WH_OK && t % g->every == 0) {
            wh_errors e;
            st = wh_metrics_eval(run.metrics, wh__net_lateral(run.net), n, &e);
            errors[m++] = e.spectral;
            wh_passage_observe(&passage, t, o->eta, e.spectral);
        }
    }
    if (st == WH_OK) {
        out[R_FINAL] = m > 0 ? mean_tail(errors, m) : (double)NAN;
        out[R_SAMPLES] = passage.reached ? (double)passage.samples : (double)NAN;
    }
    if (x != NULL && errors != NULL && st != WH_ENOMEM)
        wh__run_close(&run);
    wh__free(x);
    wh__free(errors);
    return st;
}

static void sweep_job(size_t i, void *arg, double *out)
{
    const sweep_ctx *ctx = arg;
    const grid *g = ctx->g;
    const double start = now();
    const point p = point_of(g, i);
    const size_t n = g->n[p.n];
    const data_spec *d = &g->data[p.data];
    const uint64_t seed = g->seed[p.seed];
    for (size_t c = 0; c < R_WIDTH; c++)
        out[c] = (double)NAN;
    double *C = wh__alloc(n * n, sizeof *C);
    wh_spectrum spec = {.n = n, .lo = d->lo, .hi = d->hi, .rotate = d->rotate, .seed = d->seed};
    wh_status st = C != NULL ? wh_covariance_from_spectrum(&spec, C, n) : WH_ENOMEM;
    wh_net_options o;
    wh_net_options_default(&o);
    o.kind = g->circ[p.circ];
    o.n = n;
    o.k = p.kvalue;
    o.eta = g->eta[p.eta];
    o.init.kind = WH_INIT_IDENTITY;
    o.init.alpha = g->scale[p.scale];
    o.init.seed = seed + 1000003u;
    wh__floor f = {(double)NAN, (double)NAN, 0};
    if (st == WH_OK) /* the floor of the base rate, held constant */
        st = wh__noise_floor(&o, C, NULL, NULL, seed + 2000003u, &f);
    o.schedule = g->sched[p.sched];
    out[R_FLOOR] = f.mean;
    out[R_EPS] = g->eps > 0.0 ? g->eps : 2.0 * f.mean;
    if (st == WH_OK)
        st = learn(g, &o, C, seed, out);
    out[R_STATUS] = (double)st;
    wh__free(C);
    out[R_SECONDS] = now() - start;
}

/* ---- results ------------------------------------------------------------------------- */

#define RUN_COLS 14
static const char *const run_header[RUN_COLS] = {
    "run",         "circuit",        "n",    "k",          "eta",
    "schedule",    "init_scale",     "seed", "data",       "status",
    "final_error", "samples_to_eps", "eps",  "noise_floor"};

/* The run's init_scale; NaN for the gain circuits, which have none. */
static double scale_of(const grid *g, point p)
{
    return has_scale(g->circ[p.circ]) ? g->scale[p.scale] : (double)NAN;
}

static void run_row(const grid *g, size_t i, const double *v, double *row)
{
    const point p = point_of(g, i);
    const double cells[RUN_COLS] = {(double)i,         (double)g->circ[p.circ],
                                    (double)g->n[p.n], (double)p.kvalue,
                                    g->eta[p.eta],     (double)p.sched,
                                    scale_of(g, p),    (double)g->seed[p.seed],
                                    (double)p.data,    v[R_STATUS],
                                    v[R_FINAL],        v[R_SAMPLES],
                                    v[R_EPS],          v[R_FLOOR]};
    memcpy(row, cells, sizeof cells);
}

#define SUM_COLS 12
static const char *const sum_header[SUM_COLS] = {"circuit",
                                                 "n",
                                                 "k",
                                                 "eta",
                                                 "schedule",
                                                 "init_scale",
                                                 "data",
                                                 "runs",
                                                 "converged",
                                                 "median_samples_to_eps",
                                                 "median_final_error",
                                                 "median_noise_floor"};

static double median_of(double *v, size_t m)
{
    double q1, q2, q3;
    wh__quartiles(v, m, &q1, &q2, &q3);
    return q2;
}

/* The runs of every grid point over its seeds (they are consecutive: seeds innermost). */
static void summarise(const grid *g, size_t runs, const double *values, double *table,
                      double *scratch)
{
    const size_t s = g->nseed;
    for (size_t r = 0; r < runs / s; r++) {
        const point p = point_of(g, r * s);
        size_t converged = 0, ok = 0;
        double *a = scratch, *b = scratch + s, *c = scratch + 2 * s;
        for (size_t j = 0; j < s; j++) {
            const double *v = values + (r * s + j) * R_WIDTH;
            converged += isnan(v[R_SAMPLES]) ? 0u : 1u;
            if (v[R_STATUS] != 0.0)
                continue;
            a[ok] = v[R_SAMPLES], b[ok] = v[R_FINAL], c[ok++] = v[R_FLOOR];
        }
        const double row[SUM_COLS] = {(double)g->circ[p.circ],
                                      (double)g->n[p.n],
                                      (double)p.kvalue,
                                      g->eta[p.eta],
                                      (double)p.sched,
                                      scale_of(g, p),
                                      (double)p.data,
                                      (double)s,
                                      (double)converged,
                                      ok > 0 ? median_of(a, ok) : (double)NAN,
                                      ok > 0 ? median_of(b, ok) : (double)NAN,
                                      ok > 0 ? median_of(c, ok) : (double)NAN};
        memcpy(table + r * SUM_COLS, row, sizeof row);
    }
}

static void summary_markdown(const grid *g, const double *table, size_t rows, wh__buf *doc)
{
    wh__buf_printf(doc, "| circuit | n | k | η | schedule | α | data | runs | converged | "
                        "median samples to ε | median final error | median noise floor |\n"
                        "|:---|---:|---:|---:|:---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t r = 0; r < rows; r++) {
        const double *t = table + r * SUM_COLS;
        const wh_schedule *s = &g->sched[(size_t)t[4]];
        char k[24] = "–", samples[32] = "never", sched[96] = "constant", scale[24] = "–";
        if (t[0] != (double)WH_NET_DIRECT)
            snprintf(k, sizeof k, "%.0f", t[2]);
        if (!isnan(t[5]))
            snprintf(scale, sizeof scale, "%g", t[5]);
        if (isfinite(t[9]))
            snprintf(samples, sizeof samples, "%.6g", t[9]);
        if (s->kind == WH_SCHEDULE_DECAY)
            snprintf(sched, sizeof sched, "decay τ = %g, γ = %g from %llu", s->tau, s->gamma,
                     (unsigned long long)s->start);
        wh__buf_printf(doc,
                       "| %s | %.0f | %s | %g | %s | %s | %.0f | %.0f | %.0f | %s | %.4g | "
                       "%.4g |\n",
                       circuit_name((wh_net_kind)t[0]), t[1], k, t[3], sched, scale, t[6], t[7],
                       t[8], samples, t[10], t[11]);
    }
}

typedef struct sweep_options {
    const char *file, *out, *resume, *shard_spec;
    size_t threads, shards;
    bool merge;
    wh__checkpoint checkpoint;
    wh__shard shard;
} sweep_options;

static int write_text(const char *dir, const char *name, const wh__buf *b)
{
    char path[4096];
    wh__io_error err = {0};
    if (wh__repro_path(path, sizeof path, dir, name) != 0)
        return WH__EXIT_FAILURE;
    if (wh__file_write_atomic(path, b, &err))
        return WH__EXIT_OK;
    fprintf(stderr, "whiten sweep: cannot write %s: %s\n", path, err.message);
    return WH__EXIT_FAILURE;
}

/* runs.csv, summary.csv, timing.csv and SUMMARY.md from the values of every run. */
static int write_results(const sweep_options *o, const grid *g, const double *values,
                         double seconds, const char *how)
{
    const size_t runs = runs_of(g), groups = runs / g->nseed;
    double *rows = wh__alloc(runs * RUN_COLS, sizeof *rows),
           *sum = wh__alloc(groups * SUM_COLS, sizeof *sum),
           *timing = wh__alloc(runs * 2, sizeof *timing),
           *scratch = wh__alloc(3 * g->nseed, sizeof *scratch);
    static const char *const timing_header[2] = {"run", "seconds"};
    int rc = rows != NULL && sum != NULL && timing != NULL && scratch != NULL ? WH__EXIT_OK
                                                                              : WH__EXIT_FAILURE;
    double total = 0.0;
    for (size_t i = 0; rc == WH__EXIT_OK && i < runs; i++) {
        run_row(g, i, values + i * R_WIDTH, rows + i * RUN_COLS);
        timing[2 * i] = (double)i;
        timing[2 * i + 1] = values[i * R_WIDTH + R_SECONDS];
        total += timing[2 * i + 1];
    }
    if (rc == WH__EXIT_OK)
        summarise(g, runs, values, sum, scratch);
    if (rc == WH__EXIT_OK &&
        (wh__repro_write_csv(o->out, "runs.csv", run_header, RUN_COLS, rows, runs) != 0 ||
         wh__repro_write_csv(o->out, "summary.csv", sum_header, SUM_COLS, sum, groups) != 0 ||
         wh__repro_write_csv(o->out, "timing.csv", timing_header, 2, timing, runs) != 0))
        rc = WH__EXIT_FAILURE;
    wh__buf doc = {0};
    if (rc == WH__EXIT_OK) {
        wh__buf_printf(&doc, "# Sweep%s%s\n\n", g->name[0] != '\0' ? ": " : "", g->name);
        wh__buf_printf(&doc,
                       "%zu runs (`runs.csv`: one row per run; circuit 0 = direct, 1 = "
                       "interneurons, 2 = gain, 3 = gain-synapse; status 0 = finished, else "
                       "the library's status); "
                       "over the %zu seeds of each grid point (`summary.csv`):\n\n",
                       runs, g->nseed);
        summary_markdown(g, sum, groups, &doc);
        wh__buf_printf(&doc,
                       "\nwhiten %s: %.1f s of computation in all, %.3f s per run on "
                       "average (`timing.csv`), %.1f s of wall-clock %s.\n",
                       wh_version(), total, total / (double)runs, seconds, how);
        rc = write_text(o->out, "SUMMARY.md", &doc);
    }
    if (rc == WH__EXIT_OK) {
        fwrite(doc.data, 1, doc.len, stdout);
        printf("whiten sweep: wrote %s/runs.csv, summary.csv, timing.csv and SUMMARY.md\n", o->out);
    }
    wh__buf_free(&doc);
    wh__free(rows), wh__free(sum), wh__free(timing), wh__free(scratch);
    return rc;
}

/* ---- running, sharding, merging ------------------------------------------------------ */

static int open_journal(const sweep_options *o, const grid *g, const char *resume, wh__journal **j)
{
    char shards[24];
    snprintf(shards, sizeof shards, "%zu", o->shard.count);
    const char *name[2] = {"sweep", "shards"}, *value[2] = {g->text, shards};
    const wh__journal_options jo = {o->checkpoint.path,
                                    o->checkpoint.every,
                                    o->checkpoint.seconds,
                                    wh__checkpoint_signal,
                                    2,
                                    name,
                                    value,
                                    o->shard.index,
                                    o->shard.count,
                                    "sweep"};
    *j = NULL;
    if (o->checkpoint.path == NULL)
        return WH__EXIT_OK;
    const int rc = wh__journal_open(&jo, resume, j);
    if (rc != 0)
        return rc == WH__JOURNAL_OTHER_RUN ? WH__EXIT_USAGE : WH__EXIT_FAILURE;
    wh__checkpoint c = o->checkpoint;
    wh__checkpoint_start(&c);
    return WH__EXIT_OK;
}

/* The runs into values (runs x R_WIDTH) on o->threads threads, with journal j (or NULL). */
static int compute(const sweep_options *o, const grid *g, wh__journal *j, double *values)
{
    sweep_ctx ctx = {g};
    const wh__sweep w = {runs_of(g), R_WIDTH, sweep_job, &ctx};
    const wh__repro_settings s = {false, 0, o->threads, NULL, j};
    wh__journal_begin(j, "grid");
    const int rc = wh__sweep_run(&s, &w, values);
    if (rc == WH__REPRO_STOPPED) {
        const int signo = wh__journal_signal(j);
        if (wh__journal_save(j) != 0)
            return WH__EXIT_FAILURE;
        fprintf(stderr, "whiten sweep: stopped by signal %d; %s\n", signo,
                o->shard.count > 0 ? "re-submit the task to finish its share"
                                   : "continue with --resume");
        return wh__checkpoint_exit_status(signo);
    }
    if (rc != 0)
        return WH__EXIT_FAILURE;
    return wh__journal_end(j) == 0 ? WH__EXIT_OK : WH__EXIT_FAILURE;
}

/*
 * The files the sweep writes into --out (made just before), checked against the
 * files it reads and its checkpoint before the runs start, as every command's
 * (common.h): none may be another, and each must be writable.
 */
static int check_files(const sweep_options *o)
{
    static const char *const names[] = {"runs.csv", "summary.csv", "timing.csv", "SUMMARY.md"};
    char out[4][4096];
    for (size_t i = 0; i < 4; i++)
        if (wh__repro_path(out[i], sizeof out[i], o->out, names[i]) != 0)
            return WH__EXIT_FAILURE;
    const wh__cli_file files[] = {
        {"FILE", o->file, false, NULL},         {"resume", o->resume, false, NULL},
        {"checkpoint", o->checkpoint.path, true, "resume"},
        {"out", out[0], true, NULL},            {"out", out[1], true, NULL},
        {"out", out[2], true, NULL},            {"out", out[3], true, NULL},
    };
    const int rc = wh__cli_check_files("sweep", files, sizeof files / sizeof *files);
    return rc != WH__EXIT_OK
               ? rc
               : wh__cli_check_checkpoint_target("sweep", o->checkpoint.path, o->resume, true);
}

static int run_sweep(sweep_options *o, const grid *g)
{
    static char path[4096];
    const size_t runs = runs_of(g);
    double *values = wh__alloc(runs * R_WIDTH, sizeof *values);
    const double start = now();
    wh__journal *j = NULL;
    struct stat st;
    bool created = false;
    int rc = values != NULL ? WH__EXIT_OK : WH__EXIT_FAILURE;
    if (rc == WH__EXIT_OK && o->shard.count > 0) {
        rc = wh__shard_folders("sweep", o->out);
        if (rc == WH__EXIT_OK)
            rc = wh__shard_file("sweep", o->out, o->shard, path, sizeof path);
        o->checkpoint.path = path;
        o->resume = stat(path, &st) == 0 ? path : NULL;
    } else if (rc == WH__EXIT_OK) {
        rc = wh__cli_out_folder("sweep", o->out, &created);
    }
    if (rc == WH__EXIT_OK && o->shard.count == 0)
        rc = check_files(o);
    if (rc == WH__EXIT_OK)
        rc = open_journal(o, g, o->resume, &j);
    if (rc == WH__EXIT_OK) {
        fprintf(stderr, "whiten sweep: %zu runs%s on %zu thread(s)\n", runs,
                o->shard.count > 0 ? ", this shard's share" : "", o->threads);
        rc = compute(o, g, j, values);
    }
    if (rc == WH__EXIT_OK && o->shard.count > 0)
        printf("whiten sweep: shard %zu of %zu: %zu runs in %s; when every shard is done: "
               "whiten sweep --merge --out %s\n",
               o->shard.index, o->shard.count, wh__journal_units_done(j), path, o->out);
    else if (rc == WH__EXIT_OK)
        rc = write_results(o, g, values, now() - start, "on one machine");
    if (rc != WH__EXIT_OK)
        wh__cli_out_folder_undo(o->out, created);
    wh__journal_free(j);
    wh__free(values);
    return rc;
}

/* --merge: the grid from the shard files, the union of their runs, the results or the
 * missing runs. */
static int run_merge(sweep_options *o)
{
    char **paths = NULL;
    size_t *index = NULL, count = 0, shards = 0;
    wh__journal *j = NULL;
    grid g = {0};
    double *values = NULL;
    const double start = now();
    int rc = wh__shard_list("sweep", o->out, &paths, &index, &count, &shards);
    if (rc == WH__EXIT_OK &&
        wh__journal_merge("sweep", (const char *const *)paths, index, count, shards, &j) != 0)
        rc = WH__EXIT_FAILURE;
    const char *text = rc == WH__EXIT_OK ? wh__journal_setting(j, "sweep") : NULL;
    const char *n = rc == WH__EXIT_OK ? wh__journal_setting(j, "shards") : NULL;
    char want[24];
    snprintf(want, sizeof want, "%zu", shards);
    if (rc == WH__EXIT_OK && (text == NULL || n == NULL || strcmp(n, want) != 0)) {
        fprintf(stderr,
                "whiten sweep: the files in %s/shards are not shards of one sweep into "
                "%zu shards\n",
                o->out, shards);
        rc = WH__EXIT_FAILURE;
    }
    if (rc == WH__EXIT_OK && parse_sweep(paths[0], text, strlen(text), &g) != WH__EXIT_OK)
        rc = WH__EXIT_FAILURE;
    if (rc == WH__EXIT_OK && (values = wh__alloc(runs_of(&g) * R_WIDTH, sizeof *values)) == NULL)
        rc = WH__EXIT_FAILURE;
    if (rc == WH__EXIT_OK) {
        fprintf(stderr, "whiten sweep: merging %zu of %zu shard files (%zu of %zu runs)\n", count,
                shards, wh__journal_units_done(j), runs_of(&g));
        rc = compute(o, &g, j, values);
    }
    if (rc == WH__EXIT_OK && wh__journal_missing(j) > 0)
        rc = wh__shard_report_missing("sweep", j, shards, o->out);
    if (rc == WH__EXIT_OK) {
        char how[64];
        snprintf(how, sizeof how, "to merge %zu shards", shards);
        rc = write_results(o, &g, values, now() - start, how);
    }
    wh__free(values);
    cJSON_free(g.text);
    wh__journal_free(j);
    wh__shard_list_free(paths, index, count);
    return rc;
}

static const wh__command_help sweep_help = {
    "sweep",
    "Run a parameter sweep of your own: every point of a grid read from a JSON file,\n"
    "one online run per point, with one row of results per run and a summary table.",
    "The sweep file (all keys but circuits, n, eta, init_scale and seeds optional):\n"
    "  {\"circuits\": [\"direct\", \"interneuron\"], \"n\": [4, 8], \"k\": [\"n\", \"2n\"],\n"
    "   \"eta\": [1e-3, 3e-3], \"init_scale\": [1, 10], \"seeds\": 8,\n"
    "   \"schedule\": [{\"kind\": \"constant\"},\n"
    "                {\"kind\": \"decay\", \"tau\": 5000, \"gamma\": 1, \"start\": 0}],\n"
    "   \"data\": [{\"spectrum\": [0.1, 10], \"rotate\": true, \"seed\": 1}],\n"
    "   \"samples\": 20000, \"every\": 100, \"window\": 1000, \"eps\": 0.3}\n"
    "A run learns online from M0 = init_scale x I on Gaussian inputs of the data's\n"
    "spectrum (log-spaced eigenvalues, Haar rotation from the data's seed); k applies\n"
    "to interneurons only (\"2n\": twice n; default n); \"seeds\": 8 means seeds 1..8;\n"
    "circuits \"gain\" (K = n(n+1)/2, pairs frame) and \"gain-synapse\" (K = n, synapses\n"
    "at 1e-3) learn their gains at eta from g = 0 (M0 = I): no k or init_scale axis;\n"
    "a decay schedule uses eta / (1 + (t - start) / tau)^gamma from sample start\n"
    "(default: constant eta).\n"
    "Each run records its final error (mean spectral whitening error over the last\n"
    "fifth of the records, every `every` samples), the samples until the error stays\n"
    "<= eps for `window` samples (default 10 x every; NaN if never), its noise floor\n"
    "(measured from M = C^1/2, as `whiten simulate` does) and eps (default twice\n"
    "that floor). --out gets runs.csv (one row per run), summary.csv (medians over\n"
    "the seeds of each grid point), timing.csv (seconds per run) and SUMMARY.md.\n"
    "Results do not depend on --threads or on sharding: every number of a run\n"
    "follows from its grid point. --shard I/N (default under a Slurm job array:\n"
    "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT; --shards N for a task re-submitted\n"
    "alone) runs share I of N into --out/shards; --merge --out DIR checks every run\n"
    "is there once, names the missing ones and the tasks to re-submit (exit 1), or\n"
    "writes the files of an unsharded sweep. See docs/cluster.md.",
    "whiten sweep grid.json --out sweep --threads 2",
};

int wh__cmd_sweep(int argc, char **argv)
{
    sweep_options o = {NULL, "sweep", NULL, NULL, 1, 0, false, wh__checkpoint_none(), {0, 0}};
    const wh__option table[] = {
        wh__opt_string("out", &o.out,
                       "folder for runs.csv, summary.csv, timing.csv "
                       "and SUMMARY.md"),
        wh__cli_row_threads(&o.threads),
        wh__opt_string(
            "checkpoint", &o.checkpoint.path,
            "checkpoint file: the runs done; written as they complete and on SIGINT/SIGTERM"),
        wh__opt_u64("checkpoint-every", &o.checkpoint.every, 0, 1e15,
                    "completed runs between checkpoints (0: only at the end and on a signal)"),
        wh__cli_row_checkpoint_seconds(&o.checkpoint),
        wh__opt_string("resume", &o.resume,
                       "finish the sweep of this checkpoint (the same sweep file)"),
        wh__cli_row_shard(&o.shard_spec),
        wh__cli_row_shards(&o.shards),
        wh__cli_row_merge(&o.merge),
    };
    /* The sweep file comes first: `whiten sweep FILE [options]`. */
    if (argc > 1 && argv[1][0] != '-') {
        o.file = argv[1];
        argv[1] = argv[0];
        argc--, argv++;
    }
    int rc = wh__options_parse(&sweep_help, table, sizeof table / sizeof *table, argc, argv);
    if (rc != WH__PARSE_OK)
        return rc == WH__PARSE_HELP ? WH__EXIT_OK : WH__EXIT_USAGE;
    const bool chosen_threads = o.threads != 0;
    if (o.threads == 0)
        o.threads = (size_t)sysconf(_SC_NPROCESSORS_ONLN);
    if ((rc = wh__cli_memlimit_threads("sweep", chosen_threads, &o.threads)) != WH__EXIT_OK)
        return rc;
    if (o.merge) {
        if (o.file != NULL || o.shard_spec != NULL || o.shards > 0 || o.checkpoint.path != NULL ||
            o.resume != NULL || wh__options_given(argc, argv, "checkpoint-every") ||
            wh__options_given(argc, argv, "checkpoint-seconds")) {
            fprintf(stderr, "whiten sweep: --merge reads the sweep from the shard files; give "
                            "it only --out and --threads\n");
            return WH__EXIT_USAGE;
        }
        return run_merge(&o);
    }
    if (o.file == NULL) {
        fprintf(stderr, "whiten sweep: give the sweep file first: whiten sweep FILE --out DIR "
                        "(see whiten sweep --help)\n");
        return WH__EXIT_USAGE;
    }
    if ((rc = wh__shard_choose("sweep", o.shard_spec, o.shards, &o.shard)) != WH__EXIT_OK)
        return rc;
    if (o.shard.count > 0 && (o.checkpoint.path != NULL || o.resume != NULL)) {
        fprintf(stderr, "whiten sweep: a shard keeps its runs in its own file under "
                        "--out/shards; it takes no --checkpoint or --resume\n");
        return WH__EXIT_USAGE;
    }
    if (o.checkpoint.path == NULL)
        o.checkpoint.path = o.resume;
    static const char *const periods[] = {"checkpoint-every", "checkpoint-seconds"};
    if (o.checkpoint.path == NULL && o.shard.count == 0 &&
        (rc = wh__cli_refuse_given("sweep", argc, argv, periods, 2,
                                   "needs --checkpoint or --resume")) != WH__EXIT_OK)
        return rc;
    grid g;
    if ((rc = read_sweep(o.file, &g)) != WH__EXIT_OK)
        return rc;
    rc = run_sweep(&o, &g);
    cJSON_free(g.text);
    return rc;
}
