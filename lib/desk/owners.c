/*
 * owners.c - owner rules (see owners.h).  SQL for owner_rules lives here;
 * the GitHub client and the pages only call these functions.
 */
#include "desk/owners.h"
#include "providers/github.h"
#include "core/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int is_word(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* Does pattern match text starting at t?  Returns the end in text, or
 * NULL.  White space runs compare equal. */
static const char *match_at(const char *p, const char *t)
{
	while (*p) {
		if (isspace((unsigned char)*p)) {
			if (!isspace((unsigned char)*t))
				return NULL;
			while (isspace((unsigned char)*p))
				p++;
			while (isspace((unsigned char)*t))
				t++;
			continue;
		}
		if (tolower((unsigned char)*p) != tolower((unsigned char)*t))
			return NULL;
		p++;
		t++;
	}
	return t;
}

int owners_pattern_matches(const char *pattern, const char *text)
{
	if (!pattern || !text)
		return 0;
	while (isspace((unsigned char)*pattern))
		pattern++;
	size_t n = strlen(pattern);
	while (n && isspace((unsigned char)pattern[n - 1]))
		n--;
	if (n == 0)
		return 0;
	char *p = xstrndup(pattern, n);
	int found = 0;
	for (const char *t = text; *t && !found; t++) {
		if (t > text && is_word((unsigned char)t[-1]) && is_word((unsigned char)*p))
			continue;
		const char *end = match_at(p, t);
		if (!end)
			continue;
		if (*end && is_word((unsigned char)*end) && is_word((unsigned char)p[n - 1]))
			continue;
		found = 1;
	}
	free(p);
	return found;
}

char *owners_pick(Store *s, const char *text)
{
	Rows *r = store_query(s, "SELECT pattern, login FROM owner_rules ORDER BY priority DESC, id", SQL_END);
	char *login = NULL;
	while (!login && rows_next(r))
		if (owners_pattern_matches(rows_text(r, 0), text))
			login = xstrdup(rows_text(r, 1));
	rows_done(r);
	return login;
}

json_t *owners_list(Store *s)
{
	json_t *a = json_array();
	Rows *r = store_query(s,
		"SELECT id, pattern, login, priority, created_by, created_at FROM owner_rules "
		"ORDER BY priority DESC, id", SQL_END);
	while (rows_next(r))
		json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:I,s:s,s:I}", "id",
						   (json_int_t)rows_int(r, 0), "pattern", rows_text(r, 1),
						   "login", rows_text(r, 2), "priority",
						   (json_int_t)rows_int(r, 3), "created_by", rows_text(r, 4),
						   "created_at", (json_int_t)rows_int(r, 5)));
	rows_done(r);
	return a;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

const char *owners_check(const char *pattern, const char *login, const char *priority_text, int *priority,
			 const char **field)
{
	*priority = 0;
	const char *p = pattern ? pattern : "";
	while (isspace((unsigned char)*p))
		p++;
	if (!*p) {
		*field = "pattern";
		return "Enter a keyword or component name.";
	}
	if (utf8_chars(pattern) > OWNER_PATTERN_MAX) {
		*field = "pattern";
		return "Write at most 100 characters.";
	}
	for (const char *q = pattern; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f) {
			*field = "pattern";
			return "Use one line of text, without control characters.";
		}
	if (!github_login_valid(login)) {
		*field = "login";
		return "Enter a GitHub login: letters, digits and single hyphens, at most 39 characters.";
	}
	if (priority_text && *priority_text) {
		char *end;
		long v = strtol(priority_text, &end, 10);
		if (end == priority_text || *end || v < OWNER_PRIORITY_MIN || v > OWNER_PRIORITY_MAX) {
			*field = "priority";
			return "Enter a whole number from -1000 to 1000 (higher wins).";
		}
		*priority = (int)v;
	}
	*field = NULL;
	return NULL;
}

int64_t owners_add(Store *s, const char *pattern, const char *login, int priority, const char *actor)
{
	while (isspace((unsigned char)*pattern))
		pattern++;
	char *pat = xstrdup(pattern);
	size_t n = strlen(pat);
	while (n && isspace((unsigned char)pat[n - 1]))
		pat[--n] = '\0';
	int64_t id = -1;
	if (store_int(s, 0, "SELECT count(*) FROM owner_rules WHERE pattern = :p COLLATE NOCASE AND login = :l "
			    "COLLATE NOCASE", SQL_TEXT(":p", pat), SQL_TEXT(":l", login), SQL_END) > 0) {
		id = 0;
		goto done;
	}
	if (store_exec(s, "INSERT INTO owner_rules (pattern, login, priority, created_by, created_at) "
			  "VALUES (:p, :l, :pr, :by, :now)",
		       SQL_TEXT(":p", pat), SQL_TEXT(":l", login), SQL_INT(":pr", priority), SQL_TEXT(":by", actor),
		       SQL_INT(":now", now_ms()), SQL_END) != STORE_OK)
		goto done;
	id = store_last_id(s);
	json_t *d = json_pack("{s:I,s:s,s:s,s:i}", "rule_id", (json_int_t)id, "pattern", pat, "login", login,
			      "priority", priority);
	char *dt = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	if (store_event(s, "owner_rule_added", 0, 0, 0, actor, dt) < 0)
		id = -1;
	free(dt);
done:
	free(pat);
	return id;
}

int owners_delete(Store *s, int64_t id, const char *actor)
{
	Rows *r = store_query(s, "SELECT pattern, login FROM owner_rules WHERE id = :id", SQL_INT(":id", id), SQL_END);
	if (!rows_next(r)) {
		rows_done(r);
		return 0;
	}
	json_t *d = json_pack("{s:I,s:s,s:s}", "rule_id", (json_int_t)id, "pattern", rows_text(r, 0), "login",
			      rows_text(r, 1));
	rows_done(r);
	char *dt = json_dumps(d, JSON_COMPACT);
	json_decref(d);
	int rc = -1;
	if (store_exec(s, "DELETE FROM owner_rules WHERE id = :id", SQL_INT(":id", id), SQL_END) == STORE_OK &&
	    store_event(s, "owner_rule_deleted", 0, 0, 0, actor, dt) >= 0)
		rc = 1;
	free(dt);
	return rc;
}
