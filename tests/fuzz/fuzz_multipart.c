/*
 * fuzz_multipart.c - fuzz harness for multipart_boundary, multipart_parse
 * and multipart_safe_filename.
 *
 * Input layout: the first line (up to '\n') is a Content-Type value, the
 * rest is the body.  When the Content-Type yields no boundary the body is
 * parsed with the boundary "X", so mutations of the body alone still reach
 * the parser.  A successful parse must give at most the allowed number of
 * parts, in order, not overlapping, inside the body, with a non-empty UTF-8
 * name, a content type, no delimiter inside any data, and a safe name for
 * every filename.  A failure must leave no parts behind.
 */
#include "web/multipart.h"
#include "fuzz.h"
#include "core/util.h"

#include <string.h>

#define FUZZ_MAX_PARTS 64

/* 1 when needle[0..nl) occurs in hay[0..hl). */
static int contains(const char *hay, size_t hl, const char *needle, size_t nl)
{
	for (size_t i = 0; nl <= hl && i <= hl - nl; i++)
		if (memcmp(hay + i, needle, nl) == 0)
			return 1;
	return 0;
}

/* Checks what multipart_safe_filename promises for raw. */
static void check_safe_name(const char *raw)
{
	char *s = multipart_safe_filename(raw);
	size_t n = strlen(s);

	FUZZ_CHECK(n > 0 && n <= MULTIPART_MAX_FILENAME);
	FUZZ_CHECK(strcmp(s, ".") != 0 && strcmp(s, "..") != 0);
	FUZZ_CHECK(s[0] != '.' && s[0] != ' ' && s[n - 1] != '.' && s[n - 1] != ' ');
	FUZZ_CHECK(!strpbrk(s, "/\\"));
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7F);
	FUZZ_CHECK(fuzz_utf8_no_nul(s, n));
	free(s);
}

/* Checks a boundary that multipart_boundary accepted. */
static void check_boundary(const char *b)
{
	size_t n = strlen(b);
	FUZZ_CHECK(n >= 1 && n <= MULTIPART_MAX_BOUNDARY && b[n - 1] != ' ');
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(strchr("0123456789abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ", b[i]) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	size_t ctlen = nl ? (size_t)(nl - in) : 0;
	const char *body = nl ? nl + 1 : in;
	size_t blen = size - (size_t)(body - in);
	char *ct = xstrndup(in, ctlen);
	char boundary[MULTIPART_MAX_BOUNDARY + 1];
	MultipartPart *parts;
	size_t n;

	check_safe_name(ct);
	if (multipart_boundary(ct, boundary, sizeof boundary) == 0) {
		check_boundary(boundary);
	} else {
		FUZZ_CHECK(strcmp(multipart_error(), "no error") != 0);
		memcpy(boundary, "X", 2);
	}
	free(ct);

	if (multipart_parse(body, blen, boundary, &parts, &n, FUZZ_MAX_PARTS) != 0) {
		FUZZ_CHECK(parts == NULL && n == 0);
		FUZZ_CHECK(strcmp(multipart_error(), "no error") != 0);
		return 0;
	}
	FUZZ_CHECK(n <= FUZZ_MAX_PARTS && (n == 0) == (parts == NULL));

	char delim[MULTIPART_MAX_BOUNDARY + 5] = "\r\n--";
	size_t dlen = 4 + strlen(boundary);
	const char *prev_end = body;
	memcpy(delim + 4, boundary, strlen(boundary));

	for (size_t i = 0; i < n; i++) {
		const MultipartPart *p = &parts[i];
		FUZZ_CHECK(p->name && p->name[0] != '\0');
		FUZZ_CHECK(fuzz_utf8_no_nul(p->name, strlen(p->name)));
		FUZZ_CHECK(p->content_type != NULL);
		FUZZ_CHECK(!p->filename || !strpbrk(p->filename, "\r\n"));
		FUZZ_CHECK(p->data >= prev_end && p->len <= blen);
		FUZZ_CHECK(p->data + p->len <= body + blen);
		FUZZ_CHECK(!contains(p->data, p->len, delim, dlen));
		prev_end = p->data + p->len;
		check_safe_name(p->filename);
	}
	multipart_free(parts, n);
	return 0;
}
