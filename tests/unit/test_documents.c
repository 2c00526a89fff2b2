/*
 * test_documents.c - the pure pieces of documents and Markdown: content
 * type checks against the bytes (magic numbers, UTF-8 text, HTML and SVG
 * refused, mismatches), safe names, commit authors, Markdown rendering
 * with raw HTML disabled, and the PRD and memo templates rendered through
 * Mustache then Markdown.  The database and repository parts are tested
 * end to end (tests/integration/t09*.sh).
 */
#include "desk/documents.h"
#include "web/markdown.h"
#include "web/mustache.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static const char *check(const char *name, const char *declared, const void *data, size_t len, const char **code)
{
	DocError e = {0};
	const char *t = doc_check_content(name, declared, data, len, &e);
	if (code)
		*code = t ? NULL : e.code;
	return t;
}

static void test_content(void)
{
	static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
	static const char jpeg[] = "\xFF\xD8\xFF\xE0\0\x10JFIF";
	static const char gif[] = "GIF89a\x01\0\x01\0";
	static const char pdf[] = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";
	static const char zip[] = "PK\x03\x04\x14\0\0\0";
	static const char webp[] = "RIFF\x24\0\0\0WEBPVP8 ";
	static const char html[] = "<!DOCTYPE html><html><script>alert(1)</script>";
	const char *code = NULL;
	is_str(check("a.png", NULL, png, sizeof png - 1, NULL), "image/png", "PNG by magic");
	is_str(check("a.JPG", NULL, jpeg, sizeof jpeg - 1, NULL), "image/jpeg", "JPEG, extension case ignored");
	is_str(check("a.gif", NULL, gif, sizeof gif - 1, NULL), "image/gif", "GIF");
	is_str(check("a.webp", NULL, webp, sizeof webp - 1, NULL), "image/webp", "WebP");
	is_str(check("a.pdf", NULL, pdf, sizeof pdf - 1, NULL), "application/pdf", "PDF");
	is_str(check("a.docx", NULL, zip, sizeof zip - 1, NULL),
	       "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx is ZIP-based");
	is_str(check("a.zip", NULL, zip, sizeof zip - 1, NULL), "application/zip", "ZIP");
	is_str(check("notes.md", NULL, "# Hi\n", 5, NULL), "text/markdown", "Markdown");
	is_str(check("data.csv", NULL, "a,b\n1,2\n", 8, NULL), "text/csv", "CSV");
	is_str(check("café.txt", NULL, "Grüße\n", 8, NULL), "text/plain", "UTF-8 text");
	is_str(check("noext", NULL, "hello\n", 6, NULL), "text/plain", "text without an extension");
	is_str(check("noext", NULL, png, sizeof png - 1, NULL), "image/png", "no extension: the bytes decide");
	is_str(check("upload", "image/png", png, sizeof png - 1, NULL), "image/png", "declared type used without extension");
	ok(check("fake.png", "image/png", html, sizeof html - 1, &code) == NULL && strcmp(code, "type_mismatch") == 0,
	   "HTML named .png: type_mismatch");
	ok(check("fake.pdf", NULL, png, sizeof png - 1, &code) == NULL && strcmp(code, "type_mismatch") == 0,
	   "PNG named .pdf: type_mismatch");
	ok(check("photo.jpg", NULL, "text", 4, &code) == NULL, "text named .jpg refused");
	ok(check("readme.txt", NULL, png, sizeof png - 1, &code) == NULL && strcmp(code, "type_mismatch") == 0,
	   "PNG named .txt refused");
	ok(check("latin1.txt", NULL, "caf\xe9\n", 5, &code) == NULL && strcmp(code, "not_text") == 0,
	   "Latin-1 text refused: not UTF-8");
	ok(check("nul.md", NULL, "a\0b", 3, &code) == NULL && strcmp(code, "not_text") == 0, "NUL in text refused");
	ok(check("page.html", NULL, "<p>hi</p>", 9, &code) == NULL && strcmp(code, "active_content") == 0,
	   ".html refused");
	ok(check("logo.SVG", NULL, "<svg/>", 6, &code) == NULL && strcmp(code, "active_content") == 0, ".svg refused");
	ok(check("x.js", NULL, "alert(1)", 8, &code) == NULL, ".js refused");
	ok(check("noext", NULL, "\xEF\xBB\xBF  <html><body>x", 18, &code) == NULL && strcmp(code, "active_content") == 0,
	   "HTML without an extension refused (after a BOM and spaces)");
	ok(check("noext", "text/html", "<?xml version=\"1.0\"?><svg/>", 27, &code) == NULL, "XML/SVG without an extension refused");
	ok(check("tool", NULL, "\x7f" "ELF\x02\x01\x01\0", 8, &code) == NULL && strcmp(code, "unsupported_type") == 0,
	   "unknown binary refused");
	is_str(check("notes.txt", NULL, "<b>bold</b> is just text here", 29, NULL), "text/plain",
	       "markup inside a .txt is text (never served as HTML)");

	size_t bad = 0;
	ok(doc_is_utf8_text("ok \xE2\x82\xAC \xF0\x9F\x98\x80", 11, NULL), "UTF-8: euro sign and emoji");
	ok(!doc_is_utf8_text("\xC0\xAF", 2, &bad) && bad == 0, "UTF-8: overlong refused");
	ok(!doc_is_utf8_text("ab\xED\xA0\x80", 5, &bad) && bad == 2, "UTF-8: surrogate refused at its offset");
	ok(!doc_is_utf8_text("\xF4\x90\x80\x80", 4, NULL), "UTF-8: above U+10FFFF refused");
	ok(!doc_is_utf8_text("abc\xE2\x82", 5, &bad) && bad == 3, "UTF-8: truncated sequence refused");

	is_str(doc_type_header("text/markdown"), "text/markdown; charset=utf-8", "text types get a charset");
	is_str(doc_type_header("image/png"), "image/png", "others as they are");
	ok(doc_type_is_image("image/png") && !doc_type_is_image("image/svg+xml"), "SVG is never an image to show");
}

static void test_names(void)
{
	char *n = doc_safe_name("../../etc/passwd");
	is_str(n, "passwd", "traversal dropped");
	free(n);
	n = doc_safe_name("C:\\Users\\x\\Q3 report: \"final\" <v2>|?.pdf");
	is_str(n, "Q3 report_ _final_ _v2___.pdf", "Windows path dropped, awkward characters replaced");
	free(n);
	n = doc_safe_name("...");
	ok(n && strcmp(n, ".") != 0 && strcmp(n, "..") != 0 && *n, "dots only: a usable name (%s)", n);
	free(n);
	n = doc_safe_name(NULL);
	ok(n && *n, "NULL: a usable name");
	free(n);
	n = doc_safe_name("100%.txt");
	is_str(n, "100_.txt", "percent replaced");
	free(n);

	DocAuthor a;
	doc_author(&a, "user:ada", "Ada", "Ada Lovelace");
	is_str(a.name, "Ada Lovelace", "user: name");
	is_str(a.email, "ada@users.switchboard.invalid", "user: LOGIN@users.switchboard.invalid");
	doc_author(&a, "user:bob", "bob", "");
	is_str(a.name, "bob", "user without a name: the login");
	doc_author(&a, "worker", NULL, NULL);
	is_str(a.name, "Switchboard AI worker", "the worker is named as the AI");
	is_str(a.email, "ai-worker@switchboard.invalid", "AI email");
	doc_author(&a, "api:CI bot", NULL, NULL);
	is_str(a.name, "API token CI bot", "operator token");
	is_str(a.email, "ci-bot@tokens.switchboard.invalid", "operator token email");
}

static void test_markdown(void)
{
	const char *md = "# Title\n\nSome *em* and **strong**.\n\n<script>alert(1)</script>\n\n"
			 "<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) [y](https://example.com)\n\n"
			 "| a |\n|---|\n";
	char *html = markdown_html(md, strlen(md));
	ok(strstr(html, "<h1>Title</h1>") != NULL, "heading rendered");
	ok(strstr(html, "<em>em</em>") && strstr(html, "<strong>strong</strong>"), "emphasis rendered");
	ok(!strstr(html, "<script") && !strstr(html, "onerror"), "raw HTML left out");
	ok(strstr(html, "raw HTML omitted") != NULL, "says it left HTML out");
	ok(!strstr(html, "javascript:"), "javascript: link emptied");
	ok(strstr(html, "href=\"https://example.com\"") != NULL, "ordinary links kept");
	free(html);
	html = markdown_html("a\0b \xff", 5);
	ok(strstr(html, "\xEF\xBF\xBD") != NULL, "NUL and invalid UTF-8 become U+FFFD");
	free(html);
	html = markdown_html(NULL, 0);
	is_str(html, "", "NULL renders empty");
	free(html);
	char *t = markdown_title("intro\n\n## Sub\n\n# The *real* title\n", 37);
	is_str(t, "The real title", "title: the first level-1 heading, plain text");
	free(t);
	t = markdown_title("## Only a sub\n", 14);
	is_str(t, "Only a sub", "title: another level when no level 1");
	free(t);
	ok(markdown_title("no heading", 10) == NULL, "title: NULL without a heading");
}

static void test_templates(void)
{
	TplCache *tc = tpl_cache_dir("templates");
	json_t *d = json_pack("{s:s,s:s,s:i,s:[s,s],s:s,s:s}", "title", "Dark mode", "client_name", "Acme",
			      "task_id", 12, "requirements", "A toggle in settings", "Remembered <per> user",
			      "overview", "They want it. <script>x</script>", "non_goals", "Themes");
	Buf out = {0};
	char *err = NULL;
	ok(tpl_render_name(tc, "docs/prd", d, &out, &err) == 0, "PRD template renders");
	free(err);
	const char *s = buf_cstr(&out);
	ok(strncmp(s, "# Dark mode\n", 12) == 0, "PRD starts with its title");
	static const char *const sections[] = {"## Overview", "## Problem", "## Requirements", "## Non-goals",
					       "## Constraints", "## Stakeholders", "## Timeline", "## Open questions"};
	int all = 1;
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
		all = all && strstr(s, sections[i]);
	ok(all, "PRD has every section");
	ok(strstr(s, "- A toggle in settings\n- Remembered <per> user\n") != NULL, "list sections as bullets");
	ok(strstr(s, "- Themes\n") != NULL, "a list section given as one string");
	ok(strstr(s, "_When it is needed") != NULL, "missing sections say what belongs there");
	char *html = markdown_html(out.s, out.len);
	ok(strstr(html, "<h2>Open questions</h2>") && strstr(html, "<li>A toggle in settings</li>"),
	   "PRD renders to HTML");
	ok(!strstr(html, "<script>") && !strstr(html, "<per>"), "HTML in the data does not survive rendering");
	free(html);
	json_decref(d);
	buf_free(&out);

	d = json_pack("{s:s,s:s,s:[s]}", "title", "Kickoff", "client_name", "Acme", "decisions", "Ship in May");
	err = NULL;
	ok(tpl_render_name(tc, "docs/memo", d, &out, &err) == 0, "memo template renders");
	free(err);
	s = buf_cstr(&out);
	ok(strncmp(s, "# Kickoff\n", 10) == 0 && strstr(s, "## Decisions\n\n- Ship in May\n") && strstr(s, "## Actions"),
	   "memo: title, decisions, actions");
	json_decref(d);
	buf_free(&out);
	tpl_cache_free(tc);
}

int main(void)
{
	test_content();
	test_names();
	test_markdown();
	test_templates();
	return done_testing();
}
