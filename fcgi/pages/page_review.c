/*
 * page_review.c - the review queue: AI drafts waiting for a person, and
 * the decisions on them (approve as written, edit then send, reject, and
 * approve several at once).  The draft forms on a task page post here too.
 *
 * Each decision is one transaction through lib/desk/desk_tasks.c, which writes
 * the event naming who decided; rejected drafts are kept.  A draft the
 * user may not see is a 404.  This file does not write SQL.
 *
 * What is sent is what the person sees: every draft's text box is posted
 * with the decision (body_<id>; the whole review queue is one form, so
 * the batch carries each ticked draft's box too), and the text in it is
 * sent, recorded as "edited" when it differs from the draft.  A post that
 * asks for "as written" (as_is) with a text that differs is refused, and
 * the text stays in the box.
 */
#include "desk/desk_tasks.h"
#include "fcgi/handlers.h"
#include "fcgi/view.h"

#include <stdlib.h>
#include <string.h>

#define DRAFTS_PER_PAGE 20

/* The text box of draft mid as posted (body_<id>, or body from a form
 * that shows one draft), CRLF → LF; NULL when the form had none. */
static const char *posted_text(Ctx *c, int64_t mid)
{
	const char *v = params_get(&c->form, arena_printf(c->arena, "body_%lld", (long long)mid));
	if (!v)
		v = params_get(&c->form, "body");
	return tp_textarea(c, v);
}

static void review_page(Ctx *c, int status, const TpFormError *e)
{
	const char *after_s = params_get(&c->query, "after");
	int64_t after = after_s && *after_s ? tp_parse_id(after_s) : 0;
	if (after_s && *after_s && !after) {
		respond_error(c, 400, "bad_cursor", "That page link is not valid; start from the first page.", "after");
		return;
	}
	int more = 0;
	json_t *drafts = desk_draft_list(c->store, &c->user, after, DRAFTS_PER_PAGE, &more);
	if (!drafts) {
		tp_change_failed(c, DT_STORE);
		return;
	}
	json_t *d = page_data(c, "Review", "review");
	size_t i;
	json_t *m;
	int64_t last = 0;
	json_array_foreach(drafts, i, m) {
		int64_t id = json_integer_value(json_object_get(m, "id"));
		last = id;
		const char *name = json_string_value(json_object_get(m, "client_name"));
		const char *phone = json_string_value(json_object_get(m, "client_phone"));
		json_object_set_new(m, "client_label", json_string(name && *name ? name : phone && *phone ? phone : "(no name)"));
		json_object_set_new(m, "when", tp_when(json_integer_value(json_object_get(m, "created_at"))));
		json_t *lin = json_object_get(m, "last_in_at");
		if (json_is_integer(lin))
			json_object_set_new(m, "last_in_when", tp_when(json_integer_value(lin)));
		const char *u = json_string_value(json_object_get(m, "task_urgency"));
		if (u)
			json_object_set_new(m, "urgency_label",
					    json_string(!strcmp(u, "urgent") ? "Urgent" : !strcmp(u, "medium") ? "Medium" : "Low"));
		const char *t = json_string_value(json_object_get(m, "task_type"));
		if (t)
			json_object_set_new(m, "type_label", json_string(tp_words(c, t)));
		json_object_set_new(m, "batch", json_true());
		/* Answering a post: every box keeps what the person wrote. */
		const char *mine = e ? params_get(&c->form, arena_printf(c->arena, "body_%lld", (long long)id)) : NULL;
		if (mine)
			json_object_set_new(m, "body", json_string(tp_textarea(c, mine)));
		if (e && e->form && !strcmp(e->form, "draft") && e->draft_id == id) {
			json_object_set_new(m, "error", json_string(e->message));
			if (e->value)
				json_object_set_new(m, "body", json_string(e->value));
		}
		const char *ticked = arena_printf(c->arena, "%lld", (long long)id);
		for (size_t k = 0; e && k < c->form.n; k++)
			if (!strcmp(c->form.v[k].name, "id") && !strcmp(c->form.v[k].value, ticked))
				json_object_set_new(m, "ticked", json_true());
	}
	json_object_set_new(d, "empty", json_boolean(json_array_size(drafts) == 0));
	json_object_set_new(d, "drafts", drafts);
	json_object_set_new(d, "waiting", json_integer(desk_draft_count(c->store, &c->user)));
	if (more)
		json_object_set_new(d, "next_href", json_string(arena_printf(c->arena, "/review?after=%lld", (long long)last)));
	if (after)
		json_object_set_new(d, "first_href", json_string("/review"));
	json_object_set_new(d, "pager", json_boolean(more || after));
	json_object_set_new(d, "next_label", json_string("More drafts"));
	if (e && (!strcmp(e->form, "notice") || !strcmp(e->form, "draft")))
		json_object_set_new(d, "notice", json_string(e->message));
	const char *flash = tp_flash(params_get(&c->query, "done"));
	if (flash && !e) {
		const char *n = params_get(&c->query, "n"), *skipped = params_get(&c->query, "skipped");
		int64_t nn = n ? tp_parse_id(n) : 0;
		const char *edited = params_get(&c->query, "edited");
		int64_t ne = edited ? tp_parse_id(edited) : 0;
		if (!strcmp(params_get(&c->query, "done"), "batch") && n)
			flash = arena_printf(c->arena, "%lld draft%s queued for sending as shown%s.%s", (long long)nn,
					     nn == 1 ? "" : "s",
					     ne ? arena_printf(c->arena, " (%lld with your edits)", (long long)ne) : "",
					     skipped && tp_parse_id(skipped)
						     ? " Others were decided by someone else first, or replaced by a reply."
						     : "");
		json_object_set_new(d, "flash", json_string(flash));
	}
	respond_page(c, status, "pages/review", d);
}

/* GET /review - signed in; drafts of the user's clients only.  Query:
 * after (the last draft id of the previous page), done (flash). */
void h_review(Ctx *c)
{
	review_page(c, 200, NULL);
}

/* Where a draft form came from decides where its answer goes. */
static int from_task(Ctx *c)
{
	const char *r = params_get(&c->form, "return");
	return r && strcmp(r, "task") == 0;
}

/* Show a failed decision next to the draft, on the page it came from. */
static void decision_failed(Ctx *c, int64_t mid, int64_t task, DeskTaskErr e, const char *body)
{
	if (!tp_change_failed(c, e))
		return;
	TpFormError fe = {"draft", mid, "body", desk_task_err_message(e), body};
	int status = 422;
	if (e == DT_NOT_DRAFT) {
		fe.form = "notice";
		status = 409;
	}
	if (from_task(c) && task > 0)
		tp_task_page(c, task, status, &fe);
	else
		review_page(c, status, &fe);
}

static void decided(Ctx *c, int64_t mid, int64_t task, const char *done)
{
	ctx_log(c, "message=%lld task=%lld draft %s by %s", (long long)mid, (long long)task, done, c->actor);
	if (from_task(c) && task > 0)
		respond_redirect(c, arena_printf(c->arena, "/tasks/%lld?done=%s#m%lld", (long long)task, done, (long long)mid));
	else
		respond_redirect(c, arena_printf(c->arena, "/review?done=%s", done));
}

/* POST /messages/:id/approve - signed in, sees the draft's client (404
 * otherwise).  Form: body_<id> (or body): the text in the draft's box
 * (1..1600 characters), which is what is sent, recorded as edited when it
 * differs from the draft; as_is=1 asks for the draft as written: without
 * a text it is sent as stored, with a text that differs it is refused
 * (422, nothing sent, the text kept); return = task | review.  Event
 * draft_approved naming the user; 409 when someone decided first. */
void h_message_approve(Ctx *c)
{
	int64_t mid = path_id(c, "id"), client = 0, task = 0;
	if (!desk_message_find(c->store, &c->user, mid, &client, &task, NULL)) {
		tp_change_failed(c, DT_NOT_FOUND);
		return;
	}
	int as_is = params_get(&c->form, "as_is") != NULL;
	const char *body = posted_text(c, mid);
	DeskTaskErr e = body || !as_is ? desk_check_sms_body(body) : DT_OK;
	if (e != DT_OK) {
		decision_failed(c, mid, task, e, body);
		return;
	}
	if (store_begin(c->store) != 0) {
		tp_change_failed(c, DT_STORE);
		return;
	}
	/* "edited" when the text sent differs from the draft's. */
	int edited = desk_draft_differs(c->store, mid, body);
	if (edited && as_is)
		e = DT_DRAFT_EDITED;
	else
		e = desk_draft_approve(c->store, &c->user, mid, body, c->actor, &task);
	if (e == DT_OK && store_commit(c->store) != 0)
		e = DT_STORE;
	if (e != DT_OK) {
		store_rollback(c->store);
		decision_failed(c, mid, task, e, body);
		return;
	}
	decided(c, mid, task, edited ? "edited" : "approved");
}

/* POST /messages/:id/reject - signed in, sees the draft's client.  Form:
 * return = task | review.  The draft is kept with status `rejected` and
 * an event draft_rejected naming the user. */
void h_message_reject(Ctx *c)
{
	int64_t mid = path_id(c, "id"), task = 0;
	if (!desk_message_find(c->store, &c->user, mid, NULL, &task, NULL)) {
		tp_change_failed(c, DT_NOT_FOUND);
		return;
	}
	if (store_begin(c->store) != 0) {
		tp_change_failed(c, DT_STORE);
		return;
	}
	DeskTaskErr e = desk_draft_reject(c->store, &c->user, mid, c->actor, &task);
	if (e == DT_OK && store_commit(c->store) != 0)
		e = DT_STORE;
	if (e != DT_OK) {
		store_rollback(c->store);
		decision_failed(c, mid, task, e, NULL);
		return;
	}
	decided(c, mid, task, "rejected");
}

/* POST /review/batch - signed in.  Form: id (repeated; the ticked draft
 * ids) and body_<id> (each draft's text box, as the review page posts
 * them).  Sends each ticked visible draft with the text in its box
 * (edited when it differs; as stored when the form has no box for it), all
 * in one transaction; drafts decided by someone else meanwhile are skipped
 * and counted; a text that cannot be sent refuses the whole batch (422,
 * every box kept); an id the user may not see is 404 and nothing is
 * approved. */
void h_review_batch(Ctx *c)
{
	size_t n = params_count(&c->form, "id");
	if (n == 0) {
		review_page(c, 422, &(TpFormError){"notice", 0, NULL, "Tick at least one draft, then approve.", NULL});
		return;
	}
	if (store_begin(c->store) != 0) {
		tp_change_failed(c, DT_STORE);
		return;
	}
	int approved = 0, skipped = 0, edited = 0;
	for (size_t i = 0; i < c->form.n; i++) {
		if (strcmp(c->form.v[i].name, "id") != 0)
			continue;
		int64_t mid = tp_parse_id(c->form.v[i].value);
		const char *body = tp_textarea(c, params_get(&c->form, arena_printf(c->arena, "body_%lld", (long long)mid)));
		int changed = desk_draft_differs(c->store, mid, body);
		DeskTaskErr e = desk_draft_approve(c->store, &c->user, mid, body, c->actor, NULL);
		if (e == DT_NOT_DRAFT) {
			skipped++;
			continue;
		}
		if (e != DT_OK) {
			store_rollback(c->store);
			if (tp_change_failed(c, e))
				review_page(c, 422,
					    &(TpFormError){"draft", mid, "body",
							   arena_printf(c->arena, "Nothing in the batch was sent: %s",
									desk_task_err_message(e)),
							   body});
			return;
		}
		approved++;
		edited += changed;
	}
	if (store_commit(c->store) != 0) {
		tp_change_failed(c, DT_STORE);
		return;
	}
	ctx_log(c, "batch: %d drafts approved (%d edited), %d skipped by %s", approved, edited, skipped, c->actor);
	respond_redirect(c, arena_printf(c->arena, "/review?done=batch&n=%d&edited=%d&skipped=%d", approved, edited,
					 skipped));
}
