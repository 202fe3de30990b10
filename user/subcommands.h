/* SPDX-License-Identifier: GPL-2.0 */
/* Entry points of the subcommands; each returns the process exit code. */
#ifndef UEVSCOPE_SUBCOMMANDS_H
#define UEVSCOPE_SUBCOMMANDS_H

int cmd_trace(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_listeners(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_locks(int argc, char **argv);
int cmd_filter(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_inject(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_forward(int argc, char **argv);

#endif /* UEVSCOPE_SUBCOMMANDS_H */
