/*
 * cmd_twilio.c - `switchboard twilio-verify` (check a signature the way the
 * webhook does, to debug proxies) and `switchboard simulate-sms` (post a
 * correctly signed inbound webhook to a running server).
 */
#include "cli/cli.h"
#include "core/config.h"
#include "web/form.h"
#include "core/http.h"
#include "providers/twilio.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_twilio_verify(int argc, char **argv)
{
	const char *url = NULL, *sig = NULL;
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
			url = argv[++i];
		else if (strcmp(argv[i], "--signature") == 0 && i + 1 < argc)
			sig = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			url = sig = NULL;
			break;
		} else {
			fprintf(stderr, "switchboard twilio-verify: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!url || !sig) {
		printf("Usage: switchboard twilio-verify --url URL --signature SIG [--json] < BODY\n"
		       "Check an X-Twilio-Signature for a form body (or a JSON body with --json) read\n"
		       "from standard input, with TWILIO_AUTH_TOKEN from the configuration.  URL is the\n"
		       "full URL Twilio requested (including the query).  Exits 0 when the signature\n"
		       "is valid, 1 when not; prints the URL variants it tried.\n");
		return cli_wants_help(argc, argv) ? 0 : 2;
	}
	if (cli_config() != 0)
		return 2;
	const char *token = config_get("TWILIO_AUTH_TOKEN");
	if (!*token) {
		fprintf(stderr, "switchboard twilio-verify: TWILIO_AUTH_TOKEN is not set\n");
		return 2;
	}
	Buf body = {0};
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		buf_append(&body, chunk, n);
	/* A trailing newline from `echo` is not part of a form body. */
	while (!json && body.len && (body.s[body.len - 1] == '\n' || body.s[body.len - 1] == '\r'))
		body.s[--body.len] = '\0';
	Buf tried = {0};
	int valid;
	if (json) {
		valid = twilio_signature_valid_json(token, url, buf_cstr(&body), body.len, sig, &tried);
	} else {
		Params p = {0};
		if (form_parse(buf_cstr(&body), body.len, &p) != 0) {
			fprintf(stderr, "switchboard twilio-verify: the body is not a valid form (%s)\n", form_error());
			buf_free(&body);
			return 1;
		}
		TwParam *tp = xcalloc(p.n + 1, sizeof *tp);
		for (size_t i = 0; i < p.n; i++) {
			tp[i].name = p.v[i].name;
			tp[i].value = p.v[i].value;
		}
		valid = twilio_signature_valid(token, url, tp, p.n, sig, &tried);
		free(tp);
		params_free(&p);
	}
	printf("URL variants tried:\n%s", buf_cstr(&tried));
	if (tried.len && tried.s[tried.len - 1] != '\n')
		putchar('\n');
	printf("%s\n", valid ? "signature valid" : "signature NOT valid");
	buf_free(&tried);
	buf_free(&body);
	return valid ? 0 : 1;
}

int cmd_simulate_sms(int argc, char **argv)
{
	const char *from = NULL, *body = NULL, *base = NULL, *to = NULL, *sid = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			from = argv[++i];
		else if (strcmp(argv[i], "--body") == 0 && i + 1 < argc)
			body = argv[++i];
		else if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
			base = argv[++i];
		else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to = argv[++i];
		else if (strcmp(argv[i], "--sid") == 0 && i + 1 < argc)
			sid = argv[++i];
		else {
			from = body = NULL;
			break;
		}
	}
	if (!from || !body) {
		printf("Usage: switchboard simulate-sms --from NUMBER --body TEXT [--url BASE] [--to NUMBER] [--sid SID]\n"
		       "Post a correctly signed inbound SMS webhook to BASE/webhook/twilio (BASE defaults\n"
		       "to SWITCHBOARD_PUBLIC_URL), the same path Twilio uses.  --sid reuses a MessageSid\n"
		       "(to see that a repeated delivery changes nothing).\n");
		return cli_wants_help(argc, argv) ? 0 : 2;
	}
	if (cli_config() != 0)
		return 1;
	const char *token = config_get("TWILIO_AUTH_TOKEN");
	if (!*token) {
		fprintf(stderr, "switchboard simulate-sms: TWILIO_AUTH_TOKEN is not set, so the server would refuse "
				"the webhook. `make run` creates a local one in $SWITCHBOARD_DATA/switchboard.conf.\n");
		return 1;
	}
	http_global_init();
	if (!base)
		base = config_get("SWITCHBOARD_PUBLIC_URL");
	size_t blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	char *url = xasprintf("%.*s/webhook/twilio", (int)blen, base);
	char sidbuf[40];
	if (!sid) {
		unsigned char rnd[16];
		RAND_bytes(rnd, sizeof rnd);
		sidbuf[0] = 'S';
		sidbuf[1] = 'M';
		hex_encode(sidbuf + 2, rnd, sizeof rnd);
		sid = sidbuf;
	}
	const char *account = *config_get("TWILIO_ACCOUNT_SID") ? config_get("TWILIO_ACCOUNT_SID")
							   : "AC00000000000000000000000000000000";
	if (!to)
		to = *config_get("TWILIO_FROM_NUMBER") ? config_get("TWILIO_FROM_NUMBER") : "+15005550006";
	TwParam p[] = {
		{"AccountSid", account}, {"ApiVersion", "2010-04-01"}, {"Body", body},
		{"From", from}, {"MessageSid", sid}, {"NumMedia", "0"}, {"NumSegments", "1"},
		{"SmsMessageSid", sid}, {"SmsSid", sid}, {"SmsStatus", "received"}, {"To", to},
	};
	size_t np = sizeof p / sizeof p[0];
	char *sig = twilio_signature(token, url, p, np);
	Buf form = {0};
	for (size_t i = 0; i < np; i++) {
		if (i)
			buf_putc(&form, '&');
		buf_url_escape(&form, p[i].name);
		buf_putc(&form, '=');
		buf_url_escape(&form, p[i].value);
	}
	char *sighdr = xasprintf("X-Twilio-Signature: %s", sig);
	const char *headers[] = {"Content-Type: application/x-www-form-urlencoded", sighdr,
				 "User-Agent: TwilioProxy/1.1 (switchboard simulate-sms)", NULL};
	HttpReq req = {0};
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.body = form.s;
	req.body_len = form.len;
	req.timeout_ms = 15000;
	HttpResp resp;
	memset(&resp, 0, sizeof resp);
	http_request(&req, &resp);
	int rc = 0;
	if (resp.status == 200) {
		printf("delivered %s to %s: HTTP 200\n", sid, url);
	} else {
		fprintf(stderr, "switchboard simulate-sms: %s answered %d %s%s\n", url, resp.status,
			resp.status ? buf_cstr(&resp.body) : "", resp.error);
		rc = 1;
	}
	http_resp_free(&resp);
	free(sighdr);
	free(sig);
	buf_free(&form);
	free(url);
	return rc;
}
