/*
 * cmd_reproduce.c: `whiten reproduce`, the experiments of the paper as
 * figures, CSV files and a report.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "repro/repro.h"
#include "whiten.h"

typedef struct reproduce_options {
    const char *out, *only, *images;
    bool quick, full, report_only;
    size_t threads;
    uint64_t seed;
} reproduce_options;

static const wh__command_help reproduce_help = {
    "reproduce",
    "Run the experiments that reproduce the claims of Lipshutz, Pehlevan & Chklovskii\n"
    "(ICLR 2023) and write, into the output folder, a PNG and an SVG figure and a CSV\n"
    "per experiment, and REPORT.md with a verdict for each claim.",
    "Experiments (science.md §6):\n"
    "  E1  the two flows from several alpha, closed form beside integration\n"
    "  E2  convergence time against alpha: linear (direct) vs logarithmic\n"
    "  E3  the same for random starts that do not commute with C (many seeds)\n"
    "  E4  the online networks: samples to eps against T_eps / eta\n"
    "  E5  statistics that switch between contexts: speed of re-adaptation\n"
    "  E6  k = n, 2n, 4n interneurons; stability map over (alpha, eta)\n"
    "  E7  8x8 patches of a 1/f image (or --images): learned filters vs ZCA\n"
    "--quick (the default) finishes in a few minutes on 2 cores; --full uses more\n"
    "seeds and longer runs. Results do not depend on --threads. --report-only\n"
    "redraws the figures and rewrites REPORT.md from the CSV files already in the\n"
    "folder, so verdicts always follow from the CSV numbers.",
    "whiten reproduce --out results --quick --only E5",
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Mark the experiments named in --only (comma-separated ids); all when NULL. */
static int select_experiments(const char *only, const wh__experiment *const *e, size_t count,
                              bool *on)
{
    for (size_t i = 0; i < count; i++)
        on[i] = only == NULL;
    for (const char *p = only; p != NULL && *p != '\0';) {
        size_t len = strcspn(p, ",");
        size_t i = 0;
        while (i < count && !(strlen(e[i]->id) == len && strncmp(e[i]->id, p, len) == 0))
            i++;
        if (i == count) {
            fprintf(stderr, "whiten reproduce: option --only: unknown experiment '%.*s'; known:",
                    (int)len, p);
            for (size_t j = 0; j < count; j++)
                fprintf(stderr, " %s", e[j]->id);
            fputc('\n', stderr);
            return WH__EXIT_USAGE;
        }
        on[i] = true;
        p += len + (p[len] == ',');
    }
    return WH__EXIT_OK;
}

static size_t count_marks(const wh__buf *b, const char *mark)
{
    size_t n = 0, m = strlen(mark);
    for (size_t i = 0; i + m <= b->len; i++)
        n += memcmp(b->data + i, mark, m) == 0;
    return n;
}

static int write_report(const reproduce_options *o, const wh__buf *body, double seconds)
{
    wh__buf doc = {0};
    const size_t held = count_marks(body, "- ✔"), failed = count_marks(body, "- ✘");
    wh__buf_printf(&doc, "# Reproduction of Lipshutz, Pehlevan & Chklovskii (ICLR 2023)\n\n");
    if (o->report_only)
        wh__buf_printf(&doc, "whiten %s: figures and report redrawn from the CSV files in this "
                             "folder (`whiten reproduce --report-only`).\n\n",
                       wh_version());
    else
        wh__buf_printf(&doc, "whiten %s, `whiten reproduce --%s --seed %llu`; %.1f s of "
                             "computation with %zu thread(s).\n\n",
                       wh_version(), o->full ? "full" : "quick", (unsigned long long)o->seed,
                       seconds, o->threads);
    wh__buf_printf(&doc, "**%zu of %zu claims hold.**\n\n", held, held + failed);
    wh__buf_put(&doc, body->data, body->len);
    char path[4096];
    wh__io_error err = {0};
    int rc = wh__repro_path(path, sizeof path, o->out, "REPORT.md");
    if (rc == 0 && !wh__file_write_atomic(path, &doc, &err)) {
        fprintf(stderr, "whiten reproduce: cannot write %s: %s\n", path, err.message);
        rc = -1;
    }
    if (rc == 0)
        printf("whiten reproduce: %zu of %zu claims hold; wrote %s\n", held, held + failed, path);
    wh__buf_free(&doc);
    return rc;
}

static int run(const reproduce_options *o, const bool *on)
{
    size_t count;
    const wh__experiment *const *e = wh__experiments(&count);
    const wh__repro_settings s = {o->full, o->seed, o->threads, o->images};
    const double start = now();
    for (size_t i = 0; i < count && !o->report_only; i++) {
        if (!on[i])
            continue;
        fprintf(stderr, "whiten reproduce: %s %s ...\n", e[i]->id, e[i]->title);
        if (e[i]->compute(&s, o->out) != 0)
            return WH__EXIT_FAILURE;
    }
    const double seconds = now() - start;
    wh__buf body = {0};
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        if (!on[i])
            continue;
        wh__buf_printf(&body, "\n## %s: %s\n\n", e[i]->id, e[i]->title);
        rc = e[i]->render(o->out, &body);
    }
    if (rc == 0)
        rc = write_report(o, &body, seconds);
    wh__buf_free(&body);
    return rc == 0 ? WH__EXIT_OK : WH__EXIT_FAILURE;
}

int wh__cmd_reproduce(int argc, char **argv)
{
    reproduce_options o = {"results", NULL, NULL, false, false, false, 0, 1};
    const wh__option table[] = {
        {"out", WH__OPT_STRING, &o.out, 0, 0, 0, "folder for figures, CSV files and REPORT.md"},
        {"quick", WH__OPT_FLAG, &o.quick, 0, 0, 0, "short runs, a few minutes in all (the default)"},
        {"full", WH__OPT_FLAG, &o.full, 0, 0, 0, "more seeds and longer runs"},
        {"threads", WH__OPT_SIZE, &o.threads, 0, 64, 0, "worker threads; 0 = one per core"},
        {"seed", WH__OPT_U64, &o.seed, 0, 1.8e19, 0, "seed of every random stream"},
        {"only", WH__OPT_STRING, &o.only, 0, 0, 0, "comma-separated experiments, e.g. E2,E5"},
        {"images", WH__OPT_STRING, &o.images, 0, 0, 0,
         "E7: comma-separated PNG photographs instead of the synthetic 1/f image"},
        {"report-only", WH__OPT_FLAG, &o.report_only, 0, 0, 0,
         "redraw figures and REPORT.md from the CSV files already in --out"},
    };
    int rc = wh__options_parse(&reproduce_help, table, sizeof table / sizeof *table, argc, argv);
    if (rc != WH__PARSE_OK)
        return rc == WH__PARSE_HELP ? WH__EXIT_OK : WH__EXIT_USAGE;
    if (o.quick && o.full) {
        fprintf(stderr, "whiten reproduce: give --quick or --full, not both\n");
        return WH__EXIT_USAGE;
    }
    if (o.threads == 0)
        o.threads = (size_t)sysconf(_SC_NPROCESSORS_ONLN);
    size_t count;
    const wh__experiment *const *e = wh__experiments(&count);
    bool on[32];
    rc = select_experiments(o.only, e, count, on);
    if (rc != WH__EXIT_OK)
        return rc;
    if (!o.report_only && mkdir(o.out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "whiten reproduce: cannot create folder %s: %s\n", o.out, strerror(errno));
        return WH__EXIT_FAILURE;
    }
    return run(&o, on);
}
