/*
 * util.h - allocation wrappers, the growable string buffer and small helpers
 * shared by every part of Switchboard.
 *
 * Allocation wrappers never return NULL: on exhaustion they print a message
 * and abort, so callers never write half-checked malloc code.  Buf is the one
 * string builder used everywhere; it owns its memory (buf_free releases it)
 * and is always NUL-terminated once anything has been appended.
 * Nothing here knows about HTTP, SQL or the domain.
 */
#ifndef SB_UTIL_H
#define SB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define SB_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define SB_NORETURN __attribute__((noreturn))
#else
#define SB_PRINTF(a, b)
#define SB_NORETURN
#endif

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) SB_PRINTF(1, 2);

/* Print "switchboard: <message>" on stderr and abort (a bug, not bad input). */
SB_NORETURN void sb_die(const char *fmt, ...) SB_PRINTF(1, 2);

/* Growable byte string.  Zero-initialise ({0}) or buf_init before use. */
typedef struct {
	char *s;    /* NUL-terminated contents, or NULL while empty */
	size_t len; /* bytes used, not counting the NUL */
	size_t cap; /* bytes allocated */
} Buf;

void buf_init(Buf *b);
void buf_free(Buf *b);                       /* releases memory, leaves b empty */
void buf_reset(Buf *b);                      /* len = 0, keeps memory */
void buf_grow(Buf *b, size_t extra);         /* room for extra more bytes + NUL */
void buf_append(Buf *b, const void *p, size_t n);
void buf_puts(Buf *b, const char *s);
void buf_putc(Buf *b, char c);
void buf_printf(Buf *b, const char *fmt, ...) SB_PRINTF(2, 3);
void buf_vprintf(Buf *b, const char *fmt, va_list ap) SB_PRINTF(2, 0);
const char *buf_cstr(Buf *b);                /* never NULL ("" while empty) */
char *buf_detach(Buf *b);                    /* caller frees; b left empty */

/* Escapers: append s escaped for the given context. */
void buf_html_escape(Buf *b, const char *s, size_t n);  /* & < > " ' */
void buf_url_escape(Buf *b, const char *s);             /* RFC 3986 unreserved kept */
void buf_json_string(Buf *b, const char *s);            /* "..." with escapes */

/* Time in milliseconds since the epoch (wall clock) and monotonic. */
int64_t now_ms(void);
int64_t mono_ms(void);
/* ISO 8601 UTC "2026-11-22T07:52:36Z" for a unix time in seconds. */
void fmt_iso8601(char out[21], int64_t unix_seconds);

/* Read a whole file; returns malloc'd NUL-terminated bytes and *len, or NULL
 * with errno set. */
char *read_file(const char *path, size_t *len);

/* Constant-time comparison of two byte strings (lengths may differ). */
int ct_equal(const void *a, size_t alen, const void *b, size_t blen);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void hex_encode(char *out, const unsigned char *in, size_t n);

#endif
