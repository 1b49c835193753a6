/*
 * rows.c: the option rows several commands share (rows.h), each with the one
 * range and help text every command shows.
 */
#include "cli/rows.h"

wh__option wh__cli_row_net(wh__cli_net *net)
{
    return wh__opt_string("net", &net->net, "network: direct, interneuron, gain or gain-synapse");
}

wh__option wh__cli_row_gain_k(wh__cli_net *net)
{
    return wh__opt_size("K", &net->k, 0, 1e6,
                        "gain circuits: interneurons (gains), the same as --k (0: n(n+1)/2 for "
                        "gain, n for gain-synapse)");
}

wh__option wh__cli_row_alpha(wh__cli_net *net)
{
    return wh__opt_double("alpha", &net->alpha, 0, 1e12, 0,
                          "gain circuits: leak alpha of M = alpha I + W diag(g) W^T");
}

wh__option wh__cli_row_eta_g(wh__cli_net *net)
{
    return wh__opt_double("eta-g", &net->eta_g, 0, 1, WH__OPEN_MAX,
                          "gain circuits: the gains' learning rate (0: --eta)");
}

wh__option wh__cli_row_eta_w(wh__cli_net *net)
{
    return wh__opt_double("eta-w", &net->eta_w, 0, 1, WH__OPEN_MIN | WH__OPEN_MAX,
                          "gain-synapse: the synapses' (slow) learning rate");
}

wh__option wh__cli_row_frame(wh__cli_net *net)
{
    return wh__opt_string("frame", &net->frame,
                          "gain circuits: random (unit columns from --seed), pairs (e_i and "
                          "(e_i+e_j)/sqrt 2, K = n(n+1)/2) or FILE.npy (n x K); default pairs "
                          "for gain at K = n(n+1)/2, else random");
}

wh__option wh__cli_row_k(wh__cli_net *net)
{
    return wh__opt_size("k", &net->k, 0, 1e6, "interneurons (0: k = n; interneuron net only)");
}

wh__option wh__cli_row_eta(wh__cli_net *net)
{
    return wh__opt_double("eta", &net->eta, 0, 1, WH__OPEN_MIN | WH__OPEN_MAX, "learning rate");
}

wh__option wh__cli_row_seed(wh__cli_net *net)
{
    return wh__opt_u64("seed", &net->seed, 0, 1.8e19,
                       "seed of every random draw: the interneurons' initial mixing, a random "
                       "--frame, the --ridge noise (and simulate's rotations and samples)");
}

wh__option wh__cli_row_solver(wh__cli_net *net)
{
    return wh__opt_string("solver", &net->solver,
                          "auto, exact (a Cholesky factor per sample) or fast (O(n^2) per "
                          "sample); auto is the faster as measured: fast for interneurons, and "
                          "for the direct network exact below n = 30 and fast from it, for "
                          "--net gain exact below n = 33 and fast from it (conjugate gradients "
                          "between refreshes; gain-synapse: exact only); a fast path reports a "
                          "loss of definiteness up to its refresh period late (exact: at the "
                          "very sample)");
}

wh__option wh__cli_row_refresh(wh__cli_net *net)
{
    return wh__opt_size("refresh", &net->refresh, 0, 1e9,
                        "fast solver: samples between exact steps (0: its default, 1000 for "
                        "interneurons; direct 8, n/8 up to 64 beyond n = 64)");
}

wh__option wh__cli_row_init_scale(wh__cli_net *net)
{
    return wh__opt_double("init-scale", &net->init_scale, 0, 1e12, WH__OPEN_MIN,
                          "initial M0 = init-scale * I");
}

wh__option wh__cli_row_tau(double *tau)
{
    return wh__opt_double("tau", tau, 0, 1e15, 0,
                          "decay: samples after which the rate has halved (gamma 1); 0: auto, "
                          "1/eta for interneurons, init-scale/eta for the direct network");
}

wh__option wh__cli_row_gamma(double *gamma)
{
    return wh__opt_double("gamma", gamma, 0.5, 1, WH__OPEN_MIN,
                          "decay exponent: 1 settles fastest on stationary data; nearer 1/2 "
                          "keeps larger steps for longer");
}

wh__option wh__cli_row_header(bool *header)
{
    return wh__opt_flag("header", header,
                        "CSV data: the first line is a header, whatever it holds (e.g. "
                        "pandas' 0,1,2)");
}

wh__option wh__cli_row_no_header(bool *no_header)
{
    return wh__opt_flag("no-header", no_header,
                        "CSV data: no header line (default: the first line is a header only "
                        "if every field is a name, i.e. starts with a letter, '_' or a quote)");
}

wh__option wh__cli_row_quiet(bool *quiet)
{
    return wh__opt_flag("quiet", quiet, "no progress bar and no summary");
}

wh__option wh__cli_row_checkpoint(wh__checkpoint *c)
{
    return wh__opt_string("checkpoint", &c->path,
                          "checkpoint file (.npz): written periodically and on SIGINT/SIGTERM; "
                          "--resume it");
}

wh__option wh__cli_row_checkpoint_every(wh__checkpoint *c)
{
    return wh__opt_u64("checkpoint-every", &c->every, 0, 1e15,
                       "samples between checkpoints (0: only on a signal); fit, which learns "
                       "in blocks, writes each at the first multiple of 64 samples at or after "
                       "its due point");
}

wh__option wh__cli_row_checkpoint_seconds(wh__checkpoint *c)
{
    return wh__opt_double("checkpoint-seconds", &c->seconds, 0, 1e9, 0,
                          "seconds between checkpoints (0: none)");
}

wh__option wh__cli_row_threads(size_t *threads)
{
    return wh__opt_size("threads", threads, 0, 64, "worker threads; 0 = one per core");
}

wh__option wh__cli_row_shard(const char **spec)
{
    return wh__opt_string("shard", spec,
                          "I/N: compute share I of N of the runs into --out/shards (default "
                          "under a Slurm array: SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT), "
                          "e.g. 2/8");
}

wh__option wh__cli_row_shards(size_t *shards)
{
    return wh__opt_size("shards", shards, 0, 1e6,
                        "N of a Slurm array task's share, which is SLURM_ARRAY_TASK_ID (for a "
                        "task re-submitted alone); 0 = SLURM_ARRAY_TASK_COUNT");
}

wh__option wh__cli_row_merge(bool *merge)
{
    return wh__opt_flag("merge", merge,
                        "merge the shard files in --out/shards: name the missing runs, or "
                        "write what an unsharded run writes");
}
