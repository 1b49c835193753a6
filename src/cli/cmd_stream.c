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

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/data.h"
#include "cli/options.h"
#include "core/alloc.h"

typedef struct stream_options {
    wh__cli_net net;
    const char *binary, *state, *save_state;
    bool freeze;
} stream_options;

/* What a stream needs while it runs. */
typedef struct stream {
    wh_net *net;
    bool learn;
    size_t n, word; /* word 0: text */
    double *x, *y;
    unsigned char *bytes;
} stream;

static const wh__command_help stream_help = {
    "stream",
    "Whiten samples from standard input as they arrive, learning all the while, and\n"
    "write each whitened sample to standard output at once.",
    "Text input: one sample per line, n numbers separated by commas or spaces; blank\n"
    "lines, '#' comments and a header before the first sample are skipped. Output: one\n"
    "line of n comma-separated numbers (shortest text that reads back exactly), flushed\n"
    "per sample. --binary f32|f64: raw little-endian floats in and out, n per sample.\n"
    "--state starts from a saved network (then --net, --n, --k, --eta and --init-scale\n"
    "come from it); --save-state writes the network when the input ends.",
    "sensor | whiten stream --net interneuron --n 8 --eta 1e-3 | consumer",
};

static int step(stream *s, uint64_t index)
{
    wh_status st = s->learn ? wh_net_step(s->net, s->x, s->y, NULL, NULL)
                            : wh_net_respond(s->net, s->x, s->y, NULL, NULL);
    if (st != WH_OK) {
        fprintf(stderr, "whiten stream: sample %llu: %s (%s)\n", (unsigned long long)index + 1,
                wh_status_message(st), wh_status_name(st));
        return WH__EXIT_FAILURE;
    }
    return WH__EXIT_OK;
}

static int emit_text(const stream *s)
{
    char text[WH__DOUBLE_TEXT];
    for (size_t i = 0; i < s->n; i++)
        printf("%s%c", wh__format_double(text, s->y[i]), i + 1 < s->n ? ',' : '\n');
    return fflush(stdout) == 0 ? WH__EXIT_OK : WH__EXIT_FAILURE;
}

/* Each line may use commas or spaces; a header is allowed before the first sample. */
static int text_line(stream *s, const char *line, size_t len, size_t lineno, uint64_t *samples)
{
    size_t count;
    wh__io_error err = {0};
    wh__csv_sep sep = WH__CSV_AUTO;
    if (*samples == 0 && wh__csv_is_header(line, len))
        return WH__EXIT_OK;
    if (!wh__csv_line(line, len, lineno, &sep, s->x, s->n, &count, &err)) {
        fprintf(stderr, "whiten stream: <stdin>: %s\n", err.message);
        return WH__EXIT_FAILURE;
    }
    if (count == 0)
        return WH__EXIT_OK;
    if (count != s->n) {
        fprintf(stderr,
                "whiten stream: <stdin>: line %zu, column 1: %zu value%s, expected n = %zu\n",
                lineno, count, count == 1 ? "" : "s", s->n);
        return WH__EXIT_FAILURE;
    }
    int rc = step(s, (*samples)++);
    return rc == WH__EXIT_OK ? emit_text(s) : rc;
}

static int run_text(stream *s)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    uint64_t samples = 0;
    ssize_t len;
    int rc = WH__EXIT_OK;
    while (rc == WH__EXIT_OK && (len = getline(&line, &cap, stdin)) >= 0) {
        const size_t n = (size_t)len > 0 && line[len - 1] == '\n' ? (size_t)len - 1 : (size_t)len;
        rc = text_line(s, line, n, ++lineno, &samples);
    }
    free(line); /* from getline(), not wh__alloc */
    return rc;
}

/* s->bytes into s->x, refusing NaN and infinities as every reader does. */
static int decode_sample(stream *s, uint64_t index)
{
    for (size_t i = 0; i < s->n; i++) {
        s->x[i] = wh__get_float(s->bytes + i * s->word, s->word, false);
        if (!isfinite(s->x[i])) {
            fprintf(stderr,
                    "whiten stream: <stdin>: byte %llu: sample %llu, value %zu is %s; NaN "
                    "and Inf are refused\n",
                    (unsigned long long)(index * s->n * s->word + i * s->word),
                    (unsigned long long)index + 1, i + 1, isnan(s->x[i]) ? "NaN" : "infinite");
            return WH__EXIT_FAILURE;
        }
    }
    return WH__EXIT_OK;
}

static int run_binary(stream *s)
{
    const size_t sample = s->n * s->word;
    uint64_t samples = 0;
    for (;;) {
        const size_t got = fread(s->bytes, 1, sample, stdin);
        if (got == 0)
            return ferror(stdin) ? WH__EXIT_FAILURE : WH__EXIT_OK;
        if (got < sample) {
            fprintf(stderr,
                    "whiten stream: <stdin>: byte %llu: input ends inside a sample "
                    "(%zu of %zu bytes)\n",
                    (unsigned long long)(samples * sample + got), got, sample);
            return WH__EXIT_FAILURE;
        }
        if (decode_sample(s, samples) != WH__EXIT_OK)
            return WH__EXIT_FAILURE;
        int rc = step(s, samples++);
        for (size_t i = 0; rc == WH__EXIT_OK && i < s->n; i++)
            wh__put_float_le(s->bytes + i * s->word, s->y[i], s->word);
        if (rc != WH__EXIT_OK || fwrite(s->bytes, 1, sample, stdout) != sample || fflush(stdout))
            return WH__EXIT_FAILURE;
    }
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

static int open_net(const stream_options *o, wh_net **net)
{
    if (o->state != NULL) {
        wh__state s;
        int rc = wh__cli_read_state("stream", o->state, &s, net);
        if (rc == WH__EXIT_OK)
            wh__state_free(&s);
        return rc;
    }
    if (o->net.n == 0) {
        fprintf(stderr, "whiten stream: give --n (the dimension of a sample) or --state\n");
        return WH__EXIT_USAGE;
    }
    return wh__cli_make_net("stream", &o->net, net);
}

static int run_stream(const stream_options *o)
{
    stream s = {0};
    int rc = parse_binary(o->binary, &s.word);
    if (rc == WH__EXIT_OK)
        rc = open_net(o, &s.net);
    if (rc != WH__EXIT_OK)
        return rc;
    s.learn = !o->freeze;
    s.n = wh_net_n(s.net);
    s.x = wh__alloc(s.n, sizeof *s.x);
    s.y = wh__alloc(s.n, sizeof *s.y);
    s.bytes = wh__alloc(s.n * 8, 1);
    if (s.x == NULL || s.y == NULL || s.bytes == NULL)
        rc = wh__cli_fail("stream", "buffers", WH_ENOMEM);
    if (rc == WH__EXIT_OK)
        rc = s.word == 0 ? run_text(&s) : run_binary(&s);
    if (rc == WH__EXIT_OK && o->save_state != NULL)
        rc = wh__cli_write_state("stream", o->save_state, s.net, NULL);
    wh__free(s.x);
    wh__free(s.y);
    wh__free(s.bytes);
    wh_net_free(s.net);
    return rc;
}

int wh__cmd_stream(int argc, char **argv)
{
    stream_options o = {{"interneuron", 0, 0, 1e-3, 1.0, 1, NULL, 0}, NULL, NULL, NULL, false};
    const wh__option table[] = {
        {"net", WH__OPT_STRING, &o.net.net, 0, 0, 0, "network: direct or interneuron"},
        {"n", WH__OPT_SIZE, &o.net.n, 1, 1e6, 0,
         "dimension of a sample (required without --state)"},
        {"k", WH__OPT_SIZE, &o.net.k, 0, 1e6, 0, "interneurons (0: k = n)"},
        {"eta", WH__OPT_DOUBLE, &o.net.eta, 0, 1, WH__OPEN_MIN | WH__OPEN_MAX, "learning rate"},
        {"init-scale", WH__OPT_DOUBLE, &o.net.init_scale, 0, 1e12, WH__OPEN_MIN,
         "initial M0 = init-scale * I"},
        {"seed", WH__OPT_U64, &o.net.seed, 0, 1.8e19, 0, "seed of the interneuron mixing"},
        {"solver", WH__OPT_STRING, &o.net.solver, 0, 0, 0,
         "auto, exact (a Cholesky factor per sample) or fast (O(n^2) per sample)"},
        {"refresh", WH__OPT_SIZE, &o.net.refresh, 0, 1e9, 0,
         "fast solver: samples between exact steps (0: its default)"},
        {"binary", WH__OPT_STRING, &o.binary, 0, 0, 0, "raw input and output: f32 or f64"},
        {"state", WH__OPT_STRING, &o.state, 0, 0, 0, "start from this state file"},
        {"save-state", WH__OPT_STRING, &o.save_state, 0, 0, 0, "write the network at the end"},
        {"freeze", WH__OPT_FLAG, &o.freeze, 0, 0, 0, "whiten without learning"},
    };
    int rc = wh__options_parse(&stream_help, table, sizeof table / sizeof *table, argc, argv);
    if (rc == WH__PARSE_HELP)
        return WH__EXIT_OK;
    if (rc != WH__PARSE_OK)
        return WH__EXIT_USAGE;
    const wh__cli_file files[] = {
        {"state", o.state, false, NULL},
        {"save-state", o.save_state, true, NULL},
    };
    rc = wh__cli_check_files("stream", files, sizeof files / sizeof *files);
    if (rc == WH__EXIT_OK)
        rc = wh__cli_check_npz("stream", "save-state", o.save_state);
    return rc == WH__EXIT_OK ? run_stream(&o) : rc;
}
