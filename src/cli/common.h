/*
 * common.h: option values shared by several subcommands.
 *
 * Each parser prints one line naming the command, the option and what was
 * expected to stderr on failure, and returns WH__EXIT_USAGE (2); on success it
 * returns WH__EXIT_OK (0).
 */
#ifndef WH_CLI_COMMON_H
#define WH_CLI_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/io.h"
#include "whiten.h"

/* "direct", "interneuron" (also "interneurons"), "gain" or "gain-synapse". */
int wh__cli_net_kind(const char *command, const char *option, const char *text,
                     wh_net_kind *kind);

/* The name of a kind as the command line and the state file write it. */
const char *wh__cli_net_name(wh_net_kind kind);

/* A comma-separated list of finite numbers, e.g. "0.5,2,8"; *values is malloc'd. */
int wh__cli_doubles(const char *command, const char *option, const char *text, double **values,
                    size_t *count);

/* "lo:hi" with 0 < lo <= hi, e.g. "0.1:10". */
int wh__cli_range(const char *command, const char *option, const char *text, double *lo,
                  double *hi);

/*
 * The input covariance of a synthetic problem, from either --eigenvalues
 * (a list; fixes n, and must agree with a given n) or --spectrum lo:hi with n.
 * Exactly one of the two texts may be non-NULL; if both are NULL the spectrum
 * defaults to 0.1:10. `rotate` draws Haar-random eigenvectors from `seed`.
 * On success *C is a malloc'd n x n matrix and *n its size.
 */
int wh__cli_covariance(const char *command, const char *eigenvalues, const char *spectrum,
                       size_t *n, bool rotate, uint64_t seed, double **C);

/*
 * The files a command reads and writes, checked before any work: an output
 * must not be the same file as an input or as another output (compared by
 * device and inode, following symbolic links, so `./d.csv`, a hard link and a
 * symlink to d.csv all count as d.csv; an output not there yet is compared by
 * its folder's device and inode and its name). An output `may_be` one other
 * option's file (a --checkpoint that replaces the --resume it continues).
 * The check also refuses an output that is a folder, or whose folder does not
 * exist or cannot be written, so that a long run does not fail at its end.
 * Prints one line naming both options, returns WH__EXIT_USAGE (or OK).
 */
typedef struct wh__cli_file {
    const char *option; /* without the leading "--"; in capitals, a positional argument */
    const char *path;   /* NULL: not given */
    bool output;
    const char *may_be; /* option whose file this output may be, or NULL */
} wh__cli_file;

int wh__cli_check_files(const char *command, const wh__cli_file *files, size_t count);

/*
 * Refuse (WH__EXIT_USAGE) the first of `names` that argv gives, printing
 * "option --NAME REASON": an option that cannot apply is refused, not dropped.
 */
int wh__cli_refuse_given(const char *command, int argc, char **argv, const char *const *names,
                         size_t count, const char *reason);

struct wh__cli_net; /* cli/data.h */

/*
 * What a learning command gives that cannot apply, refused (WH__EXIT_USAGE):
 * --tau/--gamma beside a constant `schedule` (as chosen, or NULL: not chosen),
 * a --refresh other than 0 (the default) beside --solver exact, and
 * --checkpoint-every/--checkpoint-seconds without a checkpoint (`checkpoints` false).
 */
int wh__cli_refuse_inapplicable(const char *command, int argc, char **argv,
                                const char *schedule, const struct wh__cli_net *net,
                                bool checkpoints);

/* --k given with --net direct (which has no interneurons) is refused, not ignored. */
int wh__cli_refuse_k_direct(const char *command, const char *net, size_t k);

/* --header / --no-header (at most one) as a CSV header mode; neither: by content. */
int wh__cli_header_mode(const char *command, bool header, bool no_header, wh__csv_header *mode);

/*
 * The fingerprint of a run a checkpoint records (wh__state's run_problem): append
 * "key=value" to buf (size bytes, ';' between pairs), and FNV-1a 64 of bytes for the data.
 */
void wh__cli_problem_add(char *buf, size_t size, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
uint64_t wh__cli_hash(const void *bytes, size_t len);

/*
 * A resume must compute the problem its checkpoint was computing: compare the saved
 * fingerprint with this run's, and refuse (WH__EXIT_USAGE) naming the first key that
 * differs, e.g. "--eta is 0.002 here, 0.001 in the checkpoint". A checkpoint without a
 * fingerprint (written before it existed) is accepted.
 */
int wh__cli_check_problem(const char *command, const char *path, const char *saved,
                          const char *now);

/* The same for a file that is `what` ("checkpoint", "state"), as the message names it. */
int wh__cli_check_problem_in(const char *command, const char *path, const char *what,
                             const char *saved, const char *now);

/*
 * A checkpoint replaces the file at its path when it is written: refuse (WH__EXIT_USAGE)
 * a --checkpoint naming an existing, non-empty file that is not a checkpoint (a state file,
 * data, anything a slip of the keyboard names), unless it is the --resume file. journal:
 * a checkpoint of sweep or reproduce (a zip holding checkpoint.json); else a fit or
 * simulate checkpoint (a state file with a "checkpoint" key).
 */
int wh__cli_check_checkpoint_target(const char *command, const char *path, const char *resume,
                                    bool journal);

/*
 * The --out folder of sweep and reproduce: an existing folder must be writable; a file is
 * refused; a missing one is made (*created). After a refusal or a failure,
 * wh__cli_out_folder_undo removes the folder again if this run made it and it is still
 * empty, so that a refused run leaves nothing behind.
 */
int wh__cli_out_folder(const char *command, const char *dir, bool *created);
void wh__cli_out_folder_undo(const char *dir, bool created);

/* A state or checkpoint file must be named .npz (what it is, and what numpy opens). */
int wh__cli_check_npz(const char *command, const char *option, const char *path);

#endif
