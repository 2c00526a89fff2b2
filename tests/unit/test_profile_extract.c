/*
 * test_profile_extract.c - the builtin client-fact patterns (names,
 * companies, email addresses, and the sentences that must not yield a
 * name) and the strict check of an LLM's answer (values must be written
 * in the message, plain, short; unknown keys refuse the whole answer).
 *
 * Pure: no database, no network.
 */
#include "ai/profile_extract.h"

#include "tap.h"

#include <string.h>

/* "field=value;field=value" for the facts found in text. */
static const char *facts(const char *text)
{
	static char out[1024];
	ProfileFact f[PROFILE_FACTS_MAX];
	int n = profile_extract_builtin(text, f);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t k = strlen(out);
		snprintf(out + k, sizeof out - k, "%s%s=%s", i ? ";" : "", f[i].field, f[i].value);
	}
	return out;
}

static const char *checked(const char *answer, const char *text)
{
	static char out[1024];
	ProfileFact f[PROFILE_FACTS_MAX];
	int n = profile_extract_check_llm(answer, text, f);
	if (n < 0)
		return "refused";
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t k = strlen(out);
		snprintf(out + k, sizeof out - k, "%s%s=%s", i ? ";" : "", f[i].field, f[i].value);
	}
	return out;
}

int main(void)
{
	is_str(facts("Hi, my name is Dana Scully and the export button is broken"), "name=Dana Scully",
	       "my name is ...");
	is_str(facts("Hello, I'm Dana from Acme Corp. Could you add a dark mode?"), "name=Dana;company=Acme Corp",
	       "I'm NAME from COMPANY");
	is_str(facts("this is Fox Mulder at Initech, please call me back"), "name=Fox Mulder;company=Initech",
	       "this is NAME at COMPANY");
	is_str(facts("I am Walter Skinner. Reach me at walter.skinner@fbi.example.org."),
	       "name=Walter Skinner;email=walter.skinner@fbi.example.org", "I am NAME. and an email (trailing dot dropped)");
	is_str(facts("I work for Smith & Sons Ltd. and we need invoices"), "company=Smith & Sons Ltd.",
	       "I work for COMPANY with & and Ltd.");
	is_str(facts("my name is Fox W. Mulder, again."), "name=Fox W. Mulder", "an initial keeps its dot");
	is_str(facts("contact: ops+alerts@example.com"), "email=ops+alerts@example.com", "email with +");
	is_str(facts("I'm Not sure the app works"), "", "I'm Not sure: no name");
	is_str(facts("This is Urgent! the site is down"), "", "This is Urgent: no name");
	is_str(facts("I'm Having trouble logging in"), "", "I'm Having trouble: no name");
	is_str(facts("the button at the bottom is broken"), "", "no cue, nothing");
	is_str(facts("mail me at user@localhost please"), "", "an address without a dot in the domain is not taken");
	is_str(facts("my name is dana"), "", "a lowercase name is not taken");
	is_str(facts("My name is Zoë Ångström, from Björk AB"), "name=Zoë Ångström", "UTF-8 names; a comma ends it");

	const char *t = "Hi, this is Dana Scully from Acme. dana@acme.example";
	is_str(checked("{\"name\":\"Dana Scully\",\"company\":\"Acme\",\"email\":\"dana@acme.example\",\"confidence\":0.9}", t),
	       "name=Dana Scully;company=Acme;email=dana@acme.example", "LLM answer written in the message: kept");
	is_str(checked("{\"name\":\"Mallory\",\"company\":null,\"email\":null,\"confidence\":0.9}", t), "",
	       "a name not in the message is dropped");
	is_str(checked("{\"name\":\"Dana\\nScully\",\"company\":null,\"email\":null,\"confidence\":0.9}", t), "",
	       "several lines dropped");
	is_str(checked("{\"name\":null,\"company\":null,\"email\":\"dana@acme\",\"confidence\":0.9}", "dana@acme"), "",
	       "implausible email dropped");
	is_str(checked("{\"name\":\"Dana\",\"company\":null,\"email\":null,\"confidence\":0.9,\"role\":\"admin\"}", t),
	       "refused", "an unknown key refuses the answer");
	is_str(checked("{\"name\":\"Dana\",\"company\":null,\"email\":null,\"confidence\":7}", t), "refused",
	       "confidence out of range refuses the answer");
	is_str(checked("not json", t), "refused", "malformed answer refused");
	is_str(checked("{\"name\":42,\"company\":\"Acme\",\"email\":null,\"confidence\":0.5}", t), "company=Acme",
	       "a non-string value is dropped, the rest kept");
	return done_testing();
}
