/*
 * twilio.h - the Twilio client: webhook signature checks (X-Twilio-Signature)
 * and sending an SMS through the Messages REST API.
 *
 * Pure functions plus HTTP: nothing here reads configuration files, logs
 * secrets, retries or touches the database.  The caller (webhook handler,
 * send job) owns deduplication, retry policy and persistence.
 */
#ifndef SB_TWILIO_H
#define SB_TWILIO_H

#include <stddef.h>

#include "core/http.h"
#include "core/util.h"

/* One decoded form parameter (name and value after + and %XX decoding). */
typedef struct {
	const char *name;
	const char *value;
} TwParam;

/*
 * Check X-Twilio-Signature for a form-encoded request.  url is the full URL
 * Twilio requested (public base + raw request-target); params are every
 * decoded POST parameter (unknown ones too; none for GET).  Both port
 * variants of url are tried (explicit port removed; scheme default port
 * added).  When tried is non-NULL one line "<url>\n" is appended per URL
 * variant computed, for diagnostics.  Returns 1 if signature matches, else 0
 * (also for NULL/empty signature or token).
 */
int twilio_signature_valid(const char *auth_token, const char *url, const TwParam *params,
			   size_t n, const char *signature, Buf *tried);

/*
 * Check X-Twilio-Signature for an application/json request: the URL's
 * bodySHA256 query parameter must equal the lowercase hex SHA-256 of body,
 * and the signature is over the full URL (both port variants) with nothing
 * appended.  Returns 1 valid, 0 not (missing query or bodySHA256 included).
 */
int twilio_signature_valid_json(const char *auth_token, const char *url, const char *body,
				size_t body_len, const char *signature, Buf *tried);

/*
 * Compute the signature of url + sorted params exactly as written (no port
 * variants).  Returns a malloc'd NUL-terminated base64 string (28 chars) the
 * caller frees.  Used by the inbound-SMS simulator and by tests.
 */
char *twilio_signature(const char *auth_token, const char *url, const TwParam *params, size_t n);

/* Fill url_without_port / url_with_port (malloc'd, caller frees) for url.
 * If url has no "scheme://" both are copies of url.  Exposed for tests. */
void twilio_url_variants(const char *url, char **without_port, char **with_port);

#define TWILIO_API_BASE "https://api.twilio.com"

typedef struct {
	const char *account_sid;           /* AC..., used in the path and as Basic user */
	const char *auth_token;            /* Basic password */
	const char *from;                  /* sender number, or NULL when ... */
	const char *messaging_service_sid; /* ... MG... is set (preferred when both are) */
	const char *api_base;              /* NULL = TWILIO_API_BASE; tests use a fake */
	long connect_timeout_ms;           /* 0 = 5000 */
	long timeout_ms;                   /* 0 = 15000 */
} TwilioConf;

typedef enum {
	TW_SEND_OK = 0,   /* 2xx: Twilio accepted the message */
	TW_SEND_RETRY,    /* 429, 5xx, transport error: try again later */
	TW_SEND_PERMANENT /* other 4xx/3xx or bad configuration: do not retry */
} TwSendKind;

typedef struct {
	TwSendKind kind;
	int http_status;       /* 0 on transport error or local refusal */
	char sid[64];          /* OK: message SID ("SM..."); "" if absent */
	char status[32];       /* OK: initial status ("queued", "accepted") */
	int error_code;        /* Twilio "code" (21211...), else 0 */
	char message[512];     /* error text (Twilio message or transport error) */
	int retry_after;       /* RETRY: seconds from Retry-After, -1 = none */
	/* 1 if Twilio may have created the message even though we did not get
	 * a success (timeout after the request was written, 500/502/504, a
	 * reply that broke off).  A blind retry could then send a duplicate;
	 * the caller should ask a human or check before resending.  0 means a
	 * retry is safe (connect failure, 429, 503, local refusal). */
	int maybe_sent;
	HttpErr transport;     /* HTTP_ERR_NONE unless the transport failed */
} TwSendResult;

/*
 * Send one SMS: POST {api_base}/2010-04-01/Accounts/{sid}/Messages.json
 * with To, From or MessagingServiceSid, Body and (when non-NULL and
 * non-empty) StatusCallback, Basic auth sid:token.  Makes exactly one
 * attempt.  Fills res (no allocation; nothing to free) and returns
 * res->kind.
 */
int twilio_send_sms(const TwilioConf *conf, const char *to, const char *body,
		    const char *status_callback, TwSendResult *res);

/* Classify a Messages API response (or transport failure) into res.
 * Used by twilio_send_sms; exposed for tests.  Returns res->kind. */
int twilio_classify_send(const HttpResp *resp, TwSendResult *res);

/* "ok", "retry" or "permanent". */
const char *twilio_send_kind_name(TwSendKind kind);

#endif
