/*
 * config.c - settings from the environment, the config file and defaults.
 *
 * The table below is the configuration reference: name, default, whether
 * it is a secret (masked by `switchboard config`) and what it means.  Paths
 * that depend on where the program lives (templates, static files) default
 * to the source tree when the binary runs from it, otherwise to the
 * installation prefix.  This file must not touch the database or the
 * network.
 */
#include "core/config.h"
#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SB_PREFIX
#define SB_PREFIX "/usr/local"
#endif

typedef struct {
	const char *name;
	const char *def; /* NULL: derived at load time */
	int secret;
	const char *help;
	char *value;
	const char *source;
} Setting;

static Setting settings[] = {
	{"SWITCHBOARD_DATA", "./data", 0, "runtime directory (database, artifacts.git, site/)", NULL, NULL},
	{"SWITCHBOARD_DB", NULL, 0, "SQLite database file (default $SWITCHBOARD_DATA/switchboard.db)", NULL, NULL},
	{"SWITCHBOARD_TEMPLATES", NULL, 0, "Mustache templates directory", NULL, NULL},
	{"SWITCHBOARD_STATIC", NULL, 0, "static files directory (CSS, images)", NULL, NULL},
	{"SWITCHBOARD_PUBLIC_URL", "http://127.0.0.1:8080", 0, "external base URL, as clients and Twilio see it", NULL, NULL},
	{"SWITCHBOARD_MAX_BODY", "1048576", 0, "largest request body accepted, in bytes (413 above)", NULL, NULL},
	{"SWITCHBOARD_SYNC", "full", 0, "SQLite synchronous mode: full (durable on power loss) or normal", NULL, NULL},
	{"SWITCHBOARD_ALLOW_ROOT", "0", 0, "set to 1 to allow running as root", NULL, NULL},
	{"SWITCHBOARD_LOG_REQUESTS", "1", 0, "one log line per request on stderr (0 to disable)", NULL, NULL},
	{"SESSION_IDLE_MINUTES", "720", 0, "a session unused this long expires", NULL, NULL},
	{"SESSION_MAX_HOURS", "168", 0, "a session expires this long after login, used or not", NULL, NULL},
	{"ROUTE_CONFIDENCE_THRESHOLD", "0.6", 0, "classifications below this confidence go to a human", NULL, NULL},
	{"TWILIO_ACCOUNT_SID", "", 0, "Twilio account SID (AC...)", NULL, NULL},
	{"TWILIO_AUTH_TOKEN", "", 1, "Twilio auth token: verifies webhooks and authenticates sends", NULL, NULL},
	{"TWILIO_FROM_NUMBER", "", 0, "sender number for outbound SMS (E.164)", NULL, NULL},
	{"TWILIO_MESSAGING_SERVICE_SID", "", 0, "Messaging Service SID (MG...), used instead of the from number", NULL, NULL},
	{"TWILIO_API_BASE", "https://api.twilio.com", 0, "Twilio REST API base URL", NULL, NULL},
	{"TWILIO_TIMEOUT_MS", "15000", 0, "total timeout of one Twilio API request, in milliseconds", NULL, NULL},
	{"LLM_PROVIDER", "builtin", 0, "classifier and drafting provider: builtin or openai", NULL, NULL},
	{"LLM_BASE_URL", "http://127.0.0.1:11434/v1", 0, "OpenAI-compatible base URL (ending in /v1)", NULL, NULL},
	{"LLM_API_KEY", "", 1, "API key for the OpenAI-compatible provider", NULL, NULL},
	{"LLM_MODEL", "gpt-4o-mini", 0, "model name for the OpenAI-compatible provider", NULL, NULL},
	{"LLM_TIMEOUT_MS", "60000", 0, "total timeout of one LLM request, in milliseconds", NULL, NULL},
	{"JOB_MAX_ATTEMPTS", "8", 0, "attempts before a job is dead", NULL, NULL},
	{"JOB_BACKOFF_MS", "2000", 0, "first retry delay of a failed job, doubled each time (jittered)", NULL, NULL},
	{"JOB_LEASE_SECONDS", "120", 0, "a job taken by a worker that died is retaken after this", NULL, NULL},
	/* Reports (gen/, fcgi/pages/page_reports.c). */
	{"SWITCHBOARD_SITE", "", 0, "report site written by switchboard-gen (empty: $SWITCHBOARD_DATA/site)", NULL, NULL},
	{"SWITCHBOARD_SENDFILE", "1", 0, "report files: 1 X-Sendfile (lighttpd, Apache), /PREFIX/ nginx X-Accel-Redirect, 0 stream", NULL, NULL},
	{"SLA_URGENT_MINUTES", "60", 0, "first-response target for urgent tasks, in minutes (reports)", NULL, NULL},
	{"SLA_MEDIUM_MINUTES", "480", 0, "first-response target for medium tasks, in minutes (reports)", NULL, NULL},
	{"SLA_LOW_MINUTES", "2880", 0, "first-response target for low-urgency tasks, in minutes (reports)", NULL, NULL},
	{"LLM_PRICES", "gpt-4o-mini=0.15/0.60,gpt-4o=2.50/10.00,gpt-4.1-mini=0.40/1.60,gpt-4.1=2.00/8.00", 0,
	 "USD per million prompt/completion tokens by model, for report cost estimates (MODEL=IN/OUT,...)", NULL, NULL},
	/* Documents and the artifact repository (lib/desk/documents.c, lib/store/artifacts.c,
	 * fcgi/pages/page_documents.c's git endpoint). */
	{"SWITCHBOARD_ARTIFACTS", NULL, 0, "artifact repository, a bare git repository (default $SWITCHBOARD_DATA/artifacts.git)", NULL, NULL},
	{"SWITCHBOARD_MAX_UPLOAD", "10485760", 0, "largest uploaded document in bytes (413 above; SWITCHBOARD_MAX_BODY must leave room)", NULL, NULL},
	{"SWITCHBOARD_GIT_HTTP_BACKEND", "/usr/lib/git-core/git-http-backend", 0, "git-http-backend, run for read-only clones of the artifact repository", NULL, NULL},
	/* GitHub issues for bug tasks (lib/providers/github.c, the github_* jobs in
	 * lib/desk/worker.c, fcgi/webhooks/webhook_github.c, fcgi/pages/page_github.c). */
	{"GITHUB_TOKEN", "", 1, "GitHub token with Issues read/write on GITHUB_REPO (empty: issues wait as pending actions)", NULL, NULL},
	{"GITHUB_REPO", "", 0, "repository bug issues are opened in, owner/name", NULL, NULL},
	{"GITHUB_API_BASE", "https://api.github.com", 0, "GitHub REST API base URL (GHES: https://HOST/api/v3)", NULL, NULL},
	{"GITHUB_WEBHOOK_SECRET", "", 1, "secret of the GitHub webhook: verifies X-Hub-Signature-256 (empty: webhooks refused)", NULL, NULL},
	{"GITHUB_TIMEOUT_MS", "15000", 0, "total timeout of one GitHub API request, in milliseconds", NULL, NULL},
};

static Setting *find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(settings); i++)
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	return NULL;
}

static void set_value(Setting *s, const char *value, const char *source)
{
	free(s->value);
	s->value = xstrdup(value);
	s->source = source;
}

void config_set(const char *name, const char *value)
{
	Setting *s = find(name);
	if (!s)
		sb_die("config_set: unknown setting %s", name);
	set_value(s, value, "override");
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The source tree holding the running binary (…/build/bin/switchboard or
 * …/bin/switchboard), or NULL when the program is installed. */
static char *source_root(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	for (int up = 0; up < 4; up++) {
		char *slash = strrchr(exe, '/');
		if (!slash)
			return NULL;
		*slash = '\0';
		char probe[PATH_MAX + 32];
		snprintf(probe, sizeof probe, "%s/templates/pages", exe);
		if (is_dir(probe)) {
			snprintf(probe, sizeof probe, "%s/migrations", exe);
			if (is_dir(probe))
				return xstrdup(exe);
		}
	}
	return NULL;
}

/* PREFIX/share/switchboard/SUB for an installed program: found next to
 * the binary (PREFIX/bin/switchboard), so an installed tree can be moved;
 * the build's PREFIX otherwise. */
static char *installed_path(const char *sub)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			char *p = xasprintf("%s/../share/switchboard/%s", exe, sub);
			if (is_dir(p)) {
				char real[PATH_MAX];
				if (realpath(p, real)) {
					free(p);
					return xstrdup(real);
				}
				return p;
			}
			free(p);
		}
	}
	return xasprintf("%s/share/switchboard/%s", SB_PREFIX, sub);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int load_file(const char *path, char **err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		*err = xasprintf("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	char line[4096];
	int lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *l = trim(line);
		if (*l == '\0' || *l == '#')
			continue;
		char *eq = strchr(l, '=');
		if (!eq) {
			*err = xasprintf("%s:%d: expected `key = value`", path, lineno);
			fclose(f);
			return -1;
		}
		*eq = '\0';
		char *key = trim(l), *val = trim(eq + 1);
		size_t vl = strlen(val);
		if (vl >= 2 && ((val[0] == '"' && val[vl - 1] == '"') || (val[0] == '\'' && val[vl - 1] == '\''))) {
			val[vl - 1] = '\0';
			val++;
		}
		Setting *s = find(key);
		if (!s) {
			*err = xasprintf("%s:%d: unknown setting %s", path, lineno, key);
			fclose(f);
			return -1;
		}
		if (strcmp(s->source, "environment") != 0)
			set_value(s, val, "file");
	}
	fclose(f);
	return 0;
}

int config_load(char **err)
{
	*err = NULL;
	for (size_t i = 0; i < ARRAY_LEN(settings); i++) {
		Setting *s = &settings[i];
		const char *env = getenv(s->name);
		if (env)
			set_value(s, env, "environment");
		else if (s->def)
			set_value(s, s->def, "default");
		else {
			free(s->value);
			s->value = NULL;
			s->source = "derived";
		}
	}
	char *path = xasprintf("%s/switchboard.conf", config_get("SWITCHBOARD_DATA"));
	int rc = load_file(path, err);
	free(path);
	if (rc != 0)
		return -1;

	char *root = source_root();
	Setting *s;
	if (!(s = find("SWITCHBOARD_DB"))->value) {
		char *v = xasprintf("%s/switchboard.db", config_get("SWITCHBOARD_DATA"));
		set_value(s, v, "derived");
		free(v);
	}
	if (!(s = find("SWITCHBOARD_ARTIFACTS"))->value) {
		char *v = xasprintf("%s/artifacts.git", config_get("SWITCHBOARD_DATA"));
		set_value(s, v, "derived");
		free(v);
	}
	struct { const char *name, *sub; } dirs[] = {
		{"SWITCHBOARD_TEMPLATES", "templates"},
		{"SWITCHBOARD_STATIC", "static"},
	};
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++) {
		s = find(dirs[i].name);
		if (s->value)
			continue;
		char *v = root ? xasprintf("%s/%s", root, dirs[i].sub) : installed_path(dirs[i].sub);
		set_value(s, v, "derived");
		free(v);
	}
	free(root);
	/* A trailing slash on the public URL would double the slash in every
	 * URL we build (and break Twilio signatures). */
	s = find("SWITCHBOARD_PUBLIC_URL");
	size_t n = strlen(s->value);
	while (n > 0 && s->value[n - 1] == '/')
		s->value[--n] = '\0';
	return 0;
}

const char *config_get(const char *name)
{
	Setting *s = find(name);
	if (!s)
		sb_die("config_get: unknown setting %s", name);
	return s->value ? s->value : "";
}

long config_int(const char *name)
{
	return strtol(config_get(name), NULL, 10);
}

double config_double(const char *name)
{
	return strtod(config_get(name), NULL);
}

int config_bool(const char *name)
{
	const char *v = config_get(name);
	return strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
	       strcasecmp(v, "on") == 0;
}

const char *config_source(const char *name)
{
	Setting *s = find(name);
	if (!s)
		sb_die("config_source: unknown setting %s", name);
	return s->source ? s->source : "default";
}

void config_print(FILE *f)
{
	for (size_t i = 0; i < ARRAY_LEN(settings); i++) {
		Setting *s = &settings[i];
		const char *v = s->value ? s->value : "";
		char masked[64];
		if (s->secret && *v) {
			size_t n = strlen(v);
			snprintf(masked, sizeof masked, "****%s (%zu chars)", n > 8 ? v + n - 2 : "", n);
			v = masked;
		}
		fprintf(f, "%-30s = %-40s # %s; %s\n", s->name, v, s->source ? s->source : "default", s->help);
	}
}

int config_root_cli_ok(void)
{
	if (geteuid() != 0 || config_bool("SWITCHBOARD_ALLOW_ROOT"))
		return 1;
	struct stat st;
	return stat(config_get("SWITCHBOARD_DATA"), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0;
}
