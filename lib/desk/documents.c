/*
 * documents.c - documents in the artifact repository with their metadata
 * (see documents.h).
 *
 * Order of an upload: every check that can refuse it (size, name, bytes,
 * description, client/task/event and who may see them) runs before
 * anything is written; then BEGIN IMMEDIATE, the row, the repository
 * commit, the row's commit and the event, COMMIT.  Holding the database's
 * write lock across the repository commit orders concurrent uploads the
 * same way in both places.  If the final COMMIT fails the repository keeps
 * a commit the table does not know: it is logged, and harmless (the next
 * upload of that path is a new version on top of it).
 *
 * This file must not know HTTP, and must never build SQL from input.
 */
#include "desk/documents.h"
#include "core/config.h"
#include "web/multipart.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SLUG_MAX 48

int doc_err_status(DocErr kind)
{
	switch (kind) {
	case DOC_OK: return 200;
	case DOC_INVALID: return 422;
	case DOC_NOT_FOUND: return 404;
	case DOC_TOO_LARGE: return 413;
	case DOC_BAD_TYPE: return 415;
	case DOC_DELETED: return 409;
	case DOC_STORE:
	case DOC_REPO: return 500;
	}
	return 500;
}

static int set_err(DocError *e, DocErr kind, const char *field, const char *code, const char *fmt, ...)
	SB_PRINTF(5, 6);
static int set_err(DocError *e, DocErr kind, const char *field, const char *code, const char *fmt, ...)
{
	if (e) {
		e->kind = kind;
		e->field = field;
		e->code = code;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->message, sizeof e->message, fmt, ap);
		va_end(ap);
	}
	return -1;
}

const char *doc_repo(void)
{
	return config_get("SWITCHBOARD_ARTIFACTS");
}

/* ---- authors ------------------------------------------------------------ */

/* Lowercase letters, digits, '.', '-', '_' from s into out (n bytes). */
static void email_local(char *out, size_t n, const char *s)
{
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && k + 1 < n; p++) {
		unsigned char ch = *p;
		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_')
			out[k++] = (char)ch;
		else if (k > 0 && out[k - 1] != '-')
			out[k++] = '-';
	}
	while (k > 0 && (out[k - 1] == '-' || out[k - 1] == '.'))
		k--;
	out[k] = '\0';
	if (k == 0)
		snprintf(out, n, "unknown");
}

void doc_author(DocAuthor *a, const char *actor, const char *login, const char *user_name)
{
	char local[64];
	if (login && *login) {
		email_local(local, sizeof local, login);
		snprintf(a->name, sizeof a->name, "%s", user_name && *user_name ? user_name : login);
		snprintf(a->email, sizeof a->email, "%s@users.switchboard.invalid", local);
	} else if (actor && (strcmp(actor, "worker") == 0 || strcmp(actor, "ai") == 0)) {
		snprintf(a->name, sizeof a->name, "Switchboard AI worker");
		snprintf(a->email, sizeof a->email, "ai-worker@switchboard.invalid");
	} else if (actor && strncmp(actor, "api:", 4) == 0) {
		email_local(local, sizeof local, actor + 4);
		snprintf(a->name, sizeof a->name, "API token %s", actor + 4);
		snprintf(a->email, sizeof a->email, "%s@tokens.switchboard.invalid", local);
	} else {
		email_local(local, sizeof local, actor ? actor : "system");
		snprintf(a->name, sizeof a->name, "%s", actor && *actor ? actor : "Switchboard");
		snprintf(a->email, sizeof a->email, "%s@switchboard.invalid", local);
	}
}

ArtifactAuthor doc_artifact_author(const DocAuthor *a)
{
	return (ArtifactAuthor){a->name, a->email};
}

/* ---- content checks ------------------------------------------------------ */

typedef enum { K_NONE, K_TEXT, K_PNG, K_JPEG, K_GIF, K_WEBP, K_PDF, K_ZIP, K_GZIP } Kind;

static const char *const kind_words[] = {
	[K_NONE] = "an unknown binary format", [K_TEXT] = "text", [K_PNG] = "a PNG image",
	[K_JPEG] = "a JPEG image", [K_GIF] = "a GIF image", [K_WEBP] = "a WebP image",
	[K_PDF] = "a PDF document", [K_ZIP] = "a ZIP archive", [K_GZIP] = "a gzip file",
};

typedef struct {
	const char *ext;
	Kind kind;
	const char *type;
} ExtType;

static const ExtType ext_types[] = {
	{"png", K_PNG, "image/png"},
	{"jpg", K_JPEG, "image/jpeg"},
	{"jpeg", K_JPEG, "image/jpeg"},
	{"gif", K_GIF, "image/gif"},
	{"webp", K_WEBP, "image/webp"},
	{"pdf", K_PDF, "application/pdf"},
	{"zip", K_ZIP, "application/zip"},
	{"gz", K_GZIP, "application/gzip"},
	{"tgz", K_GZIP, "application/gzip"},
	{"docx", K_ZIP, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{"xlsx", K_ZIP, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	{"pptx", K_ZIP, "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
	{"odt", K_ZIP, "application/vnd.oasis.opendocument.text"},
	{"ods", K_ZIP, "application/vnd.oasis.opendocument.spreadsheet"},
	{"odp", K_ZIP, "application/vnd.oasis.opendocument.presentation"},
	{"md", K_TEXT, "text/markdown"},
	{"markdown", K_TEXT, "text/markdown"},
	{"txt", K_TEXT, "text/plain"},
	{"text", K_TEXT, "text/plain"},
	{"log", K_TEXT, "text/plain"},
	{"csv", K_TEXT, "text/csv"},
	{"tsv", K_TEXT, "text/tab-separated-values"},
	{"json", K_TEXT, "application/json"},
	{"yaml", K_TEXT, "application/yaml"},
	{"yml", K_TEXT, "application/yaml"},
	{"diff", K_TEXT, "text/x-diff"},
	{"patch", K_TEXT, "text/x-diff"},
};

/* Names a browser would run or render as a page if it ever showed them. */
static const char *const active_exts[] = {
	"html", "htm", "xhtml", "xht", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "xslt",
	"js", "mjs", "hta", "swf",
};

/* The content type a declared type stands for, when the name says nothing. */
static const ExtType declared_types[] = {
	{"image/png", K_PNG, "image/png"},
	{"image/jpeg", K_JPEG, "image/jpeg"},
	{"image/gif", K_GIF, "image/gif"},
	{"image/webp", K_WEBP, "image/webp"},
	{"application/pdf", K_PDF, "application/pdf"},
	{"application/zip", K_ZIP, "application/zip"},
	{"text/markdown", K_TEXT, "text/markdown"},
	{"text/csv", K_TEXT, "text/csv"},
};

int doc_type_is_text(const char *type)
{
	return type && (strncmp(type, "text/", 5) == 0 || strcmp(type, "application/json") == 0 ||
			strcmp(type, "application/yaml") == 0);
}

int doc_type_is_markdown(const char *type)
{
	return type && strcmp(type, "text/markdown") == 0;
}

int doc_type_is_image(const char *type)
{
	return type && (strcmp(type, "image/png") == 0 || strcmp(type, "image/jpeg") == 0 ||
			strcmp(type, "image/gif") == 0 || strcmp(type, "image/webp") == 0);
}

const char *doc_type_header(const char *type)
{
	static const struct { const char *type, *header; } h[] = {
		{"text/markdown", "text/markdown; charset=utf-8"},
		{"text/plain", "text/plain; charset=utf-8"},
		{"text/csv", "text/csv; charset=utf-8"},
		{"text/tab-separated-values", "text/tab-separated-values; charset=utf-8"},
		{"text/x-diff", "text/x-diff; charset=utf-8"},
		{"application/json", "application/json; charset=utf-8"},
		{"application/yaml", "application/yaml; charset=utf-8"},
	};
	for (size_t i = 0; i < ARRAY_LEN(h); i++)
		if (strcmp(h[i].type, type) == 0)
			return h[i].header;
	return type;
}

int doc_is_utf8_text(const void *data, size_t len, size_t *bad)
{
	const unsigned char *p = data;
	size_t i = 0;
	while (i < len) {
		unsigned char c = p[i];
		size_t n;
		uint32_t cp;
		if (c == 0) {
			goto bad;
		} else if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			goto bad;
		}
		if (i + n >= len)
			goto bad;
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (p[i + k] & 0xC0) != 0x80)
				goto bad;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			goto bad;
		i += n + 1;
	}
	return 1;
bad:
	if (bad)
		*bad = i;
	return 0;
}

static Kind sniff(const unsigned char *p, size_t n)
{
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return K_PNG;
	if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
		return K_JPEG;
	if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
		return K_GIF;
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return K_WEBP;
	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return K_PDF;
	if (n >= 4 && (memcmp(p, "PK\x03\x04", 4) == 0 || memcmp(p, "PK\x05\x06", 4) == 0))
		return K_ZIP;
	if (n >= 3 && p[0] == 0x1F && p[1] == 0x8B && p[2] == 0x08)
		return K_GZIP;
	if (doc_is_utf8_text(p, n, NULL))
		return K_TEXT;
	return K_NONE;
}

/* Does text start (after a BOM and white space) like an HTML, SVG or XML
 * document, which a browser would render? */
static int looks_like_markup(const unsigned char *p, size_t n)
{
	size_t i = 0;
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n' || p[i] == '\f'))
		i++;
	if (i >= n || p[i] != '<')
		return 0;
	static const char *const starts[] = {"<!doctype", "<html", "<svg", "<?xml", "<script", "<head", "<body",
					     "<iframe", "<!--", "<meta", "<style", "<title", "<object", "<embed",
					     "<img", "<a ", "<div", "<p>", "<table", "<form"};
	for (size_t k = 0; k < ARRAY_LEN(starts); k++) {
		size_t l = strlen(starts[k]);
		if (n - i >= l && strncasecmp((const char *)p + i, starts[k], l) == 0)
			return 1;
	}
	return 0;
}

/* The extension of name, lowercase, without the dot, into out ("" none). */
static void extension(const char *name, char *out, size_t n)
{
	const char *dot = strrchr(name, '.');
	out[0] = '\0';
	if (!dot || dot == name || strlen(dot + 1) >= n)
		return;
	size_t k = 0;
	for (const char *p = dot + 1; *p; p++)
		out[k++] = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
	out[k] = '\0';
}

const char *doc_check_content(const char *file_name, const char *declared, const void *data, size_t len,
			      DocError *e)
{
	const unsigned char *p = data;
	char ext[16];
	extension(file_name, ext, sizeof ext);
	for (size_t i = 0; i < ARRAY_LEN(active_exts); i++)
		if (strcmp(ext, active_exts[i]) == 0) {
			set_err(e, DOC_BAD_TYPE, "file", "active_content",
				"%s is refused: HTML, SVG, XML and script files can run code in a browser. Send a PDF "
				"or a screenshot instead, or put the file in a ZIP archive.",
				file_name);
			return NULL;
		}
	Kind got = sniff(p, len);
	const ExtType *want = NULL;
	for (size_t i = 0; i < ARRAY_LEN(ext_types); i++)
		if (strcmp(ext, ext_types[i].ext) == 0)
			want = &ext_types[i];
	if (!want && declared) {
		size_t dl = strcspn(declared, "; \t");
		for (size_t i = 0; i < ARRAY_LEN(declared_types); i++)
			if (strlen(declared_types[i].ext) == dl && strncasecmp(declared, declared_types[i].ext, dl) == 0)
				want = &declared_types[i];
	}
	if (want) {
		if (want->kind == got)
			return want->type;
		if (want->kind == K_TEXT) {
			size_t bad = 0;
			doc_is_utf8_text(p, len, &bad);
			if (got != K_NONE)
				set_err(e, DOC_BAD_TYPE, "file", "type_mismatch",
					"%s is named like a text file, but its content is %s.", file_name, kind_words[got]);
			else
				set_err(e, DOC_BAD_TYPE, "file", "not_text",
					"%s is not UTF-8 text: byte %zu is %s. Save it as UTF-8 and upload it again.",
					file_name, bad + 1, p[bad] == 0 ? "a NUL" : "not valid UTF-8");
			return NULL;
		}
		const char *looks = got == K_TEXT && looks_like_markup(p, len) ? "HTML or XML markup"
										: kind_words[got];
		set_err(e, DOC_BAD_TYPE, "file", "type_mismatch", "%s is named like %s, but its content is %s.",
			file_name, kind_words[want->kind], looks);
		return NULL;
	}
	/* No known extension: the bytes decide. */
	switch (got) {
	case K_TEXT:
		if (looks_like_markup(p, len)) {
			set_err(e, DOC_BAD_TYPE, "file", "active_content",
				"%s holds HTML or XML markup, which is refused: it could run code in a browser. Send "
				"a PDF or a screenshot instead, or put the file in a ZIP archive.",
				file_name);
			return NULL;
		}
		return "text/plain";
	case K_NONE:
		set_err(e, DOC_BAD_TYPE, "file", "unsupported_type",
			"%s is in a format this desk does not keep. Accepted: PDF, PNG, JPEG, GIF, WebP, ZIP (and "
			"Word, Excel, PowerPoint, OpenDocument), gzip, and UTF-8 text (.txt, .md, .csv, .json, ...).",
			file_name);
		return NULL;
	default:
		for (size_t i = 0; i < ARRAY_LEN(ext_types); i++)
			if (ext_types[i].kind == got)
				return ext_types[i].type;
	}
	return "application/octet-stream";
}

char *doc_safe_name(const char *raw)
{
	char *n = multipart_safe_filename(raw);
	for (char *p = n; *p; p++)
		if (strchr(":*?\"<>|%", *p))
			*p = '_';
	return n;
}

/* ---- places ------------------------------------------------------------ */

/* The first n segments of path ("clients/acme-3" for n = 2), malloc'd. */
static char *leading_segments(const char *path, int n)
{
	const char *p = path;
	for (int i = 0; i < n; i++) {
		const char *slash = strchr(p, '/');
		if (!slash)
			return NULL;
		p = slash + 1;
	}
	return xstrndup(path, (size_t)(p - path - 1));
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? xstrndup(path, (size_t)(slash - path)) : NULL;
}

char *doc_client_dir(Store *s, int64_t client_id)
{
	char *path = store_text(s, "SELECT path FROM documents WHERE client_id = :c ORDER BY id LIMIT 1",
				SQL_INT(":c", client_id), SQL_END);
	if (path) {
		char *d = leading_segments(path, 2);
		free(path);
		if (d)
			return d;
	}
	Rows *r = store_query(s, "SELECT name, company, phone FROM clients WHERE id = :c",
			      SQL_INT(":c", client_id), SQL_END);
	char *dir = NULL;
	if (rows_next(r)) {
		const char *name = rows_text(r, 0);
		if (!*name)
			name = rows_text(r, 1);
		if (!*name)
			name = "client";
		char slug[SLUG_MAX];
		artifact_slug(name, slug, sizeof slug);
		dir = xasprintf("clients/%s-%lld", slug, (long long)client_id);
	}
	rows_done(r);
	return dir;
}

char *doc_task_dir(Store *s, int64_t task_id)
{
	char *path = store_text(s, "SELECT path FROM documents WHERE task_id = :t ORDER BY id LIMIT 1",
				SQL_INT(":t", task_id), SQL_END);
	if (path) {
		char *d = dir_of(path);
		free(path);
		if (d)
			return d;
	}
	Rows *r = store_query(s, "SELECT client_id, title FROM tasks WHERE id = :t", SQL_INT(":t", task_id), SQL_END);
	int64_t client = 0;
	char slug[SLUG_MAX];
	if (rows_next(r)) {
		client = rows_int(r, 0);
		artifact_slug(rows_text(r, 1), slug, sizeof slug);
	}
	rows_done(r);
	if (!client)
		return NULL;
	char *cdir = doc_client_dir(s, client);
	if (!cdir)
		return NULL;
	char *dir = xasprintf("%s/tasks/%lld-%s", cdir, (long long)task_id, slug);
	free(cdir);
	return dir;
}

/* ---- reading ------------------------------------------------------------ */

/* The viewer rule, on the documents' (or any row's) client column. */
#define DOC_VISIBLE(col) "(:admin OR " col " IN (SELECT vm.client_id FROM client_members vm WHERE vm.user_id = :uid))"
#define VIEWER_ARGS(v) SQL_INT(":admin", !(v) || (v)->is_admin), SQL_INT(":uid", (v) ? (v)->user_id : 0)

#define DOC_COLS "d.id, d.client_id, d.task_id, d.event_id, d.path, d.file_name, d.content_type, d.size, " \
		 "d.current_commit, d.uploaded_by, d.updated_by, d.description, d.created_at, d.updated_at, "   \
		 "d.deleted_at, c.name, t.title, c.phone"
#define DOC_FROM "FROM documents d JOIN clients c ON c.id = d.client_id LEFT JOIN tasks t ON t.id = d.task_id "

static json_t *jint_or_null(Rows *r, int i)
{
	return rows_null(r, i) ? json_null() : json_integer(rows_int(r, i));
}

static json_t *doc_row(Rows *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(rows_int(r, 0)));
	json_object_set_new(o, "client_id", json_integer(rows_int(r, 1)));
	json_object_set_new(o, "task_id", jint_or_null(r, 2));
	json_object_set_new(o, "event_id", jint_or_null(r, 3));
	json_object_set_new(o, "path", json_string(rows_text(r, 4)));
	json_object_set_new(o, "file_name", json_string(rows_text(r, 5)));
	json_object_set_new(o, "content_type", json_string(rows_text(r, 6)));
	json_object_set_new(o, "size", json_integer(rows_int(r, 7)));
	json_object_set_new(o, "current_commit", json_string(rows_text(r, 8)));
	json_object_set_new(o, "uploaded_by", json_string(rows_text(r, 9)));
	json_object_set_new(o, "updated_by", json_string(rows_text(r, 10)));
	json_object_set_new(o, "description", json_string(rows_text(r, 11)));
	json_object_set_new(o, "created_at", json_integer(rows_int(r, 12)));
	json_object_set_new(o, "updated_at", json_integer(rows_int(r, 13)));
	json_object_set_new(o, "deleted_at", jint_or_null(r, 14));
	json_object_set_new(o, "deleted", json_boolean(!rows_null(r, 14)));
	const char *cname = rows_text(r, 15);
	json_object_set_new(o, "client_name", json_string(*cname ? cname : rows_text(r, 17)));
	json_object_set_new(o, "task_title", rows_null(r, 16) ? json_null() : json_string(rows_text(r, 16)));
	return o;
}

json_t *doc_get(Store *s, const DocViewer *v, int64_t id)
{
	Rows *r = store_query(s, "SELECT " DOC_COLS " " DOC_FROM "WHERE d.id = :id AND " DOC_VISIBLE("d.client_id"),
			      SQL_INT(":id", id), VIEWER_ARGS(v), SQL_END);
	json_t *o = rows_next(r) ? doc_row(r) : NULL;
	rows_done(r);
	return o;
}

json_t *doc_list(Store *s, const DocViewer *v, const DocFilter *f, int *more)
{
	const char *by = f->uploaded_by && *f->uploaded_by ? f->uploaded_by : NULL;
	int limit = f->limit > 0 ? f->limit : 50;
	Rows *r = store_query(s,
		"SELECT " DOC_COLS " " DOC_FROM
		"WHERE " DOC_VISIBLE("d.client_id") " "
		"  AND (:client = 0 OR d.client_id = :client) AND (:task = 0 OR d.task_id = :task) "
		"  AND (:event = 0 OR d.event_id = :event) "
		"  AND (:by IS NULL OR d.uploaded_by = :by OR d.uploaded_by = 'user:' || :by OR d.uploaded_by = 'api:' || :by) "
		"  AND (:from = 0 OR d.created_at >= :from) AND (:to = 0 OR d.created_at < :to) "
		"  AND (CASE :deleted WHEN 0 THEN d.deleted_at IS NULL WHEN 2 THEN d.deleted_at IS NOT NULL ELSE 1 END) "
		"  AND (:before = 0 OR d.id < :before) "
		"ORDER BY d.id DESC LIMIT :limit",
		VIEWER_ARGS(v), SQL_INT(":client", f->client_id), SQL_INT(":task", f->task_id),
		SQL_INT(":event", f->event_id), SQL_TEXT(":by", by), SQL_INT(":from", f->from_ms),
		SQL_INT(":to", f->to_ms), SQL_INT(":deleted", f->deleted), SQL_INT(":before", f->before_id),
		SQL_INT(":limit", limit + 1), SQL_END);
	json_t *rows = json_array();
	int rc, n = 0;
	*more = 0;
	while ((rc = rows_step(r)) == STORE_ROW) {
		if (n == limit) {
			*more = 1;
			continue;
		}
		json_array_append_new(rows, doc_row(r));
		n++;
	}
	rows_done(r);
	if (rc != STORE_OK) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}

json_t *doc_versions(const char *path, int max, char **err)
{
	ArtifactVersion *v = NULL;
	int n = artifact_history(doc_repo(), path, &v, max, err);
	if (n < 0)
		return NULL;
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:I,s:s,s:b}", "commit", v[i].commit, "author",
						   v[i].author, "email", v[i].email, "time",
						   (json_int_t)v[i].time * 1000, "message", v[i].message, "deleted",
						   v[i].deleted));
	free(v);
	return a;
}

int doc_version_of(const char *path, const char *commit, int *deleted, char **err)
{
	ArtifactVersion *v = NULL;
	int n = artifact_history(doc_repo(), path, &v, 100000, err);
	if (n < 0)
		return -1;
	int found = 0;
	for (int i = 0; i < n && !found; i++)
		if (strcasecmp(v[i].commit, commit) == 0) {
			found = 1;
			if (deleted)
				*deleted = v[i].deleted;
		}
	free(v);
	return found;
}

/* ---- writing ----------------------------------------------------------- */

/* Characters (code points) of valid UTF-8 text. */
static size_t chars(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			n++;
	return n;
}

static int check_description(const char *d, DocError *e)
{
	if (!d)
		return 0;
	if (!doc_is_utf8_text(d, strlen(d), NULL))
		return set_err(e, DOC_INVALID, "description", "invalid_value", "The description must be UTF-8 text.");
	for (const unsigned char *p = (const unsigned char *)d; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f)
			return set_err(e, DOC_INVALID, "description", "invalid_value",
				       "The description must not hold control characters.");
	if (chars(d) > DOC_DESCRIPTION_MAX)
		return set_err(e, DOC_INVALID, "description", "too_long",
			       "The description is longer than %d characters.", DOC_DESCRIPTION_MAX);
	return 0;
}

/* Where a new document goes: resolve and check client, task and event
 * for the viewer.  Fills *client (and *task, *event as given).  0, or -1
 * with *e. */
static int resolve_owner(Store *s, const DocViewer *v, const DocUpload *u, int64_t *client, int64_t *task,
			 DocError *e)
{
	*client = u->client_id;
	*task = u->task_id;
	if (u->task_id) {
		Rows *r = store_query(s, "SELECT client_id FROM tasks WHERE id = :t AND " DOC_VISIBLE("client_id"),
				      SQL_INT(":t", u->task_id), VIEWER_ARGS(v), SQL_END);
		int64_t tc = rows_next(r) ? rows_int(r, 0) : 0;
		rows_done(r);
		if (!tc)
			return set_err(e, DOC_NOT_FOUND, "task_id", "not_found", "There is no task %lld, or it is not one of yours.",
				       (long long)u->task_id);
		if (*client && *client != tc)
			return set_err(e, DOC_INVALID, "client_id", "mismatch",
				       "Task %lld belongs to another client than client %lld.", (long long)u->task_id,
				       (long long)*client);
		*client = tc;
	}
	if (u->event_id) {
		Rows *r = store_query(s,
			"SELECT client_id, task_id FROM events WHERE id = :e AND client_id IS NOT NULL AND "
			DOC_VISIBLE("client_id"),
			SQL_INT(":e", u->event_id), VIEWER_ARGS(v), SQL_END);
		int64_t ec = 0, et = 0;
		if (rows_next(r)) {
			ec = rows_int(r, 0);
			et = rows_int(r, 1);
		}
		rows_done(r);
		if (!ec)
			return set_err(e, DOC_NOT_FOUND, "event_id", "not_found",
				       "There is no event %lld of a client of yours.", (long long)u->event_id);
		if (*client && *client != ec)
			return set_err(e, DOC_INVALID, "event_id", "mismatch",
				       "Event %lld belongs to another client.", (long long)u->event_id);
		if (u->task_id && et && et != u->task_id)
			return set_err(e, DOC_INVALID, "event_id", "mismatch",
				       "Event %lld belongs to another task.", (long long)u->event_id);
		*client = ec;
		if (!*task && et) {
			/* The event's task, when it still exists. */
			if (store_int(s, 0, "SELECT 1 FROM tasks WHERE id = :t AND client_id = :c", SQL_INT(":t", et),
				      SQL_INT(":c", ec), SQL_END))
				*task = et;
		}
	}
	if (!*client)
		return set_err(e, DOC_INVALID, "client_id", "missing_field",
			       "Say which client the document belongs to (client_id, or a task_id or event_id).");
	if (!u->task_id && !u->event_id) {
		int64_t ok = store_int(s, 0, "SELECT 1 FROM clients WHERE id = :c AND " DOC_VISIBLE("id"),
				       SQL_INT(":c", *client), VIEWER_ARGS(v), SQL_END);
		if (!ok)
			return set_err(e, DOC_NOT_FOUND, "client_id", "not_found",
				       "There is no client %lld, or it is not one of yours.", (long long)*client);
	}
	return 0;
}

/* The words a commit message uses for where a document lives. */
static char *place_words(Store *s, int64_t client, int64_t task)
{
	if (task) {
		char *title = store_text(s, "SELECT title FROM tasks WHERE id = :t", SQL_INT(":t", task), SQL_END);
		char *w = xasprintf("task %lld (%s)", (long long)task, title ? title : "");
		free(title);
		return w;
	}
	char *name = store_text(s, "SELECT CASE WHEN name != '' THEN name ELSE coalesce(phone, '') END FROM clients "
				   "WHERE id = :c", SQL_INT(":c", client), SQL_END);
	char *w = xasprintf("client %lld (%s)", (long long)client, name ? name : "");
	free(name);
	return w;
}

/* Flatten newlines of one-line texts that go into a commit subject. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
}

static char *commit_message(Store *s, const char *verb, const char *file, int64_t doc, int64_t client, int64_t task,
			    const char *description, const char *actor, const char *via, size_t size)
{
	char *where = place_words(s, client, task);
	one_line(where);
	Buf m = {0};
	buf_printf(&m, "%s %s %s %s\n\n", verb, file, strcmp(verb, "Delete") == 0 ? "from" : "in", where);
	if (description && *description)
		buf_printf(&m, "%s\n\n", description);
	if (strcmp(verb, "Delete") == 0)
		buf_printf(&m, "Deleted by %s through the %s; earlier versions stay in the history.\n\n", actor, via);
	else
		buf_printf(&m, "%zu bytes, by %s through the %s.\n\n", size, actor, via);
	buf_printf(&m, "Switchboard-Document: %lld\nSwitchboard-Client: %lld\n", (long long)doc, (long long)client);
	if (task)
		buf_printf(&m, "Switchboard-Task: %lld\n", (long long)task);
	free(where);
	return buf_detach(&m);
}

typedef struct {
	int64_t id, client, task, event;
	char *path, *file, *commit, *description;
	int deleted;
} DocRow;

static void row_free(DocRow *r)
{
	free(r->path);
	free(r->file);
	free(r->commit);
	free(r->description);
	memset(r, 0, sizeof *r);
}

/* Load the row by id (path NULL) or by path.  1 found, 0 not. */
static int row_load(Store *s, const DocViewer *v, int64_t id, const char *path, DocRow *r)
{
	Rows *rows = store_query(s,
		"SELECT id, client_id, coalesce(task_id, 0), coalesce(event_id, 0), path, file_name, current_commit, "
		" description, deleted_at IS NOT NULL FROM documents "
		"WHERE (id = :id OR path = :path) AND " DOC_VISIBLE("client_id"),
		SQL_INT(":id", path ? -1 : id), SQL_TEXT(":path", path ? path : ""), VIEWER_ARGS(v), SQL_END);
	int found = 0;
	memset(r, 0, sizeof *r);
	if (rows_next(rows)) {
		r->id = rows_int(rows, 0);
		r->client = rows_int(rows, 1);
		r->task = rows_int(rows, 2);
		r->event = rows_int(rows, 3);
		r->path = xstrdup(rows_text(rows, 4));
		r->file = xstrdup(rows_text(rows, 5));
		r->commit = xstrdup(rows_text(rows, 6));
		r->description = xstrdup(rows_text(rows, 7));
		r->deleted = rows_int(rows, 8);
		found = 1;
	}
	rows_done(rows);
	return found;
}

static int store_fail(Store *s, DocError *e, const char *what)
{
	set_err(e, DOC_STORE, NULL, "store_failed", "The document could not be saved (%s): %s", what, store_errmsg(s));
	store_rollback(s);
	return -1;
}

int doc_upload(Store *s, const DocViewer *v, const DocUpload *u, DocResult *r, DocError *e)
{
	memset(r, 0, sizeof *r);
	long max = config_int("SWITCHBOARD_MAX_UPLOAD");
	if (max > 0 && u->len > (size_t)max)
		return set_err(e, DOC_TOO_LARGE, "file", "too_large",
			       "The file is %zu bytes; the largest accepted is %ld bytes.", u->len, max);
	if (u->len == 0 || !u->data)
		return set_err(e, DOC_INVALID, "file", "empty", "The file is empty.");
	if (check_description(u->description, e) < 0)
		return -1;

	DocRow old = {0};
	char *name = NULL, *path = NULL, *msg = NULL;
	int64_t client = 0, task = u->task_id, event = u->event_id;
	int rc = -1;
	if (u->document_id) {
		if (!row_load(s, v, u->document_id, NULL, &old)) {
			set_err(e, DOC_NOT_FOUND, "document_id", "not_found",
				"There is no document %lld, or it is not one of yours.", (long long)u->document_id);
			goto out;
		}
		if ((u->client_id && u->client_id != old.client) || (u->task_id && u->task_id != old.task) ||
		    (u->event_id && u->event_id != old.event)) {
			set_err(e, DOC_INVALID, "document_id", "mismatch",
				"A new version stays where the document is: leave client_id, task_id and event_id out.");
			goto out;
		}
		name = xstrdup(old.file);
		path = xstrdup(old.path);
		client = old.client;
		task = old.task;
		event = old.event;
	} else {
		if (!u->file_name || !*u->file_name) {
			set_err(e, DOC_INVALID, "file", "missing_field", "The file has no name.");
			goto out;
		}
		if (resolve_owner(s, v, u, &client, &task, e) < 0)
			goto out;
		name = doc_safe_name(u->file_name);
	}
	const char *type = doc_check_content(name, u->declared_type, u->data, u->len, e);
	if (!type)
		goto out;
	if (!path) {
		char *dir = task ? doc_task_dir(s, task) : NULL;
		if (!dir) {
			char *cdir = doc_client_dir(s, client);
			if (!cdir) {
				set_err(e, DOC_NOT_FOUND, "client_id", "not_found", "There is no client %lld.", (long long)client);
				goto out;
			}
			dir = xasprintf("%s/documents", cdir);
			free(cdir);
		}
		path = xasprintf("%s/%s", dir, name);
		free(dir);
	}

	char *err = NULL;
	if (artifact_repo_init(doc_repo(), &err) != 0) {
		set_err(e, DOC_REPO, NULL, "repository_failed", "The document repository cannot be used: %s", err);
		free(err);
		goto out;
	}
	if (store_begin(s) != 0) {
		set_err(e, DOC_STORE, NULL, "db_busy", "The database is busy; try again in a moment.");
		goto out;
	}
	/* Under the write lock: does this path have a document already (a
	 * concurrent upload of the same name may have just made it)? */
	if (!u->document_id) {
		DocRow at;
		if (row_load(s, NULL, 0, path, &at)) {
			row_free(&old);
			old = at;
		}
	} else {
		row_free(&old);
		if (!row_load(s, NULL, u->document_id, NULL, &old)) {
			store_rollback(s);
			set_err(e, DOC_NOT_FOUND, "document_id", "not_found", "The document is gone.");
			goto out;
		}
	}
	int64_t now = now_ms();
	const char *desc = u->description ? u->description : old.id ? old.description : "";
	if (old.id) {
		r->id = old.id;
		r->restored = old.deleted;
	} else {
		if (store_exec(s,
			"INSERT INTO documents (client_id, task_id, event_id, path, file_name, content_type, size, "
			" current_commit, uploaded_by, description, created_at, updated_at, updated_by) "
			"VALUES (:c, :t, :e, :path, :file, :type, :size, '', :by, :desc, :now, :now, :by)",
			SQL_INT(":c", client), task ? SQL_INT(":t", task) : SQL_NULL(":t"),
			event ? SQL_INT(":e", event) : SQL_NULL(":e"), SQL_TEXT(":path", path), SQL_TEXT(":file", name),
			SQL_TEXT(":type", type), SQL_INT(":size", (int64_t)u->len), SQL_TEXT(":by", u->actor),
			SQL_TEXT(":desc", desc), SQL_INT(":now", now), SQL_END) != STORE_OK) {
			store_fail(s, e, "inserting the document");
			goto out;
		}
		r->id = store_last_id(s);
		r->created = 1;
	}
	const char *verb = r->created ? "Add" : r->restored ? "Restore" : "Update";
	msg = u->message ? xstrdup(u->message)
			 : commit_message(s, verb, name, r->id, client, task, u->description, u->actor,
					  u->via ? u->via : "API", u->len);
	ArtifactAuthor au = doc_artifact_author(u->author);
	if (artifact_commit(doc_repo(), path, u->data, u->len, &au, msg, r->commit, &err) != 0) {
		store_rollback(s);
		set_err(e, DOC_REPO, NULL, "repository_failed", "The document could not be committed: %s", err);
		free(err);
		goto out;
	}
	if (old.id && !old.deleted && strcmp(old.commit, r->commit) == 0) {
		/* The same bytes as the current version: nothing to record. */
		store_rollback(s);
		r->unchanged = 1;
		rc = 0;
		goto out;
	}
	if (store_exec(s,
		"UPDATE documents SET current_commit = :commit, content_type = :type, size = :size, "
		" description = :desc, updated_at = :now, updated_by = :by, deleted_at = NULL, deleted_by = NULL "
		"WHERE id = :id",
		SQL_TEXT(":commit", r->commit), SQL_TEXT(":type", type), SQL_INT(":size", (int64_t)u->len),
		SQL_TEXT(":desc", desc), SQL_INT(":now", now), SQL_TEXT(":by", u->actor), SQL_INT(":id", r->id),
		SQL_END) != STORE_OK) {
		store_fail(s, e, "recording the commit");
		goto out;
	}
	json_t *d = json_pack("{s:I,s:s,s:s,s:s,s:I,s:s}", "document_id", (json_int_t)r->id, "path", path,
			      "file_name", name, "content_type", type, "size", (json_int_t)u->len, "commit", r->commit);
	if (old.id) {
		json_object_set_new(d, "previous_commit", json_string(old.commit));
		if (r->restored)
			json_object_set_new(d, "restored", json_true());
	}
	char *details = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	int64_t ev = store_event(s, r->created ? "document_uploaded" : "document_updated", client, task, 0, u->actor,
				 details);
	free(details);
	if (ev < 0) {
		store_fail(s, e, "recording the event");
		goto out;
	}
	if (store_commit(s) != 0) {
		fprintf(stderr, "switchboard: documents: commit %s of %s is in the repository but the database "
				"refused the metadata: %s\n", r->commit, path, store_errmsg(s));
		set_err(e, DOC_STORE, NULL, "store_failed", "The document could not be recorded; try again.");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		memset(r, 0, sizeof *r);
	row_free(&old);
	free(name);
	free(path);
	free(msg);
	return rc;
}

int doc_delete(Store *s, const DocViewer *v, int64_t id, const char *actor, const DocAuthor *author,
	       const char *via, char commit[41], DocError *e)
{
	DocRow row;
	if (!row_load(s, v, id, NULL, &row))
		return set_err(e, DOC_NOT_FOUND, NULL, "not_found", "There is no document %lld, or it is not one of yours.",
			       (long long)id);
	if (row.deleted) {
		row_free(&row);
		return set_err(e, DOC_DELETED, NULL, "already_deleted", "This document was deleted already.");
	}
	int rc = -1;
	char *msg = NULL, *err = NULL;
	if (store_begin(s) != 0) {
		set_err(e, DOC_STORE, NULL, "db_busy", "The database is busy; try again in a moment.");
		goto out;
	}
	DocRow now_row;
	if (!row_load(s, NULL, id, NULL, &now_row) || now_row.deleted) {
		row_free(&now_row);
		store_rollback(s);
		set_err(e, DOC_DELETED, NULL, "already_deleted", "This document was deleted already.");
		goto out;
	}
	row_free(&now_row);
	msg = commit_message(s, "Delete", row.file, row.id, row.client, row.task, NULL, actor, via ? via : "API", 0);
	ArtifactAuthor au = doc_artifact_author(author);
	if (artifact_commit(doc_repo(), row.path, NULL, 0, &au, msg, commit, &err) != 0) {
		store_rollback(s);
		set_err(e, DOC_REPO, NULL, "repository_failed", "The document could not be removed: %s", err);
		free(err);
		goto out;
	}
	int64_t t = now_ms();
	if (store_exec(s, "UPDATE documents SET deleted_at = :now, deleted_by = :by, updated_at = :now, updated_by = :by "
			  "WHERE id = :id",
		       SQL_INT(":now", t), SQL_TEXT(":by", actor), SQL_INT(":id", id), SQL_END) != STORE_OK) {
		store_fail(s, e, "marking the document deleted");
		goto out;
	}
	json_t *d = json_pack("{s:I,s:s,s:s,s:s,s:s}", "document_id", (json_int_t)id, "path", row.path, "file_name",
			      row.file, "commit", commit, "previous_commit", row.commit);
	char *details = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	int64_t ev = store_event(s, "document_deleted", row.client, row.task, 0, actor, details);
	free(details);
	if (ev < 0) {
		store_fail(s, e, "recording the event");
		goto out;
	}
	if (store_commit(s) != 0) {
		fprintf(stderr, "switchboard: documents: delete commit %s of %s is in the repository but the database "
				"refused it: %s\n", commit, row.path, store_errmsg(s));
		set_err(e, DOC_STORE, NULL, "store_failed", "The deletion could not be recorded; try again.");
		goto out;
	}
	rc = 0;
out:
	free(msg);
	row_free(&row);
	return rc;
}
