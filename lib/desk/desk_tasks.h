/*
 * desk_tasks.h - what people do to tasks and drafts, shared by the admin
 * pages and the JSON API: change a task's status, type, urgency, title or
 * assignee; reply to a client; approve, edit or reject an AI draft.  Also
 * the read side those screens share: the visibility rule, the task list
 * with its filters and keyset pagination, the review queue, the activity
 * feed, and a readable summary of an event.
 *
 * Client isolation lives here, in the SQL: every function takes the viewer
 * (a User; NULL means "no restriction", for the worker and the command
 * line) and a task, message or event the viewer may not see behaves as if
 * it did not exist (DT_NOT_FOUND, or absent from a list).  Admins see
 * every client; agents the clients they are attached to (client_members).
 *
 * Transactions: every function that changes state runs inside the
 * caller's transaction (store_begin() first, store_commit() after; roll
 * back on any error code) and writes its events there, so a caller can
 * combine several changes into one unit.  The readers need none.
 *
 * Nothing here knows HTTP: results are error codes a page can show next to
 * the field that caused them, and JSON rows a page or the API can render.
 */
#ifndef SB_DESK_TASKS_H
#define SB_DESK_TASKS_H

#include <jansson.h>
#include <stdint.h>

#include "desk/auth.h"
#include "store/store.h"

#define DESK_TITLE_MAX 200 /* characters in a task title */
#define DESK_SMS_MAX 1600  /* characters in an outbound SMS (Twilio's limit) */

/* The closed sets of values, NULL-terminated, in display order. */
extern const char *const desk_task_statuses[]; /* open waiting approved closed */
extern const char *const desk_task_types[];    /* bug consult feature_request question other */
extern const char *const desk_task_urgencies[]; /* urgent medium low */
extern const char *const desk_task_routes[];   /* AI HUMAN */
/* 1 when v is one of values. */
int desk_one_of(const char *v, const char *const *values);

typedef enum {
	DT_OK = 0,
	DT_NOT_FOUND,     /* no such task/message, or the viewer may not see it */
	DT_BAD_STATUS,    /* field "status" */
	DT_BAD_TYPE,      /* field "type" */
	DT_BAD_URGENCY,   /* field "urgency" */
	DT_BAD_TITLE,     /* field "title": empty, too long or several lines */
	DT_BAD_ASSIGNEE,  /* field "assignee": no such active user, or one who may not see the client */
	DT_BODY_EMPTY,    /* field "body" */
	DT_BODY_TOO_LONG, /* field "body": over DESK_SMS_MAX characters */
	DT_BODY_INVALID,  /* field "body": control characters other than newline and tab */
	DT_NO_PHONE,      /* the client has no phone number to text */
	DT_NOT_DRAFT,     /* the message is no longer a draft (decided already, or superseded by a reply) */
	DT_DRAFT_EDITED,  /* field "body": "as written" was asked, but the text sent differs from the draft */
	DT_BAD_CURSOR,    /* field "after": not a cursor this list made */
	DT_STORE,         /* the database failed: roll back, log store_errmsg() */
} DeskTaskErr;

/* The form field an error belongs to ("status", "body", ...), or NULL. */
const char *desk_task_err_field(DeskTaskErr e);
/* A sentence for a person, e.g. "Write at most 1600 characters." */
const char *desk_task_err_message(DeskTaskErr e);

/* ---- visibility ------------------------------------------------------ */

/* The client of a task the viewer may see, or 0 (unknown id or hidden). */
int64_t desk_task_client(Store *s, const User *viewer, int64_t task_id);
/* A message the viewer may see: 1 with *client_id, *task_id (0 when none)
 * and its status copied into status (24 bytes; may be NULL), else 0. */
int desk_message_find(Store *s, const User *viewer, int64_t message_id, int64_t *client_id, int64_t *task_id,
		      char status[24]);

/* ---- changes (in the caller's transaction) --------------------------- */

/* A change to a task's fields.  NULL / 0 leaves a field as it is. */
typedef struct {
	const char *status, *type, *urgency, *title;
	int set_assignee;    /* 1: assignee_id applies */
	int64_t assignee_id; /* with set_assignee: a user id, or 0 for nobody */
} DeskTaskChange;

/* Validate and apply ch to a task.  Values equal to the current ones
 * write nothing; when something changed the task's updated_at moves,
 * closing sets closed_at and reopening clears it, and the events are: one
 * task_overridden {"field","from","to"} per changed type or urgency (a
 * person overriding the classifier), then task_updated {"fields":[...],
 * "changes":{field:{"from","to"}}} (plus "assignee_login" when the
 * assignee changed).  *changed (may be NULL) gets how many fields changed.
 * Returns DT_OK; a validation error (DT_BAD_*, DT_NOT_FOUND) before
 * anything is written; or DT_STORE, after which the caller rolls back. */
DeskTaskErr desk_task_change(Store *s, const User *viewer, int64_t task_id, const DeskTaskChange *ch,
			     const char *actor, int *changed);

/* Check an SMS body a person wrote: DT_OK, DT_BODY_EMPTY,
 * DT_BODY_TOO_LONG or DT_BODY_INVALID. */
DeskTaskErr desk_check_sms_body(const char *body);

/* Reply to the task's client: an outbound SMS queued for sending now (not
 * a draft), authored by actor, with its send job and message_out event.
 * The reply supersedes the AI drafts still pending on the task: each gets
 * status `superseded` (kept, never sent), a draft_superseded event naming
 * actor, and its proposal the status `superseded`.  *message_id and
 * *superseded (either may be NULL) get the new message and how many
 * drafts it superseded. */
DeskTaskErr desk_task_reply(Store *s, const User *viewer, int64_t task_id, const char *body, const char *actor,
			    int64_t *message_id, int *superseded);

/* Approve a draft: queue it as written (new_body NULL) or with the text a
 * person edited (draft_approved names actor and says "approved" or
 * "edited").  DT_NOT_DRAFT when it was decided already.  *task_id (may be
 * NULL) gets the draft's task. */
DeskTaskErr desk_draft_approve(Store *s, const User *viewer, int64_t message_id, const char *new_body,
			       const char *actor, int64_t *task_id);

/* 1 when text differs from the stored text of draft message_id (a person
 * edited it), 0 when it is the same or there is no such draft. */
int desk_draft_differs(Store *s, int64_t message_id, const char *text);

/* Reject a draft: status `rejected` (the text is kept, never deleted) and
 * a draft_rejected event naming actor. */
DeskTaskErr desk_draft_reject(Store *s, const User *viewer, int64_t message_id, const char *actor,
			      int64_t *task_id);

/* ---- one task (read-only) -------------------------------------------- */

/* The task with its client and assignee, or NULL when the viewer may not
 * see it: {id, client_id, title, type, urgency, status, route, confidence,
 * rule_id, assignee_id, assignee_login, created_at, updated_at, closed_at,
 * client_name, client_phone, client_email, client_company}. */
json_t *desk_task_get(Store *s, const User *viewer, int64_t task_id);

/* The task's messages oldest first (the newest `limit` of them): {id,
 * direction, body, status, error_code, error_message, ai_generated,
 * author, transport, from_addr, to_addr, type, urgency, confidence,
 * created_at, updated_at}; *total gets how many the task has. */
json_t *desk_task_thread(Store *s, int64_t task_id, int limit, int64_t *total);

/* How the task was classified and routed: {"classified": details of the
 * newest `classified` event or null, "routed": details of the
 * task_created event or null, "rule": {id, type, urgency, route,
 * auto_send} or null, "overrides": number of task_overridden events}. */
json_t *desk_task_classification(Store *s, int64_t task_id, int64_t rule_id);

/* Clients the viewer may see, by name: [{id, label}] (label is the name,
 * or the phone when there is none); *more when more than limit exist. */
json_t *desk_client_choices(Store *s, const User *viewer, int limit, int *more);
/* Active users by login: [{id, login, name}]; with client_id > 0 only
 * those who may see that client (admins and its members). */
json_t *desk_user_choices(Store *s, int64_t client_id);

/* ---- lists (read-only) ----------------------------------------------- */

typedef enum { TASK_SORT_UPDATED, TASK_SORT_CREATED, TASK_SORT_URGENCY } DeskTaskSort;

typedef struct {
	const char *status, *type, *urgency, *route; /* NULL: any */
	int64_t client_id;   /* 0: any */
	int64_t assignee_id; /* 0: any */
	int unassigned;      /* only tasks nobody is assigned to */
	DeskTaskSort sort;   /* updated (default) and created newest first; urgency most urgent first */
	const char *after;   /* cursor from the previous page; NULL or "" for the first */
	int limit;           /* 1..200 */
	int64_t matching;    /* how many rows match f (ignoring the cursor) when
			      * the caller knows it from desk_task_counts, 0
			      * when unknown; lets the list pick its plan */
} DeskTaskFilter;

/* One page of the tasks the viewer may see, matching f.  Returns a JSON
 * array of {id, title, client_id, client_name, client_phone, type,
 * urgency, status, route, confidence, assignee_id, assignee_login,
 * created_at, updated_at} (times in unix ms), and in *next a cursor for
 * the following page (malloc'd) or NULL on the last page.  NULL on error
 * (*err is DT_BAD_CURSOR or DT_STORE).  Plans: walks an index in sort
 * order (tasks_updated, tasks_created, tasks_urgency_updated), or sorts
 * the few rows of one client, one assignee, one agent's clients or a rare
 * status (f->matching tells which is cheaper), so a page costs about the
 * rows it shows, not the table. */
json_t *desk_task_list(Store *s, const User *viewer, const DeskTaskFilter *f, char **next, DeskTaskErr *err);

/* How many visible tasks match f in each status, ignoring f->status and
 * the cursor: counts[i] for desk_task_statuses[i].  0, or -1 on error.
 * Without type/urgency/route/assignee filters (and for an admin without a
 * client or assignee filter, with them) this reads the counter tables
 * that migration 0004's triggers keep, not the tasks. */
int desk_task_counts(Store *s, const User *viewer, const DeskTaskFilter *f, int64_t counts[4]);

/* AI drafts waiting for a person that are still the next thing to send
 * (nothing was sent or queued on their task since), oldest first, id >
 * after_id.  JSON array of {id, body, created_at, client_id, client_name,
 * client_phone, task_id, task_title, task_type, task_urgency,
 * last_in_body, last_in_at}: last_in_* is the newest inbound message of
 * the draft's own task (null without a task), never another task's.
 * *more is set when another page exists.  NULL on error. */
json_t *desk_draft_list(Store *s, const User *viewer, int64_t after_id, int limit, int *more);
/* Number of those drafts the viewer may act on. */
int64_t desk_draft_count(Store *s, const User *viewer);

/* Events the viewer may see, newest first, id < before_id (0: from the
 * newest), optionally of one type and/or one client.  JSON array of {id,
 * type, client_id, client_name, task_id, task_title, message_id,
 * message_task_id, actor, details (object), summary, created_at}; *more
 * is set when another page exists.  NULL on error. */
json_t *desk_event_list(Store *s, const User *viewer, const char *type, int64_t client_id, int64_t before_id,
			int limit, int *more);
/* The events of one task, newest first (at most limit). */
json_t *desk_task_events(Store *s, int64_t task_id, int limit);

/* Event types people filter the feed by, NULL-terminated. */
extern const char *const desk_event_types[];

/* A one-line plain-text summary of an event for people, from its type and
 * details (a JSON object), e.g. "type changed from bug to question".
 * Returns malloc'd text; never NULL. */
char *desk_event_summary(const char *type, json_t *details);

#endif
