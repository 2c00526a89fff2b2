/*
 * test_form.c - unit tests for the urlencoded form and Cookie parsers
 * (lib/web/form.c): ordinary inputs, Twilio-shaped bodies, and every class of
 * malformed input the parsers promise to reject.
 */
#include "web/form.h"
#include "tap.h"
#include "core/util.h"

#include <stdlib.h>
#include <string.h>

/* Parse a NUL-terminated query; returns the parser's result. */
static int fp(const char *s, Params *out)
{
	return form_parse(s, strlen(s), out);
}

/* 1 when s must be rejected as a form and leaves the output empty. */
static int form_rejects(const char *s)
{
	Params p;
	int rc = fp(s, &p);
	int empty = p.n == 0 && p.v == NULL;
	params_free(&p);
	return rc == -1 && empty;
}

static int form_accepts(const char *s)
{
	Params p;
	int rc = fp(s, &p);
	params_free(&p);
	return rc == 0;
}

static int cookie_rejects(const char *s)
{
	Params p;
	int rc = cookie_parse(s, &p);
	int empty = p.n == 0 && p.v == NULL;
	params_free(&p);
	return rc == -1 && empty;
}

static void test_form_basic(void)
{
	Params p;

	is_int(form_parse(NULL, 0, &p), 0, "NULL empty input is valid");
	is_int(p.n, 0, "no params from empty input");
	params_free(&p);
	is_int(fp("", &p), 0, "empty string is valid");
	params_free(&p);

	is_int(fp("a=1&b=2", &p), 0, "simple pairs parse");
	is_int(p.n, 2, "two params");
	is_str(p.v[0].name, "a", "first name");
	is_str(p.v[0].value, "1", "first value");
	is_str(p.v[1].name, "b", "second name");
	is_str(params_get(&p, "b"), "2", "params_get b");
	ok(params_get(&p, "c") == NULL, "params_get missing is NULL");
	ok(params_get(&p, NULL) == NULL, "params_get NULL name is NULL");
	is_int(params_count(&p, "c"), 0, "params_count missing is 0");
	is_str(form_error(), "no error", "form_error after success");
	params_free(&p);
	params_free(&p);
	ok(p.v == NULL && p.n == 0, "params_free twice leaves it empty");

	is_int(fp("a", &p), 0, "bare name parses");
	is_int(p.n, 1, "bare name is one param");
	is_str(p.v[0].name, "a", "bare name");
	is_str(p.v[0].value, "", "bare name has empty value");
	is_int(p.v[0].value_len, 0, "bare name value_len 0");
	params_free(&p);

	is_int(fp("a=", &p), 0, "a= parses");
	is_str(params_get(&p, "a"), "", "a= has empty value");
	params_free(&p);

	is_int(fp("a=1&&b=2", &p), 0, "empty pair skipped");
	is_int(p.n, 2, "a=1&&b=2 has two params");
	params_free(&p);
	is_int(fp("&a=1&", &p), 0, "leading and trailing & skipped");
	is_int(p.n, 1, "&a=1& has one param");
	params_free(&p);
	is_int(fp("&&&", &p), 0, "only separators is valid");
	is_int(p.n, 0, "&&& has no params");
	params_free(&p);

	is_int(fp("a=b=c", &p), 0, "second = belongs to the value");
	is_str(params_get(&p, "a"), "b=c", "value keeps =");
	params_free(&p);

	is_int(fp("+=+&x+y=1+2", &p), 0, "plus signs decode");
	is_str(p.v[0].name, " ", "+ in name is space");
	is_str(p.v[0].value, " ", "+ in value is space");
	is_str(params_get(&p, "x y"), "1 2", "plus between words");
	params_free(&p);

	is_int(fp("%41%62=%7e%7E&k=%2B%26%3D%25", &p), 0, "escapes decode, any hex case");
	is_str(params_get(&p, "Ab"), "~~", "%%41%%62 and %%7e%%7E");
	is_str(params_get(&p, "k"), "+&=%", "escaped separators stay literal");
	params_free(&p);

	is_int(fp("a=1&a=2&b=x&a=3", &p), 0, "duplicates parse");
	is_int(params_count(&p, "a"), 3, "duplicates kept");
	is_str(params_get(&p, "a"), "1", "params_get gives the first");
	is_str(p.v[1].value, "2", "duplicate order kept (2)");
	is_str(p.v[3].value, "3", "duplicate order kept (3)");
	params_free(&p);

	is_int(form_parse("a=1&b=2", 3, &p), 0, "length bounds the input");
	is_int(p.n, 1, "only the pair inside len");
	is_str(params_get(&p, "a"), "1", "bounded value");
	params_free(&p);
}

static void test_form_twilio(void)
{
	Params p;
	const char *body =
	    "ToCountry=US&ToState=CA&SmsMessageSid=SM0123456789abcdef0123456789abcdef"
	    "&NumMedia=0&To=%2B14155550100&From=%2B14155550199"
	    "&Body=Hello+there+%F0%9F%91%8B&MessageSid=SM0123456789abcdef0123456789abcdef"
	    "&AccountSid=AC00000000000000000000000000000000&ApiVersion=2010-04-01";

	is_int(fp(body, &p), 0, "Twilio-like body parses");
	is_int(p.n, 10, "ten Twilio params");
	is_str(params_get(&p, "To"), "+14155550100", "%%2B decodes to +");
	is_str(params_get(&p, "From"), "+14155550199", "From number");
	is_str(params_get(&p, "Body"), "Hello there \xF0\x9F\x91\x8B", "emoji and spaces");
	is_int(p.v[6].value_len, 16, "value_len counts bytes");
	is_str(p.v[0].name, "ToCountry", "order kept for signature");
	is_str(p.v[9].name, "ApiVersion", "last param");
	params_free(&p);
}

static void test_form_malformed(void)
{
	Params p;

	ok(form_rejects("a=%G1"), "bad hex digit rejected");
	is_str(form_error(), "bad percent escape at byte 2", "error names the byte");
	ok(form_rejects("a=%1G"), "bad second hex digit rejected");
	ok(form_rejects("a=%4"), "truncated %%4 rejected");
	ok(form_rejects("a=%"), "lone %% rejected");
	ok(form_rejects("a=%%41"), "%%%% rejected");
	ok(form_rejects("%4=x"), "bad escape in name rejected");
	ok(form_rejects("b=1&a=%4&c=2"), "truncated escape before & rejected");
	ok(form_rejects("a=%00"), "decoded NUL rejected");
	ok(strstr(form_error(), "NUL") != NULL, "NUL error says so");
	ok(form_rejects("%00=a"), "decoded NUL in name rejected");
	is_int(form_parse("a=x\0y", 5, &p), -1, "raw NUL byte rejected");
	ok(p.n == 0 && p.v == NULL, "raw NUL leaves output empty");
	ok(form_rejects("=x"), "empty name rejected");
	is_str(form_error(), "empty name at byte 0", "empty name error");
	ok(form_rejects("a=1&=2"), "empty name later rejected");
	ok(form_rejects("="), "lone = rejected");

	/* Output is left empty even when it held junk before. */
	p.v = (Param *)&p;
	p.n = 7;
	p.cap = 9;
	is_int(fp("a=1&b=%ZZ", &p), -1, "failure after a good pair");
	ok(p.v == NULL && p.n == 0 && p.cap == 0, "out left empty on failure");
}

static void test_form_utf8(void)
{
	static const char *bad[] = {
		"a=%C0%80",        /* overlong NUL */
		"a=%C1%BF",        /* overlong 2-byte */
		"a=%E0%80%80",     /* overlong 3-byte */
		"a=%E0%9F%BF",     /* overlong U+07FF */
		"a=%F0%80%80%80",  /* overlong 4-byte */
		"a=%F0%8F%BF%BF",  /* overlong U+FFFF */
		"a=%ED%A0%80",     /* U+D800 high surrogate */
		"a=%ED%BF%BF",     /* U+DFFF low surrogate */
		"a=%ED%A0%BD%ED%B2%A9", /* CESU-8 surrogate pair */
		"a=%F4%90%80%80",  /* U+110000 */
		"a=%F5%80%80%80",  /* lead byte beyond range */
		"a=%F8%88%80%80%80", /* 5-byte form */
		"a=%FF",           /* never valid */
		"a=%FE",           /* never valid */
		"a=%80",           /* lone continuation */
		"a=%BF%BF",        /* continuations only */
		"a=%C3",           /* truncated 2-byte */
		"a=%E2%82",        /* truncated 3-byte */
		"a=%F0%9F%91",     /* truncated 4-byte */
		"a=%C3%28",        /* bad continuation */
		"a=%E2%28%A1",     /* bad second byte */
		"a=%E2%82%28",     /* bad third byte */
		"a=x%C3",          /* truncated at end */
		"%C3%28=1",        /* invalid name */
		"a=\xC3\x28",      /* raw invalid bytes */
		"\xFF=1",          /* raw invalid name */
		"a=\xED\xA0\x80",  /* raw surrogate */
	};
	static const char *good[] = {
		"a=%7F",          /* U+007F */
		"a=%C2%80",       /* U+0080 */
		"a=%DF%BF",       /* U+07FF */
		"a=%E0%A0%80",    /* U+0800 */
		"a=%ED%9F%BF",    /* U+D7FF */
		"a=%EE%80%80",    /* U+E000 */
		"a=%EF%BF%BD",    /* U+FFFD */
		"a=%EF%BF%BF",    /* U+FFFF */
		"a=%F0%90%80%80", /* U+10000 */
		"a=%F4%8F%BF%BF", /* U+10FFFF */
		"caf%C3%A9=na%C3%AFve", /* Latin in both */
		"a=\xE6\x97\xA5\xE6\x9C\xAC", /* raw CJK */
	};
	Params p;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		ok(form_rejects(bad[i]), "invalid UTF-8 rejected: %s", bad[i]);
	fp("a=1&b=%ED%A0%80", &p);
	ok(strstr(form_error(), "UTF-8") != NULL, "UTF-8 error says so: %s", form_error());
	for (size_t i = 0; i < ARRAY_LEN(good); i++)
		ok(form_accepts(good[i]), "valid UTF-8 accepted: %s", good[i]);
	fp("a=%F4%8F%BF%BF", &p);
	is_str(params_get(&p, "a"), "\xF4\x8F\xBF\xBF", "U+10FFFF decoded");
	params_free(&p);
}

/* Build "p0=0&p1=1&..." with count pairs, plus extra appended. */
static char *many_params(size_t count, const char *extra)
{
	Buf b = {0};
	for (size_t i = 0; i < count; i++)
		buf_printf(&b, "%sp%zu=%zu", i ? "&" : "", i, i);
	buf_puts(&b, extra);
	return buf_detach(&b);
}

static void test_form_limits(void)
{
	Params p;
	char *s;
	Buf b = {0};

	s = many_params(1000, "");
	is_int(fp(s, &p), 0, "1000 params accepted");
	is_int(p.n, 1000, "all 1000 kept");
	is_str(params_get(&p, "p999"), "999", "last of 1000");
	params_free(&p);
	free(s);

	s = many_params(1000, "&&&");
	is_int(fp(s, &p), 0, "1000 params and empty pairs accepted");
	params_free(&p);
	free(s);

	s = many_params(1001, "");
	ok(form_rejects(s), "1001 params rejected");
	is_str(form_error(), "more than 1000 parameters", "too many error");
	free(s);

	for (int i = 0; i < 256; i++)
		buf_putc(&b, 'n');
	buf_puts(&b, "=v");
	ok(form_accepts(buf_cstr(&b)), "256-byte name accepted");
	buf_reset(&b);
	for (int i = 0; i < 257; i++)
		buf_putc(&b, 'n');
	ok(form_rejects(buf_cstr(&b)), "257-byte name rejected");
	ok(strstr(form_error(), "256") != NULL, "long name error: %s", form_error());
	buf_reset(&b);
	for (int i = 0; i < 256; i++)
		buf_puts(&b, "%41");
	ok(form_accepts(buf_cstr(&b)), "256 escaped bytes is a 256-byte name");
	buf_reset(&b);
	for (int i = 0; i < 128; i++)
		buf_puts(&b, "%C3%A9");
	buf_puts(&b, "x");
	ok(form_rejects(buf_cstr(&b)), "257 decoded bytes of UTF-8 rejected");
	buf_reset(&b);

	buf_puts(&b, "big=");
	for (int i = 0; i < 100000; i++)
		buf_putc(&b, 'x');
	is_int(fp(buf_cstr(&b), &p), 0, "100 KB value accepted");
	is_int(p.v[0].value_len, 100000, "100 KB value_len");
	is_int(strlen(p.v[0].value), 100000, "100 KB value is whole");
	params_free(&p);
	buf_free(&b);
}

static void test_cookie(void)
{
	Params p;

	is_int(cookie_parse(NULL, &p), 0, "NULL header gives no cookies");
	is_int(p.n, 0, "no cookies from NULL");
	is_int(cookie_parse("", &p), 0, "empty header is valid");
	params_free(&p);

	is_int(cookie_parse("a=b; c=d", &p), 0, "two cookies");
	is_int(p.n, 2, "count 2");
	is_str(params_get(&p, "a"), "b", "cookie a");
	is_str(params_get(&p, "c"), "d", "cookie c");
	params_free(&p);

	is_int(cookie_parse("a=b;c=d", &p), 0, "no space after ;");
	is_str(params_get(&p, "c"), "d", "cookie c without space");
	params_free(&p);

	is_int(cookie_parse("  a = b ;\tc=d\t ", &p), 0, "spaces and tabs trimmed");
	is_str(p.v[0].name, "a", "trimmed name");
	is_str(p.v[0].value, "b", "trimmed value");
	is_str(params_get(&p, "c"), "d", "tab-trimmed cookie");
	params_free(&p);

	is_int(cookie_parse("q=\"hello world\"; e=\"\"", &p), 0, "quoted values");
	is_str(params_get(&p, "q"), "hello world", "quotes stripped");
	is_str(params_get(&p, "e"), "", "empty quoted value");
	is_int(p.v[1].value_len, 0, "empty quoted value_len");
	params_free(&p);

	is_int(cookie_parse("a=%41+b", &p), 0, "no percent decoding");
	is_str(params_get(&p, "a"), "%41+b", "value kept literally");
	params_free(&p);

	is_int(cookie_parse("flag; x=1", &p), 0, "cookie without =");
	is_str(params_get(&p, "flag"), "", "cookie without = has empty value");
	params_free(&p);

	is_int(cookie_parse("a=b;; c=d;", &p), 0, "empty pairs skipped");
	is_int(p.n, 2, "two cookies around empty pairs");
	params_free(&p);

	is_int(cookie_parse("tok=abc==; sb=s%3A1.x", &p), 0, "base64 padding");
	is_str(params_get(&p, "tok"), "abc==", "= kept in value");
	params_free(&p);

	is_int(cookie_parse("a=1; a=2", &p), 0, "duplicate cookies");
	is_int(params_count(&p, "a"), 2, "duplicates kept");
	is_str(p.v[1].value, "2", "duplicate order");
	params_free(&p);

	is_int(cookie_parse("n=caf\xC3\xA9 \xF0\x9F\x8D\xAA", &p), 0, "UTF-8 value accepted");
	is_str(params_get(&p, "n"), "caf\xC3\xA9 \xF0\x9F\x8D\xAA", "UTF-8 value kept");
	params_free(&p);

	ok(cookie_rejects("=x"), "empty cookie name rejected");
	ok(strstr(form_error(), "empty") != NULL, "empty name error: %s", form_error());
	ok(cookie_rejects("a=1; =2"), "later empty name rejected");
	ok(cookie_rejects("a=\"b"), "unterminated quote rejected");
	ok(cookie_rejects("a=b\""), "closing quote alone rejected");
	ok(cookie_rejects("a=\""), "single quote char rejected");
	ok(cookie_rejects("a=\"x\"y\""), "quote inside quoted value rejected");
	ok(cookie_rejects("a=b\x01" "c"), "control character rejected");
	ok(cookie_rejects("a=b\x7F"), "DEL rejected");
	ok(cookie_rejects("a\nb=c"), "newline in name rejected");
	ok(cookie_rejects("a=\xC3\x28"), "invalid UTF-8 value rejected");
	ok(cookie_rejects("a=\xC0\x80"), "overlong rejected");
	ok(cookie_rejects("a=\xED\xA0\x80"), "surrogate rejected");
	ok(cookie_rejects("\xF4\x90\x80\x80=1"), "above U+10FFFF name rejected");
	ok(strstr(form_error(), "UTF-8") != NULL, "cookie UTF-8 error: %s", form_error());

	Buf b = {0};
	for (int i = 0; i < 256; i++)
		buf_putc(&b, 'n');
	buf_puts(&b, "=1");
	is_int(cookie_parse(buf_cstr(&b), &p), 0, "256-byte cookie name accepted");
	params_free(&p);
	buf_reset(&b);
	for (int i = 0; i < 257; i++)
		buf_putc(&b, 'n');
	ok(cookie_rejects(buf_cstr(&b)), "257-byte cookie name rejected");
	buf_reset(&b);
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "c%d=%d; ", i, i);
	is_int(cookie_parse(buf_cstr(&b), &p), 0, "1000 cookies accepted");
	is_int(p.n, 1000, "1000 cookies kept");
	params_free(&p);
	buf_puts(&b, "one=more");
	ok(cookie_rejects(buf_cstr(&b)), "1001 cookies rejected");
	buf_free(&b);
}

int main(void)
{
	test_form_basic();
	test_form_twilio();
	test_form_malformed();
	test_form_utf8();
	test_form_limits();
	test_cookie();
	return done_testing();
}
