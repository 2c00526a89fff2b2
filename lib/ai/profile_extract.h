/*
 * profile_extract.h - client facts (name, company, email) read from the
 * text of one inbound message, for profile_edit proposals.
 *
 * Two sources, one result shape: the builtin extractor (deterministic
 * patterns: "my name is …", "I'm … from <Company>", "this is … at …",
 * "I work at/for …", an email address) and the check of an LLM's answer,
 * which keeps a value only when it is one plain line, short, really
 * written in the message (so a model cannot invent a value or be talked
 * into one by the text) and, for an email, plausible.  Pure functions: no
 * database, no network.
 */
#ifndef SB_PROFILE_EXTRACT_H
#define SB_PROFILE_EXTRACT_H

#include <stddef.h>

#define PROFILE_VALUE_MAX 200 /* bytes in a value */
#define PROFILE_FACTS_MAX 3   /* one per field */

typedef struct {
	const char *field;               /* "name", "company" or "email" (static) */
	char value[PROFILE_VALUE_MAX + 1];
	double confidence;               /* 0..1 */
} ProfileFact;

/* The facts the patterns find in text, at most one per field, in the
 * order name, company, email.  Returns how many were written to out. */
int profile_extract_builtin(const char *text, ProfileFact out[PROFILE_FACTS_MAX]);

/* The JSON schema the LLM must answer with: {"name", "company", "email"}
 * each a string or null, and "confidence" (0..1). */
extern const char profile_llm_schema[];

/* Check an LLM answer (JSON text) against the message text: values that
 * are not strings, empty, over PROFILE_VALUE_MAX, several lines, not
 * found in text (case-insensitive) or (email) implausible are dropped;
 * any unknown key or a malformed answer drops everything (returns -1).
 * Returns how many facts were kept. */
int profile_extract_check_llm(const char *answer, const char *text, ProfileFact out[PROFILE_FACTS_MAX]);

#endif
