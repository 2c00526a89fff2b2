/*
 * proposals.h - proposals (the "artifacts" of the API): every AI output a
 * person must decide on, kept in the `proposals` table whatever the
 * decision (migration 0008 lists the kinds and their columns).
 *
 *   reply_draft, follow_up  an AI SMS draft (messages.status 'draft').  The
 *       row is written with the draft (desk.c) and follows it: approving,
 *       editing or rejecting the draft anywhere (review queue, task page,
 *       API) decides the proposal, and deciding the proposal decides the
 *       draft through desk_draft_approve / desk_draft_reject.  A person's
 *       reply on the task supersedes its pending drafts: their proposals
 *       become `superseded`, decided by that person.
 *   profile_edit  one client field read from a message; accepting (or
 *       editing then accepting) changes the client through client_update.
 *   prd_review  a PRD the worker drafted for a feature request; approving
 *       moves the task to `approved`, queues its GitHub issue (the
 *       github_issue job, body from the approved PRD) and a summary update.
 *
 * Client isolation lives in the SQL: with a viewer that is not an admin,
 * only proposals of the clients attached to the user (client_members)
 * exist; others are PR_NOT_FOUND, exactly like unknown ids.  A NULL
 * viewer sees everything (worker, command line).
 *
 * Functions marked "in the caller's transaction" expect store_begin()
 * first and leave the rollback to the caller on error.  Nothing here knows
 * HTTP.
 */
#ifndef SB_PROPOSALS_H
#define SB_PROPOSALS_H

#include <jansson.h>
#include <stdint.h>

#include "desk/auth.h"
#include "desk/documents.h"
#include "store/store.h"

/* NULL-terminated closed sets, in display order. */
extern const char *const proposal_kinds[];    /* reply_draft prd_review follow_up profile_edit */
extern const char *const proposal_statuses[]; /* pending accepted rejected edited superseded */
extern const char *const proposal_fields[];   /* name company email */

/* ---- writing (worker and desk) ------------------------------------------ */

typedef struct {
	const char *kind;                      /* required */
	int64_t client_id;                     /* required */
	int64_t task_id, message_id, document_id; /* 0: none */
	const char *document_commit;           /* prd_review: the version under review */
	const char *batch_id, *field;          /* profile_edit */
	const char *previous_value, *proposed_value, *source_text;
	double confidence;                     /* < 0: none */
	const char *actor;                     /* who proposes: "worker" */
} ProposalNew;

/* Insert a pending proposal and its proposal_created event, in the
 * caller's transaction.  Returns the id; 0 when it exists already (the
 * same draft, the same PRD task, or a profile value proposed for that
 * client and field before, whatever became of it); -1 on error. */
int64_t proposal_add(Store *s, const ProposalNew *p);

/* A draft (message_id) was approved (edited_body NULL: as written),
 * rejected or superseded elsewhere: decide its proposal the same way, in the caller's
 * transaction, with a proposal_decided event.  No proposal: nothing.
 * 0, or -1 on error. */
int proposal_draft_decided(Store *s, int64_t message_id, const char *status, const char *edited_body,
			   const char *actor);

/* The prd_review proposal of a task now points at a new version (a
 * person's edit or an AI revision), in the caller's transaction.  0 / -1. */
int proposal_prd_version(Store *s, int64_t proposal_id, const char *commit);

/* ---- deciding -------------------------------------------------------------- */

typedef enum {
	PR_OK = 0,
	PR_NOT_FOUND,    /* no such proposal, or the viewer may not see it   404 */
	PR_BAD_STATUS,   /* status not one of accepted, rejected, edited      400 */
	PR_NEED_VALUE,   /* "edited" without editedValue                      422 */
	PR_BAD_VALUE,    /* editedValue refused (message says why)            422 */
	PR_DECIDED,      /* decided already                                   409 */
	PR_STORE,        /* the database failed: roll back                    500 */
} ProposalErr;

typedef struct {
	ProposalErr kind;
	const char *field;  /* "status", "editedValue", or NULL */
	const char *code;   /* "invalid_status", "already_decided", ... */
	char message[300];
} ProposalError;

int proposal_err_status(ProposalErr kind);

/* Decide proposal id, in the caller's transaction: status "accepted",
 * "rejected" or "edited" (edited_value required: the SMS text, the
 * client field's value, or for a PRD the Markdown the caller has already
 * committed as edited_commit).  Applies the decision (see the top of this
 * file), writes the proposal's row (decided_by = actor) and a
 * proposal_decided event.  Returns 0, or -1 with *e. */
int proposal_decide(Store *s, const User *viewer, int64_t id, const char *status, const char *edited_value,
		    const char *edited_commit, const char *actor, ProposalError *e);

/* Commit markdown as a new version of the PRD of prd_review proposal id
 * (visible to viewer, still pending), authored by author, and point the
 * proposal at it.  Runs its own transactions (call outside one).
 * 0 with commit filled (unchanged text: the current commit), -1 with *e. */
int proposal_prd_commit(Store *s, const User *viewer, int64_t id, const char *markdown, const char *actor,
			const DocAuthor *author, const char *via, const char *message, char commit[41],
			ProposalError *e);

/* ---- reading ----------------------------------------------------------------- */

/* One proposal as JSON: {id, kind, client_id, client_name, task_id,
 * task_title, message_id, document_id, document_commit, status, batch_id,
 * field, previous_value, proposed_value, edited_value, source_text,
 * confidence, decided_by, decided_at, created_by, created_at, updated_at}
 * (ids and values null when absent; times unix ms).  NULL when hidden. */
json_t *proposal_get(Store *s, const User *viewer, int64_t id);

/* A client's proposals the viewer may see, newest first, optionally of
 * one status and/or kind: offset/limit paging, *total the matching count.
 * NULL on a database error. */
json_t *proposal_list(Store *s, const User *viewer, int64_t client_id, const char *status, const char *kind,
		      int limit, int offset, int64_t *total);

/* The pending profile_edit proposals of a client grouped by batch, oldest
 * batch first: [{batch_id, source_text, created_at, items:[proposal...]}]. */
json_t *proposal_profile_batches(Store *s, const User *viewer, int64_t client_id);

/* The ids of the pending proposals of a batch the viewer may see (a JSON
 * array of integers; empty when none). */
json_t *proposal_batch_ids(Store *s, const User *viewer, const char *batch_id);

/* The prd_review proposal of a task (any status) when visible, else 0. */
int64_t proposal_prd_of_task(Store *s, const User *viewer, int64_t task_id);

#endif
