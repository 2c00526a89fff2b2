/*
 * ingest_ipc.c - one group commit for the inbound SMS of every FastCGI
 * process.
 *
 * The FastCGI processes serving one database elect one of them, the
 * committer: a background thread of each process blocks on an exclusive
 * flock() of DB-ingest.lock, and the process whose thread holds it listens
 * on the Unix socket DB-ingest.sock (mode 0600, connections from other
 * users refused).  Every other process sends each inbound SMS there and
 * waits for the answer; the committer puts it in its own group commit
 * (serve.c), beside its own webhooks, so that one fsync covers the webhooks
 * of every process, and answers only after that COMMIT has returned.  When
 * the committer ends or dies the kernel releases its flock, and the thread
 * of another process takes over.
 *
 * Anything that goes wrong on the way (no committer yet, a refused or
 * broken connection, a malformed answer, none within INGEST_REPLY_MS) makes
 * the sender store the message itself with its own process's group
 * commit.  That is safe because MessageSid is the idempotency key: a
 * message the committer did commit is found again and answered as a
 * duplicate with the same message id.  Nothing here touches the database:
 * it only carries messages and outcomes between processes.
 *
 * Frames, both ways: a 4-byte big-endian length, then the payload.
 *   request: num_media (u32), then message_sid, from, to, body,
 *            account_sid, messaging_service_sid and the media as JSON,
 *            each a u32 length and that many bytes (no NUL)
 *   answer:  result (u8: InboundResult), the committer's pid (u32),
 *            message_id (u64), then the error text up to the end
 * The receiver checks every length against what is left and the limits
 * below, and closes a connection whose frame does not parse.
 */
#define _GNU_SOURCE /* SO_PEERCRED */
#include "fcgi/ingest_ipc.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Largest request: the webhook's fields come from a request body of at
 * most SWITCHBOARD_MAX_BODY; larger ones are stored by their own process. */
#define INGEST_REQUEST_MAX (4u << 20)
/* Largest answer: the fixed part and an error message. */
#define INGEST_ERR_MAX 1024
#define INGEST_REPLY_MAX (13u + INGEST_ERR_MAX)
#define INGEST_FIELDS 7
/* How long a sender waits to connect, and for the answer (the committer's
 * commit included), before it stores the message itself. */
#define INGEST_CONNECT_MS 1000
#define INGEST_REPLY_MS 5000
/* Idle connections to the committer a process keeps for its threads. */
#define INGEST_IDLE_MAX 32

/* Where the election thread is, for ingest_ipc_stop() to wake it. */
typedef enum { PHASE_LOCK, PHASE_ACCEPT, PHASE_OTHER } Phase;

/* The committer's side: one thread per connection from another process. */
typedef struct Conn {
	int fd;
	pthread_t tid;
	atomic_int finished;
	struct Conn *next;
} Conn;

static struct {
	int started;
	pid_t pid;
	char lock_path[4096];
	struct sockaddr_un addr;
	IngestCommitFn commit;
	pthread_t tid;             /* the election thread, then the accept loop */
	atomic_int stop, finished;
	atomic_int phase;          /* what that thread is blocked in: Phase */
	atomic_int committer;      /* this process is the committer */
	atomic_int last_pid;       /* the committer that last answered us */
	atomic_ulong served;       /* other processes' messages committed here */
	pthread_mutex_t lock;      /* guards idle[] and conns */
	int idle[INGEST_IDLE_MAX], n_idle;
	Conn *conns;
} ipc = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- frames ---- */

static void put_u32(Buf *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
			      (unsigned char)v};
	buf_append(b, x, 4);
}

static void put_field(Buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	put_u32(b, (uint32_t)n);
	buf_append(b, s ? s : "", n);
}

/* A reader over a received payload; bad sticks once a read overruns. */
typedef struct {
	const unsigned char *p;
	size_t left;
	int bad;
} Cursor;

static uint32_t get_u32(Cursor *c)
{
	if (c->bad || c->left < 4) {
		c->bad = 1;
		return 0;
	}
	uint32_t v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	return v;
}

/* A length-prefixed field as a malloc'd string; NULL (and bad) when it
 * overruns the payload or holds a NUL. */
static char *get_field(Cursor *c)
{
	uint32_t n = get_u32(c);
	if (c->bad || n > c->left || memchr(c->p, 0, n)) {
		c->bad = 1;
		return NULL;
	}
	char *s = xstrndup((const char *)c->p, n);
	c->p += n;
	c->left -= n;
	return s;
}

/* Wait until fd is ready for events or the deadline (mono_ms(), -1 for
 * none) has passed.  Returns 0 when ready, -1 on timeout or error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int ms = -1;
		if (deadline >= 0) {
			int64_t left = deadline - mono_ms();
			if (left <= 0)
				return -1;
			ms = (int)left;
		}
		struct pollfd p = {.fd = fd, .events = events};
		int r = poll(&p, 1, ms);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* Read or write exactly n bytes, waiting (poll) only when the socket is
 * not ready, or simply blocking when there is no deadline.  Return 0, or
 * -1 at the end of the connection, on an error or once the deadline has
 * passed. */
static int read_full(int fd, void *to, size_t n, int64_t deadline)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = recv(fd, (char *)to + got, n - got, deadline < 0 ? 0 : MSG_DONTWAIT);
		if (r > 0)
			got += (size_t)r;
		else if (r == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
			return -1;
		else if (errno != EINTR && wait_fd(fd, POLLIN, deadline) != 0)
			return -1;
	}
	return 0;
}

static int write_full(int fd, const void *from, size_t n, int64_t deadline)
{
	size_t sent = 0;
	while (sent < n) {
		ssize_t r = send(fd, (const char *)from + sent, n - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r > 0)
			sent += (size_t)r;
		else if (r == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
			return -1;
		else if (errno != EINTR && wait_fd(fd, POLLOUT, deadline) != 0)
			return -1;
	}
	return 0;
}

/* Send the payload in b as one frame.  Returns 0 or -1. */
static int write_frame(int fd, Buf *b, int64_t deadline)
{
	Buf f = {0};
	put_u32(&f, (uint32_t)b->len);
	buf_append(&f, b->s ? b->s : "", b->len);
	int rc = write_full(fd, f.s, f.len, deadline);
	buf_free(&f);
	return rc;
}

/* Read one frame's payload into b (reset first).  Returns 0; -1 at the end
 * of the connection, on an error, on timeout or when the frame is empty or
 * longer than max (*oversized then set). */
static int read_frame(int fd, Buf *b, size_t max, int64_t deadline, int *oversized)
{
	unsigned char h[4];
	buf_reset(b);
	*oversized = 0;
	if (read_full(fd, h, 4, deadline) != 0)
		return -1;
	Cursor c = {h, 4, 0};
	uint32_t n = get_u32(&c);
	if (n == 0 || n > max) {
		*oversized = 1;
		return -1;
	}
	buf_grow(b, n);
	if (read_full(fd, b->s, n, deadline) != 0)
		return -1;
	b->len = n;
	b->s[n] = '\0';
	return 0;
}

/* ---- the committer ---- */

/* An inbound SMS decoded from a request, owning its strings. */
typedef struct {
	InboundSms m;
	char *f[INGEST_FIELDS];
	json_t *media;
} Received;

static void received_free(Received *r)
{
	for (int i = 0; i < INGEST_FIELDS; i++)
		free(r->f[i]);
	json_decref(r->media);
}

/* Decode a request payload into *r (received_free() in every case).
 * Returns 0, or -1 with *why set when it is malformed. */
static int decode_request(const Buf *b, Received *r, const char **why)
{
	memset(r, 0, sizeof *r);
	Cursor c = {(const unsigned char *)b->s, b->len, 0};
	uint32_t num_media = get_u32(&c);
	for (int i = 0; i < INGEST_FIELDS; i++)
		r->f[i] = get_field(&c);
	if (c.bad || c.left) {
		*why = "a field overruns the frame or holds a NUL, or bytes are left over";
		return -1;
	}
	if (num_media > 10) {
		*why = "NumMedia out of range";
		return -1;
	}
	if (!*r->f[0] || strlen(r->f[0]) > 64 || !*r->f[1] || strlen(r->f[1]) > 64) {
		*why = "MessageSid and From must hold 1 to 64 bytes";
		return -1;
	}
	if (*r->f[6]) {
		r->media = json_loads(r->f[6], 0, NULL);
		if (!json_is_array(r->media)) {
			*why = "the media are not a JSON array";
			return -1;
		}
	}
	r->m = (InboundSms){.message_sid = r->f[0], .from = r->f[1], .to = r->f[2], .body = r->f[3],
			    .account_sid = r->f[4], .messaging_service_sid = r->f[5],
			    .num_media = (int)num_media, .media = r->media};
	return 0;
}

/* Serve one connection from another process: each request is committed
 * with this process's group commit, then answered.  Ends at the end of
 * the connection, on an error or a malformed request (logged). */
static void *conn_main(void *arg)
{
	Conn *cn = arg;
	Buf in = {0}, out = {0};
	int oversized;
	while (read_frame(cn->fd, &in, INGEST_REQUEST_MAX, -1, &oversized) == 0) {
		Received r;
		const char *why = NULL;
		if (decode_request(&in, &r, &why) != 0) {
			fprintf(stderr, "switchboard: ingest: malformed request from another process (%s); "
				"connection closed\n", why);
			received_free(&r);
			break;
		}
		InboundItem item = {.m = &r.m};
		ipc.commit(&item);
		atomic_fetch_add(&ipc.served, 1);
		buf_reset(&out);
		unsigned char res = (unsigned char)item.result;
		buf_append(&out, &res, 1);
		put_u32(&out, (uint32_t)ipc.pid);
		put_u32(&out, (uint32_t)((uint64_t)item.message_id >> 32));
		put_u32(&out, (uint32_t)item.message_id);
		if (item.err)
			buf_append(&out, item.err, strnlen(item.err, INGEST_ERR_MAX));
		free(item.err);
		received_free(&r);
		if (write_frame(cn->fd, &out, mono_ms() + INGEST_REPLY_MS) != 0)
			break;
	}
	if (oversized)
		fprintf(stderr, "switchboard: ingest: request frame from another process of a bad length; "
			"connection closed\n");
	shutdown(cn->fd, SHUT_RDWR); /* (the sender sees the end at once; reap_conns() closes it) */
	buf_free(&in);
	buf_free(&out);
	atomic_store(&cn->finished, 1);
	return NULL;
}

/* Join the connection threads that have ended (all when all is set, after
 * waking them: their webhooks in progress are still answered). */
static void reap_conns(int all)
{
	pthread_mutex_lock(&ipc.lock);
	for (Conn *c = ipc.conns; all && c; c = c->next)
		shutdown(c->fd, SHUT_RD);
	Conn **pp = &ipc.conns;
	while (*pp) {
		Conn *c = *pp;
		if (!all && !atomic_load(&c->finished)) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		pthread_join(c->tid, NULL);
		close(c->fd);
		free(c);
	}
	pthread_mutex_unlock(&ipc.lock);
}

/* The socket at ipc.addr, listening, mode 0600.  Returns the fd, -1
 * (logged) on failure. */
static int listen_socket(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* A socket left by a committer that died: the flock says nobody
	 * listens on it. */
	unlink(ipc.addr.sun_path);
	if (bind(fd, (struct sockaddr *)&ipc.addr, sizeof ipc.addr) != 0 || chmod(ipc.addr.sun_path, 0600) != 0 ||
	    listen(fd, SOMAXCONN) != 0)
		goto fail;
	return fd;
fail:
	fprintf(stderr, "switchboard: ingest: cannot listen on %s: %s; each process commits its own webhooks\n",
		ipc.addr.sun_path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Accept connections from the other processes until ingest_ipc_stop(). */
static void serve_committer(int lfd)
{
	atomic_store(&ipc.committer, 1);
	atomic_store(&ipc.phase, PHASE_ACCEPT);
	fprintf(stderr, "switchboard: process %d commits the inbound SMS of every process (%s)\n", (int)ipc.pid,
		ipc.addr.sun_path);
	while (!atomic_load(&ipc.stop)) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EINTR && errno != ECONNABORTED) {
				fprintf(stderr, "switchboard: ingest: accept failed: %s\n", strerror(errno));
				nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
			}
			continue;
		}
		if (atomic_load(&ipc.stop)) {
			close(fd); /* (ingest_ipc_stop() waking us) */
			break;
		}
		struct ucred cred;
		socklen_t len = sizeof cred;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != geteuid()) {
			fprintf(stderr, "switchboard: ingest: connection from another user refused\n");
			close(fd);
			continue;
		}
		reap_conns(0);
		Conn *c = xcalloc(1, sizeof *c);
		c->fd = fd;
		pthread_mutex_lock(&ipc.lock);
		if (pthread_create(&c->tid, NULL, conn_main, c) != 0) {
			pthread_mutex_unlock(&ipc.lock);
			fprintf(stderr, "switchboard: ingest: cannot start a connection thread\n");
			close(fd);
			free(c);
			continue;
		}
		c->next = ipc.conns;
		ipc.conns = c;
		pthread_mutex_unlock(&ipc.lock);
	}
	/* Stop taking messages before the lock goes to another process. */
	atomic_store(&ipc.phase, PHASE_OTHER);
	atomic_store(&ipc.committer, 0);
	unlink(ipc.addr.sun_path);
	close(lfd);
	reap_conns(1);
	fprintf(stderr, "switchboard: process %d stops committing for other processes (%lu of their inbound SMS "
		"committed)\n", (int)ipc.pid, atomic_load(&ipc.served));
}

/* The election thread: wait for the committer's lock, then serve. */
static void *elect_main(void *arg)
{
	(void)arg;
	int fd = open(ipc.lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "switchboard: ingest: cannot open %s: %s\n", ipc.lock_path, strerror(errno));
		goto done;
	}
	while (!atomic_load(&ipc.stop) && flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			fprintf(stderr, "switchboard: ingest: cannot lock %s: %s\n", ipc.lock_path, strerror(errno));
			goto done;
		}
	}
	atomic_store(&ipc.phase, PHASE_OTHER);
	if (!atomic_load(&ipc.stop)) {
		int lfd = listen_socket();
		if (lfd >= 0)
			serve_committer(lfd);
	}
done:
	if (fd >= 0)
		close(fd); /* (releases the lock) */
	atomic_store(&ipc.finished, 1);
	return NULL;
}

int ingest_ipc_start(const char *db_path, IngestCommitFn commit)
{
	int n = snprintf(ipc.addr.sun_path, sizeof ipc.addr.sun_path, "%s-ingest.sock", db_path);
	if (n < 0 || (size_t)n >= sizeof ipc.addr.sun_path) {
		fprintf(stderr, "switchboard: ingest: the socket path %s-ingest.sock is longer than %zu bytes; "
			"each process commits its own webhooks\n", db_path, sizeof ipc.addr.sun_path - 1);
		return -1;
	}
	n = snprintf(ipc.lock_path, sizeof ipc.lock_path, "%s-ingest.lock", db_path);
	if (n < 0 || (size_t)n >= sizeof ipc.lock_path)
		return -1;
	ipc.addr.sun_family = AF_UNIX;
	ipc.pid = getpid();
	ipc.commit = commit;
	if (pthread_create(&ipc.tid, NULL, elect_main, NULL) != 0) {
		fprintf(stderr, "switchboard: ingest: cannot start the committer thread\n");
		return -1;
	}
	ipc.started = 1;
	return 0;
}

void ingest_ipc_stop(void)
{
	if (!ipc.started)
		return;
	atomic_store(&ipc.stop, 1);
	/* Wake the thread: its accept() with a connection, its flock() with
	 * a signal (repeated, since it may come just before it blocks). */
	while (!atomic_load(&ipc.finished)) {
		int phase = atomic_load(&ipc.phase);
		if (phase == PHASE_ACCEPT) {
			int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd >= 0) {
				connect(fd, (struct sockaddr *)&ipc.addr, sizeof ipc.addr);
				close(fd);
			}
		} else if (phase == PHASE_LOCK) {
			pthread_kill(ipc.tid, SIGUSR2);
		}
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	pthread_join(ipc.tid, NULL);
	pthread_mutex_lock(&ipc.lock);
	while (ipc.n_idle > 0)
		close(ipc.idle[--ipc.n_idle]);
	pthread_mutex_unlock(&ipc.lock);
	ipc.started = 0;
}

/* ---- the other processes ---- */

/* A connection to the committer: an idle one, else a new one.  Returns
 * the fd, -1 when there is no committer to connect to. */
static int committer_conn(void)
{
	int fd = -1;
	pthread_mutex_lock(&ipc.lock);
	if (ipc.n_idle > 0)
		fd = ipc.idle[--ipc.n_idle];
	pthread_mutex_unlock(&ipc.lock);
	if (fd >= 0)
		return fd;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* A full backlog makes connect() wait: not longer than this. */
	struct timeval tv = {INGEST_CONNECT_MS / 1000, (INGEST_CONNECT_MS % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&ipc.addr, sizeof ipc.addr) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void conn_release(int fd)
{
	pthread_mutex_lock(&ipc.lock);
	if (ipc.n_idle < INGEST_IDLE_MAX && !atomic_load(&ipc.stop)) {
		ipc.idle[ipc.n_idle++] = fd;
		fd = -1;
	}
	pthread_mutex_unlock(&ipc.lock);
	if (fd >= 0)
		close(fd);
}

int ingest_ipc_send(InboundItem *item)
{
	if (!ipc.started || atomic_load(&ipc.committer) || atomic_load(&ipc.stop))
		return -1;
	const InboundSms *m = item->m;
	Buf req = {0}, rep = {0};
	char *media = m->media && json_array_size(m->media) ? json_dumps(m->media, JSON_COMPACT) : NULL;
	put_u32(&req, (uint32_t)(m->num_media > 0 ? m->num_media : 0));
	const char *fields[INGEST_FIELDS] = {m->message_sid, m->from, m->to, m->body,
					     m->account_sid, m->messaging_service_sid, media};
	for (int i = 0; i < INGEST_FIELDS; i++)
		put_field(&req, fields[i]);
	free(media);
	int rc = -1, fd = -1, oversized;
	if (req.len > INGEST_REQUEST_MAX || (fd = committer_conn()) < 0)
		goto done;
	int64_t deadline = mono_ms() + INGEST_REPLY_MS;
	if (write_frame(fd, &req, deadline) != 0 || read_frame(fd, &rep, INGEST_REPLY_MAX, deadline, &oversized) != 0)
		goto done;
	/* (read_frame() returned at least one byte: the result) */
	Cursor c = {(const unsigned char *)rep.s + 1, rep.len - 1, 0};
	unsigned result = (unsigned char)rep.s[0];
	int pid = (int)get_u32(&c);
	uint64_t hi = get_u32(&c), lo = get_u32(&c);
	int64_t mid = (int64_t)(hi << 32 | lo);
	if (c.bad || result > INBOUND_REJECTED || (result != INBOUND_ERROR && mid <= 0))
		goto done; /* (a malformed answer: store it here) */
	item->result = (InboundResult)result;
	item->message_id = result == INBOUND_ERROR ? 0 : mid;
	item->err = result == INBOUND_ERROR ? xstrndup((const char *)c.p, c.left) : NULL;
	if (atomic_exchange(&ipc.last_pid, pid) != pid)
		fprintf(stderr, "switchboard: process %d sends its inbound SMS to the committer, process %d\n",
			(int)ipc.pid, pid);
	conn_release(fd);
	fd = -1;
	rc = 0;
done:
	if (fd >= 0)
		close(fd);
	buf_free(&req);
	buf_free(&rep);
	return rc;
}
