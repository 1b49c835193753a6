/*
 * fuzz_state.c: libFuzzer harness for the state-file reader (a zip of
 * meta.json and NPY arrays, docs/state-format.md). A state that decodes must
 * encode again and decode to the same sizes: `--resume` relies on it.
 */
#include <stdint.h>
#include <stdlib.h>

#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const wh__state *s)
{
    wh__buf out = {0};
    wh__state again = {0};
    wh__io_error err;
    if (!wh__state_encode(s, "fuzz", &out))
        abort();
    if (!wh__state_decode(out.data, out.len, &again, &err) || again.n != s->n ||
        again.k != s->k || again.samples != s->samples)
        abort();
    wh__state_free(&again);
    wh__buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wh__state s = {0};
    wh__io_error err;
    if (wh__state_decode(data, size, &s, &err))
        round_trip(&s);
    wh__state_free(&s);
    return 0;
}
