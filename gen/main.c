/*
 * main.c - bin/switchboard-gen [--out DIR] [--full] [--quiet]
 *
 * Builds the static report site from the event log: the database is
 * opened read-only and read in one transaction; the site goes to DIR
 * (default $SWITCHBOARD_SITE, else $SWITCHBOARD_DATA/site).  Incremental
 * unless --full, there is no usable state in DIR/.gen, or the settings or
 * templates changed.  One run at a time per output directory: a run that
 * finds another holding DIR/.gen/lock says so and exits 0, changing
 * nothing, so a timer or cron line can fire every minute without care.
 *
 * Exit status: 0 built (or nothing to do, or another run holds the lock),
 * 1 an error (the previous site stays as it was), 2 usage.
 */
#include "core/config.h"
#include "gen/gen.h"

#include <errno.h>
#include <pthread.h>
#include <malloc.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

/* The templates whose text goes into the digest: change one and the next
 * run rebuilds every page. */
static const char *const templates[] = {"layout", "task", "client", "tasks", "overview", "feed", "sections"};

static void usage(FILE *f)
{
	fprintf(f, "Usage: switchboard-gen [--out DIR] [--full] [--quiet]\n"
		   "Build the static report site from the event log (read-only).\n"
		   "  --out DIR  where to write the site (default $SWITCHBOARD_SITE, else $SWITCHBOARD_DATA/site)\n"
		   "  --full     rebuild every page instead of only what changed\n"
		   "  --quiet    print nothing unless something goes wrong\n");
}

/* "model=IN/OUT,..." in USD per million tokens; bad entries are skipped
 * with a warning. */
static void parse_prices(Settings *s, const char *spec)
{
	char *copy = xstrdup(spec), *save = NULL;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ')
			item++;
		char *eq = strchr(item, '=');
		double in, out;
		char tail;
		if (!eq || eq == item || sscanf(eq + 1, "%lf/%lf%c", &in, &out, &tail) != 2 || in < 0 || out < 0) {
			fprintf(stderr, "switchboard-gen: LLM_PRICES: ignoring '%s' (expected MODEL=IN/OUT)\n", item);
			continue;
		}
		*eq = '\0';
		s->prices = xrealloc(s->prices, (s->nprices + 1) * sizeof *s->prices);
		s->prices[s->nprices++] = (Price){gen_intern(item), in, out};
	}
	free(copy);
}

static uint64_t digest_of(const Settings *s, const char *tpl_dir, const char *prices)
{
	uint64_t h = hash_i64(HASH_SEED, GEN_FORMAT);
	for (int u = 0; u < NURG; u++)
		h = hash_i64(h, s->sla_ms[u]);
	h = hash_str(h, prices);
	h = hash_str(h, s->public_url);
	for (size_t i = 0; i < ARRAY_LEN(templates); i++) {
		char *path = xasprintf("%s/reports/%s.mustache", tpl_dir, templates[i]);
		size_t len = 0;
		char *text = read_file(path, &len);
		h = hash_str(h, templates[i]);
		h = text ? hash_bytes(h, text, len) : hash_i64(h, -1);
		free(text);
		free(path);
	}
	return h;
}

/* The highest run number used under DIR/v and DIR/t, so a run never
 * reuses one (the state may be gone while the directories are not). */
static int64_t highest_version(const char *out)
{
	int64_t max = 0;
	for (int k = 0; k < 2; k++) {
		char *path = xasprintf("%s/%s", out, k ? "t" : "v");
		DIR *d = opendir(path);
		free(path);
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d))) {
			long long cid, ver;
			char tail;
			if (sscanf(de->d_name, "%lld-%lld%c", &cid, &ver, &tail) == 2 && ver > max)
				max = ver;
		}
		closedir(d);
	}
	return max;
}

static void group3(char *out, size_t n, long long v)
{
	char raw[32];
	snprintf(raw, sizeof raw, "%lld", v);
	size_t len = strlen(raw), k = 0;
	for (size_t i = 0; i < len && k + 2 < n; i++) {
		if (i && (len - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = raw[i];
	}
	out[k] = '\0';
}

static int generate(const char *out, const char *gen_dir, int full, int quiet, int64_t t0);

int main(int argc, char **argv)
{
	const char *out = NULL;
	int full = 0, quiet = 0;
	umask(umask(0) | 007); /* reports are for the program to serve, not for every user */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strncmp(argv[i], "--out=", 6) == 0)
			out = argv[i] + 6;
		else if (strcmp(argv[i], "--full") == 0)
			full = 1;
		else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
			quiet = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	/* Large buffers (a big client's task list) come and go once per
	 * client: keep them in the heap for reuse instead of mapping fresh
	 * pages each time; first touches of memory are much of a run's cost. */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	char *err = NULL;
	if (config_load(&err) != 0) {
		fprintf(stderr, "switchboard-gen: configuration error: %s\n", err);
		free(err);
		return 1;
	}
	if (!config_root_cli_ok()) {
		fprintf(stderr, "switchboard-gen: refusing to run as root (the site's files would belong to root, but "
				"the data directory does not); run it as the service user, or set "
				"SWITCHBOARD_ALLOW_ROOT=1\n");
		return 1;
	}
	int64_t t0 = mono_ms();
	char *default_out = NULL;
	if (!out) {
		out = config_get("SWITCHBOARD_SITE");
		if (!*out)
			out = default_out = xasprintf("%s/site", config_get("SWITCHBOARD_DATA"));
	}
	char *gen_dir = xasprintf("%s/.gen", out);
	char *lock_path = xasprintf("%s/lock", gen_dir);
	int lock = -1, rc = 1;
	if (site_mkdirs(gen_dir) != 0) {
		fprintf(stderr, "switchboard-gen: cannot create %s: %s\n", gen_dir, strerror(errno));
		goto done;
	}
	lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0) {
		fprintf(stderr, "switchboard-gen: cannot open %s: %s\n", lock_path, strerror(errno));
		goto done;
	}
	if (flock(lock, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK) {
			if (!quiet)
				fprintf(stderr, "switchboard-gen: another run is building %s; leaving it to finish\n", out);
			rc = 0;
		} else {
			fprintf(stderr, "switchboard-gen: cannot lock %s: %s\n", lock_path, strerror(errno));
		}
		goto done;
	}
	rc = generate(out, gen_dir, full, quiet, t0);
done:
	if (lock >= 0)
		close(lock); /* releases the lock */
	free(lock_path);
	free(gen_dir);
	free(default_out);
	return rc;
}

typedef struct {
	Gen *g;
	const char *path;
	int rc;
} StateRead;

static void *read_state(void *arg)
{
	StateRead *sr = arg;
	sr->rc = state_load(sr->g, sr->path);
	return NULL;
}

/* Everything a run does once it holds the lock; returns the exit status. */
static int generate(const char *out, const char *gen_dir, int full, int quiet, int64_t t0)
{
	char *err = NULL;
	Gen g = {0};
	g.out = out;
	g.quiet = quiet;
	g.set.sla_ms[URG_URGENT] = config_int("SLA_URGENT_MINUTES") * 60000LL;
	g.set.sla_ms[URG_MEDIUM] = config_int("SLA_MEDIUM_MINUTES") * 60000LL;
	g.set.sla_ms[URG_LOW] = config_int("SLA_LOW_MINUTES") * 60000LL;
	for (int u = 0; u < NURG; u++)
		if (g.set.sla_ms[u] <= 0) {
			fprintf(stderr, "switchboard-gen: SLA_%s_MINUTES must be a positive number of minutes\n",
				u == 0 ? "URGENT" : u == 1 ? "MEDIUM" : "LOW");
			return 1;
		}
	parse_prices(&g.set, config_get("LLM_PRICES"));
	g.set.public_url = config_get("SWITCHBOARD_PUBLIC_URL");
	const char *tpl_dir = config_get("SWITCHBOARD_TEMPLATES");
	g.digest = digest_of(&g.set, tpl_dir, config_get("LLM_PRICES"));

	g.store = store_open(config_get("SWITCHBOARD_DB"), STORE_READONLY, &err);
	if (!g.store) {
		fprintf(stderr, "switchboard-gen: %s\n", err);
		free(err);
		free(g.set.prices);
		return 1;
	}
	/* One read transaction: every query sees the same snapshot. */
	if (store_read_begin(g.store) != 0) {
		fprintf(stderr, "switchboard-gen: cannot start reading: %s\n", store_errmsg(g.store));
		store_close(g.store);
		free(g.set.prices);
		return 1;
	}
	g.tpl = tpl_cache_dir(tpl_dir);

	char *state_path = xasprintf("%s/state", gen_dir);
	gen_phase("start");
	/* The state file and the table rows are independent reads: the state
	 * is read on a second thread meanwhile. */
	StateRead sr = {&g, state_path, -1};
	pthread_t reader;
	int threaded = gen_threads() > 1 && pthread_create(&reader, NULL, read_state, &sr) == 0;
	if (!threaded)
		read_state(&sr);
	int rows = load_task_rows(&g) == 0 && load_client_rows(&g) == 0 ? 0 : -1;
	if (threaded)
		pthread_join(reader, NULL);
	int st = sr.rc;
	gen_phase("state and rows loaded");
	g.full = full || st != 0;
	int64_t hv = highest_version(out);
	/* Directories newer than the state, or no usable state: a run did not
	 * finish, and may have left directories nothing points at. */
	g.scan_orphans = g.full || hv > g.run;
	g.run = (g.run > hv ? g.run : hv) + 1;

	int rc = rows == 0 ? build(&g) : -1;
	store_read_end(g.store);
	/* Deleting old pages is spread over runs: a little each time. */
	site_cleanup(&g, g.full ? 3000 : 150);
	gen_phase("old versions removed");
	if (rc == 0)
		rc = state_save(&g, state_path);
	gen_phase("state saved");

	int64_t ms = mono_ms() - t0;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	if (rc == 0 && !quiet) {
		char pages[32], files[32], events[32];
		group3(pages, sizeof pages, (long long)g.pages);
		group3(files, sizeof files, (long long)g.files);
		group3(events, sizeof events, (long long)g.new_events);
		if (g.full)
			printf("switchboard-gen: full build of %s: %s pages, %s files, %s events, %.2f s "
			       "(%.0f pages/s), peak RSS %ld MB\n",
			       out, pages, files, events, (double)ms / 1000.0,
			       ms > 0 ? (double)g.pages * 1000.0 / (double)ms : 0.0, ru.ru_maxrss / 1024);
		else
			printf("switchboard-gen: incremental build of %s: %s new events, %zu tasks and %zu clients "
			       "changed, %s pages written, %zu removed, %.3f s, peak RSS %ld MB\n",
			       out, events, g.dirty_tasks, g.dirty_clients, pages, g.removed,
			       (double)ms / 1000.0, ru.ru_maxrss / 1024);
	}
	if (rc != 0)
		fprintf(stderr, "switchboard-gen: the build failed; reports already swapped in are complete, the rest are as before, and the next run starts again from the last complete one\n");

	tpl_cache_free(g.tpl);
	store_close(g.store);
	buf_free(&g.titles);
	free(g.rows);
	for (size_t i = 0; i < g.nclients; i++) {
		free(g.clients[i].name);
		free(g.clients[i].phone);
		free(g.clients[i].company);
	}
	free(g.clients);
	for (size_t i = 0; i < g.ncstates; i++)
		client_state_free(&g.cstates[i]);
	free(g.cstates);
	free(g.recs);
	free(g.retired);
	free(g.set.prices);
	free(state_path);
	return rc == 0 ? 0 : 1;
}
