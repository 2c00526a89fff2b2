/*
 * serve.c - the FastCGI accept loop and the group commit of inbound SMS.
 *
 * Configuration is read once before the loop.  Each process runs
 * SERVE_THREADS threads that accept requests (one at a time, under a mutex,
 * as libfcgi requires).  Each thread has its own Ctx and arena, reset when
 * the request ends, so the process can serve millions of requests without
 * growing.  Handlers run one at a time per process under app_lock: the
 * handlers, the template cache and the process's database connection are
 * never used by two threads at once.  Only an inbound SMS webhook lets go
 * of app_lock, while it waits for its group commit (serve_inbound_sms):
 * the threads are there so that several webhooks can wait for one fsync.
 * With several processes, one of them, the committer, takes the webhooks
 * of the others into its own group commit (ingest_ipc.c), so that one
 * fsync covers the webhooks of every process.
 *
 * Response headers, including the security headers every answer carries,
 * are written here and nowhere else.  One log line per request goes to
 * stderr (the web server's error log).
 */
#include "fcgi/serve.h"
#include "core/config.h"
#include "fcgi/ingest_ipc.h"
#include "fcgi/web.h"

#include <fcgiapp.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *fcgx_header(Ctx *c, const char *name)
{
	FCGX_Request *r = c->fcgx;
	return FCGX_GetParam(name, r->envp);
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

static void write_response(Ctx *c, FCGX_Stream *out, int head_only)
{
	Buf h = {0};
	buf_printf(&h, "Status: %d %s\r\n", c->status, status_text(c->status));
	buf_printf(&h, "Content-Type: %s\r\n", c->resp_type ? c->resp_type : "text/plain; charset=utf-8");
	buf_printf(&h, "Content-Length: %zu\r\n", c->resp_body.len);
	buf_puts(&h,
		 "Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self' data:; "
		 "form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n"
		 "X-Content-Type-Options: nosniff\r\n"
		 "X-Frame-Options: DENY\r\n"
		 "Referrer-Policy: same-origin\r\n");
	if (!strstr(buf_cstr(&c->resp_headers), "Cache-Control:"))
		buf_puts(&h, "Cache-Control: no-store\r\n");
	buf_append(&h, buf_cstr(&c->resp_headers), c->resp_headers.len);
	buf_puts(&h, "\r\n");
	FCGX_PutStr(h.s, (int)h.len, out);
	buf_free(&h);
	if (!head_only && c->resp_body.len)
		FCGX_PutStr(c->resp_body.s, (int)c->resp_body.len, out);
}

/* Percent-decode the path part of REQUEST_URI into the arena.  Returns
 * NULL when the path is malformed (bad escape, NUL, not starting with /). */
static char *decode_path(Arena *a, const char *uri, size_t n)
{
	if (n == 0 || uri[0] != '/')
		return NULL;
	char *out = arena_alloc(a, n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		char ch = uri[i];
		if (ch == '%') {
			if (i + 2 >= n)
				return NULL;
			int hi = uri[i + 1], lo = uri[i + 2];
			int v = 0;
			for (int k = 0; k < 2; k++) {
				int d = k ? lo : hi;
				v <<= 4;
				if (d >= '0' && d <= '9') v |= d - '0';
				else if (d >= 'a' && d <= 'f') v |= d - 'a' + 10;
				else if (d >= 'A' && d <= 'F') v |= d - 'A' + 10;
				else return NULL;
			}
			if (v == 0)
				return NULL;
			*o++ = (char)v;
			i += 2;
		} else {
			*o++ = ch;
		}
	}
	*o = '\0';
	return out;
}

/* Paths that take document uploads (multipart, up to SWITCHBOARD_MAX_UPLOAD). */
static int is_upload(const char *path)
{
	return path && (strcmp(path, "/documents") == 0 || strcmp(path, "/api/documents") == 0 ||
			strcmp(path, "/api/documents/upload") == 0);
}

/* Requests in progress at once in one process.  Handlers take turns on
 * app_lock; the threads let several inbound webhooks wait for the same
 * group commit. */
#define SERVE_THREADS 16
/* Most inbound SMS one group commit takes. */
#define INGEST_BATCH_MAX 64
/* WAL size (pages) past which the checkpoint thread copies the WAL back
 * into the database: SQLite's own automatic checkpoint threshold. */
#define CHECKPOINT_PAGES 1000

static atomic_int stopping;
static atomic_int serving;        /* serve_fcgi's threads are running */
static atomic_ulong request_counter;
static pthread_mutex_t accept_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t app_lock = PTHREAD_MUTEX_INITIALIZER;

/* Process-wide settings and state, written before the threads start. */
static struct {
	int listen_fd;
	App app;
	long max_body, max_upload;
	int log_requests;
	pid_t pid;
	Store *hooked; /* the app's store whose checkpoints the thread does (app_lock) */
} srv;

static void on_term(int sig)
{
	(void)sig;
	atomic_store(&stopping, 1);
}

/* SIGUSR2 only interrupts a thread blocked in accept() at shutdown. */
static void on_wake(int sig)
{
	(void)sig;
}

/* ---- checkpoints, outside requests ---- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int wanted, stop;
} ckpt = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

/* The store's commit hook (store_on_commit), called after each commit on
 * the connections that request threads write with, with the size of the
 * WAL.  Registering it turns off SQLite's automatic checkpoint on that
 * connection, which would otherwise run inside the committing request
 * (and, for a group commit, delay every webhook of the batch).  Past
 * CHECKPOINT_PAGES it wakes the checkpoint thread. */
static void on_commit(void *arg, int pages)
{
	(void)arg;
	if (pages >= CHECKPOINT_PAGES) {
		pthread_mutex_lock(&ckpt.lock);
		ckpt.wanted = 1;
		pthread_cond_signal(&ckpt.cond);
		pthread_mutex_unlock(&ckpt.lock);
	}
}

static void checkpoint_by_thread(Store *s)
{
	if (s)
		store_on_commit(s, on_commit, NULL);
}

/* The checkpoint thread: store_checkpoint() on its own connection when
 * the WAL has grown.  No request runs it; writers wait only for its short
 * second step.  A checkpoint that could not copy everything is retried
 * after the next commits. */
static void *checkpoint_main(void *arg)
{
	(void)arg;
	Store *s = NULL;
	pthread_mutex_lock(&ckpt.lock);
	for (;;) {
		while (!ckpt.wanted && !ckpt.stop)
			pthread_cond_wait(&ckpt.cond, &ckpt.lock);
		if (ckpt.stop)
			break;
		ckpt.wanted = 0;
		pthread_mutex_unlock(&ckpt.lock);
		if (!s) {
			char *err = NULL;
			s = store_open(config_get("SWITCHBOARD_DB"), STORE_NO_MIGRATE, &err);
			if (!s) {
				fprintf(stderr, "switchboard: checkpoint: %s\n", err);
				free(err);
			}
		}
		int rc = s ? store_checkpoint(s) : STORE_OK;
		if (rc != STORE_OK && rc != STORE_BUSY)
			fprintf(stderr, "switchboard: checkpoint failed: %s\n", store_errmsg(s));
		pthread_mutex_lock(&ckpt.lock);
	}
	pthread_mutex_unlock(&ckpt.lock);
	store_close(s);
	return NULL;
}

/* ---- group commit of inbound SMS ---- */

typedef struct Pending {
	InboundItem *item;
	int done;            /* the batch holding it has committed (or failed) */
	pthread_cond_t wake; /* signalled then, or when it is to lead a commit */
	struct Pending *next;
} Pending;

/* The queue of inbound SMS waiting for a commit: this process's own and,
 * while it is the committer, those of the other processes.  At most one
 * thread, the leader, commits at a time, on the ingest connection that
 * only the leader uses. */
static struct {
	pthread_mutex_t lock;
	Pending *head, **tail;
	int leading;
	Store *store;
	unsigned long batches, items; /* for the log line at the end */
} ingest = {PTHREAD_MUTEX_INITIALIZER, NULL, &ingest.head, 0, NULL, 0, 0};

/* The leader's connection, opened on first use.  NULL with *err when it
 * cannot be opened. */
static Store *ingest_store(char **err)
{
	if (!ingest.store) {
		ingest.store = store_open(config_get("SWITCHBOARD_DB"), STORE_NO_MIGRATE, err);
		checkpoint_by_thread(ingest.store);
	}
	return ingest.store;
}

/* Lead one group commit; called with ingest.lock held and ingest.leading
 * set, returns the same way.  The write lock is taken first and the queue
 * emptied only then, so that every webhook that arrived while another
 * process was committing joins this batch. */
static void ingest_lead(void)
{
	pthread_mutex_unlock(&ingest.lock);
	char *err = NULL;
	Store *s = ingest_store(&err);
	int began = s && store_begin(s) == 0;
	pthread_mutex_lock(&ingest.lock);
	Pending *taken[INGEST_BATCH_MAX];
	InboundItem *items[INGEST_BATCH_MAX];
	size_t n = 0;
	while (ingest.head && n < INGEST_BATCH_MAX) {
		taken[n] = ingest.head;
		items[n] = ingest.head->item;
		ingest.head = ingest.head->next;
		n++;
	}
	if (!ingest.head)
		ingest.tail = &ingest.head;
	pthread_mutex_unlock(&ingest.lock);
	if (!s) {
		for (size_t i = 0; i < n; i++) {
			items[i]->result = INBOUND_ERROR;
			items[i]->err = xstrdup(err);
		}
	} else if (!began) {
		desk_inbound_failed(s, items, n, "database busy");
	} else if (desk_inbound_batch(s, items, n) != 0) {
		store_rollback(s); /* (the transaction is gone: this lets go of the write lock) */
	} else if (store_commit(s) != 0) {
		desk_inbound_failed(s, items, n, "commit failed");
	}
	free(err);
	pthread_mutex_lock(&ingest.lock);
	for (size_t i = 0; i < n; i++) {
		taken[i]->done = 1;
		pthread_cond_signal(&taken[i]->wake);
	}
	ingest.batches += n > 0;
	ingest.items += n;
}

/* Store one inbound SMS with this process's group commit: queue it and
 * return once the batch holding it has committed (or failed), with the
 * outcome in *item.  Called without app_lock, by request threads and by
 * the threads that take other processes' webhooks (ingest_ipc.c). */
static void ingest_commit(InboundItem *item)
{
	Pending p = {.item = item};
	pthread_cond_init(&p.wake, NULL);
	pthread_mutex_lock(&ingest.lock);
	*ingest.tail = &p;
	ingest.tail = &p.next;
	while (!p.done) {
		if (ingest.leading) {
			pthread_cond_wait(&p.wake, &ingest.lock);
			continue;
		}
		/* No commit in progress: lead one with everything queued. */
		ingest.leading = 1;
		ingest_lead();
		ingest.leading = 0;
		/* The first of those still waiting leads the next one. */
		if (ingest.head)
			pthread_cond_signal(&ingest.head->wake);
	}
	pthread_mutex_unlock(&ingest.lock);
	pthread_cond_destroy(&p.wake);
}

InboundResult serve_inbound_sms(Ctx *c, const InboundSms *m, int64_t *message_id, char **err)
{
	/* Outside the threaded server, or inside a transaction of the
	 * request's own connection: store it right here. */
	if (!atomic_load(&serving) || store_in_transaction(c->store))
		return desk_inbound_sms(c->store, m, message_id, err);
	InboundItem item = {.m = m};
	pthread_mutex_unlock(&app_lock);
	/* The committer process's batch when another process is the
	 * committer and answers, else this process's own. */
	if (ingest_ipc_send(&item) != 0)
		ingest_commit(&item);
	pthread_mutex_lock(&app_lock);
	*message_id = item.message_id;
	*err = item.err;
	return item.result;
}

/* ---- the request threads ---- */

typedef struct {
	pthread_t tid;
	atomic_int in_accept; /* blocked (or about to block) in accept() */
	atomic_int finished;
} Worker;

/* Serve one accepted request: parse, dispatch under app_lock, answer. */
static void serve_request(FCGX_Request *req, Arena *arena, Buf *keep_headers, Buf *keep_body)
{
	struct timespec ts0;
	clock_gettime(CLOCK_MONOTONIC, &ts0);
	Ctx c;
	memset(&c, 0, sizeof c);
	c.arena = arena;
	c.fcgx = req;
	c.header = fcgx_header;
	c.resp_headers = *keep_headers;
	c.resp_body = *keep_body;
	buf_reset(&c.resp_headers);
	buf_reset(&c.resp_body);
	c.request_id = arena_printf(arena, "%x-%lu", (unsigned)srv.pid, atomic_fetch_add(&request_counter, 1) + 1);
	const char *method = FCGX_GetParam("REQUEST_METHOD", req->envp);
	const char *uri = FCGX_GetParam("REQUEST_URI", req->envp);
	/* The request's parameters are freed by FCGX_Finish_r, before the
	 * log line: keep our own copies in the arena. */
	const char *ct = FCGX_GetParam("CONTENT_TYPE", req->envp);
	const char *ra = FCGX_GetParam("REMOTE_ADDR", req->envp);
	c.method = arena_strdup(arena, method ? method : "GET");
	c.raw_uri = arena_strdup(arena, uri ? uri : "/");
	c.content_type = ct ? arena_strdup(arena, ct) : NULL;
	c.remote_addr = arena_strdup(arena, ra ? ra : "");
	const char *q = strchr(c.raw_uri, '?');
	size_t plen = q ? (size_t)(q - c.raw_uri) : strlen(c.raw_uri);
	c.query_raw = q ? q + 1 : "";
	c.path = decode_path(arena, c.raw_uri, plen);
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", req->envp);
	long clen = cl && *cl ? strtol(cl, NULL, 10) : 0;

	pthread_mutex_lock(&app_lock);
	app_begin_request(&srv.app, &c);
	if (c.store != srv.hooked) {
		checkpoint_by_thread(c.store); /* (again after the store was reopened) */
		srv.hooked = c.store;
	}
	if (!c.path) {
		c.path = "/";
		respond_error(&c, 400, "bad_path", "The request path is malformed.", NULL);
	} else if (clen < 0) {
		respond_error(&c, 400, "bad_length", "Content-Length is invalid.", NULL);
	} else if (clen > (is_upload(c.path) ? srv.max_upload : srv.max_body)) {
		respond_error(&c, 413, "too_large", "The request body is larger than this server accepts.", NULL);
	} else {
		char *body = arena_alloc(arena, (size_t)clen + 1);
		int got = clen ? FCGX_GetStr(body, (int)clen, req->in) : 0;
		if (got != clen) {
			respond_error(&c, 400, "short_body", "The request body ended early.", NULL);
		} else {
			c.body = body;
			c.body_len = (size_t)clen;
			/* A GET sees one snapshot of the database. */
			int read_txn = c.store && (strcmp(c.method, "GET") == 0 || strcmp(c.method, "HEAD") == 0) &&
				       store_read_begin(c.store) == 0;
			dispatch(&c);
			if (read_txn)
				store_read_end(c.store);
		}
	}
	app_end_request(&srv.app, &c);
	pthread_mutex_unlock(&app_lock);

	write_response(&c, req->out, strcmp(c.method, "HEAD") == 0);
	FCGX_Finish_r(req);
	if (srv.log_requests) {
		struct timespec ts1;
		clock_gettime(CLOCK_MONOTONIC, &ts1);
		double ms = (double)(ts1.tv_sec - ts0.tv_sec) * 1e3 + (double)(ts1.tv_nsec - ts0.tv_nsec) / 1e6;
		fprintf(stderr, "switchboard[%s] %s %s %d %.2fms\n", c.request_id, c.method, c.path, c.status, ms);
	}
	params_free(&c.query);
	params_free(&c.form);
	params_free(&c.cookies);
	*keep_headers = c.resp_headers;
	*keep_body = c.resp_body;
	if (keep_body->cap > 1 << 20)
		buf_free(keep_body);
	arena_reset(arena);
}

static void *serve_thread(void *arg)
{
	Worker *w = arg;
	FCGX_Request req;
	/* Fail accept() on a signal: SIGTERM from the web server must end an
	 * idle process (libfcgi would otherwise retry the accept). */
	FCGX_InitRequest(&req, srv.listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	Arena arena = {0};
	Buf keep_headers = {0}, keep_body = {0};
	for (;;) {
		int rc = -1;
		pthread_mutex_lock(&accept_lock);
		if (!atomic_load(&stopping)) {
			atomic_store(&w->in_accept, 1);
			rc = FCGX_Accept_r(&req);
			atomic_store(&w->in_accept, 0);
		}
		pthread_mutex_unlock(&accept_lock);
		if (rc < 0)
			break;
		serve_request(&req, &arena, &keep_headers, &keep_body);
	}
	/* Stopping, or the listening socket failed: the process ends (the web
	 * server starts another). */
	atomic_store(&stopping, 1);
	buf_free(&keep_headers);
	buf_free(&keep_body);
	arena_free(&arena);
	atomic_store(&w->finished, 1);
	return NULL;
}

int serve_fcgi(int listen_fd)
{
	char *err = NULL;
	if (config_load(&err) != 0) {
		fprintf(stderr, "switchboard: configuration error: %s\n", err);
		free(err);
		return 1;
	}
	if (FCGX_Init() != 0) {
		fprintf(stderr, "switchboard: FCGX_Init failed\n");
		return 1;
	}
	struct sigaction sa = {0};
	sa.sa_handler = on_term;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_wake;
	sa.sa_flags = 0;
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* glibc gives each thread its own malloc arena and hands freed memory
	 * back to the kernel as soon as 128 KiB are free at an arena's top.
	 * The group commit's leader changes from batch to batch, so SQLite's
	 * page cache for the ingest connection moves between arenas and every
	 * batch paid for page faults and madvise() TLB shootdowns.  Keep freed
	 * memory in the process instead. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 16 << 20);
	srv.listen_fd = listen_fd;
	srv.max_body = config_int("SWITCHBOARD_MAX_BODY");
	/* Document uploads may be larger: the file plus room for the form. */
	srv.max_upload = config_int("SWITCHBOARD_MAX_UPLOAD") + 65536;
	if (srv.max_upload < srv.max_body)
		srv.max_upload = srv.max_body;
	srv.log_requests = config_bool("SWITCHBOARD_LOG_REQUESTS");
	srv.pid = getpid();
	app_open(&srv.app);

	pthread_t ckpt_tid;
	if (pthread_create(&ckpt_tid, NULL, checkpoint_main, NULL) != 0)
		sb_die("cannot start the checkpoint thread");
	ingest_ipc_start(config_get("SWITCHBOARD_DB"), ingest_commit);
	static Worker workers[SERVE_THREADS];
	atomic_store(&serving, 1);
	for (int i = 0; i < SERVE_THREADS; i++)
		if (pthread_create(&workers[i].tid, NULL, serve_thread, &workers[i]) != 0)
			sb_die("cannot start request thread %d", i);

	/* Wait for SIGTERM (or a thread ending), then wake the thread blocked
	 * in accept() until every thread has finished its request and ended. */
	struct timespec tick = {0, 50 * 1000 * 1000};
	while (!atomic_load(&stopping))
		nanosleep(&tick, NULL);
	struct timespec wake = {0, 10 * 1000 * 1000};
	for (;;) {
		int live = 0;
		for (int i = 0; i < SERVE_THREADS; i++) {
			if (atomic_load(&workers[i].finished))
				continue;
			live++;
			if (atomic_load(&workers[i].in_accept))
				pthread_kill(workers[i].tid, SIGUSR2);
		}
		if (!live)
			break;
		nanosleep(&wake, NULL);
	}
	for (int i = 0; i < SERVE_THREADS; i++)
		pthread_join(workers[i].tid, NULL);
	ingest_ipc_stop();
	atomic_store(&serving, 0);
	pthread_mutex_lock(&ckpt.lock);
	ckpt.stop = 1;
	pthread_cond_signal(&ckpt.cond);
	pthread_mutex_unlock(&ckpt.lock);
	pthread_join(ckpt_tid, NULL);
	if (ingest.batches)
		fprintf(stderr, "switchboard: process %d: %lu inbound SMS in %lu group commits\n", (int)srv.pid,
			ingest.items, ingest.batches);
	store_close(ingest.store);
	ingest.store = NULL;
	app_close(&srv.app);
	return 0;
}
