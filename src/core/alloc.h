/*
 * alloc.h: the one place libwhiten allocates memory.
 *
 * Every buffer the library owns comes from wh__alloc(), so that a test can
 * make the N-th allocation fail (wh__alloc_fail_at) and prove that every
 * constructor cleans up after itself. The failure counter is thread-local, so
 * a test on one thread never disturbs another.
 */
#ifndef WH_CORE_ALLOC_H
#define WH_CORE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* Zeroed storage for count objects of `size` bytes; NULL on overflow or failure. */
void *wh__alloc(size_t count, size_t size);

/*
 * Resize storage from wh__alloc() (or NULL) to count objects of `size` bytes, as
 * realloc() does: the new tail is not zeroed; NULL on overflow or failure, and then
 * p is left as it was.
 */
void *wh__realloc(void *p, size_t count, size_t size);

/* Release storage from wh__alloc(); NULL is fine. */
void wh__free(void *p);

/* Store a * b in *out; false if the product overflows size_t. */
bool wh__size_mul(size_t a, size_t b, size_t *out);

/*
 * Testing hook: make the allocation `nth` calls from now fail (0 = the very
 * next one); every later allocation succeeds again. WH__ALLOC_NEVER disarms.
 */
#define WH__ALLOC_NEVER ((size_t)-1)
void wh__alloc_fail_at(size_t nth);

/* Testing hook: true if an armed failure has not yet fired. */
bool wh__alloc_armed(void);

/* Testing hook: allocations made by this thread and not yet freed by it. */
long wh__alloc_live(void);

#endif
