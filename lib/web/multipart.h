/*
 * multipart.h - multipart/form-data (RFC 7578) parser for uploads.
 *
 * The body is hostile: the parser either returns every part or fails with
 * nothing allocated and a short reason in multipart_error().  It does not
 * read the request, decode transfer encodings, guess charsets, write files
 * or trust filenames; multipart_safe_filename turns a sent filename into
 * something fit to show or to use as a base name.
 *
 * Line breaks must be CRLF as RFC 7578 and RFC 2046 require; a bare LF in
 * the delimiter lines or part headers is malformed.  Accepting both would
 * let the parser and an upstream filter disagree about where a part ends.
 */
#ifndef SB_MULTIPART_H
#define SB_MULTIPART_H

#include <stddef.h>

#define MULTIPART_MAX_BOUNDARY 70    /* RFC 2046 limit, in bytes */
#define MULTIPART_MAX_HEADERS 8192   /* bytes of header lines per part */
#define MULTIPART_MAX_FILENAME 200   /* bytes kept by multipart_safe_filename */

typedef struct {
	char *name;         /* form field name: non-empty, valid UTF-8, no NUL */
	char *filename;     /* filename parameter exactly as sent (may be "", may be
			     * a path or invalid UTF-8, never has NUL/CR/LF),
			     * or NULL when the part has none */
	char *content_type; /* Content-Type value, trimmed; "text/plain" when the
			     * part has no Content-Type (RFC 7578 section 4.4) */
	const char *data;   /* part content: points INTO the caller's body, not
			     * a copy, so the body must outlive the parts */
	size_t len;         /* bytes of data (may contain anything, NUL too) */
} MultipartPart;

/*
 * Extract the boundary parameter from a Content-Type header value such as
 * "multipart/form-data; boundary=----x" (quoted values allowed).  Writes it
 * NUL-terminated into out (outlen must be at least 71 for any legal
 * boundary).  Returns 0, or -1 after setting multipart_error() when the type
 * is not multipart/form-data, the boundary is missing, empty, repeated, over
 * 70 bytes, holds characters outside RFC 2046 bchars or ends in a space, or
 * does not fit in out.
 */
int multipart_boundary(const char *content_type, char *out, size_t outlen);

/*
 * Split body[0..len) (NULL only with len 0) on boundary, a bare boundary
 * as multipart_boundary gives it, into at most max_parts parts.  A preamble
 * before the first delimiter and an epilogue after the closing one are
 * ignored; "--boundary--" alone is a valid empty form (0 parts).
 *
 * Returns 0 with *parts (an array to release with multipart_free, NULL when
 * *n is 0) and *n, or -1 with *parts NULL and *n 0 after setting
 * multipart_error() when: the boundary is NULL or invalid, no delimiter
 * opens the body, a delimiter line is followed by anything but CRLF or
 * "--" (so CRLF "--boundary" inside data, which RFC 2046 forbids, is an
 * error rather than a guess), the closing delimiter is missing, a part's headers exceed
 * MULTIPART_MAX_HEADERS bytes or hold a malformed line, a bare CR or LF,
 * obs-fold, control bytes, a repeated Content-Disposition or Content-Type,
 * the Content-Disposition is missing, not form-data or without a non-empty
 * UTF-8 name, or there are more than max_parts parts.
 *
 * Header parameters are token or quoted-string; a quoted-string ends at the
 * next '"' with no backslash escapes (browsers send '"' as %22, and Windows
 * paths in filename keep their backslashes).  filename* is ignored, and
 * so are headers other than Content-Disposition and Content-Type
 * (Content-Transfer-Encoding included: data is returned as sent).
 */
int multipart_parse(const char *body, size_t len, const char *boundary,
		    MultipartPart **parts, size_t *n, size_t max_parts);

/* Release parts[0..n) and the array itself; safe with NULL. */
void multipart_free(MultipartPart *parts, size_t n);

/* Why the last multipart_boundary or multipart_parse in this thread failed,
 * e.g. "no closing boundary"; "no error" after a success.  Static per
 * thread, valid until the next call. */
const char *multipart_error(void);

/*
 * A base name safe to show or to store under, made from a filename as sent
 * (NULL allowed): everything up to the last '/' or '\' is dropped, then
 * control characters (C0, DEL, C1), bidirectional overrides and bytes that
 * are not valid UTF-8, then leading dots and spaces and trailing dots and
 * spaces; the result is cut to MULTIPART_MAX_FILENAME bytes on a character
 * boundary, keeping a short extension.  Never empty ("upload" instead),
 * never "." or "..", never holds '/' or '\'.  Returns a string the caller
 * frees.
 */
char *multipart_safe_filename(const char *raw);

#endif
