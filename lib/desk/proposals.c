/*
 * proposals.c - proposals: writing, deciding and reading (see
 * proposals.h).  SQL for the proposals table lives here; the decisions
 * reuse the desk's draft functions, lib/desk/clients.c for profile fields and
 * desk_task_change for an approved PRD, so every path writes the same
 * events.  It must not call outside services: the PRD's GitHub issue and
 * the summary are jobs.
 */
#include "desk/proposals.h"
#include "desk/clients.h"
#include "desk/desk_tasks.h"
#include "desk/jobs.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const proposal_kinds[] = {"reply_draft", "prd_review", "follow_up", "profile_edit", NULL};
const char *const proposal_statuses[] = {"pending", "accepted", "rejected", "edited", "superseded", NULL};
const char *const proposal_fields[] = {"name", "company", "email", NULL};

/* The isolation rule (as in lib/desk/desk_tasks.c); binds :admin and :uid. */
#define VISIBLE(col) \
	"(:admin = 1 OR " col " IN (SELECT vm.client_id FROM client_members vm WHERE vm.user_id = :uid))"
#define VIEWER_ARGS(v) SQL_INT(":admin", !(v) || (v)->is_admin), SQL_INT(":uid", (v) ? (v)->id : 0)

static int64_t event(Store *s, const char *type, int64_t client, int64_t task, int64_t msg, const char *actor,
		     json_t *details)
{
	char *d = json_dumps(details, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(details);
	if (!d)
		sb_die("json_dumps failed");
	int64_t id = store_event(s, type, client, task, msg, actor, d);
	free(d);
	return id;
}

static int set_err(ProposalError *e, ProposalErr kind, const char *field, const char *code, const char *fmt, ...)
	SB_PRINTF(5, 6);
static int set_err(ProposalError *e, ProposalErr kind, const char *field, const char *code, const char *fmt, ...)
{
	e->kind = kind;
	e->field = field;
	e->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	return -1;
}

int proposal_err_status(ProposalErr kind)
{
	switch (kind) {
	case PR_OK: return 200;
	case PR_NOT_FOUND: return 404;
	case PR_BAD_STATUS: return 400;
	case PR_NEED_VALUE:
	case PR_BAD_VALUE: return 422;
	case PR_DECIDED: return 409;
	case PR_STORE: break;
	}
	return 500;
}

/* ---- writing ------------------------------------------------------------ */

int64_t proposal_add(Store *s, const ProposalNew *p)
{
	int64_t now = now_ms();
	int rc = store_exec(s,
		"INSERT INTO proposals (kind, client_id, task_id, message_id, document_id, document_commit, batch_id, "
		" field, previous_value, proposed_value, source_text, confidence, created_by, created_at, updated_at) "
		"VALUES (:kind, :c, :t, :m, :d, :commit, :batch, :field, :prev, :val, :src, :conf, :by, :now, :now) "
		"ON CONFLICT DO NOTHING",
		SQL_TEXT(":kind", p->kind), SQL_INT(":c", p->client_id),
		p->task_id > 0 ? SQL_INT(":t", p->task_id) : SQL_NULL(":t"),
		p->message_id > 0 ? SQL_INT(":m", p->message_id) : SQL_NULL(":m"),
		p->document_id > 0 ? SQL_INT(":d", p->document_id) : SQL_NULL(":d"),
		SQL_TEXT(":commit", p->document_commit), SQL_TEXT(":batch", p->batch_id), SQL_TEXT(":field", p->field),
		SQL_TEXT(":prev", p->previous_value), SQL_TEXT(":val", p->proposed_value ? p->proposed_value : ""),
		SQL_TEXT(":src", p->source_text), p->confidence >= 0 ? SQL_REAL(":conf", p->confidence) : SQL_NULL(":conf"),
		SQL_TEXT(":by", p->actor ? p->actor : "worker"), SQL_INT(":now", now), SQL_END);
	if (rc != STORE_OK)
		return -1;
	if (store_changes(s) == 0)
		return 0;
	int64_t id = store_last_id(s);
	json_t *d = json_pack("{s:I,s:s}", "proposal_id", (json_int_t)id, "kind", p->kind);
	if (p->field)
		json_object_set_new(d, "field", json_string(p->field));
	if (p->batch_id)
		json_object_set_new(d, "batch_id", json_string(p->batch_id));
	if (p->document_id > 0)
		json_object_set_new(d, "document_id", json_integer(p->document_id));
	if (p->confidence >= 0)
		json_object_set_new(d, "confidence", json_real(p->confidence));
	if (event(s, "proposal_created", p->client_id, p->task_id, p->message_id, p->actor ? p->actor : "worker", d) < 0)
		return -1;
	return id;
}

/* Write a decision on a pending proposal and its proposal_decided event.
 * 1 written, 0 it was not pending, -1 error. */
static int mark(Store *s, int64_t id, const char *status, const char *edited, const char *commit, const char *actor)
{
	int64_t now = now_ms();
	if (store_exec(s,
		"UPDATE proposals SET status = :st, edited_value = :ed, document_commit = coalesce(:commit, document_commit), "
		" decided_by = :by, decided_at = :now, updated_at = :now WHERE id = :id AND status = 'pending'",
		SQL_TEXT(":st", status), SQL_TEXT(":ed", edited), SQL_TEXT(":commit", commit), SQL_TEXT(":by", actor),
		SQL_INT(":now", now), SQL_INT(":id", id), SQL_END) != STORE_OK)
		return -1;
	if (store_changes(s) == 0)
		return 0;
	Rows *r = store_query(s,
		"SELECT kind, client_id, coalesce(task_id, 0), coalesce(message_id, 0), field, batch_id "
		"FROM proposals WHERE id = :id", SQL_INT(":id", id), SQL_END);
	if (!rows_next(r)) {
		rows_done(r);
		return -1;
	}
	json_t *d = json_pack("{s:I,s:s,s:s,s:s}", "proposal_id", (json_int_t)id, "kind", rows_text(r, 0), "status",
			      status, "by", actor);
	if (!rows_null(r, 4))
		json_object_set_new(d, "field", json_string(rows_text(r, 4)));
	if (!rows_null(r, 5))
		json_object_set_new(d, "batch_id", json_string(rows_text(r, 5)));
	if (commit)
		json_object_set_new(d, "commit", json_string(commit));
	int64_t client = rows_int(r, 1), task = rows_int(r, 2), msg = rows_int(r, 3);
	rows_done(r);
	return event(s, "proposal_decided", client, task, msg, actor, d) < 0 ? -1 : 1;
}

int proposal_draft_decided(Store *s, int64_t message_id, const char *status, const char *edited_body,
			   const char *actor)
{
	int64_t id = store_int(s, 0,
		"SELECT id FROM proposals WHERE message_id = :m AND kind IN ('reply_draft','follow_up') "
		"AND status = 'pending'", SQL_INT(":m", message_id), SQL_END);
	if (!id)
		return 0;
	return mark(s, id, status, edited_body, NULL, actor) < 0 ? -1 : 0;
}

int proposal_prd_version(Store *s, int64_t proposal_id, const char *commit)
{
	return store_exec(s, "UPDATE proposals SET document_commit = :c, updated_at = :now WHERE id = :id",
			  SQL_TEXT(":c", commit), SQL_INT(":now", now_ms()), SQL_INT(":id", proposal_id),
			  SQL_END) == STORE_OK ? 0 : -1;
}

/* ---- deciding ---------------------------------------------------------- */

typedef struct {
	int64_t id, client, task, message, document;
	char kind[16], status[12], field[12];
	char *proposed;
} Row;

static int row_load(Store *s, const User *viewer, int64_t id, Row *r)
{
	memset(r, 0, sizeof *r);
	Rows *rows = store_query(s,
		"SELECT p.id, p.client_id, coalesce(p.task_id, 0), coalesce(p.message_id, 0), coalesce(p.document_id, 0), "
		" p.kind, p.status, coalesce(p.field, ''), p.proposed_value FROM proposals p "
		"WHERE p.id = :id AND " VISIBLE("p.client_id"),
		SQL_INT(":id", id), VIEWER_ARGS(viewer), SQL_END);
	int found = rows_next(rows);
	if (found) {
		r->id = rows_int(rows, 0);
		r->client = rows_int(rows, 1);
		r->task = rows_int(rows, 2);
		r->message = rows_int(rows, 3);
		r->document = rows_int(rows, 4);
		snprintf(r->kind, sizeof r->kind, "%s", rows_text(rows, 5));
		snprintf(r->status, sizeof r->status, "%s", rows_text(rows, 6));
		snprintf(r->field, sizeof r->field, "%s", rows_text(rows, 7));
		r->proposed = xstrdup(rows_text(rows, 8));
	}
	rows_done(rows);
	return found;
}

static int draft_decide(Store *s, const User *viewer, const Row *r, const char *status, const char *edited,
			const char *actor, ProposalError *e)
{
	DeskTaskErr de;
	if (strcmp(status, "rejected") == 0)
		de = desk_draft_reject(s, viewer, r->message, actor, NULL);
	else
		de = desk_draft_approve(s, viewer, r->message, strcmp(status, "edited") == 0 ? edited : NULL, actor, NULL);
	if (de == DT_OK)
		return 0;
	if (de == DT_NOT_FOUND)
		return set_err(e, PR_NOT_FOUND, NULL, "not_found", "There is no such proposal that you may see.");
	if (de == DT_NOT_DRAFT)
		return set_err(e, PR_DECIDED, "status", "already_decided", "Someone decided on this draft already.");
	if (de == DT_STORE)
		return set_err(e, PR_STORE, NULL, "store_failed", "The database failed.");
	return set_err(e, PR_BAD_VALUE, "editedValue", "invalid_value", "%s", desk_task_err_message(de));
}

static int profile_decide(Store *s, const Row *r, const char *status, const char *edited, const char *actor,
			  ProposalError *e)
{
	if (strcmp(status, "rejected") == 0)
		return 0;
	const char *value = strcmp(status, "edited") == 0 ? edited : r->proposed;
	ClientInput in = {0};
	if (strcmp(r->field, "name") == 0)
		in.name = value;
	else if (strcmp(r->field, "company") == 0)
		in.company = value;
	else
		in.email = value;
	ClientError ce;
	if (client_update(s, r->client, &in, actor, &ce) < 0) {
		if (ce.kind == CLIENT_STORE)
			return set_err(e, PR_STORE, NULL, "store_failed", "The database failed.");
		return set_err(e, PR_BAD_VALUE, "editedValue", client_err_code(ce.kind), "%s", ce.message);
	}
	return 0;
}

/* An approved PRD: the task moves to approved, its GitHub issue and a
 * summary update are queued. */
static int prd_approve(Store *s, const User *viewer, const Row *r, const char *actor, ProposalError *e)
{
	DeskTaskChange ch = {.status = "approved"};
	DeskTaskErr de = desk_task_change(s, viewer, r->task, &ch, actor, NULL);
	if (de == DT_NOT_FOUND)
		return set_err(e, PR_NOT_FOUND, NULL, "not_found", "The PRD's task is gone.");
	if (de != DT_OK)
		return set_err(e, PR_STORE, NULL, "store_failed", "The task could not be approved.");
	char payload[96], key[64];
	snprintf(payload, sizeof payload, "{\"task_id\":%lld,\"proposal_id\":%lld}", (long long)r->task,
		 (long long)r->id);
	snprintf(key, sizeof key, "github_issue:%lld", (long long)r->task);
	if (job_enqueue(s, "github_issue", payload, key, r->client, r->task, 0, 0) < 0)
		return set_err(e, PR_STORE, NULL, "store_failed", "The GitHub issue could not be queued.");
	snprintf(payload, sizeof payload, "{\"client_id\":%lld}", (long long)r->client);
	snprintf(key, sizeof key, "summary:prd:%lld", (long long)r->id);
	if (job_enqueue(s, "summary", payload, key, r->client, r->task, 0, 0) < 0)
		return set_err(e, PR_STORE, NULL, "store_failed", "The summary update could not be queued.");
	return event(s, "prd_approved", r->client, r->task, 0, actor,
		     json_pack("{s:I,s:I}", "proposal_id", (json_int_t)r->id, "document_id", (json_int_t)r->document)) < 0
		       ? set_err(e, PR_STORE, NULL, "store_failed", "The database failed.")
		       : 0;
}

int proposal_decide(Store *s, const User *viewer, int64_t id, const char *status, const char *edited_value,
		    const char *edited_commit, const char *actor, ProposalError *e)
{
	memset(e, 0, sizeof *e);
	if (!status || (strcmp(status, "accepted") != 0 && strcmp(status, "rejected") != 0 &&
			strcmp(status, "edited") != 0))
		return set_err(e, PR_BAD_STATUS, "status", "invalid_status",
			       "status must be one of: accepted, rejected, edited.");
	Row r;
	if (!row_load(s, viewer, id, &r))
		return set_err(e, PR_NOT_FOUND, NULL, "not_found", "There is no proposal %lld that you may see.",
			       (long long)id);
	int rc = -1;
	if (strcmp(r.status, "pending") != 0) {
		set_err(e, PR_DECIDED, "status", "already_decided", "This proposal was %s already.", r.status);
		goto out;
	}
	int edited = strcmp(status, "edited") == 0;
	if (edited && (!edited_value || !*edited_value)) {
		set_err(e, PR_NEED_VALUE, "editedValue", "missing_field", "editedValue is required with status edited.");
		goto out;
	}
	if (strcmp(r.kind, "reply_draft") == 0 || strcmp(r.kind, "follow_up") == 0) {
		/* The desk decides the draft and, through proposal_draft_decided,
		 * this row. */
		rc = draft_decide(s, viewer, &r, status, edited_value, actor, e);
		goto out;
	}
	if (strcmp(r.kind, "profile_edit") == 0) {
		if (profile_decide(s, &r, status, edited_value, actor, e) < 0)
			goto out;
	} else if (strcmp(r.kind, "prd_review") == 0) {
		if (edited && !edited_commit) {
			set_err(e, PR_BAD_VALUE, "editedValue", "invalid_value", "The edited PRD was not committed.");
			goto out;
		}
		if (strcmp(status, "rejected") != 0 && prd_approve(s, viewer, &r, actor, e) < 0)
			goto out;
	}
	int m = mark(s, r.id, status, edited ? edited_value : NULL, edited ? edited_commit : NULL, actor);
	if (m < 0)
		set_err(e, PR_STORE, NULL, "store_failed", "The database failed.");
	else if (m == 0)
		set_err(e, PR_DECIDED, "status", "already_decided", "Someone decided on this proposal first.");
	else
		rc = 0;
out:
	free(r.proposed);
	return rc;
}

int proposal_prd_commit(Store *s, const User *viewer, int64_t id, const char *markdown, const char *actor,
			const DocAuthor *author, const char *via, const char *message, char commit[41],
			ProposalError *e)
{
	memset(e, 0, sizeof *e);
	Row r;
	if (!row_load(s, viewer, id, &r) || strcmp(r.kind, "prd_review") != 0 || r.document <= 0) {
		free(r.proposed);
		return set_err(e, PR_NOT_FOUND, NULL, "not_found", "There is no PRD proposal %lld that you may see.",
			       (long long)id);
	}
	free(r.proposed);
	if (strcmp(r.status, "pending") != 0)
		return set_err(e, PR_DECIDED, "status", "already_decided", "This PRD was %s already.", r.status);
	if (!markdown || !*markdown)
		return set_err(e, PR_BAD_VALUE, "editedValue", "blank", "The PRD cannot be empty.");
	DocViewer dv = {viewer ? viewer->id : 0, !viewer || viewer->is_admin};
	DocUpload u = {.document_id = r.document, .data = markdown, .len = strlen(markdown), .actor = actor,
		       .author = author, .via = via, .message = message};
	DocResult dr;
	DocError de;
	if (doc_upload(s, viewer ? &dv : NULL, &u, &dr, &de) != 0) {
		if (de.kind == DOC_STORE || de.kind == DOC_REPO)
			return set_err(e, PR_STORE, NULL, de.code, "%s", de.message);
		return set_err(e, PR_BAD_VALUE, "editedValue", de.code, "%s", de.message);
	}
	if (dr.unchanged) {
		char *cur = store_text(s, "SELECT current_commit FROM documents WHERE id = :id", SQL_INT(":id", r.document),
				       SQL_END);
		snprintf(commit, 41, "%s", cur ? cur : "");
		free(cur);
		return 0;
	}
	snprintf(commit, 41, "%s", dr.commit);
	if (store_begin(s) != 0)
		return set_err(e, PR_STORE, NULL, "db_busy", "The database is busy; the new version is committed.");
	if (proposal_prd_version(s, id, commit) != 0 || store_commit(s) != 0) {
		store_rollback(s);
		return set_err(e, PR_STORE, NULL, "store_failed", "The database failed.");
	}
	return 0;
}

/* ---- reading -------------------------------------------------------------- */

#define PROPOSAL_COLS \
	"p.id, p.kind, p.client_id, c.name, p.task_id, t.title, p.message_id, p.document_id, p.document_commit, " \
	"p.status, p.batch_id, p.field, p.previous_value, p.proposed_value, p.edited_value, p.source_text, " \
	"p.confidence, p.decided_by, p.decided_at, p.created_by, p.created_at, p.updated_at "
#define PROPOSAL_FROM \
	"FROM proposals p JOIN clients c ON c.id = p.client_id LEFT JOIN tasks t ON t.id = p.task_id "

static json_t *col_json(Rows *r, int i)
{
	switch (rows_type(r, i)) {
	case STORE_T_NULL: return json_null();
	case STORE_T_INT: return json_integer(rows_int(r, i));
	case STORE_T_REAL: return json_real(rows_real(r, i));
	default: return json_string(rows_text(r, i));
	}
}

static json_t *row_json(Rows *r)
{
	static const char *const names[] = {
		"id", "kind", "client_id", "client_name", "task_id", "task_title", "message_id", "document_id",
		"document_commit", "status", "batch_id", "field", "previous_value", "proposed_value", "edited_value",
		"source_text", "confidence", "decided_by", "decided_at", "created_by", "created_at", "updated_at",
	};
	json_t *o = json_object();
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		json_object_set_new(o, names[i], col_json(r, (int)i));
	return o;
}

json_t *proposal_get(Store *s, const User *viewer, int64_t id)
{
	Rows *r = store_query(s, "SELECT " PROPOSAL_COLS PROPOSAL_FROM "WHERE p.id = :id AND " VISIBLE("p.client_id"),
			      SQL_INT(":id", id), VIEWER_ARGS(viewer), SQL_END);
	json_t *o = rows_next(r) ? row_json(r) : NULL;
	rows_done(r);
	return o;
}

json_t *proposal_list(Store *s, const User *viewer, int64_t client_id, const char *status, const char *kind,
		      int limit, int offset, int64_t *total)
{
	*total = store_int(s, 0,
		"SELECT count(*) FROM proposals p WHERE p.client_id = :c AND (:st IS NULL OR p.status = :st) "
		"AND (:kind IS NULL OR p.kind = :kind) AND " VISIBLE("p.client_id"),
		SQL_INT(":c", client_id), SQL_TEXT(":st", status), SQL_TEXT(":kind", kind), VIEWER_ARGS(viewer), SQL_END);
	Rows *r = store_query(s,
		"SELECT " PROPOSAL_COLS PROPOSAL_FROM
		"WHERE p.client_id = :c AND (:st IS NULL OR p.status = :st) AND (:kind IS NULL OR p.kind = :kind) "
		"AND " VISIBLE("p.client_id") " ORDER BY p.id DESC LIMIT :limit OFFSET :offset",
		SQL_INT(":c", client_id), SQL_TEXT(":st", status), SQL_TEXT(":kind", kind), VIEWER_ARGS(viewer),
		SQL_INT(":limit", limit), SQL_INT(":offset", offset), SQL_END);
	json_t *a = json_array();
	int rc;
	while ((rc = rows_step(r)) == STORE_ROW)
		json_array_append_new(a, row_json(r));
	rows_done(r);
	if (rc != STORE_OK) {
		json_decref(a);
		return NULL;
	}
	return a;
}

json_t *proposal_profile_batches(Store *s, const User *viewer, int64_t client_id)
{
	Rows *r = store_query(s,
		"SELECT " PROPOSAL_COLS PROPOSAL_FROM
		"WHERE p.client_id = :c AND p.kind = 'profile_edit' AND p.status = 'pending' AND " VISIBLE("p.client_id")
		" ORDER BY p.batch_id IS NULL, (SELECT min(q.id) FROM proposals q WHERE q.batch_id = p.batch_id), p.id",
		SQL_INT(":c", client_id), VIEWER_ARGS(viewer), SQL_END);
	json_t *batches = json_array(), *cur = NULL;
	while (rows_next(r)) {
		json_t *row = row_json(r);
		const char *b = json_string_value(json_object_get(row, "batch_id"));
		if (!cur || !b || strcmp(b, json_string_value(json_object_get(cur, "batch_id"))) != 0) {
			cur = json_pack("{s:s,s:O,s:O,s:[]}", "batch_id", b ? b : "", "source_text",
					json_object_get(row, "source_text"), "created_at", json_object_get(row, "created_at"),
					"items");
			json_array_append_new(batches, cur);
		}
		json_array_append_new(json_object_get(cur, "items"), row);
	}
	rows_done(r);
	return batches;
}

json_t *proposal_batch_ids(Store *s, const User *viewer, const char *batch_id)
{
	Rows *r = store_query(s,
		"SELECT p.id FROM proposals p WHERE p.batch_id = :b AND p.status = 'pending' AND " VISIBLE("p.client_id")
		" ORDER BY p.id", SQL_TEXT(":b", batch_id), VIEWER_ARGS(viewer), SQL_END);
	json_t *a = json_array();
	while (rows_next(r))
		json_array_append_new(a, json_integer(rows_int(r, 0)));
	rows_done(r);
	return a;
}

int64_t proposal_prd_of_task(Store *s, const User *viewer, int64_t task_id)
{
	return store_int(s, 0,
		"SELECT p.id FROM proposals p WHERE p.task_id = :t AND p.kind = 'prd_review' AND " VISIBLE("p.client_id"),
		SQL_INT(":t", task_id), VIEWER_ARGS(viewer), SQL_END);
}
