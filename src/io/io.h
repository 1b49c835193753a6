/*
 * io.h: the data files of the whiten tool, as bytes in memory.
 *
 * Readers decode from a buffer (bytes and a length) and writers encode into a
 * growable buffer (wh__buf), so every format is tested on memory alone. Only
 * src/io/file.c touches the file system: it reads a whole file into memory and
 * writes a buffer atomically (a temporary file in the same folder, then a
 * rename, so a reader never sees a half-written file). Nothing here does
 * numerics, and the numerical library knows nothing of this module.
 *
 * Every reader refuses NaN and infinite values: the networks cannot learn from
 * them, and finding them here lets the error name where they are. A failure
 * fills a wh__io_error whose message starts with the position ("line 3,
 * column 7: ..." for text, "byte 12: ..." for binary), so that the command
 * line only has to put the file name in front.
 */
#ifndef WH_IO_IO_H
#define WH_IO_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A dense matrix of doubles, row-major with leading dimension cols; data is malloc'd. */
typedef struct wh__matrix {
    size_t rows, cols;
    double *data;
} wh__matrix;

/* Allocate a zeroed rows x cols matrix; false on overflow or out of memory. */
bool wh__matrix_alloc(wh__matrix *m, size_t rows, size_t cols);
void wh__matrix_free(wh__matrix *m);

/* What went wrong, with its position (0 when it has none); message includes the position. */
typedef struct wh__io_error {
    size_t line, column; /* 1-based, text formats */
    size_t offset;       /* 0-based byte offset, binary formats */
    char message[320];
} wh__io_error;

/* Fill err with a printf-style message (no position). Returns false for convenience. */
bool wh__io_fail(wh__io_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A growable byte buffer that writers append to. Zero-initialise before use. */
/* A growing byte buffer. A failed put or printf (out of memory) is remembered: every later
 * one fails too, and wh__file_write_atomic() refuses the buffer, so a writer that composes
 * a text without checking each call can never write it with a part missing. */
typedef struct wh__buf {
    unsigned char *data;
    size_t len, cap;
    bool failed;
} wh__buf;

bool wh__buf_put(wh__buf *b, const void *bytes, size_t len);
bool wh__buf_printf(wh__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wh__buf_free(wh__buf *b);

/*
 * The shortest decimal text (of 15, 16 or 17 significant digits) that reads
 * back as exactly v: 2.385 prints as "2.385", not "2.3849999999999998".
 * buf needs WH__DOUBLE_TEXT bytes. Returns buf.
 */
#define WH__DOUBLE_TEXT 32
const char *wh__format_double(char *buf, double v);

/* Little-endian scalars of `word` bytes (4: float32, 8: float64). */
double wh__get_float(const unsigned char *p, size_t word, bool big_endian);
void wh__put_float_le(unsigned char *p, double v, size_t word);
uint64_t wh__get_uint_le(const unsigned char *p, size_t bytes);
void wh__put_uint_le(unsigned char *p, uint64_t v, size_t bytes);

/*
 * NPY (numpy's .npy), format versions 1.0, 2.0 and 3.0; dtypes float32 and
 * float64 in either byte order; C or Fortran order; 0, 1 or 2 dimensions.
 * A 1-D array of length N reads as N rows of 1 column; a 0-D array as 1 x 1.
 */
typedef struct wh__npy_info {
    unsigned major, minor; /* format version */
    size_t word;           /* 4 or 8 */
    bool big_endian, fortran_order;
    size_t ndim;
} wh__npy_info;

/* Decode an NPY file; info may be NULL. On failure out is empty. */
bool wh__npy_decode(const unsigned char *bytes, size_t len, wh__matrix *out, wh__npy_info *info,
                    wh__io_error *err);

/*
 * Encode m as NPY, little-endian, C order, float64 (word 8) or float32 (word
 * 4), format 1.0, header padded so the data starts on a 64-byte boundary.
 * ndim is 2, or 1 to write an m->rows x 1 matrix as a vector.
 */
bool wh__npy_encode(const wh__matrix *m, size_t word, size_t ndim, wh__buf *out);

/*
 * CSV: one sample per line; fields separated by commas, or by spaces and tabs
 * when the first line has no comma; '#' starts a comment to the end of the
 * line; blank lines are skipped; a UTF-8 byte-order mark is dropped. The first
 * line with content is a header by its content (WH__CSV_HEADER_AUTO: a line
 * of names, see wh__csv_is_header), or always (WH__CSV_HEADER) or never
 * (WH__CSV_NO_HEADER) as the user says; a first line that is neither a header
 * nor numbers is an error with its line and column. Every row must have as
 * many fields as the first.
 */
typedef enum wh__csv_sep { WH__CSV_AUTO = 0, WH__CSV_COMMA, WH__CSV_SPACE } wh__csv_sep;
typedef enum wh__csv_header {
    WH__CSV_HEADER_AUTO = 0,
    WH__CSV_HEADER,
    WH__CSV_NO_HEADER
} wh__csv_header;

bool wh__csv_decode_with(const char *text, size_t len, wh__csv_header header,
                         bool allow_nonfinite, wh__matrix *out, wh__io_error *err);

bool wh__csv_decode(const char *text, size_t len, wh__matrix *out, wh__io_error *err);

/*
 * The same, but with allow_nonfinite set "nan" and "inf" read as values: for
 * tables of results where NaN records a run that failed, never for data to learn from.
 */
bool wh__csv_decode_table(const char *text, size_t len, bool allow_nonfinite, wh__matrix *out,
                          wh__io_error *err);

/*
 * Parse one line (no newline; a trailing '\r' is ignored) into at most cap
 * values. *count receives the number of fields (0 for a blank or comment
 * line). *sep is fixed from the first non-blank line when WH__CSV_AUTO. For
 * the stream command, which reads one line at a time.
 */
bool wh__csv_line(const char *line, size_t len, size_t lineno, wh__csv_sep *sep, double *values,
                  size_t cap, size_t *count, wh__io_error *err);

/* True if the line has fields and every one is a name: not empty, starting with a letter,
 * '_', a quote or a UTF-8 byte, and not a number ("0,1,2" and "x;1" are not headers). */
bool wh__csv_is_header(const char *line, size_t len);

/* True if the line holds anything but blanks and a comment. */
bool wh__csv_has_content(const char *line, size_t len);

/* Encode with wh__format_double (which reads back bit-exactly) and an optional header of cols
 * names. */
bool wh__csv_encode(const wh__matrix *m, const char *const *header, wh__buf *out);

/* Raw little-endian floats (word 4 or 8), cols per sample, no header. */
bool wh__raw_decode(const unsigned char *bytes, size_t len, size_t cols, size_t word,
                    wh__matrix *out, wh__io_error *err);
bool wh__raw_encode(const wh__matrix *m, size_t word, wh__buf *out);

/* A zip archive of stored (uncompressed) entries: the layout of numpy's .npz. */
typedef struct wh__zip_entry {
    const char *name;
    const unsigned char *data;
    size_t len;
} wh__zip_entry;

bool wh__zip_encode(const wh__zip_entry *entries, size_t count, wh__buf *out);

/* Find entry `name`; its bytes point into `bytes`. Checks the CRC-32. */
bool wh__zip_find(const unsigned char *bytes, size_t len, const char *name,
                  const unsigned char **data, size_t *data_len, wh__io_error *err);

/*
 * The state file (docs/state-format.md): a zip-stored .npz holding meta.json
 * and float64 NPY arrays M (n x n), W (n x k, every network but the direct
 * one), g (the gain circuits' gains, k values), mean (the centring's mean, a
 * vector, when the data were centred), solver_state (the fast solver's own
 * state, a vector) and, when a synthetic source is saved, source_mt19937 (625
 * words as float64).
 */
/*
 * The longest text read as one number (a CSV field, an item of --eigenvalues), terminator
 * included: every double's exact decimal expansion fits (the smallest subnormal written
 * without an exponent is 1077 characters), so no number a program printed is refused.
 */
#define WH__NUMBER_CHARS 1100

#define WH__STATE_VERSION 1
#define WH__MT_WORDS      625

typedef struct wh__state {
    int kind; /* wh_net_kind */
    size_t n, k;
    double eta;
    uint64_t samples;
    int solver;              /* wh_solver: WH_SOLVER_EXACT or WH_SOLVER_FAST */
    size_t refresh;          /* samples between the fast solver's exact steps */
    wh__matrix M, W;         /* W empty for the direct network */
    wh__matrix g;            /* gains (K x 1), gain circuits only */
    double alpha, eta_w;     /* gain circuits: leak; gain-synapse: synapses' rate */
    wh__matrix solver_state; /* fast solver only (rows x 1); empty otherwise */
    bool has_source;
    uint64_t source_samples;
    uint32_t mt[WH__MT_WORDS];
    /* A checkpoint of an unfinished run (meta.json "checkpoint", record.npy). */
    bool has_run;
    char run_command[16];    /* the command that wrote it: "simulate" or "fit" */
    uint64_t run_done;       /* samples (or steps) of the run done so far */
    uint64_t run_total;      /* samples the whole run asks for */
    bool run_converged;      /* simulate: the error reached --eps ... */
    uint64_t run_convergence; /* ... and stayed there from this sample of the run on */
    bool run_below;          /* simulate: the error is <= --eps since run_since, */
    uint64_t run_since;      /* ... a stay not yet as long as the window */
    wh__matrix run_record;   /* rows the run has recorded so far; may be empty */
    /* What the run computes: "key=value" pairs joined by ';' (the data's shape and hash,
     * every option that changes results), so that a resume can name what differs. Empty in
     * checkpoints written before it existed. */
    char run_problem[1024];
    /* A state simulate --save-state wrote (meta.json "simulate_inputs"): the options that
     * make its inputs, in run_problem's form, so that a simulate --resume continuing it
     * checks it gives the same inputs, and nothing else passes for one. Empty otherwise. */
    char sim_inputs[1024];
    /* The stages around the network (meta.json "center", "ridge", "schedule"; mean.npy). */
    bool has_center;         /* the data were centred: */
    wh__matrix mean;         /* the mean subtracted (n x 1) */
    double center_window;    /* the running mean's window; 0: none (the mean of all samples) */
    uint64_t center_samples; /* samples the mean has folded in */
    double ridge;            /* variance of the noise added to each sample (--ridge); 0: none */
    uint64_t ridge_seed;     /* seed of that noise */
    int schedule_kind;       /* 0 constant, 1 decay: eta_t = eta / (1 + (t - start)/tau)^gamma */
    double schedule_tau, schedule_gamma;
    uint64_t schedule_start;
} wh__state;

bool wh__state_encode(const wh__state *s, const char *creator, wh__buf *out);
bool wh__state_decode(const unsigned char *bytes, size_t len, wh__state *s, wh__io_error *err);
void wh__state_free(wh__state *s);

/*
 * The checkpoint of `whiten reproduce` (docs/state-format.md, "Reproduction
 * checkpoints"): a zip-stored archive holding checkpoint.json, so that its
 * CRC-32 catches a damaged file. It records the options of the run, the
 * experiments finished (their CSV files are written) and, for the experiment
 * under way, each sweep's completed units with their results. Each value is
 * kept as the 16 hex digits of its IEEE-754 bits, so NaN (a run that never
 * converged) and every last bit read back exactly.
 */
#define WH__REPRO_CKPT_VERSION 1
#define WH__REPRO_CKPT_OPTIONS 8      /* options recorded, at most */
#define WH__REPRO_CKPT_EXPERIMENTS 32 /* finished experiments, at most */
#define WH__REPRO_CKPT_VALUES 100000000 /* count x width of one sweep, at most */

typedef struct wh__repro_sweep {
    char experiment[8];  /* "E4" */
    size_t index;        /* the experiment's sweeps, numbered in the order it runs them */
    size_t count, width; /* units, and values each unit yields */
    unsigned char *done; /* count flags (malloc'd) */
    double *values;      /* count x width (malloc'd); rows of units not done are zero */
} wh__repro_sweep;

typedef struct wh__repro_ckpt {
    size_t options; /* name/value pairs of the options a resume must repeat */
    char *option_name[WH__REPRO_CKPT_OPTIONS], *option_value[WH__REPRO_CKPT_OPTIONS];
    double seconds;    /* computation kept so far, over every session */
    uint64_t sessions; /* runs of the command that contributed to it */
    size_t finished;   /* experiments whose CSV files are written */
    char finished_id[WH__REPRO_CKPT_EXPERIMENTS][8];
    size_t sweeps;
    wh__repro_sweep *sweep; /* malloc'd array of sweeps */
} wh__repro_ckpt;

/* Allocate w's flags and values (zeroed) for count units of width values; false if empty,
 * larger than WH__REPRO_CKPT_VALUES or out of memory. */
bool wh__repro_sweep_alloc(wh__repro_sweep *w, size_t count, size_t width);

bool wh__repro_ckpt_encode(const wh__repro_ckpt *c, const char *creator, wh__buf *out);
bool wh__repro_ckpt_decode(const unsigned char *bytes, size_t len, wh__repro_ckpt *c,
                           wh__io_error *err);
void wh__repro_ckpt_free(wh__repro_ckpt *c);

/* The thin file layer (src/io/file.c). */
bool wh__file_read(const char *path, unsigned char **bytes, size_t *len, wh__io_error *err);

/*
 * The one safe writer of every output (data, states, checkpoints, figures,
 * tables, reports). open creates a unique temporary file exclusively beside
 * the target (or, for a FIFO or device, opens the target itself); write
 * appends to it; commit flushes, fsyncs, gives it the replaced file's
 * permission bits (new files: 0666 less the umask) and renames it over the
 * target; abort removes it. A symbolic link as target is followed (the file it
 * names is replaced, the link kept); a link to nothing and a folder are
 * refused. Whoever must hand a file NAME to a library (PLplot) may write to
 * `tmp` by name between open and commit: it exists, and nobody else made it.
 */
typedef struct wh__file_out {
    int fd;
    char *tmp;    /* the temporary (NULL when writing directly) */
    char *target; /* the file renamed over: the path, or where its symlink points */
    bool direct;  /* a FIFO or device: written in place */
    unsigned mode;
} wh__file_out;

bool wh__file_out_open(wh__file_out *o, const char *path, wh__io_error *err);
bool wh__file_out_write(wh__file_out *o, const void *data, size_t len, wh__io_error *err);
bool wh__file_out_commit(wh__file_out *o, wh__io_error *err);
void wh__file_out_abort(wh__file_out *o);

/* open, write buf, commit: the whole buffer or nothing. */
bool wh__file_write_atomic(const char *path, const wh__buf *buf, wh__io_error *err);

#endif
