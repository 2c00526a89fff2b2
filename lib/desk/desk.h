/*
 * desk.h - the desk's state changes: inbound messages, clients, tasks,
 * routing and outbound messages.  Every function that changes state writes
 * its event in the same transaction.  Functions marked "in the caller's
 * transaction" expect store_begin() to have been called.
 */
#ifndef SB_DESK_H
#define SB_DESK_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

typedef struct {
	const char *message_sid;          /* required: idempotency key */
	const char *from, *to, *body;     /* from required */
	const char *account_sid, *messaging_service_sid;
	int num_media;
	json_t *media;                    /* array of {url, content_type} or NULL (borrowed) */
} InboundSms;

/* INBOUND_REJECTED comes last: the value crosses between processes
 * (ingest_ipc.c), and the older values keep their numbers. */
typedef enum { INBOUND_STORED, INBOUND_DUPLICATE, INBOUND_ERROR, INBOUND_REJECTED } InboundResult;

/* Why a sender address cannot be a client's, or NULL when it can: SMS
 * wants a phone number (E.164, or what phone_e164() normalises to it),
 * WhatsApp "whatsapp:+E.164".  The text is static. */
const char *desk_inbound_from_problem(const char *from);

/* Store an inbound SMS in one transaction: client found or created by
 * phone, message keyed by MessageSid, a message_in event and a classify
 * job.  A repeated MessageSid changes nothing and returns
 * INBOUND_DUPLICATE.  *message_id is set for both.
 * A sender that desk_inbound_from_problem() refuses creates no client,
 * message, task or job: only an inbound_rejected event (no client; its
 * details keep message_sid, from, to, body and reason for the audit), and
 * the result is INBOUND_REJECTED with *message_id set to that event's id;
 * the same MessageSid again finds that event and writes nothing. */
InboundResult desk_inbound_sms(Store *s, const InboundSms *m, int64_t *message_id, char **err);

/* One inbound SMS of a group commit, with its outcome. */
typedef struct {
	const InboundSms *m;  /* borrowed */
	InboundResult result;
	int64_t message_id;
	char *err;            /* malloc'd when result is INBOUND_ERROR; the caller frees */
} InboundItem;

/* Store the n inbound SMS of a group commit in the caller's write
 * transaction (store_begin), so that one fsync of the WAL covers them all.
 * Each runs as desk_inbound_sms() in its own savepoint: one that fails is
 * rolled back alone and the others stay.  Returns 0 with the transaction
 * still open for the caller to commit; the results hold only once that
 * COMMIT has returned (when it fails, call desk_inbound_failed()).  Returns
 * -1 when an error rolled the whole transaction back: every item is then
 * INBOUND_ERROR. */
int desk_inbound_batch(Store *s, InboundItem *const *items, size_t n);
/* Mark every item INBOUND_ERROR ("why: the store's last error"). */
void desk_inbound_failed(Store *s, InboundItem *const *items, size_t n, const char *why);

/* Find or create the client for an address (normalised to E.164 when it
 * is a phone number), in the caller's transaction.  Returns the id, -1 on
 * error; *created tells whether it is new. */
int64_t desk_client_for_address(Store *s, const char *address, const char *actor, int *created);

/* The result of classifying one inbound message. */
typedef struct {
	char type[24], urgency[16];
	double confidence;
	char provider[16], model[64];
	int fallback;       /* the builtin classifier decided after the LLM failed */
	char note[256];     /* why, when fallback */
} ClassifyResult;

/* Routing decision for a classification (reads routing_rules and the
 * confidence threshold). */
typedef struct {
	int64_t rule_id;
	char route[8];      /* "AI" or "HUMAN" */
	int auto_send;
	int low_confidence; /* forced to HUMAN by the threshold */
	double threshold;
} RouteDecision;

int route_decide(Store *s, const char *type, const char *urgency, double confidence, RouteDecision *out);
double route_threshold(Store *s);

/* Apply a classification to an inbound message, in the caller's
 * transaction: record it on the message, join the client's open task of
 * the same type (task_updated) or create one (task_created), write the
 * `classified` event, and enqueue the summary job and, on the AI route, the
 * draft job (a new feature request there also the prd job).  A new bug task
 * also gets a github_issue job; a message joining a bug task a
 * github_comment job.  Every message gets a profile job (client facts as
 * profile_edit proposals).  Returns the task id, or -1. */
int64_t desk_apply_classification(Store *s, int64_t message_id, const ClassifyResult *r);

/* Create an outbound message in the caller's transaction.  draft: status
 * `draft` awaiting review; otherwise `queued` with a send job.  author is
 * the actor ("worker", "user:alice", "api:token-name").  An AI draft
 * (draft and ai_generated) also gets its reply_draft proposal
 * (proposals.h).  Returns the message id, or -1. */
int64_t desk_outbound(Store *s, int64_t client_id, int64_t task_id, const char *body, const char *author,
		      int ai_generated, int draft);

/* desk_outbound for an AI draft that is a proposal of another kind than
 * reply_draft (e.g. "follow_up"); with draft and ai_generated set the
 * proposal row is written with the message. */
int64_t desk_outbound_proposal(Store *s, int64_t client_id, int64_t task_id, const char *body, const char *author,
			       int ai_generated, int draft, const char *kind);

/* Queue a draft for sending (approve as is, or with edited body when
 * new_body is non-NULL), in the caller's transaction.  Returns 0, or -1
 * when the message is not a draft. */
int desk_send_draft(Store *s, int64_t message_id, const char *new_body, const char *actor);

/* Outbound status ordering for delivery callbacks: a late callback never
 * moves a status backwards.  Returns a rank, or -1 for an unknown status. */
int desk_status_rank(const char *status);

/* Apply a delivery status callback (in its own transaction).  Returns 1 when
 * the status changed, 0 when it was stale or repeated, -1 when the message
 * is unknown. */
int desk_status_callback(Store *s, const char *message_sid, const char *status, const char *error_code,
			 const char *error_message);

/* A task title from the first words of a message (malloc'd). */
char *desk_title_from_text(const char *text);

#endif
