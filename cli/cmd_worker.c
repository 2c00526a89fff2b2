/*
 * cmd_worker.c - `switchboard worker [--once]` and `switchboard classify`.
 */
#include "ai/classify.h"
#include "cli/cli.h"
#include "core/config.h"
#include "core/http.h"
#include "desk/worker.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static TplCache *open_templates(void)
{
	return tpl_cache_dir(config_get("SWITCHBOARD_TEMPLATES"));
}

int cmd_worker(int argc, char **argv)
{
	int once = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0)
			once = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("Usage: switchboard worker [--once]\n"
			       "Run jobs from the queue (classify, draft, send, summary) until stopped\n"
			       "(SIGTERM/SIGINT finish the current job first).  --once runs every job\n"
			       "that is due and exits.  Several workers may run at once.\n");
			return 0;
		} else {
			fprintf(stderr, "switchboard worker: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	Store *s = cli_open_store();
	if (!s)
		return 1;
	http_global_init();
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	TplCache *tpl = open_templates();
	Worker w;
	worker_init(&w, s, tpl);
	if (!once)
		fprintf(stderr, "switchboard worker %s: started\n", w.id);
	int64_t last_beat = 0;
	int rc = 0;
	while (!stop_requested) {
		if (mono_ms() - last_beat > 10000) {
			worker_heartbeat(&w);
			last_beat = mono_ms();
		}
		int r = worker_step(&w);
		if (r < 0) {
			fprintf(stderr, "switchboard worker: database error: %s\n", store_errmsg(s));
			if (once) {
				rc = 1;
				break;
			}
		}
		if (r == 0 && once)
			break;
		if (r <= 0) {
			struct timespec ts = {0, 200 * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	if (once)
		printf("%ld jobs done, %ld failed\n", w.jobs_done, w.jobs_failed);
	else
		fprintf(stderr, "switchboard worker %s: stopped (%ld done, %ld failed)\n", w.id, w.jobs_done,
			w.jobs_failed);
	tpl_cache_free(tpl);
	store_close(s);
	return rc;
}

int cmd_classify(int argc, char **argv)
{
	if (argc != 2 || cli_wants_help(argc, argv)) {
		printf("Usage: switchboard classify TEXT\n"
		       "Print {\"type\",\"urgency\",\"confidence\",\"provider\"} for TEXT using the\n"
		       "configured provider (LLM_PROVIDER).\n");
		return argc == 2 ? 0 : 2;
	}
	if (cli_config() != 0)
		return 1;
	http_global_init();
	TplCache *tpl = open_templates();
	ClassifyResult r;
	LlmUsage u = {0};
	int64_t after;
	char *err = NULL;
	int attempt = 1;
	while (classify_text(tpl, argv[1], attempt, &r, &u, &after, &err) == CLASSIFY_RETRY) {
		fprintf(stderr, "switchboard classify: %s; retrying\n", err);
		free(err);
		err = NULL;
		struct timespec ts = {after > 0 ? after / 1000 : 1, 0};
		nanosleep(&ts, NULL);
		attempt++;
	}
	json_t *out = json_pack("{s:s,s:s,s:f,s:s}", "type", r.type, "urgency", r.urgency, "confidence",
				r.confidence, "provider", r.provider);
	if (r.fallback)
		json_object_set_new(out, "note", json_string(r.note));
	char *text = json_dumps(out, JSON_COMPACT);
	puts(text);
	free(text);
	json_decref(out);
	tpl_cache_free(tpl);
	return 0;
}
