/*
 * vocab.c - the desk's words and their labels (vocab.h).  One line per
 * word: to add a task type, add it here and in a migration's CHECK.
 */
#include "core/vocab.h"

#include <string.h>

const Word vocab_types[] = {
	{"bug", "Bug"},
	{"consult", "Consultation"},
	{"feature_request", "Feature request"},
	{"question", "Question"},
	{"other", "Other"},
	{NULL, NULL},
};

const Word vocab_urgencies[] = {
	{"urgent", "Urgent"},
	{"medium", "Medium"},
	{"low", "Low"},
	{NULL, NULL},
};

const Word vocab_routes[] = {
	{"AI", "AI"},
	{"HUMAN", "Person"},
	{NULL, NULL},
};

const Word vocab_statuses[] = {
	{"open", "Open"},
	{"waiting", "Waiting"},
	{"approved", "Approved"},
	{"closed", "Closed"},
	{NULL, NULL},
};

const Word vocab_message_states[] = {
	{"draft", "Draft, waiting for review"},
	{"queued", "Queued"},
	{"submitting", "Sending"},
	{"accepted", "Accepted by Twilio"},
	{"scheduled", "Scheduled"},
	{"sending", "Sending"},
	{"sent", "Sent"},
	{"delivered", "Delivered"},
	{"undelivered", "Not delivered"},
	{"failed", "Failed"},
	{"read", "Read"},
	{"canceled", "Cancelled"},
	{"rejected", "Rejected"},
	{"superseded", "Superseded by a reply, not sent"},
	{"received", "Received"},
	{NULL, NULL},
};

const char *const vocab_type_words[] = {"bug", "consult", "feature_request", "question", "other", NULL};
const char *const vocab_urgency_words[] = {"urgent", "medium", "low", NULL};
const char *const vocab_route_words[] = {"AI", "HUMAN", NULL};
const char *const vocab_status_words[] = {"open", "waiting", "approved", "closed", NULL};

int vocab_index(const Word *set, const char *word)
{
	if (!word)
		return -1;
	for (int i = 0; set[i].word; i++)
		if (strcmp(set[i].word, word) == 0)
			return i;
	return -1;
}

const char *vocab_label_in(const Word *set, const char *word)
{
	int i = vocab_index(set, word);
	return i < 0 ? NULL : set[i].label;
}

const char *vocab_label(const char *word)
{
	static const Word *const sets[] = {vocab_types, vocab_urgencies, vocab_routes, vocab_statuses,
					    vocab_message_states};
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		const char *l = vocab_label_in(sets[i], word);
		if (l)
			return l;
	}
	return word;
}
