/*
 * page_proposals.c - the admin side of proposals: the client page's
 * "Proposed profile changes" (accept, reject or edit then accept, per
 * field or per batch) and the proposal page, which for a PRD shows the
 * rendered Markdown and its history and offers: edit (a commit by the
 * user), ask the AI to revise with written feedback (a prd_revise job),
 * send the client a summary by SMS, approve or reject.
 *
 * Decisions go through lib/desk/proposals.c (the same code as the API), so
 * isolation is in its SQL: a proposal of a client the user is not
 * attached to is 404.  Forms are plain HTML with the CSRF token (the
 * router checks it); every POST answers with a redirect (303) or an error
 * page with the right status.
 */
#include "desk/desk_prd.h"
#include "desk/desk_tasks.h"
#include "fcgi/handlers.h"
#include "fcgi/view.h"
#include "desk/jobs.h"
#include "web/markdown.h"
#include "desk/proposal_admin.h"
#include "desk/proposals.h"

#include <stdlib.h>
#include <string.h>

#define PRD_FEEDBACK_MAX 2000 /* characters of revision feedback */

/* ---- client page ---------------------------------------------------------- */

json_t *proposals_profile_view(Ctx *c, int64_t client_id)
{
	json_t *batches = proposal_profile_batches(c->store, &c->user, client_id);
	size_t i, j;
	json_t *b, *it;
	json_array_foreach(batches, i, b) {
		json_object_set_new(b, "when", json_string(manage_time(c, json_integer_value(json_object_get(b, "created_at")))));
		json_object_set_new(b, "several", json_boolean(json_array_size(json_object_get(b, "items")) > 1));
		json_array_foreach(json_object_get(b, "items"), j, it) {
			json_t *conf = json_object_get(it, "confidence");
			if (json_is_number(conf))
				json_object_set_new(it, "confidence_pct",
						    json_integer((json_int_t)(json_number_value(conf) * 100 + 0.5)));
			json_object_set_new(it, "field_label",
					    json_string(strcmp(json_string_value(json_object_get(it, "field")), "email") == 0
								? "Email"
								: strcmp(json_string_value(json_object_get(it, "field")), "name") == 0
									  ? "Name"
									  : "Company"));
		}
	}
	const char *done = params_get(&c->query, "proposals");
	static const struct { const char *key, *text; } flashes[] = {
		{"accepted", "The change was accepted and the client updated."},
		{"edited", "Your edited value was saved to the client."},
		{"rejected", "The proposed change was rejected; it stays on record."},
		{"batch_accepted", "The batch was accepted and the client updated."},
		{"batch_rejected", "The batch was rejected; it stays on record."},
	};
	const char *flash = NULL;
	for (size_t k = 0; done && k < ARRAY_LEN(flashes); k++)
		if (strcmp(done, flashes[k].key) == 0)
			flash = flashes[k].text;
	json_t *v = json_pack("{s:o,s:b}", "batches", batches, "any", json_array_size(batches) > 0);
	if (flash)
		json_object_set_new(v, "flash", json_string(flash));
	return v;
}

/* Begin a transaction; -1 after answering 503 when the database is busy. */
static int begin(Ctx *c)
{
	if (store_begin(c->store) == 0)
		return 0;
	respond_error(c, 503, "db_busy", "The database is busy; try again in a moment.", NULL);
	return -1;
}

/* Answer a refused decision: the library's status and sentence (an HTML
 * error page), rolling back first when in a transaction. */
static void refused(Ctx *c, const ProposalError *e, int in_txn)
{
	if (in_txn)
		store_rollback(c->store);
	if (e->kind == PR_STORE) {
		manage_store_failed(c, "deciding a proposal");
		return;
	}
	respond_error(c, proposal_err_status(e->kind), e->code, e->message, e->field);
}

/* The decision for a form: action accept | reject; with accept, a value
 * that differs from the proposed one makes it "edited". */
static const char *form_decision(const char *action, const char *value, const char *proposed)
{
	if (!action)
		return NULL;
	if (strcmp(action, "reject") == 0)
		return "rejected";
	if (strcmp(action, "accept") != 0)
		return NULL;
	return value && proposed && strcmp(value, proposed) != 0 ? "edited" : "accepted";
}

static void proposal_page(Ctx *c, int status, int64_t id, const char *form, const char *message, const char *value);

/* Decide proposal id (status from form_decision, NULL when the form's
 * action was neither) in its own transaction.  0 when committed; -1 after
 * answering (422 bad action; with page_errors a refused value re-renders
 * the proposal page next to its field, else an error page). */
static int decide_one(Ctx *c, int64_t id, const char *status, const char *value, int page_errors)
{
	if (!status) {
		respond_error(c, 422, "invalid_value", "Choose accept or reject.", "action");
		return -1;
	}
	if (begin(c) != 0)
		return -1;
	ProposalError e;
	if (proposal_decide(c->store, &c->user, id, status, value, NULL, c->actor, &e) != 0) {
		if (page_errors && (e.kind == PR_BAD_VALUE || e.kind == PR_NEED_VALUE)) {
			store_rollback(c->store);
			proposal_page(c, 422, id, "decide", e.message, value);
		} else {
			refused(c, &e, 1);
		}
		return -1;
	}
	if (store_commit(c->store) != 0) {
		manage_store_failed(c, "committing a decision");
		return -1;
	}
	return 0;
}

/* POST /clients/:id/proposals - signed in, a client the user may see
 * (CSRF).  Either one field: id (a profile_edit proposal of this client),
 * action = accept | reject, value (optional: an edited value, which makes
 * the decision "edited"); or a batch: batch (its id), action =
 * accept_batch | reject_batch (every pending field as proposed, in one
 * transaction).  303 back to the client page; 404 for a proposal of
 * another client; 409 decided already; 422 an edited value refused (e.g.
 * not an email address). */
void h_client_proposals(Ctx *c)
{
	int64_t client = path_id(c, "id");
	if (!ctx_sees_client(c, client)) {
		respond_error(c, 404, "not_found", "There is no such client, or it is not one of yours.", NULL);
		return;
	}
	const char *action = params_get(&c->form, "action");
	const char *batch = params_get(&c->form, "batch");
	ProposalError e;
	const char *done;
	if (batch && *batch) {
		int accept = action && strcmp(action, "accept_batch") == 0;
		if (!accept && !(action && strcmp(action, "reject_batch") == 0)) {
			respond_error(c, 422, "invalid_value", "Choose accept_batch or reject_batch.", "action");
			return;
		}
		if (begin(c) != 0)
			return;
		json_t *ids = proposal_batch_ids(c->store, &c->user, batch);
		size_t i;
		json_t *v;
		int n = 0;
		json_array_foreach(ids, i, v) {
			json_t *p = proposal_get(c->store, &c->user, json_integer_value(v));
			int mine = p && json_integer_value(json_object_get(p, "client_id")) == client &&
				   strcmp(json_string_value(json_object_get(p, "kind")), "profile_edit") == 0;
			json_decref(p);
			if (!mine)
				continue;
			if (proposal_decide(c->store, &c->user, json_integer_value(v), accept ? "accepted" : "rejected", NULL,
					    NULL, c->actor, &e) != 0) {
				json_decref(ids);
				refused(c, &e, 1);
				return;
			}
			n++;
		}
		json_decref(ids);
		if (n == 0) {
			store_rollback(c->store);
			respond_error(c, 404, "not_found", "This client has no pending proposals in that batch.", "batch");
			return;
		}
		if (store_commit(c->store) != 0) {
			manage_store_failed(c, "committing a batch decision");
			return;
		}
		ctx_log(c, "client=%lld batch %s: %d proposals %s", (long long)client, batch, n,
			accept ? "accepted" : "rejected");
		done = accept ? "batch_accepted" : "batch_rejected";
	} else {
		int64_t id = tp_parse_id(params_get(&c->form, "id"));
		json_t *p = id ? proposal_get(c->store, &c->user, id) : NULL;
		if (!p || json_integer_value(json_object_get(p, "client_id")) != client ||
		    strcmp(json_string_value(json_object_get(p, "kind")), "profile_edit") != 0) {
			json_decref(p);
			respond_error(c, 404, "not_found", "There is no such proposed change for this client.", "id");
			return;
		}
		const char *value = params_get(&c->form, "value");
		const char *status = form_decision(action, value, json_string_value(json_object_get(p, "proposed_value")));
		json_decref(p);
		if (decide_one(c, id, status, value, 0) != 0)
			return;
		done = status;
	}
	respond_redirect(c, arena_printf(c->arena, "/clients/%lld?proposals=%s#h-proposals", (long long)client, done));
}

/* ---- the proposal page ------------------------------------------------------- */

json_t *proposals_task_prd(Ctx *c, int64_t task_id)
{
	int64_t id = proposal_prd_of_task(c->store, &c->user, task_id);
	if (!id)
		return NULL;
	json_t *p = proposal_get(c->store, &c->user, id);
	if (!p)
		return NULL;
	json_t *v = json_pack("{s:I,s:O,s:b}", "id", (json_int_t)id, "status", json_object_get(p, "status"), "pending",
			      strcmp(json_string_value(json_object_get(p, "status")), "pending") == 0);
	json_decref(p);
	return v;
}

/* The PRD's Markdown at the proposal's version (malloc'd) and the
 * document's path into *path (arena); NULL when it cannot be read. */
static char *prd_markdown(Ctx *c, json_t *p, const char **path)
{
	char *doc_path = proposal_admin_document_path(c->store,
						      json_integer_value(json_object_get(p, "document_id")));
	if (!doc_path)
		return NULL;
	*path = arena_strdup(c->arena, doc_path);
	Buf md = {0};
	char *err = NULL;
	const char *commit = json_string_value(json_object_get(p, "document_commit"));
	int rc = artifact_read(doc_repo(), doc_path, commit, &md, &err);
	free(doc_path);
	if (rc != 0) {
		ctx_log(c, "proposal=%lld: PRD unreadable: %s", (long long)json_integer_value(json_object_get(p, "id")),
			err ? err : "missing");
		free(err);
		buf_free(&md);
		return NULL;
	}
	return buf_detach(&md);
}

static const struct { const char *key, *text; } proposal_flashes[] = {
	{"edited", "Your edit is committed as a new version."},
	{"unchanged", "The text is the same as the current version; nothing was committed."},
	{"revise", "The AI is revising the PRD with your feedback; reload in a moment to see the new version."},
	{"sms", "The summary SMS is queued for the client."},
	{"accepted", "Approved."},
	{"rejected", "Rejected; it stays on record."},
};

/* Render the proposal page with status and an error next to a form field
 * (form: "edit", "revise", "sms", "decide"; may be NULL). */
static void proposal_page(Ctx *c, int status, int64_t id, const char *form, const char *message, const char *value)
{
	json_t *p = proposal_get(c->store, &c->user, id);
	if (!p) {
		respond_error(c, 404, "not_found", "There is no such proposal, or it is not one of yours.", NULL);
		return;
	}
	const char *kind = json_string_value(json_object_get(p, "kind"));
	const char *pstatus = json_string_value(json_object_get(p, "status"));
	int is_prd = strcmp(kind, "prd_review") == 0;
	json_t *d = page_data(c, is_prd ? "PRD review" : "Proposal", "review");
	json_object_set_new(p, "kind_label", json_string(tp_words(c, kind)));
	json_object_set_new(p, "created", json_string(manage_time(c, json_integer_value(json_object_get(p, "created_at")))));
	if (json_is_integer(json_object_get(p, "decided_at")))
		json_object_set_new(p, "decided", json_string(manage_time(c, json_integer_value(json_object_get(p, "decided_at")))));
	json_object_set_new(d, "pending", json_boolean(strcmp(pstatus, "pending") == 0));
	json_object_set_new(d, "is_prd", json_boolean(is_prd));
	if (is_prd) {
		const char *path = NULL;
		char *md = prd_markdown(c, p, &path);
		if (md) {
			char *html = markdown_html(md, strlen(md));
			json_object_set_new(d, "prd_html", json_string(html));
			free(html);
			json_object_set_new(d, "prd_md", json_string(form && strcmp(form, "edit") == 0 && value ? value : md));
			json_t *task = desk_task_get(c->store, &c->user, json_integer_value(json_object_get(p, "task_id")));
			const char *first = task ? json_string_value(json_object_get(task, "client_name")) : "";
			char fn[64];
			snprintf(fn, sizeof fn, "%.*s", (int)strcspn(first ? first : "", " "), first ? first : "");
			char *sms = prd_sms_summary(md, fn);
			json_object_set_new(d, "sms_text", json_string(form && strcmp(form, "sms") == 0 && value ? value : sms));
			free(sms);
			json_decref(task);
			free(md);
		}
		if (path) {
			json_object_set_new(d, "prd_path", json_string(path));
			char *err = NULL;
			json_t *vers = doc_versions(path, DOC_HISTORY_MAX, &err);
			free(err);
			if (vers) {
				size_t i, n = json_array_size(vers);
				json_t *v;
				const char *shown = json_string_value(json_object_get(p, "document_commit"));
				json_array_foreach(vers, i, v) {
					json_object_set_new(v, "number", json_integer((json_int_t)(n - i)));
					json_object_set_new(v, "when",
							    json_string(manage_time(c, json_integer_value(json_object_get(v, "time")))));
					if (i + 1 < n)
						json_object_set(v, "previous", json_object_get(json_array_get(vers, i + 1), "commit"));
					if (shown && strcmp(shown, json_string_value(json_object_get(v, "commit"))) == 0)
						json_object_set_new(v, "reviewed", json_true());
				}
				json_object_set_new(d, "versions", vers);
			}
		}
		json_object_set_new(d, "feedback_max", json_integer(PRD_FEEDBACK_MAX));
		json_object_set_new(d, "sms_max", json_integer(DESK_SMS_MAX));
	}
	if (form && message) {
		char key[24];
		snprintf(key, sizeof key, "e_%s", form);
		json_object_set_new(d, key, json_string(message));
		if (!is_prd || strcmp(form, "decide") == 0 || strcmp(form, "revise") == 0)
			json_object_set_new(d, "value", json_string(value ? value : ""));
	}
	const char *done = params_get(&c->query, "done");
	for (size_t k = 0; done && k < ARRAY_LEN(proposal_flashes); k++)
		if (strcmp(done, proposal_flashes[k].key) == 0)
			json_object_set_new(d, "flash", json_string(proposal_flashes[k].text));
	json_object_set_new(d, "p", p);
	respond_page(c, status, "pages/proposal", d);
}

/* GET /proposals/:id - signed in; a proposal of a client the user may see
 * (else 404).  Its details and decision forms; for a PRD the rendered
 * document at the version under review, its history, and the edit,
 * revise, SMS and approve forms. */
void h_proposal(Ctx *c)
{
	proposal_page(c, 200, path_id(c, "id"), NULL, NULL, NULL);
}

/* The pending PRD proposal of the URL with its client and task (either
 * pointer may be NULL), or 0 after answering (404 hidden or not a PRD, 409
 * decided). */
static int64_t pending_prd(Ctx *c, int64_t *client, int64_t *task)
{
	int64_t id = path_id(c, "id");
	json_t *p = proposal_get(c->store, &c->user, id);
	int64_t out = 0;
	if (!p || strcmp(json_string_value(json_object_get(p, "kind")), "prd_review") != 0) {
		respond_error(c, 404, "not_found", "There is no such PRD proposal, or it is not one of yours.", NULL);
	} else if (strcmp(json_string_value(json_object_get(p, "status")), "pending") != 0) {
		respond_error(c, 409, "already_decided", "This PRD was decided already; it can no longer change.", NULL);
	} else {
		out = id;
		if (client)
			*client = json_integer_value(json_object_get(p, "client_id"));
		if (task)
			*task = json_integer_value(json_object_get(p, "task_id"));
	}
	json_decref(p);
	return out;
}

/* POST /proposals/:id/edit - signed in, a pending PRD the user may see
 * (CSRF).  Form: markdown (the whole document, at most 20000 bytes).  A new
 * version committed by the user (document_updated); 303 back; 422 when
 * empty or refused. */
void h_prd_edit(Ctx *c)
{
	int64_t id = pending_prd(c, NULL, NULL);
	if (!id)
		return;
	const char *md = tp_textarea(c, params_get(&c->form, "markdown"));
	if (!md || !*md || strlen(md) > PRD_MAX) {
		proposal_page(c, 422, id, "edit", md && *md ? "The PRD is longer than 20000 bytes." : "The PRD cannot be empty.",
			      md);
		return;
	}
	DocAuthor a;
	docs_author(c, &a);
	char commit[41];
	ProposalError e;
	char *head = proposal_admin_document_commit(c->store, id);
	int rc = proposal_prd_commit(c->store, &c->user, id, md, c->actor, &a, "admin",
				     arena_printf(c->arena, "Edit the PRD (proposal %lld) in the admin", (long long)id), commit,
				     &e);
	int same = rc == 0 && head && strcmp(head, commit) == 0;
	free(head);
	if (rc != 0) {
		if (e.kind == PR_BAD_VALUE)
			proposal_page(c, 422, id, "edit", e.message, md);
		else
			refused(c, &e, 0);
		return;
	}
	respond_redirect(c, arena_printf(c->arena, "/proposals/%lld?done=%s", (long long)id, same ? "unchanged" : "edited"));
}

/* POST /proposals/:id/revise - signed in, a pending PRD the user may see
 * (CSRF).  Form: feedback (1..2000 characters).  Queues a prd_revise job
 * (the AI writes a new version) and a prd_revision_requested event; 303
 * back; 422 without feedback. */
void h_prd_revise(Ctx *c)
{
	int64_t client = 0, task = 0, id = pending_prd(c, &client, &task);
	if (!id)
		return;
	const char *fb = tp_textarea(c, params_get(&c->form, "feedback"));
	const char *trimmed = fb;
	while (trimmed && (*trimmed == ' ' || *trimmed == '\n' || *trimmed == '\t'))
		trimmed++;
	if (!trimmed || !*trimmed || manage_chars(fb) > PRD_FEEDBACK_MAX) {
		proposal_page(c, 422, id, "revise",
			      trimmed && *trimmed ? "Write at most 2000 characters." : "Write what the AI should change.", fb);
		return;
	}
	if (begin(c) != 0)
		return;
	json_t *payload = json_pack("{s:I,s:s,s:s}", "proposal_id", (json_int_t)id, "feedback", fb, "by", c->actor);
	char *pj = json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	int64_t job = job_enqueue(c->store, "prd_revise", pj, NULL, client, task, 0, 0);
	free(pj);
	char *d = json_dumps(json_pack("{s:I,s:I,s:i}", "proposal_id", (json_int_t)id, "job_id", (json_int_t)job,
				       "feedback_length", (int)manage_chars(fb)), JSON_COMPACT);
	int64_t ev = job > 0 ? store_event(c->store, "prd_revision_requested", client, task, 0, c->actor, d) : -1;
	free(d);
	if (ev < 0 || store_commit(c->store) != 0) {
		manage_store_failed(c, "queueing a PRD revision");
		return;
	}
	respond_redirect(c, arena_printf(c->arena, "/proposals/%lld?done=revise", (long long)id));
}

/* POST /proposals/:id/sms - signed in, a pending PRD the user may see
 * (CSRF).  Form: body (1..1600 characters).  Queues the SMS to the task's
 * client (message_out) and a prd_summary_sent event; 303 back; 422 for a
 * bad body or a client without a phone number. */
void h_prd_sms(Ctx *c)
{
	int64_t client = 0, task = 0, id = pending_prd(c, &client, &task);
	if (!id)
		return;
	const char *body = tp_textarea(c, params_get(&c->form, "body"));
	if (begin(c) != 0)
		return;
	int64_t mid = 0;
	DeskTaskErr e = desk_task_reply(c->store, &c->user, task, body ? body : "", c->actor, &mid, NULL);
	if (e == DT_OK) {
		char *d = json_dumps(json_pack("{s:I}", "proposal_id", (json_int_t)id), JSON_COMPACT);
		if (store_event(c->store, "prd_summary_sent", client, task, mid, c->actor, d) < 0)
			e = DT_STORE;
		free(d);
	}
	if (e == DT_OK && store_commit(c->store) != 0)
		e = DT_STORE;
	if (e != DT_OK) {
		store_rollback(c->store);
		if (e == DT_STORE) {
			manage_store_failed(c, "queueing the PRD summary");
			return;
		}
		if (e == DT_NOT_FOUND) {
			tp_change_failed(c, e);
			return;
		}
		proposal_page(c, 422, id, "sms", desk_task_err_message(e), body);
		return;
	}
	respond_redirect(c, arena_printf(c->arena, "/proposals/%lld?done=sms", (long long)id));
}

/* POST /proposals/:id/decide - signed in, a proposal the user may see
 * (CSRF).  Form: action = accept | reject; value (optional: an edited SMS
 * text or field value, which makes an acceptance "edited").  For a PRD,
 * accept approves the version under review (edit it first to change it).
 * 303 back; 404 hidden; 409 decided already; 422 a refused value. */
void h_proposal_decide(Ctx *c)
{
	int64_t id = path_id(c, "id");
	json_t *p = proposal_get(c->store, &c->user, id);
	if (!p) {
		respond_error(c, 404, "not_found", "There is no such proposal, or it is not one of yours.", NULL);
		return;
	}
	int is_prd = strcmp(json_string_value(json_object_get(p, "kind")), "prd_review") == 0;
	const char *value = is_prd ? NULL : tp_textarea(c, params_get(&c->form, "value"));
	const char *status = form_decision(params_get(&c->form, "action"), value,
					   json_string_value(json_object_get(p, "proposed_value")));
	json_decref(p);
	if (decide_one(c, id, status, value, 1) != 0)
		return;
	ctx_log(c, "proposal=%lld %s by %s", (long long)id, status, c->actor);
	respond_redirect(c, arena_printf(c->arena, "/proposals/%lld?done=%s", (long long)id,
					 strcmp(status, "rejected") == 0 ? "rejected" : "accepted"));
}
