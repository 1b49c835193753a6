/* whiten/visibility.h: marks the symbols libwhiten exports. */
#ifndef WHITEN_VISIBILITY_H
#define WHITEN_VISIBILITY_H

#if defined(__GNUC__) || defined(__clang__)
#define WH_API __attribute__((visibility("default")))
#else
#define WH_API
#endif

/* A call kept one release under an old name (docs/abi.md): a warning at the caller. */
#if defined(__GNUC__) || defined(__clang__)
#define WH_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#define WH_DEPRECATED(msg)
#endif

#endif
