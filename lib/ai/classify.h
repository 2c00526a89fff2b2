/*
 * classify.h - classification of client text by the configured provider
 * (LLM_PROVIDER): `builtin` (the corpus-trained classifier) or `openai`
 * (any OpenAI-compatible chat completions endpoint).
 *
 * Output outside the closed sets is never returned: an invalid LLM answer
 * is retried once with the error, then the built-in classifier decides and
 * the result says so.  This module makes network calls but never touches
 * the database; the job that calls it records the result and the usage.
 */
#ifndef SB_CLASSIFY_H
#define SB_CLASSIFY_H

#include <stdint.h>

#include "desk/desk.h"
#include "web/mustache.h"

typedef struct {
	long prompt_tokens, completion_tokens; /* summed over the calls made */
	int calls;
} LlmUsage;

typedef enum { CLASSIFY_OK, CLASSIFY_RETRY } ClassifyStatus;

/* Classify text.  attempt is the job's attempt number (1-based): when the
 * LLM cannot be reached and attempt >= 3 the built-in classifier decides
 * instead of asking for another retry.  Returns CLASSIFY_RETRY with
 * *retry_after_ms (0 = use backoff) and *err (malloc'd) when the job should
 * be retried later. */
ClassifyStatus classify_text(TplCache *prompts, const char *text, int attempt, ClassifyResult *out,
			     LlmUsage *usage, int64_t *retry_after_ms, char **err);

/* True when the configured provider is the OpenAI-compatible one. */
int classify_uses_llm(void);

/* Parse and validate an LLM classification answer.  Returns 0 and fills
 * out, or -1 with a reason in why (for the retry prompt). */
int classify_parse_answer(const char *content, ClassifyResult *out, char *why, size_t whylen);

#endif
