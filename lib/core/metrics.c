/*
 * metrics.c - the shared counters of metrics.h.
 *
 * The file is a header and a fixed array of slots, one per (family,
 * labels) pair, found by hashing the pair and probing linearly.  A slot is
 * claimed with a compare-and-swap of its state (free → filling → ready),
 * so processes add new label sets without a lock; a reader that meets a
 * slot being filled waits for it (a few instructions).  Values are 64-bit
 * integers added atomically: counters directly, histograms as one count
 * per bucket plus the sum in microseconds.  The slot array never moves or
 * shrinks; when it is full, new label sets are counted in no slot and a
 * line on stderr says so once.
 *
 * Must not: allocate or block while counting, or trust a file it did not
 * write (a header with another magic or size is rebuilt).
 */
#include "core/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { KIND_COUNTER, KIND_HISTOGRAM, KIND_GAUGE /* written by the caller at scrape time */ };

typedef struct {
	const char *name;
	int kind;
	const char *help;
} Family;

/* Every family /metrics can show.  To add one: a line here, a call to
 * metrics_count or metrics_observe where it happens, and a test. */
static const Family FAMILIES[] = {
	{"switchboard_http_requests_total", KIND_COUNTER,
	 "HTTP requests answered, by route family and status"},
	{"switchboard_http_request_duration_seconds", KIND_HISTOGRAM,
	 "Time from request to the end of the answer, by route family"},
	{"switchboard_webhook_acks_total", KIND_COUNTER,
	 "Webhooks acknowledged after their message was committed, by provider"},
	{"switchboard_webhook_rejections_total", KIND_COUNTER,
	 "Webhooks refused, by provider and reason"},
	{"switchboard_jobs_total", KIND_COUNTER,
	 "Jobs the worker ran, by kind and outcome (done, retry, failed)"},
	{"switchboard_job_duration_seconds", KIND_HISTOGRAM,
	 "Time the worker spent on one job, by kind"},
	{"switchboard_sends_total", KIND_COUNTER,
	 "Outbound messages handed to a provider, by channel and status"},
	{"switchboard_llm_calls_total", KIND_COUNTER,
	 "Calls to the language model, by purpose and outcome"},
	{"switchboard_llm_tokens_total", KIND_COUNTER,
	 "Tokens the language model reported, by purpose and kind (prompt, completion)"},
	{"switchboard_llm_call_duration_seconds", KIND_HISTOGRAM,
	 "Time of one call to the language model, by purpose"},
	/* gauges the /metrics handler reads from the store */
	{"switchboard_jobs_queued", KIND_GAUGE, "Jobs waiting to run, by kind"},
	{"switchboard_job_oldest_age_seconds", KIND_GAUGE,
	 "Age of the oldest job waiting to run, by kind"},
	{"switchboard_database_bytes", KIND_GAUGE, "Size of the database"},
	{"switchboard_build_info", KIND_GAUGE, "The running program's version (always 1)"},
};

/* Histogram bucket bounds in seconds (the last bucket is +Inf). */
static const double BOUNDS[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBOUNDS (sizeof BOUNDS / sizeof BOUNDS[0])

#define MAGIC 0x53424d31u /* "SBM1" */
#define NSLOTS 2048
#define NAME_MAX_LEN 48
#define LABELS_MAX_LEN 112

enum { SLOT_FREE, SLOT_FILLING, SLOT_READY };

typedef struct {
	_Atomic uint32_t state;
	uint32_t family; /* index in FAMILIES */
	uint32_t hash;
	char labels[LABELS_MAX_LEN];
	_Atomic uint64_t value;               /* counter, or histogram count */
	_Atomic uint64_t sum_us;              /* histogram: sum in microseconds */
	_Atomic uint64_t bucket[NBOUNDS + 1]; /* histogram: per bucket (not cumulative) */
} Slot;

typedef struct {
	uint32_t magic;
	uint32_t nslots;
	uint32_t slot_size;
	uint32_t nfamilies;
	Slot slots[NSLOTS];
} Shared;

static Shared *shm;
static atomic_int full_said;

static int family_index(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(FAMILIES); i++)
		if (strcmp(FAMILIES[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int family_of(const char *name, int kind)
{
	int f = family_index(name);
	if (f < 0 || FAMILIES[f].kind != kind)
		sb_die("metrics: %s is not a declared %s", name, kind == KIND_COUNTER ? "counter" : "histogram");
	return f;
}

static uint32_t hash_pair(int family, const char *labels)
{
	uint32_t h = 2166136261u ^ (uint32_t)family;
	for (const char *p = labels; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

/* The slot of (family, labels), claimed when create; NULL when absent
 * (or the table is full). */
static Slot *slot_find(int family, const char *labels, int create)
{
	if (!shm || strlen(labels) >= LABELS_MAX_LEN)
		return NULL;
	uint32_t h = hash_pair(family, labels);
	for (uint32_t i = 0; i < NSLOTS; i++) {
		Slot *s = &shm->slots[(h + i) % NSLOTS];
		uint32_t st = atomic_load(&s->state);
		if (st == SLOT_FREE) {
			if (!create)
				return NULL;
			uint32_t want = SLOT_FREE;
			if (atomic_compare_exchange_strong(&s->state, &want, SLOT_FILLING)) {
				s->family = (uint32_t)family;
				s->hash = h;
				memcpy(s->labels, labels, strlen(labels) + 1);
				atomic_store(&s->state, SLOT_READY);
				return s;
			}
			st = want;
		}
		while (st == SLOT_FILLING)
			st = atomic_load(&s->state);
		if (s->hash == h && s->family == (uint32_t)family && strcmp(s->labels, labels) == 0)
			return s;
	}
	if (create && !atomic_exchange(&full_said, 1))
		fprintf(stderr, "switchboard: metrics: all %d slots are taken; new label sets are not counted\n",
			NSLOTS);
	return NULL;
}

int metrics_open(const char *path)
{
	if (shm)
		return 0;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660);
	if (fd < 0) {
		fprintf(stderr, "switchboard: metrics: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* One process at a time checks and, if needed, builds the file. */
	while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
		;
	struct stat st;
	int rc = -1;
	if (fstat(fd, &st) != 0)
		goto out;
	if ((size_t)st.st_size != sizeof(Shared) && (ftruncate(fd, 0) != 0 || ftruncate(fd, sizeof(Shared)) != 0))
		goto out;
	Shared *m = mmap(NULL, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		goto out;
	if (m->magic != MAGIC || m->nslots != NSLOTS || m->slot_size != sizeof(Slot) ||
	    m->nfamilies != ARRAY_LEN(FAMILIES)) {
		/* New, from another build, or damaged: start again. */
		memset(m, 0, sizeof *m);
		m->nslots = NSLOTS;
		m->slot_size = sizeof(Slot);
		m->nfamilies = ARRAY_LEN(FAMILIES);
		m->magic = MAGIC;
	}
	shm = m;
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "switchboard: metrics: cannot map %s: %s\n", path, strerror(errno));
	flock(fd, LOCK_UN);
	close(fd);
	return rc;
}

void metrics_close(void)
{
	if (shm)
		munmap(shm, sizeof(Shared));
	shm = NULL;
}

int metrics_on(void)
{
	return shm != NULL;
}

void metrics_count(const char *name, const char *labels, uint64_t n)
{
	int f = family_of(name, KIND_COUNTER);
	Slot *s = slot_find(f, labels, 1);
	if (s)
		atomic_fetch_add_explicit(&s->value, n, memory_order_relaxed);
}

void metrics_observe(const char *name, const char *labels, double seconds)
{
	int f = family_of(name, KIND_HISTOGRAM);
	Slot *s = slot_find(f, labels, 1);
	if (!s)
		return;
	if (seconds < 0)
		seconds = 0;
	size_t b = 0;
	while (b < NBOUNDS && seconds > BOUNDS[b])
		b++;
	atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_us, (uint64_t)(seconds * 1e6 + 0.5), memory_order_relaxed);
	atomic_fetch_add_explicit(&s->value, 1, memory_order_relaxed);
}

uint64_t metrics_value(const char *name, const char *labels)
{
	int f = family_index(name);
	Slot *s = f < 0 ? NULL : slot_find(f, labels, 0);
	return s ? atomic_load(&s->value) : 0;
}

void metrics_write_head(Buf *out, const char *name)
{
	int f = family_index(name);
	if (f < 0)
		sb_die("metrics: %s is not declared", name);
	static const char *const type[] = {"counter", "histogram", "gauge"};
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, FAMILIES[f].help, name, type[FAMILIES[f].kind]);
}

/* "{labels}" or "{labels,extra}" or "" */
static void put_labels(Buf *out, const char *labels, const char *extra)
{
	if (!*labels && !extra)
		return;
	buf_printf(out, "{%s%s%s}", labels, *labels && extra ? "," : "", extra ? extra : "");
}

void metrics_write(Buf *out)
{
	if (!shm)
		return;
	for (size_t f = 0; f < ARRAY_LEN(FAMILIES); f++) {
		if (FAMILIES[f].kind == KIND_GAUGE)
			continue;
		int head = 0;
		for (uint32_t i = 0; i < NSLOTS; i++) {
			Slot *s = &shm->slots[i];
			if (atomic_load(&s->state) != SLOT_READY || s->family != f)
				continue;
			if (!head++)
				metrics_write_head(out, FAMILIES[f].name);
			const char *name = FAMILIES[f].name;
			if (FAMILIES[f].kind == KIND_COUNTER) {
				buf_puts(out, name);
				put_labels(out, s->labels, NULL);
				buf_printf(out, " %llu\n", (unsigned long long)atomic_load(&s->value));
				continue;
			}
			uint64_t cum = 0;
			for (size_t b = 0; b <= NBOUNDS; b++) {
				cum += atomic_load(&s->bucket[b]);
				char le[32];
				if (b < NBOUNDS)
					snprintf(le, sizeof le, "le=\"%g\"", BOUNDS[b]);
				else
					snprintf(le, sizeof le, "le=\"+Inf\"");
				buf_printf(out, "%s_bucket", name);
				put_labels(out, s->labels, le);
				buf_printf(out, " %llu\n", (unsigned long long)cum);
			}
			buf_printf(out, "%s_sum", name);
			put_labels(out, s->labels, NULL);
			buf_printf(out, " %.6f\n", (double)atomic_load(&s->sum_us) / 1e6);
			buf_printf(out, "%s_count", name);
			put_labels(out, s->labels, NULL);
			/* the buckets' total, so _count always equals the +Inf bucket */
			buf_printf(out, " %llu\n", (unsigned long long)cum);
		}
	}
}
