/*
 * stages.h: what the command line puts around a network: centring before it
 * (src/center/), the --ridge noise, the initial scale taken from the data, and
 * advice for a network that diverged.
 *
 * Shared by fit, simulate --data, apply and stream, so that each applies the
 * same stages in the same order: fold the sample into the running mean (when
 * learning), subtract the mean, add the ridge noise (when learning), then the
 * network.
 */
#ifndef WH_CLI_STAGES_H
#define WH_CLI_STAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/io.h"
#include "whiten.h"

typedef struct wh__cli_stages {
    wh_center *center;   /* NULL: the data are not centred (--no-center) */
    bool mean_frozen;    /* learning leaves the mean as it is (apply --learn on a fit's state) */
    double ridge;        /* variance of the N(0, ridge) noise added to each learned sample */
    uint64_t ridge_seed; /* seed of that noise (a pure function of seed and sample index) */
    double *before;      /* the mean before the last sample joined it (wh__cli_stages_undo) */
    uint64_t before_samples;
} wh__cli_stages;

/* Take the last sample back out of the running mean, after the network refused it. */
void wh__cli_stages_undo(wh__cli_stages *st);

void wh__cli_stages_free(wh__cli_stages *st);

/*
 * fit and simulate --data: the exact mean of X subtracted from X in place and
 * kept in st->center (window 0, samples = rows), unless no_center. Returns an
 * exit status (printing the reason on failure).
 */
int wh__cli_center_file(const char *command, wh__matrix *X, bool no_center, wh__cli_stages *st);

/* stream: a running mean over `window` samples (0: all of them) in st->center. */
int wh__cli_center_running(const char *command, size_t n, double window, wh__cli_stages *st);

/*
 * What the network sees of sample x (n values) into out (n values; may be x):
 * when learning (and the mean is not frozen), x first joins the running mean;
 * then the mean is subtracted;
 * when learning with a ridge, the noise of sample `index` (the network's count)
 * is added. WH_ENONFINITE if x has a NaN or infinity.
 */
wh_status wh__cli_stages_input(wh__cli_stages *st, bool learn, uint64_t index, size_t n,
                               const double *x, double *out);

/* Rows of the data from which --init-scale auto takes the scale. */
#define WH__INIT_SCALE_ROWS 1000

/*
 * --init-scale: a number > 0, or "auto": the root mean square of the channels
 * of the first WH__INIT_SCALE_ROWS (centred) rows of X, sqrt(trace(C)/n), so
 * that M0 = alpha I has the size of C^{1/2}. X NULL (no data yet): "auto" is
 * refused. Exit status.
 */
int wh__cli_init_scale(const char *command, const char *text, const wh__matrix *X,
                       double *alpha);

/*
 * Advice for a network whose M lost positive definiteness, from what is known
 * of the data: lo and hi, the smallest and largest eigenvalues of the inputs'
 * covariance (NaN when unknown). The direct network moves M's eigenvalues by
 * about eta per sample, so it needs eta well below sqrt(lo) whatever the
 * initial scale; an initial scale far below sqrt(hi) makes the first outputs
 * large and the first steps overshoot.
 */
void wh__cli_divergence_advice(char *buf, size_t size, wh_net_kind kind, double eta,
                               double alpha, double lo, double hi);

/* A whitening error above this at the end of a fit is reported with advice. */
#define WH__CLI_UNCONVERGED 0.25

/*
 * Advice for a fit that ended with whitening error `error` above WH__CLI_UNCONVERGED
 * (else false, buf untouched), from what is known of the data (hi: the largest eigenvalue
 * of its covariance). The direct network's modes relax at rate 2 / sqrt(lambda) (science.md
 * §3), so on data of a large scale it needs proportionally more samples at any eta below 1;
 * the interneurons' do not depend on the scale. An initial scale alpha far from the data's
 * costs time (linear in the ratio for the direct network, logarithmic for interneurons); a
 * large eta leaves a high noise floor.
 */
bool wh__cli_unconverged_advice(char *buf, size_t size, wh_net_kind kind, double eta,
                                double alpha, double error, double hi);

/*
 * The learning-rate schedule of the options --schedule (constant or decay;
 * NULL: `fallback`), --tau (samples; 0: automatic) and --gamma, for a network
 * of `kind` with base rate eta and initial scale alpha, decaying from sample
 * `start` on. The automatic tau makes eta * tau, the rate's 1/t constant, 1
 * for the interneurons (whose modes relax at rate 4 whatever the data's scale)
 * and alpha for the direct network (whose modes relax at 2 / sqrt(lambda)): large enough
 * that the estimate converges like the mean of the samples seen, at no loss of
 * stability, since the rate never exceeds eta. Exit status.
 */
int wh__cli_schedule(const char *command, const char *kind, const char *fallback, double tau,
                     double gamma, wh_net_kind net, double eta, double alpha, uint64_t start,
                     wh_schedule *out);

/*
 * A network continued (stream --state, apply --learn) takes the options' schedule when
 * --schedule, --tau or --gamma is given (`given`; --tau or --gamma alone mean decay),
 * starting at its own samples count; otherwise it keeps the saved one. Exit status.
 */
int wh__cli_continue_schedule(const char *command, wh_net *net, bool given, const char *kind,
                              double tau, double gamma, double alpha);

/* Whether --schedule, --tau or --gamma is on the command line (a continued network then
 * takes the options' schedule). */
bool wh__cli_schedule_given(int argc, char **argv);

/* A continued network's --center-window: 0 (keep the saved mean) or at least one sample;
 * anything between is refused with a message. Exit status. */
int wh__cli_check_center_window(const char *command, double window);

/* The options that replace what a continued network's state says (stream --state,
 * apply --learn), as argv gives them or not. */
typedef struct wh__cli_continued {
    bool eta, ridge, window; /* --eta, --ridge, --center-window */
    bool schedule;           /* --schedule, --tau or --gamma (wh__cli_schedule_given) */
} wh__cli_continued;

/* Which of them argv gives, and --center-window checked (wh__cli_check_center_window).
 * Exit status. */
int wh__cli_continued_given(const char *command, int argc, char **argv, double center_window,
                            wh__cli_continued *given);

/* "constant", or "decay (tau T, gamma G)" for messages. */
const char *wh__cli_schedule_text(char *buf, size_t size, const wh_schedule *s);

#endif
