/*
 * whiten.h: adaptive statistical whitening by recurrent neural networks.
 *
 * libwhiten implements the two circuits of Lipshutz, Pehlevan and Chklovskii,
 * "Interneurons accelerate learning dynamics in recurrent neural networks for
 * statistical adaptation" (ICLR 2023): direct recurrent connections, and
 * recurrence through interneurons. Include this one header.
 */
#ifndef WHITEN_H
#define WHITEN_H

#include "whiten/center.h"
#include "whiten/flow.h"
#include "whiten/gain.h"
#include "whiten/metrics.h"
#include "whiten/network.h"
#include "whiten/source.h"
#include "whiten/status.h"
#include "whiten/version.h"

#endif
