/*
 * cmd_render.c - `switchboard render TEMPLATE [DATA.json] [--partials DIR]`:
 * render one Mustache file with JSON data and print the result, exactly,
 * on standard output.  It is how template authors try a page out, and what
 * tests/integration/t0110-render-spec.sh runs the Mustache spec through.
 *
 * It must not read configuration, open the database or touch the network:
 * it only reads the files it is given (and partials under DIR).
 */
#include "cli/cmd_render.h"
#include "web/mustache.h"
#include "core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void render_usage(FILE *f)
{
	fputs("Usage: switchboard render TEMPLATE [DATA.json] [--partials DIR]\n"
	      "Render the Mustache file TEMPLATE with the JSON value in DATA.json\n"
	      "(\"-\" reads standard input; without it the data is {}) and print the\n"
	      "result exactly, with no newline added.  {{> name}} and {{< name}} load\n"
	      "DIR/name.mustache; DIR defaults to the directory holding TEMPLATE.\n"
	      "Exit status: 0 rendered, 1 error (on standard error), 2 usage error.\n",
	      f);
}

/* Prints "what" followed by arg, then the usage; returns exit status 2. */
static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "switchboard render: %s%s\n", what, arg);
	render_usage(stderr);
	return 2;
}

/* The directory part of path ("." if none); malloc'd. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* Loads the data argument: NULL means {}, "-" standard input.  Returns a
 * new reference, or NULL after printing why. */
static json_t *load_data(const char *path)
{
	json_error_t je;
	json_t *d;
	if (!path)
		return json_object();
	if (strcmp(path, "-") == 0)
		d = json_loadf(stdin, JSON_DECODE_ANY, &je);
	else
		d = json_load_file(path, JSON_DECODE_ANY, &je);
	if (!d)
		fprintf(stderr, "switchboard render: %s:%d:%d: %s\n",
		        strcmp(path, "-") == 0 ? "stdin" : path, je.line, je.column,
		        je.text);
	return d;
}

int cmd_render(int argc, char **argv)
{
	const char *tpl_path = NULL, *data_path = NULL, *partials = NULL;
	int options = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (options && strcmp(a, "--") == 0) {
			options = 0;
		} else if (options && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
			render_usage(stdout);
			return 0;
		} else if (options && strcmp(a, "--partials") == 0) {
			if (++i == argc)
				return usage_error("--partials needs a directory", "");
			partials = argv[i];
		} else if (options && strncmp(a, "--partials=", 11) == 0) {
			partials = a + 11;
		} else if (options && a[0] == '-' && a[1] != '\0') {
			return usage_error("unknown option ", a);
		} else if (!tpl_path) {
			tpl_path = a;
		} else if (!data_path) {
			data_path = a;
		} else {
			return usage_error("unexpected argument ", a);
		}
	}
	if (!tpl_path)
		return usage_error("no TEMPLATE given", "");

	size_t len;
	char *src = read_file(tpl_path, &len);
	if (!src) {
		fprintf(stderr, "switchboard render: %s: %s\n", tpl_path, strerror(errno));
		return 1;
	}
	if (memchr(src, '\0', len)) {
		fprintf(stderr, "switchboard render: %s: contains a NUL byte\n", tpl_path);
		free(src);
		return 1;
	}
	json_t *data = load_data(data_path);
	if (!data) {
		free(src);
		return 1;
	}

	char *dir = partials ? xstrdup(partials) : dir_of(tpl_path);
	TplCache *cache = tpl_cache_dir(dir);
	Buf out = {0};
	char *err = NULL;
	int rc = 0;
	if (tpl_render_source(cache, tpl_path, src, data, &out, &err) != 0) {
		fprintf(stderr, "switchboard render: %s\n", err);
		rc = 1;
	} else if ((out.len && fwrite(out.s, 1, out.len, stdout) != out.len) ||
	           fflush(stdout) != 0) {
		fprintf(stderr, "switchboard render: writing output: %s\n", strerror(errno));
		rc = 1;
	}
	free(err);
	buf_free(&out);
	tpl_cache_free(cache);
	free(dir);
	json_decref(data);
	free(src);
	return rc;
}
