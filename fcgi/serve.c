/*
 * serve.c - the FastCGI accept loop.
 *
 * Configuration is read once before the loop.  Each request gets a Ctx
 * whose memory comes from one arena, reset when the request ends, so the
 * process can serve millions of requests without growing.  Response
 * headers, including the security headers every answer carries, are
 * written here and nowhere else.  One log line per request goes to stderr
 * (the web server's error log).
 */
#include "serve.h"
#include "config.h"
#include "web.h"

#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *fcgx_header(Ctx *c, const char *name)
{
	FCGX_Request *r = c->fcgx;
	return FCGX_GetParam(name, r->envp);
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

static void write_response(Ctx *c, FCGX_Stream *out, int head_only)
{
	Buf h = {0};
	buf_printf(&h, "Status: %d %s\r\n", c->status, status_text(c->status));
	buf_printf(&h, "Content-Type: %s\r\n", c->resp_type ? c->resp_type : "text/plain; charset=utf-8");
	buf_printf(&h, "Content-Length: %zu\r\n", c->resp_body.len);
	buf_puts(&h,
		 "Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self' data:; "
		 "form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n"
		 "X-Content-Type-Options: nosniff\r\n"
		 "X-Frame-Options: DENY\r\n"
		 "Referrer-Policy: same-origin\r\n");
	if (!strstr(buf_cstr(&c->resp_headers), "Cache-Control:"))
		buf_puts(&h, "Cache-Control: no-store\r\n");
	buf_append(&h, buf_cstr(&c->resp_headers), c->resp_headers.len);
	buf_puts(&h, "\r\n");
	FCGX_PutStr(h.s, (int)h.len, out);
	buf_free(&h);
	if (!head_only && c->resp_body.len)
		FCGX_PutStr(c->resp_body.s, (int)c->resp_body.len, out);
}

/* Percent-decode the path part of REQUEST_URI into the arena.  Returns
 * NULL when the path is malformed (bad escape, NUL, not starting with /). */
static char *decode_path(Arena *a, const char *uri, size_t n)
{
	if (n == 0 || uri[0] != '/')
		return NULL;
	char *out = arena_alloc(a, n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		char ch = uri[i];
		if (ch == '%') {
			if (i + 2 >= n)
				return NULL;
			int hi = uri[i + 1], lo = uri[i + 2];
			int v = 0;
			for (int k = 0; k < 2; k++) {
				int d = k ? lo : hi;
				v <<= 4;
				if (d >= '0' && d <= '9') v |= d - '0';
				else if (d >= 'a' && d <= 'f') v |= d - 'a' + 10;
				else if (d >= 'A' && d <= 'F') v |= d - 'A' + 10;
				else return NULL;
			}
			if (v == 0)
				return NULL;
			*o++ = (char)v;
			i += 2;
		} else {
			*o++ = ch;
		}
	}
	*o = '\0';
	return out;
}

/* Paths that take document uploads (multipart, up to SWITCHBOARD_MAX_UPLOAD). */
static int is_upload(const char *path)
{
	return path && (strcmp(path, "/documents") == 0 || strcmp(path, "/api/documents") == 0 ||
			strcmp(path, "/api/documents/upload") == 0);
}

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

int serve_fcgi(int listen_fd)
{
	char *err = NULL;
	if (config_load(&err) != 0) {
		fprintf(stderr, "switchboard: configuration error: %s\n", err);
		free(err);
		return 1;
	}
	if (FCGX_Init() != 0) {
		fprintf(stderr, "switchboard: FCGX_Init failed\n");
		return 1;
	}
	struct sigaction sa = {0};
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	App app = {0};
	app_open(&app);

	FCGX_Request req;
	/* Fail accept() on a signal: SIGTERM from the web server must end an idle
	 * process (libfcgi would otherwise retry the accept). */
	FCGX_InitRequest(&req, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	Arena arena = {0};
	Ctx c;
	Buf keep_headers = {0}, keep_body = {0};
	unsigned long counter = 0;
	long max_body = config_int("SWITCHBOARD_MAX_BODY");
	/* Document uploads may be larger: the file plus room for the form. */
	long max_upload = config_int("SWITCHBOARD_MAX_UPLOAD") + 65536;
	if (max_upload < max_body)
		max_upload = max_body;
	int log_requests = config_bool("SWITCHBOARD_LOG_REQUESTS");
	pid_t pid = getpid();

	while (!stopping && FCGX_Accept_r(&req) >= 0) {
		struct timespec ts0;
		clock_gettime(CLOCK_MONOTONIC, &ts0);
		memset(&c, 0, sizeof c);
		c.arena = &arena;
		c.fcgx = &req;
		c.header = fcgx_header;
		c.resp_headers = keep_headers;
		c.resp_body = keep_body;
		buf_reset(&c.resp_headers);
		buf_reset(&c.resp_body);
		c.request_id = arena_printf(&arena, "%x-%lu", (unsigned)pid, ++counter);
		const char *method = FCGX_GetParam("REQUEST_METHOD", req.envp);
		const char *uri = FCGX_GetParam("REQUEST_URI", req.envp);
		/* The request's parameters are freed by FCGX_Finish_r, before the
		 * log line: keep our own copies in the arena. */
		const char *ct = FCGX_GetParam("CONTENT_TYPE", req.envp);
		const char *ra = FCGX_GetParam("REMOTE_ADDR", req.envp);
		c.method = arena_strdup(&arena, method ? method : "GET");
		c.raw_uri = arena_strdup(&arena, uri ? uri : "/");
		c.content_type = ct ? arena_strdup(&arena, ct) : NULL;
		c.remote_addr = arena_strdup(&arena, ra ? ra : "");
		const char *q = strchr(c.raw_uri, '?');
		size_t plen = q ? (size_t)(q - c.raw_uri) : strlen(c.raw_uri);
		c.query_raw = q ? q + 1 : "";
		c.path = decode_path(&arena, c.raw_uri, plen);

		app_begin_request(&app, &c);
		const char *cl = FCGX_GetParam("CONTENT_LENGTH", req.envp);
		long clen = cl && *cl ? strtol(cl, NULL, 10) : 0;
		if (!c.path) {
			c.path = "/";
			respond_error(&c, 400, "bad_path", "The request path is malformed.", NULL);
		} else if (clen < 0) {
			respond_error(&c, 400, "bad_length", "Content-Length is invalid.", NULL);
		} else if (clen > (is_upload(c.path) ? max_upload : max_body)) {
			respond_error(&c, 413, "too_large", "The request body is larger than this server accepts.", NULL);
		} else {
			char *body = arena_alloc(&arena, (size_t)clen + 1);
			int got = clen ? FCGX_GetStr(body, (int)clen, req.in) : 0;
			if (got != clen) {
				respond_error(&c, 400, "short_body", "The request body ended early.", NULL);
			} else {
				c.body = body;
				c.body_len = (size_t)clen;
				/* A GET sees one snapshot of the database. */
				int read_txn = c.store && (strcmp(c.method, "GET") == 0 || strcmp(c.method, "HEAD") == 0) &&
					       store_read_begin(c.store) == 0;
				dispatch(&c);
				if (read_txn)
					store_read_end(c.store);
			}
		}
		write_response(&c, req.out, strcmp(c.method, "HEAD") == 0);
		FCGX_Finish_r(&req);
		if (log_requests) {
			struct timespec ts1;
			clock_gettime(CLOCK_MONOTONIC, &ts1);
			double ms = (double)(ts1.tv_sec - ts0.tv_sec) * 1e3 + (double)(ts1.tv_nsec - ts0.tv_nsec) / 1e6;
			fprintf(stderr, "switchboard[%s] %s %s %d %.2fms\n", c.request_id, c.method, c.path,
				c.status, ms);
		}
		params_free(&c.query);
		params_free(&c.form);
		params_free(&c.cookies);
		app_end_request(&app, &c);
		keep_headers = c.resp_headers;
		keep_body = c.resp_body;
		if (keep_body.cap > 1 << 20)
			buf_free(&keep_body);
		arena_reset(&arena);
	}
	buf_free(&keep_headers);
	buf_free(&keep_body);
	arena_free(&arena);
	app_close(&app);
	return 0;
}
