/*
 * webhook_github.c - POST /webhook/github: GitHub's issue events for the
 * issues the bug flow opened.
 *
 * Public but signed: X-Hub-Signature-256 (HMAC-SHA256 of the raw body with
 * GITHUB_WEBHOOK_SECRET) is checked in constant time before anything is
 * parsed; missing → 401, wrong or no secret configured → 403, with a log
 * line, and nothing is stored.  Each X-GitHub-Delivery id is handled once:
 * it is recorded in github_deliveries in the same transaction as the
 * effects, so a redelivery answers 200 and changes nothing.
 *
 *   issues/closed    the issue row closes, the task closes, and a
 *                    resolution SMS draft is proposed for review
 *   issues/reopened  the issue row and the task reopen
 *   issue_comment/created  a github_comment event (author, excerpt)
 *   ping, anything else    200, nothing but the delivery recorded
 *
 * An issue number we did not open answers 200 with a log line.  Nothing
 * here calls GitHub or sends an SMS; it must answer within GitHub's 10 s.
 */
#include "core/config.h"
#include "desk/desk.h"
#include "desk/desk_tasks.h"
#include "desk/github_links.h"
#include "providers/github.h"
#include "fcgi/handlers.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXCERPT_MAX 200 /* bytes of a comment kept in its event */

static void answer(Ctx *c, int status, const char *what)
{
	respond_json(c, status, json_pack("{s:b,s:s}", "ok", status < 300, "result", what));
}

/* An excerpt of text: at most EXCERPT_MAX bytes cut at a character
 * boundary, white space runs made one space; in c's arena. */
static const char *excerpt(Ctx *c, const char *text)
{
	Buf b = {0};
	int space = 0;
	for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
		if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') {
			space = b.len > 0;
			continue;
		}
		if (space)
			buf_putc(&b, ' ');
		space = 0;
		buf_putc(&b, (char)*p);
		if (b.len >= EXCERPT_MAX)
			break;
	}
	if (b.len >= EXCERPT_MAX) {
		size_t cut = EXCERPT_MAX;
		while (cut > 0 && ((unsigned char)b.s[cut] & 0xC0) == 0x80)
			cut--;
		b.len = cut;
		b.s[cut] = '\0';
		buf_puts(&b, "…");
	}
	const char *out = arena_strdup(c->arena, buf_cstr(&b));
	buf_free(&b);
	return out;
}

typedef GithubLink LinkedIssue;

/* The issue row for number in the payload's repository.  1 found, 0 not. */
static int find_issue(Ctx *c, json_t *payload, int64_t number, LinkedIssue *li)
{
	const char *repo = json_string_value(json_object_get(json_object_get(payload, "repository"), "full_name"));
	return github_links_find(c->store, repo, number, li);
}

static int event_json(Ctx *c, const char *type, int64_t client, int64_t task, int64_t mid, json_t *d)
{
	char *dt = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	int64_t ev = store_event(c->store, type, client, task, mid, "github", dt);
	free(dt);
	return ev < 0 ? -1 : 0;
}

/* Propose the resolution SMS as a draft for review.  0, or -1. */
static int resolution_draft(Ctx *c, const LinkedIssue *li, int64_t number)
{
	char *name = github_links_client_name(c->store, li->client);
	json_t *d = json_pack("{s:{s:I}}", "task", "id", (json_int_t)li->task);
	if (name && *name)
		json_object_set_new(d, "first_name", json_stringn(name, strcspn(name, " ")));
	free(name);
	Buf b = {0};
	char *err = NULL;
	int rc = tpl_render_name(c->tpl, "sms/bug_resolved", d, &b, &err);
	json_decref(d);
	if (rc != 0) {
		ctx_log(c, "template sms/bug_resolved: %s; no resolution draft for task %lld", err ? err : "?",
			(long long)li->task);
		free(err);
		buf_free(&b);
		return 0;
	}
	char *text = buf_detach(&b);
	size_t n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
		text[--n] = '\0';
	int64_t mid = desk_outbound(c->store, li->client, li->task, text, "worker", 1, 1);
	free(text);
	if (mid < 0)
		return -1;
	return event_json(c, "resolution_proposed", li->client, li->task, mid,
			  json_pack("{s:s,s:I}", "kind", "bug_resolved", "number", (json_int_t)number));
}

/* Set the task's status; 0 or -1. */
static int task_status(Ctx *c, int64_t task, const char *status)
{
	DeskTaskChange ch = {0};
	ch.status = status;
	DeskTaskErr e = desk_task_change(c->store, NULL, task, &ch, "github", NULL);
	return e == DT_OK || e == DT_NOT_FOUND ? 0 : -1;
}

/* issues: closed / reopened.  Returns a short result, or NULL on a
 * database error. */
static const char *on_issues(Ctx *c, json_t *p, const char *action)
{
	json_t *issue = json_object_get(p, "issue");
	int64_t number = json_integer_value(json_object_get(issue, "number"));
	int closed = strcmp(action, "closed") == 0;
	if (!closed && strcmp(action, "reopened") != 0)
		return "ignored";
	LinkedIssue li;
	if (number <= 0 || !find_issue(c, p, number, &li)) {
		ctx_log(c, "github webhook: issues/%s for issue #%lld, which no task is linked to: ignored", action,
			(long long)number);
		return "unknown issue";
	}
	const char *sender = json_string_value(json_object_get(json_object_get(p, "sender"), "login"));
	const char *reason = json_string_value(json_object_get(issue, "state_reason"));
	int64_t now = now_ms();
	if (closed) {
		if (strcmp(li.state, "closed") == 0)
			return "already closed";
		if (github_links_set_closed(c->store, li.task, 1, now) != STORE_OK)
			return NULL;
		json_t *d = json_pack("{s:I,s:s}", "number", (json_int_t)number, "url", li.url);
		json_object_set_new(d, "state_reason", reason ? json_string(reason) : json_null());
		json_object_set_new(d, "by", sender ? json_string(sender) : json_null());
		if (event_json(c, "github_issue_closed", li.client, li.task, 0, d) != 0 ||
		    task_status(c, li.task, "closed") != 0 || resolution_draft(c, &li, number) != 0)
			return NULL;
		ctx_log(c, "github: issue #%lld closed; task %lld closed, resolution draft proposed", (long long)number,
			(long long)li.task);
		return "task closed";
	}
	if (strcmp(li.state, "closed") != 0)
		return "already open";
	if (github_links_set_closed(c->store, li.task, 0, now) != STORE_OK)
		return NULL;
	json_t *d = json_pack("{s:I,s:s}", "number", (json_int_t)number, "url", li.url);
	json_object_set_new(d, "by", sender ? json_string(sender) : json_null());
	if (event_json(c, "github_issue_reopened", li.client, li.task, 0, d) != 0 ||
	    task_status(c, li.task, "open") != 0)
		return NULL;
	ctx_log(c, "github: issue #%lld reopened; task %lld open again", (long long)number, (long long)li.task);
	return "task reopened";
}

/* issue_comment: created.  Our own comments (they carry our marker) are
 * not recorded again. */
static const char *on_comment(Ctx *c, json_t *p, const char *action)
{
	if (strcmp(action, "created") != 0)
		return "ignored";
	int64_t number = json_integer_value(json_object_get(json_object_get(p, "issue"), "number"));
	json_t *cm = json_object_get(p, "comment");
	const char *body = json_string_value(json_object_get(cm, "body"));
	if (body && strstr(body, "<!-- switchboard-message:"))
		return "own comment";
	LinkedIssue li;
	if (number <= 0 || !find_issue(c, p, number, &li)) {
		ctx_log(c, "github webhook: comment on issue #%lld, which no task is linked to: ignored",
			(long long)number);
		return "unknown issue";
	}
	const char *author = json_string_value(json_object_get(json_object_get(cm, "user"), "login"));
	const char *url = json_string_value(json_object_get(cm, "html_url"));
	json_t *d = json_pack("{s:I,s:s,s:s,s:I}", "number", (json_int_t)number, "author", author ? author : "",
			      "excerpt", excerpt(c, body), "comment_id",
			      (json_int_t)json_integer_value(json_object_get(cm, "id")));
	json_object_set_new(d, "url", url ? json_string(url) : json_null());
	if (event_json(c, "github_comment", li.client, li.task, 0, d) != 0)
		return NULL;
	if (github_links_touch_task(c->store, li.task, now_ms()) != STORE_OK)
		return NULL;
	return "comment recorded";
}

/* POST /webhook/github - GitHub (signed).  Headers X-Hub-Signature-256,
 * X-GitHub-Event, X-GitHub-Delivery; body JSON, or a form with the JSON in
 * `payload`.  200 {"ok":true,"result":...} once handled (or already
 * handled); 401 no signature, 403 bad signature or no secret configured,
 * 400 malformed, 503 not committed (GitHub may redeliver). */
void h_webhook_github(Ctx *c)
{
	const char *secret = config_get("GITHUB_WEBHOOK_SECRET");
	const char *sig = c->header(c, "HTTP_X_HUB_SIGNATURE_256");
	const char *delivery = c->header(c, "HTTP_X_GITHUB_DELIVERY");
	const char *event = c->header(c, "HTTP_X_GITHUB_EVENT");
	if (!*secret) {
		ctx_log(c, "GITHUB_WEBHOOK_SECRET is not set: refusing the GitHub webhook (delivery %s)",
			delivery ? delivery : "-");
		respond_error(c, 403, "not_configured", "Webhook signatures cannot be verified on this server.", NULL);
		return;
	}
	if (!sig || !*sig) {
		ctx_log(c, "GitHub webhook without X-Hub-Signature-256 refused (delivery %s)", delivery ? delivery : "-");
		respond_error(c, 401, "missing_signature", "The X-Hub-Signature-256 header is missing.", NULL);
		return;
	}
	if (!github_signature_valid(secret, c->body, c->body ? c->body_len : 0, sig)) {
		ctx_log(c, "invalid X-Hub-Signature-256 on a GitHub webhook (delivery %s, event %s); does "
			   "GITHUB_WEBHOOK_SECRET match the webhook's secret?",
			delivery ? delivery : "-", event ? event : "-");
		respond_error(c, 403, "bad_signature", "The request signature is not valid.", NULL);
		return;
	}
	if (!delivery || !*delivery || strlen(delivery) > 100 || !event || !*event || strlen(event) > 64) {
		respond_error(c, 400, "missing_header", "X-GitHub-Delivery and X-GitHub-Event are required.", NULL);
		return;
	}
	json_t *p = NULL;
	if (c->content_type && strncasecmp(c->content_type, "application/x-www-form-urlencoded", 33) == 0) {
		Params f = {0};
		if (form_parse(c->body ? c->body : "", c->body_len, &f) == 0) {
			const char *pl = params_get(&f, "payload");
			if (pl)
				p = json_loads(pl, 0, NULL);
			params_free(&f);
		}
	} else {
		p = json_loadb(c->body ? c->body : "", c->body_len, 0, NULL);
	}
	if (!json_is_object(p)) {
		json_decref(p);
		ctx_log(c, "GitHub webhook delivery %s: the payload is not a JSON object", delivery);
		respond_error(c, 400, "bad_json", "The payload is not a JSON object.", NULL);
		return;
	}
	const char *action = json_string_value(json_object_get(p, "action"));
	if (action) /* outlives p, for the log lines below */
		action = arena_strdup(c->arena, action);
	if (store_begin(c->store) != 0) {
		json_decref(p);
		respond_error(c, 503, "db_busy", "The database is busy; redeliver later.", NULL);
		return;
	}
	int fresh = github_links_record_delivery(c->store, delivery, event, action, now_ms());
	if (fresh < 0) {
		store_rollback(c->store);
		json_decref(p);
		respond_error(c, 503, "store_failed", "Could not record the delivery; redeliver later.", NULL);
		return;
	}
	if (fresh == 0) {
		store_rollback(c->store);
		json_decref(p);
		ctx_log(c, "GitHub delivery %s (%s) seen before: ignored", delivery, event);
		answer(c, 200, "duplicate delivery");
		return;
	}
	const char *result = "ignored";
	if (strcmp(event, "ping") == 0)
		result = "pong";
	else if (strcmp(event, "issues") == 0 && action)
		result = on_issues(c, p, action);
	else if (strcmp(event, "issue_comment") == 0 && action)
		result = on_comment(c, p, action);
	json_decref(p);
	if (!result || store_commit(c->store) != 0) {
		store_rollback(c->store);
		ctx_log(c, "GitHub delivery %s (%s/%s) not stored: %s", delivery, event, action ? action : "-",
			store_errmsg(c->store));
		respond_error(c, 503, "store_failed", "Could not apply the event; redeliver later.", NULL);
		return;
	}
	ctx_log(c, "GitHub delivery %s %s/%s: %s", delivery, event, action ? action : "-", result);
	answer(c, 200, result);
}
