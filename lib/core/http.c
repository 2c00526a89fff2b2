/*
 * http.c - one-shot HTTP requests over libcurl (see http.h).
 *
 * Each call uses its own easy handle, so the module holds no state besides
 * libcurl's global initialisation and is safe to use from several threads.
 * It must not retry, must not follow redirects for requests with side
 * effects, must not print credentials, and knows nothing about the callers'
 * protocols or the database.
 */
#include "core/http.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#define HTTP_DEFAULT_CONNECT_MS 10000L
#define HTTP_DEFAULT_TOTAL_MS 30000L
#define HTTP_DEFAULT_MAX_BODY ((size_t)8 << 20)
#define HTTP_USER_AGENT "switchboard/1"
#define HTTP_MAX_RETRY_AFTER_S ((int64_t)366 * 86400) /* longer is "never" */

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static int http_init_rc;

static void http_init_once(void)
{
	http_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

int http_global_init(void)
{
	pthread_once(&http_once, http_init_once);
	return http_init_rc;
}

const char *http_err_name(HttpErr err)
{
	switch (err) {
	case HTTP_ERR_NONE: return "none";
	case HTTP_ERR_RESOLVE: return "resolve";
	case HTTP_ERR_CONNECT: return "connect";
	case HTTP_ERR_TIMEOUT: return "timeout";
	case HTTP_ERR_SEND: return "send";
	case HTTP_ERR_RECV: return "recv";
	case HTTP_ERR_TLS_CERT: return "tls";
	case HTTP_ERR_TOO_LARGE: return "too_large";
	case HTTP_ERR_INVALID: return "invalid";
	case HTTP_ERR_OTHER: return "other";
	}
	return "other";
}

/* Per-request state shared with the libcurl callbacks. */
typedef struct {
	HttpResp *resp;
	size_t max_body;
	int too_large;
	int64_t retry_after_ms;    /* from Retry-After, -1 if absent */
	int64_t retry_after_ms_hdr; /* from retry-after-ms, -1 if absent */
} HttpCtx;

static size_t http_write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	HttpCtx *ctx = userp;
	size_t n = size * nmemb;
	if (n > ctx->max_body - ctx->resp->body.len) {
		ctx->too_large = 1;
		return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	buf_append(&ctx->resp->body, data, n);
	return n;
}

static int ascii_ieq(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	if (alen != blen)
		return 0;
	for (size_t i = 0; i < alen; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return 0;
	return 1;
}

int64_t http_parse_retry_after(const char *value, int64_t now_unix)
{
	if (!value)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	size_t len = strlen(value);
	while (len && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (len == 0)
		return -1;
	size_t digits = 0;
	while (digits < len && isdigit((unsigned char)value[digits]))
		digits++;
	if (digits == len) {
		int64_t s = 0;
		for (size_t i = 0; i < len && s <= HTTP_MAX_RETRY_AFTER_S; i++)
			s = s * 10 + (value[i] - '0');
		return (s < HTTP_MAX_RETRY_AFTER_S ? s : HTTP_MAX_RETRY_AFTER_S) * 1000;
	}
	char *copy = xstrndup(value, len);
	time_t t = curl_getdate(copy, NULL);
	free(copy);
	if (t == (time_t)-1)
		return -1;
	int64_t d = (int64_t)t - now_unix;
	if (d > HTTP_MAX_RETRY_AFTER_S)
		d = HTTP_MAX_RETRY_AFTER_S;
	return d > 0 ? d * 1000 : 0;
}

/* Parse the non-standard retry-after-ms header (a number of milliseconds,
 * possibly fractional).  Returns ms rounded up or -1. */
static int64_t parse_retry_after_ms(const char *value)
{
	char *end;
	double ms = strtod(value, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	if (end == value || *end != '\0' || !isfinite(ms) || ms < 0)
		return -1;
	if (ms > (double)HTTP_MAX_RETRY_AFTER_S * 1000)
		ms = (double)HTTP_MAX_RETRY_AFTER_S * 1000;
	return (int64_t)ceil(ms);
}

static void reset_headers(HttpCtx *ctx)
{
	HttpResp *r = ctx->resp;
	free(r->content_type);
	free(r->request_id);
	r->content_type = r->request_id = NULL;
	r->should_retry = -1;
	r->ratelimit_remaining = r->ratelimit_reset = -1;
	ctx->retry_after_ms = ctx->retry_after_ms_hdr = -1;
}

/* Header callback: called once per header line of every response libcurl
 * sees (including 100-continue and redirect hops); a status line starts a
 * new response, so only the final one's headers survive. */
static size_t http_header_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	HttpCtx *ctx = userp;
	size_t n = size * nmemb;
	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		reset_headers(ctx);
		return n;
	}
	const char *colon = memchr(data, ':', n);
	if (!colon)
		return n;
	size_t name_len = (size_t)(colon - data);
	const char *v = colon + 1, *end = data + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	char *value = xstrndup(v, (size_t)(end - v));
	HttpResp *r = ctx->resp;

	if (ascii_ieq(data, name_len, "content-type")) {
		free(r->content_type);
		r->content_type = value;
		value = NULL;
	} else if (ascii_ieq(data, name_len, "x-request-id") ||
		   ascii_ieq(data, name_len, "twilio-request-id") ||
		   ascii_ieq(data, name_len, "x-github-request-id")) {
		free(r->request_id);
		r->request_id = value;
		value = NULL;
	} else if (ascii_ieq(data, name_len, "retry-after")) {
		ctx->retry_after_ms = http_parse_retry_after(value, (int64_t)time(NULL));
	} else if (ascii_ieq(data, name_len, "retry-after-ms")) {
		ctx->retry_after_ms_hdr = parse_retry_after_ms(value);
	} else if (ascii_ieq(data, name_len, "x-ratelimit-remaining") ||
		   ascii_ieq(data, name_len, "x-ratelimit-reset")) {
		char *e;
		long long x = strtoll(value, &e, 10);
		if (e != value && *e == '\0' && x >= 0) {
			if (name_len == strlen("x-ratelimit-reset"))
				r->ratelimit_reset = x;
			else
				r->ratelimit_remaining = x;
		}
	} else if (ascii_ieq(data, name_len, "x-should-retry")) {
		if (ascii_ieq(value, strlen(value), "true"))
			r->should_retry = 1;
		else if (ascii_ieq(value, strlen(value), "false"))
			r->should_retry = 0;
	}
	free(value);
	return n;
}

static int has_crlf(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

static int url_scheme_ok(const char *url)
{
	return url && (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0);
}

static HttpErr map_curl_error(CURLcode rc, int too_large)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return HTTP_ERR_RESOLVE;
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
		return HTTP_ERR_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_ERR_TIMEOUT;
	case CURLE_SEND_ERROR:
		return HTTP_ERR_SEND;
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return HTTP_ERR_RECV;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
		return HTTP_ERR_TLS_CERT;
	case CURLE_WRITE_ERROR:
		return too_large ? HTTP_ERR_TOO_LARGE : HTTP_ERR_OTHER;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_BAD_FUNCTION_ARGUMENT:
		return HTTP_ERR_INVALID;
	default:
		return HTTP_ERR_OTHER;
	}
}

static int fail_invalid(HttpResp *resp, const char *why)
{
	resp->err = HTTP_ERR_INVALID;
	resp->maybe_sent = 0;
	snprintf(resp->error, sizeof resp->error, "invalid request: %s", why);
	return -1;
}

int http_request(const HttpReq *req, HttpResp *resp)
{
	memset(resp, 0, sizeof *resp);
	resp->retry_after_ms = -1;
	resp->retry_after = -1;
	resp->should_retry = -1;
	resp->ratelimit_remaining = resp->ratelimit_reset = -1;

	if (!url_scheme_ok(req->url))
		return fail_invalid(resp, "URL must start with http:// or https://");
	if (has_crlf(req->url) || has_crlf(req->bearer) || has_crlf(req->method))
		return fail_invalid(resp, "CR or LF in URL, method or token");
	for (const char *const *h = req->headers; h && *h; h++)
		if (has_crlf(*h) || !strchr(*h, ':'))
			return fail_invalid(resp, "malformed header line");
	if (http_global_init() != 0)
		return fail_invalid(resp, "curl_global_init failed");

	CURL *curl = curl_easy_init();
	if (!curl)
		return fail_invalid(resp, "curl_easy_init failed");

	const char *method = req->method ? req->method : (req->body ? "POST" : "GET");
	int is_get = strcmp(method, "GET") == 0, is_head = strcmp(method, "HEAD") == 0;
	HttpCtx ctx = {resp, req->max_body ? req->max_body : HTTP_DEFAULT_MAX_BODY, 0, -1, -1};
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	char *auth = NULL;
	int ret = -1;

	for (const char *const *h = req->headers; h && *h; h++)
		hdrs = curl_slist_append(hdrs, *h);
	hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
	if (req->bearer) {
		auth = xasprintf("Authorization: Bearer %s", req->bearer);
		hdrs = curl_slist_append(hdrs, auth);
	}

	curl_easy_setopt(curl, CURLOPT_URL, req->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
			 req->connect_timeout_ms > 0 ? req->connect_timeout_ms : HTTP_DEFAULT_CONNECT_MS);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
			 req->timeout_ms > 0 ? req->timeout_ms : HTTP_DEFAULT_TOTAL_MS);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, HTTP_USER_AGENT);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ctx);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &ctx);
	if (req->user) {
		curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(curl, CURLOPT_USERNAME, req->user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, req->pass ? req->pass : "");
	}
	if (is_get) {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	} else if (is_head) {
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	} else {
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
		if (req->body || strcmp(method, "POST") == 0) {
			curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
			curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		}
	}
	if (req->follow_redirects && (is_get || is_head)) {
		curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
	}

	CURLcode rc = curl_easy_perform(curl);
	if (rc == CURLE_OK) {
		long status = 0;
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		resp->status = (int)status;
		resp->err = HTTP_ERR_NONE;
		resp->maybe_sent = 1;
		ret = 0;
	} else {
		resp->status = 0;
		resp->err = map_curl_error(rc, ctx.too_large);
		/* Pre-transfer time is stamped just before the request is
		 * written; if it was never reached, no byte left this host. */
		curl_off_t pretransfer = 0;
		curl_easy_getinfo(curl, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
		resp->maybe_sent = resp->err != HTTP_ERR_RESOLVE && resp->err != HTTP_ERR_CONNECT &&
				   resp->err != HTTP_ERR_INVALID && pretransfer > 0;
		snprintf(resp->error, sizeof resp->error, "%s: %s", http_err_name(resp->err),
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));
		if (resp->err == HTTP_ERR_TOO_LARGE)
			buf_free(&resp->body);
	}
	resp->retry_after_ms = ctx.retry_after_ms_hdr >= 0 ? ctx.retry_after_ms_hdr : ctx.retry_after_ms;
	if (resp->retry_after_ms >= 0)
		resp->retry_after = (int)((resp->retry_after_ms + 999) / 1000);

	curl_slist_free_all(hdrs);
	free(auth);
	curl_easy_cleanup(curl);
	return ret;
}

void http_resp_free(HttpResp *resp)
{
	if (!resp)
		return;
	buf_free(&resp->body);
	free(resp->content_type);
	free(resp->request_id);
	memset(resp, 0, sizeof *resp);
}
