/*
 * multipart.c - multipart/form-data parser and upload filename cleaner (see
 * multipart.h).
 *
 * Works on explicit lengths over a body that may hold any bytes; part data
 * is never copied, only located.  Everything is checked before the caller
 * sees it, and a failure releases whatever was built.  This file must not
 * touch files, the network or the log, and must not decode transfer
 * encodings: that is for the upload handler to refuse or do.
 */
#include "web/multipart.h"
#include "web/form.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reason for the last failure in this thread; empty after a success. */
static _Thread_local char mp_errbuf[96];

static void mp_fail(const char *fmt, ...) SB_PRINTF(1, 2);

static void mp_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(mp_errbuf, sizeof mp_errbuf, fmt, ap);
	va_end(ap);
}

const char *multipart_error(void)
{
	return mp_errbuf[0] ? mp_errbuf : "no error";
}

static int is_ows(int c)
{
	return c == ' ' || c == '\t';
}

/* RFC 7230 tchar: the characters of a header name or token. */
static int is_tchar(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 2046 bchars: what a boundary may be made of. */
static int is_bchar(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("'()+_,-./:=? ", c) != NULL;
}

/* 1 when s[0..n) equals the lowercase ASCII word w, ignoring case. */
static int ci_equal(const char *s, size_t n, const char *w)
{
	if (strlen(w) != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != w[i])
			return 0;
	}
	return 1;
}

/* 0 when b[0..n) is a legal boundary, else -1 after mp_fail. */
static int check_boundary(const char *b, size_t n)
{
	if (n == 0) {
		mp_fail("empty boundary");
		return -1;
	}
	if (n > MULTIPART_MAX_BOUNDARY) {
		mp_fail("boundary over %d bytes", MULTIPART_MAX_BOUNDARY);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!is_bchar((unsigned char)b[i])) {
			mp_fail("bad character in boundary at byte %zu", i);
			return -1;
		}
	}
	if (b[n - 1] == ' ') {
		mp_fail("boundary ends in a space");
		return -1;
	}
	return 0;
}

int multipart_boundary(const char *content_type, char *out, size_t outlen)
{
	const char *s = content_type, *t;
	char val[MULTIPART_MAX_BOUNDARY + 2];
	size_t vlen = 0;
	int found = 0;

	mp_errbuf[0] = '\0';
	if (outlen)
		out[0] = '\0';
	if (!s) {
		mp_fail("no Content-Type");
		return -1;
	}
	while (is_ows(*s))
		s++;
	for (t = s; *t && *t != ';' && !is_ows(*t); t++)
		;
	if (!ci_equal(s, (size_t)(t - s), "multipart/form-data")) {
		mp_fail("not multipart/form-data");
		return -1;
	}
	s = t;
	for (;;) {
		const char *name;
		size_t name_len, n = 0;
		int is_boundary, too_long = 0;

		while (is_ows(*s))
			s++;
		if (!*s)
			break;
		if (*s != ';') {
			mp_fail("malformed Content-Type parameters");
			return -1;
		}
		s++;
		while (is_ows(*s))
			s++;
		if (!*s || *s == ';')
			continue;
		for (name = s; is_tchar((unsigned char)*s); s++)
			;
		name_len = (size_t)(s - name);
		if (name_len == 0 || *s != '=') {
			mp_fail("malformed Content-Type parameter");
			return -1;
		}
		s++;
		is_boundary = ci_equal(name, name_len, "boundary");
		if (is_boundary && found) {
			mp_fail("repeated boundary parameter");
			return -1;
		}
		if (*s == '"') { /* HTTP quoted-string, backslash escapes a byte */
			for (s++; *s != '"'; s++) {
				unsigned char c = (unsigned char)*s;
				if (c == '\\' && s[1])
					c = (unsigned char)*++s;
				if (!c || (c < 0x20 && c != '\t') || c == 0x7F) {
					mp_fail("malformed quoted Content-Type parameter");
					return -1;
				}
				if (!is_boundary)
					continue;
				if (n < sizeof val - 1)
					val[n++] = (char)c;
				else
					too_long = 1;
			}
			s++;
		} else {
			for (; *s && *s != ';' && !is_ows(*s); s++) {
				if (!is_boundary)
					continue;
				if (n < sizeof val - 1)
					val[n++] = *s;
				else
					too_long = 1;
			}
		}
		if (is_boundary) {
			found = 1;
			if (too_long) {
				mp_fail("boundary over %d bytes", MULTIPART_MAX_BOUNDARY);
				return -1;
			}
			vlen = n;
			val[n] = '\0';
		}
	}
	if (!found) {
		mp_fail("missing boundary");
		return -1;
	}
	if (check_boundary(val, vlen) < 0)
		return -1;
	if (outlen < vlen + 1) {
		mp_fail("boundary does not fit in %zu bytes", outlen);
		return -1;
	}
	memcpy(out, val, vlen + 1);
	return 0;
}

/*
 * First "\r\n" + delim in [p, end), or NULL.  Plain scan for CR then
 * compare: with a delimiter of at most 72 bytes the worst case stays linear
 * in practice and needs no extension like memmem.
 */
static const char *find_delim(const char *p, const char *end, const char *delim,
			      size_t dlen)
{
	while (end - p >= (ptrdiff_t)(dlen + 2)) {
		const char *cr = memchr(p, '\r', (size_t)(end - p) - dlen - 1);
		if (!cr)
			return NULL;
		if (cr[1] == '\n' && memcmp(cr + 2, delim, dlen) == 0)
			return cr;
		p = cr + 1;
	}
	return NULL;
}

/* A header parameter value as a range of the header line. */
typedef struct {
	const char *s;
	size_t n;
	int set;
} Range;

/*
 * Parse a Content-Disposition value v[0..n) into its name and filename
 * parameters.  Returns 0, or -1 after mp_fail when it is not form-data,
 * a parameter is malformed or repeated.  Quoted values run to the next '"'
 * with no escapes, as browsers send them.
 */
static int parse_disposition(const char *v, size_t n, Range *name, Range *filename)
{
	const char *s = v, *end = v + n, *t;

	for (t = s; t < end && *t != ';' && !is_ows(*t); t++)
		;
	if (!ci_equal(s, (size_t)(t - s), "form-data")) {
		mp_fail("Content-Disposition is not form-data");
		return -1;
	}
	s = t;
	for (;;) {
		const char *pname, *val;
		size_t plen, vlen;
		Range *dst = NULL;

		while (s < end && is_ows(*s))
			s++;
		if (s == end)
			return 0;
		if (*s != ';') {
			mp_fail("malformed Content-Disposition");
			return -1;
		}
		s++;
		while (s < end && is_ows(*s))
			s++;
		if (s == end || *s == ';')
			continue;
		for (pname = s; s < end && is_tchar((unsigned char)*s); s++)
			;
		plen = (size_t)(s - pname);
		if (plen == 0 || s == end || *s != '=') {
			mp_fail("malformed Content-Disposition parameter");
			return -1;
		}
		s++;
		if (s < end && *s == '"') {
			const char *q = memchr(s + 1, '"', (size_t)(end - s - 1));
			if (!q) {
				mp_fail("unterminated quote in Content-Disposition");
				return -1;
			}
			val = s + 1;
			vlen = (size_t)(q - val);
			s = q + 1;
		} else { /* a token; whatever follows it must be ';' or the end */
			for (val = s; s < end && is_tchar((unsigned char)*s); s++)
				;
			vlen = (size_t)(s - val);
		}
		if (ci_equal(pname, plen, "name"))
			dst = name;
		else if (ci_equal(pname, plen, "filename"))
			dst = filename;
		if (!dst)
			continue; /* filename* and unknown parameters */
		if (dst->set) {
			mp_fail("repeated %s parameter", dst == name ? "name" : "filename");
			return -1;
		}
		dst->s = val;
		dst->n = vlen;
		dst->set = 1;
	}
}

/*
 * Parse the header section of one part starting at *pp (just after the
 * delimiter line) and fill part, leaving *pp after the blank line.
 * Returns 0, or -1 after mp_fail; on -1 part owns nothing.
 */
static int parse_part_headers(const char **pp, const char *end, const char *body,
			      MultipartPart *part)
{
	const char *start = *pp, *p = *pp;
	const char *limit = end - start > MULTIPART_MAX_HEADERS ? start + MULTIPART_MAX_HEADERS : end;
	Range name = {0}, filename = {0}, ctype = {0};
	int have_disp = 0;

	for (;;) {
		const char *line = p, *colon, *v, *ve;

		/* Find the CRLF that ends this line, refusing other controls. */
		for (;; p++) {
			unsigned char c;
			if (p >= limit || (p + 1 >= limit && *p == '\r')) {
				if (limit == end)
					mp_fail("part headers end early at byte %zu", (size_t)(line - body));
				else
					mp_fail("part headers over %d bytes", MULTIPART_MAX_HEADERS);
				return -1;
			}
			c = (unsigned char)*p;
			if (c == '\r') {
				if (p[1] != '\n') {
					mp_fail("bare CR in part headers at byte %zu", (size_t)(p - body));
					return -1;
				}
				break;
			}
			if ((c < 0x20 && c != '\t') || c == 0x7F) {
				mp_fail("%s in part headers at byte %zu",
					c == '\n' ? "bare LF" : "control byte", (size_t)(p - body));
				return -1;
			}
		}
		ve = p;
		p += 2;
		if (ve == line)
			break; /* the blank line */
		if (is_ows(*line)) {
			mp_fail("folded header line at byte %zu", (size_t)(line - body));
			return -1;
		}
		for (colon = line; colon < ve && is_tchar((unsigned char)*colon); colon++)
			;
		if (colon == line || colon == ve || *colon != ':') {
			mp_fail("malformed header line at byte %zu", (size_t)(line - body));
			return -1;
		}
		for (v = colon + 1; v < ve && is_ows(*v); v++)
			;
		while (ve > v && is_ows(ve[-1]))
			ve--;
		if (ci_equal(line, (size_t)(colon - line), "content-disposition")) {
			if (have_disp) {
				mp_fail("repeated Content-Disposition at byte %zu", (size_t)(line - body));
				return -1;
			}
			have_disp = 1;
			if (parse_disposition(v, (size_t)(ve - v), &name, &filename) < 0)
				return -1;
		} else if (ci_equal(line, (size_t)(colon - line), "content-type")) {
			if (ctype.set) {
				mp_fail("repeated Content-Type at byte %zu", (size_t)(line - body));
				return -1;
			}
			ctype.s = v;
			ctype.n = (size_t)(ve - v);
			ctype.set = 1;
		}
	}
	if (!have_disp) {
		mp_fail("part without Content-Disposition at byte %zu", (size_t)(start - body));
		return -1;
	}
	if (!name.set || name.n == 0) {
		mp_fail("part without a name at byte %zu", (size_t)(start - body));
		return -1;
	}
	if (!form_utf8_valid(name.s, name.n)) {
		mp_fail("invalid UTF-8 in part name at byte %zu", (size_t)(start - body));
		return -1;
	}
	part->name = xstrndup(name.s, name.n);
	part->filename = filename.set ? xstrndup(filename.s, filename.n) : NULL;
	part->content_type = ctype.set ? xstrndup(ctype.s, ctype.n) : xstrdup("text/plain");
	*pp = p;
	return 0;
}

int multipart_parse(const char *body, size_t len, const char *boundary,
		    MultipartPart **parts, size_t *n, size_t max_parts)
{
	char delim[MULTIPART_MAX_BOUNDARY + 3];
	size_t dlen, np = 0, cap = 0;
	MultipartPart *v = NULL;
	const char *p, *end;

	mp_errbuf[0] = '\0';
	*parts = NULL;
	*n = 0;
	if (!body)
		body = "", len = 0;
	end = body + len;
	if (!boundary) {
		mp_fail("missing boundary");
		return -1;
	}
	dlen = strlen(boundary);
	if (check_boundary(boundary, dlen) < 0)
		return -1;
	delim[0] = delim[1] = '-';
	memcpy(delim + 2, boundary, dlen + 1);
	dlen += 2;

	/* The first delimiter opens the body or a line after the preamble. */
	if (len >= dlen && memcmp(body, delim, dlen) == 0) {
		p = body + dlen;
	} else {
		p = find_delim(body, end, delim, dlen);
		if (!p) {
			mp_fail("no opening boundary");
			return -1;
		}
		p += 2 + dlen;
	}

	for (;;) {
		const char *next;
		MultipartPart part;

		/* p is just past a delimiter: "--" closes, padding CRLF opens. */
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			break;
		while (p < end && is_ows(*p))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
			if (p == end)
				mp_fail("no closing boundary");
			else
				mp_fail("garbage after boundary at byte %zu", (size_t)(p - body));
			goto fail;
		}
		p += 2;
		if (np == max_parts) {
			mp_fail("more than %zu parts", max_parts);
			goto fail;
		}
		if (parse_part_headers(&p, end, body, &part) < 0)
			goto fail;
		next = find_delim(p, end, delim, dlen);
		if (!next) {
			free(part.name);
			free(part.filename);
			free(part.content_type);
			mp_fail("no closing boundary");
			goto fail;
		}
		part.data = p;
		part.len = (size_t)(next - p);
		if (np == cap) {
			cap = cap ? cap * 2 : 8;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[np++] = part;
		p = next + 2 + dlen;
	}
	*parts = v;
	*n = np;
	return 0;
fail:
	multipart_free(v, np);
	return -1;
}

void multipart_free(MultipartPart *parts, size_t n)
{
	if (!parts)
		return;
	for (size_t i = 0; i < n; i++) {
		free(parts[i].name);
		free(parts[i].filename);
		free(parts[i].content_type);
	}
	free(parts);
}

/* Code point of the well-formed UTF-8 sequence of k bytes at s. */
static unsigned long utf8_decode(const unsigned char *s, size_t k)
{
	static const unsigned char lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
	unsigned long cp = s[0] & lead_mask[k];
	for (size_t i = 1; i < k; i++)
		cp = cp << 6 | (s[i] & 0x3F);
	return cp;
}

/* 1 for code points never kept in a filename: controls and bidi overrides. */
static int unwanted_cp(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x200E || cp == 0x200F ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Bytes in the well-formed sequence at s[0..n), 0 if none (see form.c). */
static size_t seq_len(const unsigned char *s, size_t n)
{
	size_t k;
	if (s[0] < 0x80)
		return 1;
	k = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
	return k <= n && form_utf8_valid((const char *)s, k) ? k : 0;
}

/* Largest cut <= n in s that does not split a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t n)
{
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

char *multipart_safe_filename(const char *raw)
{
	const char *base = raw;
	const unsigned char *s;
	size_t n, o = 0, a = 0;
	char *out;

	if (!raw)
		return xstrdup("upload");
	for (const char *c = raw; *c; c++)
		if (*c == '/' || *c == '\\')
			base = c + 1;
	s = (const unsigned char *)base;
	n = strlen(base);
	out = xmalloc(n + 1);
	for (size_t i = 0; i < n;) {
		size_t k = seq_len(s + i, n - i);
		if (!k) { /* not UTF-8: drop the byte, resync on the next */
			i++;
			continue;
		}
		if (!unwanted_cp(utf8_decode(s + i, k))) {
			memcpy(out + o, s + i, k);
			o += k;
		}
		i += k;
	}
	while (a < o && (out[a] == '.' || out[a] == ' '))
		a++;
	memmove(out, out + a, o - a);
	o -= a;
	if (o > MULTIPART_MAX_FILENAME) {
		/* Keep an extension of up to 16 bytes: "long....name.pdf". */
		size_t ext = 0, stem;
		for (size_t i = o; i > 0 && o - i < 16; i--) {
			if (out[i - 1] == '.') {
				ext = o - (i - 1);
				break;
			}
		}
		if (ext < 2)
			ext = 0;
		stem = utf8_cut(out, MULTIPART_MAX_FILENAME - ext);
		memmove(out + stem, out + o - ext, ext);
		o = stem + ext;
	}
	while (o > 0 && (out[o - 1] == '.' || out[o - 1] == ' '))
		o--;
	if (o == 0) {
		free(out);
		return xstrdup("upload");
	}
	out[o] = '\0';
	return out;
}
