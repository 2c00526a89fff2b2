/*
 * github.h - the GitHub REST client (issues and comments) and webhook
 * signatures (protocol notes: /work/shared/protocols/github.md).
 *
 * A pure service client: each call makes one HTTP request with the
 * required headers (Accept: application/vnd.github+json,
 * X-GitHub-Api-Version: 2022-11-28, Authorization: Bearer, User-Agent) and
 * classifies the outcome as OK, RETRY (5xx, 429, rate limits, transport
 * failures) or PERMANENT (401, 404, 410, 422, other 4xx).  It never
 * retries, never logs the token and never touches the database; the jobs
 * in worker.c decide what to do with a result.
 */
#ifndef SB_GITHUB_H
#define SB_GITHUB_H

#include <stddef.h>
#include <stdint.h>

#include "core/http.h"

#define GITHUB_API_BASE "https://api.github.com"
#define GITHUB_API_VERSION "2022-11-28"

typedef struct {
	const char *token;       /* bearer token (PAT or app token) */
	const char *repo;        /* "owner/name" */
	const char *api_base;    /* NULL or "" = GITHUB_API_BASE; tests use a fake */
	const char *user_agent;  /* NULL = "switchboard" */
	long connect_timeout_ms; /* 0 = 5000 */
	long timeout_ms;         /* 0 = 15000 */
} GithubConf;

typedef enum {
	GH_OK = 0,    /* 2xx */
	GH_RETRY,     /* 5xx, 429, 403 rate limit, transport failure: later */
	GH_PERMANENT  /* 401, 404, 410, 422, other 4xx, bad configuration */
} GhKind;

typedef struct {
	GhKind kind;
	int http_status;         /* 0 on a transport error or local refusal */
	int64_t number;          /* created issue: its number; found issue too */
	int64_t id;              /* created issue or comment: its global id */
	char html_url[512];      /* browser link of what was created or found */
	char message[512];       /* error text (GitHub "message" or transport) */
	int64_t retry_after_ms;  /* RETRY: how long to wait; -1 = no advice */
	/* 1 when GitHub may have created the object although we got no
	 * success (timeout after sending, 5xx, a reply that broke off): look
	 * for it before sending again. */
	int maybe_created;
} GhResult;

/* 1 when repo looks like "owner/name" (GitHub's characters only). */
int github_repo_valid(const char *repo);

/* 1 when login is a valid GitHub login: 1-39 letters, digits or single
 * hyphens, not starting or ending with a hyphen. */
int github_login_valid(const char *login);

/* Classify a response (or transport failure) into res; now_unix is the
 * clock for x-ratelimit-reset.  Returns res->kind.  Exposed for tests. */
GhKind github_classify(const HttpResp *resp, int64_t now_unix, GhResult *res);

/* POST /repos/{repo}/issues with title, body, labels and assignees
 * (NULL-terminated lists, either may be NULL).  OK fills number, id and
 * html_url.  Returns res->kind. */
GhKind github_create_issue(const GithubConf *conf, const char *title, const char *body,
			   const char *const *labels, const char *const *assignees, GhResult *res);

/* POST /repos/{repo}/issues/{number}/comments with body.  OK fills id and
 * html_url.  Returns res->kind. */
GhKind github_create_comment(const GithubConf *conf, int64_t number, const char *body, GhResult *res);

/* Look for an issue (number == 0: GET /repos/{repo}/issues?state=all&
 * since=...) or a comment on issue number (GET .../issues/{n}/comments?
 * since=...) whose body contains marker, among those updated since
 * since_unix (100 newest).  Returns 1 with res->number/id/html_url of the
 * match, 0 when none, -1 on failure (res->kind says RETRY or PERMANENT). */
int github_find_marker(const GithubConf *conf, int64_t number, const char *marker, int64_t since_unix,
		       GhResult *res);

/* "sha256=" + lowercase hex HMAC-SHA256(secret, body); out holds 72 bytes. */
void github_signature(const char *secret, const char *body, size_t len, char out[72]);

/* Check an X-Hub-Signature-256 header against body in constant time.
 * Returns 1 when valid; 0 for a wrong, malformed or missing header and
 * for an empty secret (an empty key would let anyone sign). */
int github_signature_valid(const char *secret, const char *body, size_t len, const char *header);

/* Append text to out as a Markdown block quote ("> " per line) that
 * cannot carry markup into the issue: '<' and '&' become entities (no
 * HTML, no hidden <!-- markers -->), '@' is followed by a zero-width space
 * (no mentions), and control characters other than newline are dropped.
 * Empty text gives "> (empty message)". */
void github_md_quote(Buf *out, const char *text);

/* "ok", "retry" or "permanent". */
const char *github_kind_name(GhKind kind);

#endif
