/*
 * repro_ckpt.c: the checkpoint of `whiten reproduce`, as bytes in memory.
 *
 * A zip-stored archive (src/io/zip.c) with one member, checkpoint.json:
 *
 *   {"format": "whiten-reproduce-checkpoint", "version": 1, "creator": ...,
 *    "options": {"mode": "quick", "seed": "1", ...}, "seconds": 3.5,
 *    "sessions": "1", "finished": ["E2"],
 *    "sweeps": [{"experiment": "E3", "sweep": 0, "count": 132, "width": 2,
 *                "done": [0, 1, 5], "values": "3ff0000000000000..."}]}
 *
 * "values" holds width values for each unit listed in "done", in that order,
 * each as the 16 hex digits of its bits. The zip's CRC-32 catches a flipped
 * bit; the reader checks every field, so a damaged or foreign file is refused
 * with the reason, never half read.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "io/io.h"

#define FORMAT_NAME "whiten-reproduce-checkpoint"
#define MEMBER "checkpoint.json"
#define HEX_DIGITS 16

bool wh__repro_sweep_alloc(wh__repro_sweep *w, size_t count, size_t width)
{
    w->count = count;
    w->width = width;
    w->done = NULL;
    w->values = NULL;
    if (count == 0 || width == 0 || count > WH__REPRO_CKPT_VALUES / width)
        return false;
    w->done = wh__alloc(count, 1);
    w->values = wh__alloc(count * width, sizeof *w->values);
    return w->done != NULL && w->values != NULL;
}

static void put_hex(char *out, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    for (int i = HEX_DIGITS - 1; i >= 0; i--, bits >>= 4)
        out[i] = "0123456789abcdef"[bits & 15u];
}

static bool get_hex(const char *in, double *v)
{
    uint64_t bits = 0;
    for (int i = 0; i < HEX_DIGITS; i++) {
        const char c = in[i];
        const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return false;
        bits = bits << 4 | (uint64_t)d;
    }
    memcpy(v, &bits, sizeof bits);
    return true;
}

static size_t count_done(const wh__repro_sweep *w)
{
    size_t n = 0;
    for (size_t i = 0; i < w->count; i++)
        n += w->done[i] != 0;
    return n;
}

/* The units done, and all their values as one hex string. */
static bool add_units(cJSON *o, const wh__repro_sweep *w)
{
    const size_t done = count_done(w);
    char *hex = wh__alloc(done * w->width * HEX_DIGITS + 1, 1);
    cJSON *list = cJSON_AddArrayToObject(o, "done");
    if (hex == NULL || list == NULL) {
        wh__free(hex);
        return false;
    }
    char *p = hex;
    for (size_t i = 0; i < w->count; i++) {
        if (!w->done[i])
            continue;
        cJSON_AddItemToArray(list, cJSON_CreateNumber((double)i));
        for (size_t k = 0; k < w->width; k++, p += HEX_DIGITS)
            put_hex(p, w->values[i * w->width + k]);
    }
    *p = '\0';
    const bool ok = cJSON_AddStringToObject(o, "values", hex) != NULL;
    wh__free(hex);
    return ok;
}

static bool add_sweep(cJSON *list, const wh__repro_sweep *w)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !cJSON_AddItemToArray(list, o))
        return false;
    cJSON_AddStringToObject(o, "experiment", w->experiment);
    cJSON_AddNumberToObject(o, "sweep", (double)w->index);
    cJSON_AddNumberToObject(o, "count", (double)w->count);
    cJSON_AddNumberToObject(o, "width", (double)w->width);
    return add_units(o, w);
}

static cJSON *ckpt_json(const wh__repro_ckpt *c, const char *creator)
{
    char count[24];
    snprintf(count, sizeof count, "%llu", (unsigned long long)c->sessions);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "format", FORMAT_NAME);
    cJSON_AddNumberToObject(o, "version", WH__REPRO_CKPT_VERSION);
    cJSON_AddStringToObject(o, "creator", creator);
    cJSON_AddNumberToObject(o, "seconds", c->seconds);
    cJSON_AddStringToObject(o, "sessions", count);
    cJSON *opts = cJSON_AddObjectToObject(o, "options");
    cJSON *finished = cJSON_AddArrayToObject(o, "finished");
    cJSON *sweeps = cJSON_AddArrayToObject(o, "sweeps");
    bool ok = o != NULL && opts != NULL && sweeps != NULL && finished != NULL;
    for (size_t i = 0; ok && i < c->options; i++)
        ok = cJSON_AddStringToObject(opts, c->option_name[i], c->option_value[i]) != NULL;
    for (size_t i = 0; ok && i < c->finished; i++)
        ok = cJSON_AddItemToArray(finished, cJSON_CreateString(c->finished_id[i]));
    for (size_t i = 0; ok && i < c->sweeps; i++)
        ok = add_sweep(sweeps, &c->sweep[i]);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

bool wh__repro_ckpt_encode(const wh__repro_ckpt *c, const char *creator, wh__buf *out)
{
    cJSON *o = ckpt_json(c, creator);
    char *text = o != NULL ? cJSON_Print(o) : NULL;
    bool ok = text != NULL;
    if (ok) {
        const wh__zip_entry e = {MEMBER, (const unsigned char *)text, strlen(text)};
        ok = wh__zip_encode(&e, 1, out);
    }
    cJSON_free(text);
    cJSON_Delete(o);
    return ok;
}

/* A whole number in [0, max] stored as a JSON number. */
static bool get_whole(const cJSON *o, const char *key, size_t max, size_t *value,
                      wh__io_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);
    const double v = cJSON_IsNumber(item) ? item->valuedouble : -1.0;
    /* Set on every path: the optimiser cannot see that wh__io_fail() returns false, and
     * warned (-Wmaybe-uninitialized, release builds) that a caller might read it unset. */
    *value = 0;
    if (!(v >= 0.0 && v <= (double)max && v == floor(v)))
        return wh__io_fail(err, "%s: \"%s\" must be a whole number in [0, %zu]", MEMBER, key,
                           max);
    *value = (size_t)v;
    return true;
}

static char *copy_text(const char *text)
{
    char *copy = wh__alloc(strlen(text) + 1, 1);
    if (copy != NULL)
        strcpy(copy, text);
    return copy;
}

static bool parse_options(const cJSON *o, wh__repro_ckpt *c, wh__io_error *err)
{
    const cJSON *opts = cJSON_GetObjectItemCaseSensitive(o, "options"), *item;
    if (!cJSON_IsObject(opts))
        return wh__io_fail(err, "%s: \"options\" must be an object", MEMBER);
    cJSON_ArrayForEach(item, opts)
    {
        if (c->options == WH__REPRO_CKPT_OPTIONS || !cJSON_IsString(item))
            return wh__io_fail(err, "%s: \"options\" must hold at most %d strings", MEMBER,
                               WH__REPRO_CKPT_OPTIONS);
        char *name = copy_text(item->string), *value = copy_text(item->valuestring);
        c->option_name[c->options] = name;
        c->option_value[c->options++] = value;
        if (name == NULL || value == NULL)
            return wh__io_fail(err, "out of memory");
    }
    return true;
}

/* An experiment id: a short non-empty string. */
static bool get_id(const cJSON *item, char id[8], const char *what, wh__io_error *err)
{
    const char *text = cJSON_GetStringValue(item);
    if (text == NULL || text[0] == '\0' || strlen(text) >= 8)
        return wh__io_fail(err, "%s: %s must be an experiment name such as \"E4\"", MEMBER,
                           what);
    strcpy(id, text);
    return true;
}

static bool parse_finished(const cJSON *o, wh__repro_ckpt *c, wh__io_error *err)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "finished"), *item;
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > WH__REPRO_CKPT_EXPERIMENTS)
        return wh__io_fail(err, "%s: \"finished\" must be a list of experiments", MEMBER);
    cJSON_ArrayForEach(item, list)
    {
        if (!get_id(item, c->finished_id[c->finished++], "\"finished\"", err))
            return false;
    }
    return true;
}

/* "done": unit numbers in increasing order; "values": width hex words for each. */
static bool parse_units(const cJSON *o, wh__repro_sweep *w, wh__io_error *err)
{
    const cJSON *done = cJSON_GetObjectItemCaseSensitive(o, "done"), *item;
    const char *hex = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "values"));
    if (!cJSON_IsArray(done) || hex == NULL)
        return wh__io_fail(err, "%s: sweep %s/%zu needs \"done\" and \"values\"", MEMBER,
                           w->experiment, w->index);
    const size_t units = (size_t)cJSON_GetArraySize(done), len = strlen(hex);
    if (units > w->count || len != units * w->width * HEX_DIGITS)
        return wh__io_fail(err, "%s: sweep %s/%zu: %zu hex digits for %zu units of %zu values",
                           MEMBER, w->experiment, w->index, len, units, w->width);
    double next = 0.0;
    cJSON_ArrayForEach(item, done)
    {
        if (!cJSON_IsNumber(item) || item->valuedouble < next ||
            item->valuedouble >= (double)w->count || item->valuedouble != floor(item->valuedouble))
            return wh__io_fail(err, "%s: sweep %s/%zu: \"done\" must list units below %zu in "
                                    "increasing order",
                               MEMBER, w->experiment, w->index, w->count);
        const size_t i = (size_t)item->valuedouble;
        w->done[i] = 1;
        for (size_t k = 0; k < w->width; k++, hex += HEX_DIGITS)
            if (!get_hex(hex, &w->values[i * w->width + k]))
                return wh__io_fail(err, "%s: sweep %s/%zu: \"values\" must be lower-case hex",
                                   MEMBER, w->experiment, w->index);
        next = (double)i + 1.0;
    }
    return true;
}

static bool parse_sweep(const cJSON *o, wh__repro_sweep *w, wh__io_error *err)
{
    size_t count, width;
    if (!get_id(cJSON_GetObjectItemCaseSensitive(o, "experiment"), w->experiment,
                "a sweep's \"experiment\"", err) ||
        !get_whole(o, "sweep", 1000, &w->index, err) ||
        !get_whole(o, "count", WH__REPRO_CKPT_VALUES, &count, err) ||
        !get_whole(o, "width", WH__REPRO_CKPT_VALUES, &width, err))
        return false;
    if (!wh__repro_sweep_alloc(w, count, width))
        return wh__io_fail(err, "%s: sweep %s/%zu: %zu units of %zu values is empty or too "
                                "large",
                           MEMBER, w->experiment, w->index, count, width);
    return parse_units(o, w, err);
}

static bool parse_sweeps(const cJSON *o, wh__repro_ckpt *c, wh__io_error *err)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "sweeps"), *item;
    if (!cJSON_IsArray(list))
        return wh__io_fail(err, "%s: \"sweeps\" must be a list", MEMBER);
    const size_t n = (size_t)cJSON_GetArraySize(list);
    c->sweep = wh__alloc(n > 0 ? n : 1, sizeof *c->sweep);
    if (c->sweep == NULL)
        return wh__io_fail(err, "out of memory");
    cJSON_ArrayForEach(item, list)
    {
        if (!parse_sweep(item, &c->sweep[c->sweeps++], err))
            return false;
    }
    return true;
}

static bool parse_header(const cJSON *o, wh__repro_ckpt *c, wh__io_error *err)
{
    const char *format = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "format"));
    if (format == NULL || strcmp(format, FORMAT_NAME) != 0)
        return wh__io_fail(err, "%s: not a checkpoint of whiten reproduce (\"format\" is not "
                                "\"%s\")",
                           MEMBER, FORMAT_NAME);
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(o, "version");
    if (!cJSON_IsNumber(version) || version->valuedouble != WH__REPRO_CKPT_VERSION)
        return wh__io_fail(err, "%s: checkpoint version %g; this whiten reads version %d", MEMBER,
                           cJSON_IsNumber(version) ? version->valuedouble : (double)NAN,
                           WH__REPRO_CKPT_VERSION);
    const cJSON *seconds = cJSON_GetObjectItemCaseSensitive(o, "seconds");
    const char *sessions = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "sessions"));
    char *end = NULL;
    c->seconds = cJSON_IsNumber(seconds) ? seconds->valuedouble : -1.0;
    if (sessions != NULL && sessions[0] >= '0' && sessions[0] <= '9')
        c->sessions = strtoull(sessions, &end, 10);
    /* Not infinite: cJSON would write it as null, which this reader refuses. */
    if (!(c->seconds >= 0.0) || !isfinite(c->seconds) || end == NULL || *end != '\0')
        return wh__io_fail(err, "%s: \"seconds\" and \"sessions\" must be counts", MEMBER);
    return true;
}

bool wh__repro_ckpt_decode(const unsigned char *bytes, size_t len, wh__repro_ckpt *c,
                           wh__io_error *err)
{
    const unsigned char *text;
    size_t text_len;
    memset(c, 0, sizeof *c);
    if (!wh__zip_find(bytes, len, MEMBER, &text, &text_len, err))
        return false;
    cJSON *o = cJSON_ParseWithLength((const char *)text, text_len);
    bool ok = o != NULL || wh__io_fail(err, "%s is not valid JSON", MEMBER);
    ok = ok && parse_header(o, c, err) && parse_options(o, c, err) &&
         parse_finished(o, c, err) && parse_sweeps(o, c, err);
    cJSON_Delete(o);
    if (!ok)
        wh__repro_ckpt_free(c);
    return ok;
}

void wh__repro_ckpt_free(wh__repro_ckpt *c)
{
    for (size_t i = 0; i < c->options; i++) {
        wh__free(c->option_name[i]);
        wh__free(c->option_value[i]);
    }
    for (size_t i = 0; i < c->sweeps; i++) {
        wh__free(c->sweep[i].done);
        wh__free(c->sweep[i].values);
    }
    wh__free(c->sweep);
    memset(c, 0, sizeof *c);
}
