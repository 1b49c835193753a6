/*
 * whiten/source.h: seeded synthetic inputs with known covariance.
 *
 * A source draws centred Gaussian samples x = L g, g ~ N(0, I), where
 * L L^T = C is the Cholesky factor of the current context's covariance. It
 * cycles through a list of covariances ("contexts"), moving on every
 * `switch_every` samples: sample t (counting from 0) comes from context
 * (t / switch_every) mod contexts. The same seed gives the same stream, bit
 * for bit, on every run.
 */
#ifndef WHITEN_SOURCE_H
#define WHITEN_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "whiten/status.h"
#include "whiten/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A covariance C = U diag(lambda) U^T. lambda is either given (n positive
 * values) or, when eigenvalues is NULL, log-spaced from lo to hi inclusive
 * (lambda_i = lo (hi/lo)^{i/(n-1)}; lo alone when n = 1). U is the identity,
 * or Haar-random drawn from `seed` when `rotate` is set.
 */
typedef struct wh_spectrum {
    size_t n;
    const double *eigenvalues; /* n values > 0, or NULL for log-spacing; not owned */
    double lo, hi;             /* 0 < lo <= hi, used when eigenvalues is NULL */
    bool rotate;
    uint64_t seed;
} wh_spectrum;

/*
 * Write the covariance described by `spec` into C (n x n, leading dimension
 * ldc >= n). Statuses: WH_EINVAL, WH_EDIM, WH_ENOTPD (a non-positive
 * eigenvalue or bound), WH_ENONFINITE, WH_ENOMEM, WH_ELINALG.
 */
WH_API wh_status wh_covariance_from_spectrum(const wh_spectrum *spec, double *C, size_t ldc);

/*
 * A family of contexts sharing one basis (science.md §7 fact 4; Duong et al.,
 * NeurIPS 2023): V a Haar-random n x n orthogonal matrix drawn from `seed`,
 * and for each context c sparse random gains lambda_c (each entry uniform on
 * [0, lambda_max] with probability `keep`, else 0), giving
 *   S_c = I + V diag(lambda_c) V^T,   C_c = S_c^T S_c = S_c^2.
 * Then W = V, g = lambda_c, alpha = 1 whitens context c exactly (C_c^{1/2} =
 * S_c), so a gains-plus-synapses circuit can learn V from the sequence.
 */
typedef struct wh_context_spec {
    size_t size; /* this struct's size as the caller was compiled: set by the defaults
                  * macro (docs/abi.md, "Structs that grow"); do not set it by hand */
    size_t n;           /* dimension; >= 1 */
    size_t contexts;    /* >= 1 (default 64) */
    double lambda_max;  /* > 0 (default 10) */
    double keep;        /* probability an entry of lambda_c is drawn, in (0, 1] (default 0.5) */
    uint64_t seed;      /* seeds V, then the lambdas (default 1) */
} wh_context_spec;

/* Defaults: n = 0 (not set: the caller must give it), 64 contexts, lambda_max = 10,
 * keep = 0.5, seed 1. */
WH_API void wh_context_spec_default(wh_context_spec *spec);
/* The defaults into `size` bytes (as wh_net_options_init); the defaults function is a macro
 * for it with the caller's sizeof. */
WH_API void wh_context_spec_init(wh_context_spec *spec, size_t size);
#define wh_context_spec_default(spec) wh_context_spec_init((spec), sizeof(wh_context_spec))

/*
 * Draw a context family. V (n x n, leading dimension ldv; NULL if not wanted)
 * receives the basis, its columns the shared directions; lambdas (contexts x
 * n, NULL if not wanted) the gains; C (contexts matrices n x n one after
 * another, leading dimension n; required) the covariances, ready for
 * wh_source_options.covariances (a source then presents them in turn,
 * `switch_every` samples each). Statuses: WH_EINVAL (NULL spec or C, ldv < n,
 * contexts = 0, lambda_max <= 0, keep outside (0, 1]), WH_EDIM, WH_ENONFINITE,
 * WH_EOVERFLOW, WH_ENOMEM, WH_ELINALG. src/source/contexts.c.
 */
WH_API wh_status wh_context_family(const wh_context_spec *spec, double *V, size_t ldv,
                                   double *lambdas, double *C);

typedef struct wh_source_options {
    size_t size; /* this struct's size as the caller was compiled: set by the defaults
                  * macro (docs/abi.md, "Structs that grow"); do not set it by hand */
    size_t n;                   /* dimension of a sample; >= 1 */
    size_t contexts;            /* how many covariances (>= 1; default 1) */
    const double *covariances;  /* `contexts` matrices n x n, one after another,
                                   each row-major with leading dimension n,
                                   symmetric positive definite; copied */
    uint64_t switch_every;      /* samples per context; 0 = never switch */
    uint64_t seed;              /* seeds the Gaussian draws */
} wh_source_options;

typedef struct wh_source wh_source;

/* Defaults: n = 0 and no covariances (the caller must give both), one context, seed 1. */
WH_API void wh_source_options_default(wh_source_options *opts);
/* The defaults into `size` bytes (as wh_net_options_init); the defaults function is a macro
 * for it with the caller's sizeof. */
WH_API void wh_source_options_init(wh_source_options *opts, size_t size);
#define wh_source_options_default(opts) wh_source_options_init((opts), sizeof(wh_source_options))

/*
 * Validate and build a source. Statuses: WH_EINVAL (NULL covariances), WH_EDIM,
 * WH_ENONFINITE, WH_ENOTSYM, WH_ENOTPD (a covariance not positive definite),
 * WH_EOVERFLOW, WH_ENOMEM.
 */
WH_API wh_status wh_source_new(const wh_source_options *opts, wh_source **out);

WH_API void wh_source_free(wh_source *src);

/*
 * Draw the next sample into x (n values). If context is not NULL it receives
 * the index of the context the sample came from. Allocates nothing.
 */
WH_API void wh_source_next(wh_source *src, double *x, size_t *context);

/* The context that sample t (counting from 0) comes from. */
WH_API size_t wh_source_context_at(const wh_source *src, uint64_t t);

/* Covariance of a context (n x n, leading dimension n), owned by the source. */
WH_API const double *wh_source_covariance(const wh_source *src, size_t context);

WH_API size_t wh_source_n(const wh_source *src);
WH_API size_t wh_source_contexts(const wh_source *src);
WH_API uint64_t wh_source_samples(const wh_source *src);

/*
 * The random state of a source, for continuing its stream bit for bit in a
 * later run: the 624 words of its MT19937 generator and the generator's
 * position (625 words in all), plus the samples drawn so far (which fixes the
 * context). Portable across hosts: words are 32-bit whatever `unsigned long` is.
 * The generator is the library's own MT19937 (src/core/rng.c), which gives the
 * sequence of GSL's gsl_rng_mt19937 for the same seed; the words are the state
 * MT19937's definition has, not a copy of any library's memory layout.
 */
#define WH_SOURCE_STATE_WORDS 625

/* Copy the state out. WH_EINVAL for a NULL argument. */
WH_API wh_status wh_source_get_state(const wh_source *src, uint32_t words[WH_SOURCE_STATE_WORDS],
                                     uint64_t *samples);

/*
 * Resume from a saved state. The source must have been built with the same
 * options (covariances, switch_every); only the random stream and sample count
 * are restored. WH_EINVAL (and nothing changes) if the position word is above
 * 624, or if the generator's 19937 state bits (the top bit of word 0 and words
 * 1 to 623) are all zero: MT19937 would then emit nothing but zeros.
 */
WH_API wh_status wh_source_set_state(wh_source *src, const uint32_t words[WH_SOURCE_STATE_WORDS],
                                     uint64_t samples);

#ifdef __cplusplus
}
#endif

#endif
