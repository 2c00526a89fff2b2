/*
 * git_artifacts.c - `git clone` of the artifact repository over HTTP:
 * read-only smart HTTP at /git/artifacts.git, served by running
 * git-http-backend (SWITCHBOARD_GIT_HTTP_BACKEND) as a CGI child of the
 * program after the program itself has authenticated the request.
 *
 * Why here and not in the web server's configuration: the repository
 * lives in the data directory, which only the program's user may read
 * (the web server never does), the credentials are the program's own
 * (an administrator's login and password, or an API token of an
 * administrator or the operator, as the Basic password), and the same
 * endpoint works behind lighttpd, nginx and Apache without a line of
 * their configuration.  The repository holds every client's documents,
 * so only administrators may clone it.
 *
 * Pushing is refused three times over: the receive-pack endpoints answer
 * 403 here, git-http-backend runs with http.receivepack=false, and the
 * repository's own configuration says the same.  The backend's answer is
 * buffered in memory (the response is written by serve.c), so the largest
 * answer is capped (GIT_MAX_RESPONSE).
 */
#include "desk/auth.h"
#include "core/config.h"
#include "desk/documents.h"
#include "fcgi/handlers.h"
#include "desk/tokens.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GIT_TIMEOUT_MS (5 * 60 * 1000)
#define GIT_MAX_RESPONSE ((size_t)1 << 30)
#define GIT_REALM "Basic realm=\"Switchboard documents\", charset=\"UTF-8\""

static void plain(Ctx *c, int status, const char *msg)
{
	ctx_log(c, "git: %d %s", status, msg);
	respond(c, status, "text/plain; charset=utf-8", msg, strlen(msg));
}

/* Strict base64 (with padding) of s into out (arena); NULL when malformed. */
static char *b64_decode(Ctx *c, const char *s, size_t *outlen)
{
	size_t n = strlen(s);
	if (n == 0 || n % 4 != 0 || n > 4096)
		return NULL;
	char *out = arena_alloc(c->arena, n / 4 * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		for (int k = 0; k < 4; k++) {
			char ch = s[i + k];
			if (ch >= 'A' && ch <= 'Z') v[k] = ch - 'A';
			else if (ch >= 'a' && ch <= 'z') v[k] = ch - 'a' + 26;
			else if (ch >= '0' && ch <= '9') v[k] = ch - '0' + 52;
			else if (ch == '+') v[k] = 62;
			else if (ch == '/') v[k] = 63;
			else if (ch == '=' && i + 4 == n && k >= 2) v[k] = -1;
			else return NULL;
		}
		if (v[2] < 0 && v[3] >= 0)
			return NULL;
		out[o++] = (char)(v[0] << 2 | v[1] >> 4);
		if (v[2] >= 0)
			out[o++] = (char)((v[1] & 15) << 4 | v[2] >> 2);
		if (v[3] >= 0)
			out[o++] = (char)((v[2] & 3) << 6 | v[3]);
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* The API token presented as the password is good: 1 an administrator's
 * or the operator's (who set in c), 0 not a token, -1 a token of someone
 * who may not clone. */
static int token_login(Ctx *c, const char *token)
{
	char name[64];
	int64_t user_id = 0;
	int64_t id = token_check(c->store, token, name, &user_id);
	if (!id)
		return 0;
	if (user_id) {
		if (!auth_user_load(c->store, user_id, &c->user))
			return 0;
		if (!c->user.is_admin)
			return -1;
		c->actor = arena_printf(c->arena, "user:%s", c->user.login);
	} else {
		c->user.is_admin = 1;
		snprintf(c->user.login, sizeof c->user.login, "api-%.59s", name);
		c->actor = arena_printf(c->arena, "api:%s", name);
	}
	return 1;
}

/* Authenticate the request: Basic LOGIN:PASSWORD of an administrator, or
 * Basic ANYTHING:TOKEN / Bearer TOKEN with an API token of an
 * administrator or the operator.  1 when allowed; otherwise answers 401,
 * 403 or 429 and returns 0. */
static int git_auth(Ctx *c)
{
	const char *auth = c->header(c, "HTTP_AUTHORIZATION");
	int r = 0;
	if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
		r = token_login(c, auth + 7);
	} else if (auth && strncasecmp(auth, "Basic ", 6) == 0) {
		size_t len = 0;
		char *cred = b64_decode(c, auth + 6, &len);
		char *colon = cred && strlen(cred) == len ? strchr(cred, ':') : NULL;
		if (colon) {
			*colon = '\0';
			const char *login = cred, *password = colon + 1;
			r = *password ? token_login(c, password) : 0;
			if (r == 0 && *login && *password) {
				User u;
				LoginResult lr = auth_login(c->store, login, password, c->remote_addr, &u);
				if (lr == LOGIN_RATE_LIMITED) {
					plain(c, 429, "Too many failed sign-ins: wait a few minutes and try again.\n");
					return 0;
				}
				if (lr == LOGIN_OK) {
					c->user = u;
					c->actor = arena_printf(c->arena, "user:%s", u.login);
					r = u.is_admin && !u.must_change_password ? 1 : -1;
				}
			}
		}
	}
	if (r == 1)
		return 1;
	if (r < 0) {
		plain(c, 403, "Only administrators can clone the document repository: it holds every client's "
			      "documents.\n");
		return 0;
	}
	add_header(c, "WWW-Authenticate", GIT_REALM);
	plain(c, 401, "Sign in with an administrator's login and password, or an API token as the password.\n");
	return 0;
}

/* Append NAME=value to the environment being built (value NULL: skip). */
static void env_add(Ctx *c, char **env, int *n, const char *name, const char *value)
{
	if (value)
		env[(*n)++] = arena_printf(c->arena, "%s=%s", name, value);
}

/* A request header fit to pass on (printable ASCII, short), else NULL. */
static const char *clean_header(Ctx *c, const char *cgi_name)
{
	const char *v = c->header(c, cgi_name);
	if (!v || strlen(v) > 256)
		return NULL;
	for (const char *p = v; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return NULL;
	return v;
}

/* Run git-http-backend for path_info ("/info/refs", "/git-upload-pack")
 * with the request's body on its stdin; its CGI answer into out.
 * 0 ok, -1 with why. */
static int run_backend(Ctx *c, const char *path_info, Buf *out, const char **why)
{
	const char *backend = config_get("SWITCHBOARD_GIT_HTTP_BACKEND");
	const char *repo = doc_repo();
	char *env[32];
	int n = 0;
	env_add(c, env, &n, "PATH", "/usr/local/bin:/usr/bin:/bin");
	env_add(c, env, &n, "HOME", repo);
	env_add(c, env, &n, "GATEWAY_INTERFACE", "CGI/1.1");
	env_add(c, env, &n, "SERVER_PROTOCOL", "HTTP/1.1");
	env_add(c, env, &n, "GIT_PROJECT_ROOT", repo);
	env_add(c, env, &n, "GIT_HTTP_EXPORT_ALL", "1");
	env_add(c, env, &n, "GIT_CONFIG_NOSYSTEM", "1");
	env_add(c, env, &n, "GIT_CONFIG_GLOBAL", "/dev/null");
	env_add(c, env, &n, "GIT_CONFIG_COUNT", "3");
	env_add(c, env, &n, "GIT_CONFIG_KEY_0", "http.receivepack");
	env_add(c, env, &n, "GIT_CONFIG_VALUE_0", "false");
	env_add(c, env, &n, "GIT_CONFIG_KEY_1", "http.getanyfile");
	env_add(c, env, &n, "GIT_CONFIG_VALUE_1", "false");
	env_add(c, env, &n, "GIT_CONFIG_KEY_2", "safe.directory");
	env_add(c, env, &n, "GIT_CONFIG_VALUE_2", repo);
	env_add(c, env, &n, "REQUEST_METHOD", c->method);
	env_add(c, env, &n, "PATH_INFO", path_info);
	env_add(c, env, &n, "QUERY_STRING", c->query_raw);
	env_add(c, env, &n, "REMOTE_USER", c->user.login);
	env_add(c, env, &n, "REMOTE_ADDR", c->remote_addr);
	if (strcmp(c->method, "POST") == 0) {
		env_add(c, env, &n, "CONTENT_TYPE", c->content_type ? c->content_type : "");
		env_add(c, env, &n, "CONTENT_LENGTH", arena_printf(c->arena, "%zu", c->body_len));
	}
	env_add(c, env, &n, "HTTP_CONTENT_ENCODING", clean_header(c, "HTTP_CONTENT_ENCODING"));
	env_add(c, env, &n, "GIT_PROTOCOL", clean_header(c, "HTTP_GIT_PROTOCOL"));
	env[n] = NULL;

	int in[2] = {-1, -1}, outp[2] = {-1, -1};
	if (pipe(in) != 0 || pipe(outp) != 0) {
		*why = "pipe failed";
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(in[i], F_SETFD, FD_CLOEXEC);
		fcntl(outp[i], F_SETFD, FD_CLOEXEC);
	}
	pid_t pid = fork();
	if (pid < 0) {
		*why = "fork failed";
		goto fail;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], 0) < 0 || dup2(outp[1], 1) < 0)
			_exit(127);
		closefrom(3);
		char *argv[] = {(char *)backend, NULL};
		execve(backend, argv, env);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	in[0] = outp[1] = -1;
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	size_t sent = 0;
	if (c->body_len == 0 || strcmp(c->method, "POST") != 0) {
		close(in[1]);
		in[1] = -1;
	}
	int64_t deadline = mono_ms() + GIT_TIMEOUT_MS;
	int failed = 0;
	char chunk[65536];
	while (outp[0] >= 0) {
		struct pollfd pf[2];
		int np = 0;
		pf[np++] = (struct pollfd){outp[0], POLLIN, 0};
		if (in[1] >= 0)
			pf[np++] = (struct pollfd){in[1], POLLOUT, 0};
		int64_t left = deadline - mono_ms();
		if (left <= 0) {
			*why = "git-http-backend took too long";
			failed = 1;
			break;
		}
		int pr = poll(pf, (nfds_t)np, (int)(left > 1000 ? 1000 : left));
		if (pr < 0 && errno != EINTR) {
			*why = "poll failed";
			failed = 1;
			break;
		}
		if (np > 1 && (pf[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(in[1], c->body + sent, c->body_len - sent);
			if (w > 0)
				sent += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || sent == c->body_len) {
				close(in[1]);
				in[1] = -1;
			}
		}
		if (pf[0].revents & (POLLIN | POLLERR | POLLHUP)) {
			ssize_t r = read(outp[0], chunk, sizeof chunk);
			if (r > 0) {
				if (out->len + (size_t)r > GIT_MAX_RESPONSE) {
					*why = "the repository's answer is too large to serve";
					failed = 1;
					break;
				}
				buf_append(out, chunk, (size_t)r);
			} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(outp[0]);
				outp[0] = -1;
			}
		}
	}
	if (failed)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (in[1] >= 0)
		close(in[1]);
	if (outp[0] >= 0)
		close(outp[0]);
	if (failed)
		return -1;
	if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && out->len == 0)) {
		*why = WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "git-http-backend could not be run"
									 : "git-http-backend failed";
		return -1;
	}
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (outp[i] >= 0)
			close(outp[i]);
	}
	return -1;
}

/* Turn the backend's CGI answer into the response. */
static void relay(Ctx *c, Buf *cgi)
{
	const char *s = buf_cstr(cgi);
	const char *end = NULL;
	size_t skip = 0;
	const char *a = strstr(s, "\r\n\r\n"), *b = strstr(s, "\n\n");
	if (a && (!b || a < b)) {
		end = a;
		skip = 4;
	} else if (b) {
		end = b;
		skip = 2;
	}
	if (!end) {
		plain(c, 502, "git-http-backend answered without headers.\n");
		return;
	}
	int status = 200;
	const char *type = "application/octet-stream";
	char *head = arena_strndup(c->arena, s, (size_t)(end - s));
	for (char *line = strtok(head, "\r\n"); line; line = strtok(NULL, "\r\n")) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		const char *v = colon + 1;
		while (*v == ' ')
			v++;
		if (strcasecmp(line, "Status") == 0)
			status = atoi(v);
		else if (strcasecmp(line, "Content-Type") == 0)
			type = v;
		else if (strcasecmp(line, "Cache-Control") == 0 || strcasecmp(line, "Expires") == 0 ||
			 strcasecmp(line, "Pragma") == 0)
			add_header(c, line, v);
	}
	if (status < 200 || status > 599)
		status = 502;
	size_t off = (size_t)(end - s) + skip;
	respond(c, status, type, cgi->s + off, cgi->len - off);
}

static void serve_git(Ctx *c, const char *path_info)
{
	if (!git_auth(c))
		return;
	char *err = NULL;
	if (artifact_repo_init(doc_repo(), &err) != 0) {
		ctx_log(c, "git: %s", err ? err : "?");
		free(err);
		plain(c, 500, "The document repository cannot be opened.\n");
		return;
	}
	Buf out = {0};
	const char *why = NULL;
	if (run_backend(c, path_info, &out, &why) != 0) {
		ctx_log(c, "git: %s", why ? why : "?");
		buf_free(&out);
		plain(c, 500, "The document repository could not be served; the server log says why.\n");
		return;
	}
	ctx_log(c, "git: %s for %s (%zu bytes)", path_info, c->actor, out.len);
	relay(c, &out);
	buf_free(&out);
}

/* GET /git/artifacts.git/info/refs?service=git-upload-pack - an
 * administrator (HTTP Basic: login and password, or an API token as the
 * password).  The first step of a clone or fetch.  service=git-receive-pack
 * (a push) is 403; the dumb protocol (no service) is 404. */
void h_git_info_refs(Ctx *c)
{
	const char *service = params_get(&c->query, "service");
	if (service && strcmp(service, "git-receive-pack") == 0) {
		plain(c, 403, "The document repository is read-only: change documents through Switchboard.\n");
		return;
	}
	if (!service || strcmp(service, "git-upload-pack") != 0) {
		plain(c, 404, "Only the smart HTTP protocol is served here (git 1.6.6 or later).\n");
		return;
	}
	serve_git(c, "/info/refs");
}

/* POST /git/artifacts.git/git-upload-pack - an administrator (as above).
 * The pack a clone or fetch asked for. */
void h_git_upload_pack(Ctx *c)
{
	serve_git(c, "/git-upload-pack");
}

/* POST /git/artifacts.git/git-receive-pack - always 403: read-only. */
void h_git_receive_pack(Ctx *c)
{
	plain(c, 403, "The document repository is read-only: change documents through Switchboard.\n");
}
