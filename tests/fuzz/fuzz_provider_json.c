/*
 * fuzz_provider_json.c - fuzz harness for the JSON answers of outside
 * services: an LLM's chat completion (llm_parse_response), Twilio's
 * Messages API (twilio_classify_send) and GitHub's REST API
 * (github_classify), under any HTTP status.
 *
 * Input: one byte choosing the status (200, 201, 400, 401, 404, 422, 429,
 * 500, 503, ...), then the body.  Each classifier must give one of its
 * kinds, only a 2xx may be success, fixed-size text fields stay
 * NUL-terminated, and an accepted Twilio send without a SID says so.
 */
#include "fuzz.h"
#include "providers/github.h"
#include "core/http.h"
#include "ai/llm.h"
#include "providers/twilio.h"
#include "core/util.h"

#include <string.h>

static const int statuses[] = {200, 201, 204, 301, 400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int status = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
	const char *body = (const char *)data + 1;
	size_t len = size - 1;

	LlmResult lr;
	int k = llm_parse_response(body, len, status, &lr);
	FUZZ_CHECK(k == LLM_OK || k == LLM_RETRY || k == LLM_FAIL);
	FUZZ_CHECK(memchr(lr.error, 0, sizeof lr.error) && memchr(lr.error_code, 0, sizeof lr.error_code));
	FUZZ_CHECK(memchr(lr.finish_reason, 0, sizeof lr.finish_reason));
	if (k == LLM_OK)
		FUZZ_CHECK(status >= 200 && status < 300);
	if (lr.content)
		FUZZ_CHECK(k == LLM_OK);
	llm_result_free(&lr);
	llm_result_free(&lr);

	HttpResp resp;
	memset(&resp, 0, sizeof resp);
	resp.status = status;
	resp.retry_after_ms = -1;
	resp.retry_after = -1;
	resp.should_retry = -1;
	resp.ratelimit_remaining = -1;
	resp.ratelimit_reset = -1;
	buf_append(&resp.body, body, len);

	TwSendResult tr;
	int t = twilio_classify_send(&resp, &tr);
	FUZZ_CHECK(t == TW_SEND_OK || t == TW_SEND_RETRY || t == TW_SEND_PERMANENT);
	FUZZ_CHECK(memchr(tr.sid, 0, sizeof tr.sid) && memchr(tr.message, 0, sizeof tr.message));
	if (t == TW_SEND_OK) /* accepted; a reply without a SID says so */
		FUZZ_CHECK(status >= 200 && status < 300 && (tr.sid[0] || tr.message[0]));

	GhResult gr;
	GhKind g = github_classify(&resp, 1700000000, &gr);
	FUZZ_CHECK(g == GH_OK || g == GH_RETRY || g == GH_PERMANENT);
	FUZZ_CHECK(memchr(gr.html_url, 0, sizeof gr.html_url) && memchr(gr.message, 0, sizeof gr.message));
	buf_free(&resp.body);
	return 0;
}
