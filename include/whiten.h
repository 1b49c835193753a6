/*
 * whiten.h: adaptive statistical whitening by recurrent neural networks.
 *
 * libwhiten implements the two circuits of Lipshutz, Pehlevan and Chklovskii,
 * "Interneurons accelerate learning dynamics in recurrent neural networks for
 * statistical adaptation" (ICLR 2023): direct recurrent connections, and
 * recurrence through interneurons. Include this one header.
 *
 * NULL. One rule for every public function (tests/test_null.c checks each one, and
 * tests/null_complete.sh that none is missing):
 *   - A call that returns a wh_status returns WH_EINVAL when a pointer it needs (the
 *     handle, an input, an output) is NULL, and changes nothing; a constructor also sets
 *     *out = NULL when `out` itself is not NULL.
 *   - A call that returns nothing (wh_*_free, wh_*_default, wh_center_subtract,
 *     wh_source_next, wh_running_cov_update, ...) does nothing.
 *   - A query of a NULL handle returns a neutral value: 0 for a count or size, NULL for a
 *     pointer, NaN for a real number, false for a flag, and the zero enumerator for an
 *     enum (WH_NET_DIRECT, WH_SOLVER_AUTO, a constant schedule).
 * A pointer documented as optional ("may be NULL": a wh_step_info, the outputs y and z,
 * the centring of wh_inverse, ...) is simply not used when NULL.
 */
#ifndef WHITEN_H
#define WHITEN_H

#include "whiten/average.h"
#include "whiten/center.h"
#include "whiten/flow.h"
#include "whiten/gain.h"
#include "whiten/metrics.h"
#include "whiten/network.h"
#include "whiten/source.h"
#include "whiten/status.h"
#include "whiten/version.h"

#endif
