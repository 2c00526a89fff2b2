/*
 * form.h - parsers for name/value input that arrives from outside: query
 * strings, application/x-www-form-urlencoded bodies and Cookie headers.
 *
 * Every byte here is hostile.  The parsers either return a complete list of
 * decoded parameters that are valid UTF-8 without NUL bytes, or fail with
 * nothing allocated and a short reason in form_error().  They know nothing
 * about HTTP beyond these two formats: no header lookup, no body reading, no
 * charset guessing.
 */
#ifndef SB_FORM_H
#define SB_FORM_H

#include <stddef.h>

#define FORM_MAX_PARAMS 1000 /* more pairs than this is malformed */
#define FORM_MAX_NAME 256    /* longest decoded name, in bytes */

/* One decoded pair.  name and value are NUL-terminated, valid UTF-8 and
 * contain no NUL; value_len == strlen(value).  Both live in one allocation
 * owned by the Params: release them only through params_free. */
typedef struct {
	char *name;
	char *value;
	size_t value_len;
} Param;

/* Pairs in input order, duplicates kept (a Twilio signature covers all). */
typedef struct {
	Param *v;
	size_t n, cap;
} Params;

/*
 * Parse a query string or an application/x-www-form-urlencoded body of len
 * bytes (s need not be NUL-terminated; NULL is fine when len is 0).  Pairs
 * are separated by '&'; empty pairs are skipped; a pair without '=' has the
 * value "".  In names and values '+' means space and %XX a byte.
 *
 * *out is overwritten, not freed first.  Returns 0 with the pairs in *out
 * (release with params_free), or -1 when the input is malformed: bad or
 * truncated %-escape, a NUL byte (raw or decoded), invalid UTF-8 (overlong
 * forms, surrogates, above U+10FFFF, stray or missing continuation bytes),
 * an empty name, a name over FORM_MAX_NAME bytes or more than
 * FORM_MAX_PARAMS pairs.  On -1 *out is empty and owns nothing.
 */
int form_parse(const char *s, size_t len, Params *out);

/*
 * Parse a Cookie header value such as "a=b; c=\"d e\"" (NULL means no
 * header and gives 0 pairs).  Pairs are separated by ';' and trimmed of
 * spaces and tabs; a value wrapped in double quotes loses the quotes; there
 * is no %-decoding.  A pair without '=' has the value "".
 *
 * Same contract as form_parse: 0 and *out filled, or -1 and *out empty for
 * an empty name, a control character, an unbalanced or stray quote, invalid
 * UTF-8, a name over FORM_MAX_NAME bytes or more than FORM_MAX_PARAMS pairs.
 */
int cookie_parse(const char *header, Params *out);

/* Value of the first pair called name, or NULL.  Points into p. */
const char *params_get(const Params *p, const char *name);

/* Number of pairs called name (0 when absent). */
size_t params_count(const Params *p, const char *name);

/* Release everything p owns and leave it empty; safe on an empty Params. */
void params_free(Params *p);

/*
 * Why the last form_parse or cookie_parse in this thread failed, as a short
 * phrase for the log line, e.g. "bad percent escape at byte 17" (byte
 * offsets count from 0 in the input).  "no error" after a success.  The
 * string is static per thread and valid until the next parse call.
 */
const char *form_error(void);

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, nothing
 * above U+10FFFF), else 0.  NUL bytes count as valid here. */
int form_utf8_valid(const char *s, size_t n);

#endif
