/*
 * view.c - the helpers page families share (see view.h): moved here from
 * page_clients.c (manage_*), page_tasks.c (tp_*) and api_documents.c
 * (docs_*) unchanged, so that no page or API file exports helpers.
 *
 * It must not write SQL or answer a route of its own.
 */
#include "desk/desk_tasks.h"
#include "fcgi/view.h"
#include "web/multipart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLIENT_SELECT_MAX 200 /* above this, the client filter is an id field */
#define UPLOAD_MAX_PARTS 16

/* ---- the manage pages ---------------------------------------------------- */

const char *manage_time(Ctx *c, int64_t ms)
{
	if (ms <= 0)
		return "";
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char b[40];
	if (!gmtime_r(&t, &tm) || strftime(b, sizeof b, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		return "";
	return arena_strdup(c->arena, b);
}

int64_t manage_query_id(Ctx *c, const char *name)
{
	const char *v = params_get(&c->query, name);
	if (!v || !*v || strlen(v) > 18)
		return 0;
	int64_t n = 0;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		n = n * 10 + (*p - '0');
	}
	return n;
}

size_t manage_chars(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			n++;
	return n;
}

void manage_flash(Ctx *c, json_t *d, const ManageFlash *table)
{
	const char *done = params_get(&c->query, "done");
	if (!done)
		return;
	for (const ManageFlash *f = table; f->key; f++)
		if (strcmp(f->key, done) == 0) {
			json_object_set_new(d, "flash", json_string(f->text));
			return;
		}
}

const char *manage_label(const char *value)
{
	static const char *const labels[][2] = {
		{"bug", "Bug"}, {"consult", "Consultation"}, {"feature_request", "Feature request"},
		{"question", "Question"}, {"other", "Other"}, {"urgent", "Urgent"}, {"medium", "Medium"},
		{"low", "Low"}, {"open", "Open"}, {"waiting", "Waiting"}, {"approved", "Approved"},
		{"closed", "Closed"}, {"AI", "AI"}, {"HUMAN", "Person"},
	};
	for (size_t i = 0; i < ARRAY_LEN(labels); i++)
		if (strcmp(labels[i][0], value) == 0)
			return labels[i][1];
	return value;
}

void manage_store_failed(Ctx *c, const char *what)
{
	store_rollback(c->store);
	ctx_log(c, "%s failed: %s", what, store_errmsg(c->store));
	respond_error(c, 500, "store_failed", "The change could not be saved. The server log has the details.", NULL);
}

/* ---- the task pages ------------------------------------------------------ */

int64_t tp_parse_id(const char *v)
{
	if (!v || !*v || strlen(v) > 18)
		return 0;
	int64_t n = 0;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		n = n * 10 + (*p - '0');
	}
	return n;
}

const char *tp_words(Ctx *c, const char *s)
{
	char *w = arena_strdup(c->arena, s ? s : "");
	for (char *p = w; *p; p++)
		if (*p == '_')
			*p = ' ';
	return w;
}

const char *tp_textarea(Ctx *c, const char *v)
{
	if (!v)
		return NULL;
	char *out = arena_strdup(c->arena, v), *w = out;
	for (const char *p = v; *p; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			*w++ = *p;
	*w = '\0';
	return out;
}

const char *tp_label(const char *v)
{
	static const struct { const char *value, *label; } labels[] = {
		{"open", "Open"}, {"waiting", "Waiting"}, {"approved", "Approved"}, {"closed", "Closed"},
		{"bug", "Bug"}, {"consult", "Consult"}, {"feature_request", "Feature request"},
		{"question", "Question"}, {"other", "Other"},
		{"urgent", "Urgent"}, {"medium", "Medium"}, {"low", "Low"},
		{"AI", "AI"}, {"HUMAN", "Human"},
		{"draft", "Draft, waiting for review"}, {"queued", "Queued"}, {"submitting", "Sending"},
		{"accepted", "Accepted by Twilio"}, {"scheduled", "Scheduled"}, {"sending", "Sending"},
		{"sent", "Sent"}, {"delivered", "Delivered"}, {"undelivered", "Not delivered"},
		{"failed", "Failed"}, {"read", "Read"}, {"canceled", "Cancelled"}, {"rejected", "Rejected"},
		{"superseded", "Superseded by a reply, not sent"},
		{"received", "Received"},
	};
	if (!v)
		return "";
	for (size_t i = 0; i < ARRAY_LEN(labels); i++)
		if (strcmp(labels[i].value, v) == 0)
			return labels[i].label;
	return v;
}

json_t *tp_when(int64_t ms)
{
	char iso[21], title[32], text[48];
	fmt_iso8601(iso, ms / 1000);
	snprintf(title, sizeof title, "%.10s %.5s UTC", iso, iso + 11);
	int64_t ago = (now_ms() - ms) / 1000;
	if (ago < 60)
		snprintf(text, sizeof text, "just now");
	else if (ago < 3600)
		snprintf(text, sizeof text, "%d min ago", (int)(ago / 60));
	else if (ago < 86400)
		snprintf(text, sizeof text, "%d h ago", (int)(ago / 3600));
	else if (ago < 2 * 86400)
		snprintf(text, sizeof text, "yesterday");
	else if (ago < 7 * 86400)
		snprintf(text, sizeof text, "%d days ago", (int)(ago / 86400));
	else
		snprintf(text, sizeof text, "%.10s", iso);
	return json_pack("{s:s,s:s,s:s}", "iso", iso, "text", text, "title", title);
}

static const char *jstr(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

static void set_label(json_t *o, const char *key)
{
	char name[40];
	snprintf(name, sizeof name, "%s_label", key);
	json_object_set_new(o, name, json_string(tp_label(jstr(o, key))));
}

json_t *tp_task_view(json_t *t)
{
	set_label(t, "type");
	set_label(t, "urgency");
	set_label(t, "status");
	set_label(t, "route");
	const char *name = jstr(t, "client_name");
	json_object_set_new(t, "client_label", json_string(*name ? name : *jstr(t, "client_phone")
								? jstr(t, "client_phone") : "(no name)"));
	json_object_set_new(t, "updated", tp_when(json_integer_value(json_object_get(t, "updated_at"))));
	json_object_set_new(t, "created", tp_when(json_integer_value(json_object_get(t, "created_at"))));
	json_t *conf = json_object_get(t, "confidence");
	if (json_is_number(conf))
		json_object_set_new(t, "confidence_pct", json_integer((json_int_t)(json_number_value(conf) * 100 + 0.5)));
	return t;
}

json_t *tp_actor_label(const char *actor)
{
	if (strncmp(actor, "user:", 5) == 0)
		return json_string(actor + 5);
	if (strncmp(actor, "api:", 4) == 0) {
		char b[96];
		snprintf(b, sizeof b, "API token %s", actor + 4);
		return json_string(b);
	}
	if (!strcmp(actor, "worker"))
		return json_string("Worker");
	if (!strcmp(actor, "twilio"))
		return json_string("Twilio");
	if (!strcmp(actor, "system"))
		return json_string("System");
	return json_string(actor);
}

json_t *tp_event_view(json_t *e)
{
	json_object_set_new(e, "when", tp_when(json_integer_value(json_object_get(e, "created_at"))));
	json_object_set_new(e, "actor_label", tp_actor_label(jstr(e, "actor")));
	json_object_set_new(e, "is_person", json_boolean(strncmp(jstr(e, "actor"), "user:", 5) == 0));
	int64_t mtask = json_integer_value(json_object_get(e, "message_task_id"));
	int64_t task = json_integer_value(json_object_get(e, "task_id"));
	int64_t msg = json_integer_value(json_object_get(e, "message_id"));
	if (msg && mtask && mtask != task) {
		char href[64];
		snprintf(href, sizeof href, "/tasks/%lld#m%lld", (long long)mtask, (long long)msg);
		json_object_set_new(e, "message_href", json_string(href));
	} else if (msg && task) {
		char href[64];
		snprintf(href, sizeof href, "/tasks/%lld#m%lld", (long long)task, (long long)msg);
		json_object_set_new(e, "message_href", json_string(href));
	}
	char kind[64];
	snprintf(kind, sizeof kind, "%s", jstr(e, "type"));
	for (char *p = kind; *p; p++)
		if (*p == '_')
			*p = ' ';
	json_object_set_new(e, "type_label", json_string(kind));
	json_object_del(e, "details");
	return e;
}

json_t *tp_client_options(Ctx *c, int64_t selected)
{
	int more = 0;
	json_t *rows = desk_client_choices(c->store, &c->user, CLIENT_SELECT_MAX, &more);
	if (more) {
		json_decref(rows);
		return NULL;
	}
	size_t i;
	json_t *o;
	json_array_foreach(rows, i, o)
		json_object_set_new(o, "selected",
				    json_boolean(json_integer_value(json_object_get(o, "id")) == selected));
	return rows;
}

const char *tp_flash(const char *done)
{
	static const struct { const char *done, *text; } flashes[] = {
		{"replied", "Reply queued. The worker sends it in a moment; its delivery status shows in the thread."},
		{"replied_superseded", "Reply queued. The worker sends it in a moment; its delivery status shows in the "
				       "thread. The AI draft that was waiting on this task will not be sent: your reply "
				       "superseded it."},
		{"status", "Status changed."},
		{"classified", "Classification changed. The override is in the task's history."},
		{"assigned", "Assignment changed."},
		{"unchanged", "Nothing changed: the values were already set."},
		{"approved", "Draft sent as written: it is queued for sending."},
		{"edited", "Your edited text is queued for sending."},
		{"rejected", "Draft rejected. It stays in the thread, marked as rejected."},
		{"batch", "The selected drafts are queued for sending as shown."},
	};
	if (!done)
		return NULL;
	for (size_t i = 0; i < ARRAY_LEN(flashes); i++)
		if (strcmp(flashes[i].done, done) == 0)
			return flashes[i].text;
	return NULL;
}

int tp_change_failed(Ctx *c, int e)
{
	if (e == DT_NOT_FOUND) {
		respond_error(c, 404, "not_found",
			      "There is nothing with that number here, or it belongs to a client you do not work with.",
			      NULL);
		return 0;
	}
	if (e == DT_STORE) {
		ctx_log(c, "database error: %s", store_errmsg(c->store));
		respond_error(c, 500, "store", desk_task_err_message(DT_STORE), NULL);
		return 0;
	}
	return 1;
}

/* ---- documents ----------------------------------------------------------- */

DocViewer docs_viewer(Ctx *c)
{
	return (DocViewer){c->user.id, c->user.is_admin};
}

void docs_author(Ctx *c, DocAuthor *a)
{
	doc_author(a, c->actor, c->user.id ? c->user.login : NULL, c->user.id ? c->user.name : NULL);
}

/* A strict positive id from a form value: 1 set, 0 empty, -1 malformed. */
static int form_id(const char *v, int64_t *out)
{
	*out = 0;
	if (!v || !*v)
		return 0;
	if (strlen(v) > 18)
		return -1;
	int64_t n = 0;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (*p - '0');
	}
	if (n <= 0)
		return -1;
	*out = n;
	return 1;
}

int docs_read_form(Ctx *c, DocForm *f, int admin, char *why, size_t whylen)
{
	memset(f, 0, sizeof *f);
	f->status = 0;
#define FAIL(st, cd, fld, ...)                                   \
	do {                                                     \
		f->status = (st);                                \
		f->code = (cd);                                  \
		f->field = (fld);                                \
		snprintf(why, whylen, __VA_ARGS__);              \
		goto out;                                        \
	} while (0)
	MultipartPart *parts = NULL;
	size_t n = 0;
	char boundary[MULTIPART_MAX_BOUNDARY + 1];
	if (!c->content_type || multipart_boundary(c->content_type, boundary, sizeof boundary) != 0) {
		if (c->content_type && strncasecmp(c->content_type, "multipart/form-data", 19) == 0)
			FAIL(400, "bad_multipart", NULL, "The multipart/form-data body is malformed: %s.", multipart_error());
		FAIL(415, "unsupported_media_type", NULL,
		     "Send the upload as multipart/form-data with the file in a part named file.");
	}
	if (multipart_parse(c->body, c->body_len, boundary, &parts, &n, UPLOAD_MAX_PARTS) != 0)
		FAIL(400, "bad_multipart", NULL, "The multipart/form-data body is malformed: %s.", multipart_error());
	static const char *const known[] = {"file", "task_id", "client_id", "event_id", "document_id", "description",
					    "_csrf", "_form"};
	const char *ids[4] = {NULL, NULL, NULL, NULL};
	int seen[ARRAY_LEN(known)] = {0};
	for (size_t i = 0; i < n; i++) {
		const MultipartPart *p = &parts[i];
		size_t k;
		for (k = 0; k < ARRAY_LEN(known); k++)
			if (strcmp(p->name, known[k]) == 0)
				break;
		if (k == ARRAY_LEN(known) || (k >= 6 && !admin)) {
			if (admin)
				continue; /* a browser may add fields of its own; ignore them */
			FAIL(422, "unknown_field", NULL,
			     "Unknown form field; this request accepts: file, task_id, client_id, event_id, "
			     "document_id, description.");
		}
		if (seen[k]++)
			FAIL(422, "duplicate_field", known[k], "The field %s is sent twice.", known[k]);
		if (k == 0) {
			if (!p->filename)
				FAIL(422, "invalid_value", "file", "The file field must be a file (with a filename).");
			if (!*p->filename && p->len == 0) {
				seen[k]--; /* a browser's empty file input: no file chosen */
				continue;
			}
			f->filename = arena_strdup(c->arena, p->filename);
			f->part_type = arena_strdup(c->arena, p->content_type);
			f->data = p->data;
			f->len = p->len;
			f->has_file = 1;
			continue;
		}
		if (p->filename)
			FAIL(422, "invalid_value", known[k], "The field %s must be text, not a file.", known[k]);
		if (memchr(p->data, '\0', p->len))
			FAIL(422, "invalid_value", known[k], "The field %s must not contain NUL.", known[k]);
		const char *v = arena_strndup(c->arena, p->data, p->len);
		if (k >= 1 && k <= 4)
			ids[k - 1] = v;
		else if (k == 5)
			f->description = v;
		else if (k == 6)
			f->csrf = v;
		else
			f->form_token = v;
	}
	int64_t *dst[4] = {&f->task_id, &f->client_id, &f->event_id, &f->document_id};
	for (int i = 0; i < 4; i++)
		if (form_id(ids[i], dst[i]) < 0)
			FAIL(422, "invalid_value", known[i + 1], "%s must be a positive whole number.", known[i + 1]);
	if (f->description) {
		/* A browser's textarea sends CRLF: keep LF. */
		char *d = arena_strdup(c->arena, f->description), *o = d;
		for (const char *q = f->description; *q; q++)
			if (!(q[0] == '\r' && q[1] == '\n'))
				*o++ = *q;
		*o = '\0';
		f->description = d;
	}
	if (!f->has_file)
		FAIL(422, "missing_field", "file", "Choose a file to upload (a part named file).");
#undef FAIL
out:
	multipart_free(parts, n);
	return f->status ? -1 : 0;
}

int docs_check_csrf(Ctx *c, const DocForm *f)
{
	const char *want = c->csrf;
	return f->csrf && strlen(want) >= 32 && ct_equal(f->csrf, strlen(f->csrf), want, strlen(want));
}

/* filename="ASCII fallback"; filename*=UTF-8''percent-encoded (RFC 6266). */
static const char *disposition(Ctx *c, const char *kind, const char *name)
{
	Buf b = {0};
	buf_printf(&b, "%s; filename=\"", kind);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p >= 0x80) {
			while ((p[1] & 0xC0) == 0x80)
				p++;
			buf_putc(&b, '_');
		} else if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\' || *p == ';') {
			buf_putc(&b, '_');
		} else {
			buf_putc(&b, (char)*p);
		}
	}
	buf_puts(&b, "\"; filename*=UTF-8''");
	buf_url_escape(&b, name);
	const char *s = arena_strdup(c->arena, buf_cstr(&b));
	buf_free(&b);
	return s;
}

static int is_hex40(const char *s)
{
	if (!s || strlen(s) != 40)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
			return 0;
	return 1;
}

void docs_send_file(Ctx *c, json_t *doc, const char *version, int allow_inline)
{
	const char *path = json_string_value(json_object_get(doc, "path"));
	const char *type = json_string_value(json_object_get(doc, "content_type"));
	const char *name = json_string_value(json_object_get(doc, "file_name"));
	const char *commit = json_string_value(json_object_get(doc, "current_commit"));
	if (version && *version) {
		if (!is_hex40(version)) {
			respond_error(c, 422, "invalid_value", "version must be a commit id (40 hexadecimal digits).",
				      "version");
			return;
		}
		char *err = NULL;
		int deleted = 0;
		int r = doc_version_of(path, version, &deleted, &err);
		if (r < 0) {
			ctx_log(c, "document history failed: %s", err ? err : "?");
			free(err);
			respond_error(c, 500, "repository_failed", "The document's history cannot be read.", NULL);
			return;
		}
		if (r == 0 || deleted) {
			respond_error(c, 404, "not_found",
				      r == 0 ? "That is not a version of this document." : "That version is the deletion: it has no content.",
				      "version");
			return;
		}
		commit = arena_strdup(c->arena, version);
	} else if (json_is_true(json_object_get(doc, "deleted"))) {
		respond_error(c, 404, "deleted",
			      "This document was deleted. Its earlier versions can still be downloaded with ?version=COMMIT.",
			      NULL);
		return;
	}
	Buf b = {0};
	char *err = NULL;
	int r = artifact_read(doc_repo(), path, commit, &b, &err);
	if (r != 0) {
		ctx_log(c, "reading %s at %s failed: %s", path, commit, err ? err : "absent");
		free(err);
		buf_free(&b);
		respond_error(c, 500, "repository_failed", "The document's content cannot be read from the repository.",
			      NULL);
		return;
	}
	int show = allow_inline && doc_type_is_image(type);
	add_header(c, "Content-Disposition", disposition(c, show ? "inline" : "attachment", name));
	add_header(c, "ETag", arena_printf(c->arena, "\"%s\"", commit));
	add_header(c, "Cache-Control", "private, no-cache");
	respond(c, 200, arena_strdup(c->arena, doc_type_header(type)), b.s ? b.s : "", b.len);
	buf_free(&b);
}

