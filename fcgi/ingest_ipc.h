/*
 * ingest_ipc.h - one group commit for the inbound SMS of every FastCGI
 * process: the processes elect a committer, and the others hand it their
 * inbound SMS over a Unix socket next to the database (see ingest_ipc.c).
 */
#ifndef SB_INGEST_IPC_H
#define SB_INGEST_IPC_H

#include "desk/desk.h"

/* Stores one inbound SMS with this process's own group commit and returns
 * once that COMMIT has returned, the outcome in *item (serve.c). */
typedef void (*IngestCommitFn)(InboundItem *item);

/* Start the thread that competes to become the committer for the database
 * at db_path; once it is, it serves the other processes' inbound SMS with
 * commit().  Returns -1 (logged) when the lock or socket path cannot be
 * used: every process then commits its own webhooks, as without this.
 * ingest_ipc_stop() wakes the thread with SIGUSR2, which the caller must
 * have given a handler installed without SA_RESTART. */
int ingest_ipc_start(const char *db_path, IngestCommitFn commit);

/* Stop serving other processes (their webhooks in progress are answered
 * first; those that arrive later are stored by their own process) and
 * release the committer's lock.  No-op when not started. */
void ingest_ipc_stop(void);

/* Have the committer, another process, store item->m in its group commit.
 * Returns 0 once its COMMIT has returned, with item->result, message_id
 * and err (malloc'd, caller frees) set; -1 with *item untouched when this
 * process is the committer or the committer could not be reached or did
 * not answer in time: the caller stores the message itself (a message the
 * committer did commit is then found again, as a duplicate). */
int ingest_ipc_send(InboundItem *item);

#endif
