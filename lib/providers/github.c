/*
 * github.c - GitHub REST client and webhook signatures (see github.h).
 *
 * One request per call, classified; no retries, no database, and the
 * token only ever goes into the Authorization header (never into logs or
 * error messages).
 */
#include "providers/github.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

void github_md_quote(Buf *out, const char *text)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	while (*p == '\n' || *p == '\r' || *p == ' ')
		p++;
	if (!*p) {
		buf_puts(out, "> (empty message)");
		return;
	}
	buf_puts(out, "> ");
	for (; *p; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n') {
			if (p[1])
				buf_puts(out, "\n> ");
			continue;
		}
		if (*p == '<')
			buf_puts(out, "&lt;");
		else if (*p == '&')
			buf_puts(out, "&amp;");
		else if (*p == '@')
			buf_puts(out, "@\xe2\x80\x8b");
		else if (*p < 0x20 && *p != '\t')
			continue;
		else if (*p == 0x7f)
			continue;
		else
			buf_putc(out, (char)*p);
	}
}

const char *github_kind_name(GhKind kind)
{
	switch (kind) {
	case GH_OK: return "ok";
	case GH_RETRY: return "retry";
	case GH_PERMANENT: return "permanent";
	}
	return "permanent";
}

static int name_chars_ok(const char *s, size_t n)
{
	if (n == 0 || n > 100)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return 0;
	return !(n == 1 && s[0] == '.') && !(n == 2 && s[0] == '.' && s[1] == '.');
}

int github_repo_valid(const char *repo)
{
	if (!repo)
		return 0;
	const char *slash = strchr(repo, '/');
	if (!slash || strchr(slash + 1, '/'))
		return 0;
	return name_chars_ok(repo, (size_t)(slash - repo)) && name_chars_ok(slash + 1, strlen(slash + 1));
}

int github_login_valid(const char *login)
{
	if (!login)
		return 0;
	size_t n = strlen(login);
	if (n == 0 || n > 39 || login[0] == '-' || login[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (login[i] == '-' && login[i + 1] == '-')
			return 0;
		if (!isalnum((unsigned char)login[i]) && login[i] != '-')
			return 0;
	}
	return 1;
}

static void copy_str(json_t *obj, const char *key, char *out, size_t size)
{
	const char *s = json_string_value(json_object_get(obj, key));
	if (s)
		snprintf(out, size, "%s", s);
}

/* How long a rate-limited answer asks us to wait, in ms (>= 1000). */
static int64_t rate_wait_ms(const HttpResp *resp, int64_t now_unix, int secondary)
{
	if (resp->retry_after_ms >= 0)
		return resp->retry_after_ms > 1000 ? resp->retry_after_ms : 1000;
	if (resp->ratelimit_remaining == 0 && resp->ratelimit_reset > 0) {
		int64_t d = resp->ratelimit_reset - now_unix + 1;
		return (d > 1 ? d : 1) * 1000;
	}
	return secondary ? 60000 : -1; /* GitHub: wait at least a minute */
}

GhKind github_classify(const HttpResp *resp, int64_t now_unix, GhResult *res)
{
	memset(res, 0, sizeof *res);
	res->retry_after_ms = -1;
	res->http_status = resp->status;
	if (resp->err != HTTP_ERR_NONE) {
		snprintf(res->message, sizeof res->message, "%s", resp->error);
		res->maybe_created = resp->maybe_sent;
		res->kind = (resp->err == HTTP_ERR_INVALID || resp->err == HTTP_ERR_TLS_CERT) ? GH_PERMANENT
											  : GH_RETRY;
		return res->kind;
	}
	json_t *root = resp->body.len ? json_loadb(resp->body.s, resp->body.len, 0, NULL) : NULL;
	int status = resp->status;
	if (status >= 200 && status < 300) {
		res->kind = GH_OK;
		if (json_is_object(root)) {
			json_t *num = json_object_get(root, "number"), *id = json_object_get(root, "id");
			if (json_is_integer(num))
				res->number = json_integer_value(num);
			if (json_is_integer(id))
				res->id = json_integer_value(id);
			copy_str(root, "html_url", res->html_url, sizeof res->html_url);
		}
		json_decref(root);
		return res->kind;
	}
	if (json_is_object(root)) {
		copy_str(root, "message", res->message, sizeof res->message);
		json_t *errs = json_object_get(root, "errors");
		json_t *e0 = json_array_get(errs, 0);
		if (json_is_object(e0) && strlen(res->message) < sizeof res->message - 80) {
			const char *f = json_string_value(json_object_get(e0, "field"));
			const char *code = json_string_value(json_object_get(e0, "code"));
			const char *m = json_string_value(json_object_get(e0, "message"));
			size_t l = strlen(res->message);
			snprintf(res->message + l, sizeof res->message - l, " (%s%s%s)", f ? f : "",
				 f ? ": " : "", m ? m : code ? code : "?");
		}
	}
	json_decref(root);
	if (!res->message[0])
		snprintf(res->message, sizeof res->message, "HTTP %d from GitHub", status);

	char lower[sizeof res->message];
	size_t k = 0;
	for (; res->message[k]; k++)
		lower[k] = (char)tolower((unsigned char)res->message[k]);
	lower[k] = '\0';
	int secondary = strstr(lower, "secondary rate limit") != NULL;
	int limited = resp->ratelimit_remaining == 0 || resp->retry_after_ms >= 0 || secondary;
	if (status == 429 || (status == 403 && limited)) {
		res->kind = GH_RETRY;
		res->retry_after_ms = rate_wait_ms(resp, now_unix, 1);
		res->maybe_created = 0; /* a rate-limited request is not processed */
	} else if (status >= 500) {
		res->kind = GH_RETRY;
		res->retry_after_ms = resp->retry_after_ms;
		res->maybe_created = 1; /* a gateway error may hide a created issue */
	} else {
		res->kind = GH_PERMANENT;
	}
	return res->kind;
}

static GhKind refuse(GhResult *res, const char *why)
{
	memset(res, 0, sizeof *res);
	res->kind = GH_PERMANENT;
	res->retry_after_ms = -1;
	snprintf(res->message, sizeof res->message, "github: %s", why);
	return res->kind;
}

/* Check the configuration; NULL when usable, else why not. */
static const char *conf_problem(const GithubConf *conf)
{
	if (!conf->token || !*conf->token)
		return "GITHUB_TOKEN is not set";
	if (strpbrk(conf->token, "\r\n "))
		return "GITHUB_TOKEN has white space in it";
	if (!github_repo_valid(conf->repo))
		return "GITHUB_REPO is not owner/name";
	return NULL;
}

/* Make one request to {base}{path}; body NULL for GET.  Fills res. */
static GhKind call(const GithubConf *conf, const char *method, const char *path, const char *body,
		   HttpResp *resp, GhResult *res)
{
	const char *base = conf->api_base && *conf->api_base ? conf->api_base : GITHUB_API_BASE;
	size_t base_len = strlen(base);
	while (base_len && base[base_len - 1] == '/')
		base_len--;
	char *url = xasprintf("%.*s%s", (int)base_len, base, path);
	char *ua = xasprintf("User-Agent: %s", conf->user_agent && *conf->user_agent ? conf->user_agent
										     : "switchboard");
	const char *headers[] = {"Accept: application/vnd.github+json",
				 "X-GitHub-Api-Version: " GITHUB_API_VERSION, ua,
				 body ? "Content-Type: application/json" : NULL, NULL};
	HttpReq req = {
		.method = method,
		.url = url,
		.headers = headers,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.bearer = conf->token,
		.connect_timeout_ms = conf->connect_timeout_ms > 0 ? conf->connect_timeout_ms : 5000,
		.timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 15000,
		.max_body = 4 << 20,
	};
	http_request(&req, resp);
	github_classify(resp, (int64_t)time(NULL), res);
	free(ua);
	free(url);
	return res->kind;
}

static json_t *string_array(const char *const *list)
{
	json_t *a = json_array();
	for (const char *const *p = list; p && *p; p++)
		if (**p)
			json_array_append_new(a, json_string(*p));
	return a;
}

GhKind github_create_issue(const GithubConf *conf, const char *title, const char *body,
			   const char *const *labels, const char *const *assignees, GhResult *res)
{
	const char *why = conf_problem(conf);
	if (why)
		return refuse(res, why);
	if (!title || !*title)
		return refuse(res, "empty issue title");
	json_t *o = json_pack("{s:s,s:s}", "title", title, "body", body ? body : "");
	if (!o)
		return refuse(res, "issue title or body is not valid UTF-8");
	json_object_set_new(o, "labels", string_array(labels));
	json_object_set_new(o, "assignees", string_array(assignees));
	char *data = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	char *path = xasprintf("/repos/%s/issues", conf->repo);
	HttpResp resp;
	call(conf, "POST", path, data, &resp, res);
	if (res->kind == GH_OK && res->number <= 0) {
		/* A 2xx without an issue number: something answered that is not
		 * GitHub's API, but the issue may exist: look before resending. */
		res->kind = GH_RETRY;
		res->maybe_created = 1;
		snprintf(res->message, sizeof res->message, "HTTP %d without an issue number", res->http_status);
	}
	http_resp_free(&resp);
	free(path);
	free(data);
	return res->kind;
}

GhKind github_create_comment(const GithubConf *conf, int64_t number, const char *body, GhResult *res)
{
	const char *why = conf_problem(conf);
	if (why)
		return refuse(res, why);
	if (number <= 0)
		return refuse(res, "no issue number");
	json_t *o = json_pack("{s:s}", "body", body ? body : "");
	if (!o)
		return refuse(res, "comment is not valid UTF-8");
	char *data = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	char *path = xasprintf("/repos/%s/issues/%lld/comments", conf->repo, (long long)number);
	HttpResp resp;
	call(conf, "POST", path, data, &resp, res);
	if (res->kind == GH_OK && res->id <= 0) {
		res->kind = GH_RETRY;
		res->maybe_created = 1;
		snprintf(res->message, sizeof res->message, "HTTP %d without a comment id", res->http_status);
	}
	http_resp_free(&resp);
	free(path);
	free(data);
	return res->kind;
}

int github_find_marker(const GithubConf *conf, int64_t number, const char *marker, int64_t since_unix,
		       GhResult *res)
{
	const char *why = conf_problem(conf);
	if (why) {
		refuse(res, why);
		return -1;
	}
	char since[21];
	fmt_iso8601(since, since_unix > 0 ? since_unix : 0);
	char *path = number > 0
		? xasprintf("/repos/%s/issues/%lld/comments?since=%s&per_page=100", conf->repo, (long long)number,
			    since)
		: xasprintf("/repos/%s/issues?state=all&sort=created&direction=desc&since=%s&per_page=100",
			    conf->repo, since);
	HttpResp resp;
	int found = -1;
	if (call(conf, "GET", path, NULL, &resp, res) == GH_OK) {
		json_t *root = json_loadb(resp.body.s ? resp.body.s : "", resp.body.len, 0, NULL);
		if (!json_is_array(root)) {
			memset(res, 0, sizeof *res);
			res->kind = GH_RETRY;
			res->retry_after_ms = -1;
			snprintf(res->message, sizeof res->message, "GitHub list: the answer is not a JSON array");
		} else {
			found = 0;
			size_t i;
			json_t *it;
			json_array_foreach(root, i, it) {
				const char *b = json_string_value(json_object_get(it, "body"));
				if (!b || !strstr(b, marker) || (number == 0 && json_object_get(it, "pull_request")))
					continue;
				memset(res, 0, sizeof *res);
				res->kind = GH_OK;
				res->http_status = resp.status;
				res->number = json_integer_value(json_object_get(it, "number"));
				res->id = json_integer_value(json_object_get(it, "id"));
				copy_str(it, "html_url", res->html_url, sizeof res->html_url);
				found = 1;
				break;
			}
		}
		json_decref(root);
	}
	http_resp_free(&resp);
	free(path);
	return found;
}

void github_signature(const char *secret, const char *body, size_t len, char out[72])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	if (!HMAC(EVP_sha256(), secret ? secret : "", (int)strlen(secret ? secret : ""),
		  (const unsigned char *)(body ? body : ""), body ? len : 0, mac, &mac_len) || mac_len != 32)
		sb_die("HMAC-SHA256 failed");
	memcpy(out, "sha256=", 7);
	hex_encode(out + 7, mac, 32);
	out[71] = '\0';
}

int github_signature_valid(const char *secret, const char *body, size_t len, const char *header)
{
	if (!secret || !*secret || !header)
		return 0;
	char want[72];
	github_signature(secret, body, len, want);
	/* GitHub sends lowercase hex; accept uppercase hex too. */
	char got[72];
	size_t n = strlen(header);
	if (n != 71)
		return 0;
	for (size_t i = 0; i < n; i++)
		got[i] = (char)tolower((unsigned char)header[i]);
	got[71] = '\0';
	return ct_equal(want, 71, got, 71);
}
