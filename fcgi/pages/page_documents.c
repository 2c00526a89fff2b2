/*
 * page_documents.c - the documents pages of the admin: the list with
 * filters, the upload form (a multipart form that works without
 * JavaScript), a document's page (details, the content rendered or shown,
 * its version history, a diff between any two versions of a text
 * document, downloads, a new version, delete) and the download itself.
 *
 * Who sees what is decided in lib/desk/documents.c's SQL: an agent sees the
 * documents of the clients attached to them, and any other document
 * answers 404 like one that does not exist.  Uploads are R_RAW_BODY (the
 * dispatcher parses only urlencoded forms), so this file checks the
 * multipart form's _csrf against the session exactly as the router does
 * for R_CSRF.  Markdown is rendered by lib/web/markdown.c with raw HTML off;
 * every other byte of a document reaches the page escaped, or not at all.
 */
#include "fcgi/api/api.h"
#include "desk/clients.h"
#include "core/config.h"
#include "fcgi/handlers.h"
#include "fcgi/view.h"
#include "web/markdown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOCS_PAGE 50
#define CLIENT_OPTIONS_MAX 200
#define PREVIEW_MAX (256 * 1024) /* bytes of text shown on the page */
#define DIFF_MAX (512 * 1024)    /* bytes of diff shown on the page */

static const ManageFlash doc_flash[] = {
	{"uploaded", "Document uploaded: it is the first version in the repository."},
	{"updated", "New version saved: the earlier ones stay in the history below."},
	{"restored", "The document was deleted; this upload brought it back as a new version."},
	{"unchanged", "That file is identical to the current version: nothing was changed."},
	{"deleted", "Document deleted. Its versions stay in the history and can still be downloaded."},
	{NULL, NULL},
};

/* "12.3 KB" for a size in bytes (arena). */
static const char *human_size(Ctx *c, int64_t n)
{
	if (n < 1024)
		return arena_printf(c->arena, "%lld bytes", (long long)n);
	if (n < 1024 * 1024)
		return arena_printf(c->arena, "%.1f KB", (double)n / 1024);
	return arena_printf(c->arena, "%.1f MB", (double)n / (1024 * 1024));
}

/* "Ada (ada)" for "user:ada", the token's name for "api:x", "AI worker". */
static const char *who(Ctx *c, const char *actor)
{
	if (!actor)
		return "";
	if (strncmp(actor, "user:", 5) == 0)
		return actor + 5;
	if (strncmp(actor, "api:", 4) == 0)
		return arena_printf(c->arena, "API token %s", actor + 4);
	if (strcmp(actor, "worker") == 0)
		return "AI worker";
	return actor;
}

/* Decorate a lib/desk/documents.c row for the templates. */
static json_t *doc_view(Ctx *c, json_t *d)
{
	const char *type = json_string_value(json_object_get(d, "content_type"));
	json_object_set_new(d, "size_text", json_string(human_size(c, json_integer_value(json_object_get(d, "size")))));
	json_object_set_new(d, "created", json_string(manage_time(c, json_integer_value(json_object_get(d, "created_at")))));
	json_object_set_new(d, "updated", json_string(manage_time(c, json_integer_value(json_object_get(d, "updated_at")))));
	json_t *del = json_object_get(d, "deleted_at");
	if (json_is_integer(del))
		json_object_set_new(d, "deleted_when", json_string(manage_time(c, json_integer_value(del))));
	json_object_set_new(d, "uploader", json_string(who(c, json_string_value(json_object_get(d, "uploaded_by")))));
	json_object_set_new(d, "updater", json_string(who(c, json_string_value(json_object_get(d, "updated_by")))));
	json_object_set_new(d, "short_commit",
			    json_string(arena_strndup(c->arena, json_string_value(json_object_get(d, "current_commit")), 10)));
	json_object_set_new(d, "is_text", json_boolean(doc_type_is_text(type)));
	json_object_set_new(d, "is_markdown", json_boolean(doc_type_is_markdown(type)));
	json_object_set_new(d, "is_image", json_boolean(doc_type_is_image(type)));
	return d;
}

/* ---- the list ------------------------------------------------------------ */

/* Clients the viewer may see, for the select (selected marked), or NULL
 * when there are more than a select should hold. */
static json_t *client_options(Ctx *c, int64_t selected)
{
	ClientViewer v = {c->user.id, c->user.is_admin};
	int more = 0;
	json_t *rows = client_list(c->store, &v, NULL, 0, CLIENT_OPTIONS_MAX, &more);
	if (!rows || more) {
		json_decref(rows);
		return NULL;
	}
	json_t *out = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		int64_t id = json_integer_value(json_object_get(r, "id"));
		const char *name = json_string_value(json_object_get(r, "name"));
		if (!name || !*name)
			name = json_string_value(json_object_get(r, "phone"));
		json_array_append_new(out, json_pack("{s:I,s:s,s:b}", "id", (json_int_t)id, "name", name ? name : "",
						     "selected", id == selected));
	}
	json_decref(rows);
	return out;
}

/* A YYYY-MM-DD (or any time api_parse_time takes) from the query; for
 * "to", a bare date means the end of that day.  1 set, 0 absent, -1 bad. */
static int query_date(Ctx *c, const char *name, int64_t *ms)
{
	const char *v = params_get(&c->query, name);
	if (!v || !*v)
		return 0;
	if (api_parse_time(v, ms) != 0)
		return -1;
	if (strcmp(name, "to") == 0 && strlen(v) == 10)
		*ms += 86400000;
	return 1;
}

/* The list's URL with its filters and extra (e.g. "after=12"). */
static const char *list_url(Ctx *c, const DocFilter *f, const char *extra)
{
	Buf u = {0};
	buf_puts(&u, "/documents");
	char sep = '?';
	static const char *const keep[] = {"client", "task", "by", "from", "to", "deleted"};
	for (size_t i = 0; i < ARRAY_LEN(keep); i++) {
		const char *v = params_get(&c->query, keep[i]);
		if (!v || !*v)
			continue;
		buf_printf(&u, "%c%s=", sep, keep[i]);
		buf_url_escape(&u, v);
		sep = '&';
	}
	if (extra)
		buf_printf(&u, "%c%s", sep, extra);
	(void)f;
	const char *s = arena_strdup(c->arena, buf_cstr(&u));
	buf_free(&u);
	return s;
}

/* GET /documents?client=ID&task=ID&by=LOGIN&from=DATE&to=DATE&deleted=include|only&after=ID
 * - signed in.  The documents the user may see, newest first, 50 a page. */
void h_documents(Ctx *c)
{
	DocFilter f = {0};
	f.client_id = manage_query_id(c, "client");
	f.task_id = manage_query_id(c, "task");
	f.before_id = manage_query_id(c, "after");
	f.limit = DOCS_PAGE;
	const char *by = params_get(&c->query, "by");
	const char *del = params_get(&c->query, "deleted");
	if (by && manage_chars(by) > 100) {
		respond_error(c, 400, "bad_query", "The uploader is longer than 100 characters.", "by");
		return;
	}
	f.uploaded_by = by && *by ? by : NULL;
	f.deleted = del && strcmp(del, "include") == 0 ? 1 : del && strcmp(del, "only") == 0 ? 2 : 0;
	if (query_date(c, "from", &f.from_ms) < 0 || query_date(c, "to", &f.to_ms) < 0) {
		respond_error(c, 400, "bad_query", "Dates must look like 2026-03-01.", NULL);
		return;
	}
	DocViewer v = docs_viewer(c);
	int more = 0;
	json_t *rows = doc_list(c->store, &v, &f, &more);
	if (!rows) {
		ctx_log(c, "listing documents failed: %s", store_errmsg(c->store));
		respond_error(c, 500, "store_failed", "The documents could not be listed.", NULL);
		return;
	}
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
		doc_view(c, row);
	int n = (int)json_array_size(rows);
	json_t *d = page_data(c, "Documents", "documents");
	json_t *opts = client_options(c, f.client_id);
	if (opts) {
		json_object_set_new(d, "client_options", opts);
		json_object_set_new(d, "client_select", json_true());
	}
	json_object_set_new(d, "filter", json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:b}",
		"client", f.client_id ? arena_printf(c->arena, "%lld", (long long)f.client_id) : "",
		"task", f.task_id ? arena_printf(c->arena, "%lld", (long long)f.task_id) : "",
		"by", by ? by : "", "from", params_get(&c->query, "from") ? params_get(&c->query, "from") : "",
		"to", params_get(&c->query, "to") ? params_get(&c->query, "to") : "",
		"include_deleted", f.deleted == 1, "only_deleted", f.deleted == 2));
	int filtered = f.client_id || f.task_id || f.uploaded_by || f.from_ms || f.to_ms || f.deleted;
	json_object_set_new(d, "filtered", json_boolean(filtered));
	json_object_set_new(d, "documents", rows);
	json_object_set_new(d, "count", json_integer(n));
	Buf nu = {0};
	buf_puts(&nu, "/documents/new");
	if (f.task_id)
		buf_printf(&nu, "?task=%lld", (long long)f.task_id);
	else if (f.client_id)
		buf_printf(&nu, "?client=%lld", (long long)f.client_id);
	json_object_set_new(d, "new_url", json_string(buf_cstr(&nu)));
	buf_free(&nu);
	if (more && n > 0) {
		int64_t last = json_integer_value(json_object_get(json_array_get(rows, n - 1), "id"));
		json_object_set_new(d, "next_url",
				    json_string(list_url(c, &f, arena_printf(c->arena, "after=%lld", (long long)last))));
	}
	if (f.before_id)
		json_object_set_new(d, "first_url", json_string(list_url(c, &f, NULL)));
	if (n == 0)
		json_object_set_new(d, filtered ? "empty_filtered" : f.before_id ? "empty_end" : "empty_all", json_true());
	respond_page(c, 200, "pages/documents", d);
}

/* ---- uploading --------------------------------------------------------- */

/* The upload form; values from the query (GET) or the refused form. */
static void upload_page(Ctx *c, int status, const DocForm *f, const char *error, const char *field)
{
	int64_t client = f ? f->client_id : manage_query_id(c, "client");
	int64_t task = f ? f->task_id : manage_query_id(c, "task");
	int64_t document = f ? f->document_id : manage_query_id(c, "document");
	json_t *d = page_data(c, document ? "New version" : "Upload a document", "documents");
	json_t *form = json_pack("{s:s,s:s,s:s}", "client", client ? arena_printf(c->arena, "%lld", (long long)client) : "",
				 "task", task ? arena_printf(c->arena, "%lld", (long long)task) : "", "description",
				 f && f->description ? f->description : "");
	json_object_set_new(d, "f", form);
	if (document) {
		DocViewer v = docs_viewer(c);
		json_t *doc = doc_get(c->store, &v, document);
		if (!doc) {
			respond_error(c, 404, "not_found", "There is no such document, or it is not one of yours.", NULL);
			json_decref(d);
			return;
		}
		json_object_set_new(d, "document", doc_view(c, doc));
	} else {
		json_t *opts = client_options(c, client);
		if (opts) {
			json_object_set_new(d, "client_options", opts);
			json_object_set_new(d, "client_select", json_true());
		}
	}
	json_object_set_new(d, "max_upload", json_string(human_size(c, config_int("SWITCHBOARD_MAX_UPLOAD"))));
	if (error) {
		json_object_set_new(d, "error", json_string(error));
		if (field) {
			char key[40];
			snprintf(key, sizeof key, "e_%s", field);
			json_object_set_new(d, key, json_string(error));
		}
	}
	respond_page(c, status, "pages/document_new", d);
}

/* GET /documents/new?client=ID&task=ID&document=ID - signed in.  The
 * upload form (with document: a new version of that document). */
void h_document_new_form(Ctx *c)
{
	upload_page(c, 200, NULL, NULL, NULL);
}

/* POST /documents - signed in; multipart/form-data with _csrf (checked
 * here: the route is R_RAW_BODY) and _form (the same upload sent again is
 * done once, as the dispatcher does for other forms).  Fields: file, client_id, task_id,
 * event_id, document_id, description.  303 to the document's page; the
 * form again with the reason (400, 413, 415, 422, 404) when refused, and
 * nothing stored. */
void h_document_upload(Ctx *c)
{
	DocForm f;
	char why[300];
	int parsed = docs_read_form(c, &f, 1, why, sizeof why);
	/* CSRF first: a forged request learns nothing, not even a parse error. */
	if (!docs_check_csrf(c, &f)) {
		respond_error(c, 403, "csrf",
			      "This form has expired or did not come from this site. Go back, reload the page and try again.",
			      NULL);
		return;
	}
	if (parsed < 0) {
		upload_page(c, f.status, &f, why, f.field);
		return;
	}
	/* The same upload sent again from the same page is done once. */
	FormDigest fd;
	unsigned char fields[32];
	char ids[80];
	snprintf(ids, sizeof ids, "%lld,%lld,%lld,%lld", (long long)f.client_id, (long long)f.task_id,
		 (long long)f.event_id, (long long)f.document_id);
	form_digest_init(&fd);
	form_digest_add(&fd, ids, strlen(ids));
	form_digest_add(&fd, f.description ? f.description : "", f.description ? strlen(f.description) : 0);
	form_digest_add(&fd, f.filename, strlen(f.filename));
	form_digest_add(&fd, f.part_type, strlen(f.part_type));
	form_digest_add(&fd, f.data, f.len);
	form_digest_final(&fd, fields);
	if (!form_once_begin(c, f.form_token, fields))
		return;
	DocAuthor author;
	docs_author(c, &author);
	DocUpload u = {
		.client_id = f.client_id, .task_id = f.task_id, .event_id = f.event_id, .document_id = f.document_id,
		.file_name = f.filename, .declared_type = f.part_type, .data = f.data, .len = f.len,
		.description = f.description && (*f.description || !f.document_id) ? f.description : NULL,
		.actor = c->actor, .author = &author, .via = "admin",
	};
	DocViewer v = docs_viewer(c);
	DocResult r;
	DocError e;
	if (doc_upload(c->store, &v, &u, &r, &e) < 0) {
		int status = doc_err_status(e.kind);
		if (status >= 500) {
			ctx_log(c, "document upload failed: %s", e.message);
			respond_error(c, e.kind == DOC_STORE && strcmp(e.code, "db_busy") == 0 ? 503 : 500, e.code,
				      "The document could not be stored. The server log has the details.", NULL);
			return;
		}
		upload_page(c, status, &f, e.message, e.field);
		return;
	}
	ctx_log(c, "document=%lld %s commit=%s by %s", (long long)r.id,
		r.created ? "uploaded" : r.unchanged ? "unchanged" : "updated", r.commit, c->actor);
	respond_redirect(c, arena_printf(c->arena, "/documents/%lld?done=%s", (long long)r.id,
					 r.created ? "uploaded" : r.unchanged ? "unchanged" : r.restored ? "restored" : "updated"));
}

/* ---- one document ------------------------------------------------------- */

static json_t *visible_doc(Ctx *c)
{
	DocViewer v = docs_viewer(c);
	json_t *d = doc_get(c->store, &v, path_id(c, "id"));
	if (!d)
		respond_error(c, 404, "not_found", "There is no such document, or it is not one of yours.", NULL);
	return d;
}

/* The diff text as lines with a kind each, for the template. */
static json_t *diff_lines(const char *text, size_t len)
{
	json_t *a = json_array();
	const char *p = text, *end = text + len;
	int header = 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = xstrndup(p, n);
		const char *kind = "ctx";
		if (strncmp(line, "@@", 2) == 0) {
			kind = "hunk";
			header = 0;
		} else if (header) {
			kind = "head";
		} else if (line[0] == '+') {
			kind = "add";
		} else if (line[0] == '-') {
			kind = "del";
		} else if (line[0] == '\\') {
			kind = "note";
		}
		json_array_append_new(a, json_pack("{s:s,s:s}", "kind", kind, "text", line));
		free(line);
		p += n + 1;
	}
	return a;
}

static int is_hex40(const char *s)
{
	if (!s || strlen(s) != 40)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

/* Index of commit in versions, or -1. */
static int version_index(json_t *versions, const char *commit)
{
	size_t i;
	json_t *v;
	json_array_foreach(versions, i, v)
		if (commit && strcmp(json_string_value(json_object_get(v, "commit")), commit) == 0)
			return (int)i;
	return -1;
}

/* GET /documents/:id?version=COMMIT&from=COMMIT&to=COMMIT - signed in, the
 * document visible to the user (else 404).  Details, the content of the
 * current version (or of version): Markdown rendered, text shown, an
 * image displayed; the version history with downloads; the difference
 * between versions from and to of a text document; the forms for a new
 * version and for deleting. */
void h_document(Ctx *c)
{
	json_t *doc = visible_doc(c);
	if (!doc)
		return;
	int64_t id = json_integer_value(json_object_get(doc, "id"));
	const char *path = arena_strdup(c->arena, json_string_value(json_object_get(doc, "path")));
	const char *type = arena_strdup(c->arena, json_string_value(json_object_get(doc, "content_type")));
	const char *current = arena_strdup(c->arena, json_string_value(json_object_get(doc, "current_commit")));
	int deleted = json_is_true(json_object_get(doc, "deleted"));
	char *err = NULL;
	json_t *versions = doc_versions(path, DOC_HISTORY_MAX, &err);
	if (!versions) {
		ctx_log(c, "document history failed: %s", err ? err : "?");
		free(err);
		json_decref(doc);
		respond_error(c, 500, "repository_failed", "The document's history cannot be read.", NULL);
		return;
	}
	json_t *d = page_data(c, json_string_value(json_object_get(doc, "file_name")), "documents");
	manage_flash(c, d, doc_flash);

	/* Which version to show, and which two to compare. */
	const char *version = params_get(&c->query, "version");
	const char *from = params_get(&c->query, "from"), *to = params_get(&c->query, "to");
	int vi = version && *version ? version_index(versions, version) : -1;
	if (version && *version && (vi < 0 || json_is_true(json_object_get(json_array_get(versions, (size_t)vi), "deleted")))) {
		json_decref(versions);
		json_decref(doc);
		json_decref(d);
		respond_error(c, 404, "not_found", "That is not a version of this document with content.", "version");
		return;
	}
	const char *shown = vi >= 0 ? version : deleted ? NULL : current;

	size_t i;
	json_t *ver;
	int n_content = 0;
	json_array_foreach(versions, i, ver) {
		const char *commit = json_string_value(json_object_get(ver, "commit"));
		json_object_set_new(ver, "short", json_string(arena_strndup(c->arena, commit, 10)));
		json_object_set_new(ver, "when", json_string(manage_time(c, json_integer_value(json_object_get(ver, "time")))));
		json_object_set_new(ver, "number", json_integer((json_int_t)(json_array_size(versions) - i)));
		if (shown && strcmp(commit, shown) == 0)
			json_object_set_new(ver, "shown", json_true());
		if (!deleted && strcmp(commit, current) == 0)
			json_object_set_new(ver, "current", json_true());
		if (!json_is_true(json_object_get(ver, "deleted")))
			n_content++;
	}

	int is_text = doc_type_is_text(type);
	if (!shown)
		json_object_set_new(d, "content_deleted", json_true());
	if (shown) {
		Buf b = {0};
		err = NULL;
		int r = artifact_read(doc_repo(), path, shown, &b, &err);
		if (r != 0) {
			ctx_log(c, "reading %s failed: %s", path, err ? err : "absent");
			free(err);
			json_object_set_new(d, "content_error", json_true());
		} else if (doc_type_is_markdown(type)) {
			char *html = markdown_html(b.s ? b.s : "", b.len);
			json_object_set_new(d, "content_html", json_string(html));
			free(html);
		} else if (is_text) {
			size_t n = b.len > PREVIEW_MAX ? PREVIEW_MAX : b.len;
			while (n > 0 && n < b.len && ((unsigned char)b.s[n] & 0xC0) == 0x80)
				n--;
			json_object_set_new(d, "content_text", json_stringn(b.s ? b.s : "", n));
			if (n < b.len)
				json_object_set_new(d, "content_cut", json_true());
		} else if (doc_type_is_image(type)) {
			json_object_set_new(d, "image_url",
					    json_string(arena_printf(c->arena, "/documents/%lld/download?inline=1%s%s",
								     (long long)id, vi >= 0 ? "&version=" : "",
								     vi >= 0 ? version : "")));
		}
		buf_free(&b);
		if (vi >= 0 && strcmp(version, current) != 0)
			json_object_set_new(d, "old_version", json_string(arena_strndup(c->arena, version, 10)));
	}

	/* The diff form: text documents with two versions or more. */
	if (is_text && json_array_size(versions) >= 2) {
		int fi = from && *from ? version_index(versions, from) : -1;
		int ti = to && *to ? version_index(versions, to) : -1;
		int asked = (from && *from) || (to && *to);
		if (asked && (fi < 0 || ti < 0 || !is_hex40(from) || !is_hex40(to))) {
			json_object_set_new(d, "diff_error", json_string("Choose two versions of this document to compare."));
		} else if (asked) {
			Buf df = {0};
			err = NULL;
			if (artifact_diff(doc_repo(), path, from, to, &df, &err) != 0) {
				json_object_set_new(d, "diff_error", json_string(err ? err : "The versions cannot be compared."));
				free(err);
			} else if (df.len == 0) {
				json_object_set_new(d, "diff_same", json_true());
			} else {
				size_t n = df.len > DIFF_MAX ? DIFF_MAX : df.len;
				json_object_set_new(d, "diff", diff_lines(df.s, n));
				json_object_set_new(d, "has_diff", json_true());
				if (n < df.len)
					json_object_set_new(d, "diff_cut", json_true());
			}
			buf_free(&df);
			json_object_set_new(d, "diff_from", json_string(arena_strndup(c->arena, from, 10)));
			json_object_set_new(d, "diff_to", json_string(arena_strndup(c->arena, to, 10)));
		}
		/* Defaults: the version before the newest against the newest. */
		if (fi < 0)
			fi = 1;
		if (ti < 0)
			ti = 0;
		json_t *fo = json_array(), *tos = json_array();
		json_array_foreach(versions, i, ver) {
			json_t *o = json_pack("{s:O,s:O,s:O,s:O}", "commit", json_object_get(ver, "commit"), "short",
					      json_object_get(ver, "short"), "when", json_object_get(ver, "when"), "number",
					      json_object_get(ver, "number"));
			json_t *o2 = json_deep_copy(o);
			if ((int)i == fi)
				json_object_set_new(o, "selected", json_true());
			if ((int)i == ti)
				json_object_set_new(o2, "selected", json_true());
			json_array_append_new(fo, o);
			json_array_append_new(tos, o2);
		}
		json_object_set_new(d, "diff_from_options", fo);
		json_object_set_new(d, "diff_to_options", tos);
		json_object_set_new(d, "can_diff", json_true());
	}
	json_object_set_new(d, "versions", versions);
	json_object_set_new(d, "version_count", json_integer(n_content));
	json_object_set_new(d, "max_upload", json_string(human_size(c, config_int("SWITCHBOARD_MAX_UPLOAD"))));
	json_object_set_new(d, "document", doc_view(c, doc));
	respond_page(c, 200, "pages/document", d);
}

/* GET /documents/:id/download?version=COMMIT&inline=1 - signed in, the
 * document visible to the user.  Its bytes as an attachment (inline=1
 * shows a checked PNG, JPEG, GIF or WebP image in the page; nothing else
 * is ever inline). */
void h_document_download(Ctx *c)
{
	json_t *doc = visible_doc(c);
	if (!doc)
		return;
	const char *inl = params_get(&c->query, "inline");
	docs_send_file(c, doc, params_get(&c->query, "version"), inl && strcmp(inl, "1") == 0);
	json_decref(doc);
}

/* POST /documents/:id/delete - signed in, the document visible to the
 * user (CSRF).  A commit that removes the file; its versions stay.  303
 * back with a flash; 404 not visible; 409 deleted already. */
void h_document_delete(Ctx *c)
{
	DocViewer v = docs_viewer(c);
	DocAuthor author;
	docs_author(c, &author);
	char commit[41];
	DocError e;
	int64_t id = path_id(c, "id");
	if (doc_delete(c->store, &v, id, c->actor, &author, "admin", commit, &e) < 0) {
		int status = doc_err_status(e.kind);
		if (status >= 500)
			ctx_log(c, "document delete failed: %s", e.message);
		respond_error(c, status, e.code,
			      e.kind == DOC_NOT_FOUND ? "There is no such document, or it is not one of yours."
			      : status >= 500	      ? "The document could not be deleted. The server log has the details."
						      : e.message,
			      NULL);
		return;
	}
	ctx_log(c, "document=%lld deleted commit=%s by %s", (long long)id, commit, c->actor);
	respond_redirect(c, arena_printf(c->arena, "/documents/%lld?done=deleted", (long long)id));
}
