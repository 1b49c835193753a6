/*
 * state_file.c: a learned network as a file numpy can open.
 *
 * The file is an .npz (a zip of stored entries): meta.json (format name,
 * version, network kind, n, k, eta, samples seen) and float64 NPY arrays
 * M.npy, W.npy (interneuron network), solver_state.npy (the fast solver's
 * own state) and source_mt19937.npy (the state words of a synthetic source's
 * generator, when one is saved). numpy.load() returns
 * the arrays, and meta.json as bytes. See docs/state-format.md.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "whiten/network.h"

#define FORMAT_NAME "whiten-state"

/* The networks' names in meta.json, indexed by wh_net_kind. */
static const char *const net_names[] = {"direct", "interneuron", "gain", "gain-synapse"};

static bool gain_kind(int kind)
{
    return kind == WH_NET_GAIN || kind == WH_NET_GAIN_SYNAPSE;
}

static void add_count(cJSON *o, const char *key, uint64_t value)
{
    char count[24];
    snprintf(count, sizeof count, "%llu", (unsigned long long)value);
    cJSON_AddStringToObject(o, key, count);
}

/* Where an interrupted run stood, so that --resume can finish it bit for bit. */
static void add_checkpoint(cJSON *o, const wh__state *s)
{
    cJSON *c = cJSON_AddObjectToObject(o, "checkpoint");
    if (c == NULL)
        return;
    cJSON_AddStringToObject(c, "command", s->run_command);
    add_count(c, "done", s->run_done);
    add_count(c, "total", s->run_total);
    if (s->run_converged)
        add_count(c, "convergence", s->run_convergence);
    else if (s->run_below)
        add_count(c, "below_since", s->run_since);
    if (s->run_problem[0] != '\0')
        cJSON_AddStringToObject(c, "problem", s->run_problem);
}

/* The centring, the ridge and the learning-rate schedule, each only when in use. */
static void add_stages(cJSON *o, const wh__state *s)
{
    if (s->has_center) {
        cJSON *c = cJSON_AddObjectToObject(o, "center");
        if (c != NULL) {
            cJSON_AddNumberToObject(c, "window", s->center_window);
            add_count(c, "count", s->center_samples);
        }
    }
    if (s->ridge > 0.0) {
        cJSON_AddNumberToObject(o, "ridge", s->ridge);
        add_count(o, "ridge_seed", s->ridge_seed);
    }
    if (s->schedule_kind != 0) {
        cJSON *c = cJSON_AddObjectToObject(o, "schedule");
        if (c != NULL) {
            cJSON_AddStringToObject(c, "kind", "decay");
            cJSON_AddNumberToObject(c, "tau", s->schedule_tau);
            cJSON_AddNumberToObject(c, "gamma", s->schedule_gamma);
            add_count(c, "start", s->schedule_start);
        }
    }
}

static cJSON *meta_json(const wh__state *s, const char *creator)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "format", FORMAT_NAME);
    cJSON_AddNumberToObject(o, "version", WH__STATE_VERSION);
    cJSON_AddStringToObject(o, "creator", creator);
    cJSON_AddStringToObject(o, "net", net_names[s->kind]);
    cJSON_AddNumberToObject(o, "n", (double)s->n);
    cJSON_AddNumberToObject(o, "k", (double)s->k);
    cJSON_AddNumberToObject(o, "eta", s->eta);
    if (gain_kind(s->kind))
        cJSON_AddNumberToObject(o, "alpha", s->alpha);
    if (s->kind == WH_NET_GAIN_SYNAPSE)
        cJSON_AddNumberToObject(o, "eta_w", s->eta_w);
    cJSON_AddStringToObject(o, "solver", s->solver == WH_SOLVER_FAST ? "fast" : "exact");
    cJSON_AddNumberToObject(o, "refresh", (double)s->refresh);
    /* Counts are written as decimal strings: a JSON number is a double, exact only to 2^53. */
    char count[24];
    snprintf(count, sizeof count, "%llu", (unsigned long long)s->samples);
    cJSON_AddStringToObject(o, "samples", count);
    if (s->has_source) {
        snprintf(count, sizeof count, "%llu", (unsigned long long)s->source_samples);
        cJSON_AddStringToObject(o, "source_samples", count);
    }
    if (s->has_run)
        add_checkpoint(o, s);
    if (s->sim_inputs[0] != '\0')
        cJSON_AddStringToObject(o, "simulate_inputs", s->sim_inputs);
    add_stages(o, s);
    return o;
}

/* Each array as NPY into its own buffer, with its entry name. */
/* M, W, g, mean, solver_state, source_mt19937, record: at most this many arrays. */
#define STATE_ARRAYS 7

static bool encode_arrays(const wh__state *s, wh__buf bufs[STATE_ARRAYS],
                          const char *names[STATE_ARRAYS], size_t *count)
{
    double words[WH__MT_WORDS];
    for (size_t i = 0; i < WH__MT_WORDS; i++)
        words[i] = (double)s->mt[i];
    const wh__matrix mt = {WH__MT_WORDS, 1, words};
    *count = 0;
    names[*count] = "M.npy";
    bool ok = wh__npy_encode(&s->M, 8, 2, &bufs[(*count)++]);
    if (ok && s->kind != WH_NET_DIRECT) {
        names[*count] = "W.npy";
        ok = wh__npy_encode(&s->W, 8, 2, &bufs[(*count)++]);
    }
    if (ok && gain_kind(s->kind)) {
        names[*count] = "g.npy";
        ok = wh__npy_encode(&s->g, 8, 1, &bufs[(*count)++]);
    }
    if (ok && s->has_center) {
        names[*count] = "mean.npy";
        ok = wh__npy_encode(&s->mean, 8, 1, &bufs[(*count)++]);
    }
    if (ok && s->solver_state.rows > 0) {
        names[*count] = "solver_state.npy";
        ok = wh__npy_encode(&s->solver_state, 8, 1, &bufs[(*count)++]);
    }
    if (ok && s->has_source) {
        names[*count] = "source_mt19937.npy";
        ok = wh__npy_encode(&mt, 8, 1, &bufs[(*count)++]);
    }
    if (ok && s->has_run && s->run_record.rows > 0) {
        names[*count] = "record.npy";
        ok = wh__npy_encode(&s->run_record, 8, 2, &bufs[(*count)++]);
    }
    return ok;
}

bool wh__state_encode(const wh__state *s, const char *creator, wh__buf *out)
{
    wh__buf arrays[STATE_ARRAYS] = {{0}};
    const char *names[STATE_ARRAYS];
    size_t count = 0;
    cJSON *meta = meta_json(s, creator);
    char *text = meta != NULL ? cJSON_Print(meta) : NULL;
    bool ok = text != NULL && encode_arrays(s, arrays, names, &count);
    if (ok) {
        wh__zip_entry e[STATE_ARRAYS + 1] = {{"meta.json", (const unsigned char *)text, strlen(text)}};
        for (size_t i = 0; i < count; i++)
            e[i + 1] = (wh__zip_entry){names[i], arrays[i].data, arrays[i].len};
        ok = wh__zip_encode(e, count + 1, out);
    }
    for (size_t i = 0; i < STATE_ARRAYS; i++)
        wh__buf_free(&arrays[i]);
    cJSON_free(text);
    cJSON_Delete(meta);
    return ok;
}

static bool get_count(const cJSON *o, const char *key, uint64_t *value, wh__io_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);
    const char *text = cJSON_GetStringValue(item);
    char *end = NULL;
    if (text != NULL && text[0] >= '0' && text[0] <= '9')
        *value = strtoull(text, &end, 10);
    if (end == NULL || *end != '\0')
        return wh__io_fail(err, "meta.json: \"%s\" must be a whole number written as a string",
                           key);
    return true;
}

static bool get_size(const cJSON *o, const char *key, size_t *value, wh__io_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);
    const double v = cJSON_IsNumber(item) ? item->valuedouble : -1.0;
    if (!(v >= 1.0 && v <= 1e9 && v == floor(v)))
        return wh__io_fail(err, "meta.json: \"%s\" must be a whole number >= 1", key);
    *value = (size_t)v;
    return true;
}

/* "solver" and "refresh" are optional: a state without them is read as exact. The gain
 * circuits' fast path refreshes by its own rule (every n/4 samples), so its "refresh" is not
 * read. */
static bool parse_solver(const cJSON *o, wh__state *s, wh__io_error *err)
{
    const cJSON *solver = cJSON_GetObjectItemCaseSensitive(o, "solver");
    const char *name = cJSON_GetStringValue(solver);
    s->solver = WH_SOLVER_EXACT;
    s->refresh = 0;
    if (solver == NULL)
        return true;
    if (name == NULL || (strcmp(name, "exact") != 0 && strcmp(name, "fast") != 0))
        return wh__io_fail(err, "meta.json: \"solver\" must be \"exact\" or \"fast\"");
    s->solver = strcmp(name, "fast") == 0 ? WH_SOLVER_FAST : WH_SOLVER_EXACT;
    return s->solver == WH_SOLVER_EXACT || gain_kind(s->kind) ||
           get_size(o, "refresh", &s->refresh, err);
}

static bool check_format(const cJSON *o, wh__io_error *err)
{
    const char *format = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "format"));
    if (format == NULL || strcmp(format, FORMAT_NAME) != 0)
        return wh__io_fail(err, "meta.json: not a whiten state (\"format\" is not \"%s\")",
                           FORMAT_NAME);
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(o, "version");
    if (!cJSON_IsNumber(version) || version->valuedouble != WH__STATE_VERSION)
        return wh__io_fail(err, "meta.json: state version %g; this whiten reads version %d",
                           cJSON_IsNumber(version) ? version->valuedouble : (double)NAN,
                           WH__STATE_VERSION);
    return true;
}

static bool parse_checkpoint(const cJSON *c, wh__state *s, wh__io_error *err)
{
    const char *command = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "command"));
    if (command == NULL || strlen(command) >= sizeof s->run_command)
        return wh__io_fail(err, "meta.json: \"checkpoint\" needs a \"command\"");
    strcpy(s->run_command, command);
    if (!get_count(c, "done", &s->run_done, err) || !get_count(c, "total", &s->run_total, err))
        return false;
    if (s->run_done > s->run_total)
        return wh__io_fail(err, "meta.json: checkpoint \"done\" exceeds \"total\"");
    s->run_converged = cJSON_GetObjectItemCaseSensitive(c, "convergence") != NULL;
    if (s->run_converged && !get_count(c, "convergence", &s->run_convergence, err))
        return false;
    s->run_below = cJSON_GetObjectItemCaseSensitive(c, "below_since") != NULL;
    if (s->run_below && !get_count(c, "below_since", &s->run_since, err))
        return false;
    const cJSON *problem = cJSON_GetObjectItemCaseSensitive(c, "problem");
    if (problem != NULL) {
        const char *text = cJSON_GetStringValue(problem);
        if (text == NULL || strlen(text) >= sizeof s->run_problem)
            return wh__io_fail(err, "meta.json: checkpoint \"problem\" must be a string of at "
                                    "most %zu characters", sizeof s->run_problem - 1);
        strcpy(s->run_problem, text);
    }
    s->has_run = true;
    return true;
}

/* The gain circuits' "alpha" (>= 0) and gain-synapse's "eta_w" (in (0, 1)). */
static bool parse_gain_meta(const cJSON *o, wh__state *s, wh__io_error *err)
{
    if (!gain_kind(s->kind))
        return true;
    const cJSON *alpha = cJSON_GetObjectItemCaseSensitive(o, "alpha");
    s->alpha = cJSON_IsNumber(alpha) ? alpha->valuedouble : -1.0;
    if (!(s->alpha >= 0.0 && s->alpha <= 1e12))
        return wh__io_fail(err, "meta.json: \"alpha\" must be a number >= 0");
    if (s->kind != WH_NET_GAIN_SYNAPSE)
        return true;
    const cJSON *eta_w = cJSON_GetObjectItemCaseSensitive(o, "eta_w");
    s->eta_w = cJSON_IsNumber(eta_w) ? eta_w->valuedouble : 0.0;
    if (!(s->eta_w > 0.0 && s->eta_w < 1.0))
        return wh__io_fail(err, "meta.json: \"eta_w\" must lie in (0, 1)");
    return true;
}

/* A number of meta.json in [lo, hi], or `absent` when the key is missing. */
static bool get_number(const cJSON *o, const char *key, double lo, double hi, double absent,
                       double *value, wh__io_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);
    *value = item == NULL ? absent : cJSON_IsNumber(item) ? item->valuedouble : (double)NAN;
    if (!(*value >= lo && *value <= hi))
        return wh__io_fail(err, "meta.json: \"%s\" must be a number in [%g, %g]", key, lo, hi);
    return true;
}

/* "center" (with mean.npy), "ridge" and "schedule" are optional: absent, the stage is off. */
static bool parse_stages(const cJSON *o, wh__state *s, wh__io_error *err)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "center");
    if (c != NULL && (!get_number(c, "window", 0.0, 1e15, NAN, &s->center_window, err) ||
                      !get_count(c, "count", &s->center_samples, err)))
        return false;
    if (c != NULL && s->center_window > 0.0 && s->center_window < 1.0)
        return wh__io_fail(err, "meta.json: center \"window\" must be 0 or at least 1");
    s->has_center = c != NULL;
    if (!get_number(o, "ridge", 0.0, 1e12, 0.0, &s->ridge, err))
        return false;
    if (s->ridge > 0.0 && !get_count(o, "ridge_seed", &s->ridge_seed, err))
        return false;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "schedule");
    if (d == NULL)
        return true;
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "kind"));
    if (kind != NULL && strcmp(kind, "constant") == 0)
        return true;
    if (kind == NULL || strcmp(kind, "decay") != 0)
        return wh__io_fail(err, "meta.json: schedule \"kind\" must be \"constant\" or \"decay\"");
    s->schedule_kind = 1;
    if (!get_number(d, "tau", 0.0, 1e300, NAN, &s->schedule_tau, err) ||
        !get_number(d, "gamma", 0.0, 1.0, NAN, &s->schedule_gamma, err) ||
        !get_count(d, "start", &s->schedule_start, err))
        return false;
    if (!(s->schedule_tau > 0.0) || !(s->schedule_gamma > 0.5))
        return wh__io_fail(err, "meta.json: schedule needs tau > 0 and gamma in (0.5, 1]");
    return true;
}

static bool parse_meta(const cJSON *o, wh__state *s, wh__io_error *err)
{
    if (!check_format(o, err))
        return false;
    const char *net = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "net"));
    s->kind = -1;
    for (int i = 0; net != NULL && i < (int)(sizeof net_names / sizeof *net_names); i++)
        if (strcmp(net, net_names[i]) == 0)
            s->kind = i;
    if (s->kind < 0)
        return wh__io_fail(err, "meta.json: \"net\" must be \"direct\", \"interneuron\", "
                                "\"gain\" or \"gain-synapse\"");
    if (!parse_gain_meta(o, s, err))
        return false;
    const cJSON *eta = cJSON_GetObjectItemCaseSensitive(o, "eta");
    s->eta = cJSON_IsNumber(eta) ? eta->valuedouble : 0.0;
    if (!(s->eta > 0.0 && s->eta < 1.0))
        return wh__io_fail(err, "meta.json: \"eta\" must lie in (0, 1)");
    if (!get_size(o, "n", &s->n, err) || !get_size(o, "k", &s->k, err) ||
        !get_count(o, "samples", &s->samples, err))
        return false;
    if ((s->k < s->n && !gain_kind(s->kind)) || (s->kind == WH_NET_DIRECT && s->k != s->n))
        return wh__io_fail(err, "meta.json: k = %zu does not suit a %s network of n = %zu", s->k,
                           net, s->n);
    if (!parse_solver(o, s, err))
        return false;
    s->has_source = cJSON_GetObjectItemCaseSensitive(o, "source_samples") != NULL;
    if (s->has_source && !get_count(o, "source_samples", &s->source_samples, err))
        return false;
    if (!parse_stages(o, s, err))
        return false;
    const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(o, "simulate_inputs");
    if (inputs != NULL) {
        const char *text = cJSON_GetStringValue(inputs);
        if (text == NULL || text[0] == '\0' || strlen(text) >= sizeof s->sim_inputs)
            return wh__io_fail(err, "meta.json: \"simulate_inputs\" must be a string of 1 to "
                                    "%zu characters", sizeof s->sim_inputs - 1);
        strcpy(s->sim_inputs, text);
    }
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "checkpoint");
    return c == NULL || parse_checkpoint(c, s, err);
}

static bool read_meta(const unsigned char *b, size_t len, wh__state *s, wh__io_error *err)
{
    const unsigned char *text;
    size_t text_len;
    if (!wh__zip_find(b, len, "meta.json", &text, &text_len, err))
        return false;
    cJSON *o = cJSON_ParseWithLength((const char *)text, text_len);
    if (o == NULL)
        return wh__io_fail(err, "meta.json is not valid JSON");
    bool ok = parse_meta(o, s, err);
    cJSON_Delete(o);
    return ok;
}

/* Read array `name` and check that it is rows x cols. */
static bool read_array(const unsigned char *b, size_t len, const char *name, size_t rows,
                       size_t cols, wh__matrix *m, wh__io_error *err)
{
    const unsigned char *data;
    size_t data_len;
    wh__io_error inner = {0};
    if (!wh__zip_find(b, len, name, &data, &data_len, err))
        return false;
    if (!wh__npy_decode(data, data_len, m, NULL, &inner))
        return wh__io_fail(err, "%s: %s", name, inner.message);
    if (m->rows != rows || m->cols != cols) {
        wh__io_fail(err, "%s is %zu x %zu; meta.json says %zu x %zu", name, m->rows, m->cols, rows,
                    cols);
        wh__matrix_free(m);
        return false;
    }
    return true;
}

static bool read_source(const unsigned char *b, size_t len, wh__state *s, wh__io_error *err)
{
    wh__matrix mt = {0};
    if (!read_array(b, len, "source_mt19937.npy", WH__MT_WORDS, 1, &mt, err))
        return false;
    bool ok = true;
    for (size_t i = 0; ok && i < WH__MT_WORDS; i++) {
        ok = mt.data[i] >= 0.0 && mt.data[i] <= 4294967295.0 && mt.data[i] == floor(mt.data[i]);
        s->mt[i] = ok ? (uint32_t)mt.data[i] : 0;
    }
    wh__matrix_free(&mt);
    return ok || wh__io_fail(err, "source_mt19937.npy: words must be whole numbers below 2^32");
}

/* Optional: without it the fast solver re-derives its state from the synapses. */
static bool read_solver_state(const unsigned char *b, size_t len, wh__state *s, wh__io_error *err)
{
    const unsigned char *data;
    size_t data_len;
    wh__io_error inner = {0};
    if (!wh__zip_find(b, len, "solver_state.npy", &data, &data_len, &inner))
        return true;
    if (!wh__npy_decode(data, data_len, &s->solver_state, NULL, &inner))
        return wh__io_fail(err, "solver_state.npy: %s", inner.message);
    if (s->solver_state.cols != 1) {
        wh__matrix_free(&s->solver_state);
        return wh__io_fail(err, "solver_state.npy must be a vector");
    }
    return true;
}

/* Optional: a checkpoint taken before anything was recorded has none. */
static bool read_record(const unsigned char *b, size_t len, wh__state *s, wh__io_error *err)
{
    const unsigned char *data;
    size_t data_len;
    wh__io_error inner = {0};
    if (!wh__zip_find(b, len, "record.npy", &data, &data_len, &inner))
        return true;
    if (!wh__npy_decode(data, data_len, &s->run_record, NULL, &inner))
        return wh__io_fail(err, "record.npy: %s", inner.message);
    return true;
}

bool wh__state_decode(const unsigned char *bytes, size_t len, wh__state *s, wh__io_error *err)
{
    memset(s, 0, sizeof *s);
    bool ok =
        read_meta(bytes, len, s, err) && read_array(bytes, len, "M.npy", s->n, s->n, &s->M, err);
    if (ok && s->kind != WH_NET_DIRECT)
        ok = read_array(bytes, len, "W.npy", s->n, s->k, &s->W, err);
    if (ok && gain_kind(s->kind))
        ok = read_array(bytes, len, "g.npy", s->k, 1, &s->g, err);
    if (ok && s->has_center)
        ok = read_array(bytes, len, "mean.npy", s->n, 1, &s->mean, err);
    if (ok && s->solver == WH_SOLVER_FAST)
        ok = read_solver_state(bytes, len, s, err);
    if (ok && s->has_source)
        ok = read_source(bytes, len, s, err);
    if (ok && s->has_run)
        ok = read_record(bytes, len, s, err);
    if (!ok)
        wh__state_free(s);
    return ok;
}

void wh__state_free(wh__state *s)
{
    wh__matrix_free(&s->M);
    wh__matrix_free(&s->W);
    wh__matrix_free(&s->g);
    wh__matrix_free(&s->solver_state);
    wh__matrix_free(&s->run_record);
    wh__matrix_free(&s->mean);
}
