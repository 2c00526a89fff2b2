/*
 * fuzz_github_sig.c - fuzz harness for the GitHub webhook's signature check
 * (github_signature, github_signature_valid), which runs on every delivery
 * before its JSON is parsed.
 *
 * Input: an X-Hub-Signature-256 header value, NUL, the body.  The fuzzed
 * header verifies only when it is exactly the body's signature; the
 * computed signature always verifies; one changed hex digit never does.
 */
#include "fuzz.h"
#include "providers/github.h"
#include "core/util.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char secret[] = "fuzz-secret";
	const char *nul = memchr(data, 0, size);
	size_t hlen = nul ? (size_t)(nul - (const char *)data) : size;
	char *header = xstrndup((const char *)data, hlen);
	const char *body = nul ? nul + 1 : "";
	size_t blen = nul ? size - hlen - 1 : 0;
	char good[72];

	github_signature(secret, body, blen, good);
	FUZZ_CHECK(strncmp(good, "sha256=", 7) == 0 && strlen(good) == 71);
	FUZZ_CHECK(github_signature_valid(secret, body, blen, good) == 1);
	int v = github_signature_valid(secret, body, blen, header);
	FUZZ_CHECK(v == 0 || v == 1);
	if (v == 1)
		FUZZ_CHECK(strlen(header) >= 71);
	good[7] = good[7] == '0' ? '1' : '0';
	FUZZ_CHECK(github_signature_valid(secret, body, blen, good) == 0);
	FUZZ_CHECK(github_signature_valid(secret, body, blen, NULL) == 0);
	FUZZ_CHECK(github_signature_valid("", body, blen, header) == 0);
	free(header);
	return 0;
}
