/*
 * test_multipart.c - unit tests for lib/web/multipart.c: boundary extraction,
 * well-formed bodies as browsers and curl send them, each malformed class
 * the parser must refuse, and the upload filename cleaner.
 */
#include "web/multipart.h"
#include "tap.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

#define CRLF "\r\n"

/* Boundary of a Content-Type value, or NULL when refused (static buffer). */
static const char *bnd(const char *ct)
{
	static char out[MULTIPART_MAX_BOUNDARY + 1];
	return multipart_boundary(ct, out, sizeof out) == 0 ? out : NULL;
}

/* Parse a NUL-terminated body with boundary "XyZ" and at most 10 parts;
 * returns the result and frees the parts (for tests that only want rc). */
static int rc_of(const char *body)
{
	MultipartPart *parts = (MultipartPart *)1;
	size_t n = 99;
	int rc = multipart_parse(body, strlen(body), "XyZ", &parts, &n, 10);
	if (rc < 0 && (parts != NULL || n != 0))
		return -2; /* the contract says empty output on failure */
	multipart_free(parts, n);
	return rc;
}

/* Safe name of raw, compared and freed. */
static int safe_is(const char *raw, const char *want)
{
	char *got = multipart_safe_filename(raw);
	int same = strcmp(got, want) == 0;
	if (!same)
		printf("#   safe name of '%s': got '%s', want '%s'\n", raw ? raw : "(null)", got, want);
	free(got);
	return same;
}

static void test_boundary(void)
{
	char small[4];
	Buf b = {0};

	is_str(bnd("multipart/form-data; boundary=abc"), "abc", "plain boundary");
	is_str(bnd("Multipart/Form-Data;BOUNDARY=abc"), "abc", "case-insensitive");
	is_str(bnd("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"),
	       "----WebKitFormBoundary7MA4YWxkTrZu0gW", "WebKit boundary");
	is_str(bnd("multipart/form-data; boundary=\"a:b c?\""), "a:b c?", "quoted boundary");
	is_str(bnd("multipart/form-data; charset=utf-8; boundary=x1"), "x1", "after charset");
	is_str(bnd("multipart/form-data; boundary=x1 ; charset=\"utf-8\""), "x1", "before charset");
	is_str(bnd("multipart/form-data; boundary=\"q\\\"\""), NULL, "escaped quote is not a bchar");
	is_str(bnd("  multipart/form-data ;boundary=y;"), "y", "spaces and trailing ;");
	ok(!bnd(NULL), "NULL Content-Type refused");
	ok(!bnd("text/plain; boundary=x"), "other type refused");
	ok(strstr(multipart_error(), "multipart/form-data") != NULL, "type error: %s",
	   multipart_error());
	ok(!bnd("multipart/mixed; boundary=x"), "multipart/mixed refused");
	ok(!bnd("multipart/form-dataX; boundary=x"), "type prefix refused");
	ok(!bnd("multipart/form-data"), "missing boundary refused");
	is_str(multipart_error(), "missing boundary", "missing boundary error");
	ok(!bnd("multipart/form-data; charset=utf-8"), "other params only refused");
	ok(!bnd("multipart/form-data; boundary="), "empty boundary refused");
	ok(!bnd("multipart/form-data; boundary=\"\""), "empty quoted boundary refused");
	ok(!bnd("multipart/form-data; boundary=a; boundary=b"), "repeated boundary refused");
	ok(!bnd("multipart/form-data; boundary=a@b"), "non-bchar refused");
	ok(!bnd("multipart/form-data; boundary=\"ab \""), "trailing space refused");
	ok(!bnd("multipart/form-data; boundary=\"a\x01\""), "control char refused");
	ok(!bnd("multipart/form-data; boundary=\"abc"), "unterminated quote refused");
	ok(!bnd("multipart/form-data; boundary"), "parameter without = refused");
	ok(!bnd("multipart/form-data boundary=x"), "missing ; refused");

	buf_puts(&b, "multipart/form-data; boundary=");
	for (int i = 0; i < 70; i++)
		buf_putc(&b, 'b');
	ok(bnd(buf_cstr(&b)) && strlen(bnd(buf_cstr(&b))) == 70, "70-byte boundary accepted");
	buf_putc(&b, 'b');
	ok(!bnd(buf_cstr(&b)), "71-byte boundary refused");
	ok(strstr(multipart_error(), "70") != NULL, "long boundary error: %s", multipart_error());
	buf_free(&b);

	is_int(multipart_boundary("multipart/form-data; boundary=abcd", small, sizeof small),
	       -1, "boundary longer than out refused");
	is_int(multipart_boundary("multipart/form-data; boundary=abc", small, sizeof small), 0,
	       "boundary that just fits");
	is_str(small, "abc", "just-fitting boundary copied");
}

static void test_parse_ok(void)
{
	MultipartPart *p;
	size_t n;
	static const char body[] =
	    "--XyZ" CRLF
	    "Content-Disposition: form-data; name=\"title\"" CRLF
	    CRLF
	    "Quarterly VAT" CRLF
	    "--XyZ" CRLF
	    "Content-Disposition: form-data; name=\"doc\"; filename=\"C:\\Users\\bo\\r\xC3\xA9sum\xC3\xA9.pdf\"" CRLF
	    "Content-Type: application/pdf" CRLF
	    CRLF
	    "%PDF-1.4\0\r\nx--XyZ\r\n-XyZ\n--XyZ\r--XyZ" CRLF
	    "--XyZ" CRLF
	    "content-disposition: FORM-DATA; filename=\"\"; name=empty" CRLF
	    "X-Ignored: yes" CRLF
	    CRLF
	    CRLF
	    "--XyZ--" CRLF;

	is_int(multipart_parse(body, sizeof body - 1, "XyZ", &p, &n, 10), 0, "browser-like body");
	is_str(multipart_error(), "no error", "no error after success");
	is_int(n, 3, "three parts");
	is_str(p[0].name, "title", "text field name");
	ok(p[0].filename == NULL, "text field has no filename");
	is_str(p[0].content_type, "text/plain", "default content type");
	is_int(p[0].len, 13, "text field length");
	ok(memcmp(p[0].data, "Quarterly VAT", 13) == 0, "text field data");
	ok(p[0].data > body && p[0].data < body + sizeof body, "data points into body");
	is_str(p[1].name, "doc", "file field name");
	is_str(p[1].filename, "C:\\Users\\bo\\r\xC3\xA9sum\xC3\xA9.pdf", "filename raw, backslashes kept");
	is_str(p[1].content_type, "application/pdf", "file content type");
	is_int(p[1].len, 35, "binary data length incl. NUL and CRLF");
	ok(memcmp(p[1].data, "%PDF-1.4\0\r\nx--XyZ\r\n-XyZ\n--XyZ\r--XyZ", 35) == 0,
	   "look-alike delimiters stay in data");
	is_str(p[2].name, "empty", "unquoted name, lower-case header");
	is_str(p[2].filename, "", "empty filename kept as empty");
	is_int(p[2].len, 0, "empty part data");
	multipart_free(p, n);

	static const char pre[] =
	    "This is a preamble --XyZ" CRLF
	    "--XyZ  \t" CRLF
	    "Content-Disposition: form-data; name=a" CRLF
	    CRLF
	    "1" CRLF
	    "--XyZ--epilogue\r\n--XyZ\r\ngarbage";
	is_int(multipart_parse(pre, sizeof pre - 1, "XyZ", &p, &n, 10), 0,
	       "preamble, padding and epilogue");
	is_int(n, 1, "one part around preamble and epilogue");
	ok(n == 1 && p[0].len == 1 && p[0].data[0] == '1', "part data after preamble");
	multipart_free(p, n);

	is_int(multipart_parse("--XyZ--", 7, "XyZ", &p, &n, 0), 0, "empty form");
	ok(p == NULL && n == 0, "empty form has no parts");

	is_int(rc_of("--XyZ" CRLF
		     "Content-Disposition: form-data; name=\"a\"; filename*=UTF-8''x" CRLF
		     CRLF "x" CRLF "--XyZ--"), 0, "filename* ignored");
	is_int(rc_of("--XyZ" CRLF
		     "Content-Disposition: form-data; name=\"caf\xC3\xA9\"" CRLF
		     CRLF "x" CRLF "--XyZ--"), 0, "UTF-8 field name");
	is_int(rc_of("--XyZ" CRLF
		     "Content-Disposition: form-data; name=\"a\"" CRLF
		     "Content-Type:" CRLF
		     CRLF "x" CRLF "--XyZ--"), 0, "empty Content-Type value");
}

/* A body with one part whose header section is hdr. */
static char *one_part(const char *hdr)
{
	return xasprintf("--XyZ" CRLF "%s" CRLF CRLF "data" CRLF "--XyZ--" CRLF, hdr);
}

static void test_parse_bad(void)
{
	MultipartPart *p = (MultipartPart *)1;
	size_t n = 5;
	const char *good = "--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF CRLF "v" CRLF "--XyZ--";
	char *s;
	Buf b = {0};

	is_int(multipart_parse(good, strlen(good), NULL, &p, &n, 10), -1, "NULL boundary refused");
	ok(p == NULL && n == 0, "output emptied on failure");
	is_str(multipart_error(), "missing boundary", "missing boundary error");
	for (int i = 0; i < 71; i++)
		buf_putc(&b, 'b');
	is_int(multipart_parse(good, strlen(good), buf_cstr(&b), &p, &n, 10), -1,
	       "71-byte boundary refused");
	buf_free(&b);
	is_int(multipart_parse(good, strlen(good), "", &p, &n, 10), -1, "empty boundary refused");
	is_int(multipart_parse(good, strlen(good), "Xy", &p, &n, 10), -1, "wrong boundary refused");

	is_int(multipart_parse(NULL, 0, "XyZ", &p, &n, 10), -1, "NULL body refused");
	is_int(rc_of(""), -1, "empty body refused");
	is_str(multipart_error(), "no opening boundary", "no opening boundary error");
	is_int(rc_of("just text"), -1, "no delimiter refused");
	s = xasprintf("x--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF CRLF "v" CRLF "--XyZ--");
	is_int(multipart_parse(s, strlen(s), "XyZ", &p, &n, 10), 0,
	       "delimiter not at line start is preamble");
	is_int(n, 0, "so the only delimiter is the closing one");
	free(s);
	is_int(rc_of("--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF CRLF "v"), -1,
	       "missing closing delimiter refused");
	is_str(multipart_error(), "no closing boundary", "no closing boundary error");
	is_int(rc_of("--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF CRLF "v" CRLF "--XyZ"),
	       -1, "body ending after a delimiter refused");
	is_int(rc_of("--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF CRLF "v" CRLF "--XyZ-"),
	       -1, "half a closing delimiter refused");
	is_int(rc_of("--XyZ"), -1, "lone opening delimiter refused");
	is_int(rc_of("--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF),
	       -1, "body ending inside headers refused");
	is_int(rc_of("--XyZx" CRLF "Content-Disposition: form-data; name=a" CRLF CRLF "v" CRLF "--XyZ--"),
	       -1, "garbage after delimiter refused");
	ok(strstr(multipart_error(), "garbage") != NULL, "garbage error: %s", multipart_error());
	is_int(rc_of("--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF CRLF "v" CRLF "--XyZ+" CRLF),
	       -1, "garbage after a later delimiter refused");
	is_int(rc_of("--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF CRLF "v" CRLF "--XyZnot" CRLF
		     "--XyZ--"), -1, "CRLF--boundary inside data refused (RFC 2046 forbids it)");

	/* Bare LF instead of CRLF, everywhere or in one place. */
	is_int(rc_of("--XyZ\nContent-Disposition: form-data; name=a\n\nv\n--XyZ--\n"), -1,
	       "all-LF body refused");
	is_int(rc_of("--XyZ" CRLF "Content-Disposition: form-data; name=a\n" CRLF "v" CRLF "--XyZ--"),
	       -1, "bare LF in headers refused");
	ok(strstr(multipart_error(), "bare LF") != NULL, "bare LF error: %s", multipart_error());
	is_int(rc_of("--XyZ" CRLF "Content-Disposition: form-data; name=a\r" CRLF CRLF "v" CRLF "--XyZ--"),
	       -1, "bare CR in headers refused");
	is_int(rc_of("--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF CRLF "v\n--XyZ--"),
	       -1, "LF-only closing delimiter refused");

	/* Header section limits. */
	buf_puts(&b, "Content-Disposition: form-data; name=a" CRLF "X-Pad: ");
	while (b.len < MULTIPART_MAX_HEADERS - 4) /* + CRLF + blank line */
		buf_putc(&b, 'p');
	s = one_part(buf_cstr(&b));
	is_int(rc_of(s), 0, "headers of exactly 8 KiB accepted");
	free(s);
	buf_putc(&b, 'p');
	s = one_part(buf_cstr(&b));
	is_int(rc_of(s), -1, "headers over 8 KiB refused");
	ok(strstr(multipart_error(), "8192") != NULL, "header size error: %s", multipart_error());
	free(s);
	buf_reset(&b);
	buf_puts(&b, "--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF "X: ");
	for (int i = 0; i < 100000; i++)
		buf_putc(&b, 'h');
	is_int(rc_of(buf_cstr(&b)), -1, "endless header line refused");
	buf_free(&b);

	/* Part count. */
	for (int i = 0; i < 10; i++)
		buf_printf(&b, "--XyZ" CRLF "Content-Disposition: form-data; name=f%d" CRLF CRLF "%d" CRLF, i, i);
	buf_puts(&b, "--XyZ--" CRLF);
	is_int(rc_of(buf_cstr(&b)), 0, "10 parts with max 10 accepted");
	buf_reset(&b);
	for (int i = 0; i < 11; i++)
		buf_printf(&b, "--XyZ" CRLF "Content-Disposition: form-data; name=f%d" CRLF CRLF "%d" CRLF, i, i);
	buf_puts(&b, "--XyZ--" CRLF);
	is_int(rc_of(buf_cstr(&b)), -1, "11 parts with max 10 refused");
	is_str(multipart_error(), "more than 10 parts", "too many parts error");
	is_int(multipart_parse(good, strlen(good), "XyZ", &p, &n, 0), -1, "max_parts 0 refuses a part");
	buf_free(&b);

	/* Content-Disposition and header line problems, one part each. */
	static const struct {
		const char *hdr, *why;
	} bad[] = {
		{"Content-Type: text/plain", "missing Content-Disposition"},
		{"", "no headers at all"},
		{"Content-Disposition: form-data", "no name"},
		{"Content-Disposition: form-data; filename=\"a.txt\"", "filename but no name"},
		{"Content-Disposition: form-data; name=\"\"", "empty name"},
		{"Content-Disposition: form-data; name=", "empty unquoted name"},
		{"Content-Disposition: attachment; name=\"a\"", "not form-data"},
		{"Content-Disposition: form-data; name=\"a\"; name=\"b\"", "repeated name"},
		{"Content-Disposition: form-data; name=a; filename=x; filename=y", "repeated filename"},
		{"Content-Disposition: form-data; name=\"a", "unterminated quote"},
		{"Content-Disposition: form-data; name=a\"b\"", "junk after value"},
		{"Content-Disposition: form-data name=a", "missing ;"},
		{"Content-Disposition: form-data; =a", "empty parameter name"},
		{"Content-Disposition: form-data; name", "parameter without ="},
		{"Content-Disposition: form-data; name=a" CRLF "Content-Disposition: form-data; name=b",
		 "repeated Content-Disposition"},
		{"Content-Disposition: form-data; name=a" CRLF "Content-Type: a/b" CRLF "Content-Type: c/d",
		 "repeated Content-Type"},
		{"Content-Disposition: form-data; name=\"\xC3\x28\"", "invalid UTF-8 name"},
		{"Content-Disposition: form-data; name=\"\xED\xA0\x80\"", "surrogate in name"},
		{"Content-Disposition: form-data; name=\"a\x01\"", "control byte in header"},
		{"Content-Disposition: form-data; name=a" CRLF " continued", "obs-fold"},
		{"Content-Disposition : form-data; name=a", "space before colon"},
		{"Content-Disposition form-data; name=a", "no colon"},
		{": form-data; name=a", "empty header name"},
	};
	s = one_part("Content-Disposition: form-data; name=a");
	is_int(rc_of(s), 0, "the one-part helper makes a valid body");
	free(s);
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		s = one_part(bad[i].hdr);
		is_int(rc_of(s), -1, "refused: %s (%s)", bad[i].why, multipart_error());
		free(s);
	}
	static const char nul_hdr[] = "--XyZ" CRLF "Content-Disposition: form-data; name=\"a\0b\"" CRLF CRLF
				      "v" CRLF "--XyZ--";
	is_int(multipart_parse(nul_hdr, sizeof nul_hdr - 1, "XyZ", &p, &n, 10), -1,
	       "NUL in headers refused");
	static const char late[] = "--XyZ" CRLF "Content-Disposition: form-data; name=a" CRLF CRLF "v" CRLF
				   "--XyZ" CRLF "Content-Disposition: form-data" CRLF CRLF "w" CRLF "--XyZ--";
	is_int(multipart_parse(late, sizeof late - 1, "XyZ", &p, &n, 10), -1,
	       "bad second part refuses the whole body");
	ok(p == NULL && n == 0, "no parts leak out of a late failure");
}

static void test_safe_filename(void)
{
	Buf b = {0};
	char *s;

	ok(safe_is(NULL, "upload"), "NULL -> upload");
	ok(safe_is("", "upload"), "empty -> upload");
	ok(safe_is("report.pdf", "report.pdf"), "plain name kept");
	ok(safe_is("r\xC3\xA9sum\xC3\xA9 final.pdf", "r\xC3\xA9sum\xC3\xA9 final.pdf"), "UTF-8 and spaces kept");
	ok(safe_is("../../etc/passwd", "passwd"), "unix traversal stripped");
	ok(safe_is("..\\..\\windows\\win.ini", "win.ini"), "windows traversal stripped");
	ok(safe_is("C:\\Users\\bob\\cv.pdf", "cv.pdf"), "windows path stripped");
	ok(safe_is("a/b\\c/d.txt", "d.txt"), "mixed separators");
	ok(safe_is("dir/", "upload"), "trailing slash -> upload");
	ok(safe_is(".", "upload"), ". -> upload");
	ok(safe_is("..", "upload"), ".. -> upload");
	ok(safe_is("...", "upload"), "... -> upload");
	ok(safe_is("foo/..", "upload"), "foo/.. -> upload");
	ok(safe_is(".bashrc", "bashrc"), "leading dot dropped");
	ok(safe_is(" . .hidden", "hidden"), "leading dots and spaces dropped");
	ok(safe_is("a.txt. . ", "a.txt"), "trailing dots and spaces dropped");
	ok(safe_is("a\x01" "b\x7f\t.txt", "ab.txt"), "C0 controls and DEL dropped");
	ok(safe_is("a\r\nb.txt", "ab.txt"), "CR LF dropped");
	ok(safe_is("a\xC2\x85" "b.txt", "ab.txt"), "C1 control dropped");
	ok(safe_is("invoice\xE2\x80\xAE" "fdp.exe", "invoicefdp.exe"), "RTL override dropped");
	ok(safe_is("\xFF\xFE" "a\xC3.txt", "a.txt"), "invalid UTF-8 bytes dropped");
	ok(safe_is("\xC0\xAF" "x", "x"), "overlong slash dropped");
	ok(safe_is("\x01\x02", "upload"), "only controls -> upload");
	ok(safe_is("\xE2\x80\xAE", "upload"), "only an override -> upload");

	for (int i = 0; i < 300; i++)
		buf_putc(&b, 'a');
	buf_puts(&b, ".pdf");
	s = multipart_safe_filename(buf_cstr(&b));
	is_int(strlen(s), 200, "long name cut to 200 bytes");
	ok(strlen(s) >= 4 && strcmp(s + strlen(s) - 4, ".pdf") == 0, "extension kept");
	free(s);
	buf_reset(&b);
	for (int i = 0; i < 300; i++)
		buf_putc(&b, 'a');
	s = multipart_safe_filename(buf_cstr(&b));
	is_int(strlen(s), 200, "long name without extension cut to 200");
	free(s);
	buf_reset(&b);
	buf_putc(&b, 'x');
	for (int i = 0; i < 150; i++)
		buf_puts(&b, "\xC3\xA9");
	s = multipart_safe_filename(buf_cstr(&b));
	ok(strlen(s) <= 200 && strlen(s) >= 197, "UTF-8 name cut near 200 (%zu)", strlen(s));
	ok(((unsigned char)s[strlen(s) - 1] & 0xC0) == 0x80 && (unsigned char)s[strlen(s) - 2] == 0xC3,
	   "cut on a character boundary");
	free(s);
	buf_reset(&b);
	for (int i = 0; i < 250; i++)
		buf_puts(&b, "\xE6\x97\xA5");
	buf_puts(&b, ".tar.gz");
	s = multipart_safe_filename(buf_cstr(&b));
	ok(strlen(s) <= 200, "CJK name within 200 bytes (%zu)", strlen(s));
	ok(strcmp(s + strlen(s) - 3, ".gz") == 0, "CJK name keeps extension");
	ok((strlen(s) - 3) % 3 == 0, "CJK stem cut on a character boundary");
	free(s);
	buf_free(&b);
}

int main(void)
{
	test_boundary();
	test_parse_ok();
	test_parse_bad();
	test_safe_filename();
	return done_testing();
}
