/*
 * api_documents.c - the JSON API for documents: upload (multipart/form-
 * data), list with filters, show with versions, download (any version)
 * and delete.  Reading an upload form and sending a document's bytes,
 * which the admin pages do the same way, are in fcgi/view.c (docs_*).
 *
 * The rules (size, names, content checks, where files go, events, client
 * isolation) live in lib/desk/documents.c; this file turns HTTP into a
 * DocUpload and DocError into a status.  The multipart body is parsed by
 * docs_read_form, not by the dispatcher: routes are R_RAW_BODY.  A
 * download never renders: it is always an attachment (an image may be
 * inline on the admin page only), with the type checked at upload and
 * nosniff.
 */
#include "fcgi/api/api.h"
#include "fcgi/handlers.h"
#include "fcgi/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- JSON ---------------------------------------------------------------- */

static void iso_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		return;
	char t[32];
	api_fmt_time(t, json_integer_value(v));
	json_object_set_new(o, key, json_string(t));
}

/* A lib/desk/documents.c row as the API shows it (o is changed and returned). */
static json_t *api_doc(json_t *o)
{
	iso_field(o, "created_at");
	iso_field(o, "updated_at");
	iso_field(o, "deleted_at");
	json_object_del(o, "client_name");
	json_object_del(o, "task_title");
	json_object_set_new(o, "download_url",
			    json_sprintf("/api/documents/%lld/download",
					 (long long)json_integer_value(json_object_get(o, "id"))));
	return o;
}

static void doc_failed(Ctx *c, const DocError *e)
{
	int status = doc_err_status(e->kind);
	if (e->kind == DOC_STORE && strcmp(e->code, "db_busy") == 0)
		status = 503;
	if (status >= 500)
		ctx_log(c, "document: %s", e->message);
	respond_error(c, status, e->code ? e->code : "error",
		      status >= 500 && e->kind != DOC_STORE ? "The document could not be stored. The server log has the details."
							    : e->message,
		      e->field);
}

/* The document the token may see, or NULL after answering 404. */
static json_t *visible_doc(Ctx *c)
{
	DocViewer v = docs_viewer(c);
	json_t *d = doc_get(c->store, &v, path_id(c, "id"));
	if (!d)
		respond_error(c, 404, "not_found", "There is no document with that id.", NULL);
	return d;
}

/* ---- handlers ----------------------------------------------------------- */

/* POST /api/documents/upload - API token.  multipart/form-data: file
 * (required; its filename is made safe), client_id, task_id, event_id
 * (one of them says whose document it is), document_id (a new version of
 * that document instead), description.  201 the new document (Location);
 * 200 a new version of the document already at that place (same file
 * name, same task or client), with "unchanged": true when the bytes were
 * the same.  400 malformed multipart, 413 too large, 415 a type refused
 * or not matching the bytes, 422 a bad field, 404 a client, task, event
 * or document the token may not see.  Event document_uploaded or
 * document_updated. */
void h_api_documents_upload(Ctx *c)
{
	DocForm f;
	char why[300];
	if (docs_read_form(c, &f, 0, why, sizeof why) < 0) {
		respond_error(c, f.status, f.code, why, f.field);
		return;
	}
	DocAuthor author;
	docs_author(c, &author);
	DocUpload u = {
		.client_id = f.client_id, .task_id = f.task_id, .event_id = f.event_id, .document_id = f.document_id,
		.file_name = f.filename, .declared_type = f.part_type, .data = f.data, .len = f.len,
		.description = f.description, .actor = c->actor, .author = &author, .via = "API",
	};
	DocViewer v = docs_viewer(c);
	DocResult r;
	DocError e;
	if (doc_upload(c->store, &v, &u, &r, &e) < 0) {
		doc_failed(c, &e);
		return;
	}
	json_t *d = doc_get(c->store, &v, r.id);
	if (!d) {
		respond_error(c, 500, "store_failed", "The document was stored but cannot be read back.", NULL);
		return;
	}
	ctx_log(c, "document=%lld %s commit=%s by %s", (long long)r.id,
		r.created ? "uploaded" : r.unchanged ? "unchanged" : "updated", r.commit, c->actor);
	api_doc(d);
	if (!r.created) {
		json_object_set_new(d, "unchanged", json_boolean(r.unchanged));
		if (r.restored)
			json_object_set_new(d, "restored", json_true());
	}
	add_header(c, "Location", arena_printf(c->arena, "/api/documents/%lld", (long long)r.id));
	respond_json(c, r.created ? 201 : 200, d);
}

/* GET /api/documents - API token.  Query: client_id, task_id, event_id,
 * uploaded_by (an actor such as user:ada or api:ci, or a bare name),
 * from, to (created_at, ISO 8601 or unix ms; to is exclusive), deleted
 * (exclude (default), include, only), limit, cursor.  Newest first.
 * 200 {"data":[document...], "next_cursor"}. */
void h_api_documents_list(Ctx *c)
{
	static const char *const deleted_values[] = {"exclude", "include", "only", NULL};
	DocFilter f = {0};
	ApiPage page;
	const char *by = NULL, *del = NULL;
	int has_from, has_to;
	if (api_query_id(c, "client_id", &f.client_id) < 0 || api_query_id(c, "task_id", &f.task_id) < 0 ||
	    api_query_id(c, "event_id", &f.event_id) < 0 || api_query_text(c, "uploaded_by", 100, &by) < 0 ||
	    (has_from = api_query_time(c, "from", &f.from_ms)) < 0 || (has_to = api_query_time(c, "to", &f.to_ms)) < 0 ||
	    api_query_enum(c, "deleted", deleted_values, &del) < 0 || api_page(c, &page) < 0)
		return;
	if (has_from && has_to && f.from_ms > f.to_ms) {
		respond_error(c, 422, "invalid_value", "from must not be later than to.", "from");
		return;
	}
	f.uploaded_by = by;
	f.deleted = !del ? 0 : strcmp(del, "include") == 0 ? 1 : strcmp(del, "only") == 0 ? 2 : 0;
	f.before_id = page.cursor;
	f.limit = page.limit;
	DocViewer v = docs_viewer(c);
	int more = 0;
	json_t *rows = doc_list(c->store, &v, &f, &more);
	if (!rows) {
		api_store_failed(c, "listing documents");
		return;
	}
	size_t i;
	json_t *row;
	int64_t last = 0;
	json_array_foreach(rows, i, row) {
		last = json_integer_value(json_object_get(row, "id"));
		api_doc(row);
	}
	json_t *next = more ? json_sprintf("%lld", (long long)last) : json_null();
	respond_json(c, 200, json_pack("{s:o,s:o}", "data", rows, "next_cursor", next));
}

/* GET /api/documents/:id - API token.  200 the document with "versions":
 * the commits that touched its path, newest first ({commit, author,
 * email, time, message, deleted, download_url}); 404 when the token may
 * not see it. */
void h_api_document_get(Ctx *c)
{
	json_t *d = visible_doc(c);
	if (!d)
		return;
	char *err = NULL;
	json_t *versions = doc_versions(json_string_value(json_object_get(d, "path")), DOC_HISTORY_MAX, &err);
	if (!versions) {
		ctx_log(c, "document history failed: %s", err ? err : "?");
		free(err);
		json_decref(d);
		respond_error(c, 500, "repository_failed", "The document's history cannot be read.", NULL);
		return;
	}
	int64_t id = json_integer_value(json_object_get(d, "id"));
	size_t i;
	json_t *ver;
	json_array_foreach(versions, i, ver) {
		char t[32];
		api_fmt_time(t, json_integer_value(json_object_get(ver, "time")));
		json_object_set_new(ver, "time", json_string(t));
		json_object_set_new(ver, "download_url",
				    json_is_true(json_object_get(ver, "deleted"))
					    ? json_null()
					    : json_sprintf("/api/documents/%lld/download?version=%s", (long long)id,
							   json_string_value(json_object_get(ver, "commit"))));
	}
	api_doc(d);
	json_object_set_new(d, "versions", versions);
	respond_json(c, 200, d);
}

/* GET /api/documents/:id/download[?version=COMMIT] - API token.  The
 * content of the current version (or of that version, which must be one
 * of the document's), as an attachment with the checked type.  404 when
 * deleted (earlier versions stay downloadable) or not visible. */
void h_api_document_download(Ctx *c)
{
	json_t *d = visible_doc(c);
	if (!d)
		return;
	docs_send_file(c, d, params_get(&c->query, "version"), 0);
	json_decref(d);
}

/* DELETE /api/documents/:id - API token.  A commit that removes the file
 * (its versions stay in the history and downloadable), event
 * document_deleted.  200 the document (deleted: true, with "commit": the
 * deleting commit); 404 not visible; 409 deleted already. */
void h_api_document_delete(Ctx *c)
{
	DocViewer v = docs_viewer(c);
	DocAuthor author;
	docs_author(c, &author);
	char commit[41];
	DocError e;
	int64_t id = path_id(c, "id");
	if (doc_delete(c->store, &v, id, c->actor, &author, "API", commit, &e) < 0) {
		if (e.kind == DOC_NOT_FOUND)
			respond_error(c, 404, "not_found", "There is no document with that id.", NULL);
		else
			doc_failed(c, &e);
		return;
	}
	json_t *d = doc_get(c->store, &v, id);
	if (!d) {
		respond_error(c, 500, "store_failed", "The document cannot be read back.", NULL);
		return;
	}
	ctx_log(c, "document=%lld deleted commit=%s by %s", (long long)id, commit, c->actor);
	api_doc(d);
	json_object_set_new(d, "commit", json_string(commit));
	respond_json(c, 200, d);
}
