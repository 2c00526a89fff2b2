/*
 * vocab.h - the desk's closed sets of words, each defined once with the
 * label people read: task types, urgencies, routes and task statuses, and
 * the states of a message.  The database keeps the words (its CHECK
 * constraints, migrations/0001_core.sql, hold the same sets); pages,
 * reports, the API, the classifier and the seed read them from here.
 *
 * In core, not in the desk, because the classifier (lib/ai) speaks the
 * same words and may not depend on the desk.  Knows nothing else of it.
 */
#ifndef SB_VOCAB_H
#define SB_VOCAB_H

#include <stddef.h>

typedef struct {
	const char *word;  /* as stored: "feature_request" */
	const char *label; /* as shown: "Feature request" */
} Word;

/* Each set ends with {NULL, NULL}; the order is the one pages and reports
 * list them in. */
extern const Word vocab_types[];     /* bug consult feature_request question other */
extern const Word vocab_urgencies[]; /* urgent medium low */
extern const Word vocab_routes[];    /* AI HUMAN */
extern const Word vocab_statuses[];  /* open waiting approved closed */
extern const Word vocab_message_states[]; /* draft queued ... received: a message's status */

enum { VOCAB_NTYPES = 5, VOCAB_NURGENCIES = 3, VOCAB_NROUTES = 2, VOCAB_NSTATUSES = 4 };

/* The same sets as NULL-terminated word lists (for desk_one_of and the
 * API's enum checks). */
extern const char *const vocab_type_words[];
extern const char *const vocab_urgency_words[];
extern const char *const vocab_route_words[];
extern const char *const vocab_status_words[];

/* Index of word in set, or -1 (NULL word: -1). */
int vocab_index(const Word *set, const char *word);
/* The label of word in set, or NULL when it is not in the set. */
const char *vocab_label_in(const Word *set, const char *word);
/* The label of a word of any of the sets above (types, urgencies, routes,
 * statuses, message states, in that order), or the word itself when it is
 * in none: what a page shows for a stored value. */
const char *vocab_label(const char *word);

#endif
