/*
 * llm.c - OpenAI-compatible chat completions client (see llm.h; protocol
 * notes in /work/shared/protocols/llm.md).
 *
 * One request per call, classified into OK / RETRY / FAIL following
 * openai-python's retry rules plus the app's own: never retry quota or
 * client errors, and give up when the server asks for more than two
 * minutes.  It must not retry or sleep, must not log prompts or keys, and
 * never touches the database.
 */
#include "ai/llm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define LLM_DEFAULT_MAX_TOKENS 512
#define LLM_DEFAULT_CONNECT_MS 5000L
#define LLM_DEFAULT_TOTAL_MS 120000L
#define LLM_MAX_RESPONSE ((size_t)4 << 20)

const char *llm_kind_name(LlmKind kind)
{
	switch (kind) {
	case LLM_OK: return "ok";
	case LLM_RETRY: return "retry";
	case LLM_FAIL: return "fail";
	}
	return "fail";
}

void llm_result_free(LlmResult *res)
{
	if (!res)
		return;
	free(res->content);
	free(res->refusal);
	res->content = res->refusal = NULL;
}

static void result_init(LlmResult *res)
{
	memset(res, 0, sizeof *res);
	res->prompt_tokens = res->completion_tokens = -1;
	res->retry_after = -1;
	res->transport = HTTP_ERR_NONE;
}

/* ---- request ------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is invalid
 * (overlong, surrogate, above U+10FFFF, truncated).  p is NUL-terminated,
 * so the look-ahead stops at the terminator. */
static size_t utf8_seq_len(const unsigned char *p)
{
#define CONT(c) (((c) & 0xC0) == 0x80)
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		return CONT(p[1]) ? 2 : 0;
	if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		unsigned lo = p[0] == 0xE0 ? 0xA0 : 0x80, hi = p[0] == 0xED ? 0x9F : 0xBF;
		return p[1] >= lo && p[1] <= hi && CONT(p[2]) ? 3 : 0;
	}
	if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		unsigned lo = p[0] == 0xF0 ? 0x90 : 0x80, hi = p[0] == 0xF4 ? 0x8F : 0xBF;
		return p[1] >= lo && p[1] <= hi && CONT(p[2]) && CONT(p[3]) ? 4 : 0;
	}
	return 0;
#undef CONT
}

/* A JSON string for s with invalid UTF-8 bytes replaced by U+FFFD, since
 * jansson refuses invalid UTF-8 and SMS text is outside input.  Never NULL. */
static json_t *json_text(const char *s)
{
	Buf b = {0};
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		size_t n = utf8_seq_len(p);
		if (n) {
			buf_append(&b, p, n);
			p += n;
		} else {
			buf_puts(&b, "\xEF\xBF\xBD");
			p++;
		}
	}
	json_t *j = json_string(buf_cstr(&b));
	buf_free(&b);
	if (!j)
		sb_die("json_string failed on sanitised text");
	return j;
}

static int schema_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

static json_t *message(const char *role, const char *content)
{
	json_t *m = json_object();
	json_object_set_new(m, "role", json_string(role));
	json_object_set_new(m, "content", json_text(content));
	return m;
}

char *llm_build_request(const LlmConf *conf, const char *system_prompt, const char *user_prompt,
			const char *json_schema, const char *schema_name, char *err, size_t errlen)
{
	json_t *schema = NULL;
	if (!schema_name)
		schema_name = "response";
	if (json_schema) {
		if (!schema_name_ok(schema_name)) {
			snprintf(err, errlen, "schema name must match [A-Za-z0-9_-]{1,64}");
			return NULL;
		}
		json_error_t jerr;
		schema = json_loads(json_schema, 0, &jerr);
		if (!json_is_object(schema)) {
			snprintf(err, errlen, "schema is not a JSON object: %s",
				 schema ? "wrong type" : jerr.text);
			json_decref(schema);
			return NULL;
		}
	}

	json_t *root = json_object();
	json_object_set_new(root, "model", json_text(conf->model));
	json_t *msgs = json_array();
	if (system_prompt && *system_prompt)
		json_array_append_new(msgs, message("system", system_prompt));
	json_array_append_new(msgs, message("user", user_prompt));
	json_object_set_new(root, "messages", msgs);
	json_object_set_new(root, "temperature", json_real(LLM_TEMPERATURE));
	json_object_set_new(root,
			    conf->max_tokens_field && *conf->max_tokens_field ? conf->max_tokens_field
									      : "max_tokens",
			    json_integer(conf->max_tokens > 0 ? conf->max_tokens : LLM_DEFAULT_MAX_TOKENS));
	json_object_set_new(root, "stream", json_false());
	if (schema) {
		json_t *js = json_object();
		json_object_set_new(js, "name", json_string(schema_name));
		json_object_set_new(js, "strict", json_true());
		json_object_set_new(js, "schema", schema);
		json_t *rf = json_object();
		json_object_set_new(rf, "type", json_string("json_schema"));
		json_object_set_new(rf, "json_schema", js);
		json_object_set_new(root, "response_format", rf);
	}
	char *text = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(root);
	if (!text)
		sb_die("json_dumps failed");
	/* jansson allocates with malloc by default; hand back our own copy so
	 * the caller's free() is correct whatever allocator jansson uses. */
	char *out = xstrdup(text);
	free(text);
	return out;
}

/* ---- response --------------------------------------------------------- */

static void copy_str(char *out, size_t size, const char *s)
{
	snprintf(out, size, "%s", s ? s : "");
}

/* content as a string: plain string, or the text parts of an array. */
static char *content_text(json_t *content)
{
	if (json_is_string(content))
		return xstrndup(json_string_value(content), json_string_length(content));
	if (!json_is_array(content))
		return NULL;
	Buf b = {0};
	size_t i;
	json_t *part;
	json_array_foreach(content, i, part) {
		const char *t = json_string_value(json_object_get(part, "text"));
		if (t)
			buf_puts(&b, t);
	}
	return buf_detach(&b);
}

/* Fill error_code / error_type / error from an error body: {"error":{...}}
 * (OpenAI, Ollama, llama.cpp, new vLLM), flat {"message",...} (old vLLM) or
 * {"error":"text"}.  code may be a string or an integer. */
static void parse_error(json_t *root, int status, LlmResult *res)
{
	json_t *e = json_object_get(root, "error");
	const char *msg = NULL;
	if (json_is_string(e)) {
		msg = json_string_value(e);
		e = NULL;
	}
	json_t *src = json_is_object(e) ? e : root;
	if (!msg)
		msg = json_string_value(json_object_get(src, "message"));
	if (!msg && src != root)
		msg = json_string_value(json_object_get(root, "message"));
	json_t *code = json_object_get(src, "code");
	if (json_is_string(code))
		copy_str(res->error_code, sizeof res->error_code, json_string_value(code));
	else if (json_is_integer(code))
		snprintf(res->error_code, sizeof res->error_code, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(code));
	copy_str(res->error_type, sizeof res->error_type, json_string_value(json_object_get(src, "type")));
	if (msg)
		copy_str(res->error, sizeof res->error, msg);
	else
		snprintf(res->error, sizeof res->error, "HTTP %d", status);
}

/* Quota and billing errors arrive as 429 but never succeed on retry. */
static int is_quota_error(const LlmResult *res)
{
	return strcmp(res->error_code, "insufficient_quota") == 0 ||
	       strcmp(res->error_type, "insufficient_quota") == 0 ||
	       strncmp(res->error_code, "billing_", 8) == 0;
}

int llm_parse_response(const char *body, size_t len, int status, LlmResult *res)
{
	result_init(res);
	res->http_status = status;
	json_t *root = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	if (root && !json_is_object(root)) {
		json_decref(root);
		root = NULL;
	}

	if (status >= 200 && status < 300) {
		json_t *choice = json_array_get(json_object_get(root, "choices"), 0);
		json_t *msg = json_object_get(choice, "message");
		if (!json_is_object(msg)) {
			if (root && json_object_get(root, "error"))
				parse_error(root, status, res);
			else
				snprintf(res->error, sizeof res->error, "malformed response: %s",
					 root ? "no choices[0].message" : "not a JSON object");
			res->kind = LLM_FAIL;
			json_decref(root);
			return (int)res->kind;
		}
		res->content = content_text(json_object_get(msg, "content"));
		const char *refusal = json_string_value(json_object_get(msg, "refusal"));
		res->refusal = refusal ? xstrdup(refusal) : NULL;
		copy_str(res->finish_reason, sizeof res->finish_reason,
			 json_string_value(json_object_get(choice, "finish_reason")));
		json_t *usage = json_object_get(root, "usage");
		json_t *pt = json_object_get(usage, "prompt_tokens");
		json_t *ct = json_object_get(usage, "completion_tokens");
		if (json_is_integer(pt))
			res->prompt_tokens = (long)json_integer_value(pt);
		if (json_is_integer(ct))
			res->completion_tokens = (long)json_integer_value(ct);
		res->kind = LLM_OK;
		json_decref(root);
		return (int)res->kind;
	}

	if (root)
		parse_error(root, status, res);
	else
		snprintf(res->error, sizeof res->error, "HTTP %d", status);
	json_decref(root);
	if (is_quota_error(res))
		res->kind = LLM_FAIL;
	else if (status == 408 || status == 409 || status == 429 || status >= 500)
		res->kind = LLM_RETRY;
	else
		res->kind = LLM_FAIL;
	return (int)res->kind;
}

int llm_classify(const HttpResp *resp, LlmResult *res)
{
	if (resp->err != HTTP_ERR_NONE) {
		result_init(res);
		res->transport = resp->err;
		copy_str(res->error, sizeof res->error, resp->error);
		res->kind = (resp->err == HTTP_ERR_INVALID || resp->err == HTTP_ERR_TLS_CERT ||
			     resp->err == HTTP_ERR_TOO_LARGE)
				    ? LLM_FAIL
				    : LLM_RETRY;
		return (int)res->kind;
	}
	llm_parse_response(resp->body.s, resp->body.len, resp->status, res);
	copy_str(res->request_id, sizeof res->request_id, resp->request_id);
	if (res->kind == LLM_OK || is_quota_error(res))
		return (int)res->kind;

	/* The server may say explicitly whether to retry (OpenAI). */
	if (resp->should_retry == 1)
		res->kind = LLM_RETRY;
	else if (resp->should_retry == 0)
		res->kind = LLM_FAIL;
	if (res->kind == LLM_RETRY && resp->retry_after_ms > (int64_t)LLM_MAX_RETRY_AFTER * 1000) {
		res->kind = LLM_FAIL;
		size_t used = strlen(res->error);
		snprintf(res->error + used, sizeof res->error - used,
			 " (Retry-After %d s exceeds %d s)", resp->retry_after, LLM_MAX_RETRY_AFTER);
	} else if (res->kind == LLM_RETRY && resp->retry_after_ms > 0) {
		res->retry_after = resp->retry_after;
	}
	return (int)res->kind;
}

/* {base}/chat/completions, without doubling a trailing slash or path. */
static char *endpoint_url(const char *base)
{
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	static const char suffix[] = "/chat/completions";
	size_t sl = sizeof suffix - 1;
	if (n >= sl && memcmp(base + n - sl, suffix, sl) == 0)
		return xstrndup(base, n);
	return xasprintf("%.*s%s", (int)n, base, suffix);
}

int llm_chat(const LlmConf *conf, const char *system_prompt, const char *user_prompt,
	     const char *json_schema, const char *schema_name, LlmResult *res)
{
	result_init(res);
	if (!conf->base_url || !*conf->base_url || !conf->model || !*conf->model) {
		snprintf(res->error, sizeof res->error, "llm: base_url and model must be set");
		res->kind = LLM_FAIL;
		return (int)res->kind;
	}
	char *body = llm_build_request(conf, system_prompt, user_prompt, json_schema, schema_name,
				       res->error, sizeof res->error);
	if (!body) {
		res->kind = LLM_FAIL;
		return (int)res->kind;
	}
	char *url = endpoint_url(conf->base_url);
	static const char *const headers[] = {"Content-Type: application/json",
					      "Accept: application/json", NULL};
	HttpReq req = {
		.method = "POST",
		.url = url,
		.headers = headers,
		.body = body,
		.body_len = strlen(body),
		.bearer = conf->api_key && *conf->api_key ? conf->api_key : "none",
		.connect_timeout_ms = conf->connect_timeout_ms > 0 ? conf->connect_timeout_ms
								   : LLM_DEFAULT_CONNECT_MS,
		.timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : LLM_DEFAULT_TOTAL_MS,
		.max_body = LLM_MAX_RESPONSE,
	};
	HttpResp resp;
	http_request(&req, &resp);
	llm_classify(&resp, res);

	http_resp_free(&resp);
	free(url);
	free(body);
	return (int)res->kind;
}
