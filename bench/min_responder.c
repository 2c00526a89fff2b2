/*
 * min_responder.c - the "ceiling" for bench-http: the smallest useful
 * libfcgi responder.  An FCGX accept loop on the socket the web server
 * hands over (fd 0) that answers every request with a fixed small JSON
 * body.  Served through the same rendered lighttpd configuration as the
 * program, it measures what lighttpd + FastCGI + the loopback cost by
 * themselves.
 */
#include <fcgiapp.h>
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

int main(void)
{
	static const char reply[] = "Status: 200 OK\r\n"
				    "Content-Type: application/json\r\n"
				    "Content-Length: 16\r\n"
				    "\r\n"
				    "{\"status\":\"ok\"}\n";
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0)
		return 1;
	FCGX_Request req;
	FCGX_InitRequest(&req, 0, 0);
	while (!stopping && FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(reply, (int)sizeof reply - 1, req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
