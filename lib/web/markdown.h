/*
 * markdown.h - Markdown (CommonMark) to HTML with cmark, for documents,
 * PRDs and memos shown inside the admin layout.
 *
 * Raw HTML in the source is never passed through (cmark's safe default:
 * CMARK_OPT_UNSAFE is not set, so HTML blocks and inline tags become
 * "<!-- raw HTML omitted -->" and javascript:, vbscript:, file: and
 * non-image data: links are emptied).  Invalid UTF-8 is replaced with
 * U+FFFD.  The output is therefore fit for a triple-brace {{{...}}} in a
 * Mustache template.  Nothing here knows the domain, HTTP or the database.
 */
#ifndef SB_MARKDOWN_H
#define SB_MARKDOWN_H

#include <stddef.h>

#include "core/util.h"

/* Append the HTML for md[0..len) to out.  md may hold any bytes (a NUL is
 * replaced like invalid UTF-8).  Returns 0, or -1 when cmark failed (out
 * unchanged). */
int markdown_render(const char *md, size_t len, Buf *out);

/* The same as a malloc'd NUL-terminated string the caller frees; never
 * NULL (an empty string when cmark failed). */
char *markdown_html(const char *md, size_t len);

/* The text of the first ATX or setext heading of level 1 (or of any level
 * when there is no level 1), without inline markup, as a malloc'd string;
 * NULL when the document has no heading.  For titles of documents. */
char *markdown_title(const char *md, size_t len);

#endif
