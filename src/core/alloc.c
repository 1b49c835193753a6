#include "core/alloc.h"

#include <stdint.h>
#include <stdlib.h>

static _Thread_local size_t fail_countdown = WH__ALLOC_NEVER;
static _Thread_local long live_count;

bool wh__size_mul(size_t a, size_t b, size_t *out)
{
    if (b != 0 && a > SIZE_MAX / b)
        return false;
    *out = a * b;
    return true;
}

void wh__alloc_fail_at(size_t nth)
{
    fail_countdown = nth;
}

long wh__alloc_live(void)
{
    return live_count;
}

bool wh__alloc_armed(void)
{
    return fail_countdown != WH__ALLOC_NEVER;
}

/* True if the armed failure fires on this allocation (the countdown reached it). */
static bool injected_failure(void)
{
    if (fail_countdown == WH__ALLOC_NEVER)
        return false;
    if (fail_countdown == 0) {
        fail_countdown = WH__ALLOC_NEVER;
        return true;
    }
    fail_countdown--;
    return false;
}

void *wh__alloc(size_t count, size_t size)
{
    size_t bytes;
    if (!wh__size_mul(count, size, &bytes) || injected_failure())
        return NULL;
    /* calloc(0) may return NULL; ask for one byte so that NULL always means failure. */
    void *p = calloc(bytes == 0 ? 1 : count, bytes == 0 ? 1 : size);
    live_count += p != NULL;
    return p;
}

void *wh__realloc(void *p, size_t count, size_t size)
{
    size_t bytes;
    if (!wh__size_mul(count, size, &bytes) || injected_failure())
        return NULL;
    void *q = realloc(p, bytes == 0 ? 1 : bytes);
    live_count += p == NULL && q != NULL;
    return q;
}

void wh__free(void *p)
{
    live_count -= p != NULL;
    free(p);
}
