/*
 * form.c - urlencoded form, query string and Cookie header parsers (see
 * form.h).
 *
 * Input is attacker-controlled, so each parser works on explicit lengths,
 * never reads past them, and builds its result aside: the caller sees either
 * every pair or none.  This file must not learn about HTTP headers, request
 * bodies or charsets other than UTF-8, and must not log; callers log
 * form_error() with their own request context.
 */
#include "web/form.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reason for the last failure in this thread; empty after a success. */
static _Thread_local char form_errbuf[96];

static void form_fail(const char *fmt, ...) SB_PRINTF(1, 2);

static void form_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(form_errbuf, sizeof form_errbuf, fmt, ap);
	va_end(ap);
}

const char *form_error(void)
{
	return form_errbuf[0] ? form_errbuf : "no error";
}

/*
 * Length of the well-formed UTF-8 sequence at s[0..n), or 0 when the bytes
 * there are not one.  The second-byte ranges follow the Unicode table of
 * well-formed sequences, which is what rules out overlongs (C0, C1, E0 80-9F,
 * F0 80-8F), surrogates (ED A0-BF) and code points above U+10FFFF (F4 90+,
 * F5-FF).
 */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t need;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		need = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return need;
}

int form_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		size_t k = utf8_seq_len(p + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode src[0..n), which starts at byte base of the whole input, into dst
 * ('+' to space, %XX to a byte) and NUL-terminate it.  dst needs n + 1
 * bytes.  Returns the decoded length, or (size_t)-1 after form_fail for a
 * bad escape or a NUL byte.
 */
static size_t url_decode(const char *src, size_t n, size_t base, char *dst)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int h = n - i >= 3 ? hexval(s[i + 1]) : -1;
			int l = n - i >= 3 ? hexval(s[i + 2]) : -1;
			if (h < 0 || l < 0) {
				form_fail("bad percent escape at byte %zu", base + i);
				return (size_t)-1;
			}
			c = (unsigned char)(h << 4 | l);
			if (c == 0) {
				form_fail("decoded NUL byte at byte %zu", base + i);
				return (size_t)-1;
			}
			i += 2;
		} else if (c == 0) {
			form_fail("NUL byte at byte %zu", base + i);
			return (size_t)-1;
		}
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return o;
}

/* Append a pair whose name and value already sit in one xmalloc'd block. */
static void params_push(Params *p, char *name, char *value, size_t value_len)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->v = xrealloc(p->v, p->cap * sizeof *p->v);
	}
	p->v[p->n].name = name;
	p->v[p->n].value = value;
	p->v[p->n].value_len = value_len;
	p->n++;
}

/* Checks shared by both parsers once a name and value are decoded: returns
 * 0, or -1 after form_fail.  at is the pair's offset, for the message. */
static int check_pair(const char *name, size_t name_len, const char *value,
		      size_t value_len, size_t at)
{
	if (name_len > FORM_MAX_NAME) {
		form_fail("name longer than %d bytes at byte %zu", FORM_MAX_NAME, at);
		return -1;
	}
	if (!form_utf8_valid(name, name_len)) {
		form_fail("invalid UTF-8 in name at byte %zu", at);
		return -1;
	}
	if (!form_utf8_valid(value, value_len)) {
		form_fail("invalid UTF-8 in value of pair at byte %zu", at);
		return -1;
	}
	return 0;
}

int form_parse(const char *s, size_t len, Params *out)
{
	Params p = {0};
	size_t i = 0;

	form_errbuf[0] = '\0';
	memset(out, 0, sizeof *out);
	while (i < len) {
		const char *amp = memchr(s + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - s) : len;
		const char *eq = memchr(s + i, '=', end - i);
		size_t name_end = eq ? (size_t)(eq - s) : end;
		size_t val_start = eq ? name_end + 1 : end;
		size_t name_len, value_len;
		char *block, *value;

		if (end == i) { /* empty pair: "a=1&&b=2", leading or trailing & */
			i = end + 1;
			continue;
		}
		if (name_end == i) {
			form_fail("empty name at byte %zu", i);
			goto fail;
		}
		if (p.n == FORM_MAX_PARAMS) {
			form_fail("more than %d parameters", FORM_MAX_PARAMS);
			goto fail;
		}
		block = xmalloc((name_end - i) + 1 + (end - val_start) + 1);
		name_len = url_decode(s + i, name_end - i, i, block);
		if (name_len == (size_t)-1) {
			free(block);
			goto fail;
		}
		value = block + name_len + 1;
		value_len = url_decode(s + val_start, end - val_start, val_start, value);
		if (value_len == (size_t)-1 ||
		    check_pair(block, name_len, value, value_len, i) < 0) {
			free(block);
			goto fail;
		}
		params_push(&p, block, value, value_len);
		i = end + 1;
	}
	*out = p;
	return 0;
fail:
	params_free(&p);
	return -1;
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* 1 when s[0..n) holds a control character (C0 or DEL), else 0. */
static int has_ctl(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7F)
			return 1;
	}
	return 0;
}

int cookie_parse(const char *header, Params *out)
{
	Params p = {0};
	size_t i = 0, len = header ? strlen(header) : 0;

	form_errbuf[0] = '\0';
	memset(out, 0, sizeof *out);
	while (i < len) {
		const char *semi = memchr(header + i, ';', len - i);
		size_t end = semi ? (size_t)(semi - header) : len;
		size_t a = i, b = end, name_end, val_a, val_b;
		const char *eq;
		char *block;

		while (a < b && is_ows(header[a]))
			a++;
		while (b > a && is_ows(header[b - 1]))
			b--;
		if (a == b) { /* empty pair: "a=b;; c=d" or a trailing ';' */
			i = end + 1;
			continue;
		}
		eq = memchr(header + a, '=', b - a);
		name_end = eq ? (size_t)(eq - header) : b;
		val_a = eq ? name_end + 1 : b;
		val_b = b;
		while (name_end > a && is_ows(header[name_end - 1]))
			name_end--;
		while (val_a < val_b && is_ows(header[val_a]))
			val_a++;
		if (name_end == a) {
			form_fail("empty cookie name at byte %zu", a);
			goto fail;
		}
		if (val_b > val_a && (header[val_a] == '"' || header[val_b - 1] == '"')) {
			if (val_b - val_a < 2 || header[val_a] != '"' || header[val_b - 1] != '"') {
				form_fail("unbalanced quote in cookie at byte %zu", a);
				goto fail;
			}
			val_a++;
			val_b--;
			if (memchr(header + val_a, '"', val_b - val_a)) {
				form_fail("stray quote in cookie at byte %zu", a);
				goto fail;
			}
		}
		if (has_ctl(header + a, name_end - a) || has_ctl(header + val_a, val_b - val_a)) {
			form_fail("control character in cookie at byte %zu", a);
			goto fail;
		}
		if (p.n == FORM_MAX_PARAMS) {
			form_fail("more than %d cookies", FORM_MAX_PARAMS);
			goto fail;
		}
		if (check_pair(header + a, name_end - a, header + val_a, val_b - val_a, a) < 0)
			goto fail;
		block = xmalloc((name_end - a) + 1 + (val_b - val_a) + 1);
		memcpy(block, header + a, name_end - a);
		block[name_end - a] = '\0';
		memcpy(block + (name_end - a) + 1, header + val_a, val_b - val_a);
		block[(name_end - a) + 1 + (val_b - val_a)] = '\0';
		params_push(&p, block, block + (name_end - a) + 1, val_b - val_a);
		i = end + 1;
	}
	*out = p;
	return 0;
fail:
	params_free(&p);
	return -1;
}

const char *params_get(const Params *p, const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return p->v[i].value;
	return NULL;
}

size_t params_count(const Params *p, const char *name)
{
	size_t count = 0;
	if (!name)
		return 0;
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			count++;
	return count;
}

void params_free(Params *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].name); /* the value lives in the same block */
	free(p->v);
	memset(p, 0, sizeof *p);
}
