/*
 * fuzz_mustache.c - fuzz harness for the Mustache engine (tpl_render_string).
 *
 * The input up to its first NUL is a template; what follows is JSON data
 * (an object with a few fixed values when it does not parse).  Rendering
 * must succeed or fail with a message, and a failure must leave the output
 * as it was.  Then the input's bytes, as a string value, are rendered
 * through {{v}} and {{#l}}{{.}}{{/l}}: the output must hold none of the
 * characters HTML escaping removes (< > " ' &amp; only as entities).
 */
#include "fuzz.h"
#include "web/mustache.h"
#include "core/util.h"

#include <jansson.h>
#include <string.h>

/* 1 when s holds '<', '>', '"' or '\'' (escaped output never does). */
static int has_raw_markup(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '<' || s[i] == '>' || s[i] == '"' || s[i] == '\'')
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nul = memchr(data, 0, size);
	size_t tlen = nul ? (size_t)(nul - (const char *)data) : size;
	char *src = xstrndup((const char *)data, tlen);
	json_t *root = NULL;
	if (nul)
		root = json_loadb(nul + 1, size - tlen - 1, JSON_DECODE_ANY, NULL);
	if (!root)
		root = json_pack("{s:s,s:i,s:b,s:[s,s],s:{s:s}}", "name", "<b>Ada</b>", "n", 3, "yes", 1, "list", "a",
				 "b", "obj", "k", "v & w");
	Buf out = {0};
	buf_puts(&out, "prefix");
	char *err = NULL;
	int r = tpl_render_string(NULL, src, root, &out, &err);
	if (r != 0) {
		FUZZ_CHECK(r == -1 && err && *err);
		FUZZ_CHECK(out.len == 6 && memcmp(out.s, "prefix", 6) == 0);
		free(err);
	} else {
		FUZZ_CHECK(err == NULL);
		FUZZ_CHECK(out.len >= 6);
	}
	buf_free(&out);
	json_decref(root);
	free(src);

	/* escaping: any bytes as a value (jansson wants UTF-8 without NUL) */
	if (fuzz_utf8_no_nul((const char *)data, size)) {
		json_t *v = json_pack("{s:s%,s:[s%]}", "v", (const char *)data, size, "l", (const char *)data, size);
		Buf e = {0};
		err = NULL;
		FUZZ_CHECK(v != NULL);
		FUZZ_CHECK(tpl_render_string(NULL, "[{{v}}|{{#l}}{{.}}{{/l}}|{{v.x}}]", v, &e, &err) == 0);
		FUZZ_CHECK(!has_raw_markup(e.s, e.len));
		buf_free(&e);
		json_decref(v);
	}
	return 0;
}
