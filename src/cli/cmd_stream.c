/*
 * cmd_stream.c: `whiten stream`, whitening standard input as it arrives.
 *
 * One output per input sample, written as soon as the sample is read: text
 * lines are flushed one by one so that the tool works inside a pipe; raw
 * binary samples are flushed too, since a sample may be all the reader gets
 * for a while.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "cli/checkpoint.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/data.h"
#include "cli/options.h"
#include "cli/rows.h"
#include "cli/stages.h"
#include "core/alloc.h"

typedef struct stream_options {
    wh__cli_net net;
    const char *binary, *state, *save_state, *on_bad;
    bool freeze, header, no_header, skip;
    bool no_center;
    double center_window, ridge;
    wh__cli_continued given; /* what replaces the --state's */
    const char *schedule; /* --schedule; NULL: constant (or the state's) */
    double tau, gamma;
} stream_options;

/* What a stream needs while it runs. */
typedef struct stream {
    wh_net *net;
    wh__cli_stages stages; /* the running mean, the ridge */
    bool learn, skip; /* skip: --on-bad skip */
    size_t n, word;   /* word 0: text */
    double *x, *y;
    unsigned char *bytes;
    uint64_t samples, skipped; /* samples whitened; bad ones skipped */
    size_t lineno;             /* text: the line read last */
    char first_bad[400];       /* why the first skipped sample was skipped */
} stream;

static const wh__command_help stream_help = {
    "stream",
    "Whiten samples from standard input as they arrive, learning all the while, and\n"
    "write each whitened sample to standard output at once.",
    "Text input: one sample per line, n numbers separated by commas or spaces; blank\n"
    "lines, '#' comments, a UTF-8 byte-order mark and a header line before the first\n"
    "sample (a line of names: every field starts with a letter, '_' or a quote) are\n"
    "skipped; --header skips the first line whatever it holds, --no-header skips none.\n"
    "Output: one line of n comma-separated numbers (shortest text that reads back\n"
    "exactly), flushed per sample. --binary f32|f64: raw little-endian floats in and\n"
    "out, n per sample.\n"
    "--state starts from a saved network (its net, n, k, solver come from it; --net,\n"
    "--n, --k, --init-scale, --seed, --solver and --refresh are refused beside it).\n"
    "--save-state writes the network however the stream ends: end of input, a bad\n"
    "line, a non-finite or diverging sample, SIGINT, SIGTERM or SIGHUP (exit 128 +\n"
    "the signal), or a closed standard output; the message names the sample. With\n"
    "--on-bad skip a bad sample (unparsable, wrong length, non-finite, or one that\n"
    "would make the network diverge) is skipped and counted instead of ending the\n"
    "stream; the count is reported at the end.\n"
    "Each sample first joins a running mean (the exact mean of the first\n"
    "--center-window samples, then an exponentially weighted one over about as many,\n"
    "which follows a mean that drifts or switches), which is subtracted before the\n"
    "network (--no-center: not). With --state the saved mean goes on; --eta,\n"
    "--center-window, --ridge and --schedule, when given, replace the state's.",
    "sensor | whiten stream --net interneuron --n 8 --eta 1e-3 | consumer",
};

/* A bad sample: stop (exit 1) with the message, or under --on-bad skip count it. */
static int bad(stream *s, const char *message)
{
    if (!s->skip) {
        fprintf(stderr, "whiten stream: %s\n", message);
        return WH__EXIT_FAILURE;
    }
    if (s->skipped++ == 0)
        snprintf(s->first_bad, sizeof s->first_bad, "%s", message);
    return WH__EXIT_OK;
}

static int step(stream *s, const char *where)
{
    wh_status st = wh__cli_stages_input(&s->stages, s->learn, wh_net_samples(s->net), s->n,
                                        s->x, s->x);
    if (st == WH_OK)
        st = s->learn ? wh_net_step(s->net, s->x, s->y, NULL, NULL)
                      : wh_net_respond(s->net, s->x, s->y, NULL, NULL);
    if (st != WH_OK) {
        wh__cli_stages_undo(&s->stages); /* a refused sample leaves the mean as it was */
        char message[400];
        char advice[256] = "";
        if (st == WH_EDIVERGED)
            wh__cli_divergence_advice(advice, sizeof advice, wh_net_get_kind(s->net),
                                      wh_net_eta(s->net), 1.0, (double)NAN, (double)NAN);
        snprintf(message, sizeof message, "sample %llu (%s): %s (%s)%s%s",
                 (unsigned long long)(s->samples + s->skipped + 1), where,
                 wh_status_message(st), wh_status_name(st), advice[0] ? "; " : "", advice);
        if (st == WH_ENOMEM) {
            fprintf(stderr, "whiten stream: %s\n", message);
            return WH__EXIT_FAILURE;
        }
        return bad(s, message);
    }
    s->samples++;
    return WH__EXIT_OK;
}

/* A write error on standard output (a full disk, a closed pipe) ends the stream, said so. */
static int output_failed(const stream *s)
{
    fprintf(stderr, "whiten stream: cannot write sample %llu to standard output: %s\n",
            (unsigned long long)s->samples, strerror(errno));
    return WH__EXIT_FAILURE;
}

static int emit_text(const stream *s)
{
    char text[WH__DOUBLE_TEXT];
    for (size_t i = 0; i < s->n; i++)
        if (printf("%s%c", wh__format_double(text, s->y[i]), i + 1 < s->n ? ',' : '\n') < 0)
            return output_failed(s);
    return fflush(stdout) == 0 ? WH__EXIT_OK : output_failed(s);
}

/* Each line may use commas or spaces; only the first line with content may be a header. */
static int text_line(stream *s, char *line, size_t len, wh__csv_header header, bool *first)
{
    size_t count;
    wh__io_error err = {0};
    wh__csv_sep sep = WH__CSV_AUTO;
    /* A spreadsheet's UTF-8 byte-order mark, as the file readers strip it. */
    if (s->lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
        line += 3, len -= 3;
    if (*first && wh__csv_has_content(line, len)) {
        *first = false;
        if (header == WH__CSV_HEADER ||
            (header == WH__CSV_HEADER_AUTO && wh__csv_is_header(line, len)))
            return WH__EXIT_OK;
    }
    char message[400];
    if (!wh__csv_line(line, len, s->lineno, &sep, s->x, s->n, &count, &err)) {
        snprintf(message, sizeof message, "<stdin>: %s", err.message);
        return bad(s, message);
    }
    if (count == 0)
        return WH__EXIT_OK;
    if (count != s->n) {
        snprintf(message, sizeof message,
                 "<stdin>: line %zu, column 1: %zu value%s, expected n = %zu", s->lineno, count,
                 count == 1 ? "" : "s", s->n);
        return bad(s, message);
    }
    char where[48];
    snprintf(where, sizeof where, "line %zu", s->lineno);
    const uint64_t skipped = s->skipped;
    int rc = step(s, where);
    return rc == WH__EXIT_OK && s->skipped == skipped ? emit_text(s) : rc;
}

/* The end of the input, or why reading stopped: a signal, or a read error (never taken for
 * the end). */
static int read_ended(const stream *s)
{
    const int signo = wh__checkpoint_signal();
    if (signo != 0)
        return wh__checkpoint_exit_status(signo);
    if (ferror(stdin)) {
        fprintf(stderr, "whiten stream: cannot read standard input after sample %llu: %s\n",
                (unsigned long long)s->samples, strerror(errno));
        return WH__EXIT_FAILURE;
    }
    return WH__EXIT_OK;
}

static int run_text(stream *s, wh__csv_header header)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    bool first = true;
    int rc = WH__EXIT_OK;
    while (rc == WH__EXIT_OK && wh__checkpoint_signal() == 0) {
        errno = 0;
        if ((len = getline(&line, &cap, stdin)) < 0) {
            rc = read_ended(s);
            break;
        }
        const size_t n = (size_t)len > 0 && line[len - 1] == '\n' ? (size_t)len - 1 : (size_t)len;
        s->lineno++;
        rc = text_line(s, line, n, header, &first);
    }
    free(line); /* from getline(), not wh__alloc */
    if (rc == WH__EXIT_OK && wh__checkpoint_signal() != 0)
        rc = wh__checkpoint_exit_status(wh__checkpoint_signal());
    return rc;
}

/* s->bytes into s->x, refusing NaN and infinities as every reader does. */
static int decode_sample(stream *s, bool *ok)
{
    const uint64_t index = s->samples + s->skipped;
    *ok = true;
    for (size_t i = 0; i < s->n; i++) {
        s->x[i] = wh__get_float(s->bytes + i * s->word, s->word, false);
        if (!isfinite(s->x[i])) {
            char message[400];
            snprintf(message, sizeof message,
                     "<stdin>: byte %llu: sample %llu, value %zu is %s; NaN and Inf are refused",
                     (unsigned long long)(index * s->n * s->word + i * s->word),
                     (unsigned long long)index + 1, i + 1, isnan(s->x[i]) ? "NaN" : "infinite");
            *ok = false;
            return bad(s, message);
        }
    }
    return WH__EXIT_OK;
}

static int run_binary(stream *s)
{
    const size_t sample = s->n * s->word;
    while (wh__checkpoint_signal() == 0) {
        errno = 0;
        const size_t got = fread(s->bytes, 1, sample, stdin);
        if (got == 0)
            return read_ended(s);
        const uint64_t index = s->samples + s->skipped;
        if (got < sample) {
            if (wh__checkpoint_signal() != 0 || ferror(stdin))
                return read_ended(s);
            fprintf(stderr,
                    "whiten stream: <stdin>: byte %llu: input ends inside sample %llu "
                    "(%zu of %zu bytes)\n",
                    (unsigned long long)(index * sample + got), (unsigned long long)index + 1,
                    got, sample);
            return WH__EXIT_FAILURE;
        }
        bool ok;
        int rc = decode_sample(s, &ok);
        if (rc != WH__EXIT_OK || !ok) {
            if (rc != WH__EXIT_OK)
                return rc;
            continue;
        }
        char where[48];
        snprintf(where, sizeof where, "byte %llu", (unsigned long long)(index * sample));
        const uint64_t skipped = s->skipped;
        rc = step(s, where);
        if (rc != WH__EXIT_OK)
            return rc;
        if (s->skipped != skipped)
            continue;
        for (size_t i = 0; i < s->n; i++)
            wh__put_float_le(s->bytes + i * s->word, s->y[i], s->word);
        if (fwrite(s->bytes, 1, sample, stdout) != sample || fflush(stdout) != 0)
            return output_failed(s);
    }
    return wh__checkpoint_exit_status(wh__checkpoint_signal());
}

static int parse_binary(const char *text, size_t *word)
{
    *word = 0;
    if (text == NULL)
        return WH__EXIT_OK;
    if (strcmp(text, "f32") == 0 || strcmp(text, "f64") == 0) {
        *word = text[1] == '3' ? 4 : 8;
        return WH__EXIT_OK;
    }
    fprintf(stderr, "whiten stream: option --binary: expected 'f32' or 'f64', got '%s'\n", text);
    return WH__EXIT_USAGE;
}

/* Options given beside --state replace what the state says. */
static int override(const stream_options *o, wh_net *net, wh__cli_stages *st)
{
    wh_status e = WH_OK;
    if (o->given.ridge)
        st->ridge = o->ridge, st->ridge_seed = o->net.seed;
    if (o->no_center) {
        wh_center_free(st->center);
        st->center = NULL;
    }
    if (o->given.window && st->center != NULL)
        e = wh_center_set_window(st->center, o->center_window);
    if (e == WH_OK && o->given.eta)
        e = wh_net_set_eta(net, o->net.eta);
    if (e != WH_OK)
        return wh__cli_fail("stream", "the state's settings", e);
    return wh__cli_continue_schedule("stream", net, o->given.schedule, o->schedule, o->tau,
                                     o->gamma, o->net.init_scale);
}

static int open_net(const stream_options *o, wh_net **net, wh__cli_stages *st)
{
    if (o->state != NULL) {
        wh__state s;
        int rc = wh__cli_read_state("stream", o->state, &s, net, st);
        if (rc == WH__EXIT_OK) {
            wh__state_free(&s);
            rc = override(o, *net, st);
        }
        return rc;
    }
    if (o->net.n == 0) {
        fprintf(stderr, "whiten stream: give --n (the dimension of a sample) or --state\n");
        return WH__EXIT_USAGE;
    }
    *st = (wh__cli_stages){NULL, false, o->ridge, o->net.seed, NULL, 0};
    int rc = o->no_center ? WH__EXIT_OK
                          : wh__cli_center_running("stream", o->net.n, o->center_window, st);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_make_net("stream", &o->net, net);
    wh_schedule schedule;
    if (rc == WH__EXIT_OK)
        rc = wh__cli_schedule("stream", o->schedule, "constant", o->tau, o->gamma,
                              wh_net_get_kind(*net), o->net.eta, o->net.init_scale, 0, &schedule);
    if (rc == WH__EXIT_OK && wh_net_set_schedule(*net, &schedule) != WH_OK)
        rc = wh__cli_fail("stream", "--schedule", WH_EINVAL);
    return rc;
}

/* Options that describe a new network cannot apply to one read from --state. */
static int refuse_beside_state(const stream_options *o, int argc, char **argv)
{
    static const char *const fixed[] = {"net",    "n",     "k",     "init-scale", "seed",
                                        "solver", "refresh", "K",   "alpha",      "eta-g",
                                        "eta-w",  "frame"};
    if (o->state == NULL) {
        if (o->freeze) {
            fprintf(stderr, "whiten stream: --freeze needs --state (a new network frozen is the "
                            "identity map)\n");
            return WH__EXIT_USAGE;
        }
        return wh__cli_refuse_k_direct("stream", o->net.net, o->net.k);
    }
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        if (wh__options_given(argc, argv, fixed[i])) {
            fprintf(stderr, "whiten stream: option --%s cannot apply beside --state %s (the "
                            "network comes from it)\n", fixed[i], o->state);
            return WH__EXIT_USAGE;
        }
    return WH__EXIT_OK;
}

/* How the stream ended, when it did not end at the end of its input. */
static void say_end(const stream *s, int rc, const char *save_state)
{
    const int signo = rc > 128 ? rc - 128 : 0;
    if (signo != 0)
        fprintf(stderr, "whiten stream: stopped by signal %d after sample %llu\n", signo,
                (unsigned long long)s->samples);
    if (save_state != NULL && rc != WH__EXIT_OK)
        fprintf(stderr, "whiten stream: the network after %llu sample%s saved to %s\n",
                (unsigned long long)s->samples, s->samples == 1 ? "" : "s", save_state);
}

static int run_stream(const stream_options *o, wh__csv_header header)
{
    stream s = {0};
    int rc = parse_binary(o->binary, &s.word);
    if (rc == WH__EXIT_OK)
        rc = open_net(o, &s.net, &s.stages);
    if (rc != WH__EXIT_OK) {
        wh__cli_stages_free(&s.stages);
        return rc;
    }
    s.learn = !o->freeze;
    s.skip = o->skip;
    s.n = wh_net_n(s.net);
    s.x = wh__alloc(s.n, sizeof *s.x);
    s.y = wh__alloc(s.n, sizeof *s.y);
    s.bytes = wh__alloc(s.n * 8, 1);
    if (s.x == NULL || s.y == NULL || s.bytes == NULL)
        rc = wh__cli_fail("stream", "buffers", WH_ENOMEM);
    if (rc == WH__EXIT_OK) {
        wh__checkpoint_catch_all();
        rc = s.word == 0 ? run_text(&s, header) : run_binary(&s);
    }
    if (rc == WH__EXIT_OK && s.samples == 0 && s.skipped == 0 && s.lineno > 0 &&
        s.word == 0) {
        fprintf(stderr, "whiten stream: <stdin>: %zu line%s but no sample (header, blank or "
                        "comment lines only)\n", s.lineno, s.lineno == 1 ? "" : "s");
        rc = WH__EXIT_FAILURE;
    }
    if (s.skipped > 0)
        fprintf(stderr, "whiten stream: skipped %llu bad sample%s of %llu (--on-bad skip); the "
                        "first: %s\n", (unsigned long long)s.skipped, s.skipped == 1 ? "" : "s",
                (unsigned long long)(s.samples + s.skipped), s.first_bad);
    /* What was learned is kept however the stream ended (the network is unchanged by a
     * refused sample). */
    if (s.net != NULL && o->save_state != NULL && s.x != NULL) {
        const int saved = wh__cli_write_state("stream", o->save_state, s.net, &s.stages,
                                                NULL);
        if (saved == WH__EXIT_OK)
            say_end(&s, rc, o->save_state);
        else if (rc == WH__EXIT_OK)
            rc = saved;
    } else if (rc > 128) {
        say_end(&s, rc, NULL);
    }
    wh__cli_stages_free(&s.stages);
    wh__free(s.x);
    wh__free(s.y);
    wh__free(s.bytes);
    wh_net_free(s.net);
    return rc;
}

static int parse_on_bad(const char *text, bool *skip)
{
    *skip = text != NULL && strcmp(text, "skip") == 0;
    if (text == NULL || *skip || strcmp(text, "stop") == 0)
        return WH__EXIT_OK;
    fprintf(stderr, "whiten stream: option --on-bad: expected 'skip' or 'stop', got '%s'\n", text);
    return WH__EXIT_USAGE;
}

int wh__cmd_stream(int argc, char **argv)
{
    stream_options o = {
        .net = wh__cli_net_default(), .center_window = 1000.0, .gamma = WH__CLI_DEFAULT_GAMMA};
    const wh__option table[] = {
        WH__CLI_NET_ROWS(o.net),
        wh__opt_size("n", &o.net.n, 1, 1e6, "dimension of a sample (required without --state)"),
        wh__cli_row_init_scale(&o.net),
        wh__opt_string("binary", &o.binary, "raw input and output: f32 or f64"),
        wh__opt_string("state", &o.state, "start from this state file"),
        wh__opt_string("save-state", &o.save_state,
                       "write the network when the stream ends, however it ends (.npz)"),
        wh__opt_flag("freeze", &o.freeze, "whiten without learning (needs --state)"),
        wh__opt_string(
            "on-bad", &o.on_bad,
            "a bad sample (unparsable, non-finite, diverging): stop (the default) or skip it and "
            "count it"),
        wh__cli_row_header(&o.header),
        wh__cli_row_no_header(&o.no_header),
        wh__opt_flag("no-center", &o.no_center,
                     "do not subtract a running mean (for input centred already)"),
        wh__opt_double(
            "center-window", &o.center_window, 0, WH_CENTER_MAX_WINDOW, 0,
            "samples the running mean averages over (1/t until then; 0: all samples, for a "
            "stationary input)"),
        wh__opt_double("ridge", &o.ridge, 0, 1e12, 0,
                       "whiten C + ridge I: add independent N(0, ridge) noise to each sample"),
        wh__opt_string(
            "schedule", &o.schedule,
            "learning rate: constant (default; keeps tracking statistics that drift or switch) "
            "or decay, eta / (1 + t/tau)^gamma (settles on a stationary input, stops tracking); "
            "with --state it starts now, else the state's schedule goes on"),
        wh__cli_row_tau(&o.tau),
        wh__cli_row_gamma(&o.gamma),
    };
    int rc = wh__options_parse(&stream_help, table, sizeof table / sizeof *table, argc, argv);
    if (rc == WH__PARSE_HELP)
        return WH__EXIT_OK;
    if (rc != WH__PARSE_OK)
        return WH__EXIT_USAGE;
    if (wh__cli_continued_given("stream", argc, argv, o.center_window, &o.given) != WH__EXIT_OK)
        return WH__EXIT_USAGE;
    wh__csv_header header;
    rc = wh__cli_header_mode("stream", o.header, o.no_header, &header);
    if (rc == WH__EXIT_OK)
        rc = parse_on_bad(o.on_bad, &o.skip);
    if (rc == WH__EXIT_OK)
        rc = refuse_beside_state(&o, argc, argv);
    /* A new stream's rate is constant unless --schedule says otherwise; a --state's is its own. */
    if (rc == WH__EXIT_OK)
        rc = wh__cli_refuse_inapplicable(
            "stream", argc, argv, o.state == NULL && o.schedule == NULL ? "constant" : o.schedule,
            &o.net, true);
    static const char *const learning[] = {"eta", "schedule", "tau", "gamma", "ridge"};
    if (rc == WH__EXIT_OK && o.freeze)
        rc = wh__cli_refuse_given("stream", argc, argv, learning, 5,
                                  "shapes learning; --freeze learns nothing");
    if (rc == WH__EXIT_OK && o.binary != NULL && (o.header || o.no_header)) {
        fprintf(stderr, "whiten stream: --header and --no-header are for text input, not "
                        "--binary\n");
        rc = WH__EXIT_USAGE;
    }
    const wh__cli_file files[] = {
        {"state", o.state, false, NULL},
        {"save-state", o.save_state, true, NULL},
    };
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_files("stream", files, sizeof files / sizeof *files);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_npz("stream", "save-state", o.save_state);
    return rc == WH__EXIT_OK ? run_stream(&o, header) : rc;
}
