/*
 * desk_sms.h - which SMS a draft is written from: the template under
 * templates/sms/ for a task's type and urgency, and the words that tell
 * the client when they will hear from us next.  The worker's draft and
 * bug follow-up jobs and the LLM prompts (templates/prompts/draft_*) use
 * the same choice, so a draft fits the situation whichever writes it.
 *
 * Pure: no database, no templates read, no network.
 */
#ifndef SB_DESK_SMS_H
#define SB_DESK_SMS_H

/* What a draft is for. */
typedef enum {
	SMS_REPLY,     /* the answer to the client's message (the draft job) */
	SMS_FOLLOW_UP, /* a new bug's follow-up (the github_issue job) */
} SmsPurpose;

/* The template name ("sms/bug_outage", "sms/question", ...) for a draft on
 * a task of this type and urgency.  An urgent task gets an
 * acknowledgement that says a person is on it and when the client hears
 * next, never a request for steps or screenshots: "sms/bug_outage" for a
 * bug (an outage), "sms/urgent" for the rest.  Otherwise a reply uses
 * "sms/<type>" ("sms/other" for an unknown or missing type) and a
 * follow-up "sms/bug_followup", which asks for what the report lacks.
 * Never NULL; the string is static. */
const char *desk_sms_template(const char *type, const char *urgency, SmsPurpose purpose);

/* 1 when urgency is "urgent". */
int desk_sms_urgent(const char *urgency);
/* 1 for an urgent bug: something is down or broken for the client now. */
int desk_sms_outage(const char *type, const char *urgency);

/* "the hour", "30 minutes", "2 hours": how long until the client hears
 * from us, from a first-response target in minutes (SLA_URGENT_MINUTES),
 * written into out (size n). */
void desk_sms_within(int minutes, char *out, unsigned n);

#endif
