/*
 * profile_extract.c - client facts from a message's text (see
 * profile_extract.h).  The patterns are deliberately conservative: a
 * missed fact costs nothing (the person can type it), a wrong one costs a
 * reviewer's click, and a name is only taken where the sentence makes it
 * unambiguous.  It must not touch the database or the network.
 */
#include "ai/profile_extract.h"
#include "desk/clients.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int is_upper_start(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || ch >= 0xC0; /* ASCII capital or a UTF-8 lead byte */
}

static int is_word_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch >= 0x80 ||
	       ch == '\'' || ch == '-';
}

/* Case-insensitive search for cue in text at a word start; returns the
 * position just after it, or NULL. */
static const char *after_cue(const char *text, const char *from, const char *cue)
{
	size_t n = strlen(cue);
	for (const char *p = from; *p; p++) {
		if (p > text && is_word_char((unsigned char)p[-1]))
			continue;
		if (strncasecmp(p, cue, n) == 0)
			return p + n;
	}
	return NULL;
}

/* Capitalised words at p (at most max words), joined by single spaces,
 * into out.  company allows words starting with a digit and '&', '.'
 * inside (Inc., AT&T).  Sets *end after the last word.  Returns the
 * number of words. */
static int cap_words(const char *p, int max, int company, char *out, size_t outlen, const char **end)
{
	size_t k = 0;
	int words = 0;
	out[0] = '\0';
	*end = p;
	while (words < max) {
		const char *q = p;
		while (*q == ' ')
			q++;
		unsigned char ch = (unsigned char)*q;
		int starts = is_upper_start(ch) || (company && ((ch >= '0' && ch <= '9') || ch == '&'));
		if (!starts)
			break;
		const char *w = q;
		while (is_word_char((unsigned char)*q) || (company && (*q == '&' || (*q == '.' && is_word_char((unsigned char)q[1])))))
			q++;
		if (!company && *q == '.' && q - w == 1 && q[1] == ' ' && is_upper_start((unsigned char)q[2]))
			q++; /* an initial: "Fox W. Mulder" */
		if (company && *q == '.' && (((q - w == 3) && (strncmp(w, "Inc", 3) == 0 || strncmp(w, "Ltd", 3) == 0)) ||
					     (q - w == 2 && strncmp(w, "Co", 2) == 0)))
			q++; /* "Inc." "Ltd." "Co.": the dot belongs to the name and ends it */
		size_t len = (size_t)(q - w);
		if (len == 0 || k + len + 2 > outlen)
			break;
		if (words)
			out[k++] = ' ';
		memcpy(out + k, w, len);
		k += len;
		out[k] = '\0';
		words++;
		*end = q;
		p = q;
		if (*p != ' ')
			break;
	}
	return words;
}

/* Does the sentence end (or a clause break) at p?  Just after an
 * abbreviation's dot it does. */
static int clause_end(const char *p)
{
	if (p[-1] == '.')
		return 1;
	while (*p == ' ')
		p++;
	return !*p || strchr(".,!?;:\n\r)", *p) != NULL;
}

static void put(ProfileFact *out, int *n, const char *field, const char *value, double conf)
{
	for (int i = 0; i < *n; i++)
		if (strcmp(out[i].field, field) == 0)
			return; /* the first finding wins */
	if (*n >= PROFILE_FACTS_MAX || !*value)
		return;
	out[*n].field = field;
	snprintf(out[*n].value, sizeof out[*n].value, "%s", value);
	out[*n].confidence = conf;
	(*n)++;
}

static void find_email(const char *text, ProfileFact *out, int *n)
{
	for (const char *at = strchr(text, '@'); at; at = strchr(at + 1, '@')) {
		const char *a = at, *b = at + 1;
		while (a > text && (is_word_char((unsigned char)a[-1]) || a[-1] == '.' || a[-1] == '+' || a[-1] == '_') &&
		       (unsigned char)a[-1] < 0x80)
			a--;
		while ((is_word_char((unsigned char)*b) || *b == '.') && (unsigned char)*b < 0x80 && *b != '\'')
			b++;
		while (b > at + 1 && b[-1] == '.')
			b--;
		size_t len = (size_t)(b - a);
		if (a == at || len > PROFILE_VALUE_MAX)
			continue;
		char v[PROFILE_VALUE_MAX + 1];
		memcpy(v, a, len);
		v[len] = '\0';
		if (client_email_plausible(v)) {
			put(out, n, "email", v, 0.95);
			return;
		}
	}
}

/* After a name: " from X", " at X", " with X" gives the company. */
static void company_after(const char *p, ProfileFact *out, int *n, double conf)
{
	static const char *const joins[] = {" from ", " at ", " with ", " of ", NULL};
	for (const char *const *j = joins; *j; j++) {
		if (strncasecmp(p, *j, strlen(*j)) == 0) {
			char v[PROFILE_VALUE_MAX + 1];
			const char *end;
			if (cap_words(p + strlen(*j), 5, 1, v, sizeof v, &end) > 0 && clause_end(end))
				put(out, n, "company", v, conf);
			return;
		}
	}
}

/* Capitalised words after "I'm" or "this is" that are not names. */
static int not_a_name(const char *v)
{
	static const char *const words[] = {
		"A", "An", "Also", "Back", "Done", "Fine", "Getting", "Glad", "Going", "Good", "Happy", "Having", "Hello",
		"Here", "Hi", "I", "It", "Just", "Looking", "Not", "OK", "Ok", "Okay", "Ready", "Really", "So", "Sorry",
		"Still", "Sure", "That", "The", "This", "Trying", "Urgent", "Very", NULL,
	};
	size_t n = strcspn(v, " ");
	for (const char *const *w = words; *w; w++)
		if (strlen(*w) == n && strncmp(*w, v, n) == 0)
			return 1;
	return 0;
}

int profile_extract_builtin(const char *text, ProfileFact out[PROFILE_FACTS_MAX])
{
	int n = 0;
	char v[PROFILE_VALUE_MAX + 1];
	const char *p, *end;
	/* "my name is Dana Scully" */
	if ((p = after_cue(text, text, "my name is ")) && cap_words(p, 3, 0, v, sizeof v, &end) > 0) {
		put(out, &n, "name", v, 0.9);
		company_after(end, out, &n, 0.75);
	}
	/* "I'm Dana from Acme", "I am Dana Scully.", "this is Dana at Acme Corp" */
	static const char *const intro[] = {"i'm ", "i\xe2\x80\x99m ", "i am ", "this is ", "it's ", NULL};
	for (const char *const *cue = intro; *cue; cue++) {
		for (p = after_cue(text, text, *cue); p; p = after_cue(text, p, *cue)) {
			if (cap_words(p, 3, 0, v, sizeof v, &end) == 0 || not_a_name(v))
				continue;
			int before = n;
			company_after(end, out, &n, 0.75);
			if (n > before || clause_end(end))
				put(out, &n, "name", v, n > before ? 0.8 : 0.7);
		}
	}
	/* "I work at Acme", "I work for Initech", "my company is Acme", "company: Acme" */
	static const char *const work[] = {"i work at ", "i work for ", "my company is ", "our company is ",
					   "company: ", NULL};
	for (const char *const *cue = work; *cue; cue++)
		if ((p = after_cue(text, text, *cue)) && cap_words(p, 5, 1, v, sizeof v, &end) > 0 && clause_end(end))
			put(out, &n, "company", v, 0.8);
	find_email(text, out, &n);
	/* Order: name, company, email. */
	static const char *const order[] = {"name", "company", "email"};
	ProfileFact sorted[PROFILE_FACTS_MAX];
	int k = 0;
	for (int o = 0; o < 3; o++)
		for (int i = 0; i < n; i++)
			if (strcmp(out[i].field, order[o]) == 0)
				sorted[k++] = out[i];
	memcpy(out, sorted, sizeof sorted[0] * (size_t)k);
	return k;
}

const char profile_llm_schema[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"name\":{\"type\":[\"string\",\"null\"]},"
	"\"company\":{\"type\":[\"string\",\"null\"]},"
	"\"email\":{\"type\":[\"string\",\"null\"]},"
	"\"confidence\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1}},"
	"\"required\":[\"name\",\"company\",\"email\",\"confidence\"],\"additionalProperties\":false}";

/* Case-insensitive (ASCII) substring test. */
static int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = hay; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return 1;
	return 0;
}

int profile_extract_check_llm(const char *answer, const char *text, ProfileFact out[PROFILE_FACTS_MAX])
{
	json_t *v = answer ? json_loads(answer, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!json_is_object(v)) {
		json_decref(v);
		return -1;
	}
	const char *key;
	json_t *val;
	json_object_foreach(v, key, val) {
		if (strcmp(key, "name") != 0 && strcmp(key, "company") != 0 && strcmp(key, "email") != 0 &&
		    strcmp(key, "confidence") != 0) {
			json_decref(v);
			return -1;
		}
	}
	json_t *jc = json_object_get(v, "confidence");
	double conf = json_is_number(jc) ? json_number_value(jc) : 0.5;
	if (conf < 0 || conf > 1) {
		json_decref(v);
		return -1;
	}
	int n = 0;
	static const char *const fields[] = {"name", "company", "email"};
	for (int i = 0; i < 3; i++) {
		json_t *f = json_object_get(v, fields[i]);
		if (!json_is_string(f))
			continue;
		char buf[PROFILE_VALUE_MAX + 1];
		const char *s = json_string_value(f);
		while (*s == ' ')
			s++;
		size_t len = strlen(s);
		while (len > 0 && s[len - 1] == ' ')
			len--;
		if (len == 0 || len > PROFILE_VALUE_MAX)
			continue;
		memcpy(buf, s, len);
		buf[len] = '\0';
		int plain = 1;
		for (const unsigned char *q = (const unsigned char *)buf; *q && plain; q++)
			plain = *q >= 0x20 && *q != 0x7f;
		if (!plain || !contains_ci(text, buf))
			continue;
		if (i == 2 && !client_email_plausible(buf))
			continue;
		put(out, &n, fields[i], buf, conf);
	}
	json_decref(v);
	return n;
}
