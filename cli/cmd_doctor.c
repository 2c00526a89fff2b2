/*
 * cmd_doctor.c - `switchboard doctor [--json]`: is this desk set up and
 * running as it should?
 *
 * One line per check, OK, WARN or FAIL, with what was found and, when
 * something is wrong, what to do about it.  Checks: the configuration and
 * the settings each configured feature needs; ownership and modes of the
 * data directory, database, repository and config file; migrations; the
 * public URL as the web server and the program behind it see it (fetched
 * from SWITCHBOARD_PUBLIC_URL/health/url); reachability of the configured
 * providers; the worker's heartbeat; the report generator's last run.
 *
 * It changes nothing: the database is opened read-only, requests to
 * providers only read, and no secret is ever printed.  Exit status 0 when
 * no check failed, 1 otherwise, 2 on usage errors.
 */
#include "cli/cli.h"
#include "core/config.h"
#include "desk/health.h"
#include "providers/github.h"
#include "core/http.h"
#include "store/store.h"
#include "core/util.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

typedef enum { CK_OK, CK_WARN, CK_FAIL } CheckLevel;

static const char *const level_names[] = {"OK", "WARN", "FAIL"};

typedef struct {
	int json;
	json_t *list;
	int fails, warns;
} Report;

/* Record one check: printed at once as "LEVEL check: message. Hint: ..."
 * (or collected for --json).  hint may be NULL. */
static void check(Report *r, CheckLevel lv, const char *name, const char *hint, const char *fmt, ...) SB_PRINTF(5, 6);
static void check(Report *r, CheckLevel lv, const char *name, const char *hint, const char *fmt, ...)
{
	Buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (lv == CK_FAIL)
		r->fails++;
	else if (lv == CK_WARN)
		r->warns++;
	if (r->json) {
		json_array_append_new(r->list, json_pack("{s:s,s:s,s:s,s:s?}", "check", name, "status", level_names[lv],
							 "message", buf_cstr(&b), "hint", hint));
	} else {
		printf("%-4s %-12s %s%s%s\n", level_names[lv], name, buf_cstr(&b), hint ? ". Hint: " : "",
		       hint ? hint : "");
		fflush(stdout);
	}
	buf_free(&b);
}

static int is_http_url(const char *u)
{
	return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

/* Is the host of URL u a loopback address? */
static int is_loopback(const char *u)
{
	const char *h = strstr(u, "://");
	h = h ? h + 3 : u;
	return strncmp(h, "127.", 4) == 0 || strncmp(h, "localhost", 9) == 0 || strncmp(h, "[::1]", 5) == 0;
}

/* ---- configuration -------------------------------------------------------- */

static void check_numbers(Report *r)
{
	static const char *const positive[] = {
		"SWITCHBOARD_MAX_BODY", "SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS", "TWILIO_TIMEOUT_MS",
		"LLM_TIMEOUT_MS", "JOB_MAX_ATTEMPTS", "JOB_BACKOFF_MS", "JOB_LEASE_SECONDS", "SLA_URGENT_MINUTES",
		"SLA_MEDIUM_MINUTES", "SLA_LOW_MINUTES", "SWITCHBOARD_MAX_UPLOAD", "GITHUB_TIMEOUT_MS"};
	int bad = 0;
	for (size_t i = 0; i < ARRAY_LEN(positive); i++) {
		const char *v = config_get(positive[i]);
		char *end;
		errno = 0;
		long n = strtol(v, &end, 10);
		if (!*v || *end || errno || n <= 0) {
			check(r, CK_FAIL, "config", "give a positive whole number", "%s is '%s', not a positive number",
			      positive[i], v);
			bad = 1;
		}
	}
	double t = config_double("ROUTE_CONFIDENCE_THRESHOLD");
	if (t < 0 || t > 1) {
		check(r, CK_FAIL, "config", "a confidence between 0 and 1, e.g. 0.6",
		      "ROUTE_CONFIDENCE_THRESHOLD is %s, outside 0..1", config_get("ROUTE_CONFIDENCE_THRESHOLD"));
		bad = 1;
	}
	const char *sync = config_get("SWITCHBOARD_SYNC");
	if (strcmp(sync, "full") != 0 && strcmp(sync, "normal") != 0) {
		check(r, CK_FAIL, "config", "full or normal", "SWITCHBOARD_SYNC is '%s'", sync);
		bad = 1;
	}
	if (!bad)
		check(r, CK_OK, "config", NULL, "settings load (environment, %s/switchboard.conf, defaults)",
		      config_get("SWITCHBOARD_DATA"));
}

static void check_public_url_setting(Report *r)
{
	const char *u = config_get("SWITCHBOARD_PUBLIC_URL");
	if (!is_http_url(u))
		check(r, CK_FAIL, "public-url", "e.g. https://desk.example.com",
		      "SWITCHBOARD_PUBLIC_URL is '%s', not an http:// or https:// URL", u);
	else if (strncmp(u, "http://", 7) == 0 && !is_loopback(u))
		check(r, CK_WARN, "public-url", "put the desk behind TLS and set an https:// URL",
		      "SWITCHBOARD_PUBLIC_URL %s is plain http: passwords and messages cross the network unencrypted", u);
	else
		check(r, CK_OK, "public-url", NULL, "SWITCHBOARD_PUBLIC_URL is %s", u);
}

static void check_twilio_settings(Report *r)
{
	const char *sid = config_get("TWILIO_ACCOUNT_SID");
	int token = *config_get("TWILIO_AUTH_TOKEN") != 0;
	int from = *config_get("TWILIO_FROM_NUMBER") || *config_get("TWILIO_MESSAGING_SERVICE_SID");
	if (!token)
		check(r, CK_FAIL, "twilio", "set TWILIO_AUTH_TOKEN (the account's auth token; any random string for a local desk)",
		      "TWILIO_AUTH_TOKEN is empty: inbound webhooks cannot be verified and are refused");
	else if (!*sid)
		check(r, CK_WARN, "twilio", "set TWILIO_ACCOUNT_SID and TWILIO_FROM_NUMBER to send real SMS",
		      "no TWILIO_ACCOUNT_SID: outbound SMS use the log channel (recorded as sent, not delivered)");
	else if (!from)
		check(r, CK_FAIL, "twilio", "set TWILIO_FROM_NUMBER (E.164) or TWILIO_MESSAGING_SERVICE_SID",
		      "TWILIO_ACCOUNT_SID is set but there is no sender: replies fall back to the log channel");
	else if (strncmp(sid, "AC", 2) != 0 || strlen(sid) != 34)
		check(r, CK_WARN, "twilio", "copy it from the Twilio console (AC followed by 32 characters)",
		      "TWILIO_ACCOUNT_SID does not look like an account SID");
	else
		check(r, CK_OK, "twilio", NULL, "account, auth token and sender are set: replies go out through Twilio");
}

static void check_llm_settings(Report *r)
{
	const char *p = config_get("LLM_PROVIDER"), *base = config_get("LLM_BASE_URL");
	if (strcmp(p, "builtin") == 0)
		check(r, CK_OK, "llm", NULL, "builtin provider: classifier and drafts run locally, no network");
	else if (strcmp(p, "openai") != 0)
		check(r, CK_FAIL, "llm", "builtin or openai", "LLM_PROVIDER is '%s', which is not a provider", p);
	else if (!is_http_url(base))
		check(r, CK_FAIL, "llm", "e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1",
		      "LLM_BASE_URL is '%s', not an http(s) URL", base);
	else if (!*config_get("LLM_API_KEY") && !is_loopback(base))
		check(r, CK_WARN, "llm", "set LLM_API_KEY unless this server needs none",
		      "LLM_API_KEY is empty for the remote provider %s", base);
	else
		check(r, CK_OK, "llm", NULL, "OpenAI-compatible provider at %s, model %s", base, config_get("LLM_MODEL"));
}

static void check_github_settings(Report *r)
{
	const char *repo = config_get("GITHUB_REPO");
	if (!*config_get("GITHUB_TOKEN")) {
		check(r, CK_OK, "github", NULL, "not configured: bug issues wait as pending actions with their text ready");
		return;
	}
	const char *slash = strchr(repo, '/');
	if (!slash || slash == repo || !slash[1] || strchr(slash + 1, '/'))
		check(r, CK_FAIL, "github", "set GITHUB_REPO=owner/name",
		      "GITHUB_TOKEN is set but GITHUB_REPO is '%s', not owner/name", repo);
	else if (!*config_get("GITHUB_WEBHOOK_SECRET"))
		check(r, CK_WARN, "github", "set GITHUB_WEBHOOK_SECRET to the secret of the repository's webhook",
		      "issues go to %s, but without GITHUB_WEBHOOK_SECRET its webhooks are refused (closed issues "
		      "are not noticed)", repo);
	else
		check(r, CK_OK, "github", NULL, "issues go to %s; webhooks verified", repo);
}

/* ---- files ---------------------------------------------------------------- */

static const char *user_name(uid_t uid, char *buf, size_t n)
{
	struct passwd *pw = getpwuid(uid);
	if (pw)
		snprintf(buf, n, "%s", pw->pw_name);
	else
		snprintf(buf, n, "uid %u", (unsigned)uid);
	return buf;
}

/* Can users other than the owner and group read path?  Its mode must let
 * them read it and every directory above must let them through. */
static int readable_by_others(const char *path, const struct stat *st)
{
	if (!(st->st_mode & S_IROTH))
		return 0;
	char real[PATH_MAX];
	if (!realpath(path, real))
		return 1;
	for (char *slash; (slash = strrchr(real, '/')) && slash != real;) {
		*slash = '\0';
		struct stat d;
		if (stat(real, &d) == 0 && !(d.st_mode & S_IXOTH))
			return 0;
	}
	return 1;
}

/* path must be owned by the running user and not readable by others.
 * Missing: FAIL when required, else nothing.  Returns 0 when it passed or
 * is absent, -1 after recording a problem. */
static int check_private(Report *r, const char *name, const char *path, int required, const char *what)
{
	struct stat st;
	char a[64], b[64];
	if (stat(path, &st) != 0) {
		if (required && errno == ENOENT)
			check(r, CK_FAIL, name, "run `switchboard migrate` as the service user", "%s %s does not exist",
			      what, path);
		else if (errno != ENOENT)
			check(r, CK_FAIL, name, "check the directory's permissions", "cannot see %s %s: %s", what, path,
			      strerror(errno));
		return errno == ENOENT && !required ? 0 : -1;
	}
	if (st.st_uid != geteuid()) {
		char *hint = xasprintf("run doctor as the service user, or chown -R %s %s",
				       user_name(geteuid(), a, sizeof a), path);
		check(r, CK_FAIL, name, hint, "%s %s belongs to %s, but this runs as %s: the program cannot write it",
		      what, path, user_name(st.st_uid, b, sizeof b), a);
		free(hint);
		return -1;
	}
	if (readable_by_others(path, &st)) {
		char *hint = xasprintf("chmod o-rwx %s%s", S_ISDIR(st.st_mode) ? "-R " : "", path);
		check(r, CK_FAIL, name, hint, "%s %s is readable by every user on this machine (mode %04o)", what, path,
		      (unsigned)(st.st_mode & 07777));
		free(hint);
		return -1;
	}
	return 0;
}

static void check_files(Report *r)
{
	const char *data = config_get("SWITCHBOARD_DATA"), *db = config_get("SWITCHBOARD_DB");
	struct stat st;
	if (stat(data, &st) != 0 || !S_ISDIR(st.st_mode)) {
		check(r, CK_FAIL, "data-dir", "create it, owned by the service user, mode 0750",
		      "the data directory %s does not exist", data);
	} else if (check_private(r, "data-dir", data, 1, "the data directory") == 0) {
		check(r, CK_OK, "data-dir", NULL, "%s is yours and closed to other users", data);
	}
	int bad = check_private(r, "database", db, 1, "the database");
	const char *suffix[] = {"-wal", "-shm"};
	for (size_t i = 0; i < ARRAY_LEN(suffix) && bad == 0; i++) {
		char *p = xasprintf("%s%s", db, suffix[i]);
		bad = check_private(r, "database", p, 0, "the database's");
		free(p);
	}
	if (bad == 0)
		check(r, CK_OK, "database", NULL, "%s is yours and not readable by other users", db);
	const char *repo = config_get("SWITCHBOARD_ARTIFACTS");
	if (stat(repo, &st) != 0)
		check(r, CK_OK, "repository", NULL, "no artifact repository yet (made with the first document)");
	else if (check_private(r, "repository", repo, 1, "the artifact repository") == 0)
		check(r, CK_OK, "repository", NULL, "%s is yours and not readable by other users", repo);
	char *conf = xasprintf("%s/switchboard.conf", data);
	if (stat(conf, &st) == 0 && check_private(r, "config-file", conf, 0, "the config file") == 0) {
		if (st.st_mode & 077)
			check(r, CK_WARN, "config-file", "chmod 0600 it: it may hold the Twilio and GitHub secrets",
			      "%s is readable by its group (mode %04o)", conf, (unsigned)(st.st_mode & 07777));
		else
			check(r, CK_OK, "config-file", NULL, "%s has mode 0600", conf);
	}
	free(conf);
}

/* ---- the database: migrations and the worker's heartbeat ----------------- */

static void check_database(Report *r)
{
	char *err = NULL;
	const char *db = config_get("SWITCHBOARD_DB");
	Store *s = store_open(db, STORE_READONLY | STORE_UNCHECKED, &err);
	if (!s) {
		check(r, CK_FAIL, "migrations", "run `switchboard migrate` as the service user", "%s", err);
		free(err);
		check(r, CK_FAIL, "worker", "fix the database first", "cannot read the worker's heartbeat");
		return;
	}
	int have = store_schema_version(s), known = store_schema_known();
	if (have == known)
		check(r, CK_OK, "migrations", NULL, "the database is at schema %d, the one this program needs", have);
	else if (have < known)
		check(r, CK_FAIL, "migrations", "run `switchboard migrate` (a backup first: `switchboard backup DIR`)",
		      "the database is at schema %d, this program needs %d", have, known);
	else
		check(r, CK_FAIL, "migrations", "run the newer Switchboard that migrated it, or restore a backup",
		      "the database is at schema %d, newer than this program's %d", have, known);

	/* The worker writes settings.worker_heartbeat about every 10 s
	 * between jobs (lib/desk/worker.c, worker_heartbeat). */
	int64_t at = have > 0 ? health_worker_heartbeat(s) : -1;
	int64_t due = have > 0 ? health_jobs_queued(s) : 0;
	store_close(s);
	if (at < 0) {
		check(r, CK_FAIL, "worker", "start it: systemctl enable --now switchboard-worker (or `switchboard worker`)",
		      "no worker has ever run against this database (%lld jobs queued)", (long long)due);
		return;
	}
	int64_t age = (now_ms() - at) / 1000;
	if (age < 0)
		age = 0;
	const char *hint = "is `switchboard worker` running? systemctl status switchboard-worker";
	if (age <= 120)
		check(r, CK_OK, "worker", NULL, "last heartbeat %llds ago; %lld jobs queued", (long long)age, (long long)due);
	else if (age <= 600)
		check(r, CK_WARN, "worker", hint, "last heartbeat %llds ago (a long job, or stopped); %lld jobs queued",
		      (long long)age, (long long)due);
	else
		check(r, CK_FAIL, "worker", hint, "last heartbeat %lld minutes ago: no worker is running; %lld jobs queued",
		      (long long)(age / 60), (long long)due);
}

/* ---- the report generator ------------------------------------------------- */

static void check_reports(Report *r)
{
	char *site = *config_get("SWITCHBOARD_SITE") ? xstrdup(config_get("SWITCHBOARD_SITE"))
						     : xasprintf("%s/site", config_get("SWITCHBOARD_DATA"));
	/* switchboard-gen rewrites SITE/.gen/state at the end of every run that
	 * succeeded (gen/state.c), so its time is the last good run. */
	char *state = xasprintf("%s/.gen/state", site);
	struct stat st;
	const char *hint = "enable the timer: systemctl enable --now switchboard-gen.timer (or the cron line in "
			   "deploy/switchboard-gen.cron)";
	if (stat(state, &st) != 0) {
		check(r, CK_WARN, "reports", hint, "switchboard-gen has not built %s yet", site);
	} else {
		int64_t age = now_ms() / 1000 - (int64_t)st.st_mtime;
		if (age < 0)
			age = 0;
		if (age <= 900)
			check(r, CK_OK, "reports", NULL, "switchboard-gen last built %s %llds ago", site, (long long)age);
		else
			check(r, CK_WARN, "reports", hint, "switchboard-gen last built %s %lld minutes ago: reports are stale",
			      site, (long long)(age / 60));
	}
	free(state);
	free(site);
}

/* ---- over the network ----------------------------------------------------- */

/* GET url with short timeouts; fills resp.  Returns 0 when an answer came. */
static int probe(const char *url, const char *const *headers, const char *user, const char *pass,
		 const char *bearer, HttpResp *resp)
{
	HttpReq q = {0};
	q.method = "GET";
	q.url = url;
	q.headers = headers;
	q.user = user;
	q.pass = pass;
	q.bearer = bearer;
	q.connect_timeout_ms = 3000;
	q.timeout_ms = 5000;
	q.max_body = 1 << 20;
	return http_request(&q, resp);
}

/* Strip a default port (":80" for http, ":443" for https) from a host. */
static void host_norm(char *host, const char *scheme)
{
	size_t n = strlen(host);
	const char *dflt = strcmp(scheme, "https") == 0 ? ":443" : ":80";
	size_t d = strlen(dflt);
	if (n > d && strcmp(host + n - d, dflt) == 0)
		host[n - d] = '\0';
}

static void check_web(Report *r)
{
	const char *pub = config_get("SWITCHBOARD_PUBLIC_URL");
	if (!is_http_url(pub))
		return;
	char *url = xasprintf("%s/health/url", pub);
	HttpResp resp;
	const char *hint = "SWITCHBOARD_PUBLIC_URL must be the address Twilio calls, and the web server must pass "
			   "it to the program; `switchboard twilio-verify` shows the URLs a signature is checked against";
	if (probe(url, NULL, NULL, NULL, NULL, &resp) != 0) {
		check(r, CK_FAIL, "web", hint, "cannot reach %s: %s (%s)", url, resp.error, http_err_name(resp.err));
		goto out;
	}
	json_t *j = resp.status == 200 ? json_loadb(resp.body.s ? resp.body.s : "", resp.body.len, 0, NULL) : NULL;
	const char *seen = json_string_value(json_object_get(j, "url"));
	const char *their = json_string_value(json_object_get(j, "public_url"));
	const char *scheme = json_string_value(json_object_get(j, "scheme"));
	const char *host = json_string_value(json_object_get(j, "host"));
	if (!seen || !their || !scheme || !host) {
		check(r, CK_FAIL, "web", hint, "%s answered %d without the program's diagnostics: the URL leads to "
					       "another server, or to an older Switchboard", url, resp.status);
	} else if (strcmp(their, pub) != 0) {
		check(r, CK_FAIL, "web", "give the web server's program and this shell the same SWITCHBOARD_PUBLIC_URL "
					 "(deploy/README.md: /etc/default/switchboard or switchboard.conf)",
		      "the program behind %s has SWITCHBOARD_PUBLIC_URL=%s, this command has %s: webhook signatures "
		      "are checked against the program's", pub, their, pub);
	} else {
		/* What the web server passed, against the public URL. */
		char *want_scheme = xstrndup(pub, (size_t)(strstr(pub, "://") - pub));
		const char *ph = strstr(pub, "://") + 3;
		char *want_host = xstrndup(ph, strcspn(ph, "/"));
		char *got_host = xstrdup(host);
		host_norm(want_host, want_scheme);
		host_norm(got_host, scheme);
		if (strcmp(want_scheme, scheme) == 0 && strcasecmp(want_host, got_host) == 0)
			check(r, CK_OK, "web", NULL, "%s reaches the program, which sees the same address (%s)", url, seen);
		else
			check(r, CK_WARN, "web",
			      "fine behind a proxy if Twilio calls SWITCHBOARD_PUBLIC_URL; otherwise make the proxy pass "
			      "the original Host and scheme, or fix SWITCHBOARD_PUBLIC_URL",
			      "%s reaches the program, but the web server hands it %s: a proxy or the web server rewrites "
			      "the address (signatures are checked against SWITCHBOARD_PUBLIC_URL)", url, seen);
		free(want_scheme);
		free(want_host);
		free(got_host);
	}
	json_decref(j);
out:
	http_resp_free(&resp);
	free(url);
}

/* Interpret a provider's answer to an authenticated read. */
static void provider_answer(Report *r, const char *name, const char *url, int rc, HttpResp *resp, const char *creds)
{
	if (rc != 0)
		check(r, CK_FAIL, name, "check the base URL setting, DNS, the firewall and any outbound proxy",
		      "cannot reach %s: %s (%s)", url, resp->error, http_err_name(resp->err));
	else if (resp->status == 401 || resp->status == 403)
		check(r, CK_FAIL, name, creds, "%s answered %d: the credentials were refused", url, resp->status);
	else if (resp->status >= 200 && resp->status < 300)
		check(r, CK_OK, name, NULL, "%s answered %d: reachable, credentials accepted", url, resp->status);
	else if (resp->status == 404)
		check(r, CK_OK, name, NULL, "%s answered 404: reachable (this server has no such listing)", url);
	else
		check(r, CK_WARN, name, "try again later; the worker retries jobs meanwhile", "%s answered %d", url,
		      resp->status);
}

static void check_providers(Report *r)
{
	HttpResp resp;
	const char *sid = config_get("TWILIO_ACCOUNT_SID");
	if (*sid) {
		/* A one-item read of the message list: cheap, read-only, and
		 * proves the account SID and auth token. */
		char *url = xasprintf("%s/2010-04-01/Accounts/%s/Messages.json?PageSize=1", config_get("TWILIO_API_BASE"), sid);
		int rc = probe(url, NULL, sid, config_get("TWILIO_AUTH_TOKEN"), NULL, &resp);
		provider_answer(r, "reach-twilio", config_get("TWILIO_API_BASE"), rc, &resp,
				"check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN in the Twilio console");
		http_resp_free(&resp);
		free(url);
	}
	if (strcmp(config_get("LLM_PROVIDER"), "openai") == 0 && is_http_url(config_get("LLM_BASE_URL"))) {
		char *url = xasprintf("%s/models", config_get("LLM_BASE_URL"));
		const char *key = config_get("LLM_API_KEY");
		int rc = probe(url, NULL, NULL, NULL, *key ? key : NULL, &resp);
		provider_answer(r, "reach-llm", config_get("LLM_BASE_URL"), rc, &resp, "check LLM_API_KEY");
		http_resp_free(&resp);
		free(url);
	}
	const char *repo = config_get("GITHUB_REPO");
	if (*config_get("GITHUB_TOKEN") && strchr(repo, '/')) {
		char *url = xasprintf("%s/repos/%s/issues?per_page=1", config_get("GITHUB_API_BASE"), repo);
		const char *headers[] = {"Accept: application/vnd.github+json",
					 "X-GitHub-Api-Version: " GITHUB_API_VERSION, "User-Agent: switchboard-doctor", NULL};
		int rc = probe(url, headers, NULL, NULL, config_get("GITHUB_TOKEN"), &resp);
		if (rc == 0 && resp.status == 404)
			check(r, CK_FAIL, "reach-github", "check GITHUB_REPO, and that the token may read its issues",
			      "%s answered 404 for %s: no such repository, or the token cannot see it",
			      config_get("GITHUB_API_BASE"), repo);
		else
			provider_answer(r, "reach-github", config_get("GITHUB_API_BASE"), rc, &resp,
					"check GITHUB_TOKEN (Issues: read and write on GITHUB_REPO)");
		http_resp_free(&resp);
		free(url);
	}
}

static int doctor_usage(int rc)
{
	printf("Usage: switchboard doctor [--json]\n"
	       "Check this desk: configuration, file ownership and modes, migrations, the public URL\n"
	       "as the web server sees it, the configured providers, the worker's heartbeat and the\n"
	       "report generator's last run.  One line per check: OK, WARN or FAIL, with a hint.\n"
	       "Run it as the service user.  Exit status 0 when nothing failed, 1 otherwise.\n");
	return rc;
}

int cmd_doctor(int argc, char **argv)
{
	Report r = {0};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			r.json = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return doctor_usage(0);
		else
			return doctor_usage(2);
	}
	r.list = json_array();
	char *err = NULL;
	if (config_load(&err) != 0) {
		check(&r, CK_FAIL, "config", "fix the line it names", "%s", err);
		free(err);
	} else {
		check_numbers(&r);
		check_public_url_setting(&r);
		check_twilio_settings(&r);
		check_llm_settings(&r);
		check_github_settings(&r);
		check_files(&r);
		check_database(&r);
		check_reports(&r);
		http_global_init();
		check_web(&r);
		check_providers(&r);
	}
	if (r.json) {
		json_t *out = json_pack("{s:o,s:i,s:i}", "checks", r.list, "fail", r.fails, "warn", r.warns);
		char *text = json_dumps(out, JSON_INDENT(2));
		puts(text);
		free(text);
		json_decref(out);
	} else {
		printf("%d failed, %d warnings\n", r.fails, r.warns);
		json_decref(r.list);
	}
	return r.fails ? 1 : 0;
}
