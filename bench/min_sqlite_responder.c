/*
 * min_sqlite_responder.c - the "ceiling" for bench-webhook: a libfcgi
 * responder that, for every request, reads the body and commits one
 * single-row INSERT into a SQLite database in WAL mode with
 * synchronous=FULL (the program's default durability: one fsync of the
 * WAL per commit), then answers 200.
 *
 * Several copies run at once (lighttpd's max-procs), so it handles
 * SQLITE_BUSY the way lib/store/store.c does: short randomised sleeps (50 µs
 * growing to 2 ms) rather than SQLite's default handler, whose sleeps of
 * up to 100 ms would make the ceiling's tail latency artificially bad.
 *
 * The database is $BENCH_MIN_DB (default $SWITCHBOARD_DATA/min.db).
 */
#include <fcgiapp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;
static unsigned rng;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static int busy_handler(void *arg, int count)
{
	(void)arg;
	if (count > 6000)
		return 0;
	long base = count < 6 ? 50L << count : 2000;
	rng = rng * 1103515245u + 12345u;
	long us = base / 2 + (long)(rng % (unsigned)(base / 2 + 1));
	struct timespec ts = {0, us * 1000};
	nanosleep(&ts, NULL);
	return 1;
}

static void reply(FCGX_Request *req, int status, const char *text)
{
	/* libfcgi's own printf knows no %zu: format here. */
	char head[256];
	int n = snprintf(head, sizeof head, "Status: %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
			 status, status == 200 ? "OK" : "Error", strlen(text), text);
	FCGX_PutStr(head, n, req->out);
}

int main(void)
{
	const char *path = getenv("BENCH_MIN_DB");
	char buf[4096];
	if (!path || !*path) {
		const char *data = getenv("SWITCHBOARD_DATA");
		snprintf(buf, sizeof buf, "%s/min.db", data && *data ? data : ".");
		path = buf;
	}
	rng = (unsigned)getpid() * 2654435761u;
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "min_sqlite_responder: cannot open %s\n", path);
		return 1;
	}
	sqlite3_busy_handler(db, busy_handler, NULL);
	char *err = NULL;
	if (sqlite3_exec(db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, body TEXT NOT NULL,"
			 " created_at INTEGER NOT NULL)",
			 NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "min_sqlite_responder: %s: %s\n", path, err ? err : "?");
		return 1;
	}
	sqlite3_stmt *ins;
	if (sqlite3_prepare_v2(db, "INSERT INTO hits (body, created_at) VALUES (?1, ?2)", -1, &ins, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "min_sqlite_responder: %s\n", sqlite3_errmsg(db));
		return 1;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0)
		return 1;
	FCGX_Request req;
	FCGX_InitRequest(&req, 0, 0);
	char *body = NULL;
	size_t cap = 0;
	while (!stopping && FCGX_Accept_r(&req) >= 0) {
		const char *cl = FCGX_GetParam("CONTENT_LENGTH", req.envp);
		long len = cl ? strtol(cl, NULL, 10) : 0;
		if (len < 0 || len > (1L << 20)) {
			reply(&req, 413, "too large\n");
			FCGX_Finish_r(&req);
			continue;
		}
		if ((size_t)len + 1 > cap) {
			cap = (size_t)len + 1;
			body = realloc(body, cap);
		}
		int got = len ? FCGX_GetStr(body, (int)len, req.in) : 0;
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		sqlite3_bind_text(ins, 1, body, got, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, (sqlite3_int64)now.tv_sec * 1000 + now.tv_nsec / 1000000);
		int rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc == SQLITE_DONE) {
			reply(&req, 200, "ok\n");
		} else {
			fprintf(stderr, "min_sqlite_responder: insert: %s\n", sqlite3_errmsg(db));
			reply(&req, 503, "store failed\n");
		}
		FCGX_Finish_r(&req);
	}
	free(body);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return 0;
}
