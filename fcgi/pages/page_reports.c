/*
 * page_reports.c - the static reports switchboard-gen writes (gen/), served
 * to the people who may see them, and the share links that let a client
 * see their own report without an account.
 *
 * URLs map onto the site directory (SWITCHBOARD_SITE, default
 * $SWITCHBOARD_DATA/site) through a whitelist, never by joining the path
 * the browser sent: a client id that is a number, a file name from a fixed
 * list or a month's task list (tasks-YYYY-MM.html, .csv), or a task page
 * named by a number.  So no request can reach outside
 * the site, nor the generator's own files (.gen/).
 *
 *   /reports/                      the overview (admins); agents get a
 *                                  list of the reports they may open
 *   /reports/clients/ID/FILE       one client's report (who sees the client)
 *   /reports/clients/ID/tasks/N.html
 *   /reports/share/TOKEN/...       the same files of one client, for the
 *                                  holder of a share link that is not revoked:
 *                                  their client-safe twins unless the link
 *                                  was made with the internal figures
 *                                  (report_files.h)
 *   /reports/shares                share links (admins)
 *
 * A client's report is a symlink clients/ID -> ../v/ID-RUN that the
 * generator swaps atomically; the handler reads the link once and names
 * the file inside that version, so the whole response comes from one
 * version even if a swap happens meanwhile (the generator keeps a replaced
 * version for 30 seconds).
 *
 * The file goes to the web server to send (SWITCHBOARD_SENDFILE):
 *   1        X-Sendfile: PATH (lighttpd "x-sendfile", Apache mod_xsendfile
 *            with XSendFile On and XSendFilePath set to the site)
 *   /PREFIX/ X-Accel-Redirect: /PREFIX/RELATIVE-PATH (nginx, with an
 *            `internal` location aliased to the site directory)
 *   0        the program reads the file and sends it itself
 * See gen/README.md for the web server snippets.
 */
#include "core/config.h"
#include "fcgi/handlers.h"
#include "fcgi/view.h"
#include "desk/client_lookup.h"
#include "desk/report_access.h"
#include "desk/report_files.h"
#include "desk/secrets.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHARE_LABEL_MAX 100
#define SHARE_SELECT_MAX 500 /* more clients than this: a number field instead of a select */

/* The site directory, absolute (the web server is handed full paths),
 * without a trailing slash, in the arena. */
static const char *site_dir(Ctx *c)
{
	const char *s = config_get("SWITCHBOARD_SITE");
	char *dir = *s ? arena_strdup(c->arena, s) : arena_printf(c->arena, "%s/site", config_get("SWITCHBOARD_DATA"));
	if (dir[0] != '/') {
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof cwd))
			dir = arena_printf(c->arena, "%s/%s", cwd, dir[0] == '.' && dir[1] == '/' ? dir + 2 : dir);
	}
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	return dir;
}

/* Files of a client's report, and their types. */
static const struct {
	const char *name, *type;
} client_files[] = {
	{"index.html", "text/html; charset=utf-8"},
	{"tasks.html", "text/html; charset=utf-8"},
	{"tasks.csv", "text/csv; charset=utf-8"},
	{"usage.csv", "text/csv; charset=utf-8"},
	{"feed.atom", "application/atom+xml; charset=utf-8"},
};

/* "tasks-YYYY-MM.html" or ".csv": one month of a client's task list.
 * Returns the extension's type, or NULL. */
static const char *month_file_type(const char *name)
{
	static const char pat[] = "tasks-DDDD-DD";
	for (size_t i = 0; i < sizeof pat - 1; i++) {
		if (pat[i] == 'D' ? (name[i] < '0' || name[i] > '9') : name[i] != pat[i])
			return NULL;
	}
	const char *ext = name + sizeof pat - 1;
	return strcmp(ext, ".html") == 0 ? "text/html; charset=utf-8"
	       : strcmp(ext, ".csv") == 0 ? "text/csv; charset=utf-8" : NULL;
}

static const char *client_file_type(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(client_files); i++)
		if (strcmp(client_files[i].name, name) == 0)
			return client_files[i].type;
	return month_file_type(name);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* tasks.csv: every task of the client, the version's monthly CSV files
 * (tasks-YYYY-MM.csv, each with the header line) in month order, under
 * one header.  The generator rewrites only the months that changed, so
 * the whole list is put together here, from one version directory. */
static void send_tasks_csv(Ctx *c, const char *site, const char *ver, const char *download, int safe)
{
	const char *dir = arena_printf(c->arena, "%s/%s", site, ver);
	DIR *d = opendir(dir);
	if (!d) {
		respond_error(c, 404, "not_found", "There is no such report page.", NULL);
		return;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		/* tasks-YYYY-MM.csv, or for a client-safe link its twin */
		size_t pl = strlen(SHARE_CSV_PREFIX);
		int twin = strncmp(de->d_name, SHARE_CSV_PREFIX, pl) == 0;
		const char *type = safe ? (twin ? month_file_type(de->d_name + pl) : NULL)
					: month_file_type(de->d_name);
		if (type && strstr(type, "csv")) {
			names = xrealloc(names, (n + 1) * sizeof *names);
			names[n++] = arena_strdup(c->arena, de->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_names);
	buf_reset(&c->resp_body);
	int failed = 0;
	for (size_t i = 0; i < n && !failed; i++) {
		const char *path = arena_printf(c->arena, "%s/%s", dir, names[i]);
		size_t len = 0;
		char *data = read_file(path, &len);
		if (!data) {
			ctx_log(c, "reading %s: %s", path, strerror(errno));
			failed = 1;
			break;
		}
		const char *body = memchr(data, '\n', len);
		size_t head = body ? (size_t)(body + 1 - data) : len;
		if (i == 0)
			buf_append(&c->resp_body, data, head);
		buf_append(&c->resp_body, data + head, len - head);
		free(data);
	}
	free(names);
	if (failed) {
		respond_error(c, 500, "read_failed", "The report could not be read.", NULL);
		return;
	}
	if (n == 0)
		buf_puts(&c->resp_body, safe ? SHARE_TASKS_CSV_HEADER : TASKS_CSV_HEADER);
	add_header(c, "Content-Disposition", arena_printf(c->arena, "attachment; filename=\"%s\"", download));
	add_header(c, "X-Robots-Tag", "noindex, nofollow");
	c->status = 200;
	c->resp_type = "text/csv; charset=utf-8";
}

/* "123.html" with a positive id of at most 18 digits. */
static int task_file_ok(const char *name)
{
	if (!name || name[0] < '1' || name[0] > '9')
		return 0;
	size_t n = 0;
	while (name[n] >= '0' && name[n] <= '9')
		n++;
	return n <= 18 && strcmp(name + n, ".html") == 0;
}

/* The version directory clients/ID points at ("v/ID-RUN"), or NULL when
 * no report has been built for that client. */
static const char *client_version(Ctx *c, const char *site, int64_t client_id)
{
	char link[PATH_MAX], target[128];
	snprintf(link, sizeof link, "%s/clients/%lld", site, (long long)client_id);
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	long long cid, ver;
	char tail;
	if (sscanf(target, "../v/%lld-%lld%c", &cid, &ver, &tail) != 2 || cid != client_id || ver <= 0)
		return NULL;
	return arena_printf(c->arena, "v/%lld-%lld", cid, ver);
}

/* Answer with site/rel (rel is built from whitelisted parts only). */
static void send_site_file(Ctx *c, const char *site, const char *rel, const char *type, const char *download)
{
	const char *path = arena_printf(c->arena, "%s/%s", site, rel);
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		respond_error(c, 404, "not_found", "There is no such report page.", NULL);
		return;
	}
	if (download)
		add_header(c, "Content-Disposition", arena_printf(c->arena, "attachment; filename=\"%s\"", download));
	add_header(c, "X-Robots-Tag", "noindex, nofollow");
	const char *mode = config_get("SWITCHBOARD_SENDFILE");
	if (mode[0] == '/') {
		/* nginx: an internal location that maps PREFIX onto the site */
		add_header(c, "X-Accel-Redirect", arena_printf(c->arena, "%s%s%s", mode,
							       mode[strlen(mode) - 1] == '/' ? "" : "/", rel));
		respond(c, 200, type, "", 0);
		return;
	}
	if (strcmp(mode, "0") != 0) {
		add_header(c, "X-Sendfile", path);
		respond(c, 200, type, "", 0);
		return;
	}
	/* Streaming ourselves: read the file (report files are small, a few
	 * megabytes at most: a client's task list and CSV). */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		respond_error(c, 404, "not_found", "There is no such report page.", NULL);
		return;
	}
	buf_reset(&c->resp_body);
	char chunk[65536];
	ssize_t got;
	while ((got = read(fd, chunk, sizeof chunk)) > 0)
		buf_append(&c->resp_body, chunk, (size_t)got);
	int failed = got < 0;
	close(fd);
	if (failed) {
		ctx_log(c, "reading %s: %s", path, strerror(errno));
		respond_error(c, 500, "read_failed", "The report page could not be read.", NULL);
		return;
	}
	c->status = 200;
	c->resp_type = type;
}

/* Serve FILE (or tasks/FILE when task) of a client's report; with safe
 * (a share link made without internal figures) the client-safe twin of a
 * file that has one, and 404 for the files that are internal only
 * (report_files.h). */
static void send_client_file(Ctx *c, int64_t client_id, const char *file, int task, int safe)
{
	const char *site = site_dir(c);
	const char *type = task ? (task_file_ok(file) ? "text/html; charset=utf-8" : NULL) : client_file_type(file);
	if (type && safe && !task && (strcmp(file, "usage.csv") == 0 || strcmp(file, "feed.atom") == 0))
		type = NULL;
	if (!type) {
		respond_error(c, 404, "not_found", "There is no such report page.", NULL);
		return;
	}
	const char *ver = client_version(c, site, client_id);
	if (!ver) {
		respond_error(c, 404, "not_built",
			      "No report has been built for this client yet. Reports are rebuilt every minute.", NULL);
		return;
	}
	const char *download = NULL;
	if (!task && strstr(file, ".csv"))
		download = arena_printf(c->arena, "client-%lld-%s", (long long)client_id, file);
	if (!task && strcmp(file, "tasks.csv") == 0) {
		send_tasks_csv(c, site, ver, download, safe);
		return;
	}
	const char *name = file;
	if (safe && task)
		name = arena_printf(c->arena, "%.*s%s", (int)(strlen(file) - 5), file, SHARE_TASK_SUFFIX);
	else if (safe && strcmp(file, "index.html") == 0)
		name = SHARE_INDEX_FILE;
	else if (safe && strstr(type, "csv"))
		name = arena_printf(c->arena, "%s%s", SHARE_CSV_PREFIX, file);
	send_site_file(c, site, arena_printf(c->arena, "%s/%s%s", ver, task ? "tasks/" : "", name), type, download);
}

/* ---- signed-in access ---- */

/* GET /reports - signed in.  Redirect to /reports/. */
void h_reports_root(Ctx *c)
{
	respond_redirect(c, "/reports/");
}

/* GET /reports/ - signed in.  Admins: the overview page.  Agents: the
 * reports of the clients they are attached to. */
void h_reports_index(Ctx *c)
{
	if (ctx_is_admin(c)) {
		send_site_file(c, site_dir(c), "index.html", "text/html; charset=utf-8", NULL);
		if (c->status == 404) {
			/* Not built yet: say so in the admin, where the link led. */
			json_t *d = page_data(c, "Reports", "reports");
			json_object_set_new(d, "unbuilt", json_true());
			respond_page(c, 200, "reports/mine", d);
		}
		return;
	}
	Rows *r = report_access_my_clients(c->store, c->user.id);
	json_t *list = json_array();
	const char *site = site_dir(c);
	while (rows_next(r)) {
		int64_t id = rows_int(r, 0);
		const char *name = rows_text(r, 1);
		json_array_append_new(list, json_pack("{s:I,s:s,s:b}", "id", (json_int_t)id, "name",
						      *name ? name : rows_text(r, 2), "built",
						      client_version(c, site, id) != NULL));
	}
	rows_done(r);
	json_t *d = page_data(c, "Reports", "reports");
	json_object_set_new(d, "clients", list);
	respond_page(c, 200, "reports/mine", d);
}

/* GET /reports/:file - admins.  The overview's other files. */
void h_reports_file(Ctx *c)
{
	const char *file = path_param(c, "file");
	if (file && strcmp(file, "index.html") == 0) {
		send_site_file(c, site_dir(c), "index.html", "text/html; charset=utf-8", NULL);
		return;
	}
	if (file && strcmp(file, "usage.csv") == 0) {
		send_site_file(c, site_dir(c), "usage.csv", "text/csv; charset=utf-8", "usage.csv");
		return;
	}
	respond_error(c, 404, "not_found", "There is no such report page.", NULL);
}

/* The client of /reports/clients/:client/..., when the viewer may see it;
 * 0 after answering 404 (the same answer whether the client exists or
 * not, so ids cannot be probed). */
static int64_t visible_client(Ctx *c)
{
	const char *raw = path_param(c, "client");
	int64_t id = raw && raw[0] != '0' ? path_id(c, "client") : 0; /* one spelling per report */
	if (id <= 0 || !ctx_sees_client(c, id) ||
	    !report_access_client_exists(c->store, id)) {
		respond_error(c, 404, "not_found", "There is no such report.", NULL);
		return 0;
	}
	return id;
}

/* GET /reports/clients/:client - signed in.  Redirect to the slash form
 * (the report's links are relative). */
void h_reports_client_slash(Ctx *c)
{
	int64_t id = visible_client(c);
	if (id)
		respond_redirect(c, arena_printf(c->arena, "/reports/clients/%lld/", (long long)id));
}

/* GET /reports/clients/:client/ and /reports/clients/:client/:file -
 * admins and users attached to the client. */
void h_reports_client(Ctx *c)
{
	int64_t id = visible_client(c);
	if (!id)
		return;
	const char *file = path_param(c, "file");
	send_client_file(c, id, file ? file : "index.html", 0, 0);
}

/* GET /reports/clients/:client/tasks/:file - admins and users attached
 * to the client.  A task's timeline. */
void h_reports_client_task(Ctx *c)
{
	int64_t id = visible_client(c);
	if (id)
		send_client_file(c, id, path_param(c, "file"), 1, 0);
}

/* ---- share links ---- */

static void sha256_hex(const char *s, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
	hex_encode(out, md, 32);
}

/* What a share link opens: its client, and whether the admin who made it
 * included the internal figures (the "internal" of its
 * report_share_created event; a link made before links had the choice
 * is client-safe). */
typedef struct {
	int64_t client_id;
	int internal;
} Share;

/* The share a token opens; client_id 0 after answering 404 (unknown,
 * malformed or revoked: the same answer). */
static Share share_of(Ctx *c)
{
	const char *token = path_param(c, "token");
	size_t n = token ? strlen(token) : 0;
	int ok = n == 64;
	for (size_t i = 0; ok && i < n; i++)
		ok = (token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f');
	Share sh = {0, 0};
	if (ok) {
		char h[65];
		sha256_hex(token, h);
		report_access_share_open(c->store, h, &sh.client_id, &sh.internal);
	}
	if (!sh.client_id)
		respond_error(c, 404, "not_found",
			      "This report link does not work: it may have been withdrawn. Ask for a new one.", NULL);
	return sh;
}

/* GET /reports/share/:token - anyone.  Redirect to the slash form. */
void h_reports_share_slash(Ctx *c)
{
	if (share_of(c).client_id)
		respond_redirect(c, arena_printf(c->arena, "/reports/share/%s/", path_param(c, "token")));
}

/* GET /reports/share/:token/ and /reports/share/:token/:file - anyone
 * holding a share link that is not revoked: that one client's report,
 * client-safe unless the link was made with the internal figures. */
void h_reports_shared(Ctx *c)
{
	Share sh = share_of(c);
	if (!sh.client_id)
		return;
	const char *file = path_param(c, "file");
	send_client_file(c, sh.client_id, file ? file : "index.html", 0, !sh.internal);
}

/* GET /reports/share/:token/tasks/:file - anyone holding the link. */
void h_reports_shared_task(Ctx *c)
{
	Share sh = share_of(c);
	if (sh.client_id)
		send_client_file(c, sh.client_id, path_param(c, "file"), 1, !sh.internal);
}

/* The share-links page: every link, newest first, and the form. */
static void shares_page(Ctx *c, int status, const char *new_link, const char *error, const char *label,
			int64_t client_id)
{
	Rows *r = report_access_shares(c->store);
	json_t *list = json_array();
	while (rows_next(r)) {
		const char *name = rows_text(r, 2);
		json_t *o = json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:b}", "id", (json_int_t)rows_int(r, 0),
				      "client_id", (json_int_t)rows_int(r, 1), "client",
				      *name ? name : rows_text(r, 3), "label", rows_text(r, 4), "by", rows_text(r, 5),
				      "created", manage_time(c, rows_int(r, 6)), "revoked",
				      !rows_null(r, 7));
		if (!rows_null(r, 7))
			json_object_set_new(o, "revoked_at", json_string(manage_time(c, rows_int(r, 7))));
		json_object_set_new(o, "internal", json_boolean(rows_int(r, 9)));
		json_array_append_new(list, o);
	}
	rows_done(r);
	json_t *d = page_data(c, "Report share links", NULL);
	json_object_set_new(d, "shares", list);
	json_object_set_new(d, "has_shares", json_boolean(json_array_size(list) > 0));
	int64_t nclients = client_lookup_count(c->store);
	if (nclients <= SHARE_SELECT_MAX) {
		json_t *opts = json_array();
		r = report_access_client_options(c->store);
		while (rows_next(r)) {
			const char *name = rows_text(r, 1);
			int64_t id = rows_int(r, 0);
			json_array_append_new(opts, json_pack("{s:I,s:s,s:b}", "id", (json_int_t)id, "name",
							      *name ? name : rows_text(r, 2), "selected", id == client_id));
		}
		rows_done(r);
		json_object_set_new(d, "client_options", opts);
	} else {
		json_object_set_new(d, "many_clients", json_true());
	}
	if (client_id > 0)
		json_object_set_new(d, "client_id", json_integer(client_id));
	json_object_set_new(d, "label", json_string(label ? label : ""));
	if (new_link && *new_link)
		json_object_set_new(d, "new_link", json_string(new_link));
	else if (new_link)
		json_object_set_new(d, "link_gone", json_true());
	if (error)
		json_object_set_new(d, "error", json_string(error));
	const char *done = params_get(&c->query, "done");
	if (done && strcmp(done, "revoked") == 0)
		json_object_set_new(d, "flash", json_string("The link was revoked: it no longer opens the report."));
	if (done && strcmp(done, "created") == 0 && new_link && *new_link)
		json_object_set_new(d, "flash", json_string("Share link made. Copy it below: it is shown only this once."));
	if (new_link)
		add_header(c, "Cache-Control", "no-store");
	respond_page(c, status, "reports/shares", d);
}

/* GET /reports/shares?done=created&link=ID&secret=ID - admins.  The share
 * links and a form for a new one.  secret: the link a POST just made,
 * shown this once if this session made it; otherwise the page says it was
 * shown already (only its hash is kept) and how to make a new one.  503
 * when the store cannot give it right now (it stays for a reload). */
void h_report_shares(Ctx *c)
{
	int64_t secret = manage_query_id(c, "secret"), link = manage_query_id(c, "link");
	if (!secret || strcmp(c->method, "HEAD") == 0) {
		/* (a HEAD, e.g. a link preview, must not use the secret up) */
		shares_page(c, 200, NULL, NULL, NULL, 0);
		return;
	}
	/* This page writes (the secret is erased as it is shown): leave the
	 * request's read snapshot first so the write queues properly. */
	store_read_end(c->store);
	char *url = NULL;
	int r = secret_open(c->store, c->session_cookie, secret, SECRET_SHARE_LINK, link, &url);
	if (r < 0) {
		respond_error(c, 503, "db_busy", "The new link cannot be read right now. Reload the page.", NULL);
		return;
	}
	shares_page(c, 200, url ? url : "", NULL, NULL, 0);
	free(url);
}

/* POST /reports/shares - admins.  Form: client_id, label, internal (1:
 * the link also shows the internal figures; otherwise it is client-safe,
 * report_files.h).  Makes a link to that client's report (only its hash is
 * kept), seals it for this session (lib/desk/secrets.h) and answers 303 to the
 * list, which shows it once; never in a URL.  Event report_share_created,
 * which keeps the choice (internal).  422 with the form again. */
void h_report_share_create(Ctx *c)
{
	const char *cid = params_get(&c->form, "client_id");
	const char *label = params_get(&c->form, "label");
	label = label ? label : "";
	const char *inc = params_get(&c->form, "internal");
	int internal = inc && strcmp(inc, "1") == 0;
	int64_t client_id = 0;
	if (cid && *cid && strlen(cid) <= 18 && strspn(cid, "0123456789") == strlen(cid))
		client_id = strtoll(cid, NULL, 10);
	if (client_id <= 0 || !report_access_client_exists(c->store, client_id)) {
		shares_page(c, 422, NULL, "Choose a client that exists.", label, 0);
		return;
	}
	if (manage_chars(label) > SHARE_LABEL_MAX || strpbrk(label, "\r\n")) {
		shares_page(c, 422, NULL, "The note is one line of at most 100 characters.", NULL, client_id);
		return;
	}
	char token[65], h[65];
	auth_random_hex(token, 32);
	sha256_hex(token, h);
	if (store_begin(c->store) != 0) {
		manage_store_failed(c, "creating a share link");
		return;
	}
	int64_t now = now_ms();
	int64_t share_id = report_access_share_insert(c->store, client_id, h, label, c->actor, now);
	if (share_id < 0) {
		manage_store_failed(c, "creating a share link");
		return;
	}
	json_t *det = json_pack("{s:I,s:s,s:b}", "share_id", (json_int_t)share_id, "label", label, "internal", internal);
	char *dt = json_dumps(det, JSON_COMPACT);
	json_decref(det);
	int64_t ev = store_event(c->store, "report_share_created", client_id, 0, 0, c->actor, dt);
	free(dt);
	const char *url = arena_printf(c->arena, "%s/reports/share/%s/", config_get("SWITCHBOARD_PUBLIC_URL"), token);
	int64_t secret = ev < 0 ? -1 : secret_seal(c->store, c->session_cookie, SECRET_SHARE_LINK, share_id, url);
	if (secret < 0 || store_commit(c->store) != 0) {
		manage_store_failed(c, "creating a share link");
		return;
	}
	ctx_log(c, "share link %lld created for client %lld (%s)", (long long)share_id, (long long)client_id,
		internal ? "with internal figures" : "client-safe");
	respond_redirect(c, arena_printf(c->arena, "/reports/shares?done=created&link=%lld&secret=%lld",
					 (long long)share_id, (long long)secret));
}

/* POST /reports/shares/:id/revoke - admins.  The link stops working at
 * once.  Event report_share_revoked.  303 back to the list. */
void h_report_share_revoke(Ctx *c)
{
	int64_t id = path_id(c, "id");
	int64_t client = id ? report_access_share_client(c->store, id) : 0;
	if (!client) {
		respond_error(c, 404, "not_found", "There is no such share link.", NULL);
		return;
	}
	if (store_begin(c->store) != 0) {
		manage_store_failed(c, "revoking a share link");
		return;
	}
	if (report_access_share_revoke(c->store, id, c->actor, now_ms()) > 0) {
		char dt[64];
		snprintf(dt, sizeof dt, "{\"share_id\":%lld}", (long long)id);
		if (store_event(c->store, "report_share_revoked", client, 0, 0, c->actor, dt) < 0) {
			manage_store_failed(c, "revoking a share link");
			return;
		}
	}
	if (store_commit(c->store) != 0) {
		manage_store_failed(c, "revoking a share link");
		return;
	}
	respond_redirect(c, "/reports/shares?done=revoked");
}
