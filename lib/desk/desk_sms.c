/*
 * desk_sms.c - the choice of SMS template for a draft (see desk_sms.h).
 * The set of templates is closed and named here; the texts live in
 * templates/sms/.  Nothing here reads files or the database.
 */
#include "desk/desk_sms.h"

#include <stdio.h>
#include <string.h>

int desk_sms_urgent(const char *urgency)
{
	return urgency && strcmp(urgency, "urgent") == 0;
}

int desk_sms_outage(const char *type, const char *urgency)
{
	return type && strcmp(type, "bug") == 0 && desk_sms_urgent(urgency);
}

const char *desk_sms_template(const char *type, const char *urgency, SmsPurpose purpose)
{
	static const struct {
		const char *type, *name;
	} replies[] = {
		{"bug", "sms/bug"},       {"consult", "sms/consult"}, {"feature_request", "sms/feature_request"},
		{"question", "sms/question"}, {"other", "sms/other"},
	};
	if (desk_sms_outage(type, urgency))
		return "sms/bug_outage";
	if (desk_sms_urgent(urgency))
		return "sms/urgent";
	if (purpose == SMS_FOLLOW_UP)
		return "sms/bug_followup";
	for (size_t i = 0; type && i < sizeof replies / sizeof replies[0]; i++)
		if (strcmp(type, replies[i].type) == 0)
			return replies[i].name;
	return "sms/other";
}

void desk_sms_within(int minutes, char *out, unsigned n)
{
	if (minutes <= 0)
		minutes = 60;
	if (minutes == 60)
		snprintf(out, n, "the hour");
	else if (minutes % 60 == 0)
		snprintf(out, n, "%d hours", minutes / 60);
	else
		snprintf(out, n, "%d minutes", minutes);
}
