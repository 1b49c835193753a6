/*
 * options.h: option structs that can grow (docs/abi.md, "Structs that grow").
 *
 * Every public option struct starts with `size_t size`, the struct's size as the
 * caller was compiled. Its defaults function is a macro over wh_*_init(opts,
 * sizeof *opts), so the library writes only the bytes the caller has, and its
 * constructor reads only those: fields the caller's header did not have yet keep
 * the library's defaults, and a caller built against a newer header may pass a
 * longer struct whose unknown fields are all zero.
 */
#ifndef WH_CORE_OPTIONS_H
#define WH_CORE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* Write the library's defaults (ours bytes, whose size field is ignored) into a caller's
 * struct of `size` bytes: those bytes only, the size field set to size, zeros beyond ours.
 * Nothing if opts is NULL or size cannot hold the size field. */
void wh__options_write(void *opts, size_t size, const void *defaults, size_t ours);

/* The caller's struct `opts` over the defaults already in `full` (ours bytes): false if
 * its size is below `minimum` (the first version's size, or a struct never given its
 * defaults) or if it is longer than ours with a non-zero byte beyond ours (a field this
 * library does not know, set). full's size field becomes ours. */
bool wh__options_read(const void *opts, size_t ours, size_t minimum, void *full);

#endif
