/*
 * fuzz_twilio_sig.c - fuzz harness for Twilio signature URL handling
 * (twilio_url_variants, twilio_signature, twilio_signature_valid,
 * twilio_signature_valid_json).
 *
 * Input: URL NUL TOKEN NUL urlencoded-params (missing parts are empty).
 * For any URL, a signature made over either port variant must verify, a
 * signature with one character changed must not, an empty signature or
 * token never verifies, and the JSON form must refuse a URL whose
 * bodySHA256 does not match the body.
 */
#include "web/form.h"
#include "fuzz.h"
#include "providers/twilio.h"
#include "core/util.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	const char *part[3] = {"", "", ""};
	size_t plen[3] = {0, 0, 0};
	for (int i = 0; i < 3 && p <= end; i++) {
		const char *z = i < 2 ? memchr(p, 0, (size_t)(end - p)) : NULL;
		part[i] = p;
		plen[i] = z ? (size_t)(z - p) : (size_t)(end - p);
		p += plen[i] + 1;
		if (!z)
			break;
	}
	char *url = xstrndup(part[0], plen[0]), *token = xstrndup(part[1], plen[1]);
	Params form;
	TwParam *tp = NULL;
	size_t n = 0;
	if (form_parse(part[2], plen[2], &form) == 0) {
		tp = xcalloc(form.n ? form.n : 1, sizeof *tp);
		for (size_t i = 0; i < form.n; i++)
			tp[i].name = form.v[i].name, tp[i].value = form.v[i].value, n++;
	}
	char *without = NULL, *with = NULL;
	twilio_url_variants(url, &without, &with);
	FUZZ_CHECK(without && with);
	const char *variants[2] = {without, with};
	for (int v = 0; v < 2; v++) {
		char *sig = twilio_signature(token, variants[v], tp, n);
		FUZZ_CHECK(sig && strlen(sig) == 28);
		Buf tried = {0};
		int ok = twilio_signature_valid(token, url, tp, n, sig, &tried);
		FUZZ_CHECK(ok == (*token ? 1 : 0));
		sig[0] = sig[0] == 'A' ? 'B' : 'A';
		FUZZ_CHECK(twilio_signature_valid(token, url, tp, n, sig, NULL) == 0);
		buf_free(&tried);
		free(sig);
	}
	FUZZ_CHECK(twilio_signature_valid(token, url, tp, n, "", NULL) == 0);
	FUZZ_CHECK(twilio_signature_valid(token, url, tp, n, NULL, NULL) == 0);
	/* JSON: the body is the params part; the URL's bodySHA256 must match */
	char *sig = twilio_signature(token, url, NULL, 0);
	int j = twilio_signature_valid_json(token, url, part[2], plen[2], sig, NULL);
	FUZZ_CHECK(j == 0 || j == 1);
	if (j == 1)
		FUZZ_CHECK(strstr(url, "bodySHA256=") != NULL && *token);
	free(sig);
	free(without);
	free(with);
	free(tp);
	if (n || form.v)
		params_free(&form);
	free(url);
	free(token);
	return 0;
}
