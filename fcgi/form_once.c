/*
 * form_once.c - every admin form that changes something is done once.
 *
 * Each page render gives its forms a fresh random form token (the hidden
 * _form field of templates/partials/csrf.mustache, next to _csrf).  When a
 * form comes back with one, the dispatcher claims the submission's key
 * (session, token, path and the fields other than _csrf and _form) in
 * lib/desk/form_keys.c before the handler runs, so of two identical submits,
 * sequential (a double click, the back button, a reload after the POST)
 * or concurrent (two processes), only the first runs.  The others are
 * sent where the first went, with ?again=1, and the layout says "This
 * form was already submitted; nothing was done twice."  A refused first
 * submit (4xx/5xx) releases the key so the corrected form can be sent
 * again.  Requests without _form (scripts, curl) are not affected.
 *
 * This file must not decide anything about what a form does: handlers
 * stay unaware of it, apart from multipart uploads, which the dispatcher
 * cannot parse and which call form_once_begin themselves.
 */
#include "desk/form_keys.h"
#include "fcgi/web.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FORM_TOKEN_MAX 128    /* bytes; ours are 32 hex digits */
#define PENDING_WAIT_MS 3000  /* how long a repeat waits for the first to finish */
#define PENDING_STALE_MS 60000 /* a first request this old never finished */

void form_token_new(char out[33])
{
	auth_random_hex(out, 16);
}

void form_digest_init(FormDigest *d)
{
	d->md = EVP_MD_CTX_new();
	if (!d->md || EVP_DigestInit_ex(d->md, EVP_sha256(), NULL) != 1)
		sb_die("SHA-256 init failed");
}

void form_digest_add(FormDigest *d, const void *p, size_t n)
{
	/* Length first, so ("ab","c") and ("a","bc") differ. */
	unsigned char len[8];
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
	if (EVP_DigestUpdate(d->md, len, sizeof len) != 1 || (n && EVP_DigestUpdate(d->md, p, n) != 1))
		sb_die("SHA-256 update failed");
}

void form_digest_final(FormDigest *d, unsigned char out[32])
{
	unsigned int n = 0;
	if (EVP_DigestFinal_ex(d->md, out, &n) != 1 || n != 32)
		sb_die("SHA-256 final failed");
	EVP_MD_CTX_free(d->md);
	d->md = NULL;
}

/* loc with again=1 added to its query, before any #fragment (arena). */
static const char *again_location(Ctx *c, const char *loc)
{
	const char *hash = strchr(loc, '#');
	size_t n = hash ? (size_t)(hash - loc) : strlen(loc);
	const char *q = memchr(loc, '?', n);
	return arena_printf(c->arena, "%.*s%sagain=1%s", (int)n, loc, q ? "&" : "?", hash ? hash : "");
}

int form_once_begin(Ctx *c, const char *token, const unsigned char fields[32])
{
	if (!token || !*token || !c->session_cookie)
		return 1;
	if (strlen(token) > FORM_TOKEN_MAX) {
		respond_error(c, 400, "bad_form", "The form token is malformed. Reload the page and try again.", NULL);
		return 0;
	}
	FormDigest d;
	unsigned char k[32];
	char key[65];
	form_digest_init(&d);
	form_digest_add(&d, "switchboard form v1", 19);
	form_digest_add(&d, c->session_cookie, strlen(c->session_cookie));
	form_digest_add(&d, token, strlen(token));
	form_digest_add(&d, c->path, strlen(c->path));
	form_digest_add(&d, fields, 32);
	form_digest_final(&d, k);
	hex_encode(key, k, sizeof k);

	int64_t start = mono_ms();
	for (;;) {
		char *loc = NULL;
		int64_t claimed_at = 0, now = now_ms();
		FormKeyState s = formkey_claim(c->store, key, c->user.id, c->path, now, &loc, &claimed_at);
		if (s == FORMKEY_CLAIMED) {
			c->form_key = arena_strdup(c->arena, key);
			return 1;
		}
		if (s == FORMKEY_ERROR) {
			respond_error(c, 503, "db_busy", "The database is busy. Wait a moment and send the form again.", NULL);
			return 0;
		}
		if (s == FORMKEY_DONE) {
			ctx_log(c, "form sent again by %s: nothing done twice", c->actor);
			if (*loc)
				respond_redirect(c, again_location(c, loc));
			else
				respond_error(c, 409, "already_submitted",
					      "This form was already submitted; nothing was done twice.", NULL);
			free(loc);
			return 0;
		}
		/* FORMKEY_PENDING: the first is still running in another process. */
		if (now - claimed_at > PENDING_STALE_MS) {
			respond_error(c, 409, "submission_unfinished",
				      "An earlier submission of this form did not finish. Reload the page to see "
				      "whether it took effect before you send it again.", NULL);
			return 0;
		}
		if (mono_ms() - start > PENDING_WAIT_MS) {
			respond_error(c, 409, "submission_running",
				      "This form is being submitted already. Wait a moment and reload the page to see "
				      "the result.", NULL);
			return 0;
		}
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

int form_once_route(Ctx *c)
{
	const char *token = params_get(&c->form, "_form");
	if (!token || !*token)
		return 1;
	FormDigest d;
	unsigned char fields[32];
	form_digest_init(&d);
	for (size_t i = 0; i < c->form.n; i++) {
		const Param *p = &c->form.v[i];
		if (strcmp(p->name, "_csrf") == 0 || strcmp(p->name, "_form") == 0)
			continue;
		form_digest_add(&d, p->name, strlen(p->name));
		form_digest_add(&d, p->value, p->value_len);
	}
	form_digest_final(&d, fields);
	return form_once_begin(c, token, fields);
}

void form_once_end(Ctx *c)
{
	if (!c->form_key)
		return;
	int rc;
	if (c->status >= 400 || c->status < 200) {
		rc = formkey_release(c->store, c->form_key);
	} else {
		rc = formkey_finish(c->store, c->form_key, c->status >= 300 && c->location ? c->location : "");
	}
	if (rc != 0)
		ctx_log(c, "could not record the form submission: %s", store_errmsg(c->store));
	c->form_key = NULL;
}
