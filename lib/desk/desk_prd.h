/*
 * desk_prd.h - the content side of the feature-request flow: the data a
 * PRD (templates/docs/prd.mustache) is filled from, the builtin drafting
 * from the client's own messages, the strict check of an LLM's PRD or
 * revision, the builtin revision (the reviewer's feedback recorded in the
 * document) and the short SMS that tells the client what was written.
 *
 * The worker (prd and prd_revise jobs) commits the results to the artifact
 * repository and writes the prd_review proposal (proposals.h); nothing
 * here writes to the database or calls a service.
 */
#ifndef SB_DESK_PRD_H
#define SB_DESK_PRD_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

#define PRD_MAX 20000 /* bytes of Markdown accepted from an LLM */

/* Data for docs/prd and the prompts/prd_* templates from task_id: title,
 * client_name, first_name, company, summary, task_id, status "Draft",
 * author, date, and "messages" (the task's inbound texts, oldest first,
 * [{body}]).  NULL when there is no such task. */
json_t *prd_context(Store *s, int64_t task_id);

/* Fill the builtin sections of ctx from its messages: overview, problem
 * (the client's words quoted), requirements (sentences asking for
 * something), constraints, timeline, stakeholders and open questions
 * (the client's own questions plus the ones every PRD must answer). */
void prd_builtin_sections(json_t *ctx);

/* The schema an LLM PRD answer must follow, and its check: prose fields
 * one paragraph each (at most 2000 bytes), list fields at most 12 one-line
 * items of at most 300 bytes.  On success the sections are copied into
 * ctx and 0 is returned; -1 leaves ctx alone (fall back to builtin). */
extern const char prd_llm_schema[];
int prd_check_llm(const char *answer, json_t *ctx);

/* The schema and check of an LLM revision {"prd": Markdown}: at most
 * PRD_MAX bytes, starting with "# ", keeping the "## Requirements"
 * heading.  Returns the malloc'd Markdown or NULL. */
extern const char prd_revise_schema[];
char *prd_check_revision(const char *answer);

/* The builtin revision: markdown with the feedback added under
 * "## Review notes" (created at the end when missing) as one dated item
 * naming who asked.  malloc'd. */
char *prd_revise_builtin(const char *markdown, const char *feedback, const char *who, const char *date);

/* An SMS (at most 320 characters) telling first_name (may be empty) what
 * was written: the PRD's title and how many requirements it lists.
 * malloc'd. */
char *prd_sms_summary(const char *markdown, const char *first_name);

#endif
