/*
 * page_github.c - the bug flow's GitHub side in the admin: the issues the
 * worker opened or keeps pending (with the body to copy when GitHub is not
 * configured, and "retry now"), and the owner rules that pick an issue's
 * assignee.
 *
 * The pages never call GitHub: "retry now" enqueues the github_issue job
 * (lib/desk/worker.c) in a transaction with its event.  Owner rules are read
 * and written through lib/desk/owners.c.
 */
#include "core/config.h"
#include "providers/github.h"
#include "fcgi/handlers.h"
#include "fcgi/view.h"
#include "desk/github_links.h"
#include "desk/jobs.h"
#include "desk/owners.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int configured(void)
{
	return *config_get("GITHUB_TOKEN") && github_repo_valid(config_get("GITHUB_REPO"));
}

static const ManageFlash issue_flash[] = {
	{"retried", "The issue is queued: the worker will send it to GitHub in a moment."},
	{NULL, NULL},
};

static void issues_page(Ctx *c, int status, const char *error)
{
	json_t *d = page_data(c, "GitHub issues", "github");
	json_t *rows = json_array();
	Rows *list = github_links_issues(c->store);
	int npending = 0;
	while (rows_next(list)) {
		const char *state = rows_text(list, 2);
		int waiting = strcmp(state, "pending") == 0 || strcmp(state, "failed") == 0;
		npending += waiting;
		json_t *labels = json_loads(rows_text(list, 5), 0, NULL);
		json_t *r = json_pack("{s:I,s:I,s:s,s:s,s:s,s:o,s:s,s:s,s:b,s:b}", "task_id",
				      (json_int_t)rows_int(list, 0), "client_id",
				      (json_int_t)rows_int(list, 1), "state", state, "title", rows_text(list, 3),
				      "body", rows_text(list, 4), "labels", labels ? labels : json_array(), "updated",
				      manage_time(c, rows_int(list, 10)), "error", rows_text(list, 9), "waiting",
				      waiting, "queued", (int)rows_int(list, 11));
		if (*rows_text(list, 6))
			json_object_set_new(r, "owner", json_string(rows_text(list, 6)));
		if (!rows_null(list, 7)) {
			json_object_set_new(r, "number", json_integer(rows_int(list, 7)));
			json_object_set_new(r, "url", json_string(rows_text(list, 8)));
		}
		if (!*rows_text(list, 9))
			json_object_del(r, "error");
		json_array_append_new(rows, r);
	}
	rows_done(list);
	json_object_set_new(d, "empty", json_boolean(json_array_size(rows) == 0));
	json_object_set_new(d, "issues", rows);
	json_object_set_new(d, "npending", json_integer(npending));
	json_object_set_new(d, "configured", json_boolean(configured()));
	json_object_set_new(d, "repo", json_string(config_get("GITHUB_REPO")));
	if (error)
		json_object_set_new(d, "error", json_string(error));
	manage_flash(c, d, issue_flash);
	respond_page(c, status, "pages/github", d);
}

/* GET /github - admins.  Pending and failed issues first (with their
 * Markdown body to copy and "retry now"), then those on GitHub. */
void h_github(Ctx *c)
{
	issues_page(c, 200, NULL);
}

/* POST /github/issues/:task/retry - admins (CSRF).  Queues the task's
 * github_issue job again when its issue is pending or failed, GitHub is
 * configured and no such job is waiting; 409 otherwise with the reason on
 * the page.  Event github_issue_retry. */
void h_github_retry(Ctx *c)
{
	int64_t task = path_id(c, "task");
	char *state = task ? github_links_state(c->store, task)
			   : NULL;
	if (!state) {
		respond_error(c, 404, "not_found", "No GitHub issue is kept for this task.", NULL);
		return;
	}
	int waiting = strcmp(state, "pending") == 0 || strcmp(state, "failed") == 0;
	free(state);
	if (!configured()) {
		issues_page(c, 409, "GitHub is not configured: set GITHUB_TOKEN and GITHUB_REPO (owner/name), "
				    "restart, then retry.");
		return;
	}
	if (!waiting) {
		issues_page(c, 409, "This issue is not waiting: it is on GitHub already or being sent.");
		return;
	}
	if (store_begin(c->store) != 0) {
		respond_error(c, 503, "db_busy", "The database is busy; try again in a moment.", NULL);
		return;
	}
	if (github_links_job_waiting(c->store, task)) {
		store_rollback(c->store);
		respond_redirect(c, "/github?done=retried");
		return;
	}
	int64_t client = github_links_task_client(c->store, task);
	char payload[64], key[64];
	snprintf(payload, sizeof payload, "{\"task_id\":%lld}", (long long)task);
	snprintf(key, sizeof key, "github_issue:%lld:retry:%lld", (long long)task, (long long)now_ms());
	if (job_enqueue(c->store, "github_issue", payload, key, client, task, 0, 0) < 0 ||
	    store_event(c->store, "github_issue_retry", client, task, 0, c->actor, NULL) < 0) {
		manage_store_failed(c, "queueing the GitHub issue");
		return;
	}
	if (store_commit(c->store) != 0) {
		manage_store_failed(c, "committing the GitHub retry");
		return;
	}
	ctx_log(c, "GitHub issue for task %lld queued again by %s", (long long)task, c->actor);
	respond_redirect(c, "/github?done=retried");
}

typedef struct {
	const char *pattern, *login, *priority; /* as submitted */
	const char *field, *message;            /* the error */
} OwnerForm;

static void owners_page(Ctx *c, int status, const OwnerForm *f)
{
	json_t *d = page_data(c, "Issue owners", "github");
	json_t *rules = owners_list(c->store);
	json_object_set_new(d, "empty", json_boolean(json_array_size(rules) == 0));
	json_object_set_new(d, "rules", rules);
	json_t *form = json_pack("{s:s,s:s,s:s}", "pattern", f && f->pattern ? f->pattern : "", "login",
				 f && f->login ? f->login : "", "priority", f && f->priority ? f->priority : "0");
	if (f && f->field)
		json_object_set_new(form, arena_printf(c->arena, "e_%s", f->field), json_string(f->message));
	json_object_set_new(d, "form", form);
	if (f && f->field)
		json_object_set_new(d, "error", json_string("The rule was not added: correct the field marked below."));
	static const ManageFlash flash[] = {
		{"added", "Owner rule added. New bug issues are assigned by it from now on."},
		{"exists", "That rule exists already."},
		{"deleted", "Owner rule deleted."},
		{NULL, NULL},
	};
	manage_flash(c, d, flash);
	respond_page(c, status, "pages/github_owners", d);
}

/* GET /github/owners - admins.  The owner rules, best first, and a form
 * to add one. */
void h_github_owners(Ctx *c)
{
	owners_page(c, 200, NULL);
}

/* POST /github/owners - admins (CSRF).  Form: pattern (keyword or
 * component, 1-100 characters), login (GitHub login), priority (-1000 to
 * 1000, default 0).  Invalid: 422 with the error next to its field and
 * nothing written.  Valid: the rule and owner_rule_added, 303. */
void h_github_owner_add(Ctx *c)
{
	OwnerForm f = {0};
	f.pattern = params_get(&c->form, "pattern");
	f.login = params_get(&c->form, "login");
	f.priority = params_get(&c->form, "priority");
	int priority;
	f.message = owners_check(f.pattern, f.login, f.priority, &priority, &f.field);
	if (f.message) {
		owners_page(c, 422, &f);
		return;
	}
	if (store_begin(c->store) != 0) {
		respond_error(c, 503, "db_busy", "The database is busy; try again in a moment.", NULL);
		return;
	}
	int64_t id = owners_add(c->store, f.pattern, f.login, priority, c->actor);
	if (id < 0) {
		manage_store_failed(c, "adding an owner rule");
		return;
	}
	if (store_commit(c->store) != 0) {
		manage_store_failed(c, "committing the owner rule");
		return;
	}
	respond_redirect(c, id ? "/github/owners?done=added" : "/github/owners?done=exists");
}

/* POST /github/owners/:id/delete - admins (CSRF).  404 for an unknown rule;
 * otherwise the rule goes with an owner_rule_deleted event, 303. */
void h_github_owner_delete(Ctx *c)
{
	int64_t id = path_id(c, "id");
	if (store_begin(c->store) != 0) {
		respond_error(c, 503, "db_busy", "The database is busy; try again in a moment.", NULL);
		return;
	}
	int rc = id ? owners_delete(c->store, id, c->actor) : 0;
	if (rc < 0) {
		manage_store_failed(c, "deleting an owner rule");
		return;
	}
	if (rc == 0) {
		store_rollback(c->store);
		respond_error(c, 404, "not_found", "There is no such owner rule.", NULL);
		return;
	}
	if (store_commit(c->store) != 0) {
		manage_store_failed(c, "committing the deletion");
		return;
	}
	respond_redirect(c, "/github/owners?done=deleted");
}
