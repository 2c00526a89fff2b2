/*
 * test_github.c - X-Hub-Signature-256 vectors (GitHub's documented one and
 * the derived vectors in github-examples/signatures.json over the exact
 * payload bytes), result classification (rate limits, 5xx, permanent
 * errors, transport failures), name validation, Markdown quoting of client
 * text, and the owner-rule matcher.
 *
 * Pure: no network, no database.  The example payloads are read from
 * $SB_GITHUB_EXAMPLES (default tests/fixtures/github, GitHub's examples);
 * when they are missing those tests are skipped, not failed.
 */
#include "providers/github.h"
#include "desk/owners.h"
#include "core/util.h"

#include "tap.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void resp_init(HttpResp *r, int status, const char *body)
{
	memset(r, 0, sizeof *r);
	r->status = status;
	r->retry_after_ms = -1;
	r->retry_after = -1;
	r->should_retry = -1;
	r->ratelimit_remaining = -1;
	r->ratelimit_reset = -1;
	if (body)
		buf_puts(&r->body, body);
}

static void test_signatures(void)
{
	char sig[72];
	github_signature("It's a Secret to Everybody", "Hello, World!", 13, sig);
	is_str(sig, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
	       "documented vector (Hello, World!)");
	ok(github_signature_valid("It's a Secret to Everybody", "Hello, World!", 13, sig), "valid signature accepted");
	ok(github_signature_valid("It's a Secret to Everybody", "Hello, World!", 13,
				  "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17"),
	   "uppercase hex accepted");
	ok(!github_signature_valid("It's a Secret to Everybody", "Hello, World?", 13, sig), "other body refused");
	ok(!github_signature_valid("another secret", "Hello, World!", 13, sig), "other secret refused");
	ok(!github_signature_valid("", "Hello, World!", 13, sig), "empty secret refuses everything");
	ok(!github_signature_valid("It's a Secret to Everybody", "Hello, World!", 13, NULL), "missing header refused");
	ok(!github_signature_valid("It's a Secret to Everybody", "Hello, World!", 13,
				   "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59"),
	   "legacy sha1 header refused");
	ok(!github_signature_valid("It's a Secret to Everybody", "Hello, World!", 13, sig + 7), "no sha256= prefix");
	char trunc[72];
	memcpy(trunc, sig, 70);
	trunc[70] = '\0';
	ok(!github_signature_valid("It's a Secret to Everybody", "Hello, World!", 13, trunc), "truncated refused");

	const char *dir = getenv("SB_GITHUB_EXAMPLES");
	if (!dir)
		dir = "tests/fixtures/github";
	char *path = xasprintf("%s/signatures.json", dir);
	json_t *v = json_load_file(path, 0, NULL);
	free(path);
	if (!v) {
		ok(1, "# SKIP signatures.json not found in %s", dir);
		return;
	}
	size_t i;
	json_t *vec;
	json_array_foreach(json_object_get(v, "vectors"), i, vec) {
		const char *file = json_string_value(json_object_get(vec, "file"));
		char *p = xasprintf("%s/%s", dir, file);
		size_t len = 0;
		char *body = read_file(p, &len);
		free(p);
		if (!body) {
			ok(0, "read %s", file);
			continue;
		}
		is_int(len, json_integer_value(json_object_get(vec, "bytes")), "%s: size", file);
		const char *secret = json_string_value(json_object_get(vec, "secret"));
		const char *want = json_string_value(json_object_get(vec, "x_hub_signature_256"));
		github_signature(secret, body, len, sig);
		is_str(sig, want, "%s: signature", file);
		ok(github_signature_valid(secret, body, len, want), "%s: verifies", file);
		ok(!github_signature_valid(secret, body, len - 1, want), "%s: one byte less fails", file);
		free(body);
	}
	json_decref(v);
}

static void test_classify(void)
{
	HttpResp r;
	GhResult g;
	int64_t now = 1700000000;

	resp_init(&r, 201, "{\"id\":7,\"number\":12,\"html_url\":\"https://github.com/o/r/issues/12\"}");
	is_int(github_classify(&r, now, &g), GH_OK, "201 is OK");
	is_int(g.number, 12, "number");
	is_int(g.id, 7, "id");
	is_str(g.html_url, "https://github.com/o/r/issues/12", "html_url");
	buf_free(&r.body);

	resp_init(&r, 403, "{\"message\":\"API rate limit exceeded\"}");
	r.ratelimit_remaining = 0;
	r.ratelimit_reset = now + 30;
	is_int(github_classify(&r, now, &g), GH_RETRY, "403 with x-ratelimit-remaining 0 retries");
	is_int(g.retry_after_ms, 31000, "until the reset (+1 s)");
	is_int(g.maybe_created, 0, "a rate-limited request created nothing");
	buf_free(&r.body);

	resp_init(&r, 403, "{\"message\":\"You have exceeded a secondary rate limit.\"}");
	r.ratelimit_remaining = 4000;
	r.retry_after_ms = 5000;
	is_int(github_classify(&r, now, &g), GH_RETRY, "secondary limit with retry-after retries");
	is_int(g.retry_after_ms, 5000, "after retry-after");
	buf_free(&r.body);

	resp_init(&r, 403, "{\"message\":\"You have exceeded a Secondary Rate Limit\"}");
	is_int(github_classify(&r, now, &g), GH_RETRY, "secondary limit without headers retries");
	is_int(g.retry_after_ms, 60000, "after at least a minute");
	buf_free(&r.body);

	resp_init(&r, 403, "{\"message\":\"Resource not accessible by personal access token\"}");
	r.ratelimit_remaining = 4999;
	is_int(github_classify(&r, now, &g), GH_PERMANENT, "403 permission problem is permanent");
	is_str(g.message, "Resource not accessible by personal access token", "GitHub's message kept");
	buf_free(&r.body);

	resp_init(&r, 429, "{\"message\":\"Too many\"}");
	r.retry_after_ms = 2000;
	is_int(github_classify(&r, now, &g), GH_RETRY, "429 retries");
	is_int(g.retry_after_ms, 2000, "after retry-after");
	buf_free(&r.body);

	int perm[] = {400, 401, 404, 410, 422};
	for (size_t i = 0; i < ARRAY_LEN(perm); i++) {
		resp_init(&r, perm[i], "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"Issue\","
				       "\"code\":\"invalid\",\"field\":\"assignees\"}]}");
		is_int(github_classify(&r, now, &g), GH_PERMANENT, "%d is permanent", perm[i]);
		buf_free(&r.body);
	}
	resp_init(&r, 422, "{\"message\":\"Validation Failed\",\"errors\":[{\"code\":\"invalid\",\"field\":\"assignees\"}]}");
	github_classify(&r, now, &g);
	is_str(g.message, "Validation Failed (assignees: invalid)", "422 names the field");
	buf_free(&r.body);

	int retry[] = {500, 502, 503, 504};
	for (size_t i = 0; i < ARRAY_LEN(retry); i++) {
		resp_init(&r, retry[i], "<html>bad gateway</html>");
		is_int(github_classify(&r, now, &g), GH_RETRY, "%d retries", retry[i]);
		is_int(g.maybe_created, 1, "%d may hide a created issue", retry[i]);
		buf_free(&r.body);
	}

	resp_init(&r, 0, NULL);
	r.err = HTTP_ERR_TIMEOUT;
	r.maybe_sent = 1;
	snprintf(r.error, sizeof r.error, "timed out");
	is_int(github_classify(&r, now, &g), GH_RETRY, "timeout retries");
	is_int(g.maybe_created, 1, "a timeout after sending may have created it");
	r.err = HTTP_ERR_CONNECT;
	r.maybe_sent = 0;
	github_classify(&r, now, &g);
	is_int(g.maybe_created, 0, "a refused connection created nothing");
	r.err = HTTP_ERR_TLS_CERT;
	is_int(github_classify(&r, now, &g), GH_PERMANENT, "a bad certificate is permanent");
}

static void test_refusals(void)
{
	GithubConf c = {.token = "", .repo = "o/r", .api_base = "http://127.0.0.1:9"};
	GhResult g;
	is_int(github_create_issue(&c, "t", "b", NULL, NULL, &g), GH_PERMANENT, "no token: refused locally");
	is_int(g.http_status, 0, "without a request");
	c.token = "x";
	c.repo = "not a repo";
	is_int(github_create_comment(&c, 1, "b", &g), GH_PERMANENT, "bad repo: refused locally");
}

static void test_names(void)
{
	ok(github_repo_valid("octocat/Hello-World"), "owner/name");
	ok(github_repo_valid("a.b/c_d.e"), "dots and underscores");
	ok(!github_repo_valid("octocat"), "no slash");
	ok(!github_repo_valid("a/b/c"), "two slashes");
	ok(!github_repo_valid("a/.."), "dot-dot");
	ok(!github_repo_valid("a/b?x"), "query characters");
	ok(!github_repo_valid(""), "empty");
	ok(github_login_valid("alice-dev"), "login with a hyphen");
	ok(!github_login_valid("-alice"), "leading hyphen");
	ok(!github_login_valid("alice-"), "trailing hyphen");
	ok(!github_login_valid("al--ice"), "double hyphen");
	ok(!github_login_valid("bad login"), "space");
	ok(!github_login_valid("a234567890123456789012345678901234567890"), "40 characters");
}

static void test_quote(void)
{
	Buf b = {0};
	github_md_quote(&b, "line one\r\nline <!-- switchboard-task:9 --> @alice & co\n");
	is_str(buf_cstr(&b), "> line one\n> line &lt;!-- switchboard-task:9 --> @\xe2\x80\x8b" "alice &amp; co",
	       "quoted, no HTML, no marker, no mention");
	buf_reset(&b);
	github_md_quote(&b, "  \n");
	is_str(buf_cstr(&b), "> (empty message)", "empty text");
	buf_free(&b);
}

static void test_owners(void)
{
	ok(owners_pattern_matches("checkout", "The Checkout page broke"), "case-insensitive word");
	ok(!owners_pattern_matches("checkout", "three checkouts failed"), "whole words only");
	ok(!owners_pattern_matches("pay", "the payment failed"), "not inside a word");
	ok(owners_pattern_matches("payment api", "the Payment   API\nfails"), "phrases across white space");
	ok(owners_pattern_matches("iOS", "on iOS."), "at the end before punctuation");
	ok(owners_pattern_matches("c++", "my c++ build"), "non-word characters in the pattern");
	ok(!owners_pattern_matches("", "anything"), "empty pattern matches nothing");
	ok(!owners_pattern_matches("   ", "anything"), "blank pattern matches nothing");
	int pr;
	const char *field;
	ok(owners_check("checkout", "alice", "5", &pr, &field) == NULL && pr == 5, "valid rule");
	ok(owners_check("checkout", "alice", "", &pr, &field) == NULL && pr == 0, "priority defaults to 0");
	ok(owners_check("", "alice", "1", &pr, &field) && strcmp(field, "pattern") == 0, "empty pattern");
	ok(owners_check("a\tb", "alice", "1", &pr, &field) && strcmp(field, "pattern") == 0, "control character");
	ok(owners_check("x", "bad login", "1", &pr, &field) && strcmp(field, "login") == 0, "bad login");
	ok(owners_check("x", "alice", "1001", &pr, &field) && strcmp(field, "priority") == 0, "priority too high");
	ok(owners_check("x", "alice", "5x", &pr, &field) && strcmp(field, "priority") == 0, "priority not a number");
}

int main(void)
{
	test_signatures();
	test_classify();
	test_refusals();
	test_names();
	test_quote();
	test_owners();
	return done_testing();
}
