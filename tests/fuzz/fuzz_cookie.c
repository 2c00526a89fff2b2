/*
 * fuzz_cookie.c - fuzz harness for cookie_parse.
 *
 * The input, cut at its first NUL, is the Cookie header.  A successful parse
 * must give non-empty trimmed names without '=', ';' or controls, values
 * without ';' or controls, valid UTF-8 everywhere, correct value_len, and
 * must survive a round trip through "name=\"value\"; ...".  A failure must
 * leave the output empty and give a reason.
 */
#include "web/form.h"
#include "fuzz.h"
#include "core/util.h"

#include <string.h>

/* 1 when s holds a C0 control or DEL. */
static int has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7F)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header = xstrndup((const char *)data, size); /* stops at a NUL */
	Params p, again;
	Buf b = {0};

	if (cookie_parse(header, &p) != 0) {
		FUZZ_CHECK(p.n == 0 && p.v == NULL);
		FUZZ_CHECK(strcmp(form_error(), "no error") != 0);
		free(header);
		return 0;
	}
	FUZZ_CHECK(p.n <= FORM_MAX_PARAMS);
	for (size_t i = 0; i < p.n; i++) {
		const Param *q = &p.v[i];
		size_t nl = strlen(q->name);
		FUZZ_CHECK(nl > 0 && nl <= FORM_MAX_NAME);
		FUZZ_CHECK(q->name[0] != ' ' && q->name[nl - 1] != ' ');
		FUZZ_CHECK(!strpbrk(q->name, "=;") && !strchr(q->value, ';'));
		FUZZ_CHECK(!has_ctl(q->name) && !has_ctl(q->value));
		FUZZ_CHECK(strlen(q->value) == q->value_len);
		FUZZ_CHECK(fuzz_utf8_no_nul(q->name, nl));
		FUZZ_CHECK(fuzz_utf8_no_nul(q->value, q->value_len));
		FUZZ_CHECK(params_get(&p, q->name) != NULL);
		/* A value holding '"' was unquoted and cannot start or end with
		 * space or '"', so it goes back as it was; others get quotes. */
		if (strchr(q->value, '"'))
			buf_printf(&b, "%s=%s; ", q->name, q->value);
		else
			buf_printf(&b, "%s=\"%s\"; ", q->name, q->value);
	}
	FUZZ_CHECK(cookie_parse(buf_cstr(&b), &again) == 0);
	FUZZ_CHECK(again.n == p.n);
	for (size_t i = 0; i < p.n; i++) {
		FUZZ_CHECK(strcmp(again.v[i].name, p.v[i].name) == 0);
		FUZZ_CHECK(strcmp(again.v[i].value, p.v[i].value) == 0);
	}
	params_free(&again);
	params_free(&p);
	buf_free(&b);
	free(header);
	return 0;
}
