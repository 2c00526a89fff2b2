/*
 * markdown.c - CommonMark to HTML through cmark (see markdown.h).
 *
 * The only options are CMARK_OPT_VALIDATE_UTF8 and CMARK_OPT_SMART:
 * never CMARK_OPT_UNSAFE, so uploaded or AI-written Markdown cannot put
 * HTML, scripts or javascript: links into an admin page.  This file must
 * not grow a way around that.
 */
#include "web/markdown.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#define MD_OPTIONS (CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_SMART)

int markdown_render(const char *md, size_t len, Buf *out)
{
	/* cmark stops at nothing, but keep NULs out of the parser's way:
	 * replace them with U+FFFD as CommonMark says (section 2.3). */
	Buf clean = {0};
	const char *src = md ? md : "";
	if (md && memchr(md, '\0', len)) {
		for (size_t i = 0; i < len; i++) {
			if (md[i] == '\0')
				buf_puts(&clean, "\xEF\xBF\xBD");
			else
				buf_putc(&clean, md[i]);
		}
		src = buf_cstr(&clean);
		len = clean.len;
	}
	char *html = cmark_markdown_to_html(src, md ? len : 0, MD_OPTIONS);
	buf_free(&clean);
	if (!html)
		return -1;
	buf_puts(out, html);
	if (!out->s)
		buf_puts(out, "");
	free(html);
	return 0;
}

char *markdown_html(const char *md, size_t len)
{
	Buf b = {0};
	if (markdown_render(md, len, &b) != 0 || !b.s) {
		buf_free(&b);
		return xstrdup("");
	}
	return buf_detach(&b);
}

/* Append the literal text under node (text, code, soft breaks as spaces). */
static void plain_text(cmark_node *node, Buf *out)
{
	cmark_iter *it = cmark_iter_new(node);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node *n = cmark_iter_get_node(it);
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			buf_puts(out, cmark_node_get_literal(n) ? cmark_node_get_literal(n) : "");
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			buf_putc(out, ' ');
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
}

char *markdown_title(const char *md, size_t len)
{
	if (!md)
		return NULL;
	cmark_node *doc = cmark_parse_document(md, len, MD_OPTIONS);
	if (!doc)
		return NULL;
	cmark_node *best = NULL;
	for (cmark_node *n = cmark_node_first_child(doc); n; n = cmark_node_next(n)) {
		if (cmark_node_get_type(n) != CMARK_NODE_HEADING)
			continue;
		if (cmark_node_get_heading_level(n) == 1) {
			best = n;
			break;
		}
		if (!best)
			best = n;
	}
	char *title = NULL;
	if (best) {
		Buf b = {0};
		plain_text(best, &b);
		if (b.len)
			title = buf_detach(&b);
		buf_free(&b);
	}
	cmark_node_free(doc);
	return title;
}
