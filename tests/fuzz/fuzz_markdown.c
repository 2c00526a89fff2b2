/*
 * fuzz_markdown.c - fuzz harness for the Markdown input path
 * (markdown_html, markdown_title: cmark with raw HTML disabled).
 *
 * Whatever the input, the HTML must hold no tag a client could have
 * written (<script, <iframe, <img onerror...: cmark's safe mode leaves only
 * the tags it produces) and no javascript:/vbscript:/data: link or image
 * source; the title must be text without a newline.
 */
#include "fuzz.h"
#include "web/markdown.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Case-insensitive search for needle in s. */
static int has_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle);
	for (; *s; s++) {
		size_t i = 0;
		while (i < n && s[i] && tolower((unsigned char)s[i]) == needle[i])
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *html = markdown_html((const char *)data, size);
	if (html) {
		static const char *bad[] = {"<script", "<iframe", "<object", "<embed", "<style", "<svg",
					    " onerror=", " onload=", "href=\"javascript:", "src=\"javascript:",
					    "href=\"vbscript:", "href=\"data:text/html", NULL};
		for (int i = 0; bad[i]; i++)
			FUZZ_CHECK(!has_ci(html, bad[i]));
		free(html);
	}
	char *title = markdown_title((const char *)data, size);
	if (title) {
		FUZZ_CHECK(strchr(title, '\n') == NULL);
		free(title);
	}
	return 0;
}
