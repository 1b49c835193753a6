/*
 * journal.c: the checkpoint of a reproduction, kept in memory and saved to
 * its file (the format is src/io/repro_ckpt.c; the schedule is journal.h).
 *
 * One mutex guards the record: workers add their units' results under it, and
 * a checkpoint that falls due is written under it, so a saved file never
 * holds half a unit. Workers only read the stop flags without it.
 */
#define _POSIX_C_SOURCE 200809L
#include "core/alloc.h"
#include "repro/journal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/io.h"
#include "whiten.h"

struct wh__journal {
    wh__journal_options o;
    pthread_mutex_t lock;
    wh__repro_ckpt record;
    double seconds_before, start, last_save; /* earlier sessions; this session's clock */
    uint64_t since;                           /* units completed since the last save */
    char current[8];                          /* the experiment begun */
    size_t next_sweep;                        /* its sweeps numbered so far */
    atomic_bool failed;                       /* a checkpoint could not be written */
    bool merge;                               /* the union of shard files: computes nothing */
    size_t missing, missing_cap;              /* merge: the units not done, as (slot, unit) */
    size_t (*missing_unit)[2];
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The settings of this run into the record (a fresh journal). */
/* The command whose journal this is, for messages. */
static const char *name(const wh__journal_options *o)
{
    return o != NULL && o->command != NULL ? o->command : "reproduce";
}

static int record_options(wh__repro_ckpt *c, const wh__journal_options *o)
{
    if (o->options > WH__REPRO_CKPT_OPTIONS)
        return -1;
    for (; c->options < o->options; c->options++) {
        const size_t i = c->options;
        c->option_name[i] = wh__alloc(strlen(o->option_name[i]) + 1, 1);
        c->option_value[i] = wh__alloc(strlen(o->option_value[i]) + 1, 1);
        if (c->option_name[i] == NULL || c->option_value[i] == NULL) {
            c->options++;
            return -1;
        }
        strcpy(c->option_name[i], o->option_name[i]);
        strcpy(c->option_value[i], o->option_value[i]);
    }
    return 0;
}

static const char *saved_value(const wh__repro_ckpt *c, const char *name)
{
    for (size_t i = 0; i < c->options; i++)
        if (strcmp(c->option_name[i], name) == 0)
            return c->option_value[i];
    return NULL;
}

/* The command whose checkpoint c is, by the settings only it records; NULL if unknown. */
static const char *writer(const wh__repro_ckpt *c)
{
    return saved_value(c, "sweep") != NULL  ? "sweep"
           : saved_value(c, "mode") != NULL ? "reproduce"
                                            : NULL;
}

/* Every setting of this run as the checkpoint recorded it; else print the first that differs. */
static int check_options(const wh__repro_ckpt *c, const wh__journal_options *o, const char *path)
{
    const char *w = writer(c);
    if (w != NULL && strcmp(w, name(o)) != 0) {
        fprintf(stderr,
                "whiten %s: %s: a checkpoint of 'whiten %s', not of %s: --resume finishes the "
                "run whose --checkpoint file it is\n",
                name(o), path, w, name(o));
        return WH__JOURNAL_OTHER_RUN;
    }
    for (size_t i = 0; i < o->options; i++) {
        const char *saved = saved_value(c, o->option_name[i]);
        if (saved != NULL && strcmp(saved, o->option_value[i]) == 0)
            continue;
        const bool sweep = strcmp(name(o), "sweep") == 0;
        fprintf(stderr,
                "whiten %s: %s: the checkpoint's run had %s = '%s', this run has %s = "
                "'%s'; resume with the %s of the run that wrote it\n",
                name(o), path, o->option_name[i], saved != NULL ? saved : "(none)",
                o->option_name[i], o->option_value[i],
                sweep ? "sweep file" : "--quick/--full, --seed, --only, --out and --images");
        return WH__JOURNAL_OTHER_RUN;
    }
    if (c->options == o->options)
        return 0;
    fprintf(stderr, "whiten %s: %s: the checkpoint records %zu settings, this run %zu\n", name(o),
            path, c->options, o->options);
    return WH__JOURNAL_OTHER_RUN;
}

static int load(wh__journal *j, const char *path)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    wh__io_error err = {0};
    bool ok = wh__file_read(path, &bytes, &len, &err) &&
              wh__repro_ckpt_decode(bytes, len, &j->record, &err);
    wh__free(bytes);
    if (!ok) {
        fprintf(stderr, "whiten %s: %s: not a usable checkpoint: %s\n", name(&j->o), path, err.message);
        return -1;
    }
    j->seconds_before = j->record.seconds;
    return check_options(&j->record, &j->o, path);
}

int wh__journal_open(const wh__journal_options *o, const char *resume, wh__journal **out)
{
    wh__journal *j = wh__alloc(1, sizeof *j);
    *out = NULL;
    if (j == NULL || pthread_mutex_init(&j->lock, NULL) != 0) {
        wh__free(j);
        fprintf(stderr, "whiten %s: checkpoint: out of memory\n", name(o));
        return -1;
    }
    j->o = *o;
    atomic_init(&j->failed, false);
    int rc = resume != NULL ? load(j, resume) : record_options(&j->record, o);
    if (rc != 0) {
        if (resume == NULL)
            fprintf(stderr, "whiten %s: checkpoint: out of memory\n", name(o));
        wh__journal_free(j);
        return rc;
    }
    /* The settings now live in the record; the caller's arrays need not outlive this call. */
    j->o.options = 0;
    j->o.option_name = j->o.option_value = NULL;
    j->record.sessions++;
    j->start = j->last_save = now();
    *out = j;
    return 0;
}

void wh__journal_free(wh__journal *j)
{
    if (j == NULL)
        return;
    wh__free(j->missing_unit);
    wh__repro_ckpt_free(&j->record);
    pthread_mutex_destroy(&j->lock);
    wh__free(j);
}

bool wh__journal_finished(const wh__journal *j, const char *id)
{
    for (size_t i = 0; j != NULL && i < j->record.finished; i++)
        if (strcmp(j->record.finished_id[i], id) == 0)
            return true;
    return false;
}

void wh__journal_begin(wh__journal *j, const char *id)
{
    if (j == NULL)
        return;
    snprintf(j->current, sizeof j->current, "%s", id);
    j->next_sweep = 0;
}

static int save_locked(wh__journal *j)
{
    if (j->merge) /* the shards' files are the record; a merge writes none */
        return 0;
    wh__buf buf = {0};
    wh__io_error err = {0};
    char creator[64];
    snprintf(creator, sizeof creator, "whiten %s", wh_version());
    j->record.seconds = wh__journal_seconds(j);
    bool ok = wh__repro_ckpt_encode(&j->record, creator, &buf) ||
              wh__io_fail(&err, "out of memory");
    ok = ok && wh__file_write_atomic(j->o.path, &buf, &err);
    wh__buf_free(&buf);
    j->since = 0;
    j->last_save = now();
    if (ok)
        return 0;
    fprintf(stderr, "whiten %s: cannot write the checkpoint %s: %s\n", name(&j->o), j->o.path,
            err.message);
    atomic_store(&j->failed, true);
    return -1;
}

int wh__journal_save(wh__journal *j)
{
    if (j == NULL)
        return 0;
    pthread_mutex_lock(&j->lock);
    const int rc = save_locked(j);
    pthread_mutex_unlock(&j->lock);
    return rc;
}

/* Drop the sweeps of experiment id: its results are in its CSV files now. */
static void drop_sweeps(wh__repro_ckpt *c, const char *id)
{
    size_t kept = 0;
    for (size_t i = 0; i < c->sweeps; i++) {
        if (strcmp(c->sweep[i].experiment, id) == 0) {
            wh__free(c->sweep[i].done);
            wh__free(c->sweep[i].values);
        } else {
            c->sweep[kept++] = c->sweep[i];
        }
    }
    c->sweeps = kept;
}

int wh__journal_end(wh__journal *j)
{
    if (j == NULL)
        return 0;
    pthread_mutex_lock(&j->lock);
    int rc = 0;
    if (!wh__journal_finished(j, j->current) && j->record.finished < WH__REPRO_CKPT_EXPERIMENTS)
        strcpy(j->record.finished_id[j->record.finished++], j->current);
    if (j->o.shards == 0 && !j->merge) /* a shard's units are its results */
        drop_sweeps(&j->record, j->current);
    rc = save_locked(j);
    pthread_mutex_unlock(&j->lock);
    return rc;
}

int wh__journal_signal(const wh__journal *j)
{
    return j != NULL && j->o.signal != NULL ? j->o.signal() : 0;
}

double wh__journal_seconds(const wh__journal *j)
{
    return j->seconds_before + (now() - j->start);
}

uint64_t wh__journal_sessions(const wh__journal *j)
{
    return j->record.sessions;
}

static wh__repro_sweep *find_sweep(wh__repro_ckpt *c, const char *id, size_t index)
{
    for (size_t i = 0; i < c->sweeps; i++)
        if (strcmp(c->sweep[i].experiment, id) == 0 && c->sweep[i].index == index)
            return &c->sweep[i];
    return NULL;
}

static wh__repro_sweep *add_sweep(wh__journal *j, size_t count, size_t width)
{
    wh__repro_ckpt *c = &j->record;
    wh__repro_sweep *grown = wh__realloc(c->sweep, (c->sweeps + 1), sizeof *grown);
    if (grown == NULL)
        return NULL;
    c->sweep = grown;
    wh__repro_sweep *w = &c->sweep[c->sweeps];
    memset(w, 0, sizeof *w);
    snprintf(w->experiment, sizeof w->experiment, "%s", j->current);
    w->index = j->next_sweep;
    if (!wh__repro_sweep_alloc(w, count, width)) {
        wh__free(w->done);
        wh__free(w->values);
        return NULL;
    }
    c->sweeps++;
    return w;
}

int wh__journal_sweep(wh__journal *j, size_t count, size_t width, double *results, size_t *slot)
{
    pthread_mutex_lock(&j->lock);
    wh__repro_sweep *w = find_sweep(&j->record, j->current, j->next_sweep);
    int rc = 0;
    if (w != NULL && (w->count != count || w->width != width)) {
        fprintf(stderr, "whiten %s: %s: sweep %zu of %s has %zu units of %zu values in "
                        "the checkpoint, %zu of %zu in this build; start afresh\n", name(&j->o),
                j->o.path, j->next_sweep, j->current, w->count, w->width, count, width);
        rc = -1;
    } else if (w == NULL && (w = add_sweep(j, count, width)) == NULL) {
        fprintf(stderr, "whiten %s: %s: out of memory for the checkpoint\n", name(&j->o), j->current);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < count; i++)
        if (w->done[i])
            memcpy(results + i * width, w->values + i * width, width * sizeof *results);
    if (rc == 0) {
        *slot = (size_t)(w - j->record.sweep);
        j->next_sweep++;
    }
    pthread_mutex_unlock(&j->lock);
    return rc;
}

size_t wh__journal_owner(const char *id, size_t sweep, size_t unit, size_t shards)
{
    /* FNV-1a of the experiment's id and the sweep's number places the sweep's first unit;
     * its units then go round the shards, so every shard gets a fair share of each sweep. */
    uint64_t h = 14695981039346656037u;
    for (const char *p = id; *p != '\0'; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    h = (h ^ (uint64_t)sweep) * 1099511628211u;
    return shards > 0 ? (size_t)((h % shards + unit % shards) % shards) : 0;
}

static bool owned(const wh__journal *j, const wh__repro_sweep *w, size_t i)
{
    return j->o.shards == 0 || wh__journal_owner(w->experiment, w->index, i, j->o.shards) ==
                                   j->o.shard;
}

static void note_missing(wh__journal *j, size_t slot, size_t i)
{
    pthread_mutex_lock(&j->lock);
    if (j->missing == j->missing_cap) {
        const size_t cap = j->missing_cap > 0 ? 2 * j->missing_cap : 64;
        size_t(*grown)[2] = wh__realloc(j->missing_unit, cap, sizeof *grown);
        if (grown == NULL) {
            atomic_store(&j->failed, true);
            pthread_mutex_unlock(&j->lock);
            return;
        }
        j->missing_unit = grown;
        j->missing_cap = cap;
    }
    j->missing_unit[j->missing][0] = slot;
    j->missing_unit[j->missing++][1] = i;
    pthread_mutex_unlock(&j->lock);
}

bool wh__journal_unit_foreign(const wh__journal *j, size_t slot, size_t i)
{
    const wh__repro_sweep *w = &j->record.sweep[slot];
    return !j->merge && j->o.shards > 0 && w->done[i] == 0 && !owned(j, w, i);
}

bool wh__journal_unit_wanted(wh__journal *j, size_t slot, size_t i)
{
    const wh__repro_sweep *w = &j->record.sweep[slot];
    if (w->done[i] != 0)
        return false;
    if (j->merge) {
        note_missing(j, slot, i);
        return false;
    }
    return owned(j, w, i);
}

void wh__journal_complete(wh__journal *j, size_t slot, size_t i, const double *values)
{
    pthread_mutex_lock(&j->lock);
    wh__repro_sweep *w = &j->record.sweep[slot];
    memcpy(w->values + i * w->width, values, w->width * sizeof *values);
    w->done[i] = 1;
    j->since++;
    const bool due = (j->o.every > 0 && j->since >= j->o.every) ||
                     (j->o.seconds > 0.0 && now() - j->last_save >= j->o.seconds);
    if (due)
        save_locked(j);
    pthread_mutex_unlock(&j->lock);
}

bool wh__journal_stopping(const wh__journal *j)
{
    return j != NULL && (atomic_load(&j->failed) || wh__journal_signal(j) != 0);
}

int wh__journal_sweep_status(const wh__journal *j, size_t slot)
{
    if (atomic_load(&j->failed))
        return -1;
    const wh__repro_sweep *w = &j->record.sweep[slot];
    for (size_t i = 0; !j->merge && i < w->count; i++)
        if (!w->done[i] && owned(j, w, i))
            return WH__REPRO_STOPPED;
    return 0;
}

const char *wh__journal_setting(const wh__journal *j, const char *name)
{
    return saved_value(&j->record, name);
}

static int compare_units(const void *a, const void *b)
{
    const size_t *x = a, *y = b;
    return x[0] != y[0] ? (x[0] > y[0]) - (x[0] < y[0]) : (x[1] > y[1]) - (x[1] < y[1]);
}

size_t wh__journal_missing(wh__journal *j)
{
    if (j->missing > 1)
        qsort(j->missing_unit, j->missing, sizeof *j->missing_unit, compare_units);
    return j->missing;
}

void wh__journal_missing_at(const wh__journal *j, size_t k, const char **id, size_t *sweep,
                            size_t *unit)
{
    const wh__repro_sweep *w = &j->record.sweep[j->missing_unit[k][0]];
    *id = w->experiment;
    *sweep = w->index;
    *unit = j->missing_unit[k][1];
}

size_t wh__journal_units_done(const wh__journal *j)
{
    size_t n = 0;
    for (size_t s = 0; s < j->record.sweeps; s++)
        for (size_t i = 0; i < j->record.sweep[s].count; i++)
            n += j->record.sweep[s].done[i] != 0;
    return n;
}

/* File f's settings are those of the first file; else print the first that differs. */
static bool same_settings(const wh__journal *j, const wh__repro_ckpt *c,
                          const char *const *paths, size_t f)
{
    const wh__repro_ckpt *first = &j->record;
    for (size_t i = 0; i < first->options; i++) {
        const char *v = saved_value(c, first->option_name[i]);
        if (v != NULL && strcmp(v, first->option_value[i]) == 0)
            continue;
        fprintf(stderr, "whiten %s: %s and %s are shards of different runs: %s is '%s' "
                        "in one, '%s' in the other; remove the stale one\n", name(&j->o),
                paths[0], paths[f], first->option_name[i], first->option_value[i],
                v != NULL ? v : "(none)");
        return false;
    }
    if (c->options == first->options)
        return true;
    fprintf(stderr, "whiten %s: %s and %s are shards of different runs (%zu and %zu "
                    "settings)\n", name(&j->o), paths[0], paths[f], first->options, c->options);
    return false;
}

/* Add the units of sweep w (from file f, shard `shard`) to the union. */
static bool merge_sweep(wh__journal *j, const wh__repro_sweep *w, const char *const *paths,
                        size_t f, size_t shard, size_t shards)
{
    wh__repro_sweep *u = find_sweep(&j->record, w->experiment, w->index);
    if (u != NULL && (u->count != w->count || u->width != w->width)) {
        fprintf(stderr, "whiten %s: %s: sweep %zu of %s has %zu units of %zu values, "
                        "another shard file %zu of %zu\n", name(&j->o),
                paths[f], w->index, w->experiment, w->count, w->width, u->count, u->width);
        return false;
    }
    if (u == NULL) {
        snprintf(j->current, sizeof j->current, "%s", w->experiment);
        j->next_sweep = w->index;
        if ((u = add_sweep(j, w->count, w->width)) == NULL) {
            fprintf(stderr, "whiten %s: %s: out of memory\n", name(&j->o), paths[f]);
            return false;
        }
    }
    for (size_t i = 0; i < w->count; i++) {
        if (!w->done[i])
            continue;
        if (wh__journal_owner(w->experiment, w->index, i, shards) != shard) {
            fprintf(stderr, "whiten %s: %s holds run %zu of %s sweep %zu, which belongs "
                            "to shard %zu of %zu\n", name(&j->o),
                    paths[f], i, w->experiment, w->index,
                    wh__journal_owner(w->experiment, w->index, i, shards), shards);
            return false;
        }
        if (u->done[i]) {
            fprintf(stderr, "whiten %s: run %zu of %s sweep %zu is in %s and in another "
                            "shard file\n", name(&j->o), i, w->experiment, w->index, paths[f]);
            return false;
        }
        u->done[i] = 1;
        memcpy(u->values + i * u->width, w->values + i * w->width, w->width * sizeof *u->values);
    }
    return true;
}

static bool merge_file(wh__journal *j, const char *const *paths, const size_t *shard, size_t f,
                       size_t shards)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    wh__io_error err = {0};
    wh__repro_ckpt c;
    bool ok = wh__file_read(paths[f], &bytes, &len, &err) &&
              wh__repro_ckpt_decode(bytes, len, &c, &err);
    wh__free(bytes);
    if (!ok) {
        fprintf(stderr, "whiten %s: %s: not a usable shard file: %s\n", name(&j->o), paths[f],
                err.message);
        return false;
    }
    if (f == 0) { /* the union takes the first file's settings */
        j->record.options = c.options;
        memcpy(j->record.option_name, c.option_name, sizeof c.option_name);
        memcpy(j->record.option_value, c.option_value, sizeof c.option_value);
        c.options = 0;
    } else {
        ok = same_settings(j, &c, paths, f);
    }
    for (size_t s = 0; ok && s < c.sweeps; s++)
        ok = merge_sweep(j, &c.sweep[s], paths, f, shard[f], shards);
    j->seconds_before += c.seconds;
    j->record.sessions += c.sessions;
    wh__repro_ckpt_free(&c);
    return ok;
}

int wh__journal_merge(const char *command, const char *const *paths, const size_t *shard,
                      size_t count, size_t shards, wh__journal **out)
{
    wh__journal_options none = {0};
    none.command = command;
    int rc = wh__journal_open(&none, NULL, out);
    if (rc != 0)
        return rc;
    wh__journal *j = *out;
    j->merge = true;
    j->record.sessions = 0;
    for (size_t f = 0; f < count; f++)
        if (!merge_file(j, paths, shard, f, shards)) {
            wh__journal_free(j);
            *out = NULL;
            return -1;
        }
    j->current[0] = '\0';
    j->next_sweep = 0;
    return 0;
}
