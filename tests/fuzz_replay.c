/*
 * fuzz_replay.c: a libFuzzer harness of fuzz/ run as an ordinary test, without
 * libFuzzer. Every seed of the committed corpus is fed whole, cut at every
 * length, and with each byte inverted in turn: truncated and corrupted files
 * (docs/bad-inputs.md, rows 13 and 21) on every test run, under the sanitizers
 * and valgrind as well. The harness aborts when an invariant breaks (a decoded
 * array that does not re-encode, a parser result outside OK, HELP and USAGE);
 * the sanitizers and valgrind report the reads, leaks and undefined behaviour.
 * The option parser prints help by design, so stdout goes to /dev/null; stderr
 * stays, for the sanitizers' and valgrind's reports (and the parser's usage
 * errors, one line each).
 * usage: fuzz_replay_NAME CORPUS_DIR
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The whole of a file in a new buffer (*len bytes); NULL if it cannot be read. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *data = NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)size + 1)) != NULL &&
        fread(data, 1, (size_t)size, f) != (size_t)size) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *len = size >= 0 ? (size_t)size : 0;
    return data;
}

/* Each input is copied to a buffer of its exact size, so a read past its end is caught. */
static void feed(const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL)
        abort();
    memcpy(copy, data, len);
    LLVMFuzzerTestOneInput(copy, len);
    free(copy);
}

/* The seed, every prefix of it, and every one-byte corruption of it: 2 len + 1 inputs. */
static size_t replay(uint8_t *seed, size_t len)
{
    feed(seed, len);
    for (size_t cut = 0; cut < len; cut++)
        feed(seed, cut);
    for (size_t i = 0; i < len; i++) {
        seed[i] ^= 0xff;
        feed(seed, len);
        seed[i] ^= 0xff;
    }
    return 2 * len + 1;
}

int main(int argc, char **argv)
{
    DIR *dir = argc == 2 ? opendir(argv[1]) : NULL;
    if (dir == NULL || freopen("/dev/null", "w", stdout) == NULL) {
        fprintf(stderr, "usage: fuzz_replay CORPUS_DIR (a readable folder of seeds)\n");
        return 2;
    }
    size_t seeds = 0, inputs = 0;
    int rc = 0;
    char path[4096];
    for (struct dirent *e; rc == 0 && (e = readdir(dir)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
        size_t len;
        uint8_t *seed = slurp(path, &len);
        if (seed == NULL) {
            fprintf(stderr, "fuzz_replay: cannot read %s\n", path);
            rc = 1;
            continue;
        }
        inputs += replay(seed, len);
        seeds++;
        free(seed);
    }
    closedir(dir);
    /* A folder without seeds would make this test pass without testing anything. */
    if (rc == 0 && seeds == 0) {
        fprintf(stderr, "fuzz_replay: no seeds in %s\n", argv[1]);
        rc = 1;
    } else if (rc == 0) {
        fprintf(stderr, "fuzz_replay: %zu inputs from %zu seeds in %s, no failure\n", inputs, seeds,
                argv[1]);
    }
    return rc;
}
