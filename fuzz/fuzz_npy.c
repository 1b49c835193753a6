/*
 * fuzz_npy.c: libFuzzer harness for the NPY reader. Any byte string must be
 * either decoded or refused with a message; never a crash, a leak or an
 * out-of-bounds read. A decoded array must re-encode, because the tool writes
 * back every matrix it reads.
 */
#include <stdint.h>
#include <stdlib.h>

#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wh__matrix m = {0};
    wh__npy_info info;
    wh__io_error err;
    if (wh__npy_decode(data, size, &m, &info, &err)) {
        wh__buf out = {0};
        if (m.rows > 0 && m.cols > 0 && !wh__npy_encode(&m, 8, 2, &out))
            abort();
        wh__buf_free(&out);
    }
    wh__matrix_free(&m);
    return 0;
}
