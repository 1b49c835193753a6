#define _XOPEN_SOURCE 700
#include "cli/common.h"
#include "cli/options.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/data.h"
#include "core/alloc.h"

static const struct {
    const char *name;
    wh_net_kind kind;
} net_names[] = {
    {"direct", WH_NET_DIRECT},
    {"interneuron", WH_NET_INTERNEURON},
    {"gain", WH_NET_GAIN},
    {"gain-synapse", WH_NET_GAIN_SYNAPSE},
};

const char *wh__cli_net_name(wh_net_kind kind)
{
    for (size_t i = 0; i < sizeof net_names / sizeof *net_names; i++)
        if (net_names[i].kind == kind)
            return net_names[i].name;
    return "unknown";
}

int wh__cli_net_kind(const char *command, const char *option, const char *text, wh_net_kind *kind)
{
    for (size_t i = 2; i < sizeof net_names / sizeof *net_names; i++)
        if (strcmp(text, net_names[i].name) == 0) {
            *kind = net_names[i].kind;
            return WH__EXIT_OK;
        }
    if (strcmp(text, "direct") == 0) {
        *kind = WH_NET_DIRECT;
        return WH__EXIT_OK;
    }
    if (strcmp(text, "interneuron") == 0 || strcmp(text, "interneurons") == 0) {
        *kind = WH_NET_INTERNEURON;
        return WH__EXIT_OK;
    }
    fprintf(stderr,
            "whiten %s: option --%s: expected 'direct', 'interneuron', 'gain' or 'gain-synapse', "
            "got '%s'\n",
            command, option, text);
    return WH__EXIT_USAGE;
}

/* A number of more characters than WH__NUMBER_CHARS - 1 is refused, saying so. */
static bool too_long(const char *command, const char *option, const char *begin,
                     const char *end)
{
    const size_t len = (size_t)(end - begin);
    if (len < WH__NUMBER_CHARS)
        return false;
    fprintf(stderr,
            "whiten %s: option --%s: '%.40s...' is too long for a number (%zu characters; at "
            "most %d)\n",
            command, option, begin, len, WH__NUMBER_CHARS - 1);
    return true;
}

static bool parse_double(const char *begin, const char *end, double *value)
{
    char buf[WH__NUMBER_CHARS];
    const size_t len = (size_t)(end - begin);
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, begin, len);
    buf[len] = '\0';
    char *stop = NULL;
    *value = strtod(buf, &stop);
    return stop == buf + len && isfinite(*value);
}

int wh__cli_doubles(const char *command, const char *option, const char *text, double **values,
                    size_t *count)
{
    size_t cap = 1;
    for (const char *p = text; *p != '\0'; p++)
        cap += *p == ',';
    *values = wh__alloc(cap, sizeof **values);
    if (*values == NULL) {
        fprintf(stderr, "whiten %s: out of memory\n", command);
        return WH__EXIT_FAILURE;
    }
    *count = 0;
    for (const char *p = text;; p++) {
        const char *end = strchr(p, ',');
        if (end == NULL)
            end = p + strlen(p);
        if (too_long(command, option, p, end)) {
            wh__free(*values);
            *values = NULL;
            return WH__EXIT_USAGE;
        }
        if (!parse_double(p, end, &(*values)[*count])) {
            fprintf(stderr,
                    "whiten %s: option --%s: item %zu '%.*s' is not a finite number "
                    "(expected a list like 0.5,2,8)\n",
                    command, option, *count + 1, (int)(end - p), p);
            wh__free(*values);
            *values = NULL;
            return WH__EXIT_USAGE;
        }
        (*count)++;
        if (*end == '\0')
            return WH__EXIT_OK;
        p = end;
    }
}

int wh__cli_range(const char *command, const char *option, const char *text, double *lo, double *hi)
{
    const char *colon = strchr(text, ':');
    if (colon != NULL && (too_long(command, option, text, colon) ||
                          too_long(command, option, colon + 1, colon + strlen(colon))))
        return WH__EXIT_USAGE;
    if (colon == NULL || !parse_double(text, colon, lo) ||
        !parse_double(colon + 1, colon + strlen(colon), hi) || !(*lo > 0.0) || *hi < *lo) {
        fprintf(stderr, "whiten %s: option --%s: expected lo:hi with 0 < lo <= hi, got '%s'\n",
                command, option, text);
        return WH__EXIT_USAGE;
    }
    return WH__EXIT_OK;
}

static int positive_list(const char *command, const double *values, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!(values[i] > 0.0)) {
            fprintf(stderr,
                    "whiten %s: option --eigenvalues: item %zu is %g; a covariance needs "
                    "every eigenvalue > 0\n",
                    command, i + 1, values[i]);
            return WH__EXIT_USAGE;
        }
    return WH__EXIT_OK;
}

int wh__cli_covariance(const char *command, const char *eigenvalues, const char *spectrum,
                       size_t *n, bool rotate, uint64_t seed, double **C)
{
    wh_spectrum spec = {.n = *n, .lo = 0.1, .hi = 10.0, .rotate = rotate, .seed = seed};
    double *values = NULL;
    int rc = WH__EXIT_OK;
    *C = NULL;
    if (eigenvalues != NULL && spectrum != NULL) {
        fprintf(stderr, "whiten %s: give --eigenvalues or --spectrum, not both\n", command);
        return WH__EXIT_USAGE;
    }
    if (eigenvalues != NULL) {
        rc = wh__cli_doubles(command, "eigenvalues", eigenvalues, &values, &spec.n);
        if (rc == WH__EXIT_OK)
            rc = positive_list(command, values, spec.n);
        if (rc == WH__EXIT_OK && *n != 0 && *n != spec.n) {
            fprintf(stderr, "whiten %s: --n %zu disagrees with the %zu values of --eigenvalues\n",
                    command, *n, spec.n);
            rc = WH__EXIT_USAGE;
        }
        spec.eigenvalues = values;
    } else if (spectrum != NULL) {
        rc = wh__cli_range(command, "spectrum", spectrum, &spec.lo, &spec.hi);
    }
    if (rc == WH__EXIT_OK && spec.n == 0) {
        fprintf(stderr, "whiten %s: give --n (the spectrum defaults to 0.1:10), or --eigenvalues\n",
                command);
        rc = WH__EXIT_USAGE;
    }
    if (rc == WH__EXIT_OK && (*C = wh__alloc(spec.n * spec.n, sizeof **C)) == NULL) {
        fprintf(stderr, "whiten %s: out of memory for a %zu x %zu covariance\n", command,
                spec.n, spec.n);
        rc = WH__EXIT_FAILURE;
    }
    if (rc == WH__EXIT_OK) {
        wh_status st = wh_covariance_from_spectrum(&spec, *C, spec.n);
        if (st != WH_OK) {
            fprintf(stderr, "whiten %s: cannot build the covariance: %s\n", command,
                    wh_status_message(st));
            rc = st == WH_ENOMEM ? WH__EXIT_FAILURE : WH__EXIT_USAGE;
        }
    }
    if (rc != WH__EXIT_OK) {
        wh__free(*C);
        *C = NULL;
    }
    wh__free(values);
    *n = spec.n;
    return rc;
}

/* Where a path is: its file's device and inode, or its folder's and its name. */
typedef struct file_id {
    bool exists, known, special;
    dev_t dev;
    ino_t ino;
    const char *name; /* for a file not there yet: its last component */
} file_id;

static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dir = slash == NULL ? "." : slash == path ? "/" : path;
    const size_t len = slash == NULL || slash == path ? 1 : (size_t)(slash - path);
    char *copy = wh__alloc(len + 1, 1); /* zeroed: the copy ends in '\0' */
    if (copy != NULL)
        memcpy(copy, dir, len);
    return copy;
}

static file_id identify(const char *path)
{
    file_id id = {0};
    struct stat st;
    if (stat(path, &st) == 0) {
        id.exists = id.known = true;
        id.special = S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode);
        id.dev = st.st_dev;
        id.ino = st.st_ino;
        return id;
    }
    char *dir = folder_of(path);
    if (dir != NULL && stat(dir, &st) == 0) {
        id.known = true;
        id.dev = st.st_dev;
        id.ino = st.st_ino;
        const char *slash = strrchr(path, '/');
        id.name = slash != NULL ? slash + 1 : path;
    }
    wh__free(dir);
    return id;
}

static bool same(const file_id *a, const file_id *b)
{
    if (!a->known || !b->known || a->exists != b->exists || a->dev != b->dev || a->ino != b->ino)
        return false;
    if (a->exists) /* /dev/null twice is no harm */
        return !(a->special && b->special);
    return strcmp(a->name, b->name) == 0;
}

/* An output's folder must exist and be writable, and the output must not be a folder. */
static int check_output_place(const char *command, const wh__cli_file *f)
{
    struct stat st;
    if (stat(f->path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "whiten %s: option --%s: %s is a folder; name a file\n", command,
                f->option, f->path);
        return WH__EXIT_USAGE;
    }
    if (f->path[0] == '\0') {
        fprintf(stderr, "whiten %s: option --%s: the file name is empty\n", command, f->option);
        return WH__EXIT_USAGE;
    }
    char *dir = folder_of(f->path);
    int rc = WH__EXIT_OK;
    if (dir == NULL) {
        fprintf(stderr, "whiten %s: out of memory\n", command);
        rc = WH__EXIT_FAILURE;
    } else if (stat(dir, &st) != 0) {
        fprintf(stderr, "whiten %s: option --%s: cannot write %s: its folder %s does not exist\n",
                command, f->option, f->path, dir);
        rc = WH__EXIT_USAGE;
    } else if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "whiten %s: option --%s: cannot write %s: %s is a file, not a folder\n",
                command, f->option, f->path, dir);
        rc = WH__EXIT_USAGE;
    } else if (access(dir, W_OK | X_OK) != 0) {
        fprintf(stderr, "whiten %s: option --%s: cannot write %s: folder %s: %s\n", command,
                f->option, f->path, dir, strerror(errno));
        rc = WH__EXIT_FAILURE;
    }
    wh__free(dir);
    return rc;
}

int wh__cli_check_checkpoint_target(const char *command, const char *path, const char *resume,
                                    bool journal)
{
    struct stat st;
    if (path == NULL || stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
        return WH__EXIT_OK;
    const file_id target = identify(path);
    if (resume != NULL) {
        const file_id from = identify(resume);
        if (same(&target, &from))
            return WH__EXIT_OK;
    }
    unsigned char *bytes = NULL;
    size_t len = 0;
    wh__io_error err = {0};
    bool checkpoint = false;
    if (wh__file_read(path, &bytes, &len, &err)) {
        const unsigned char *member = NULL;
        size_t member_len = 0;
        wh__state s;
        if (journal)
            checkpoint = wh__zip_find(bytes, len, "checkpoint.json", &member, &member_len, &err);
        else if (wh__state_decode(bytes, len, &s, &err)) {
            checkpoint = s.has_run;
            wh__state_free(&s);
        }
    }
    wh__free(bytes);
    if (checkpoint)
        return WH__EXIT_OK;
    fprintf(stderr,
            "whiten %s: option --checkpoint: %s holds a file that is not a %s checkpoint, which "
            "the first checkpoint would replace; name another file (or remove it first)\n",
            command, path, journal ? command : "fit or simulate");
    return WH__EXIT_USAGE;
}

int wh__cli_out_folder(const char *command, const char *dir, bool *created)
{
    struct stat st;
    *created = false;
    if (dir[0] == '\0') {
        fprintf(stderr, "whiten %s: option --out: the folder name is empty\n", command);
        return WH__EXIT_USAGE;
    }
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "whiten %s: option --out: %s is a file, not a folder\n", command, dir);
        return WH__EXIT_USAGE;
    }
    if (stat(dir, &st) == 0 && access(dir, W_OK | X_OK) != 0) {
        fprintf(stderr, "whiten %s: option --out: cannot write into folder %s: %s\n", command,
                dir, strerror(errno));
        return WH__EXIT_FAILURE;
    }
    if (stat(dir, &st) == 0)
        return WH__EXIT_OK;
    if (mkdir(dir, 0777) != 0) {
        fprintf(stderr, "whiten %s: option --out: cannot create folder %s: %s\n", command, dir,
                strerror(errno));
        return WH__EXIT_FAILURE;
    }
    *created = true;
    return WH__EXIT_OK;
}

void wh__cli_out_folder_undo(const char *dir, bool created)
{
    if (created)
        (void)rmdir(dir); /* removes only an empty folder: nothing of the user's is lost */
}

/* "--" before an option's name; nothing before a positional argument's (FILE). */
static const char *dashes(const char *option)
{
    return option[0] >= 'A' && option[0] <= 'Z' ? "" : "--";
}

int wh__cli_check_files(const char *command, const wh__cli_file *files, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const wh__cli_file *a = &files[i];
        if (a->path == NULL || !a->output)
            continue;
        int rc = check_output_place(command, a);
        if (rc != WH__EXIT_OK)
            return rc;
        const file_id ia = identify(a->path);
        for (size_t j = 0; j < count; j++) {
            const wh__cli_file *b = &files[j];
            if (j == i || b->path == NULL || (b->output && j < i))
                continue;
            if ((a->may_be != NULL && strcmp(a->may_be, b->option) == 0) ||
                (b->may_be != NULL && strcmp(b->may_be, a->option) == 0))
                continue;
            const file_id ib = identify(b->path);
            if (!same(&ia, &ib))
                continue;
            fprintf(stderr,
                    "whiten %s: options %s%s %s and %s%s %s name the same file; %s would "
                    "overwrite %s\n",
                    command, dashes(a->option), a->option, a->path, dashes(b->option),
                    b->option, b->path,
                    b->output ? "one output" : "the output",
                    b->output ? "the other" : "the input it reads");
            return WH__EXIT_USAGE;
        }
    }
    return WH__EXIT_OK;
}

int wh__cli_check_npz(const char *command, const char *option, const char *path)
{
    const size_t len = path != NULL ? strlen(path) : 0;
    if (path == NULL || (len > 4 && strcmp(path + len - 4, ".npz") == 0))
        return WH__EXIT_OK;
    fprintf(stderr, "whiten %s: option --%s: '%s' must end in .npz (a state file is an .npz "
                    "archive)\n", command, option, path);
    return WH__EXIT_USAGE;
}

int wh__cli_refuse_given(const char *command, int argc, char **argv, const char *const *names,
                         size_t count, const char *reason)
{
    for (size_t i = 0; i < count; i++)
        if (wh__options_given(argc, argv, names[i])) {
            fprintf(stderr, "whiten %s: option --%s %s\n", command, names[i], reason);
            return WH__EXIT_USAGE;
        }
    return WH__EXIT_OK;
}

int wh__cli_refuse_inapplicable(const char *command, int argc, char **argv,
                                const char *schedule, const struct wh__cli_net *net,
                                bool checkpoints)
{
    static const char *const decay[] = {"tau", "gamma"};
    static const char *const refresh[] = {"refresh"};
    static const char *const periods[] = {"checkpoint-every", "checkpoint-seconds"};
    int rc = WH__EXIT_OK;
    if (schedule != NULL && strcmp(schedule, "constant") == 0)
        rc = wh__cli_refuse_given(command, argc, argv, decay, 2,
                                  "shapes the decaying rate; it needs --schedule decay");
    if (rc == WH__EXIT_OK && net->refresh != 0 && net->solver != NULL &&
        strcmp(net->solver, "exact") == 0)
        rc = wh__cli_refuse_given(command, argc, argv, refresh, 1,
                                  "is for the fast solver, not --solver exact");
    if (rc == WH__EXIT_OK && !checkpoints)
        rc = wh__cli_refuse_given(command, argc, argv, periods, 2, "needs --checkpoint");
    return rc;
}

int wh__cli_refuse_k_direct(const char *command, const char *net, size_t k)
{
    if (k == 0 || net == NULL || strcmp(net, "direct") != 0)
        return WH__EXIT_OK;
    fprintf(stderr, "whiten %s: option --k: the direct network has no interneurons; --k is for "
                    "--net interneuron\n", command);
    return WH__EXIT_USAGE;
}

int wh__cli_header_mode(const char *command, bool header, bool no_header, wh__csv_header *mode)
{
    if (header && no_header) {
        fprintf(stderr, "whiten %s: give --header or --no-header, not both\n", command);
        return WH__EXIT_USAGE;
    }
    *mode = header ? WH__CSV_HEADER : no_header ? WH__CSV_NO_HEADER : WH__CSV_HEADER_AUTO;
    return WH__EXIT_OK;
}

void wh__cli_problem_add(char *buf, size_t size, const char *key, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 2 >= size)
        return;
    used += (size_t)snprintf(buf + used, size - used, "%s%s=", used > 0 ? ";" : "", key);
    if (used >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

uint64_t wh__cli_hash(const void *bytes, size_t len)
{
    const unsigned char *p = bytes;
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* The value of `key` in a fingerprint, as (start, length); false if absent. */
static bool problem_value(const char *text, const char *key, const char **value, size_t *len)
{
    const size_t klen = strlen(key);
    for (const char *p = text; *p != '\0';) {
        const char *end = strchr(p, ';');
        if (end == NULL)
            end = p + strlen(p);
        if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            *value = p + klen + 1;
            *len = (size_t)(end - *value);
            return true;
        }
        p = *end == ';' ? end + 1 : end;
    }
    return false;
}

int wh__cli_check_problem(const char *command, const char *path, const char *saved,
                          const char *now)
{
    return wh__cli_check_problem_in(command, path, "checkpoint", saved, now);
}

int wh__cli_check_problem_in(const char *command, const char *path, const char *what,
                             const char *saved, const char *now)
{
    if (saved == NULL || saved[0] == '\0')
        return WH__EXIT_OK;
    for (const char *p = now; *p != '\0';) {
        const char *eq = strchr(p, '='), *end = strchr(p, ';');
        if (end == NULL)
            end = p + strlen(p);
        if (eq == NULL || eq > end)
            break;
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(eq - p), p);
        const char *was = NULL;
        size_t was_len = 0;
        const size_t len = (size_t)(end - eq - 1);
        const bool had = problem_value(saved, key, &was, &was_len);
        if (!had || was_len != len || strncmp(was, eq + 1, len) != 0) {
            const bool data = strcmp(key, "data") == 0;
            fprintf(stderr,
                    "whiten %s: %s: a %s of another problem: %s%s is %.*s here, %.*s in "
                    "the %s; resume with the %s of the run that wrote it\n",
                    command, path, what, data ? "the data (rows x columns, hash)" : "--",
                    data ? "" : key, (int)len, eq + 1, had ? (int)was_len : 4,
                    had ? was : "none", what, data ? "data" : "options");
            return WH__EXIT_USAGE;
        }
        p = *end == ';' ? end + 1 : end;
    }
    return WH__EXIT_OK;
}
