/*
 * page_jobs.c - the job queue seen from the admin: what is queued,
 * running, failing (queued again with its last error) or dead, with the
 * attempts, the next run and the last error, and two actions: retry now
 * and cancel.
 *
 * Jobs themselves belong to lib/desk/jobs.c; this page only reads the table
 * (lib/desk/job_admin.c) and calls job_retry_now / job_cancel, each in a transaction with its event
 * (job_retried, job_cancelled) naming the admin.  It must not run a job.
 */
#include "fcgi/handlers.h"
#include "fcgi/view.h"
#include "desk/job_admin.h"
#include "desk/jobs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOBS_PAGE 50

/* The filters: name, label, the states it covers, and whether it wants a
 * last error (1), none (0) or either (-1). */
typedef struct {
	const char *name, *label;
	const char *states[3];
	int with_error;
} JobFilter;

static const JobFilter FILTERS[] = {
	{"open", "Needs a look", {"queued", "running", "dead"}, -1},
	{"queued", "Queued", {"queued", "queued", "queued"}, 0},
	{"failed", "Failed, will retry", {"queued", "queued", "queued"}, 1},
	{"running", "Running", {"running", "running", "running"}, -1},
	{"dead", "Dead", {"dead", "dead", "dead"}, -1},
	{"cancelled", "Cancelled", {"cancelled", "cancelled", "cancelled"}, -1},
	{"done", "Done", {"done", "done", "done"}, -1},
};

static const JobFilter *filter_named(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_LEN(FILTERS); i++)
		if (strcmp(FILTERS[i].name, name) == 0)
			return &FILTERS[i];
	return &FILTERS[0];
}

static const char *state_label(const char *state, int has_error)
{
	if (strcmp(state, "queued") == 0)
		return has_error ? "Failed, will retry" : "Queued";
	if (strcmp(state, "running") == 0)
		return "Running";
	if (strcmp(state, "dead") == 0)
		return "Dead";
	if (strcmp(state, "cancelled") == 0)
		return "Cancelled";
	return "Done";
}

/* Counts of the states that need attention, for the filter links. */
static json_t *filter_links(Ctx *c, const JobFilter *cur)
{
	int64_t n[4] = {0}; /* queued, failed, running, dead */
	job_admin_state_counts(c->store, n);
	json_t *a = json_array();
	for (size_t i = 0; i < ARRAY_LEN(FILTERS); i++) {
		const JobFilter *f = &FILTERS[i];
		json_t *o = json_pack("{s:s,s:s,s:b}", "name", f->name, "label", f->label, "current", f == cur);
		int64_t k = -1;
		if (strcmp(f->name, "open") == 0)
			k = n[0] + n[1] + n[2] + n[3];
		else if (strcmp(f->name, "queued") == 0)
			k = n[0];
		else if (strcmp(f->name, "failed") == 0)
			k = n[1];
		else if (strcmp(f->name, "running") == 0)
			k = n[2];
		else if (strcmp(f->name, "dead") == 0)
			k = n[3];
		if (k >= 0)
			json_object_set_new(o, "count", json_integer(k));
		json_array_append_new(a, o);
	}
	return a;
}

/* GET /jobs?state=FILTER&after=ID - admins.  FILTER: open (queued, running
 * and dead; the default), queued, failed, running, dead, cancelled, done.
 * Newest first, 50 a page; after is the last job id of the previous page. */
void h_jobs(Ctx *c)
{
	const char *fname = params_get(&c->query, "state");
	if (fname && *fname && strcmp(filter_named(fname)->name, fname) != 0) {
		respond_error(c, 400, "bad_query", "Unknown job state filter.", "state");
		return;
	}
	const JobFilter *f = filter_named(fname);
	int64_t after = manage_query_id(c, "after");
	int64_t now = now_ms();
	int finished = strcmp(f->name, "done") == 0 || strcmp(f->name, "cancelled") == 0;
	Rows *r = job_admin_list(c->store, f->states, f->with_error, finished, after, JOBS_PAGE + 1);
	json_t *jobs = json_array();
	int more = 0, rc;
	int64_t last = 0;
	while ((rc = rows_step(r)) == STORE_ROW) {
		if (json_array_size(jobs) == JOBS_PAGE) {
			more = 1;
			continue;
		}
		const char *state = rows_text(r, 2);
		int has_error = !rows_null(r, 6);
		int64_t run_at = rows_int(r, 5);
		last = rows_int(r, 0);
		json_t *j = json_pack("{s:I,s:s,s:s,s:s,s:i,s:i,s:s}", "id", (json_int_t)last, "kind", rows_text(r, 1),
				      "state", has_error && strcmp(state, "queued") == 0 ? "failed" : state, "state_label",
				      state_label(state, has_error), "attempts", (int)rows_int(r, 3), "max_attempts",
				      (int)rows_int(r, 4), "updated", manage_time(c, rows_int(r, 10)));
		if (has_error)
			json_object_set_new(j, "last_error", json_string(rows_text(r, 6)));
		if (strcmp(state, "queued") == 0)
			json_object_set_new(j, "next_run", json_string(run_at <= now ? "due now" : manage_time(c, run_at)));
		else if (strcmp(state, "running") == 0)
			json_object_set_new(j, "next_run",
					    json_string(arena_printf(c->arena, "running on %s until %s", rows_text(r, 11),
								     manage_time(c, rows_int(r, 12)))));
		if (!rows_null(r, 7))
			json_object_set_new(j, "client_id", json_integer(rows_int(r, 7)));
		if (!rows_null(r, 8))
			json_object_set_new(j, "task_id", json_integer(rows_int(r, 8)));
		if (!rows_null(r, 9))
			json_object_set_new(j, "message_id", json_integer(rows_int(r, 9)));
		json_object_set_new(j, "can_retry", json_boolean(strcmp(state, "dead") == 0 ||
								 (strcmp(state, "queued") == 0 && has_error)));
		json_object_set_new(j, "can_cancel",
				    json_boolean(strcmp(state, "queued") == 0 || strcmp(state, "dead") == 0));
		json_array_append_new(jobs, j);
	}
	rows_done(r);
	if (rc != STORE_OK) {
		json_decref(jobs);
		ctx_log(c, "listing jobs failed: %s", store_errmsg(c->store));
		respond_error(c, 500, "store_failed", "The jobs could not be listed.", NULL);
		return;
	}
	json_t *d = page_data(c, "Jobs", "jobs");
	json_object_set_new(d, "filters", filter_links(c, f));
	json_object_set_new(d, "rejected_inbound",
			    json_integer(job_admin_rejected_count(c->store)));
	json_object_set_new(d, "filter", json_string(f->name));
	json_object_set_new(d, "filter_label", json_string(f->label));
	json_object_set_new(d, "empty", json_boolean(json_array_size(jobs) == 0));
	json_object_set_new(d, "jobs", jobs);
	if (more)
		json_object_set_new(d, "next_url",
				    json_string(arena_printf(c->arena, "/jobs?state=%s&after=%lld", f->name, (long long)last)));
	if (after)
		json_object_set_new(d, "first_url", json_string(arena_printf(c->arena, "/jobs?state=%s", f->name)));
	static const ManageFlash flash[] = {
		{"retried", "The job is queued to run now."},
		{"cancelled", "The job is cancelled; it will not run."},
		{NULL, NULL},
	};
	manage_flash(c, d, flash);
	respond_page(c, 200, "pages/jobs", d);
}

/* Retry (retry=1) or cancel one job, with its event, in one transaction,
 * then back to the list the form came from (form field state). */
static void job_action(Ctx *c, int retry)
{
	int64_t id = path_id(c, "id");
	JobSummary job;
	if (!job_admin_get(c->store, id, c->arena, &job)) {
		respond_error(c, 404, "not_found", "There is no such job.", NULL);
		return;
	}
	const char *kind = job.kind, *state = job.state;
	int attempts = job.attempts, has_error = job.has_error;
	int64_t client = job.client_id, task = job.task_id, message = job.message_id;
	const char *back = filter_named(params_get(&c->form, "state"))->name;

	if (store_begin(c->store) != 0) {
		respond_error(c, 503, "db_busy", "The database is busy; try again in a moment.", NULL);
		return;
	}
	const char *shown = has_error && strcmp(state, "queued") == 0 ? "failed" : state;
	if ((retry ? job_retry_now(c->store, id) : job_cancel(c->store, id)) != 0) {
		store_rollback(c->store);
		respond_error(c, 409, "conflict",
			      retry ? arena_printf(c->arena, "Job %lld is %s: only failed or dead jobs can be retried.",
						   (long long)id, shown)
				    : arena_printf(c->arena, "Job %lld is %s: only queued or dead jobs can be cancelled.",
						   (long long)id, shown),
			      NULL);
		return;
	}
	json_t *dj = json_pack("{s:I,s:s,s:s,s:i}", "job_id", (json_int_t)id, "kind", kind, "from_state", shown,
			       "attempts", attempts);
	char *dt = json_dumps(dj, JSON_COMPACT);
	json_decref(dj);
	int64_t ev = store_event(c->store, retry ? "job_retried" : "job_cancelled", client, task, message, c->actor, dt);
	free(dt);
	if (ev < 0) {
		manage_store_failed(c, "recording a job action");
		return;
	}
	if (store_commit(c->store) != 0) {
		manage_store_failed(c, "committing a job action");
		return;
	}
	ctx_log(c, "job=%lld %s by %s", (long long)id, retry ? "retried" : "cancelled", c->actor);
	respond_redirect(c, arena_printf(c->arena, "/jobs?state=%s&done=%s", back, retry ? "retried" : "cancelled"));
}

/* POST /jobs/:id/retry - admins (CSRF).  Form: state (the list to return
 * to).  A dead job or a failed one waiting for its backoff runs now (a dead
 * job gets its attempts back).  Event job_retried.  409 for other states. */
void h_job_retry(Ctx *c)
{
	job_action(c, 1);
}

/* POST /jobs/:id/cancel - admins (CSRF).  Form: state.  A queued or dead
 * job will not run.  Event job_cancelled.  409 for running or finished
 * jobs. */
void h_job_cancel(Ctx *c)
{
	job_action(c, 0);
}
