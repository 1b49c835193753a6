/*
 * commands.h: the subcommands of the whiten executable.
 *
 * Each takes the arguments after the subcommand's name (argv[0] is the name)
 * and returns the process exit status: 0 success, 1 a runtime failure
 * (divergence, I/O), 2 a usage error.
 */
#ifndef WH_CLI_COMMANDS_H
#define WH_CLI_COMMANDS_H

enum { WH__EXIT_OK = 0, WH__EXIT_FAILURE = 1, WH__EXIT_USAGE = 2 };

int wh__cmd_reproduce(int argc, char **argv);
int wh__cmd_flow(int argc, char **argv);
int wh__cmd_simulate(int argc, char **argv);
int wh__cmd_fit(int argc, char **argv);
int wh__cmd_apply(int argc, char **argv);
int wh__cmd_stream(int argc, char **argv);
int wh__cmd_bench(int argc, char **argv);
int wh__cmd_sweep(int argc, char **argv);

#endif
