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
#include "repro/repro.h"
#include "whiten.h"

typedef struct reproduce_options {
    const char *out, *only, *images, *resume;
    bool quick, full, report_only;
    size_t threads;
    uint64_t seed;
    wh__checkpoint checkpoint; /* every: completed runs between checkpoints */
    const char *shard_spec;    /* --shard I/N */
    size_t shards;             /* --shards N */
    bool merge;
    wh__shard shard;    /* the share this process computes (count 0: all of it) */
    size_t merged;      /* --merge: the number of shards merged */
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
    "  E7  8x8 patches of a 1/f image (or --images photographs): filters vs ZCA\n"
    "  E8  gain modulation: learned gains against the closed form g*\n"
    "  E9  gains plus synapses learn the basis a sequence of contexts shares\n"
    "  E10 the four circuits on one context-switching stream\n"
    "--quick (the default) needs about 21 s of CPU; --full, with more seeds and longer\n"
    "runs, about 77 s (E7 alone 44 s); wall time depends on the load (measured: 2 and\n"
    "11 min under nice -n 19 on 2 cores shared with 10-20 other jobs). Results do not\n"
    "depend on --threads. --report-only\n"
    "redraws the figures and rewrites REPORT.md from the CSV files already in the\n"
    "folder, so verdicts always follow from the CSV numbers.\n"
    "--checkpoint FILE keeps what is done: the results of each completed run of a\n"
    "sweep (one alpha, seed or cell of a map) and the finished experiments. It is\n"
    "written every --checkpoint-every runs and/or --checkpoint-seconds seconds, as\n"
    "each experiment finishes, and on SIGINT or SIGTERM, which stop the work when\n"
    "the runs under way end (exit 130 or 143). --resume FILE with the same\n"
    "--quick/--full, --seed, --only, --out and --images skips what is done and ends\n"
    "with the CSV files and REPORT.md of an uninterrupted run (but for the report's\n"
    "timing line); --threads may differ.\n"
    "On a cluster (docs/cluster.md): --shard I/N computes share I of N of every\n"
    "sweep's runs into --out/shards/shard-I-of-N.zip (under a Slurm job array I/N\n"
    "default to SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT; --shards N gives N for a\n"
    "task re-submitted alone). Seeds follow each run's index, never the shard, so any\n"
    "split gives the same numbers; a shard stopped by SIGTERM keeps its runs and\n"
    "resumes from them when re-submitted. --merge --out DIR checks every run is\n"
    "present exactly once, names the missing ones and the array tasks to re-submit\n"
    "(exit 1), or writes the CSV files, figures and REPORT.md of an unsharded run.\n"
    "  sbatch --array=0-7 --wrap 'whiten reproduce --full --out R --shards 8'\n"
    "  whiten reproduce --merge --out R",
    "whiten reproduce --out results --quick --only E5",
};

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

/* The timing line of the report: computation kept over every session of the run. */
static void print_timing(wh__buf *doc, const reproduce_options *o, double seconds,
                         uint64_t sessions)
{
    wh__buf_printf(doc, "whiten %s, `whiten reproduce --%s --seed %llu`; %.1f s of computation ",
                   wh_version(), o->full ? "full" : "quick", (unsigned long long)o->seed, seconds);
    if (o->merge)
        wh__buf_printf(doc, "in %zu shards, merged by `whiten reproduce --merge`", o->merged);
    else
        wh__buf_printf(doc, "with %zu thread(s)", o->threads);
    if (sessions > 1 && !o->merge)
        wh__buf_printf(doc, ", over %llu sessions (resumed from a checkpoint)",
                       (unsigned long long)sessions);
    wh__buf_printf(doc, ".\n\n");
}

static int write_report(const reproduce_options *o, const wh__buf *body, double seconds,
                        uint64_t sessions)
{
    wh__buf doc = {0};
    const size_t held = count_marks(body, "- ✔"), failed = count_marks(body, "- ✘");
    wh__buf_printf(&doc, "# Reproduction of Lipshutz, Pehlevan & Chklovskii (ICLR 2023)\n\n");
    if (o->report_only)
        wh__buf_printf(&doc, "whiten %s: figures and report redrawn from the CSV files in this "
                             "folder (`whiten reproduce --report-only`).\n\n",
                       wh_version());
    else
        print_timing(&doc, o, seconds, sessions);
    wh__buf_printf(&doc, "**%zu of %zu claims hold.**\n\n", held, held + failed);
    wh__buf_printf(
        &doc,
        "*What this is.* The paper's own figures beyond Figure 1 could not be read, so its "
        "claims are reconstructed from its theory (the specification, science.md: the flows, "
        "their closed forms and the facts of §5) and each is checked by a verdict computed from "
        "the CSV files beside this report. *What was run* (`--quick` / `--full`): E1 and E2 "
        "integrate deterministic flows (no seeds); E3: 12 / 64 random starts per α (median and "
        "interquartile range); E4: 8 / 32 seeds per α (median and interquartile range), noise "
        "floors over 2 / 4 seeds per η (mean, min and max); E5: 3 / 5 online seeds (median, "
        "min and max for every switch) and the deterministic population run; E6: one seeded "
        "run per k and per (α, η) cell; E7: two runs per network on one pool of patches, "
        "from M0 = I and from C^{1/2} (its noise floor); E8: 8 / 32 random frames (median and "
        "slowest) beside the pairs frame; E9 and E10: one seeded online run per circuit beside "
        "the population runs (E9) or on one shared stream (E10). "
        "Online thresholds sit at twice the measured noise floor and convergence means the "
        "error stays below them for 1/η samples, as in `whiten simulate`.\n\n");
    wh__buf_put(&doc, body->data, body->len);
    doc.failed = doc.failed || body->failed; /* a section lost to memory loses the report */
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

/* The settings a resumed run (or a shard) must repeat, as the checkpoint records them. */
typedef struct resume_settings {
    char seed[24], only[256], shards[24];
    const char *name[5], *value[5];
} resume_settings;

/* A shard's file does not name --out (the shards of one run may see the folder by other
 * paths) but the number of shards. */
static void settings_of(const reproduce_options *o, const bool *on, resume_settings *r)
{
    size_t count;
    const wh__experiment *const *e = wh__experiments(&count);
    snprintf(r->seed, sizeof r->seed, "%llu", (unsigned long long)o->seed);
    snprintf(r->shards, sizeof r->shards, "%zu", o->shard.count);
    r->only[0] = '\0';
    for (size_t i = 0; i < count; i++)
        if (on[i])
            snprintf(r->only + strlen(r->only), sizeof r->only - strlen(r->only), "%s%s",
                     r->only[0] != '\0' ? "," : "", e[i]->id);
    const bool shard = o->shard.count > 0;
    const char *names[5] = {"mode", "seed", "only", shard ? "shards" : "out", "images"};
    const char *values[5] = {o->full ? "full" : "quick", r->seed, r->only,
                             shard ? r->shards : o->out, o->images != NULL ? o->images : ""};
    memcpy(r->name, names, sizeof names);
    memcpy(r->value, values, sizeof values);
}

/* The journal of a run given --checkpoint or --resume (NULL otherwise). */
static int open_journal(const reproduce_options *o, const bool *on, wh__journal **j)
{
    resume_settings r;
    *j = NULL;
    if (o->checkpoint.path == NULL)
        return WH__EXIT_OK;
    settings_of(o, on, &r);
    const wh__journal_options jo = {o->checkpoint.path, o->checkpoint.every,
                                    o->checkpoint.seconds, wh__checkpoint_signal, 5, r.name,
                                    r.value, o->shard.index, o->shard.count, "reproduce"};
    const int rc = wh__journal_open(&jo, o->resume, j);
    if (rc != 0) /* a checkpoint of other options is a usage error, as for simulate and fit */
        return rc == WH__JOURNAL_OTHER_RUN ? WH__EXIT_USAGE : WH__EXIT_FAILURE;
    wh__checkpoint c = o->checkpoint;
    wh__checkpoint_start(&c);
    return WH__EXIT_OK;
}

/* After a signal: the last checkpoint, and the status of a process killed by it. */
static int stopped(const reproduce_options *o, wh__journal *j, int signo, const char *where)
{
    if (wh__journal_save(j) != 0)
        return WH__EXIT_FAILURE;
    if (o->shard.count > 0)
        fprintf(stderr, "whiten reproduce: shard %zu of %zu stopped by signal %d %s; its runs "
                        "done are in %s: re-submit the task to finish it\n",
                o->shard.index, o->shard.count, signo, where, o->checkpoint.path);
    else
        fprintf(stderr, "whiten reproduce: stopped by signal %d %s; continue with --resume %s\n",
                signo, where, o->checkpoint.path);
    return wh__checkpoint_exit_status(signo);
}

/* One experiment's compute stage, unless the checkpoint says it finished. */
static int compute_one(const reproduce_options *o, const wh__repro_settings *s,
                       const wh__experiment *e, const char *dir)
{
    char where[64];
    snprintf(where, sizeof where, "during %s", e->id);
    if (wh__journal_finished(s->journal, e->id)) {
        fprintf(stderr, "whiten reproduce: %s %s: finished before the checkpoint\n", e->id,
                e->title);
        return WH__EXIT_OK;
    }
    if (wh__journal_signal(s->journal) != 0)
        return stopped(o, s->journal, wh__journal_signal(s->journal), where);
    fprintf(stderr, "whiten reproduce: %s %s ...\n", e->id, e->title);
    wh__journal_begin(s->journal, e->id);
    const int rc = e->compute(s, dir);
    if (rc == WH__REPRO_STOPPED)
        return stopped(o, s->journal, wh__journal_signal(s->journal), where);
    return rc == 0 && wh__journal_end(s->journal) == 0 ? WH__EXIT_OK : WH__EXIT_FAILURE;
}

/* Every experiment selected, its CSV files into dir. A merge goes on past an experiment
 * that fails for want of runs, to name every missing run. */
static int compute_all(const reproduce_options *o, const bool *on, wh__journal *j,
                       const char *dir)
{
    size_t count;
    const wh__experiment *const *e = wh__experiments(&count);
    const wh__repro_settings s = {o->full, o->seed, o->threads, o->images, j};
    int rc = WH__EXIT_OK;
    for (size_t i = 0; i < count && !o->report_only && rc == WH__EXIT_OK; i++) {
        if (on[i])
            rc = compute_one(o, &s, e[i], dir);
        if (o->merge && rc == WH__EXIT_FAILURE && wh__journal_missing(j) > 0)
            rc = WH__EXIT_OK;
    }
    if (rc == WH__EXIT_OK && wh__journal_signal(j) != 0)
        rc = stopped(o, j, wh__journal_signal(j), "before the report");
    return rc;
}

static int render_all(const reproduce_options *o, const bool *on, double seconds,
                      uint64_t sessions)
{
    size_t count;
    const wh__experiment *const *e = wh__experiments(&count);
    wh__buf body = {0};
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        if (!on[i])
            continue;
        wh__buf_printf(&body, "\n## %s: %s\n\n", e[i]->id, e[i]->title);
        rc = e[i]->render(o->out, &body);
    }
    if (rc == 0)
        rc = write_report(o, &body, seconds, sessions);
    wh__buf_free(&body);
    return rc == 0 ? WH__EXIT_OK : WH__EXIT_FAILURE;
}

/* Where the checkpoint goes, checked once --out exists (it may hold it) and before the
 * first experiment, not when the first checkpoint is due. */
static int check_checkpoint_place(const reproduce_options *o)
{
    const wh__cli_file files[] = {
        {"resume", o->resume, false, NULL},
        {"checkpoint", o->checkpoint.path, true, "resume"},
    };
    const int rc = wh__cli_check_files("reproduce", files, sizeof files / sizeof *files);
    return rc != WH__EXIT_OK ? rc
                             : wh__cli_check_checkpoint_target("reproduce", o->checkpoint.path,
                                                               o->resume, true);
}

/* The output folder, made after a resume was accepted (a refused one leaves no trace). */
static int make_folder(const reproduce_options *o, bool *created)
{
    *created = false;
    return o->report_only ? WH__EXIT_OK : wh__cli_out_folder("reproduce", o->out, created);
}

static int run(const reproduce_options *o, const bool *on)
{
    wh__journal *j = NULL;
    const double start = wh__now();
    bool created = false;
    int rc = open_journal(o, on, &j);
    if (rc == WH__EXIT_OK)
        rc = make_folder(o, &created);
    if (rc == WH__EXIT_OK)
        rc = check_checkpoint_place(o);
    if (rc == WH__EXIT_OK)
        rc = compute_all(o, on, j, o->out);
    const double seconds = j != NULL ? wh__journal_seconds(j) : wh__now() - start;
    if (rc == WH__EXIT_OK)
        rc = render_all(o, on, seconds, j != NULL ? wh__journal_sessions(j) : 1);
    if (rc != WH__EXIT_OK)
        wh__cli_out_folder_undo(o->out, created);
    wh__journal_free(j);
    return rc;
}

/*
 * One shard: its share of every sweep into its file under --out/shards (resumed from that
 * file if a task before it was stopped), the experiments' CSV files of its partial
 * results into a scratch folder that is removed again.
 */
static int run_shard(reproduce_options *o, const bool *on)
{
    static char path[4096]; /* o->checkpoint.path points here */
    char scratch[4096], tag[64];
    struct stat st;
    int rc = wh__shard_folders("reproduce", o->out);
    if (rc == WH__EXIT_OK)
        rc = wh__shard_file("reproduce", o->out, o->shard, path, sizeof path);
    if (rc != WH__EXIT_OK)
        return rc;
    o->checkpoint.path = path;
    o->resume = stat(path, &st) == 0 ? path : NULL;
    wh__journal *j = NULL;
    rc = open_journal(o, on, &j);
    if (rc == WH__EXIT_OK && o->resume != NULL)
        fprintf(stderr, "whiten reproduce: shard %zu of %zu: going on from %s (%zu runs done)\n",
                o->shard.index, o->shard.count, path, wh__journal_units_done(j));
    snprintf(tag, sizeof tag, "shard-%zu-of-%zu", o->shard.index, o->shard.count);
    if (rc == WH__EXIT_OK)
        rc = wh__scratch_make("reproduce", o->out, tag, scratch, sizeof scratch);
    if (rc == WH__EXIT_OK) {
        rc = compute_all(o, on, j, scratch);
        wh__scratch_remove(scratch);
    }
    if (rc == WH__EXIT_OK && wh__journal_save(j) != 0)
        rc = WH__EXIT_FAILURE;
    if (rc == WH__EXIT_OK)
        printf("whiten reproduce: shard %zu of %zu: %zu runs in %s; when every shard is done: "
               "whiten reproduce --merge --out %s\n",
               o->shard.index, o->shard.count, wh__journal_units_done(j), path, o->out);
    wh__journal_free(j);
    return rc;
}

/* The settings of the run the shard files record, into o and on. */
static int merge_settings(reproduce_options *o, const wh__journal *j, size_t shards, bool *on)
{
    const char *mode = wh__journal_setting(j, "mode"), *seed = wh__journal_setting(j, "seed"),
               *only = wh__journal_setting(j, "only"), *images = wh__journal_setting(j, "images"),
               *count = wh__journal_setting(j, "shards");
    char *end = NULL, want[24];
    snprintf(want, sizeof want, "%zu", shards);
    if (seed != NULL)
        o->seed = strtoull(seed, &end, 10);
    if (mode == NULL || (strcmp(mode, "quick") != 0 && strcmp(mode, "full") != 0) ||
        end == NULL || *end != '\0' || only == NULL || images == NULL || count == NULL ||
        strcmp(count, want) != 0) {
        fprintf(stderr, "whiten reproduce: the shard files in %s/shards are not shards of one "
                        "reproduction into %zu shards\n", o->out, shards);
        return WH__EXIT_FAILURE;
    }
    o->full = strcmp(mode, "full") == 0;
    o->only = only;
    o->images = images[0] != '\0' ? images : NULL;
    size_t n;
    const wh__experiment *const *e = wh__experiments(&n);
    const int rc = select_experiments(only, e, n, on);
    return rc == WH__EXIT_OK ? rc : WH__EXIT_FAILURE;
}

/*
 * --merge: the union of the shard files; the experiments' CSV files into a scratch folder,
 * moved into --out only when no run is missing; then the figures and REPORT.md.
 */
static int run_merge(reproduce_options *o)
{
    char **paths = NULL, scratch[4096];
    size_t *index = NULL, count = 0, shards = 0;
    bool on[32];
    wh__journal *j = NULL;
    int rc = wh__shard_list("reproduce", o->out, &paths, &index, &count, &shards);
    if (rc == WH__EXIT_OK &&
        wh__journal_merge("reproduce", (const char *const *)paths, index, count, shards, &j) != 0)
        rc = WH__EXIT_FAILURE;
    o->merged = shards;
    if (rc == WH__EXIT_OK)
        rc = merge_settings(o, j, shards, on);
    if (rc == WH__EXIT_OK)
        rc = wh__scratch_make("reproduce", o->out, "merge", scratch, sizeof scratch);
    if (rc == WH__EXIT_OK) {
        fprintf(stderr, "whiten reproduce: merging %zu of %zu shard files (%zu runs)\n", count,
                shards, wh__journal_units_done(j));
        rc = compute_all(o, on, j, scratch);
        if (rc == WH__EXIT_OK && wh__journal_missing(j) > 0)
            rc = wh__shard_report_missing("reproduce", j, shards, o->out);
        if (rc == WH__EXIT_OK)
            rc = wh__scratch_move("reproduce", scratch, o->out);
        wh__scratch_remove(scratch);
    }
    if (rc == WH__EXIT_OK)
        rc = render_all(o, on, wh__journal_seconds(j), 1);
    wh__journal_free(j);
    wh__shard_list_free(paths, index, count);
    return rc;
}

/* --merge takes the run's settings from the shard files; a shard checkpoints to its own. */
static int check_shard(reproduce_options *o)
{
    if (o->merge && (o->shard_spec != NULL || o->shards > 0 || o->checkpoint.path != NULL ||
                     o->resume != NULL || o->report_only || o->only != NULL ||
                     o->images != NULL || o->quick || o->full)) {
        fprintf(stderr, "whiten reproduce: --merge takes the run's settings from the shard "
                        "files; give it only --out and --threads\n");
        return WH__EXIT_USAGE;
    }
    if (o->merge || o->report_only)
        return WH__EXIT_OK;
    const int rc = wh__shard_choose("reproduce", o->shard_spec, o->shards, &o->shard);
    if (rc == WH__EXIT_OK && o->shard.count > 0 &&
        (o->checkpoint.path != NULL || o->resume != NULL)) {
        fprintf(stderr, "whiten reproduce: a shard keeps its runs in its own file under "
                        "--out/shards; it takes no --checkpoint or --resume\n");
        return WH__EXIT_USAGE;
    }
    return rc;
}

/* --checkpoint and --resume need computation; --resume alone goes on checkpointing there. */
static int check_checkpoint(reproduce_options *o)
{
    if (o->report_only && (o->checkpoint.path != NULL || o->resume != NULL)) {
        fprintf(stderr, "whiten reproduce: --report-only computes nothing; it takes no "
                        "--checkpoint or --resume\n");
        return WH__EXIT_USAGE;
    }
    if (o->checkpoint.path == NULL)
        o->checkpoint.path = o->resume;
    return WH__EXIT_OK;
}


int wh__cmd_reproduce(int argc, char **argv)
{
    reproduce_options o = {"results", NULL,  NULL,  NULL,   false,
                           false,     false, 0,     1,      wh__checkpoint_none(),
                           NULL,      0,     false, {0, 0}, 0};
    const wh__option table[] = {
        wh__opt_string("out", &o.out, "folder for figures, CSV files and REPORT.md"),
        wh__opt_flag("quick", &o.quick, "short runs, about 16 s of CPU in all (the default)"),
        wh__opt_flag("full", &o.full, "more seeds and longer runs"),
        wh__cli_row_threads(&o.threads),
        wh__opt_u64("seed", &o.seed, 0, 1.8e19, "seed of every random stream"),
        wh__opt_string("only", &o.only, "comma-separated experiments, e.g. E2,E5"),
        wh__opt_string("images", &o.images,
                       "E7: comma-separated PNG photographs instead of the synthetic 1/f image"),
        wh__opt_flag("report-only", &o.report_only,
                     "redraw figures and REPORT.md from the CSV files already in --out"),
        wh__opt_string(
            "checkpoint", &o.checkpoint.path,
            "checkpoint file: the runs and experiments done; written as they complete and on "
            "SIGINT/SIGTERM"),
        wh__opt_u64(
            "checkpoint-every", &o.checkpoint.every, 0, 1e15,
            "completed runs between checkpoints (0: only as each experiment finishes and on a "
            "signal)"),
        wh__cli_row_checkpoint_seconds(&o.checkpoint),
        wh__opt_string(
            "resume", &o.resume,
            "finish the reproduction of this checkpoint (same options), checkpointing to it "
            "unless --checkpoint names another file"),
        wh__cli_row_shard(&o.shard_spec),
        wh__cli_row_shards(&o.shards),
        wh__cli_row_merge(&o.merge),
    };
    int rc = wh__options_parse(&reproduce_help, table, sizeof table / sizeof *table, argc, argv);
    if (rc != WH__PARSE_OK)
        return rc == WH__PARSE_HELP ? WH__EXIT_OK : WH__EXIT_USAGE;
    static const char *const computing[] = {"quick", "full", "seed", "images", "shard",
                                            "shards", "checkpoint-every", "checkpoint-seconds"};
    static const char *const periods[] = {"checkpoint-every", "checkpoint-seconds"};
    if (o.report_only &&
        (rc = wh__cli_refuse_given("reproduce", argc, argv, computing,
                                   sizeof computing / sizeof *computing,
                                   "shapes a computation; --report-only computes nothing")) !=
            WH__EXIT_OK)
        return rc;
    if (o.quick && o.full) {
        fprintf(stderr, "whiten reproduce: give --quick or --full, not both\n");
        return WH__EXIT_USAGE;
    }
    if ((rc = check_shard(&o)) != WH__EXIT_OK || (rc = check_checkpoint(&o)) != WH__EXIT_OK)
        return rc;
    if (o.checkpoint.path == NULL && o.shard.count == 0 && !o.merge &&
        (rc = wh__cli_refuse_given("reproduce", argc, argv, periods, 2,
                                   "needs --checkpoint or --resume")) != WH__EXIT_OK)
        return rc;
    const bool chosen_threads = o.threads != 0;
    if (o.threads == 0)
        o.threads = (size_t)sysconf(_SC_NPROCESSORS_ONLN);
    if ((rc = wh__cli_memlimit_threads("reproduce", chosen_threads, &o.threads)) != WH__EXIT_OK ||
        (o.shard.count == 0 && (rc = wh__cli_memlimit_figures("reproduce")) != WH__EXIT_OK))
        return rc;
    size_t count;
    const wh__experiment *const *e = wh__experiments(&count);
    bool on[32];
    if (o.merge)
        return run_merge(&o);
    rc = select_experiments(o.only, e, count, on);
    if (rc != WH__EXIT_OK)
        return rc;
    return o.shard.count > 0 ? run_shard(&o, on) : run(&o, on);
}
