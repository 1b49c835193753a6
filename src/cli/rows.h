/*
 * rows.h: the option rows that several commands share, each written once.
 *
 * A command's table (cli/options.h) lists these beside its own rows, bound to
 * its own option struct: one name, one range and one help text per option
 * wherever it appears. The values a row shows as its default are those the
 * command's struct holds when it parses, which the network's rows take from
 * the library's defaults (wh__cli_net_default, cli/data.h).
 */
#ifndef WH_CLI_ROWS_H
#define WH_CLI_ROWS_H

#include "cli/checkpoint.h"
#include "cli/data.h"
#include "cli/options.h"

/*
 * The network a learning command builds (fit, simulate, stream): --net, the gain
 * circuits' --K, --alpha, --eta-g, --eta-w and --frame, then --k, --eta, --seed,
 * --solver and --refresh, in that order.
 */
#define WH__CLI_NET_ROWS(net)                                                                      \
    wh__cli_row_net(&(net)), WH__CLI_GAIN_ROWS(net), wh__cli_row_k(&(net)),                        \
        wh__cli_row_eta(&(net)), wh__cli_row_seed(&(net)), wh__cli_row_solver(&(net)),             \
        wh__cli_row_refresh(&(net))

/* The gain circuits' rows alone (science.md §7), for flow's gain flow too. */
#define WH__CLI_GAIN_ROWS(net)                                                                     \
    wh__cli_row_gain_k(&(net)), wh__cli_row_alpha(&(net)), wh__cli_row_eta_g(&(net)),              \
        wh__cli_row_eta_w(&(net)), wh__cli_row_frame(&(net))

wh__option wh__cli_row_net(wh__cli_net *net);
wh__option wh__cli_row_gain_k(wh__cli_net *net);
wh__option wh__cli_row_alpha(wh__cli_net *net);
wh__option wh__cli_row_eta_g(wh__cli_net *net);
wh__option wh__cli_row_eta_w(wh__cli_net *net);
wh__option wh__cli_row_frame(wh__cli_net *net);
wh__option wh__cli_row_k(wh__cli_net *net);
wh__option wh__cli_row_eta(wh__cli_net *net);
wh__option wh__cli_row_seed(wh__cli_net *net);
wh__option wh__cli_row_solver(wh__cli_net *net);
wh__option wh__cli_row_refresh(wh__cli_net *net);
/* --init-scale as a number (fit's takes "auto" too, and has its own row). */
wh__option wh__cli_row_init_scale(wh__cli_net *net);

/* --gamma when not given: eta / (1 + t/tau), the decay that settles fastest on stationary data. */
#define WH__CLI_DEFAULT_GAMMA 1.0

/* A decaying rate's --tau and --gamma (the --schedule row says each command's default). */
wh__option wh__cli_row_tau(double *tau);
wh__option wh__cli_row_gamma(double *gamma);

/* --header and --no-header of a CSV input (cli/common.h, wh__cli_header_mode). */
wh__option wh__cli_row_header(bool *header);
wh__option wh__cli_row_no_header(bool *no_header);

/* --quiet of a command that shows a progress bar and a summary. */
wh__option wh__cli_row_quiet(bool *quiet);

/*
 * A learning run's --checkpoint, --checkpoint-every (samples) and
 * --checkpoint-seconds (fit, simulate). sweep and reproduce count runs: they
 * have their own --checkpoint and --checkpoint-every, and share the seconds.
 */
#define WH__CLI_CHECKPOINT_ROWS(c)                                                                 \
    wh__cli_row_checkpoint(&(c)), wh__cli_row_checkpoint_every(&(c)),                              \
        wh__cli_row_checkpoint_seconds(&(c))

wh__option wh__cli_row_checkpoint(wh__checkpoint *c);
wh__option wh__cli_row_checkpoint_every(wh__checkpoint *c);
wh__option wh__cli_row_checkpoint_seconds(wh__checkpoint *c);

/* The runs of a sweep (sweep, reproduce): --threads, and --shard, --shards and --merge
 * (cli/shard.h, docs/cluster.md). */
wh__option wh__cli_row_threads(size_t *threads);
wh__option wh__cli_row_shard(const char **spec);
wh__option wh__cli_row_shards(size_t *shards);
wh__option wh__cli_row_merge(bool *merge);

#endif
