/*
 * options.c: option structs that can grow (core/options.h).
 */
#include "core/options.h"

#include <string.h>

static size_t size_of(const void *opts)
{
    size_t size;
    memcpy(&size, opts, sizeof size);
    return size;
}

void wh__options_write(void *opts, size_t size, const void *defaults, size_t ours)
{
    if (opts == NULL || size < sizeof(size_t))
        return;
    memcpy(opts, defaults, size < ours ? size : ours);
    if (size > ours)
        memset((char *)opts + ours, 0, size - ours);
    memcpy(opts, &size, sizeof size);
}

bool wh__options_read(const void *opts, size_t ours, size_t minimum, void *full)
{
    const size_t size = size_of(opts);
    if (size < minimum)
        return false;
    for (size_t i = ours; i < size; i++)
        if (((const unsigned char *)opts)[i] != 0)
            return false;
    memcpy(full, opts, size < ours ? size : ours);
    memcpy(full, &ours, sizeof ours);
    return true;
}
