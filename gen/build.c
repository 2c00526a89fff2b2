/*
 * build.c - full and incremental builds.
 *
 * Full: one scan of the whole event log in id order keeps every event (a
 * compact Ev, about 60 bytes) linked into its task's list; then each task's
 * metrics and timeline, each client's report, the overview.
 *
 * Incremental: the state says how far the log was read.  Events after
 * that mark their task and client as changed and are added to the client's
 * counters; task and client rows whose hash changed, tasks and clients that
 * appeared or went away, usage rows, and clients whose as-of dependent
 * figures moved (ages, SLA pending) are changes too.  A changed task's
 * events are read again through the task_id and message_id indexes and its
 * metrics and timeline recomputed with the same functions a full build
 * uses (the page replaced in place); a changed client gets a new report
 * version.  So the bytes of every page equal what a full build writes
 * (tests/integration/t0810 checks it).  See site.c for the layout.
 *
 * If the log looks rewritten (the last event read is gone or different),
 * or settings, templates or the state format changed, the run is full.
 */
#include "gen/gen.h"
#include "desk/report_files.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- an int64 -> int32 map (open addressing) ---- */

typedef struct {
	int64_t *keys;
	int32_t *vals;
	size_t cap, n;
} IdMap;

static size_t mix(int64_t k)
{
	uint64_t x = (uint64_t)k * 0x9e3779b97f4a7c15ULL;
	return (size_t)(x ^ (x >> 29));
}

static int32_t idmap_get(const IdMap *m, int64_t k)
{
	if (!m->cap)
		return -1;
	size_t i = mix(k) & (m->cap - 1);
	while (m->keys[i]) {
		if (m->keys[i] == k)
			return m->vals[i];
		i = (i + 1) & (m->cap - 1);
	}
	return -1;
}

static void idmap_put(IdMap *m, int64_t k, int32_t v)
{
	if ((m->n + 1) * 2 > m->cap) {
		IdMap b = {0};
		b.cap = m->cap ? m->cap * 2 : 1024;
		b.keys = xcalloc(b.cap, sizeof *b.keys);
		b.vals = xmalloc(b.cap * sizeof *b.vals);
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i])
				idmap_put(&b, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		*m = b;
	}
	size_t i = mix(k) & (m->cap - 1);
	while (m->keys[i] && m->keys[i] != k)
		i = (i + 1) & (m->cap - 1);
	if (!m->keys[i])
		m->n++;
	m->keys[i] = k;
	m->vals[i] = v;
}

static void idmap_free(IdMap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

/* ---- lookups ---- */

static long row_index(Gen *g, int64_t task_id)
{
	size_t lo = 0, hi = g->nrows;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (g->rows[mid].id < task_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->nrows && g->rows[lo].id == task_id ? (long)lo : -1;
}

static long client_index(Gen *g, int64_t client_id)
{
	size_t lo = 0, hi = g->nclients;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (g->clients[mid].id < client_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->nclients && g->clients[lo].id == client_id ? (long)lo : -1;
}

/* What a run works on, besides Gen. */
typedef struct {
	long *task_client;   /* per row: client index, -1 when the client is gone */
	size_t *ctask_start; /* per client: first index in ctasks (nclients + 1 entries) */
	size_t *ctasks;      /* row indices grouped by client, in id order */
	int64_t *prev;       /* per client: the version clients/ID pointed at */
	int64_t *prev_tgen;  /* per client: the task page directory of that version */
	int64_t *tgen;       /* per client: the task page directory this run writes to */
	char **tdir;         /* per client: its path, or NULL until made */
	int64_t *gone;       /* task pages to delete after the swaps: client, task pairs */
	size_t ngone;
	unsigned char *tdirty, *cdirty;
	unsigned char *light;  /* per client: aggs[c] is a light one (compute_aggs) */
	int64_t *spare;        /* per client: its spare version to reuse, 0 none */
	Agg *aggs;
	Agg total;
} Work;

/* What a thread of par_for keeps between the task pages it renders. */
typedef struct {
	Ev **list;
	size_t cap;
	Buf scratch;
} PerThread;

static Ev **per_thread_list(PerThread *pt, size_t n)
{
	if (n > pt->cap) {
		pt->cap = n > 64 ? n * 2 : 64;
		pt->list = xrealloc(pt->list, pt->cap * sizeof *pt->list);
	}
	return pt->list;
}

static PerThread *per_thread_new(void)
{
	return xcalloc((size_t)gen_threads(), sizeof(PerThread));
}

static void per_thread_free(PerThread *per)
{
	for (int t = 0; t < gen_threads(); t++) {
		free(per[t].list);
		buf_free(&per[t].scratch);
	}
	free(per);
}

static void group_tasks(Gen *g, Work *w)
{
	w->task_client = xmalloc((g->nrows + 1) * sizeof *w->task_client);
	w->ctask_start = xcalloc(g->nclients + 1, sizeof *w->ctask_start);
	w->ctasks = xmalloc((g->nrows + 1) * sizeof *w->ctasks);
	for (size_t i = 0; i < g->nrows; i++) {
		w->task_client[i] = client_index(g, g->rows[i].client_id);
		if (w->task_client[i] >= 0)
			w->ctask_start[w->task_client[i] + 1]++;
	}
	for (size_t c = 0; c < g->nclients; c++)
		w->ctask_start[c + 1] += w->ctask_start[c];
	size_t *fill = xmalloc((g->nclients + 1) * sizeof *fill);
	memcpy(fill, w->ctask_start, (g->nclients + 1) * sizeof *fill);
	for (size_t i = 0; i < g->nrows; i++)
		if (w->task_client[i] >= 0)
			w->ctasks[fill[w->task_client[i]]++] = i;
	free(fill);
}

/* The directory client c's task pages go to this run, made on first use:
 * the current one (pages replaced in place), or a fresh one (full build,
 * new client, or a report that has none). */
static const char *task_dir(Gen *g, Work *w, size_t c)
{
	if (w->tdir[c])
		return w->tdir[c];
	char *dir = site_tasks_dir(g, g->clients[c].id, w->tgen[c]);
	if (w->tgen[c] == g->run)
		site_rm_rf(dir); /* a crashed run's leftover of the same number */
	if (site_mkdirs(dir) != 0) {
		fprintf(stderr, "switchboard-gen: cannot create %s: %s\n", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	w->tdir[c] = dir;
	return dir;
}

/* Client c's aggregate, complete (what its report shows). */
static void client_agg(Gen *g, Work *w, size_t c)
{
	agg_free(&w->aggs[c]);
	agg_reserve(&w->aggs[c], g->recs, w->ctasks + w->ctask_start[c], w->ctask_start[c + 1] - w->ctask_start[c]);
	for (size_t k = w->ctask_start[c]; k < w->ctask_start[c + 1]; k++)
		agg_add(&w->aggs[c], &g->recs[w->ctasks[k]], &g->set, g->as_of);
}

/* Item 0 is the desk's aggregate (every task), item c + 1 client c's:
 * complete for clients known to be changed, light for the others
 * (client_agg completes one that turns out to be). */
static int agg_item(void *arg, size_t k, int thread)
{
	(void)thread;
	Gen *g = ((void **)arg)[0];
	Work *w = ((void **)arg)[1];
	if (k == 0) {
		agg_reserve(&w->total, g->recs, w->ctasks, w->ctask_start[g->nclients]);
		for (size_t i = 0; i < w->ctask_start[g->nclients]; i++)
			agg_add(&w->total, &g->recs[w->ctasks[i]], &g->set, g->as_of);
		return 0;
	}
	size_t c = k - 1;
	if (!w->cdirty || w->cdirty[c]) {
		client_agg(g, w, c);
		return 0;
	}
	w->light[c] = 1;
	i64_reserve(&w->aggs[c].frt_all, w->ctask_start[c + 1] - w->ctask_start[c]);
	for (size_t k2 = w->ctask_start[c]; k2 < w->ctask_start[c + 1]; k2++)
		agg_add_light(&w->aggs[c], &g->recs[w->ctasks[k2]], &g->set, g->as_of);
	return 0;
}

static void compute_aggs(Gen *g, Work *w)
{
	w->aggs = xcalloc(g->nclients ? g->nclients : 1, sizeof *w->aggs);
	w->light = xcalloc(g->nclients + 1, 1);
	void *arg[2] = {g, w};
	par_for(g->nclients + 1, 1, agg_item, arg);
}

/* Write client c's report into a new version (its task pages are
 * written already) and swap it in.  Safe on par_for's threads: it touches
 * client c's slots and files only; publish_done retires what it replaced. */
static int publish_client(Gen *g, Work *w, size_t c)
{
	const ClientRow *cr = &g->clients[c];
	if (w->light[c]) {
		client_agg(g, w, c); /* the light one is not enough for a report */
		w->light[c] = 0;
	}
	if (!task_dir(g, w, c))
		return -1;
	char *dir = site_version_dir(g, cr->id, g->run);
	site_rm_rf(dir); /* a crashed run's leftover of the same number */
	int reused = 0, rc = 0;
	if (w->spare[c]) {
		char *spare = site_version_dir(g, cr->id, w->spare[c]);
		reused = rename(spare, dir) == 0;
		free(spare);
		if (!reused)
			w->spare[c] = 0;
	}
	if (!reused && (rc = site_mkdirs(dir)) != 0)
		fprintf(stderr, "switchboard-gen: cannot create %s: %s\n", dir, strerror(errno));
	/* Unchanged files are linked from the current version only if it is
	 * the one the state describes (not one a crashed run swapped in). */
	char *prev = w->prev[c] && w->prev[c] != g->run && w->prev[c] == g->cstates[c].version
			     ? site_version_dir(g, cr->id, w->prev[c]) : NULL;
	if (rc == 0)
		rc = render_client(g, cr, &g->cstates[c], w->ctasks + w->ctask_start[c],
				   w->ctask_start[c + 1] - w->ctask_start[c], &w->aggs[c], dir, prev, reused);
	free(prev);
	free(dir);
	if (rc == 0)
		rc = site_link_tasks(g, cr->id, g->run, w->tgen[c]);
	if (rc == 0)
		rc = site_swap(g, cr->id, g->run);
	if (rc != 0)
		return -1;
	g->cstates[c].version = g->run;
	return 0;
}

/* After client c's new version is in: retire the one it replaced (and
 * forget the spare it was made from). */
static void publish_done(Gen *g, Work *w, size_t c)
{
	int64_t id = g->clients[c].id;
	if (w->spare[c])
		site_unretire(g, RET_VERSION, id, w->spare[c]);
	if (w->prev[c] && w->prev[c] != g->run)
		site_retire(g, RET_VERSION, id, w->prev[c]);
	if (w->prev_tgen[c] && w->prev_tgen[c] != w->tgen[c])
		site_retire(g, RET_TASKS, id, w->prev_tgen[c]);
}

typedef struct {
	Gen *g;
	Work *w;
	const size_t *changed; /* indices of the clients to publish */
} Publish;

static int publish_item(void *arg, size_t k, int thread)
{
	(void)thread;
	Publish *p = arg;
	return publish_client(p->g, p->w, p->changed[k]);
}

/* Publish the clients in changed[] (in parallel), then retire in order what
 * the published ones replaced (also when some failed: those that were
 * swapped in did replace theirs). */
static int publish_all(Gen *g, Work *w, const size_t *changed, size_t n)
{
	Publish p = {g, w, changed};
	int64_t now = now_ms();
	free(w->spare);
	w->spare = xcalloc(g->nclients + 1, sizeof *w->spare);
	for (size_t k = 0; k < n; k++) {
		size_t c = changed[k];
		int64_t sp = site_spare(g, g->clients[c].id, now);
		if (sp != w->prev[c] && sp != g->run)
			w->spare[c] = sp;
	}
	int rc = par_for(n, 1, publish_item, &p);
	for (size_t k = 0; k < n; k++)
		if (g->cstates[changed[k]].version == g->run)
			publish_done(g, w, changed[k]);
	return rc;
}

/* The incremental build's changed task pages: their events are read
 * again from the database (one connection: in order, before), then
 * metrics and pages are made on par_for's threads. */
typedef struct {
	Gen *g;
	Work *w;
	const size_t *rows; /* row indices */
	Ev **evs;           /* per changed task: its events */
	const long *nevs;
	PerThread *per;
} Changed;

static int changed_page(void *arg, size_t k, int thread)
{
	Changed *ch = arg;
	Gen *g = ch->g;
	size_t i = ch->rows[k], n = (size_t)ch->nevs[k], c = (size_t)ch->w->task_client[i];
	Ev **ptrs = per_thread_list(&ch->per[thread], n + 1);
	for (size_t e = 0; e < n; e++)
		ptrs[e] = &ch->evs[k][e];
	task_metrics(&g->rows[i], ptrs, n, &g->recs[i]);
	/* pages of a directory readers see are replaced through a temporary name */
	return render_task(g, &g->rows[i], &g->recs[i], ptrs, n, ch->w->tdir[c], ch->w->tgen[c] != g->run,
			   &ch->per[thread].scratch);
}

static int render_changed(Gen *g, Work *w)
{
	size_t n = 0;
	for (size_t i = 0; i < g->nrows; i++)
		n += w->tdirty[i];
	size_t *rows = xmalloc((n + 1) * sizeof *rows);
	Ev **evs = xcalloc(n + 1, sizeof *evs);
	long *nevs = xcalloc(n + 1, sizeof *nevs);
	int rc = 0;
	size_t k = 0;
	for (size_t i = 0; i < g->nrows && rc == 0; i++) {
		if (!w->tdirty[i])
			continue;
		rows[k] = i;
		nevs[k] = load_task_events(g, g->rows[i].id, &evs[k]);
		if (nevs[k] < 0 || !task_dir(g, w, (size_t)w->task_client[i]))
			rc = -1;
		k++;
	}
	g->dirty_tasks += n;
	if (rc == 0) {
		Changed ch = {g, w, rows, evs, nevs, per_thread_new()};
		rc = par_for(n, 8, changed_page, &ch);
		per_thread_free(ch.per);
	}
	for (size_t j = 0; j < k; j++)
		free(evs[j]);
	free(evs);
	free(nevs);
	free(rows);
	return rc;
}

/* Remove clients/ID links of clients that are not in the table. */
static void remove_gone_clients(Gen *g)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/clients", g->out);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *de;
	int64_t *gone = NULL;
	size_t ngone = 0;
	while ((de = readdir(d))) {
		char *end;
		long long id = strtoll(de->d_name, &end, 10);
		if (de->d_name[0] == '.' || *end || id <= 0)
			continue;
		if (client_index(g, id) < 0) {
			gone = xrealloc(gone, (ngone + 1) * sizeof *gone);
			gone[ngone++] = id;
		}
	}
	closedir(d);
	for (size_t i = 0; i < ngone; i++)
		site_unlink_client(g, gone[i]);
	free(gone);
}

/* ---- full build ---- */

typedef struct {
	Work *w;
	Ev *evs;
	size_t n, cap;
	int32_t *next, *head, *tail;
	IdMap msg_in;   /* message id -> index of its first message_in */
	IdMap msg_task; /* message id -> row index of the task it was classified into */
} Full;

static void list_add(Full *f, long ti, int32_t idx)
{
	f->next[idx] = -1;
	if (f->tail[ti] < 0)
		f->head[ti] = idx;
	else
		f->next[f->tail[ti]] = idx;
	f->tail[ti] = idx;
}

/* A message_in joins a task twice only if scanned twice; the per-task
 * dedupe in ev_sort_unique covers it anyway. */
static void full_event(Gen *g, Ev *e, void *arg)
{
	Full *f = arg;
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 1 << 16;
		f->evs = xrealloc(f->evs, f->cap * sizeof *f->evs);
		f->next = xrealloc(f->next, f->cap * sizeof *f->next);
	}
	int32_t idx = (int32_t)f->n++;
	f->evs[idx] = *e;
	f->next[idx] = -1;
	g->last_event_id = e->id;
	g->last_event_at = e->at;
	if (e->at > g->as_of)
		g->as_of = e->at;
	g->new_events++;
	long c = e->client_id ? client_index(g, e->client_id) : -1;
	if (c >= 0)
		client_apply_event(&g->cstates[c], e);
	long ti = e->task_id ? row_index(g, e->task_id) : -1;
	if (ti >= 0 && f->w->task_client[ti] >= 0)
		list_add(f, ti, idx);
	else
		ti = -1;
	if (e->kind == EV_MESSAGE_IN && e->message_id && idmap_get(&f->msg_in, e->message_id) < 0) {
		idmap_put(&f->msg_in, e->message_id, idx);
		int32_t t = idmap_get(&f->msg_task, e->message_id);
		if (t >= 0 && t != ti) {
			/* classified before its message_in was written: attach
			 * now (a copy, since the list links are per event) */
			if (f->n == f->cap) {
				f->cap *= 2;
				f->evs = xrealloc(f->evs, f->cap * sizeof *f->evs);
				f->next = xrealloc(f->next, f->cap * sizeof *f->next);
			}
			int32_t copy = (int32_t)f->n++;
			f->evs[copy] = *e;
			list_add(f, t, copy);
		}
	}
	if (e->kind == EV_CLASSIFIED && e->message_id && ti >= 0 && idmap_get(&f->msg_task, e->message_id) < 0) {
		idmap_put(&f->msg_task, e->message_id, (int32_t)ti);
		int32_t in = idmap_get(&f->msg_in, e->message_id);
		if (in >= 0 && f->evs[in].task_id != e->task_id) {
			if (f->n == f->cap) {
				f->cap *= 2;
				f->evs = xrealloc(f->evs, f->cap * sizeof *f->evs);
				f->next = xrealloc(f->next, f->cap * sizeof *f->next);
			}
			int32_t copy = (int32_t)f->n++;
			f->evs[copy] = f->evs[in];
			list_add(f, ti, copy);
		}
	}
}

static void apply_usage(Gen *g, int64_t client, int64_t at, const char *model, int64_t prompt, int64_t completion,
			void *arg)
{
	Work *w = arg;
	long c = client ? client_index(g, client) : -1;
	if (c < 0)
		return;
	client_apply_usage(&g->cstates[c], at, model, prompt, completion);
	if (w->cdirty)
		w->cdirty[c] = 1;
}

/* The full build's task pages, on par_for's threads: task i's events
 * are read from the lists full_event built (nothing changes them now). */
typedef struct {
	Gen *g;
	Work *w;
	Full *f;
	PerThread *per;
} FullPages;

static int full_page(void *arg, size_t i, int thread)
{
	FullPages *fp = arg;
	Gen *g = fp->g;
	PerThread *pt = &fp->per[thread];
	if (fp->w->task_client[i] < 0) {
		/* no client row: no page; keep the state sorted by id */
		g->recs[i].id = g->rows[i].id;
		g->recs[i].client_id = g->rows[i].client_id;
		return 0;
	}
	size_t n = 0;
	for (int32_t k = fp->f->head[i]; k >= 0; k = fp->f->next[k], n++)
		per_thread_list(pt, n + 1)[n] = &fp->f->evs[k];
	n = ev_sort_unique(pt->list, n);
	task_metrics(&g->rows[i], pt->list, n, &g->recs[i]);
	return render_task(g, &g->rows[i], &g->recs[i], pt->list, n, fp->w->tdir[fp->w->task_client[i]], 0,
			   &pt->scratch);
}

static int build_full(Gen *g, Work *w)
{
	g->last_event_id = g->last_event_at = g->last_usage_id = g->as_of = 0;
	/* whatever a state file held is rebuilt from scratch */
	for (size_t i = 0; i < g->ncstates; i++)
		client_state_free(&g->cstates[i]);
	free(g->cstates);
	free(g->recs);
	g->recs = NULL;
	g->cstates = xcalloc(g->nclients ? g->nclients : 1, sizeof *g->cstates);
	g->ncstates = g->nclients;
	for (size_t c = 0; c < g->nclients; c++) {
		g->cstates[c].id = g->clients[c].id;
		g->cstates[c].row_hash = g->clients[c].hash;
	}
	Full f = {0};
	f.w = w;
	/* Sized for the whole log up front (plus the message_in copies that
	 * join tasks): growing by doubling would hold two copies at once. */
	int64_t nev = store_int(g->store, 0, "SELECT count(*) FROM events", SQL_END);
	int64_t nin = store_int(g->store, 0, "SELECT count(*) FROM events WHERE event_type = 'message_in'", SQL_END);
	f.cap = (size_t)(nev + nin + 1024);
	f.evs = xmalloc(f.cap * sizeof *f.evs);
	f.next = xmalloc(f.cap * sizeof *f.next);
	f.head = xmalloc((g->nrows + 1) * sizeof *f.head);
	f.tail = xmalloc((g->nrows + 1) * sizeof *f.tail);
	for (size_t i = 0; i < g->nrows; i++)
		f.head[i] = f.tail[i] = -1;
	if (load_events_after(g, 0, full_event, &f) != 0)
		return -1;
	idmap_free(&f.msg_in);
	idmap_free(&f.msg_task);
	if (load_usage_after(g, 0, apply_usage, w) != 0)
		return -1;
	gen_phase("event log and usage");

	g->recs = xcalloc(g->nrows ? g->nrows : 1, sizeof *g->recs);
	g->nrecs = g->nrows;
	for (size_t c = 0; c < g->nclients; c++) {
		w->tgen[c] = g->run;
		if (!task_dir(g, w, c))
			return -1;
	}
	FullPages fp = {g, w, &f, per_thread_new()};
	int rc = par_for(g->nrows, 256, full_page, &fp);
	per_thread_free(fp.per);
	if (rc != 0)
		return -1;
	free(f.evs);
	free(f.next);
	free(f.head);
	free(f.tail);
	gen_phase("task pages");

	compute_aggs(g, w);
	size_t *changed = xmalloc((g->nclients + 1) * sizeof *changed);
	for (size_t c = 0; c < g->nclients; c++) {
		g->cstates[c].time_hash = agg_time_hash(&w->aggs[c]);
		changed[c] = c;
	}
	rc = publish_all(g, w, changed, g->nclients);
	free(changed);
	if (rc != 0)
		return -1;
	g->dirty_clients = g->nclients;
	g->dirty_tasks = g->nrows;
	gen_phase("client reports");
	if (render_overview(g, w->ctask_start, w->aggs, &w->total) != 0)
		return -1;
	remove_gone_clients(g);
	gen_phase("overview");
	return 0;
}

/* ---- incremental build ---- */

static void inc_event(Gen *g, Ev *e, void *arg)
{
	Work *w = arg;
	g->last_event_id = e->id;
	g->last_event_at = e->at;
	if (e->at > g->as_of)
		g->as_of = e->at;
	g->new_events++;
	long c = e->client_id ? client_index(g, e->client_id) : -1;
	if (c >= 0) {
		client_apply_event(&g->cstates[c], e);
		w->cdirty[c] = 1;
	}
	long ti = e->task_id ? row_index(g, e->task_id) : -1;
	if (ti >= 0 && w->task_client[ti] >= 0) {
		w->tdirty[ti] = 1;
		w->cdirty[w->task_client[ti]] = 1;
	}
}

static const TaskRec *old_rec(const TaskRec *recs, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (recs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && recs[lo].id == id ? &recs[lo] : NULL;
}

/* Returns 1 when the run must be full after all. */
static int build_incremental(Gen *g, Work *w)
{
	if (g->last_event_id > 0 && load_event_time(g, g->last_event_id) != g->last_event_at) {
		if (!g->quiet)
			fprintf(stderr, "switchboard-gen: the event log is not the one the site was built from; "
					"rebuilding everything\n");
		return 1;
	}
	w->tdirty = xcalloc(g->nrows + 1, 1);
	w->cdirty = xcalloc(g->nclients + 1, 1);

	/* Clients: carry their state over by id. */
	ClientState *old = g->cstates;
	size_t nold = g->ncstates, j = 0;
	g->cstates = xcalloc(g->nclients ? g->nclients : 1, sizeof *g->cstates);
	g->ncstates = g->nclients;
	for (size_t c = 0; c < g->nclients; c++) {
		while (j < nold && old[j].id < g->clients[c].id)
			client_state_free(&old[j++]);
		if (j < nold && old[j].id == g->clients[c].id) {
			g->cstates[c] = old[j];
			memset(&old[j], 0, sizeof old[j]);
			j++;
		} else {
			g->cstates[c].id = g->clients[c].id;
			w->cdirty[c] = 1;
		}
		if (g->cstates[c].row_hash != g->clients[c].hash)
			w->cdirty[c] = 1;
		g->cstates[c].row_hash = g->clients[c].hash;
	}
	int removed = 0;
	for (; j < nold; j++) {
		client_state_free(&old[j]);
		removed = 1;
	}
	free(old);

	/* Tasks: new, changed rows, moved between clients, gone.  Usually the
	 * old tasks are all still there (ids only grow): then the state's
	 * array is widened and merged in place from the end, which touches
	 * no fresh memory (page faults are much of what a run costs). */
	TaskRec *orecs = g->recs;
	size_t norecs = g->nrecs;
	int superset = 1;
	for (size_t i = 0, k = 0; k < norecs && superset; k++, i++) {
		while (i < g->nrows && g->rows[i].id < orecs[k].id)
			i++;
		superset = i < g->nrows && g->rows[i].id == orecs[k].id && g->rows[i].client_id == orecs[k].client_id;
	}
	unsigned char *had = xcalloc(g->nrows + 1, 1);
	if (superset) {
		g->recs = xrealloc(orecs, (g->nrows ? g->nrows : 1) * sizeof *g->recs);
		size_t i = g->nrows, k = norecs;
		while (i > 0) {
			i--;
			if (k > 0 && g->recs[k - 1].id == g->rows[i].id) {
				k--;
				if (i != k)
					g->recs[i] = g->recs[k];
				had[i] = 1;
			} else {
				memset(&g->recs[i], 0, sizeof g->recs[i]);
			}
		}
	} else {
		g->recs = xcalloc(g->nrows ? g->nrows : 1, sizeof *g->recs);
		for (size_t i = 0; i < g->nrows; i++) {
			const TaskRec *o = old_rec(orecs, norecs, g->rows[i].id);
			if (o) {
				g->recs[i] = *o;
				had[i] = 1;
			}
		}
		for (size_t k = 0; k < norecs; k++) {
			long ri = row_index(g, orecs[k].id);
			if (ri >= 0 && g->rows[ri].client_id == orecs[k].client_id)
				continue;
			/* gone, or moved to another client: its page goes */
			long oc = client_index(g, orecs[k].client_id);
			if (oc >= 0) {
				w->cdirty[oc] = 1;
				w->gone = xrealloc(w->gone, (w->ngone + 1) * 2 * sizeof *w->gone);
				w->gone[2 * w->ngone] = oc;
				w->gone[2 * w->ngone + 1] = orecs[k].id;
				w->ngone++;
			}
			removed = 1;
		}
		free(orecs);
	}
	g->nrecs = g->nrows;
	for (size_t i = 0; i < g->nrows; i++) {
		TaskRec *r = &g->recs[i];
		if (w->task_client[i] < 0) {
			memset(r, 0, sizeof *r);
			r->id = g->rows[i].id;
			r->client_id = g->rows[i].client_id;
			continue;
		}
		if (!had[i] || r->row_hash != g->rows[i].hash || r->client_id != g->rows[i].client_id) {
			w->tdirty[i] = 1;
			w->cdirty[w->task_client[i]] = 1;
			if (had[i]) {
				long oc = client_index(g, r->client_id);
				if (oc >= 0)
					w->cdirty[oc] = 1;
			}
		}
	}
	free(had);
	/* A client without a report (new, or its files lost) gets a fresh
	 * page directory with every task rendered. */
	for (size_t c = 0; c < g->nclients; c++) {
		if (w->prev_tgen[c])
			continue;
		w->tgen[c] = g->run;
		w->cdirty[c] = 1;
		for (size_t k = w->ctask_start[c]; k < w->ctask_start[c + 1]; k++)
			w->tdirty[w->ctasks[k]] = 1;
	}

	int64_t prev_event = g->last_event_id, prev_usage = g->last_usage_id;
	gen_phase("changed rows");
	if (load_events_after(g, g->last_event_id, inc_event, w) != 0)
		return -1;
	if (load_usage_after(g, g->last_usage_id, apply_usage, w) != 0)
		return -1;
	gen_phase("new events and usage");

	if (render_changed(g, w) != 0)
		return -1;
	gen_phase("changed task pages");
	compute_aggs(g, w);
	gen_phase("aggregates");
	int any = removed || g->last_event_id != prev_event || g->last_usage_id != prev_usage;
	size_t *changed = xmalloc((g->nclients + 1) * sizeof *changed), nchanged = 0;
	for (size_t c = 0; c < g->nclients; c++) {
		uint64_t th = agg_time_hash(&w->aggs[c]);
		if (th != g->cstates[c].time_hash || !w->prev[c])
			w->cdirty[c] = 1; /* (publish_client completes a light aggregate) */
		g->cstates[c].time_hash = th;
		if (w->cdirty[c])
			changed[nchanged++] = c;
	}
	any |= nchanged > 0;
	g->dirty_clients = nchanged;
	int rc = publish_all(g, w, changed, nchanged);
	free(changed);
	if (rc != 0)
		return -1;
	/* Pages of tasks that are gone, now that no report links to them. */
	for (size_t k = 0; k < w->ngone; k++) {
		size_t c = (size_t)w->gone[2 * k];
		for (int safe = 0; safe < 2; safe++) {
			char *path = xasprintf("%s/t/%lld-%lld/%lld%s", g->out, (long long)g->clients[c].id,
					       (long long)w->tgen[c], (long long)w->gone[2 * k + 1],
					       safe ? SHARE_TASK_SUFFIX : ".html");
			if (unlink(path) == 0)
				g->removed++;
			free(path);
		}
	}
	gen_phase("client reports");
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/index.html", g->out);
	if (any || access(path, F_OK) != 0)
		if (render_overview(g, w->ctask_start, w->aggs, &w->total) != 0)
			return -1;
	remove_gone_clients(g);
	gen_phase("overview");
	return 0;
}

static void work_free(Gen *g, Work *w)
{
	if (w->aggs)
		for (size_t c = 0; c < g->nclients; c++)
			agg_free(&w->aggs[c]);
	agg_free(&w->total);
	free(w->aggs);
	if (w->tdir)
		for (size_t c = 0; c < g->nclients; c++)
			free(w->tdir[c]);
	free(w->tdir);
	free(w->prev);
	free(w->prev_tgen);
	free(w->tgen);
	free(w->gone);
	free(w->task_client);
	free(w->ctask_start);
	free(w->ctasks);
	free(w->tdirty);
	free(w->cdirty);
	free(w->light);
	free(w->spare);
	memset(w, 0, sizeof *w);
}

/* The rows (load_task_rows, load_client_rows) and the state are loaded. */
int build(Gen *g)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/clients", g->out);
	if (site_mkdirs(path) != 0) {
		fprintf(stderr, "switchboard-gen: cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof path, "%s/v", g->out);
	site_mkdirs(path);
	snprintf(path, sizeof path, "%s/t", g->out);
	site_mkdirs(path);
	Work w = {0};
	group_tasks(g, &w);
	w.tdir = xcalloc(g->nclients + 1, sizeof *w.tdir);
	w.prev = xcalloc(g->nclients + 1, sizeof *w.prev);
	w.prev_tgen = xcalloc(g->nclients + 1, sizeof *w.prev_tgen);
	w.tgen = xcalloc(g->nclients + 1, sizeof *w.tgen);
	for (size_t c = 0; c < g->nclients; c++) {
		w.prev[c] = site_current(g, g->clients[c].id);
		w.prev_tgen[c] = w.prev[c] ? site_version_tasks(g, g->clients[c].id, w.prev[c]) : 0;
		w.tgen[c] = w.prev_tgen[c];
	}
	int rc;
	if (!g->full) {
		rc = build_incremental(g, &w);
		if (rc == 1) {
			/* Start over as a full build, keeping only the retired list. */
			for (size_t c = 0; c < g->nclients; c++) {
				if (w.tdir[c] && w.tgen[c] == g->run)
					site_rm_rf(w.tdir[c]);
				free(w.tdir[c]);
				w.tdir[c] = NULL;
				w.tgen[c] = w.prev_tgen[c];
			}
			free(w.gone);
			w.gone = NULL;
			w.ngone = 0;
			for (size_t i = 0; i < g->ncstates; i++)
				client_state_free(&g->cstates[i]);
			free(g->cstates);
			g->cstates = NULL;
			free(g->recs);
			g->recs = NULL;
			if (w.aggs)
				for (size_t c = 0; c < g->nclients; c++)
					agg_free(&w.aggs[c]);
			free(w.aggs);
			w.aggs = NULL;
			free(w.light);
			w.light = NULL;
			agg_free(&w.total);
			free(w.tdirty);
			free(w.cdirty);
			w.tdirty = w.cdirty = NULL;
			g->pages = 0;
			g->files = 0;
			g->dirty_tasks = g->dirty_clients = 0;
			g->new_events = 0;
			g->full = 1;
			rc = build_full(g, &w);
		}
	} else {
		rc = build_full(g, &w);
	}
	work_free(g, &w);
	return rc;
}
