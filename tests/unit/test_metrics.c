/*
 * test_metrics.c - the shared counters of core/metrics.h: counters and
 * histograms in the exposition format, counts from several processes
 * adding at once summed exactly, a damaged file rebuilt, and counting
 * that does nothing (and does not crash) when no file is mapped.
 * GET /metrics itself is tested end to end (tests/integration).
 */
#include "core/metrics.h"
#include "tap.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define REQ "switchboard_http_requests_total"
#define DUR "switchboard_http_request_duration_seconds"

static void test_off(void)
{
	ok(!metrics_on(), "off before metrics_open");
	metrics_count(REQ, "family=\"tasks\",status=\"200\"", 1);
	is_int(metrics_value(REQ, "family=\"tasks\",status=\"200\""), 0, "counting while off does nothing");
	Buf b = {0};
	metrics_write(&b);
	is_int(b.len, 0, "and writes nothing");
	buf_free(&b);
}

static void test_format(void)
{
	metrics_count(REQ, "family=\"tasks\",status=\"200\"", 2);
	metrics_count(REQ, "family=\"tasks\",status=\"200\"", 1);
	metrics_count(REQ, "family=\"health\",status=\"200\"", 1);
	is_int(metrics_value(REQ, "family=\"tasks\",status=\"200\""), 3, "a counter adds");
	is_int(metrics_value(REQ, "family=\"health\",status=\"200\""), 1, "label sets are apart");
	metrics_observe(DUR, "family=\"tasks\"", 0.003);
	metrics_observe(DUR, "family=\"tasks\"", 0.2);
	metrics_observe(DUR, "family=\"tasks\"", 60);
	Buf b = {0};
	metrics_write(&b);
	const char *t = b.s ? b.s : "";
	ok(strstr(t, "# HELP " REQ " ") && strstr(t, "# TYPE " REQ " counter\n"), "a counter's HELP and TYPE");
	ok(strstr(t, REQ "{family=\"tasks\",status=\"200\"} 3\n") != NULL, "its line");
	ok(strstr(t, "# TYPE " DUR " histogram\n") != NULL, "a histogram's TYPE");
	ok(strstr(t, DUR "_bucket{family=\"tasks\",le=\"0.0025\"} 0\n") != NULL, "an empty bucket");
	ok(strstr(t, DUR "_bucket{family=\"tasks\",le=\"0.005\"} 1\n") != NULL, "buckets count up to their bound");
	ok(strstr(t, DUR "_bucket{family=\"tasks\",le=\"0.25\"} 2\n") != NULL, "cumulatively");
	ok(strstr(t, DUR "_bucket{family=\"tasks\",le=\"10\"} 2\n") != NULL, "60 s is above the last bound");
	ok(strstr(t, DUR "_bucket{family=\"tasks\",le=\"+Inf\"} 3\n") != NULL, "+Inf holds every observation");
	ok(strstr(t, DUR "_sum{family=\"tasks\"} 60.203000\n") != NULL, "the sum in seconds");
	ok(strstr(t, DUR "_count{family=\"tasks\"} 3\n") != NULL, "the count");
	int heads = 0;
	for (const char *p = t; (p = strstr(p, "# TYPE " REQ " ")); p++)
		heads++;
	is_int(heads, 1, "one TYPE line per family, whatever its label sets");
	ok(strstr(t, "switchboard_jobs_queued") == NULL, "gauges are left to the caller");
	buf_free(&b);
	b = (Buf){0};
	metrics_write_head(&b, "switchboard_jobs_queued");
	ok(b.s && strstr(b.s, "# TYPE switchboard_jobs_queued gauge\n"), "whose head metrics_write_head writes");
	buf_free(&b);
}

static void test_processes(const char *path)
{
	enum { KIDS = 4, EACH = 20000 };
	for (int k = 0; k < KIDS; k++) {
		pid_t pid = fork();
		if (pid == 0) {
			metrics_close();
			if (metrics_open(path) != 0)
				_exit(1);
			char labels[64];
			for (int i = 0; i < EACH; i++) {
				metrics_count(REQ, "family=\"webhooks\",status=\"200\"", 1);
				/* each child also makes label sets of its own */
				snprintf(labels, sizeof labels, "family=\"k%d\",status=\"%d\"", k, i % 7);
				metrics_count(REQ, labels, 1);
			}
			_exit(0);
		}
	}
	int all_ok = 1, st;
	while (wait(&st) > 0)
		all_ok &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
	ok(all_ok, "%d processes counted", KIDS);
	is_int(metrics_value(REQ, "family=\"webhooks\",status=\"200\""), KIDS * EACH,
	       "their counts add up exactly in the shared file");
	uint64_t sum = 0;
	for (int k = 0; k < KIDS; k++)
		for (int s = 0; s < 7; s++) {
			char labels[64];
			snprintf(labels, sizeof labels, "family=\"k%d\",status=\"%d\"", k, s);
			sum += metrics_value(REQ, labels);
		}
	is_int(sum, KIDS * EACH, "and label sets made at the same time by several processes lose nothing");
}

static void test_reopen(const char *path)
{
	metrics_close();
	ok(metrics_open(path) == 0, "the file opens again");
	is_int(metrics_value(REQ, "family=\"tasks\",status=\"200\""), 3, "and keeps its counts (a restart loses nothing)");
	metrics_close();
	FILE *f = fopen(path, "r+");
	if (f) {
		fputs("garbage", f);
		fclose(f);
	}
	ok(metrics_open(path) == 0, "a damaged file opens");
	is_int(metrics_value(REQ, "family=\"tasks\",status=\"200\""), 0, "rebuilt empty");
	metrics_count(REQ, "family=\"tasks\",status=\"200\"", 1);
	is_int(metrics_value(REQ, "family=\"tasks\",status=\"200\""), 1, "and counts again");
}

int main(void)
{
	char dir[] = "/tmp/sb-test-metrics-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char *path = xasprintf("%s/metrics.shm", dir);
	test_off();
	ok(metrics_open(path) == 0, "metrics_open maps a new file");
	ok(metrics_on(), "counting is on");
	test_format();
	test_processes(path);
	test_reopen(path);
	metrics_close();
	char *bad = xasprintf("%s/no/such/dir/m.shm", dir);
	ok(metrics_open(bad) != 0, "a path that cannot be created fails");
	ok(!metrics_on(), "and counting stays off");
	free(bad);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	free(path);
	return done_testing();
}
