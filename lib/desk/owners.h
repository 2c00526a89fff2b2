/*
 * owners.h - owner rules: a keyword or component name found in a bug
 * report picks the GitHub login its issue is assigned to.
 *
 * A pattern matches when it appears in the text as whole words, ignoring
 * case ("checkout" matches "Checkout page broken" but not "checkouts";
 * "payment api" matches "the Payment  API fails").  Among the matching
 * rules the highest priority wins, then the oldest.  The matcher is pure;
 * the owner_rules table is read and written here too, in the caller's
 * transaction for writes.  Nothing here talks to GitHub.
 */
#ifndef SB_OWNERS_H
#define SB_OWNERS_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

#define OWNER_PATTERN_MAX 100 /* characters */
#define OWNER_PRIORITY_MIN (-1000)
#define OWNER_PRIORITY_MAX 1000

/* 1 when pattern occurs in text as whole words (ASCII case-insensitive;
 * runs of white space in either compare equal). */
int owners_pattern_matches(const char *pattern, const char *text);

/* The login of the best matching rule for text, malloc'd, or NULL when no
 * rule matches (or on a database error). */
char *owners_pick(Store *s, const char *text);

/* Every rule, best first: [{id, pattern, login, priority, created_by,
 * created_at}].  Caller decrefs. */
json_t *owners_list(Store *s);

/* Field errors for a new rule; NULL when valid.  *field gets "pattern",
 * "login" or "priority".  priority_text is the form value (NULL or "" =
 * 0); *priority gets the parsed number. */
const char *owners_check(const char *pattern, const char *login, const char *priority_text, int *priority,
			 const char **field);

/* Add a rule in the caller's transaction, with an owner_rule_added event.
 * Returns the id, 0 when the same pattern and login exist already, -1 on
 * a database error. */
int64_t owners_add(Store *s, const char *pattern, const char *login, int priority, const char *actor);

/* Delete a rule in the caller's transaction, with an owner_rule_deleted
 * event.  Returns 1, 0 when there is no such rule, -1 on error. */
int owners_delete(Store *s, int64_t id, const char *actor);

#endif
