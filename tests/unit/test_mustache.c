/*
 * test_mustache.c - unit tests for lib/web/mustache.c: the cases our HTML
 * templates rely on, then every test of the official Mustache spec files
 * (core modules and ~inheritance) found in $MUSTACHE_SPEC_DIR (default
 * ../shared/mustache-spec), one TAP line each.  Without the spec directory
 * those lines are TAP skips, not failures.  Must not write outside a
 * mkdtemp directory under /tmp.
 */
#include "web/mustache.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Loader over a JSON object of name -> source; counts its calls. */
typedef struct {
	json_t *templates;
	int calls;
} JsonLoader;

static char *json_loader(void *ctx, const char *name)
{
	JsonLoader *jl = ctx;
	jl->calls++;
	json_t *s = json_object_get(jl->templates, name);
	return json_is_string(s) ? xstrdup(json_string_value(s)) : NULL;
}

/* Renders src with data (JSON text) and the given partials (JSON text or
 * NULL); returns the malloc'd output, or "ERROR: <message>". */
static char *render(const char *src, const char *data, const char *partials)
{
	json_error_t je;
	json_t *d = json_loads(data, JSON_DECODE_ANY, &je);
	if (!d)
		return xasprintf("BAD TEST DATA: %s", je.text);
	JsonLoader jl = {partials ? json_loads(partials, 0, &je) : json_object(), 0};
	TplCache *c = tpl_cache_new(json_loader, &jl);
	Buf out = {0};
	char *err = NULL;
	char *res;
	if (tpl_render_string(c, src, d, &out, &err) == 0) {
		res = buf_detach(&out);
	} else {
		res = xasprintf("ERROR: %s", err);
		free(err);
		buf_free(&out);
	}
	tpl_cache_free(c);
	json_decref(jl.templates);
	json_decref(d);
	return res;
}

#define check(src, data, partials, want, ...)                 \
	do {                                                     \
		char *got_ = render(src, data, partials);        \
		is_str(got_, want, __VA_ARGS__);                 \
		free(got_);                                      \
	} while (0)

static void test_escaping(void)
{
	const char *d = "{\"x\": \"<a href=\\\"/?a=1&b=2\\\">it's</a>\"}";
	check("{{x}}", d, NULL,
	      "&lt;a href=&quot;/?a=1&amp;b=2&quot;&gt;it&#39;s&lt;/a&gt;",
	      "{{x}} escapes & < > \" '");
	check("{{{x}}}|{{&x}}", d, NULL,
	      "<a href=\"/?a=1&b=2\">it's</a>|<a href=\"/?a=1&b=2\">it's</a>",
	      "triple mustache and {{&x}} do not escape");
	check("{{#list}}({{.}}){{/list}}", "{\"list\": [\"<b>\", \"&\"]}", NULL,
	      "(&lt;b&gt;)(&amp;)", "implicit iterator escapes");
	check("{{n}} {{r}} {{big}} {{t}} {{f}} [{{nul}}] [{{missing}}]",
	      "{\"n\": 85, \"r\": 1.5, \"big\": 0.1, \"t\": true, \"f\": false, \"nul\": null}",
	      NULL, "85 1.5 0.1 true false [] []",
	      "numbers, booleans, null, missing");
	check("{{o}}", "{\"o\": {\"a\": [1, \"<\"]}}", NULL,
	      "{&quot;a&quot;:[1,&quot;&lt;&quot;]}", "objects print as escaped JSON");
}

static void test_sections(void)
{
	const char *d =
	    "{\"tasks\": [{\"id\": 1, \"title\": \"Fix <login>\", \"tags\": [\"a\", \"b\"]},"
	    "            {\"id\": 2, \"title\": \"Call back\", \"tags\": []}],"
	    " \"none\": []}";
	check("<ul>\n"
	      "{{#tasks}}\n"
	      "  <li id=\"t{{id}}\">{{title}}{{#tags}} [{{.}}]{{/tags}}</li>\n"
	      "{{/tasks}}\n"
	      "{{^tasks}}\n"
	      "  <li>none</li>\n"
	      "{{/tasks}}\n"
	      "</ul>\n",
	      d, NULL,
	      "<ul>\n"
	      "  <li id=\"t1\">Fix &lt;login&gt; [a] [b]</li>\n"
	      "  <li id=\"t2\">Call back</li>\n"
	      "</ul>\n",
	      "sections over arrays of objects, standalone lines vanish");
	check("{{#none}}x{{/none}}{{^none}}empty{{/none}}", d, NULL, "empty",
	      "empty array is falsey");
	check("[{{#s}}s{{/s}}{{#z}}z{{/z}}{{#o}}o{{/o}}{{#r}}r{{/r}}{{^s}}!s{{/s}}]",
	      "{\"s\": \"\", \"z\": 0, \"o\": {}, \"r\": 0.0}", NULL, "[o!s]",
	      "\"\", 0 and 0.0 are falsey, {} is truthy");
}

static void test_lookup(void)
{
	const char *d =
	    "{\"site\": {\"title\": \"Switchboard\"}, \"user\": {\"name\": \"Ann\","
	    " \"client\": {\"name\": \"Acme\"}}, \"name\": \"root\"}";
	check("{{#user}}{{name}} of {{client.name}} on {{site.title}}{{/user}} / {{name}}",
	      d, NULL, "Ann of Acme on Switchboard / root",
	      "nested context lookup walks outwards; dotted names go inwards");
	check("{{#user}}{{#client}}{{name}}/{{user.name}}{{/client}}{{/user}}", d,
	      NULL, "Acme/Ann", "dotted name resolved from an outer context");
	check("{{user.client.missing.deeper}}|{{#user.client}}{{name}}{{/user.client}}",
	      d, NULL, "|Acme", "broken chains are empty; dotted sections");
}

static void test_inheritance(void)
{
	const char *partials =
	    "{\"layout\": \"<!DOCTYPE html>\\n<title>{{$title}}Switchboard{{/title}}</title>\\n"
	    "<body>\\n  {{>nav}}\\n  <main>\\n    {{$content}}\\n    <p>nothing</p>\\n"
	    "    {{/content}}\\n  </main>\\n</body>\\n\","
	    " \"nav\": \"<nav>\\n  <a href=\\\"/\\\">{{user}}</a>\\n</nav>\\n\","
	    " \"page\": \"{{<layout}}\\n{{$title}}Tasks · {{site}}{{/title}}\\n{{$content}}\\n"
	    "<h1>{{count}} open</h1>\\n<ul>\\n{{#tasks}}\\n  <li>{{.}}</li>\\n{{/tasks}}\\n</ul>\\n"
	    "{{/content}}\\n{{/layout}}\\n\"}";
	const char *want =
	    "<!DOCTYPE html>\n<title>Tasks · Acme</title>\n<body>\n"
	    "  <nav>\n    <a href=\"/\">Ann &amp; Bo</a>\n  </nav>\n"
	    "  <main>\n"
	    "    <h1>2 open</h1>\n    <ul>\n      <li>a</li>\n      <li>b</li>\n    </ul>\n"
	    "  </main>\n</body>\n";
	check("{{>page}}",
	      "{\"site\": \"Acme\", \"user\": \"Ann & Bo\", \"count\": 2, \"tasks\": [\"a\", \"b\"]}",
	      partials, want, "layout inheritance with blocks and a partial, reindented");
	check("{{<layout}}{{/layout}}", "{\"user\": \"x\"}", partials,
	      "<!DOCTYPE html>\n<title>Switchboard</title>\n<body>\n"
	      "  <nav>\n    <a href=\"/\">x</a>\n  </nav>\n"
	      "  <main>\n    <p>nothing</p>\n  </main>\n</body>\n",
	      "block defaults when nothing is overridden");
}

static void test_cache(void)
{
	JsonLoader jl = {json_pack("{s:s, s:s}", "page", "<{{>part}}{{>gone}}>",
	                           "part", "[{{x}}]"),
	                 0};
	TplCache *c = tpl_cache_new(json_loader, &jl);
	json_t *d1 = json_pack("{s:i}", "x", 1), *d2 = json_pack("{s:s}", "x", "two");
	Buf out = {0};
	char *err = NULL;
	is_int(tpl_render_name(c, "page", d1, &out, &err), 0, "first render");
	is_int(tpl_render_name(c, "page", d2, &out, &err), 0, "second render");
	is_str(buf_cstr(&out), "<[1]><[two]>", "both renders appended to out");
	is_int(jl.calls, 3, "loader called once per name, missing ones included");
	is_int(tpl_render_name(c, "nope", d1, &out, &err), -1, "missing top-level template");
	is_str(err, "nope: template not found", "message names it");
	free(err);
	err = NULL;
	is_str(buf_cstr(&out), "<[1]><[two]>", "out untouched by the failure");
	buf_free(&out);
	json_decref(d1);
	json_decref(d2);
	tpl_cache_free(c);
	json_decref(jl.templates);
}

static void test_errors(void)
{
	check("a\n{{#items}}\n  {{name}}\n", "{}", NULL,
	      "ERROR: string:2: unclosed section 'items'", "unclosed section");
	check("{{#a}}\n{{#b}}\n{{/a}}\n", "{}", NULL,
	      "ERROR: string:3: closing tag 'a' does not match 'b' opened on line 2",
	      "mismatched close tag");
	check("x\n{{/a}}", "{}", NULL,
	      "ERROR: string:2: closing tag 'a' without an open section",
	      "close without open");
	check("x {{name", "{}", NULL, "ERROR: string:1: unclosed tag (no '}}')",
	      "unclosed tag");
	check("{{> p}}", "{}", "{\"p\": \"ok\\n{{#x}}\"}",
	      "ERROR: p:2: unclosed section 'x'", "parse error inside a partial");
	check("{{=<% %>=}}<% a b %>", "{}", NULL,
	      "ERROR: string:1: tag name 'a b' contains whitespace",
	      "names with spaces are errors");

	char *got = render("{{>loop}}", "{}", "{\"loop\": \"x{{>loop}}\"}");
	ok(strncmp(got, "ERROR: loop:1: partials nested deeper than 100", 46) == 0,
	   "self-recursive partial stops at the depth limit");
	if (strncmp(got, "ERROR:", 6) != 0)
		printf("#   got: %.60s\n", got);
	free(got);
	got = render("{{<p}}{{$b}}{{$b}}x{{/b}}{{/b}}{{/p}}", "{}",
	             "{\"p\": \"{{$b}}{{/b}}\"}");
	ok(strncmp(got, "ERROR: ", 7) == 0 && strstr(got, "deeper than"),
	   "block that overrides itself stops at the depth limit");
	free(got);
	check("{{>tree}}",
	      "{\"n\": 1, \"kids\": [{\"n\": 2, \"kids\": [{\"n\": 3, \"kids\": []}]}]}",
	      "{\"tree\": \"{{n}}({{#kids}}{{>tree}}{{/kids}})\"}", "1(2(3()))",
	      "bounded recursion through data works");

	Buf nest = {0};
	for (int i = 0; i <= TPL_MAX_NEST; i++)
		buf_puts(&nest, "{{#a}}");
	got = render(buf_cstr(&nest), "{}", NULL);
	is_str(got, "ERROR: string:1: sections nested deeper than 100",
	       "section nesting is limited");
	free(got);
	buf_free(&nest);
}

static void test_dir_cache(void)
{
	char dir[] = "/tmp/test_mustache.XXXXXX";
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	char *sub = xasprintf("%s/pages", dir);
	char *home = xasprintf("%s/pages/home.mustache", dir);
	char *secret = xasprintf("%s/secret.mustache", dir);
	mkdir(sub, 0700);
	FILE *f = fopen(home, "w");
	fputs("home {{>../secret}}{{>/etc/passwd}}{{>pages/home2}}", f);
	fclose(f);
	f = fopen(secret, "w");
	fputs("SECRET", f);
	fclose(f);

	char *pages = xasprintf("%s/pages", dir);
	TplCache *c = tpl_cache_dir(pages);
	Buf out = {0};
	char *err = NULL;
	is_int(tpl_render_name(c, "home", NULL, &out, &err), 0, "dir cache renders");
	is_str(buf_cstr(&out), "home ", "'..', absolute and missing names render empty");
	is_int(tpl_render_name(c, "../secret", NULL, &out, &err), -1,
	       "'..' in a top-level name is not found");
	free(err);
	tpl_cache_free(c);
	buf_free(&out);

	unlink(home);
	unlink(secret);
	rmdir(sub);
	rmdir(dir);
	free(sub);
	free(home);
	free(secret);
	free(pages);
}

/* ---- the official spec ---- */

static const char *const spec_files[] = {
	"comments", "delimiters", "interpolation", "inverted",
	"partials", "sections",   "~inheritance",
};

static void run_spec_file(const char *dir, const char *file)
{
	char *path = xasprintf("%s/%s.json", dir, file);
	json_error_t je;
	json_t *spec = json_load_file(path, 0, &je);
	json_t *tests = json_object_get(spec, "tests");
	if (!json_is_array(tests)) {
		ok(0, "spec %s: cannot load %s: %s", file, path, je.text);
		json_decref(spec);
		free(path);
		return;
	}
	int pass = 0;
	size_t i;
	json_t *t;
	json_array_foreach(tests, i, t) {
		const char *name = json_string_value(json_object_get(t, "name"));
		const char *src = json_string_value(json_object_get(t, "template"));
		const char *want = json_string_value(json_object_get(t, "expected"));
		json_t *partials = json_object_get(t, "partials");
		JsonLoader jl = {partials ? json_incref(partials) : json_object(), 0};
		TplCache *c = tpl_cache_new(json_loader, &jl);
		Buf out = {0};
		char *err = NULL;
		int rc = tpl_render_string(c, src, json_object_get(t, "data"), &out, &err);
		const char *got = rc == 0 ? buf_cstr(&out) : err;
		pass += rc == 0 && strcmp(got, want) == 0;
		is_str(got, want, "spec %s: %s", file, name);
		free(err);
		buf_free(&out);
		tpl_cache_free(c);
		json_decref(jl.templates);
	}
	printf("# spec %s: %d of %zu pass\n", file, pass, json_array_size(tests));
	json_decref(spec);
	free(path);
}

static void test_spec(void)
{
	const char *dir = getenv("MUSTACHE_SPEC_DIR");
	if (!dir || !*dir)
		dir = "../shared/mustache-spec";
	struct stat st;
	for (size_t i = 0; i < ARRAY_LEN(spec_files); i++) {
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
			ok(1, "# skip mustache spec not found (%s: %s)", dir,
			   spec_files[i]);
		else
			run_spec_file(dir, spec_files[i]);
	}
}

int main(void)
{
	test_escaping();
	test_sections();
	test_lookup();
	test_inheritance();
	test_cache();
	test_errors();
	test_dir_cache();
	test_spec();
	return done_testing();
}
