/*
 * documents.h - documents: uploaded files, PRDs and memos kept in the
 * artifact repository (artifacts.h) with their metadata in the `documents`
 * table, for the JSON API, the admin pages and the worker alike.
 *
 * The repository holds the content and the history (a document's versions
 * are the commits that touched its path); the table says which client,
 * task and event a document belongs to, who uploaded it, its checked
 * content type and the current commit.  Paths read well in a clone:
 *   clients/<client-slug>-<client-id>/tasks/<task-id>-<title-slug>/<file>
 *   clients/<client-slug>-<client-id>/documents/<file>   (no task)
 *
 * Every upload is hostile until checked here: size limit
 * (SWITCHBOARD_MAX_UPLOAD), a safe base name (never the client's path),
 * and a content type decided from the bytes (PNG, JPEG, GIF, WebP, PDF,
 * gzip, ZIP and the ZIP-based office formats by magic number; text must be
 * valid UTF-8 without NUL).  HTML, SVG, XML and scripts are refused.  A
 * refused upload stores nothing, in the repository or the table.
 *
 * Client isolation lives in the SQL: with a DocViewer that is not an
 * admin, only documents (and clients, tasks, events) of the clients the
 * user is attached to exist.  Nothing here knows HTTP; errors come back as
 * a DocError with a sentence a person can act on and doc_err_status().
 */
#ifndef SB_DOCUMENTS_H
#define SB_DOCUMENTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/artifacts.h"
#include "store/store.h"

#define DOC_DESCRIPTION_MAX 1000 /* characters */
#define DOC_HISTORY_MAX 200      /* versions listed for one document */

/* Who is looking: an admin sees every client, an agent only the clients
 * attached to them.  A NULL viewer sees everything (worker, CLI). */
typedef struct {
	int64_t user_id;
	int is_admin;
} DocViewer;

typedef enum {
	DOC_OK = 0,
	DOC_INVALID,   /* a field is wrong                    422 */
	DOC_NOT_FOUND, /* no such document/client/task/event, or not visible  404 */
	DOC_TOO_LARGE, /* over SWITCHBOARD_MAX_UPLOAD         413 */
	DOC_BAD_TYPE,  /* content type refused or not what the name says  415 */
	DOC_DELETED,   /* the document is deleted already     409 */
	DOC_STORE,     /* the database failed                 500 (503 when busy) */
	DOC_REPO,      /* the repository failed               500 */
} DocErr;

typedef struct {
	DocErr kind;
	const char *field; /* "file", "client_id", "task_id", "event_id", "document_id", "description", or NULL */
	const char *code;  /* short machine code: "too_large", "type_mismatch", ... */
	char message[400];
} DocError;

/* The HTTP status for an error kind. */
int doc_err_status(DocErr kind);

/* The artifact repository's path ($SWITCHBOARD_ARTIFACTS). */
const char *doc_repo(void);

/* Commit author for an actor: a user (login non-empty) is "Name" <LOGIN@users.switchboard.invalid>;
 * "worker" is "Switchboard AI worker" <ai-worker@switchboard.invalid>; an
 * operator token "api:NAME" is "API token NAME" <NAME@tokens.switchboard.invalid>. */
typedef struct {
	char name[160];
	char email[160];
} DocAuthor;
void doc_author(DocAuthor *a, const char *actor, const char *login, const char *user_name);
/* As an ArtifactAuthor pointing into a. */
ArtifactAuthor doc_artifact_author(const DocAuthor *a);

/* ---- content checks -------------------------------------------------- */

/* Decide the content type of data[0..len) named file_name (a safe base
 * name) from its bytes.  declared is the part's Content-Type (may be NULL),
 * used only when the name has no known extension.  Returns the type
 * ("image/png", "text/markdown", ...; static) or NULL with *e (DOC_BAD_TYPE,
 * code "type_mismatch", "unsupported_type", "active_content" or
 * "not_text"). */
const char *doc_check_content(const char *file_name, const char *declared, const void *data, size_t len,
			      DocError *e);
/* Is type text (shown, diffed)?  Markdown (rendered)?  An image (may be
 * shown inline)? */
int doc_type_is_text(const char *type);
int doc_type_is_markdown(const char *type);
int doc_type_is_image(const char *type);
/* Content-Type header value for a stored type (text gets charset=utf-8). */
const char *doc_type_header(const char *type);
/* A base name for the repository and downloads from a name as sent (any
 * bytes, NULL allowed): multipart_safe_filename, then characters that
 * trouble other systems' checkouts (: * ? " < > | and %) become '_'.
 * malloc'd. */
char *doc_safe_name(const char *raw);
/* Is data valid UTF-8 without NUL?  When not, *bad is the offset of the
 * first bad byte. */
int doc_is_utf8_text(const void *data, size_t len, size_t *bad);

/* ---- places in the repository ------------------------------------------ */

/* The directory of a client's documents ("clients/acme-3"): the one its
 * documents already use, else made from its name.  malloc'd, NULL when
 * there is no such client. */
char *doc_client_dir(Store *s, int64_t client_id);
/* The directory of a task's documents ("clients/acme-3/tasks/12-dark-mode"):
 * the one its documents already use, else made from the client and the
 * title.  malloc'd, NULL when there is no such task.  For PRDs: the PRD
 * of task 12 is doc_task_dir(s, 12) + "/prd.md". */
char *doc_task_dir(Store *s, int64_t task_id);

/* ---- writing ----------------------------------------------------------- */

typedef struct {
	int64_t client_id;   /* 0: from the task or the event */
	int64_t task_id;     /* 0: none */
	int64_t event_id;    /* 0: none; must belong to the same client (and task) */
	int64_t document_id; /* >0: a new version of that document (its name is kept) */
	const char *file_name;     /* as sent; made safe here (ignored with document_id) */
	const char *declared_type; /* the part's Content-Type, or NULL */
	const void *data;
	size_t len;
	const char *description; /* NULL: none (new) or unchanged (new version) */
	const char *actor;       /* "user:ada", "api:ci", "worker" */
	const DocAuthor *author; /* the commit's author */
	const char *via;         /* "admin", "API", "worker": for the commit message */
	const char *message;     /* NULL: a message saying what changed and which task */
} DocUpload;

typedef struct {
	int64_t id;
	int created;   /* a new document (else a new version of an existing one) */
	int restored;  /* a deleted document at that path came back */
	int unchanged; /* same bytes as the current version: no commit, no event */
	char commit[41];
} DocResult;

/* Check u, commit the content and record it, in one database transaction
 * held across the repository commit (so the table and the history agree
 * even with concurrent uploads).  The same file name in the same place is
 * a new version of that document (event document_updated), otherwise a
 * new document (document_uploaded).  Must be called outside a transaction.
 * 0 with *r, or -1 with *e and nothing stored. */
int doc_upload(Store *s, const DocViewer *v, const DocUpload *u, DocResult *r, DocError *e);

/* Delete document id: a commit that removes its file (the history keeps
 * it), deleted_at set, event document_deleted.  0 with commit filled, -1
 * with *e (DOC_NOT_FOUND, DOC_DELETED, ...). */
int doc_delete(Store *s, const DocViewer *v, int64_t id, const char *actor, const DocAuthor *author,
	       const char *via, char commit[41], DocError *e);

/* ---- reading ----------------------------------------------------------- */

/* One document as a JSON object: id, client_id, task_id, event_id (null
 * when none), path, file_name, content_type, size, current_commit,
 * uploaded_by, updated_by, description, created_at, updated_at,
 * deleted_at (unix ms or null), deleted (bool), client_name, task_title.
 * NULL when there is no such document or the viewer may not see it. */
json_t *doc_get(Store *s, const DocViewer *v, int64_t id);

typedef struct {
	int64_t client_id, task_id, event_id; /* 0: any */
	const char *uploaded_by;              /* actor ("user:ada"), or a bare login/name matching user: or api: */
	int64_t from_ms, to_ms;               /* created_at range, 0: open */
	int deleted;                          /* 0 live only, 1 with deleted, 2 deleted only */
	int64_t before_id;                    /* keyset: ids below this (0: first page) */
	int limit;                            /* rows wanted */
} DocFilter;

/* Documents matching f that the viewer may see, newest first, at most
 * f->limit; *more says whether another page exists.  NULL when the query
 * failed. */
json_t *doc_list(Store *s, const DocViewer *v, const DocFilter *f, int *more);

/* The versions of path, newest first, as a JSON array of {commit, author,
 * email, time (unix ms), message, deleted}; NULL with *err. */
json_t *doc_versions(const char *path, int max, char **err);
/* Is commit (40 hex) one of the versions of path?  1 yes, 0 no, -1 error. */
int doc_version_of(const char *path, const char *commit, int *deleted, char **err);

#endif
