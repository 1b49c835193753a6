/*
 * fuzz_repro_ckpt.c: libFuzzer harness for the checkpoint reader of
 * `whiten reproduce` (a stored zip holding checkpoint.json, src/io/repro_ckpt.c).
 * A checkpoint that decodes must encode again and decode to the same options,
 * experiments, flags and value bits: `reproduce --resume` relies on it.
 *
 * The zip's CRC-32 would reject nearly every mutation before the JSON is
 * read, so the first byte picks the layer: even, the rest goes to the decoder
 * as it is (the zip layer); odd, the rest is wrapped as checkpoint.json in a
 * valid stored zip first (the JSON layer). The seeds cover both.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_sweep(const wh__repro_sweep *a, const wh__repro_sweep *b)
{
    if (strcmp(a->experiment, b->experiment) != 0 || a->index != b->index ||
        a->count != b->count || a->width != b->width ||
        memcmp(a->done, b->done, a->count) != 0 ||
        memcmp(a->values, b->values, a->count * a->width * sizeof *a->values) != 0)
        abort();
}

static void round_trip(const wh__repro_ckpt *c)
{
    wh__buf out = {0};
    wh__repro_ckpt again = {0};
    wh__io_error err;
    if (!wh__repro_ckpt_encode(c, "fuzz", &out) ||
        !wh__repro_ckpt_decode(out.data, out.len, &again, &err))
        abort();
    /* "seconds" (the report's timing line only) is a JSON number, which cJSON prints
     * with 15 digits when they read back within about an ulp; results are hex bits. */
    if (again.options != c->options || again.finished != c->finished ||
        again.sweeps != c->sweeps || again.sessions != c->sessions ||
        !(fabs(again.seconds - c->seconds) <= 4 * DBL_EPSILON * c->seconds))
        abort();
    for (size_t i = 0; i < c->options; i++)
        if (strcmp(again.option_name[i], c->option_name[i]) != 0 ||
            strcmp(again.option_value[i], c->option_value[i]) != 0)
            abort();
    for (size_t i = 0; i < c->sweeps; i++)
        same_sweep(&c->sweep[i], &again.sweep[i]);
    wh__repro_ckpt_free(&again);
    wh__buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    wh__buf zip = {0};
    const unsigned char *bytes = data + 1;
    size_t len = size - 1;
    if (data[0] & 1) {
        const wh__zip_entry entry = {"checkpoint.json", data + 1, size - 1};
        if (!wh__zip_encode(&entry, 1, &zip))
            abort();
        bytes = zip.data;
        len = zip.len;
    }
    wh__repro_ckpt c = {0};
    wh__io_error err;
    if (wh__repro_ckpt_decode(bytes, len, &c, &err))
        round_trip(&c);
    wh__repro_ckpt_free(&c);
    wh__buf_free(&zip);
    return 0;
}
