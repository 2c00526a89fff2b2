/*
 * http.h - a small HTTP client over libcurl, shared by the Twilio, GitHub and
 * LLM clients.
 *
 * One call makes one request and returns the status, body and the few
 * headers the callers act on (Retry-After, Content-Type, request ids).
 * Transport failures are classified (refused vs. timed out vs. TLS...) and
 * say whether any byte of the request may have reached the server, so a
 * caller can tell "safe to retry" from "may have been processed".
 * It never retries, never follows redirects for anything but GET/HEAD, never
 * logs secrets and never touches the database.
 */
#ifndef SB_HTTP_H
#define SB_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

/* Transport-level outcome.  HTTP_ERR_NONE means a response was received,
 * whatever its status. */
typedef enum {
	HTTP_ERR_NONE = 0,
	HTTP_ERR_RESOLVE,       /* DNS lookup failed */
	HTTP_ERR_CONNECT,       /* refused, unreachable, reset during connect/TLS */
	HTTP_ERR_TIMEOUT,       /* connect or total timeout expired */
	HTTP_ERR_SEND,          /* connection broke while sending the request */
	HTTP_ERR_RECV,          /* broke while receiving, or closed with no reply */
	HTTP_ERR_TLS_CERT,      /* peer certificate or TLS setup rejected */
	HTTP_ERR_TOO_LARGE,     /* response body exceeded max_body */
	HTTP_ERR_INVALID,       /* bad request description (URL, CR/LF in header) */
	HTTP_ERR_OTHER          /* anything else libcurl reported */
} HttpErr;

typedef struct {
	const char *method;             /* "GET", "POST", ...; NULL = GET, or POST if body */
	const char *url;                /* http:// or https:// only */
	const char *const *headers;     /* NULL-terminated "Name: value" list, or NULL */
	const char *body;               /* request body, or NULL */
	size_t body_len;
	const char *user, *pass;        /* Basic auth when user != NULL */
	const char *bearer;             /* "Authorization: Bearer ..." when non-NULL */
	long connect_timeout_ms;        /* 0 = 10000 */
	long timeout_ms;                /* total; 0 = 30000 */
	size_t max_body;                /* response cap; 0 = 8 MiB */
	int follow_redirects;           /* honoured for GET and HEAD only (max 5) */
} HttpReq;

typedef struct {
	int status;             /* HTTP status, 0 on a transport error */
	Buf body;               /* response body (may be empty) */
	char *content_type;     /* Content-Type value or NULL */
	char *request_id;       /* X-Request-Id / Twilio-Request-Id / x-github-request-id, or NULL */
	int64_t retry_after_ms; /* from retry-after-ms or Retry-After; -1 = absent */
	int retry_after;        /* same in whole seconds, rounded up; -1 = absent */
	int should_retry;       /* x-should-retry: 1 true, 0 false, -1 absent */
	int64_t ratelimit_remaining; /* x-ratelimit-remaining (GitHub); -1 = absent */
	int64_t ratelimit_reset;     /* x-ratelimit-reset, UTC epoch seconds; -1 = absent */
	HttpErr err;            /* HTTP_ERR_NONE when a response arrived */
	int maybe_sent;         /* 1 if the request may have reached the server */
	char error[320];        /* human-readable transport error ("" if none) */
} HttpResp;

/* Initialise libcurl once per process; call before starting threads.
 * Safe to call more than once.  Returns 0, or -1 if libcurl failed. */
int http_global_init(void);

/*
 * Perform one request.  resp is initialised here (any previous content is
 * not freed), so call http_resp_free() after every call.  Returns 0 when a
 * response arrived (any status) and -1 on a transport error, with resp->err,
 * resp->error and resp->maybe_sent set.  Never follows redirects for POST.
 */
int http_request(const HttpReq *req, HttpResp *resp);

/* Release what http_request allocated in resp; leaves it zeroed. */
void http_resp_free(HttpResp *resp);

/* Short constant name of an HttpErr ("timeout", "connect", ...). */
const char *http_err_name(HttpErr err);

/*
 * Parse a Retry-After value: delta-seconds, or an HTTP-date relative to
 * now_unix.  Returns milliseconds (>= 0, capped at 366 days; past dates
 * give 0) or -1 if unparseable.  Exposed for tests.
 */
int64_t http_parse_retry_after(const char *value, int64_t now_unix);

#endif
