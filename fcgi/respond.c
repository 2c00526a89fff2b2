/*
 * respond.c - how handlers answer: bodies, JSON, pages, errors, redirects.
 * The response headers themselves (including the security headers every
 * response carries) are written in one place, serve.c's write_response().
 */
#include "core/version.h"
#include "fcgi/web.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void add_header(Ctx *c, const char *name, const char *value)
{
	/* Header values never carry CR or LF: drop them rather than split. */
	buf_puts(&c->resp_headers, name);
	buf_puts(&c->resp_headers, ": ");
	for (const char *p = value; *p; p++)
		if (*p != '\r' && *p != '\n')
			buf_putc(&c->resp_headers, *p);
	buf_puts(&c->resp_headers, "\r\n");
}

void respond(Ctx *c, int status, const char *type, const char *body, size_t len)
{
	c->status = status;
	c->resp_type = type;
	buf_reset(&c->resp_body);
	buf_append(&c->resp_body, body, len);
}

void respond_json(Ctx *c, int status, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(v);
	if (!s)
		sb_die("json_dumps failed");
	c->status = status;
	c->resp_type = "application/json";
	buf_reset(&c->resp_body);
	buf_puts(&c->resp_body, s);
	buf_putc(&c->resp_body, '\n');
	free(s);
}

void respond_page(Ctx *c, int status, const char *template, json_t *data)
{
	if (!json_object_get(data, "version"))
		json_object_set_new(data, "version", json_string(SB_VERSION));
	buf_reset(&c->resp_body);
	char *err = NULL;
	if (tpl_render_name(c->tpl, template, data, &c->resp_body, &err) != 0) {
		json_decref(data);
		ctx_log(c, "template %s failed: %s", template, err ? err : "?");
		free(err);
		buf_reset(&c->resp_body);
		c->status = 500;
		c->resp_type = "text/plain; charset=utf-8";
		buf_puts(&c->resp_body, "Internal error: a page template could not be rendered. "
					"The server log has the details.\n");
		return;
	}
	json_decref(data);
	c->status = status;
	c->resp_type = "text/html; charset=utf-8";
}

static int wants_json(Ctx *c)
{
	return (c->route && (c->route->flags & R_API)) || strncmp(c->path, "/api/", 5) == 0 ||
	       strcmp(c->path, "/health") == 0;
}

void respond_error(Ctx *c, int status, const char *code, const char *message, const char *field)
{
	if (status >= 500)
		ctx_log(c, "error %d %s: %s", status, code, message);
	else
		ctx_log(c, "client error %d %s: %s%s%s", status, code, message,
			field ? " field=" : "", field ? field : "");
	if (wants_json(c)) {
		json_t *e = json_pack("{s:s,s:s}", "code", code, "message", message);
		json_object_set_new(e, "field", field ? json_string(field) : json_null());
		respond_json(c, status, json_pack("{s:o}", "error", e));
		return;
	}
	json_t *d = json_pack("{s:i,s:s,s:s}", "status", status, "code", code, "message", message);
	respond_page(c, status, "pages/error", d);
	if (c->status != status) {
		/* The error template itself failed: fall back to plain text. */
		c->status = status;
	}
}

void respond_redirect(Ctx *c, const char *location)
{
	add_header(c, "Location", location);
	c->location = arena_strdup(c->arena, location);
	respond(c, 303, "text/plain; charset=utf-8", "See Other\n", 10);
}

void ctx_log(Ctx *c, const char *fmt, ...)
{
	Buf b = {0};
	buf_printf(&b, "switchboard[%s] %s %s: ", c->request_id ? c->request_id : "-",
		   c->method ? c->method : "-", c->path ? c->path : "-");
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_putc(&b, '\n');
	fputs(buf_cstr(&b), stderr);
	buf_free(&b);
}
