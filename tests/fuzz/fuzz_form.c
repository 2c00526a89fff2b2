/*
 * fuzz_form.c - fuzz harness for form_parse (query strings and urlencoded
 * bodies).
 *
 * Besides surviving any input under ASan/UBSan, a successful parse must give
 * at most FORM_MAX_PARAMS pairs with non-empty names of at most
 * FORM_MAX_NAME bytes, valid UTF-8 without NUL everywhere, correct
 * value_len, and must survive a round trip: re-encoding the pairs and
 * parsing again gives the same list.  A failure must leave the output empty
 * and give a reason.
 */
#include "web/form.h"
#include "fuzz.h"
#include "core/util.h"

#include <string.h>

/* Checks every pair of p, and re-encodes them into b. */
static void check_params(const Params *p, Buf *b)
{
	FUZZ_CHECK(p->n <= FORM_MAX_PARAMS);
	FUZZ_CHECK(p->n <= p->cap);
	for (size_t i = 0; i < p->n; i++) {
		const Param *q = &p->v[i];
		size_t nl = strlen(q->name);
		FUZZ_CHECK(nl > 0 && nl <= FORM_MAX_NAME);
		FUZZ_CHECK(strlen(q->value) == q->value_len);
		FUZZ_CHECK(fuzz_utf8_no_nul(q->name, nl));
		FUZZ_CHECK(fuzz_utf8_no_nul(q->value, q->value_len));
		FUZZ_CHECK(params_get(p, q->name) != NULL);
		FUZZ_CHECK(params_count(p, q->name) >= 1);
		if (i)
			buf_putc(b, '&');
		buf_url_escape(b, q->name);
		buf_putc(b, '=');
		buf_url_escape(b, q->value);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Params p, again;
	Buf b = {0};

	if (form_parse((const char *)data, size, &p) != 0) {
		FUZZ_CHECK(p.n == 0 && p.v == NULL);
		FUZZ_CHECK(strcmp(form_error(), "no error") != 0);
		return 0;
	}
	FUZZ_CHECK(memchr(data, 0, size) == NULL);
	check_params(&p, &b);
	FUZZ_CHECK(form_parse(buf_cstr(&b), b.len, &again) == 0);
	FUZZ_CHECK(again.n == p.n);
	for (size_t i = 0; i < p.n; i++) {
		FUZZ_CHECK(strcmp(again.v[i].name, p.v[i].name) == 0);
		FUZZ_CHECK(again.v[i].value_len == p.v[i].value_len);
		FUZZ_CHECK(memcmp(again.v[i].value, p.v[i].value, p.v[i].value_len) == 0);
	}
	params_free(&again);
	params_free(&p);
	buf_free(&b);
	return 0;
}
