/*
 * llm.h - a client for OpenAI-compatible chat completions (OpenAI, Ollama,
 * llama.cpp server, vLLM), one request per call.
 *
 * It builds the request (system + user message, temperature, token limit,
 * optional strict JSON-schema response format), makes one attempt and
 * classifies the answer as OK, RETRY or FAIL.  The job runner that calls it
 * owns retries, backoff and persistence; this module never touches the
 * database and never checks that the returned content is valid for the
 * caller's schema (the caller must).
 */
#ifndef SB_LLM_H
#define SB_LLM_H

#include <stddef.h>

#include "core/http.h"

#define LLM_TEMPERATURE 0.2
#define LLM_MAX_RETRY_AFTER 120 /* seconds; a longer Retry-After means FAIL */

typedef struct {
	const char *base_url;          /* ends in /v1, e.g. http://127.0.0.1:11434/v1 */
	const char *api_key;           /* Bearer token; NULL or "" sends "none" */
	const char *model;
	int max_tokens;                /* 0 = 512 */
	const char *max_tokens_field;  /* NULL = "max_tokens"; "max_completion_tokens" for o-series */
	long connect_timeout_ms;       /* 0 = 5000 */
	long timeout_ms;               /* total; 0 = 120000 (local models load slowly) */
} LlmConf;

typedef enum {
	LLM_OK = 0, /* 2xx with a parseable completion (content may still be NULL) */
	LLM_RETRY,  /* 408/409/429/5xx, connection problems, timeouts */
	LLM_FAIL    /* quota, auth, bad request, malformed reply, Retry-After > 120 s */
} LlmKind;

typedef struct {
	LlmKind kind;
	int http_status;         /* 0 on a transport error */
	char *content;           /* choices[0].message.content, malloc'd; NULL if null/absent */
	char *refusal;           /* choices[0].message.refusal, malloc'd, or NULL */
	char finish_reason[32];  /* "stop", "length", ...; "" if absent */
	long prompt_tokens;      /* -1 when usage is absent */
	long completion_tokens;  /* -1 when usage is absent */
	int retry_after;         /* RETRY: seconds from the server, -1 = use backoff */
	char error_code[64];     /* error.code as text ("insufficient_quota", "503"), or "" */
	char error_type[64];     /* error.type, or "" */
	char error[512];         /* error message (server's, parse or transport), or "" */
	char request_id[128];    /* x-request-id when sent, for logs */
	HttpErr transport;       /* HTTP_ERR_NONE unless the transport failed */
} LlmResult;

/*
 * One chat completion.  json_schema is the JSON text of a schema (sent as
 * response_format {"type":"json_schema","json_schema":{"name":schema_name,
 * "strict":true,"schema":...}}) or NULL for free text; schema_name must
 * match [A-Za-z0-9_-]{1,64} (NULL = "response").  Fills res (free with
 * llm_result_free) and returns res->kind.  An invalid schema or
 * configuration gives LLM_FAIL without a request.
 */
int llm_chat(const LlmConf *conf, const char *system_prompt, const char *user_prompt,
	     const char *json_schema, const char *schema_name, LlmResult *res);

/* Release res's allocations; safe on a zeroed or already-freed result. */
void llm_result_free(LlmResult *res);

/*
 * Build the request body.  Returns malloc'd JSON text (caller frees), or
 * NULL with a reason in err (size errlen) when the schema is not a JSON
 * object or schema_name is invalid.  Exposed for tests.
 */
char *llm_build_request(const LlmConf *conf, const char *system_prompt, const char *user_prompt,
			const char *json_schema, const char *schema_name, char *err, size_t errlen);

/*
 * Parse a response body received with HTTP status into res (initialised
 * here) and classify it by status and error code only (no headers).
 * Returns res->kind.  Exposed for tests.
 */
int llm_parse_response(const char *body, size_t len, int status, LlmResult *res);

/*
 * Classify a whole HttpResp: transport errors, then llm_parse_response,
 * then x-should-retry and Retry-After (> LLM_MAX_RETRY_AFTER turns RETRY
 * into FAIL).  Fills res (initialised here) and returns res->kind.
 */
int llm_classify(const HttpResp *resp, LlmResult *res);

/* "ok", "retry" or "fail". */
const char *llm_kind_name(LlmKind kind);

#endif
