/*
 * data.h: the command line's thin layer over src/io/: files by name.
 *
 * Each function prints one line to stderr on failure, naming the command, the
 * file and the position inside it ("whiten apply: x.csv: line 3, column 5:
 * 'abc' is not a number"), and returns an exit status: WH__EXIT_OK,
 * WH__EXIT_FAILURE (I/O, bad data) or WH__EXIT_USAGE (a bad option value).
 */
#ifndef WH_CLI_DATA_H
#define WH_CLI_DATA_H

#include "cli/stages.h"
#include "io/io.h"
#include "whiten.h"

typedef enum wh__format {
    WH__FORMAT_NPY,
    WH__FORMAT_CSV,
    WH__FORMAT_F32, /* raw little-endian float32 */
    WH__FORMAT_F64  /* raw little-endian float64 */
} wh__format;

/* The format a file name's extension names: .npy; .csv, .txt, .tsv; .f32; .f64 or .bin. */
int wh__cli_format(const char *command, const char *option, const char *path, wh__format *fmt);

/*
 * Read a data file of samples, one per row, refusing empty files. raw_cols is
 * the dimension of raw binary files (0 if not known: then they are refused).
 */
int wh__cli_read_data(const char *command, const char *path, size_t raw_cols, wh__matrix *m);

/* The same with the CSV header given by --header / --no-header (wh__cli_header_mode). */
int wh__cli_read_data_as(const char *command, const char *path, size_t raw_cols,
                         wh__csv_header header, wh__matrix *m);

/* Write m atomically in the format of path's extension, each row a sample. */
int wh__cli_write_data(const char *command, const char *path, const wh__matrix *m,
                       const char *const *header);

/*
 * Write the network, the stages around it (centring, ridge; NULL: none) and,
 * if src is not NULL, the source's random state as a state file.
 */
int wh__cli_write_state(const char *command, const char *path, wh_net *net,
                        const wh__cli_stages *stages, const wh_source *src);

/*
 * The same, plus where an unfinished run stood (run's has_run fields and
 * run_record, borrowed): a checkpoint that --resume finishes bit for bit. A run
 * whose run_command is empty writes no checkpoint, only run->sim_inputs.
 */
int wh__cli_write_checkpoint(const char *command, const char *path, wh_net *net,
                             const wh__cli_stages *stages, const wh_source *src,
                             const wh__state *run);

/*
 * Read a state file and build the network it holds; *s keeps the source's
 * state, if any; stages (if not NULL) receives the saved centring and ridge.
 */
int wh__cli_read_state(const char *command, const char *path, wh__state *s, wh_net **net,
                       wh__cli_stages *stages);

/* Build a network from the usual options, with messages that name the options. */
typedef struct wh__cli_net {
    const char *net; /* "direct" or "interneuron" */
    size_t n, k;
    double eta, init_scale;
    uint64_t seed;
    const char *solver; /* "auto", "exact" or "fast"; NULL means auto */
    size_t refresh;     /* fast solver: samples between exact steps; 0 = default */
    /* The gain circuits (--net gain, gain-synapse): defaults 1, 0, 1e-3, NULL, NULL. */
    double alpha;       /* --alpha: leak */
    double eta_g;       /* --eta-g: the gains' rate; 0 means --eta */
    double eta_w;       /* --eta-w: gain-synapse's synapses' rate */
    const char *frame;  /* --frame: random, pairs or FILE.npy; NULL: pairs for gain at the
                           default K, random otherwise */
    const wh__matrix *frame_matrix; /* a frame given by the caller (a state file's), or NULL */
} wh__cli_net;

/*
 * The options' defaults, from the library's (wh_net_options_default): eta,
 * init-scale, seed, k, refresh and the gain circuits' alpha and eta_w; the
 * command line's own choices on top: the interneuron circuit, solver auto
 * (NULL), eta_g 0 (--eta), no frame.
 */
wh__cli_net wh__cli_net_default(void);

int wh__cli_make_net(const char *command, const wh__cli_net *o, wh_net **net);

/*
 * Append the gain circuits' options to a run's fingerprint (wh__cli_problem_add): alpha,
 * the gains' rate as used (--eta-g, or --eta), gain-synapse's --eta-w and the frame (a
 * frame file by its size and the hash of its bytes, so that a moved copy still matches).
 * Nothing for the other networks, which refuse these options.
 */
void wh__cli_problem_add_gain(char *buf, size_t size, const wh__cli_net *o);

/*
 * Refuse (exit 1, "WHAT needs about X GB of memory; this machine has Y GB",
 * then `hint`) what would not fit in this machine's memory, before asking for
 * it: with overcommit, malloc may succeed and the process be killed later.
 */
int wh__cli_check_memory(const char *command, const char *what, double bytes, const char *hint);

/* Report a library failure of `what`: one line, exit status 1. */
int wh__cli_fail(const char *command, const char *what, wh_status st);

/* Check that a data file's columns match the network's n (exit 1 with a message if not). */
int wh__cli_check_dim(const char *command, const char *path, const wh__matrix *m, size_t n,
                      const char *whose);

#endif
