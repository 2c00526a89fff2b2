/*
 * cli.h - command-line subcommands.  Each takes (argc, argv) with argv[0]
 * the subcommand name and returns the process exit status.
 */
#ifndef SB_CLI_H
#define SB_CLI_H

#include "store/store.h"

int cmd_serve(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_twilio_verify(int argc, char **argv);
int cmd_simulate_sms(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_user(int argc, char **argv);
/* cmd_seed.c */
int cmd_seed(int argc, char **argv);
/* cmd_backup.c */
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
/* cmd_doctor.c */
int cmd_doctor(int argc, char **argv);
/* cmd_sql.c */
int cmd_sql(int argc, char **argv);

/* Load configuration and open the database (migrating it); prints the
 * error and returns NULL on failure. */
Store *cli_open_store(void);
/* Load configuration or print the error; 0 ok. */
int cli_config(void);
/* Is argv[i] "--help"/"-h" anywhere? */
int cli_wants_help(int argc, char **argv);

#endif
