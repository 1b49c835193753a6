/*
 * shard.c: shares of a sweep and the folders they share (shard.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/shard.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "core/alloc.h"
#include "io/io.h"
#include "repro/journal.h"

#define MAX_SHARDS 1000000

/* A whole number in [0, MAX_SHARDS] spelled in full, or false. */
static int whole(const char *text, size_t len, size_t *v)
{
    size_t x = 0;
    if (len == 0 || len > 7)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return 0;
        x = 10 * x + (size_t)(text[i] - '0');
    }
    *v = x;
    return x <= MAX_SHARDS;
}

static int from_spec(const char *cmd, const char *spec, wh__shard *out)
{
    const char *slash = strchr(spec, '/');
    size_t i, n;
    if (slash == NULL || !whole(spec, (size_t)(slash - spec), &i) ||
        !whole(slash + 1, strlen(slash + 1), &n) || n == 0 || i >= n) {
        fprintf(stderr,
                "whiten %s: option --shard: '%s' is not I/N with 0 <= I < N <= %d "
                "(e.g. 2/8)\n",
                cmd, spec, MAX_SHARDS);
        return WH__EXIT_USAGE;
    }
    *out = (wh__shard){i, n == 1 ? 0 : n};
    return WH__EXIT_OK;
}

static int from_env(const char *cmd, const char *name, size_t *v)
{
    const char *text = getenv(name);
    if (whole(text, strlen(text), v))
        return WH__EXIT_OK;
    fprintf(stderr, "whiten %s: %s='%s' is not a whole number\n", cmd, name, text);
    return WH__EXIT_USAGE;
}

int wh__shard_choose(const char *cmd, const char *spec, size_t shards, wh__shard *out)
{
    *out = (wh__shard){0, 0};
    if (spec != NULL && shards > 0) {
        fprintf(stderr, "whiten %s: give --shard I/N or --shards N, not both\n", cmd);
        return WH__EXIT_USAGE;
    }
    if (spec != NULL)
        return from_spec(cmd, spec, out);
    const bool task = getenv("SLURM_ARRAY_TASK_ID") != NULL;
    if (!task && shards > 0) {
        fprintf(stderr,
                "whiten %s: --shards %zu takes the shard from SLURM_ARRAY_TASK_ID, which "
                "is not set; outside a Slurm array give --shard I/%zu\n",
                cmd, shards, shards);
        return WH__EXIT_USAGE;
    }
    if (!task)
        return WH__EXIT_OK; /* a run of the whole sweep */
    size_t i, n = shards;
    int rc = from_env(cmd, "SLURM_ARRAY_TASK_ID", &i);
    if (rc == WH__EXIT_OK && n == 0) {
        if (getenv("SLURM_ARRAY_TASK_COUNT") == NULL) {
            fprintf(stderr,
                    "whiten %s: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT "
                    "is not; give --shards N\n",
                    cmd);
            return WH__EXIT_USAGE;
        }
        rc = from_env(cmd, "SLURM_ARRAY_TASK_COUNT", &n);
    }
    if (rc == WH__EXIT_OK && i >= n) {
        fprintf(stderr,
                "whiten %s: array task %zu of an array of %zu: shards are numbered from "
                "0 (sbatch --array=0-%zu); a task re-submitted alone must be told the "
                "array's size: --shards N or --shard %zu/N\n",
                cmd, i, n, n > 0 ? n - 1 : 0, i);
        rc = WH__EXIT_USAGE;
    }
    if (rc == WH__EXIT_OK)
        *out = (wh__shard){i, n == 1 ? 0 : n};
    return rc;
}

/* --out names a file, not a folder: refused with that, not with a failure beneath it. */
static int refuse_file(const char *cmd, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || S_ISDIR(st.st_mode))
        return WH__EXIT_OK;
    fprintf(stderr, "whiten %s: option --out: %s is a file, not a folder\n", cmd, path);
    return WH__EXIT_USAGE;
}

static int make_folder(const char *cmd, const char *path)
{
    if (refuse_file(cmd, path) != WH__EXIT_OK)
        return WH__EXIT_USAGE;
    if (mkdir(path, 0777) == 0 || errno == EEXIST)
        return WH__EXIT_OK;
    fprintf(stderr, "whiten %s: cannot create folder %s: %s\n", cmd, path, strerror(errno));
    return WH__EXIT_FAILURE;
}

static int join(const char *cmd, char *buf, size_t size, const char *dir, const char *name)
{
    if (snprintf(buf, size, "%s/shards%s%s", dir, name[0] != '\0' ? "/" : "", name) < (int)size)
        return WH__EXIT_OK;
    fprintf(stderr, "whiten %s: path too long: %s/shards/%s\n", cmd, dir, name);
    return WH__EXIT_FAILURE;
}

int wh__shard_folders(const char *cmd, const char *dir)
{
    char path[4096];
    int rc = make_folder(cmd, dir);
    if (rc == WH__EXIT_OK)
        rc = join(cmd, path, sizeof path, dir, "");
    return rc == WH__EXIT_OK ? make_folder(cmd, path) : rc;
}

int wh__shard_file(const char *cmd, const char *dir, wh__shard s, char *buf, size_t size)
{
    char name[64];
    snprintf(name, sizeof name, "shard-%zu-of-%zu.zip", s.index, s.count);
    return join(cmd, buf, size, dir, name);
}

/* I and N of a name shard-I-of-N.zip, spelled exactly so. */
static int parse_name(const char *name, size_t *i, size_t *n)
{
    int end = 0;
    char again[64];
    if (sscanf(name, "shard-%zu-of-%zu.zip%n", i, n, &end) != 2 || name[end] != '\0')
        return 0;
    snprintf(again, sizeof again, "shard-%zu-of-%zu.zip", *i, *n);
    return strcmp(again, name) == 0 && *n > 1 && *i < *n;
}

typedef struct entry {
    size_t i, n;
    char *path;
} entry;

static int by_index(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return (x->i > y->i) - (x->i < y->i);
}

int wh__shard_list(const char *cmd, const char *dir, char ***paths, size_t **index, size_t *count,
                   size_t *shards)
{
    char folder[4096];
    *paths = NULL, *index = NULL, *count = 0, *shards = 0;
    if (refuse_file(cmd, dir) != WH__EXIT_OK)
        return WH__EXIT_USAGE;
    if (join(cmd, folder, sizeof folder, dir, "") != WH__EXIT_OK)
        return WH__EXIT_FAILURE;
    DIR *d = opendir(folder);
    if (d == NULL) {
        fprintf(stderr, "whiten %s: no shard files: cannot open %s: %s\n", cmd, folder,
                strerror(errno));
        return WH__EXIT_FAILURE;
    }
    entry *e = NULL;
    size_t m = 0;
    int rc = WH__EXIT_OK;
    for (struct dirent *de; rc == WH__EXIT_OK && (de = readdir(d)) != NULL;) {
        size_t i, n;
        if (!parse_name(de->d_name, &i, &n))
            continue;
        entry *grown = wh__realloc(e, (m + 1), sizeof *e);
        char *path = wh__alloc(strlen(folder) + strlen(de->d_name) + 2, 1);
        if (grown != NULL)
            e = grown;
        if (grown == NULL || path == NULL) {
            wh__free(path);
            fprintf(stderr, "whiten %s: out of memory\n", cmd);
            rc = WH__EXIT_FAILURE;
            break;
        }
        sprintf(path, "%s/%s", folder, de->d_name);
        e[m++] = (entry){i, n, path};
    }
    closedir(d);
    if (rc == WH__EXIT_OK && m == 0) {
        fprintf(stderr,
                "whiten %s: no shard files (shard-I-of-N.zip) in %s: run the shards "
                "first (--shard I/N --out %s)\n",
                cmd, folder, dir);
        rc = WH__EXIT_FAILURE;
    }
    for (size_t k = 1; rc == WH__EXIT_OK && k < m; k++)
        if (e[k].n != e[0].n) {
            fprintf(stderr,
                    "whiten %s: %s and %s are shards of splits into %zu and %zu; "
                    "remove the stale ones\n",
                    cmd, e[0].path, e[k].path, e[0].n, e[k].n);
            rc = WH__EXIT_FAILURE;
        }
    *paths = rc == WH__EXIT_OK ? wh__alloc(m, sizeof **paths) : NULL;
    *index = rc == WH__EXIT_OK ? wh__alloc(m, sizeof **index) : NULL;
    if (rc == WH__EXIT_OK && (*paths == NULL || *index == NULL)) {
        fprintf(stderr, "whiten %s: out of memory\n", cmd);
        rc = WH__EXIT_FAILURE;
    }
    if (rc == WH__EXIT_OK) {
        qsort(e, m, sizeof *e, by_index);
        for (size_t k = 0; k < m; k++)
            (*paths)[k] = e[k].path, (*index)[k] = e[k].i;
        *count = m;
        *shards = e[0].n;
    } else {
        for (size_t k = 0; k < m; k++)
            wh__free(e[k].path);
        wh__free(*paths), wh__free(*index);
        *paths = NULL, *index = NULL;
    }
    wh__free(e);
    return rc;
}

void wh__shard_list_free(char **paths, size_t *index, size_t count)
{
    for (size_t k = 0; paths != NULL && k < count; k++)
        wh__free(paths[k]);
    wh__free(paths);
    wh__free(index);
}

int wh__scratch_make(const char *cmd, const char *dir, const char *tag, char *buf, size_t size)
{
    char host[256] = "host", name[400];
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    snprintf(name, sizeof name, ".tmp-%s-%s-%ld", tag, host, (long)getpid());
    int rc = join(cmd, buf, size, dir, name);
    if (rc == WH__EXIT_OK && mkdir(buf, 0777) != 0) {
        fprintf(stderr, "whiten %s: cannot create folder %s: %s\n", cmd, buf, strerror(errno));
        rc = WH__EXIT_FAILURE;
    }
    return rc;
}

/* Apply f(cmd, scratch/name, dir/name) to every file of the scratch folder; 0 or -1. */
static int each_file(const char *cmd, const char *scratch, const char *dir,
                     int (*f)(const char *cmd, const char *from, const char *to))
{
    DIR *d = opendir(scratch);
    if (d == NULL)
        return -1;
    int rc = 0;
    for (struct dirent *de; rc == 0 && (de = readdir(d)) != NULL;) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char from[4096], to[4096];
        if (snprintf(from, sizeof from, "%s/%s", scratch, de->d_name) >= (int)sizeof from ||
            snprintf(to, sizeof to, "%s/%s", dir != NULL ? dir : "", de->d_name) >= (int)sizeof to)
            rc = -1;
        else
            rc = f(cmd, from, to);
    }
    closedir(d);
    return rc;
}

/*
 * Through the one safe writer (src/io/file.c), not rename(): the file is
 * replaced as every output is (a symlink followed, a FIFO written in place,
 * the replaced file's permission bits kept), and a failure leaves it whole.
 */
static int move_one(const char *cmd, const char *from, const char *to)
{
    wh__io_error err = {0};
    wh__buf b = {0};
    if (!wh__file_read(from, &b.data, &b.len, &err)) {
        fprintf(stderr, "whiten %s: cannot move %s: %s\n", cmd, from, err.message);
        return -1;
    }
    b.cap = b.len;
    const bool ok = wh__file_write_atomic(to, &b, &err);
    wh__free(b.data);
    if (!ok) {
        fprintf(stderr, "whiten %s: cannot write %s: %s\n", cmd, to, err.message);
        return -1;
    }
    unlink(from);
    return 0;
}

static int remove_one(const char *cmd, const char *from, const char *to)
{
    (void)cmd, (void)to;
    unlink(from);
    return 0;
}

int wh__scratch_move(const char *cmd, const char *scratch, const char *dir)
{
    return each_file(cmd, scratch, dir, move_one) == 0 ? WH__EXIT_OK : WH__EXIT_FAILURE;
}

void wh__scratch_remove(const char *scratch)
{
    each_file("", scratch, NULL, remove_one);
    rmdir(scratch);
}

void wh__shard_advise(const char *cmd, const unsigned char *missing, size_t shards)
{
    size_t tasks = 0;
    char list[512] = "";
    for (size_t i = 0; i < shards; i++) {
        if (!missing[i])
            continue;
        const size_t used = strlen(list);
        if (used + 24 < sizeof list)
            snprintf(list + used, sizeof list - used, "%s%zu", tasks > 0 ? "," : "", i);
        else if (used + 4 < sizeof list && list[used - 1] != '.')
            snprintf(list + used, sizeof list - used, ",...");
        tasks++;
    }
    fprintf(stderr,
            "whiten %s: re-submit %s %s of the array alone (sbatch --array=%s ... "
            "--shards %zu), then merge again\n",
            cmd, tasks == 1 ? "task" : "tasks", list, list, shards);
}

typedef struct missing_run {
    size_t shard, order, unit;
    const char *id;
    size_t sweep;
} missing_run;

static int by_shard(const void *a, const void *b)
{
    const missing_run *x = a, *y = b;
    if (x->shard != y->shard)
        return (x->shard > y->shard) - (x->shard < y->shard);
    return (x->order > y->order) - (x->order < y->order);
}

/* One line per shard and sweep naming the runs missing, then what to re-submit. */
int wh__shard_report_missing(const char *cmd, wh__journal *j, size_t shards, const char *out)
{
    const size_t m = wh__journal_missing(j);
    missing_run *r = wh__alloc(m, sizeof *r);
    unsigned char *flag = wh__alloc(shards, 1);
    if (r == NULL || flag == NULL) {
        wh__free(r), wh__free(flag);
        fprintf(stderr, "whiten %s: %zu runs missing (out of memory to list them)\n", cmd, m);
        return WH__EXIT_FAILURE;
    }
    for (size_t k = 0; k < m; k++) {
        wh__journal_missing_at(j, k, &r[k].id, &r[k].sweep, &r[k].unit);
        r[k].shard = wh__journal_owner(r[k].id, r[k].sweep, r[k].unit, shards);
        r[k].order = k;
        flag[r[k].shard] = 1;
    }
    qsort(r, m, sizeof *r, by_shard);
    for (size_t k = 0; k < m; k++) {
        const bool first = k == 0 || r[k].shard != r[k - 1].shard || r[k].id != r[k - 1].id ||
                           r[k].sweep != r[k - 1].sweep;
        const bool last = k + 1 == m || r[k].shard != r[k + 1].shard || r[k].id != r[k + 1].id ||
                          r[k].sweep != r[k + 1].sweep;
        if (first)
            fprintf(stderr, "whiten %s: missing from shard %zu of %zu: %s sweep %zu runs ", cmd,
                    r[k].shard, shards, r[k].id, r[k].sweep);
        fprintf(stderr, "%zu%s", r[k].unit, last ? "\n" : ",");
    }
    fprintf(stderr, "whiten %s: %zu of %zu runs missing; nothing written to %s\n", cmd, m,
            m + wh__journal_units_done(j), out);
    wh__shard_advise(cmd, flag, shards);
    wh__free(r);
    wh__free(flag);
    return WH__EXIT_FAILURE;
}
