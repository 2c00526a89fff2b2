/*
 * par.c - the generator's parallel loops.
 *
 * A run's work is mostly independent pages: one client's report, one
 * task's timeline.  par_for() hands the items of a loop to a few threads,
 * a chunk at a time from a shared counter (clients differ a lot in size,
 * so a static split would leave one thread with the busiest clients).
 *
 * What the loops rely on: while the threads run, the rows, the interned
 * strings, the settings and the templates are only read; an item writes
 * its own slots (its client's state and aggregate, its task's metrics) and
 * its own files; the counters in Gen are atomic; lists shared by every
 * client (retired directories) are updated after the loop, in order.  So
 * the bytes of every file and of the state do not depend on scheduling.
 */
#include "gen/gen.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GEN_MAX_THREADS 8

int gen_threads(void)
{
	static int n;
	if (n)
		return n;
	const char *v = getenv("SWITCHBOARD_GEN_THREADS");
	long want = v && *v ? strtol(v, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
	n = want < 1 ? 1 : want > GEN_MAX_THREADS ? GEN_MAX_THREADS : (int)want;
	return n;
}

typedef struct {
	ParFn fn;
	void *arg;
	size_t n, chunk;
	atomic_size_t next;
	atomic_int failed;
} Loop;

typedef struct {
	Loop *loop;
	int index;
} Runner;

static void *run(void *p)
{
	Runner *r = p;
	Loop *l = r->loop;
	for (;;) {
		size_t from = atomic_fetch_add(&l->next, l->chunk);
		if (from >= l->n || atomic_load(&l->failed))
			break;
		size_t to = from + l->chunk < l->n ? from + l->chunk : l->n;
		for (size_t i = from; i < to; i++)
			if (l->fn(l->arg, i, r->index) != 0) {
				atomic_store(&l->failed, 1);
				break;
			}
	}
	return NULL;
}

int par_for(size_t n, size_t chunk, ParFn fn, void *arg)
{
	Loop l = {.fn = fn, .arg = arg, .n = n, .chunk = chunk ? chunk : 1};
	atomic_init(&l.next, 0);
	atomic_init(&l.failed, 0);
	int threads = gen_threads();
	if ((size_t)threads > (n + l.chunk - 1) / l.chunk)
		threads = (int)((n + l.chunk - 1) / l.chunk);
	Runner runners[GEN_MAX_THREADS];
	pthread_t tids[GEN_MAX_THREADS];
	int started = 0;
	/* The calling thread is runner 0; the others are started for the loop. */
	for (int t = 1; t < threads; t++) {
		runners[t] = (Runner){&l, t};
		if (pthread_create(&tids[t], NULL, run, &runners[t]) != 0)
			break; /* fewer threads: the loop still completes */
		started = t;
	}
	runners[0] = (Runner){&l, 0};
	run(&runners[0]);
	for (int t = 1; t <= started; t++)
		pthread_join(tids[t], NULL);
	return atomic_load(&l.failed) ? -1 : 0;
}
