/*
 * github_links.h - the links between tasks and GitHub issues
 * (github_issues) as the GitHub page (fcgi/pages/page_github.c) and the
 * GitHub webhook (fcgi/webhooks/webhook_github.c) read and update them,
 * and the webhook's delivery dedupe (github_deliveries).
 *
 * Creating the issues is the worker's github_issue job
 * (lib/desk/worker.c); nothing here calls GitHub or writes events: the
 * callers write them in the same transaction.  The Rows returned belong
 * to the store: step them, then always call rows_done().
 */
#ifndef SB_DESK_GITHUB_LINKS_H
#define SB_DESK_GITHUB_LINKS_H

#include "store/store.h"

#include <stdint.h>

/* The kept issues, at most 200: pending, failed and creating first, then
 * the others, each by update, newest first.  Columns: 0 task_id,
 * 1 client_id, 2 state, 3 title, 4 body, 5 labels (JSON text), 6 owner
 * ("" when none), 7 number (NULL until created), 8 url (""), 9 error (""),
 * 10 updated_at, 11 a github_issue job is queued or running. */
Rows *github_links_issues(Store *s);

/* The state of task's issue, malloc'd, or NULL when none is kept. */
char *github_links_state(Store *s, int64_t task);

/* 1 when a github_issue job of task is queued or running, else 0. */
int github_links_job_waiting(Store *s, int64_t task);

/* The client of task, or 0 when there is no such task. */
int64_t github_links_task_client(Store *s, int64_t task);

/* An issue linked to a task. */
typedef struct {
	int64_t task, client;
	char state[16];
	char url[512]; /* "" when unknown */
} GithubLink;

/* The issue number of repo (compared ignoring case; NULL reads as ""):
 * 1 with *out filled, 0 when no task is linked to it. */
int github_links_find(Store *s, const char *repo, int64_t number, GithubLink *out);

/* The name of client id, malloc'd, or NULL. */
char *github_links_client_name(Store *s, int64_t id);

/* Mark task's issue closed (closed = 1) or open again (0), updated at
 * now.  STORE_OK or the store's error code. */
int github_links_set_closed(Store *s, int64_t task, int closed, int64_t now);

/* Set task's updated_at to now (a comment arrived).  STORE_OK or the
 * store's error code. */
int github_links_touch_task(Store *s, int64_t task, int64_t now);

/* Record webhook delivery id (event, action may be NULL) received at now:
 * 1 when it is new, 0 when it was recorded before, -1 on a store error. */
int github_links_record_delivery(Store *s, const char *delivery, const char *event, const char *action,
				 int64_t now);

#endif
