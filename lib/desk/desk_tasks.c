/*
 * desk_tasks.c - people's changes to tasks and drafts, and the lists the
 * admin shows (see desk_tasks.h).  SQL for those lives here.
 *
 * Every query that reads or changes a task, message or event carries the
 * client-isolation rule in its WHERE clause (VISIBLE below), bound from
 * the viewer: admins (and a NULL viewer) pass, agents only for clients
 * they are attached to.  No network calls and no HTTP.
 *
 * The list queries are fixed texts chosen from small tables, never built
 * at run time: each variant starts from the index that keeps its pages
 * cheap at 100,000 tasks or a million events (a sort-order index, or the
 * rows of one client, one assignee or one agent's clients), and the other
 * filters are "(:x IS NULL OR col = :x)" terms checked on the way.
 */
#include "desk/desk_tasks.h"
#include "desk/desk.h"
#include "desk/proposals.h"
#include "core/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const desk_task_statuses[] = {"open", "waiting", "approved", "closed", NULL};
const char *const desk_task_types[] = {"bug", "consult", "feature_request", "question", "other", NULL};
const char *const desk_task_urgencies[] = {"urgent", "medium", "low", NULL};
const char *const desk_task_routes[] = {"AI", "HUMAN", NULL};
const char *const desk_event_types[] = {
	"message_in", "classified", "task_created", "task_updated", "task_overridden", "message_out",
	"draft_approved", "draft_rejected", "draft_superseded", "message_sent", "message_status", "message_failed",
	"client_created", "client_updated", "summary_updated", "summary_edited", "llm_fallback", "job_dead", "member_added",
	"member_removed", "user_created", "user_disabled", "user_enabled", "user_password_changed", "proposal_created",
	"proposal_decided", "prd_drafted", "prd_revised", "prd_approved", NULL,
};

int desk_one_of(const char *v, const char *const *values)
{
	if (!v)
		return 0;
	for (; *values; values++)
		if (strcmp(v, *values) == 0)
			return 1;
	return 0;
}

/* The isolation rule on a client id column.  Binds :admin and :uid. */
#define VISIBLE(col) \
	"(:admin = 1 OR " col " IN (SELECT vm.client_id FROM client_members vm WHERE vm.user_id = :uid))"
#define VIEWER_ARGS(v) SQL_INT(":admin", !(v) || (v)->is_admin), SQL_INT(":uid", (v) ? (v)->id : 0)

static int viewer_is_admin(const User *v)
{
	return !v || v->is_admin;
}

const char *desk_task_err_field(DeskTaskErr e)
{
	switch (e) {
	case DT_BAD_STATUS: return "status";
	case DT_BAD_TYPE: return "type";
	case DT_BAD_URGENCY: return "urgency";
	case DT_BAD_TITLE: return "title";
	case DT_BAD_ASSIGNEE: return "assignee";
	case DT_BODY_EMPTY:
	case DT_BODY_TOO_LONG:
	case DT_BODY_INVALID:
	case DT_NO_PHONE:
	case DT_DRAFT_EDITED: return "body";
	case DT_BAD_CURSOR: return "after";
	default: return NULL;
	}
}

const char *desk_task_err_message(DeskTaskErr e)
{
	switch (e) {
	case DT_OK: return "Done.";
	case DT_NOT_FOUND: return "There is no such task or message, or you may not see it.";
	case DT_BAD_STATUS: return "Choose one of: open, waiting, approved, closed.";
	case DT_BAD_TYPE: return "Choose one of: bug, consult, feature request, question, other.";
	case DT_BAD_URGENCY: return "Choose one of: urgent, medium, low.";
	case DT_BAD_TITLE: return "Write a title of one line, at most 200 characters.";
	case DT_BAD_ASSIGNEE: return "Choose an active person who may see this client.";
	case DT_BODY_EMPTY: return "Write a message first.";
	case DT_BODY_TOO_LONG: return "Write at most 1600 characters (the longest SMS Twilio sends).";
	case DT_BODY_INVALID: return "Remove the control characters; only text, newlines and tabs can be sent.";
	case DT_NO_PHONE: return "This client has no phone number, so no SMS can be sent.";
	case DT_NOT_DRAFT:
		return "This draft is not waiting any more: someone sent or rejected it, or a reply replaced it. "
		       "Nothing was sent now.";
	case DT_DRAFT_EDITED:
		return "You changed the text but asked to send the draft as written, so nothing was sent. "
		       "Your text is still in the box: press “Send this text” to send it.";
	case DT_BAD_CURSOR: return "That page link is not valid any more; start from the first page.";
	case DT_STORE: return "The database could not save this; try again.";
	}
	return "Unknown error.";
}

/* Characters (code points) in valid UTF-8. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xC0) != 0x80;
	return n;
}

/* Details text for store_event (malloc'd), stealing v. */
static char *json_text(json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(v);
	if (!s)
		sb_die("json_dumps failed");
	return s;
}

static int64_t event(Store *s, const char *type, int64_t client, int64_t task, int64_t msg, const char *actor,
		     json_t *details)
{
	char *d = json_text(details);
	int64_t id = store_event(s, type, client, task, msg, actor, d);
	free(d);
	return id;
}

static json_t *col_json_int(Rows *r, int i)
{
	return rows_null(r, i) ? json_null() : json_integer(rows_int(r, i));
}

static json_t *col_json_text(Rows *r, int i)
{
	return rows_null(r, i) ? json_null() : json_string(rows_text(r, i));
}

/* ---- visibility ------------------------------------------------------ */

int64_t desk_task_client(Store *s, const User *viewer, int64_t task_id)
{
	if (task_id <= 0)
		return 0;
	return store_int(s, 0, "SELECT t.client_id FROM tasks t WHERE t.id = :id AND " VISIBLE("t.client_id"),
			 SQL_INT(":id", task_id), VIEWER_ARGS(viewer), SQL_END);
}

int desk_message_find(Store *s, const User *viewer, int64_t message_id, int64_t *client_id, int64_t *task_id,
		      char status[24])
{
	if (message_id <= 0)
		return 0;
	Rows *r = store_query(s,
		"SELECT m.client_id, m.task_id, m.status FROM messages m WHERE m.id = :id AND " VISIBLE("m.client_id"),
		SQL_INT(":id", message_id), VIEWER_ARGS(viewer), SQL_END);
	int found = rows_next(r);
	if (found) {
		if (client_id)
			*client_id = rows_int(r, 0);
		if (task_id)
			*task_id = rows_int(r, 1);
		if (status)
			snprintf(status, 24, "%s", rows_text(r, 2));
	}
	rows_done(r);
	return found;
}

/* ---- changes --------------------------------------------------------- */

static void note_change(json_t *fields, json_t *changes, const char *name, json_t *from, json_t *to)
{
	json_array_append_new(fields, json_string(name));
	json_object_set_new(changes, name, json_pack("{s:o,s:o}", "from", from, "to", to));
}

static json_t *jid(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

static DeskTaskErr check_title(const char *t)
{
	size_t n = utf8_chars(t);
	int blank = 1;
	for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return DT_BAD_TITLE;
		if (*p != ' ')
			blank = 0;
	}
	return n == 0 || n > DESK_TITLE_MAX || blank ? DT_BAD_TITLE : DT_OK;
}

DeskTaskErr desk_task_change(Store *s, const User *viewer, int64_t task_id, const DeskTaskChange *ch,
			     const char *actor, int *changed)
{
	if (changed)
		*changed = 0;
	if (ch->status && !desk_one_of(ch->status, desk_task_statuses))
		return DT_BAD_STATUS;
	if (ch->type && !desk_one_of(ch->type, desk_task_types))
		return DT_BAD_TYPE;
	if (ch->urgency && !desk_one_of(ch->urgency, desk_task_urgencies))
		return DT_BAD_URGENCY;
	if (ch->title && check_title(ch->title) != DT_OK)
		return DT_BAD_TITLE;
	if (ch->set_assignee && ch->assignee_id < 0)
		return DT_BAD_ASSIGNEE;

	Rows *r = store_query(s,
		"SELECT t.client_id, t.status, t.type, t.urgency, t.title, t.assignee_id, t.closed_at "
		"FROM tasks t WHERE t.id = :id AND " VISIBLE("t.client_id"),
		SQL_INT(":id", task_id), VIEWER_ARGS(viewer), SQL_END);
	if (!rows_next(r)) {
		rows_done(r);
		return DT_NOT_FOUND;
	}
	int64_t client = rows_int(r, 0);
	char *cur_status = xstrdup(rows_text(r, 1)), *cur_type = xstrdup(rows_text(r, 2)),
	     *cur_urgency = xstrdup(rows_text(r, 3)), *cur_title = xstrdup(rows_text(r, 4));
	int64_t cur_assignee = rows_int(r, 5);
	int has_closed_at = !rows_null(r, 6);
	int64_t closed_at = rows_int(r, 6);
	rows_done(r);

	DeskTaskErr rc = DT_OK;
	char *assignee_login = NULL;
	json_t *fields = json_array(), *changes = json_object();
	if (ch->set_assignee && ch->assignee_id != cur_assignee && ch->assignee_id > 0) {
		/* Only an active person who may see the client can take the task. */
		assignee_login = store_text(s,
			"SELECT u.login FROM users u WHERE u.id = :u AND u.disabled_at IS NULL AND (u.role = 'admin' "
			" OR EXISTS (SELECT 1 FROM client_members cm WHERE cm.user_id = u.id AND cm.client_id = :c))",
			SQL_INT(":u", ch->assignee_id), SQL_INT(":c", client), SQL_END);
		if (!assignee_login) {
			rc = DT_BAD_ASSIGNEE;
			goto out;
		}
	}
	int64_t now = now_ms();
	const char *status = cur_status, *type = cur_type, *urgency = cur_urgency, *title = cur_title;
	int64_t assignee = cur_assignee;
	if (ch->status && strcmp(ch->status, cur_status) != 0) {
		note_change(fields, changes, "status", json_string(cur_status), json_string(ch->status));
		status = ch->status;
		if (strcmp(status, "closed") == 0) {
			has_closed_at = 1;
			closed_at = now;
		} else {
			has_closed_at = 0;
		}
	}
	if (ch->type && strcmp(ch->type, cur_type) != 0) {
		note_change(fields, changes, "type", json_string(cur_type), json_string(ch->type));
		type = ch->type;
		if (event(s, "task_overridden", client, task_id, 0, actor,
			  json_pack("{s:s,s:s,s:s}", "field", "type", "from", cur_type, "to", type)) < 0)
			goto fail;
	}
	if (ch->urgency && strcmp(ch->urgency, cur_urgency) != 0) {
		note_change(fields, changes, "urgency", json_string(cur_urgency), json_string(ch->urgency));
		urgency = ch->urgency;
		if (event(s, "task_overridden", client, task_id, 0, actor,
			  json_pack("{s:s,s:s,s:s}", "field", "urgency", "from", cur_urgency, "to", urgency)) < 0)
			goto fail;
	}
	if (ch->title && strcmp(ch->title, cur_title) != 0) {
		note_change(fields, changes, "title", json_string(cur_title), json_string(ch->title));
		title = ch->title;
	}
	if (ch->set_assignee && ch->assignee_id != cur_assignee) {
		note_change(fields, changes, "assignee", jid(cur_assignee), jid(ch->assignee_id));
		assignee = ch->assignee_id;
	}
	size_t n = json_array_size(fields);
	if (n == 0)
		goto out;
	if (store_exec(s,
		"UPDATE tasks SET status = :status, type = :type, urgency = :urgency, title = :title, "
		" assignee_id = :assignee, closed_at = :closed_at, updated_at = :now WHERE id = :id",
		SQL_TEXT(":status", status), SQL_TEXT(":type", type), SQL_TEXT(":urgency", urgency),
		SQL_TEXT(":title", title), assignee ? SQL_INT(":assignee", assignee) : SQL_NULL(":assignee"),
		has_closed_at ? SQL_INT(":closed_at", closed_at) : SQL_NULL(":closed_at"), SQL_INT(":now", now),
		SQL_INT(":id", task_id), SQL_END) != STORE_OK)
		goto fail;
	json_t *d = json_pack("{s:O,s:O}", "fields", fields, "changes", changes);
	if (ch->set_assignee && assignee != cur_assignee)
		json_object_set_new(d, "assignee_login", assignee_login ? json_string(assignee_login) : json_null());
	if (event(s, "task_updated", client, task_id, 0, actor, d) < 0)
		goto fail;
	if (changed)
		*changed = (int)n;
	goto out;
fail:
	rc = DT_STORE;
out:
	json_decref(fields);
	json_decref(changes);
	free(assignee_login);
	free(cur_status);
	free(cur_type);
	free(cur_urgency);
	free(cur_title);
	return rc;
}

DeskTaskErr desk_check_sms_body(const char *body)
{
	if (!body)
		return DT_BODY_EMPTY;
	int blank = 1;
	for (const unsigned char *p = (const unsigned char *)body; *p; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f)
			return DT_BODY_INVALID;
		if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
			blank = 0;
	}
	if (blank)
		return DT_BODY_EMPTY;
	return utf8_chars(body) > DESK_SMS_MAX ? DT_BODY_TOO_LONG : DT_OK;
}

/* A person answered the task (message reply_id), so the AI drafts still
 * pending on it are not the next thing to send any more: each becomes
 * `superseded` (kept, never sent) with a draft_superseded event naming
 * actor, and its proposal is decided the same way.  Returns how many, or
 * -1 on a store error. */
static int supersede_drafts(Store *s, int64_t client, int64_t task, int64_t reply_id, const char *actor)
{
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	Rows *r = store_query(s,
		"SELECT id FROM messages WHERE task_id = :t AND direction = 'out' AND status = 'draft' AND id != :reply "
		"ORDER BY id", SQL_INT(":t", task), SQL_INT(":reply", reply_id), SQL_END);
	int rc;
	while ((rc = rows_step(r)) == STORE_ROW) {
		if (n == cap)
			ids = xrealloc(ids, (cap = cap ? 2 * cap : 4) * sizeof *ids);
		ids[n++] = rows_int(r, 0);
	}
	rows_done(r);
	int out = rc == STORE_OK ? (int)n : -1;
	int64_t now = now_ms();
	for (size_t i = 0; i < n && out >= 0; i++) {
		if (store_exec(s, "UPDATE messages SET status = 'superseded', updated_at = :now "
			          "WHERE id = :id AND status = 'draft'",
			       SQL_INT(":now", now), SQL_INT(":id", ids[i]), SQL_END) != STORE_OK ||
		    event(s, "draft_superseded", client, task, ids[i], actor,
			  json_pack("{s:s,s:s,s:I}", "decision", "superseded", "by", actor, "reply_message_id",
				    (json_int_t)reply_id)) < 0 ||
		    proposal_draft_decided(s, ids[i], "superseded", NULL, actor) < 0)
			out = -1;
	}
	free(ids);
	return out;
}

DeskTaskErr desk_task_reply(Store *s, const User *viewer, int64_t task_id, const char *body, const char *actor,
			    int64_t *message_id, int *superseded)
{
	int64_t client = desk_task_client(s, viewer, task_id);
	if (!client)
		return DT_NOT_FOUND;
	DeskTaskErr e = desk_check_sms_body(body);
	if (e != DT_OK)
		return e;
	if (!store_int(s, 0, "SELECT count(*) FROM clients WHERE id = :id AND coalesce(phone, '') != ''",
		       SQL_INT(":id", client), SQL_END))
		return DT_NO_PHONE;
	int64_t mid = desk_outbound(s, client, task_id, body, actor, 0, 0);
	int n = mid < 0 ? -1 : supersede_drafts(s, client, task_id, mid, actor);
	if (n < 0)
		return DT_STORE;
	if (message_id)
		*message_id = mid;
	if (superseded)
		*superseded = n;
	return DT_OK;
}

/* A visible outbound draft: DT_OK with its task, DT_NOT_FOUND, or
 * DT_NOT_DRAFT when it was decided already. */
static DeskTaskErr find_draft(Store *s, const User *viewer, int64_t message_id, int64_t *client, int64_t *task)
{
	char status[24];
	if (!desk_message_find(s, viewer, message_id, client, task, status))
		return DT_NOT_FOUND;
	if (!store_int(s, 0, "SELECT count(*) FROM messages WHERE id = :id AND direction = 'out'",
		       SQL_INT(":id", message_id), SQL_END))
		return DT_NOT_FOUND;
	return strcmp(status, "draft") == 0 ? DT_OK : DT_NOT_DRAFT;
}

DeskTaskErr desk_draft_approve(Store *s, const User *viewer, int64_t message_id, const char *new_body,
			       const char *actor, int64_t *task_id)
{
	int64_t client = 0, task = 0;
	DeskTaskErr e = find_draft(s, viewer, message_id, &client, &task);
	if (task_id)
		*task_id = task;
	if (e != DT_OK)
		return e;
	if (new_body && (e = desk_check_sms_body(new_body)) != DT_OK)
		return e;
	return desk_send_draft(s, message_id, new_body, actor) == 0 ? DT_OK : DT_STORE;
}

int desk_draft_differs(Store *s, int64_t message_id, const char *text)
{
	char *old = text ? store_text(s, "SELECT body FROM messages WHERE id = :id AND status = 'draft'",
				      SQL_INT(":id", message_id), SQL_END)
			 : NULL;
	int differs = old && strcmp(old, text) != 0;
	free(old);
	return differs;
}

DeskTaskErr desk_draft_reject(Store *s, const User *viewer, int64_t message_id, const char *actor,
			      int64_t *task_id)
{
	int64_t client = 0, task = 0;
	DeskTaskErr e = find_draft(s, viewer, message_id, &client, &task);
	if (task_id)
		*task_id = task;
	if (e != DT_OK)
		return e;
	if (store_exec(s, "UPDATE messages SET status = 'rejected', updated_at = :now WHERE id = :id AND status = 'draft'",
		       SQL_INT(":now", now_ms()), SQL_INT(":id", message_id), SQL_END) != STORE_OK)
		return DT_STORE;
	if (store_changes(s) == 0)
		return DT_NOT_DRAFT;
	if (event(s, "draft_rejected", client, task, message_id, actor,
		  json_pack("{s:s,s:s}", "decision", "rejected", "by", actor)) < 0 ||
	    proposal_draft_decided(s, message_id, "rejected", NULL, actor) < 0)
		return DT_STORE;
	return DT_OK;
}

/* ---- one task -------------------------------------------------------- */

json_t *desk_task_get(Store *s, const User *viewer, int64_t task_id)
{
	Rows *r = store_query(s,
		"SELECT t.id, t.client_id, t.title, t.type, t.urgency, t.status, t.route, t.confidence, t.rule_id, "
		" t.assignee_id, u.login, t.created_at, t.updated_at, t.closed_at, c.name, c.phone, c.email, c.company "
		"FROM tasks t JOIN clients c ON c.id = t.client_id LEFT JOIN users u ON u.id = t.assignee_id "
		"WHERE t.id = :id AND " VISIBLE("t.client_id"),
		SQL_INT(":id", task_id), VIEWER_ARGS(viewer), SQL_END);
	json_t *o = NULL;
	if (rows_next(r)) {
		o = json_object();
		json_object_set_new(o, "id", json_integer(rows_int(r, 0)));
		json_object_set_new(o, "client_id", json_integer(rows_int(r, 1)));
		json_object_set_new(o, "title", json_string(rows_text(r, 2)));
		json_object_set_new(o, "type", json_string(rows_text(r, 3)));
		json_object_set_new(o, "urgency", json_string(rows_text(r, 4)));
		json_object_set_new(o, "status", json_string(rows_text(r, 5)));
		json_object_set_new(o, "route", json_string(rows_text(r, 6)));
		json_object_set_new(o, "confidence", rows_null(r, 7) ? json_null() : json_real(rows_real(r, 7)));
		json_object_set_new(o, "rule_id", col_json_int(r, 8));
		json_object_set_new(o, "assignee_id", col_json_int(r, 9));
		json_object_set_new(o, "assignee_login", col_json_text(r, 10));
		json_object_set_new(o, "created_at", json_integer(rows_int(r, 11)));
		json_object_set_new(o, "updated_at", json_integer(rows_int(r, 12)));
		json_object_set_new(o, "closed_at", col_json_int(r, 13));
		json_object_set_new(o, "client_name", json_string(rows_text(r, 14)));
		json_object_set_new(o, "client_phone", json_string(rows_text(r, 15)));
		json_object_set_new(o, "client_email", col_json_text(r, 16));
		json_object_set_new(o, "client_company", col_json_text(r, 17));
	}
	rows_done(r);
	return o;
}

json_t *desk_task_thread(Store *s, int64_t task_id, int limit, int64_t *total)
{
	*total = store_int(s, 0, "SELECT count(*) FROM messages WHERE task_id = :t", SQL_INT(":t", task_id), SQL_END);
	Rows *r = store_query(s,
		"SELECT * FROM (SELECT id, direction, body, status, error_code, error_message, ai_generated, author, "
		" transport, from_addr, to_addr, type, urgency, confidence, created_at, updated_at FROM messages "
		" WHERE task_id = :t ORDER BY id DESC LIMIT :limit) ORDER BY id",
		SQL_INT(":t", task_id), SQL_INT(":limit", limit), SQL_END);
	json_t *rows = json_array();
	while (rows_next(r)) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(rows_int(r, 0)));
		json_object_set_new(o, "direction", json_string(rows_text(r, 1)));
		json_object_set_new(o, "body", json_string(rows_text(r, 2)));
		json_object_set_new(o, "status", json_string(rows_text(r, 3)));
		json_object_set_new(o, "error_code", col_json_text(r, 4));
		json_object_set_new(o, "error_message", col_json_text(r, 5));
		json_object_set_new(o, "ai_generated", json_boolean(rows_int(r, 6)));
		json_object_set_new(o, "author", col_json_text(r, 7));
		json_object_set_new(o, "transport", col_json_text(r, 8));
		json_object_set_new(o, "from_addr", json_string(rows_text(r, 9)));
		json_object_set_new(o, "to_addr", json_string(rows_text(r, 10)));
		json_object_set_new(o, "type", col_json_text(r, 11));
		json_object_set_new(o, "urgency", col_json_text(r, 12));
		json_object_set_new(o, "confidence", rows_null(r, 13) ? json_null() : json_real(rows_real(r, 13)));
		json_object_set_new(o, "created_at", json_integer(rows_int(r, 14)));
		json_object_set_new(o, "updated_at", json_integer(rows_int(r, 15)));
		json_array_append_new(rows, o);
	}
	rows_done(r);
	return rows;
}

/* Details of the newest (or oldest) event of a type on a task, or null. */
static json_t *task_event_details(Store *s, int64_t task_id, const char *type, int newest)
{
	char *d = newest ? store_text(s,
		"SELECT details FROM events WHERE task_id = :t AND event_type = :type ORDER BY id DESC LIMIT 1",
		SQL_INT(":t", task_id), SQL_TEXT(":type", type), SQL_END)
			 : store_text(s,
		"SELECT details FROM events WHERE task_id = :t AND event_type = :type ORDER BY id LIMIT 1",
		SQL_INT(":t", task_id), SQL_TEXT(":type", type), SQL_END);
	json_t *v = d ? json_loads(d, 0, NULL) : NULL;
	free(d);
	return v ? v : json_null();
}

json_t *desk_task_classification(Store *s, int64_t task_id, int64_t rule_id)
{
	json_t *o = json_object();
	json_object_set_new(o, "classified", task_event_details(s, task_id, "classified", 1));
	json_object_set_new(o, "routed", task_event_details(s, task_id, "task_created", 0));
	json_t *rule = json_null();
	if (rule_id > 0) {
		Rows *r = store_query(s, "SELECT id, type, urgency, route, auto_send FROM routing_rules WHERE id = :id",
				      SQL_INT(":id", rule_id), SQL_END);
		if (rows_next(r))
			rule = json_pack("{s:I,s:s,s:s,s:s,s:b}", "id", (json_int_t)rows_int(r, 0), "type",
					 rows_text(r, 1), "urgency", rows_text(r, 2), "route", rows_text(r, 3),
					 "auto_send", (int)rows_int(r, 4));
		rows_done(r);
	}
	json_object_set_new(o, "rule", rule);
	json_object_set_new(o, "overrides",
			    json_integer(store_int(s, 0,
				"SELECT count(*) FROM events WHERE task_id = :t AND event_type = 'task_overridden'",
				SQL_INT(":t", task_id), SQL_END)));
	return o;
}

json_t *desk_client_choices(Store *s, const User *viewer, int limit, int *more)
{
	*more = 0;
	Rows *r = store_query(s,
		"SELECT c.id, c.name, c.phone FROM clients c WHERE " VISIBLE("c.id")
		" ORDER BY c.name COLLATE NOCASE, c.id LIMIT :limit",
		VIEWER_ARGS(viewer), SQL_INT(":limit", limit + 1), SQL_END);
	json_t *rows = json_array();
	while (rows_next(r)) {
		if ((int)json_array_size(rows) == limit) {
			*more = 1;
			break;
		}
		const char *name = rows_text(r, 1);
		json_array_append_new(rows, json_pack("{s:I,s:s}", "id", (json_int_t)rows_int(r, 0),
						      "label", *name ? name : rows_text(r, 2)));
	}
	rows_done(r);
	return rows;
}

json_t *desk_user_choices(Store *s, int64_t client_id)
{
	Rows *r = store_query(s,
		"SELECT u.id, u.login, u.name FROM users u WHERE u.disabled_at IS NULL AND (:c = 0 OR u.role = 'admin' "
		" OR EXISTS (SELECT 1 FROM client_members cm WHERE cm.user_id = u.id AND cm.client_id = :c)) "
		"ORDER BY u.login",
		SQL_INT(":c", client_id), SQL_END);
	json_t *rows = json_array();
	while (rows_next(r))
		json_array_append_new(rows, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)rows_int(r, 0),
						      "login", rows_text(r, 1), "name", rows_text(r, 2)));
	rows_done(r);
	return rows;
}

/* ---- lists ----------------------------------------------------------- */

/* The SQL variants of one list share one argument array, and
 * store_query_some binds the parameters each variant uses. */

/* Task list: the driving clause picks the rows of one page by id (an
 * index walk in sort order, or one client's / assignee's / agent's / rare
 * status's tasks sorted), and only those few rows are joined to their
 * client and assignee. */
#define TL_OUTER \
	"SELECT t.id, t.title, t.client_id, c.name, c.phone, t.type, t.urgency, t.status, t.route, t.confidence, " \
	" t.assignee_id, u.login, t.created_at, t.updated_at FROM (SELECT t.id AS pid FROM tasks t "
#define TL_JOIN \
	") p JOIN tasks t ON t.id = p.pid LEFT JOIN clients c ON c.id = t.client_id " \
	"LEFT JOIN users u ON u.id = t.assignee_id "
#define TL_FILTERS \
	"(:status IS NULL OR t.status = :status) AND (:type IS NULL OR t.type = :type) " \
	"AND (:urgency IS NULL OR t.urgency = :urgency) AND (:route IS NULL OR t.route = :route) " \
	"AND (:client IS NULL OR t.client_id = :client) AND (:assignee IS NULL OR t.assignee_id = :assignee) " \
	"AND (:unassigned = 0 OR t.assignee_id IS NULL) AND " VISIBLE("t.client_id")
#define TL_DRIVE_SCAN "WHERE "
#define TL_DRIVE_CLIENT "WHERE t.client_id = :client AND "
#define TL_DRIVE_ASSIGNEE "WHERE t.assignee_id = :assignee AND "
#define TL_DRIVE_AGENT "WHERE t.client_id IN (SELECT am.client_id FROM client_members am WHERE am.user_id = :uid) AND "
#define TL_DRIVE_STATUS "WHERE t.status = :status AND "
/* (Without INDEXED BY the planner may walk a status by creation date and
 * test every task's client, which costs a whole status at 100,000.) */
#define TL_DRIVE_AGENT_STATUS \
	"INDEXED BY tasks_client_status WHERE t.client_id IN (SELECT am.client_id FROM client_members am WHERE am.user_id = :uid) " \
	"AND t.status = :status AND "
/* 'urgent' > 'medium' > 'low' as text, so urgency DESC is most urgent first. */
#define TL_ORDER_UPDATED "ORDER BY t.updated_at DESC, t.id DESC"
#define TL_ORDER_CREATED "ORDER BY t.created_at DESC, t.id DESC"
#define TL_ORDER_URGENCY "ORDER BY t.urgency DESC, t.updated_at DESC, t.id DESC"
#define TL_SORT_UPDATED " AND (t.updated_at, t.id) < (:k, :kid) " TL_ORDER_UPDATED " LIMIT :limit" TL_JOIN TL_ORDER_UPDATED
#define TL_SORT_CREATED " AND (t.created_at, t.id) < (:k, :kid) " TL_ORDER_CREATED " LIMIT :limit" TL_JOIN TL_ORDER_CREATED
#define TL_SORT_URGENCY \
	" AND (t.urgency, t.updated_at, t.id) < (:ku, :k, :kid) " TL_ORDER_URGENCY " LIMIT :limit" TL_JOIN TL_ORDER_URGENCY
#define TL(drive) \
	{TL_OUTER drive TL_FILTERS TL_SORT_UPDATED, TL_OUTER drive TL_FILTERS TL_SORT_CREATED, \
	 TL_OUTER drive TL_FILTERS TL_SORT_URGENCY}

enum { DRIVE_SCAN, DRIVE_CLIENT, DRIVE_ASSIGNEE, DRIVE_AGENT, DRIVE_STATUS, DRIVE_AGENT_STATUS };
static const char *const task_list_sql[6][3] = {
	TL(TL_DRIVE_SCAN), TL(TL_DRIVE_CLIENT),	TL(TL_DRIVE_ASSIGNEE),
	TL(TL_DRIVE_AGENT), TL(TL_DRIVE_STATUS), TL(TL_DRIVE_AGENT_STATUS),
};

/* Counts per status, by the list's drive.  An admin's counts without a
 * client or assignee come from task_facet_counts (kept by triggers,
 * migration 0004); the others read one client's, one assignee's or one
 * agent's tasks. */
#define TC_FILTERS \
	"(:type IS NULL OR t.type = :type) AND (:urgency IS NULL OR t.urgency = :urgency) " \
	"AND (:route IS NULL OR t.route = :route) AND (:assignee IS NULL OR t.assignee_id = :assignee) " \
	"AND (:unassigned = 0 OR t.assignee_id IS NULL)"
static const char *const task_count_sql[4] = {
	"SELECT f.status, sum(f.n) FROM task_facet_counts f WHERE (:type IS NULL OR f.type = :type) "
	"AND (:urgency IS NULL OR f.urgency = :urgency) AND (:route IS NULL OR f.route = :route) "
	"AND (:unassigned = 0 OR f.assigned = 0) GROUP BY f.status",
	"SELECT t.status, count(*) FROM tasks t " TL_DRIVE_CLIENT TC_FILTERS " AND " VISIBLE("t.client_id")
	" GROUP BY t.status",
	"SELECT t.status, count(*) FROM tasks t " TL_DRIVE_ASSIGNEE TC_FILTERS " AND " VISIBLE("t.client_id")
	" GROUP BY t.status",
	"SELECT t.status, count(*) FROM tasks t " TL_DRIVE_AGENT TC_FILTERS " GROUP BY t.status",
};

/* Without type, urgency, route or assignee filters, the counts come from
 * task_counts (kept by triggers, migration 0004): a few rows per client. */
static const char *const task_count_fast_sql[4] = {
	"SELECT k.status, sum(k.n) FROM task_counts k GROUP BY k.status",
	"SELECT k.status, sum(k.n) FROM task_counts k WHERE k.client_id = :client AND " VISIBLE("k.client_id")
	" GROUP BY k.status",
	NULL,
	"SELECT k.status, sum(k.n) FROM task_counts k "
	"WHERE k.client_id IN (SELECT am.client_id FROM client_members am WHERE am.user_id = :uid) GROUP BY k.status",
};

/* Below this many matching rows, sorting them beats walking the sort index
 * past the rows that do not match: a rare status is read through its
 * index, and an agent's tasks through his clients. */
#define STATUS_DRIVE_MAX 5000
#define AGENT_DRIVE_MAX 2000

static int task_drive(const User *viewer, const DeskTaskFilter *f)
{
	if (f->client_id > 0)
		return DRIVE_CLIENT;
	if (f->assignee_id > 0)
		return DRIVE_ASSIGNEE;
	/* An agent who sees many tasks finds a page of them soon enough in
	 * sort order (the VISIBLE term filters); one who sees few has them
	 * (of the status asked for) all sorted. */
	if (!viewer_is_admin(viewer))
		return f->matching > AGENT_DRIVE_MAX ? DRIVE_SCAN : f->status ? DRIVE_AGENT_STATUS : DRIVE_AGENT;
	if (f->status && f->matching > 0 && f->matching <= STATUS_DRIVE_MAX)
		return DRIVE_STATUS;
	return DRIVE_SCAN;
}

/* Parse a decimal int64 from *p up to a '.' or the end; advances *p. */
static int parse_i64(const char **p, int64_t *out)
{
	const char *s = *p;
	int64_t v = 0;
	int n = 0;
	while (*s >= '0' && *s <= '9' && n < 18) {
		v = v * 10 + (*s - '0');
		s++;
		n++;
	}
	if (n == 0 || (*s && *s != '.'))
		return -1;
	*p = *s ? s + 1 : s;
	*out = v;
	return 0;
}

/* Cursor text: "KEY.ID" (updated, created) or "URGENCY.KEY.ID". */
static int cursor_parse(DeskTaskSort sort, const char *c, char urgency[16], int64_t *key, int64_t *id)
{
	const char *p = c;
	if (sort == TASK_SORT_URGENCY) {
		const char *dot = strchr(p, '.');
		if (!dot || dot - p >= 16)
			return -1;
		memcpy(urgency, p, (size_t)(dot - p));
		urgency[dot - p] = '\0';
		if (!desk_one_of(urgency, desk_task_urgencies))
			return -1;
		p = dot + 1;
	}
	if (parse_i64(&p, key) < 0 || !*p || parse_i64(&p, id) < 0 || *p)
		return -1;
	return 0;
}

json_t *desk_task_list(Store *s, const User *viewer, const DeskTaskFilter *f, char **next, DeskTaskErr *err)
{
	*next = NULL;
	*err = DT_OK;
	char ku[16] = "~"; /* sorts after every urgency */
	int64_t k = INT64_MAX, kid = INT64_MAX;
	if (f->after && *f->after && cursor_parse(f->sort, f->after, ku, &k, &kid) < 0) {
		*err = DT_BAD_CURSOR;
		return NULL;
	}
	int limit = f->limit < 1 ? 50 : f->limit > 200 ? 200 : f->limit;
	SqlArg args[] = {
		SQL_TEXT(":status", f->status), SQL_TEXT(":type", f->type), SQL_TEXT(":urgency", f->urgency),
		SQL_TEXT(":route", f->route),
		f->client_id > 0 ? SQL_INT(":client", f->client_id) : SQL_NULL(":client"),
		f->assignee_id > 0 ? SQL_INT(":assignee", f->assignee_id) : SQL_NULL(":assignee"),
		SQL_INT(":unassigned", f->unassigned != 0), VIEWER_ARGS(viewer),
		SQL_TEXT(":ku", ku), SQL_INT(":k", k), SQL_INT(":kid", kid), SQL_INT(":limit", limit + 1), SQL_END,
	};
	int sort = f->sort == TASK_SORT_CREATED ? 1 : f->sort == TASK_SORT_URGENCY ? 2 : 0;
	Rows *r = store_query_some(s, task_list_sql[task_drive(viewer, f)][sort], args);
	json_t *rows = json_array();
	int rc, n = 0;
	while ((rc = rows_step(r)) == STORE_ROW) {
		if (n++ == limit) {
			/* one more row exists: the last row shown is the cursor */
			json_t *last = json_array_get(rows, json_array_size(rows) - 1);
			int64_t lid = json_integer_value(json_object_get(last, "id"));
			int64_t lkey = json_integer_value(
				json_object_get(last, f->sort == TASK_SORT_CREATED ? "created_at" : "updated_at"));
			if (f->sort == TASK_SORT_URGENCY)
				*next = xasprintf("%s.%" PRId64 ".%" PRId64,
						  json_string_value(json_object_get(last, "urgency")), lkey, lid);
			else
				*next = xasprintf("%" PRId64 ".%" PRId64, lkey, lid);
			rc = STORE_OK;
			break;
		}
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(rows_int(r, 0)));
		json_object_set_new(o, "title", json_string(rows_text(r, 1)));
		json_object_set_new(o, "client_id", json_integer(rows_int(r, 2)));
		json_object_set_new(o, "client_name", json_string(rows_text(r, 3)));
		json_object_set_new(o, "client_phone", json_string(rows_text(r, 4)));
		json_object_set_new(o, "type", json_string(rows_text(r, 5)));
		json_object_set_new(o, "urgency", json_string(rows_text(r, 6)));
		json_object_set_new(o, "status", json_string(rows_text(r, 7)));
		json_object_set_new(o, "route", json_string(rows_text(r, 8)));
		json_object_set_new(o, "confidence", rows_null(r, 9) ? json_null() : json_real(rows_real(r, 9)));
		json_object_set_new(o, "assignee_id", col_json_int(r, 10));
		json_object_set_new(o, "assignee_login", col_json_text(r, 11));
		json_object_set_new(o, "created_at", json_integer(rows_int(r, 12)));
		json_object_set_new(o, "updated_at", json_integer(rows_int(r, 13)));
		json_array_append_new(rows, o);
	}
	rows_done(r);
	if (rc != STORE_OK) {
		json_decref(rows);
		free(*next);
		*next = NULL;
		*err = DT_STORE;
		return NULL;
	}
	return rows;
}

int desk_task_counts(Store *s, const User *viewer, const DeskTaskFilter *f, int64_t counts[4])
{
	memset(counts, 0, 4 * sizeof counts[0]);
	SqlArg args[] = {
		SQL_TEXT(":type", f->type), SQL_TEXT(":urgency", f->urgency), SQL_TEXT(":route", f->route),
		f->client_id > 0 ? SQL_INT(":client", f->client_id) : SQL_NULL(":client"),
		f->assignee_id > 0 ? SQL_INT(":assignee", f->assignee_id) : SQL_NULL(":assignee"),
		SQL_INT(":unassigned", f->unassigned != 0), VIEWER_ARGS(viewer), SQL_END,
	};
	/* The drive of the list without its row-count hint: the counts are
	 * what gives the list that hint. */
	int drive = f->client_id > 0 ? DRIVE_CLIENT : f->assignee_id > 0 ? DRIVE_ASSIGNEE
		  : !viewer_is_admin(viewer) ? DRIVE_AGENT : DRIVE_SCAN;
	int plain = !f->type && !f->urgency && !f->route && !f->assignee_id && !f->unassigned;
	Rows *r = store_query_some(s, plain && task_count_fast_sql[drive] ? task_count_fast_sql[drive]
									  : task_count_sql[drive], args);
	int rc;
	while ((rc = rows_step(r)) == STORE_ROW) {
		const char *status = rows_text(r, 0);
		for (int i = 0; desk_task_statuses[i]; i++)
			if (strcmp(status, desk_task_statuses[i]) == 0)
				counts[i] = rows_int(r, 1);
	}
	rows_done(r);
	return rc == STORE_OK ? 0 : -1;
}

/* A draft (alias d) that is still the next thing to send: nothing has
 * been sent or queued to the client on its task since it was written.
 * Drafts left pending before replies superseded them fall out here. */
#define STILL_NEXT(d) \
	"NOT EXISTS (SELECT 1 FROM messages nx WHERE nx.task_id = " d ".task_id AND nx.id > " d ".id " \
	" AND nx.direction = 'out' AND nx.status NOT IN ('draft', 'rejected', 'superseded'))"

json_t *desk_draft_list(Store *s, const User *viewer, int64_t after_id, int limit, int *more)
{
	*more = 0;
	if (limit < 1 || limit > 200)
		limit = 20;
	Rows *r = store_query(s,
		"SELECT m.id, m.body, m.created_at, m.client_id, c.name, c.phone, m.task_id, t.title, t.type, "
		" t.urgency, "
		" (SELECT i.body FROM messages i WHERE i.task_id = m.task_id AND i.direction = 'in' "
		"  ORDER BY i.id DESC LIMIT 1), "
		" (SELECT i.created_at FROM messages i WHERE i.task_id = m.task_id AND i.direction = 'in' "
		"  ORDER BY i.id DESC LIMIT 1) "
		"FROM messages m LEFT JOIN clients c ON c.id = m.client_id LEFT JOIN tasks t ON t.id = m.task_id "
		"WHERE m.status = 'draft' AND m.id > :after AND " VISIBLE("m.client_id") " AND " STILL_NEXT("m")
		" ORDER BY m.id LIMIT :limit",
		SQL_INT(":after", after_id), VIEWER_ARGS(viewer), SQL_INT(":limit", limit + 1), SQL_END);
	json_t *rows = json_array();
	int rc;
	while ((rc = rows_step(r)) == STORE_ROW) {
		if ((int)json_array_size(rows) == limit) {
			*more = 1;
			rc = STORE_OK;
			break;
		}
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(rows_int(r, 0)));
		json_object_set_new(o, "body", json_string(rows_text(r, 1)));
		json_object_set_new(o, "created_at", json_integer(rows_int(r, 2)));
		json_object_set_new(o, "client_id", json_integer(rows_int(r, 3)));
		json_object_set_new(o, "client_name", json_string(rows_text(r, 4)));
		json_object_set_new(o, "client_phone", json_string(rows_text(r, 5)));
		json_object_set_new(o, "task_id", col_json_int(r, 6));
		json_object_set_new(o, "task_title", col_json_text(r, 7));
		json_object_set_new(o, "task_type", col_json_text(r, 8));
		json_object_set_new(o, "task_urgency", col_json_text(r, 9));
		json_object_set_new(o, "last_in_body", col_json_text(r, 10));
		json_object_set_new(o, "last_in_at", col_json_int(r, 11));
		json_array_append_new(rows, o);
	}
	rows_done(r);
	if (rc != STORE_OK) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}

int64_t desk_draft_count(Store *s, const User *viewer)
{
	return store_int(s, 0, "SELECT count(*) FROM messages m WHERE m.status = 'draft' AND " VISIBLE("m.client_id")
			 " AND " STILL_NEXT("m"),
			 VIEWER_ARGS(viewer), SQL_END);
}

/* Event feed: like the task list, one text per driving index; the page's
 * ids are picked first and only they are joined. */
#define EL_COLS \
	"SELECT e.id, e.event_type, e.client_id, c.name, c.phone, e.task_id, t.title, e.message_id, mm.task_id, " \
	" e.actor, e.details, e.created_at "
#define EL_JOINS \
	"LEFT JOIN clients c ON c.id = e.client_id LEFT JOIN tasks t ON t.id = e.task_id " \
	"LEFT JOIN messages mm ON mm.id = e.message_id "
#define EL_PICK(drive) \
	EL_COLS "FROM (SELECT e.id AS pid FROM events e WHERE " drive \
	"(:type IS NULL OR e.event_type = :type) AND (:client IS NULL OR e.client_id = :client) " \
	"AND " VISIBLE("e.client_id") " AND e.id < :before ORDER BY e.id DESC LIMIT :limit) p " \
	"JOIN events e ON e.id = p.pid " EL_JOINS "ORDER BY e.id DESC"
enum { EV_SCAN, EV_TYPE, EV_CLIENT, EV_AGENT };
static const char *const event_list_sql[4] = {
	EL_PICK(""),
	EL_PICK("e.event_type = :type AND "),
	EL_PICK("e.client_id = :client AND "),
	EL_PICK("e.client_id IN (SELECT am.client_id FROM client_members am WHERE am.user_id = :uid) AND "),
};

static json_t *event_row(Rows *r)
{
	json_t *o = json_object();
	const char *type = rows_text(r, 1);
	json_object_set_new(o, "id", json_integer(rows_int(r, 0)));
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "client_id", col_json_int(r, 2));
	const char *name = rows_text(r, 3);
	json_object_set_new(o, "client_name", rows_null(r, 2) ? json_null()
					      : json_string(*name ? name : rows_text(r, 4)));
	json_object_set_new(o, "task_id", col_json_int(r, 5));
	json_object_set_new(o, "task_title", col_json_text(r, 6));
	json_object_set_new(o, "message_id", col_json_int(r, 7));
	json_object_set_new(o, "message_task_id", col_json_int(r, 8));
	json_object_set_new(o, "actor", json_string(rows_text(r, 9)));
	json_t *details = json_loads(rows_text(r, 10), 0, NULL);
	if (!json_is_object(details)) {
		json_decref(details);
		details = json_object();
	}
	char *summary = desk_event_summary(type, details);
	json_object_set_new(o, "summary", json_string(summary));
	free(summary);
	json_object_set_new(o, "details", details);
	json_object_set_new(o, "created_at", json_integer(rows_int(r, 11)));
	return o;
}

json_t *desk_event_list(Store *s, const User *viewer, const char *type, int64_t client_id, int64_t before_id,
			int limit, int *more)
{
	*more = 0;
	if (limit < 1 || limit > 200)
		limit = 50;
	int drive = client_id > 0 ? EV_CLIENT : !viewer_is_admin(viewer) ? EV_AGENT : type ? EV_TYPE : EV_SCAN;
	SqlArg args[] = {
		SQL_TEXT(":type", type), client_id > 0 ? SQL_INT(":client", client_id) : SQL_NULL(":client"),
		VIEWER_ARGS(viewer), SQL_INT(":before", before_id > 0 ? before_id : INT64_MAX),
		SQL_INT(":limit", limit + 1), SQL_END,
	};
	Rows *r = store_query_some(s, event_list_sql[drive], args);
	json_t *rows = json_array();
	int rc;
	while ((rc = rows_step(r)) == STORE_ROW) {
		if ((int)json_array_size(rows) == limit) {
			*more = 1;
			rc = STORE_OK;
			break;
		}
		json_array_append_new(rows, event_row(r));
	}
	rows_done(r);
	if (rc != STORE_OK) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}

json_t *desk_task_events(Store *s, int64_t task_id, int limit)
{
	Rows *r = store_query(s,
		EL_COLS "FROM events e " EL_JOINS "WHERE e.task_id = :task ORDER BY e.id DESC LIMIT :limit", SQL_INT(":task", task_id),
		SQL_INT(":limit", limit), SQL_END);
	json_t *rows = json_array();
	while (rows_next(r))
		json_array_append_new(rows, event_row(r));
	rows_done(r);
	return rows;
}

/* ---- event summaries ------------------------------------------------- */

static const char *dstr(json_t *d, const char *key)
{
	const char *v = json_string_value(json_object_get(d, key));
	return v ? v : "";
}

/* A JSON scalar for a person: "none" for null, numbers as numbers. */
static void put_value(Buf *b, json_t *v, const char *field)
{
	if (!v || json_is_null(v))
		buf_puts(b, strcmp(field, "assignee") == 0 ? "nobody" : "none");
	else if (json_is_string(v))
		buf_puts(b, json_string_value(v));
	else if (json_is_integer(v))
		buf_printf(b, "%s#%" JSON_INTEGER_FORMAT, strcmp(field, "assignee") == 0 ? "user " : "",
			   json_integer_value(v));
	else if (json_is_boolean(v))
		buf_puts(b, json_is_true(v) ? "yes" : "no");
	else
		buf_puts(b, "…");
}

/* "feature_request" → "feature request" */
static void put_words(Buf *b, const char *s)
{
	for (; *s; s++)
		buf_putc(b, *s == '_' ? ' ' : *s);
}

char *desk_event_summary(const char *type, json_t *d)
{
	Buf b = {0};
	if (!json_is_object(d))
		d = NULL;
	json_t *cls = d ? json_object_get(d, "classification") : NULL;
	if (strcmp(type, "message_in") == 0) {
		buf_printf(&b, "SMS received from %s", *dstr(d, "from") ? dstr(d, "from") : "the client");
		json_t *len = json_object_get(d, "length");
		if (json_is_integer(len))
			buf_printf(&b, " (%" JSON_INTEGER_FORMAT " characters)", json_integer_value(len));
	} else if (strcmp(type, "classified") == 0) {
		buf_puts(&b, "Classified as ");
		put_words(&b, dstr(d, "type"));
		buf_printf(&b, ", %s", dstr(d, "urgency"));
		json_t *conf = json_object_get(d, "confidence");
		if (json_is_number(conf))
			buf_printf(&b, " (%.0f%% sure", json_number_value(conf) * 100);
		else
			buf_puts(&b, " (");
		if (*dstr(d, "provider"))
			buf_printf(&b, ", %s", dstr(d, "provider"));
		buf_puts(&b, ")");
		if (json_is_true(json_object_get(d, "fallback")))
			buf_puts(&b, " by the built-in fallback");
	} else if (strcmp(type, "task_created") == 0) {
		buf_printf(&b, "Task opened, route %s", *dstr(d, "route") ? dstr(d, "route") : "HUMAN");
		json_t *rule = json_object_get(d, "rule_id");
		if (json_is_integer(rule))
			buf_printf(&b, " by rule #%" JSON_INTEGER_FORMAT, json_integer_value(rule));
		if (json_is_true(json_object_get(d, "low_confidence")))
			buf_puts(&b, "; low confidence, so a person answers");
		if (strcmp(dstr(d, "source"), "api") == 0)
			buf_puts(&b, " (created through the API)");
	} else if (strcmp(type, "task_updated") == 0) {
		json_t *changes = d ? json_object_get(d, "changes") : NULL;
		if (json_is_object(changes) && json_object_size(changes)) {
			const char *field;
			json_t *ch;
			int first = 1;
			json_object_foreach(changes, field, ch) {
				buf_printf(&b, "%s%s: ", first ? "Changed " : "; ", field);
				first = 0;
				put_value(&b, json_object_get(ch, "from"), field);
				buf_puts(&b, " → ");
				if (strcmp(field, "assignee") == 0 && json_is_string(json_object_get(d, "assignee_login")))
					buf_puts(&b, dstr(d, "assignee_login"));
				else
					put_value(&b, json_object_get(ch, "to"), field);
			}
		} else if (json_is_object(cls)) {
			buf_puts(&b, "A new message joined the task (");
			put_words(&b, dstr(cls, "type"));
			buf_printf(&b, ", %s)", dstr(cls, "urgency"));
		} else {
			buf_puts(&b, "Task updated");
		}
	} else if (strcmp(type, "task_overridden") == 0) {
		buf_printf(&b, "%s overridden: ", strcmp(dstr(d, "field"), "type") == 0 ? "Type" : "Urgency");
		put_words(&b, dstr(d, "from"));
		buf_puts(&b, " → ");
		put_words(&b, dstr(d, "to"));
	} else if (strcmp(type, "message_out") == 0) {
		if (json_is_true(json_object_get(d, "draft")))
			buf_puts(&b, "AI draft written; it waits for review");
		else if (json_is_true(json_object_get(d, "ai_generated")))
			buf_puts(&b, "AI reply queued (auto-send rule)");
		else
			buf_puts(&b, "Reply queued for sending");
	} else if (strcmp(type, "draft_approved") == 0) {
		buf_puts(&b, strcmp(dstr(d, "decision"), "edited") == 0 ? "Draft edited, then sent"
									 : "Draft approved as written");
	} else if (strcmp(type, "draft_rejected") == 0) {
		buf_puts(&b, "Draft rejected (kept, not sent)");
	} else if (strcmp(type, "draft_superseded") == 0) {
		buf_puts(&b, "Draft superseded by a person's reply (kept, not sent)");
	} else if (strcmp(type, "message_sent") == 0) {
		if (strcmp(dstr(d, "transport"), "log") == 0)
			buf_puts(&b, "Recorded as sent by the log channel (Twilio is not configured)");
		else
			buf_printf(&b, "Handed to %s, status %s", dstr(d, "transport"), dstr(d, "status"));
	} else if (strcmp(type, "message_status") == 0) {
		buf_printf(&b, "Delivery status %s → %s", dstr(d, "from"), dstr(d, "status"));
		if (*dstr(d, "error_code"))
			buf_printf(&b, " (error %s)", dstr(d, "error_code"));
	} else if (strcmp(type, "message_failed") == 0) {
		buf_printf(&b, "Sending failed: %s", *dstr(d, "message") ? dstr(d, "message") : "unknown error");
	} else if (strcmp(type, "client_created") == 0) {
		buf_printf(&b, "New client %s", dstr(d, "phone"));
	} else if (strcmp(type, "summary_updated") == 0) {
		buf_puts(&b, "Client summary updated");
	} else if (strcmp(type, "llm_fallback") == 0) {
		buf_printf(&b, "The AI provider failed, the built-in one answered: %s", dstr(d, "note"));
	} else if (strcmp(type, "job_dead") == 0) {
		buf_printf(&b, "Job %s gave up after %" JSON_INTEGER_FORMAT " attempts", dstr(d, "kind"),
			   json_integer_value(json_object_get(d, "attempts")));
	} else if (strcmp(type, "member_added") == 0 || strcmp(type, "member_removed") == 0) {
		buf_printf(&b, "User #%" JSON_INTEGER_FORMAT " %s this client",
			   json_integer_value(json_object_get(d, "user_id")),
			   type[7] == 'a' ? "attached to" : "detached from");
	} else if (strcmp(type, "user_created") == 0) {
		buf_printf(&b, "Account %s created (%s)", dstr(d, "login"), dstr(d, "role"));
	} else if (strcmp(type, "proposal_created") == 0 || strcmp(type, "proposal_decided") == 0) {
		buf_puts(&b, "Proposal (");
		put_words(&b, dstr(d, "kind"));
		if (*dstr(d, "field"))
			buf_printf(&b, ": %s", dstr(d, "field"));
		buf_puts(&b, type[9] == 'c' ? ") made by the AI" : ") ");
		if (type[9] == 'd')
			buf_puts(&b, dstr(d, "status"));
	} else if (strcmp(type, "prd_drafted") == 0) {
		buf_printf(&b, "PRD drafted by the AI (%s) for review", dstr(d, "provider"));
	} else if (strcmp(type, "prd_revised") == 0) {
		buf_printf(&b, "PRD revised by the AI after feedback from %s", dstr(d, "asked_by"));
	} else if (strcmp(type, "prd_approved") == 0) {
		buf_puts(&b, "PRD approved; the GitHub issue and the summary update are queued");
	} else {
		/* An event this file does not know yet: its name in words. */
		if (*type)
			buf_putc(&b, (char)(type[0] >= 'a' && type[0] <= 'z' ? type[0] - 32 : type[0]));
		if (*type)
			put_words(&b, type + 1);
	}
	if (b.len == 0)
		buf_puts(&b, "Event");
	return buf_detach(&b);
}
