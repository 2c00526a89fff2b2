/*
 * seed.h - the rows `switchboard seed-demo` writes and reads: synthetic
 * clients, tasks, messages, events and LLM usage for demos and benchmarks.
 * All the command's SQL lives in seed.c; the command (cli/cmd_seed.c)
 * generates the data and calls these in one transaction.
 *
 * They add rows as they are given, with none of the desk's rules (no
 * routing, no jobs): the events and rows the real flow would have written.
 * Each write returns -1 when the store refused it (the message is in
 * store_errmsg()).
 */
#ifndef SB_SEED_H
#define SB_SEED_H

#include <stdint.h>

#include "store/store.h"

/* What a seed run starts from. */
typedef struct {
	int64_t last_message_id; /* max(messages.id), 0 when none */
	int64_t last_event_id;   /* max(events.id), 0 when none */
	int64_t last_event_at;   /* max(events.created_at), 0 when none */
	int64_t clients;         /* count of clients */
} SeedMarks;
void seed_marks(Store *s, SeedMarks *m);

/* A client.  Returns its id, 0 when the phone number is taken already
 * (take another and try again), -1 on another error. */
int64_t seed_client(Store *s, const char *name, const char *phone, const char *email, const char *company,
		    const char *summary, int64_t at);

/* A task (closed_at 0: open).  Returns its id or -1. */
int64_t seed_task(Store *s, int64_t client_id, const char *title, const char *type, const char *urgency,
		  const char *status, const char *route, double confidence, int64_t created_at, int64_t updated_at,
		  int64_t closed_at);

/* An SMS.  NULL texts and confidence < 0 are stored as NULL. */
typedef struct {
	int64_t client_id, task_id;
	const char *direction; /* "in" or "out" */
	const char *sid;       /* Twilio's SID, or NULL */
	const char *from, *to, *body, *status;
	const char *type, *urgency; /* the classification (inbound) */
	double confidence;
	int ai_generated;
	const char *transport, *author; /* outbound */
	int64_t at;
} SeedMessage;
/* Returns the message's id or -1. */
int64_t seed_message(Store *s, const SeedMessage *m);

/* An event (task_id, message_id 0: none).  0 ok, -1. */
int seed_event(Store *s, const char *type, int64_t client_id, int64_t task_id, int64_t message_id, const char *actor,
	       const char *details, int64_t at);

/* An LLM usage row (provider openai).  0 ok, -1. */
int seed_usage(Store *s, int64_t client_id, const char *purpose, const char *model, int64_t prompt_tokens,
	       int64_t completion_tokens, int64_t at);

/* A task's status after more activity (closed_at 0: open).  0 ok, -1. */
int seed_task_update(Store *s, int64_t task_id, const char *status, int64_t updated_at, int64_t closed_at);

/* --append reads back what is there: every client in id order, and the
 * newest 5,000 tasks that are not closed, newest first.  The callbacks get
 * texts valid only during the call. */
void seed_each_client(Store *s, void (*fn)(void *arg, int64_t id, const char *phone, int64_t created_at), void *arg);
typedef struct {
	int64_t id, client_id;
	const char *type, *urgency, *status, *route;
	double confidence; /* 0.9 when none was recorded */
	int64_t created_at, updated_at;
} SeedTask;
void seed_each_open_task(Store *s, void (*fn)(void *arg, const SeedTask *t), void *arg);

#endif
