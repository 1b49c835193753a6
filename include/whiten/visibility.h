/* whiten/visibility.h: marks the symbols libwhiten exports. */
#ifndef WHITEN_VISIBILITY_H
#define WHITEN_VISIBILITY_H

#if defined(__GNUC__) || defined(__clang__)
#define WH_API __attribute__((visibility("default")))
#else
#define WH_API
#endif

#endif
