/*
 * classify.c - provider selection for classification (see classify.h).
 * Prompts are Mustache templates (templates/prompts/); the client's text
 * sits in a delimited data section, HTML-escaped so it cannot close the
 * delimiter, and the system prompt tells the model to treat it as data.
 */
#include "ai/classify.h"
#include "ai/classify_builtin.h"
#include "core/config.h"
#include "ai/llm.h"
#include "core/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char classify_schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"type\":{\"type\":\"string\",\"enum\":[\"bug\",\"consult\",\"feature_request\",\"question\",\"other\"]},"
	"\"urgency\":{\"type\":\"string\",\"enum\":[\"urgent\",\"medium\",\"low\"]},"
	"\"confidence\":{\"type\":\"number\"}},"
	"\"required\":[\"type\",\"urgency\",\"confidence\"],\"additionalProperties\":false}";

int classify_uses_llm(void)
{
	return strcmp(config_get("LLM_PROVIDER"), "openai") == 0;
}

static void builtin(const char *text, ClassifyResult *out)
{
	Classification c;
	classify_builtin(text, &c);
	snprintf(out->type, sizeof out->type, "%s", c.type);
	snprintf(out->urgency, sizeof out->urgency, "%s", c.urgency);
	out->confidence = c.confidence;
	snprintf(out->provider, sizeof out->provider, "builtin");
	snprintf(out->model, sizeof out->model, "naive-bayes");
}

int classify_parse_answer(const char *content, ClassifyResult *out, char *why, size_t whylen)
{
	if (!content) {
		snprintf(why, whylen, "the answer was empty");
		return -1;
	}
	json_error_t jerr;
	json_t *v = json_loads(content, 0, &jerr);
	if (!v || !json_is_object(v)) {
		snprintf(why, whylen, "the answer was not a JSON object");
		json_decref(v);
		return -1;
	}
	const char *type = json_string_value(json_object_get(v, "type"));
	const char *urgency = json_string_value(json_object_get(v, "urgency"));
	json_t *conf = json_object_get(v, "confidence");
	int rc = -1;
	if (!classify_valid_type(type))
		snprintf(why, whylen, "\"type\" must be one of bug, consult, feature_request, question, other");
	else if (!classify_valid_urgency(urgency))
		snprintf(why, whylen, "\"urgency\" must be one of urgent, medium, low");
	else if (!json_is_number(conf) || json_number_value(conf) < 0 || json_number_value(conf) > 1)
		snprintf(why, whylen, "\"confidence\" must be a number between 0 and 1");
	else {
		snprintf(out->type, sizeof out->type, "%s", type);
		snprintf(out->urgency, sizeof out->urgency, "%s", urgency);
		out->confidence = json_number_value(conf);
		rc = 0;
	}
	json_decref(v);
	return rc;
}

/* Render a prompt template; returns malloc'd text or NULL (logged). */
static char *prompt(TplCache *t, const char *name, json_t *data)
{
	Buf b = {0};
	char *err = NULL;
	if (tpl_render_name(t, name, data, &b, &err) != 0) {
		fprintf(stderr, "switchboard: prompt template %s: %s\n", name, err ? err : "?");
		free(err);
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static void fill_llm_conf(LlmConf *lc)
{
	memset(lc, 0, sizeof *lc);
	lc->base_url = config_get("LLM_BASE_URL");
	lc->api_key = config_get("LLM_API_KEY");
	lc->model = config_get("LLM_MODEL");
	lc->max_tokens = 200;
	lc->timeout_ms = config_int("LLM_TIMEOUT_MS");
}

ClassifyStatus classify_text(TplCache *prompts, const char *text, int attempt, ClassifyResult *out,
			     LlmUsage *usage, int64_t *retry_after_ms, char **err)
{
	memset(out, 0, sizeof *out);
	*retry_after_ms = 0;
	*err = NULL;
	if (!classify_uses_llm()) {
		builtin(text, out);
		return CLASSIFY_OK;
	}
	LlmConf lc;
	fill_llm_conf(&lc);
	json_t *data = json_pack("{s:s}", "text", text);
	char *sys = prompt(prompts, "prompts/classify_system", data);
	char *user = prompt(prompts, "prompts/classify_user", data);
	char why[256] = "";
	int tries = 0;
	ClassifyStatus status = CLASSIFY_OK;
	while (sys && user && tries < 2) {
		LlmResult r;
		memset(&r, 0, sizeof r);
		llm_chat(&lc, sys, user, classify_schema, "classification", &r);
		tries++;
		usage->calls++;
		if (r.prompt_tokens > 0)
			usage->prompt_tokens += r.prompt_tokens;
		if (r.completion_tokens > 0)
			usage->completion_tokens += r.completion_tokens;
		if (r.kind == LLM_RETRY && attempt < 3) {
			*retry_after_ms = r.retry_after > 0 ? (int64_t)r.retry_after * 1000 : 0;
			*err = xasprintf("LLM unavailable (%s): %s", llm_kind_name(r.kind), r.error);
			llm_result_free(&r);
			status = CLASSIFY_RETRY;
			break;
		}
		if (r.kind != LLM_OK) {
			snprintf(why, sizeof why, "LLM error (HTTP %d): %.200s", r.http_status, r.error);
			llm_result_free(&r);
			break;
		}
		ClassifyResult got = {0};
		char reason[200];
		if (classify_parse_answer(r.content, &got, reason, sizeof reason) == 0) {
			llm_result_free(&r);
			*out = got;
			snprintf(out->provider, sizeof out->provider, "openai");
			snprintf(out->model, sizeof out->model, "%s", lc.model);
			why[0] = '\0';
			break;
		}
		snprintf(why, sizeof why, "invalid LLM answer: %s", reason);
		llm_result_free(&r);
		if (tries < 2) {
			/* Ask once more, saying what was wrong. */
			char *again = xasprintf("%s\n\nYour previous answer was rejected: %s. Answer again with only "
						"the JSON object.", user, reason);
			free(user);
			user = again;
		}
	}
	if (status == CLASSIFY_OK && out->type[0] == '\0') {
		builtin(text, out);
		out->fallback = 1;
		snprintf(out->note, sizeof out->note, "%.200s; the built-in classifier decided",
			 why[0] ? why : "prompt templates missing");
	}
	free(sys);
	free(user);
	json_decref(data);
	return status;
}
