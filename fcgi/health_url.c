/*
 * health_url.c - GET /health/url: the address of this request as the
 * program reconstructs it from what the web server passed (scheme, Host,
 * port, request-target), beside SWITCHBOARD_PUBLIC_URL, for
 * `switchboard doctor`.  A web server or proxy that rewrites the address
 * is the usual reason Twilio's signatures do not verify: Twilio signs the
 * URL it called, and the webhook checks the signature over
 * SWITCHBOARD_PUBLIC_URL + the request-target.
 *
 * Public and read-only; it shows nothing that the caller did not send or
 * that is not public already (no secrets, no paths on disk).
 */
#include "core/config.h"
#include "fcgi/handlers.h"

#include <string.h>
#include <strings.h>

/* A request parameter, or NULL when absent or empty. */
static const char *param(Ctx *c, const char *name)
{
	const char *v = c->header(c, name);
	return v && *v ? v : NULL;
}

/* GET /health/url - public.  200 {"scheme","host","port","path","url",
 * "public_url","signed_url","forwarded":{...}}: url is what the program
 * sees, signed_url what a Twilio signature for this request is checked
 * against. */
void h_health_url(Ctx *c)
{
	const char *https = param(c, "HTTPS"), *rs = param(c, "REQUEST_SCHEME");
	const char *scheme = https && (strcasecmp(https, "on") == 0 || strcmp(https, "1") == 0) ? "https"
			     : rs && strcasecmp(rs, "https") == 0 ? "https" : "http";
	const char *host = param(c, "HTTP_HOST"), *port = param(c, "SERVER_PORT");
	if (!host) {
		const char *name = param(c, "SERVER_NAME");
		host = arena_printf(c->arena, "%s%s%s", name ? name : "", port ? ":" : "", port ? port : "");
	}
	json_t *fwd = json_object();
	const char *names[][2] = {{"proto", "HTTP_X_FORWARDED_PROTO"}, {"host", "HTTP_X_FORWARDED_HOST"},
				  {"port", "HTTP_X_FORWARDED_PORT"}, {"forwarded", "HTTP_FORWARDED"}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (param(c, names[i][1]))
			json_object_set_new(fwd, names[i][0], json_string(param(c, names[i][1])));
	const char *pub = config_get("SWITCHBOARD_PUBLIC_URL");
	respond_json(c, 200, json_pack("{s:s,s:s,s:s?,s:s,s:s,s:s,s:s,s:o}", "scheme", scheme, "host", host, "port",
				       port, "path", c->raw_uri, "url",
				       arena_printf(c->arena, "%s://%s%s", scheme, host, c->raw_uri), "public_url", pub,
				       "signed_url", arena_printf(c->arena, "%s%s", pub, c->raw_uri), "forwarded", fwd));
}
