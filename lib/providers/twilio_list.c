/*
 * twilio_list.c - Messages list lookup (see twilio_list.h).
 * GET {base}/2010-04-01/Accounts/{sid}/Messages.json?To=..&DateSent>=YYYY-MM-DD
 * answers {"messages":[{"sid","body","status","date_created",...}],
 * "next_page_uri": "/2010-04-01/Accounts/.../Messages.json?...&Page=1&PageToken=..."
 * or null, ...}, newest first; dates are RFC 2822.
 */
#include "providers/twilio_list.h"
#include "core/http.h"
#include "core/util.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* "Thu, 24 Aug 2023 05:01:45 +0000" → unix seconds, or -1. */
static int64_t parse_rfc2822(const char *s)
{
	char mon[4] = "";
	int d, y, hh, mm, ss;
	if (!s || sscanf(s, "%*3s, %d %3s %d %d:%d:%d", &d, mon, &y, &hh, &mm, &ss) != 6)
		return -1;
	int m = -1;
	for (int i = 0; i < 12; i++)
		if (strcmp(mon, month_names[i]) == 0)
			m = i;
	if (m < 0)
		return -1;
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = m;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	return (int64_t)timegm(&tm);
}

/* One page of the list: 1 with sid and status set when a message matches,
 * 0 when none does, -1 with err when the page is not a Messages list. */
static int scan_page(const Buf *page, const char *body, int64_t since_ms, TwilioSidTaken taken, void *ctx,
		     char sid[64], char status[32], char *err, size_t errlen)
{
	json_t *v = json_loadb(page->s ? page->s : "", page->len, 0, NULL);
	json_t *list = json_object_get(v, "messages");
	if (!json_is_array(list)) {
		snprintf(err, errlen, "message lookup: the answer has no messages list");
		json_decref(v);
		return -1;
	}
	int rc = 0;
	size_t i;
	json_t *m;
	json_array_foreach(list, i, m) {
		const char *b = json_string_value(json_object_get(m, "body"));
		const char *s = json_string_value(json_object_get(m, "sid"));
		int64_t created = parse_rfc2822(json_string_value(json_object_get(m, "date_created")));
		if (!b || !s || strcmp(b, body) != 0)
			continue;
		if (created >= 0 && created * 1000 < since_ms - 60000)
			continue;
		if (taken && taken(ctx, s))
			continue;
		snprintf(sid, 64, "%s", s);
		const char *st = json_string_value(json_object_get(m, "status"));
		snprintf(status, 32, "%s", st ? st : "accepted");
		rc = 1;
		break;
	}
	json_decref(v);
	return rc;
}

/* The next page's URL into url (left empty on the last page): the
 * answer's next_page_uri, a path on the same API host. */
static void next_page(const Buf *page, const char *base, size_t blen, Buf *url)
{
	json_t *v = json_loadb(page->s ? page->s : "", page->len, 0, NULL);
	const char *next = json_string_value(json_object_get(v, "next_page_uri"));
	if (next && strncmp(next, "/2010-04-01/Accounts/", 21) == 0)
		buf_printf(url, "%.*s%s", (int)blen, base, next);
	json_decref(v);
}

int twilio_find_message(const TwilioConf *conf, const char *to, const char *body, int64_t since_ms,
			TwilioSidTaken taken, void *ctx, char sid[64], char status[32], char *err, size_t errlen)
{
	char day[16];
	time_t t = (time_t)(since_ms / 1000 - 86400); /* a day of slack for time zones */
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	const char *base = conf->api_base && *conf->api_base ? conf->api_base : TWILIO_API_BASE;
	size_t blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	Buf url = {0};
	buf_printf(&url, "%.*s/2010-04-01/Accounts/", (int)blen, base);
	buf_url_escape(&url, conf->account_sid);
	buf_puts(&url, "/Messages.json?To=");
	buf_url_escape(&url, to);
	buf_puts(&url, "&DateSent%3E=");
	buf_puts(&url, day);
	buf_puts(&url, "&PageSize=100");
	/* Newest first, a page at a time: follow next_page_uri for as many
	 * pages as a busy number could have in the window. */
	int rc = 0;
	for (int page = 0; page < TWILIO_LIST_MAX_PAGES && rc == 0 && url.len; page++) {
		HttpReq req = {0};
		req.method = "GET";
		req.url = url.s;
		req.user = conf->account_sid;
		req.pass = conf->auth_token;
		req.connect_timeout_ms = conf->connect_timeout_ms;
		req.timeout_ms = conf->timeout_ms;
		HttpResp resp;
		memset(&resp, 0, sizeof resp);
		http_request(&req, &resp);
		buf_reset(&url);
		if (resp.status != 200) {
			snprintf(err, errlen, "message lookup failed: %s",
				 resp.status ? "unexpected HTTP status" : resp.error);
			rc = -1;
		} else {
			rc = scan_page(&resp.body, body, since_ms, taken, ctx, sid, status, err, errlen);
			if (rc == 0)
				next_page(&resp.body, base, blen, &url);
		}
		http_resp_free(&resp);
	}
	if (rc == 0 && url.len) {
		/* Not found in the pages read, and there are more: saying "not
		 * there" could send it twice; the job retries later instead. */
		snprintf(err, errlen, "message lookup: more than %d pages of messages to this number", TWILIO_LIST_MAX_PAGES);
		rc = -1;
	}
	buf_free(&url);
	return rc;
}
