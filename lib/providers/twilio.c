/*
 * twilio.c - X-Twilio-Signature validation and the Messages REST client
 * (see twilio.h; the protocol notes are /work/shared/protocols/twilio.md).
 *
 * Signature checks are pure (HMAC-SHA1 and SHA-256 from libcrypto) and
 * compare in constant time.  Sending makes one HTTP attempt and classifies
 * the outcome; it never retries, never logs the auth token and never touches
 * the database.
 */
#include "providers/twilio.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* ---- signatures ------------------------------------------------------ */

/* Base64 of HMAC-SHA1(key = token, msg); out must hold 29 bytes. */
static void hmac_sha1_b64(const char *token, const char *msg, size_t len, char out[29])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	if (!HMAC(EVP_sha1(), token, (int)strlen(token), (const unsigned char *)msg, len, mac,
		  &mac_len) || mac_len != 20)
		sb_die("HMAC-SHA1 failed");
	EVP_EncodeBlock((unsigned char *)out, mac, 20);
}

static int param_cmp(const void *a, const void *b)
{
	const TwParam *x = a, *y = b;
	int c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
	if (c)
		return c;
	return strcmp(x->value ? x->value : "", y->value ? y->value : "");
}

/* The string Twilio signs: url, then name+value for every param sorted by
 * name and then value (byte order), no separators.  Appended to out. */
static void signing_string(Buf *out, const char *url, const TwParam *params, size_t n)
{
	buf_puts(out, url);
	if (n == 0)
		return;
	TwParam *sorted = xmalloc(n * sizeof *sorted);
	memcpy(sorted, params, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, param_cmp);
	for (size_t i = 0; i < n; i++) {
		buf_puts(out, sorted[i].name ? sorted[i].name : "");
		buf_puts(out, sorted[i].value ? sorted[i].value : "");
	}
	free(sorted);
}

char *twilio_signature(const char *auth_token, const char *url, const TwParam *params, size_t n)
{
	Buf s = {0};
	char b64[29];
	signing_string(&s, url, params, n);
	hmac_sha1_b64(auth_token ? auth_token : "", buf_cstr(&s), s.len, b64);
	buf_free(&s);
	return xstrdup(b64);
}

void twilio_url_variants(const char *url, char **without_port, char **with_port)
{
	const char *sep = strstr(url, "://");
	if (!sep) {
		*without_port = xstrdup(url);
		*with_port = xstrdup(url);
		return;
	}
	const char *auth = sep + 3;
	const char *auth_end = auth + strcspn(auth, "/?#");
	const char *host = auth;
	for (const char *p = auth; p < auth_end; p++)
		if (*p == '@')
			host = p + 1; /* the port comes after any user:pass@ */
	const char *colon = NULL;
	if (*host == '[') { /* IPv6 literal: the port follows the ']' */
		const char *rb = memchr(host, ']', (size_t)(auth_end - host));
		if (rb && rb + 1 < auth_end && rb[1] == ':')
			colon = rb + 1;
	} else {
		colon = memchr(host, ':', (size_t)(auth_end - host));
	}

	Buf b = {0};
	if (colon) {
		buf_append(&b, url, (size_t)(colon - url));
		buf_puts(&b, auth_end);
		*without_port = buf_detach(&b);
		*with_port = xstrdup(url);
	} else {
		int https = (sep - url) == 5 && strncasecmp(url, "https", 5) == 0;
		buf_append(&b, url, (size_t)(auth_end - url));
		buf_puts(&b, https ? ":443" : ":80");
		buf_puts(&b, auth_end);
		*with_port = buf_detach(&b);
		*without_port = xstrdup(url);
	}
}

/* Shared core of both validators: try both port variants of url with the
 * given params appended; note each variant in tried.  1 if one matches. */
static int signature_matches(const char *token, const char *url, const TwParam *params,
			     size_t n, const char *signature, Buf *tried)
{
	char *variants[2];
	twilio_url_variants(url, &variants[0], &variants[1]);
	size_t sig_len = signature ? strlen(signature) : 0;
	int match = 0;
	for (int i = 0; i < 2; i++) {
		if (tried)
			buf_printf(tried, "%s\n", variants[i]);
		char *want = twilio_signature(token, variants[i], params, n);
		match |= ct_equal(want, strlen(want), signature ? signature : "", sig_len);
		free(want);
		free(variants[i]);
	}
	return match;
}

int twilio_signature_valid(const char *auth_token, const char *url, const TwParam *params,
			   size_t n, const char *signature, Buf *tried)
{
	if (!auth_token || !*auth_token || !url)
		return 0; /* an empty key would let anyone sign */
	int match = signature_matches(auth_token, url, params, n, signature, tried);
	return match && signature && *signature;
}

/* Find the raw value of query parameter name in url (query ends at '#').
 * Returns a pointer into url and its length in *len, or NULL. */
static const char *query_param(const char *url, const char *name, size_t *len)
{
	const char *q = strchr(url, '?');
	if (!q)
		return NULL;
	q++;
	const char *end = q + strcspn(q, "#");
	size_t name_len = strlen(name);
	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		const char *pair_end = amp ? amp : end;
		const char *eq = memchr(q, '=', (size_t)(pair_end - q));
		const char *key_end = eq ? eq : pair_end;
		if ((size_t)(key_end - q) == name_len && memcmp(q, name, name_len) == 0) {
			const char *v = eq ? eq + 1 : pair_end;
			*len = (size_t)(pair_end - v);
			return v;
		}
		q = amp ? amp + 1 : end;
	}
	return NULL;
}

int twilio_signature_valid_json(const char *auth_token, const char *url, const char *body,
				size_t body_len, const char *signature, Buf *tried)
{
	if (!auth_token || !*auth_token || !url)
		return 0;
	size_t hash_len = 0;
	const char *hash = query_param(url, "bodySHA256", &hash_len);

	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	if (!EVP_Digest(body ? body : "", body ? body_len : 0, md, &md_len, EVP_sha256(), NULL))
		sb_die("SHA-256 failed");
	hex_encode(hex, md, md_len);
	int body_ok = hash != NULL && ct_equal(hash, hash_len, hex, strlen(hex));

	int sig_ok = signature_matches(auth_token, url, NULL, 0, signature, tried);
	return body_ok && sig_ok && signature && *signature;
}

/* ---- sending ------------------------------------------------------- */

const char *twilio_send_kind_name(TwSendKind kind)
{
	switch (kind) {
	case TW_SEND_OK: return "ok";
	case TW_SEND_RETRY: return "retry";
	case TW_SEND_PERMANENT: return "permanent";
	}
	return "permanent";
}

static void copy_json_string(json_t *obj, const char *key, char *out, size_t size)
{
	const char *s = json_string_value(json_object_get(obj, key));
	if (s)
		snprintf(out, size, "%s", s);
}

int twilio_classify_send(const HttpResp *resp, TwSendResult *res)
{
	memset(res, 0, sizeof *res);
	res->retry_after = resp->retry_after;
	res->transport = resp->err;
	res->http_status = resp->status;

	if (resp->err != HTTP_ERR_NONE) {
		snprintf(res->message, sizeof res->message, "%s", resp->error);
		res->maybe_sent = resp->maybe_sent;
		res->kind = (resp->err == HTTP_ERR_INVALID || resp->err == HTTP_ERR_TLS_CERT)
				    ? TW_SEND_PERMANENT
				    : TW_SEND_RETRY;
		return (int)res->kind;
	}

	json_t *root = resp->body.len ? json_loadb(resp->body.s, resp->body.len, 0, NULL) : NULL;
	json_t *obj = json_is_object(root) ? root : NULL;
	int status = resp->status;

	if (status >= 200 && status < 300) {
		res->kind = TW_SEND_OK;
		res->maybe_sent = 1;
		if (obj) {
			copy_json_string(obj, "sid", res->sid, sizeof res->sid);
			copy_json_string(obj, "status", res->status, sizeof res->status);
		}
		if (!res->sid[0])
			snprintf(res->message, sizeof res->message,
				 "HTTP %d without a message sid in the reply", status);
		json_decref(root);
		return (int)res->kind;
	}

	if (obj) {
		json_t *code = json_object_get(obj, "code");
		if (json_is_integer(code))
			res->error_code = (int)json_integer_value(code);
		else if (json_is_string(code))
			res->error_code = atoi(json_string_value(code));
		copy_json_string(obj, "message", res->message, sizeof res->message);
	}
	if (!res->message[0])
		snprintf(res->message, sizeof res->message, "HTTP %d from Twilio", status);
	json_decref(root);

	if (status == 429 || status == 503) {
		/* Twilio: a 429 is never processed; 503 means not accepted. */
		res->kind = TW_SEND_RETRY;
		res->maybe_sent = 0;
	} else if (status >= 500) {
		res->kind = TW_SEND_RETRY;
		res->maybe_sent = 1; /* a gateway error may hide a created message */
	} else {
		res->kind = TW_SEND_PERMANENT;
		res->maybe_sent = 0;
	}
	return (int)res->kind;
}

static int refuse(TwSendResult *res, const char *why)
{
	memset(res, 0, sizeof *res);
	res->kind = TW_SEND_PERMANENT;
	res->retry_after = -1;
	res->transport = HTTP_ERR_NONE;
	snprintf(res->message, sizeof res->message, "%s", why);
	return (int)res->kind;
}

static int sid_ok(const char *sid)
{
	if (!sid || !*sid || strlen(sid) > 64)
		return 0;
	for (const char *p = sid; *p; p++)
		if (!isalnum((unsigned char)*p))
			return 0;
	return 1;
}

static void form_field(Buf *form, const char *name, const char *value)
{
	if (form->len)
		buf_putc(form, '&');
	buf_puts(form, name);
	buf_putc(form, '=');
	buf_url_escape(form, value);
}

int twilio_send_sms(const TwilioConf *conf, const char *to, const char *body,
		    const char *status_callback, TwSendResult *res)
{
	if (!sid_ok(conf->account_sid))
		return refuse(res, "twilio: account SID missing or not alphanumeric");
	if (!conf->auth_token || !*conf->auth_token)
		return refuse(res, "twilio: auth token missing");
	int use_service = conf->messaging_service_sid && *conf->messaging_service_sid;
	if (!use_service && (!conf->from || !*conf->from))
		return refuse(res, "twilio: neither From nor MessagingServiceSid configured");
	if (!to || !*to)
		return refuse(res, "twilio: empty To");
	if (!body || !*body)
		return refuse(res, "twilio: empty Body");

	const char *base = conf->api_base && *conf->api_base ? conf->api_base : TWILIO_API_BASE;
	size_t base_len = strlen(base);
	while (base_len && base[base_len - 1] == '/')
		base_len--;
	char *url = xasprintf("%.*s/2010-04-01/Accounts/%s/Messages.json", (int)base_len, base,
			      conf->account_sid);

	Buf form = {0};
	form_field(&form, "To", to);
	if (use_service)
		form_field(&form, "MessagingServiceSid", conf->messaging_service_sid);
	else
		form_field(&form, "From", conf->from);
	form_field(&form, "Body", body);
	if (status_callback && *status_callback)
		form_field(&form, "StatusCallback", status_callback);

	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded", "Accept: application/json", NULL};
	HttpReq req = {
		.method = "POST",
		.url = url,
		.headers = headers,
		.body = buf_cstr(&form),
		.body_len = form.len,
		.user = conf->account_sid,
		.pass = conf->auth_token,
		.connect_timeout_ms = conf->connect_timeout_ms > 0 ? conf->connect_timeout_ms : 5000,
		.timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 15000,
		.max_body = 1 << 20,
	};
	HttpResp resp;
	http_request(&req, &resp);
	twilio_classify_send(&resp, res);

	http_resp_free(&resp);
	buf_free(&form);
	free(url);
	return (int)res->kind;
}
