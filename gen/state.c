/*
 * state.c - the incremental state, kept in the output directory
 * (.gen/state): how far the event log and the usage table have been read,
 * every task's metrics, every client's counters, and the retired
 * directories waiting to be deleted.
 *
 * One binary file in this machine's byte order, written through a
 * temporary name and rename() after everything else, with a checksum at
 * the end.  A state that is missing, truncated, from another format or
 * made with other settings or templates is not used: the run is a full
 * build.  It holds nothing that cannot be rebuilt from the database.
 *
 * The file is a sequence of fields; writer and reader go through the same
 * sequence (put/take) and fold each field into the checksum the same way.
 */
#include "gen/gen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
	char magic[8];
	uint32_t format, endian;
	uint64_t digest;
	int64_t last_event_id, last_event_at, last_usage_id, as_of, run;
	uint64_t nrecs, nclients, nretired, pad;
} Header;

typedef struct {
	int64_t id;
	uint64_t row_hash, time_hash;
	int64_t version, last_at;
	uint64_t ndays, nfeed, nusage, nmonths;
	uint64_t file_hash[4];
} ClientHead;

static const char MAGIC[8] = {'S', 'B', 'G', 'E', 'N', 'S', 'T', '\n'};

typedef struct {
	FILE *f;
	uint64_t sum;
	int bad;
} Writer;

static void put(Writer *w, const void *p, size_t n)
{
	w->sum = hash_fast(w->sum, p, n);
	if (n && fwrite(p, 1, n, w->f) != n)
		w->bad = 1;
}

int state_save(Gen *g, const char *path)
{
	char *tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	Writer w = {fopen(tmp, "wb"), HASH_SEED, 0};
	if (!w.f) {
		fprintf(stderr, "switchboard-gen: cannot write %s: %s\n", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	setvbuf(w.f, NULL, _IOFBF, 1 << 20);
	Header h = {0};
	memcpy(h.magic, MAGIC, sizeof MAGIC);
	h.format = GEN_FORMAT;
	h.endian = 0x01020304;
	h.digest = g->digest;
	h.last_event_id = g->last_event_id;
	h.last_event_at = g->last_event_at;
	h.last_usage_id = g->last_usage_id;
	h.as_of = g->as_of;
	h.run = g->run;
	h.nrecs = g->nrecs;
	h.nclients = g->ncstates;
	h.nretired = g->nretired;
	put(&w, &h, sizeof h);
	put(&w, g->recs, g->nrecs * sizeof *g->recs);
	for (size_t i = 0; i < g->ncstates; i++) {
		ClientState *cs = &g->cstates[i];
		ClientHead ch = {cs->id, cs->row_hash, cs->time_hash, cs->version, cs->last_at,
				 cs->ndays, cs->nfeed, cs->nusage, cs->nmonths, {0}};
		memcpy(ch.file_hash, cs->file_hash, sizeof ch.file_hash);
		put(&w, &ch, sizeof ch);
		put(&w, cs->days, cs->ndays * sizeof *cs->days);
		put(&w, cs->feed, cs->nfeed * sizeof *cs->feed);
		put(&w, cs->months, cs->nmonths * sizeof *cs->months);
		for (size_t k = 0; k < cs->nusage; k++) {
			UsageCount *u = &cs->usage[k];
			const char *model = gen_str(u->model);
			uint32_t len = (uint32_t)strlen(model);
			int64_t nums[3] = {u->calls, u->prompt, u->completion};
			put(&w, &u->month, sizeof u->month);
			put(&w, &len, sizeof len);
			put(&w, model, len);
			put(&w, nums, sizeof nums);
		}
	}
	put(&w, g->retired, g->nretired * sizeof *g->retired);
	uint64_t sum = w.sum;
	if (fwrite(&sum, sizeof sum, 1, w.f) != 1)
		w.bad = 1;
	if (fclose(w.f) != 0)
		w.bad = 1;
	if (w.bad || rename(tmp, path) != 0) {
		fprintf(stderr, "switchboard-gen: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

typedef struct {
	FILE *f;
	uint64_t sum;
	int bad;
} Reader;

/* Read n bytes of the next field straight into out (no copy of the whole
 * file: fresh memory is what a run pays for most). */
static void take(Reader *r, void *out, size_t n)
{
	if (r->bad || (n && fread(out, 1, n, r->f) != n)) {
		r->bad = 1;
		memset(out, 0, n);
		return;
	}
	r->sum = hash_fast(r->sum, out, n);
}

static void forget(Gen *g)
{
	free(g->recs);
	g->recs = NULL;
	g->nrecs = 0;
	for (size_t i = 0; i < g->ncstates; i++)
		client_state_free(&g->cstates[i]);
	free(g->cstates);
	g->cstates = NULL;
	g->ncstates = 0;
	free(g->retired);
	g->retired = NULL;
	g->nretired = g->capretired = 0;
	g->last_event_id = g->last_event_at = g->last_usage_id = g->as_of = g->run = 0;
}

int state_load(Gen *g, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || (size_t)st.st_size < sizeof(Header) + sizeof(uint64_t)) {
		fclose(f);
		return -1;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 18);
	/* Sizes in the header are checked against the file's size before
	 * anything is allocated. */
	uint64_t left = (uint64_t)st.st_size - sizeof(Header) - sizeof(uint64_t);
	Reader r = {f, HASH_SEED, 0};
	Header h;
	take(&r, &h, sizeof h);
	if (r.bad || memcmp(h.magic, MAGIC, sizeof MAGIC) != 0 || h.format != GEN_FORMAT || h.endian != 0x01020304 ||
	    h.nrecs > left / sizeof(TaskRec) || h.nclients > left / sizeof(ClientHead) ||
	    h.nretired > left / sizeof(Retired)) {
		fclose(f);
		return -1;
	}
	g->last_event_id = h.last_event_id;
	g->last_event_at = h.last_event_at;
	g->last_usage_id = h.last_usage_id;
	g->as_of = h.as_of;
	g->run = h.run;
	g->nrecs = h.nrecs;
	/* with room for new tasks: the build widens this array in place */
	g->recs = xmalloc((g->nrecs + g->nrecs / 16 + 4096) * sizeof *g->recs);
	take(&r, g->recs, g->nrecs * sizeof *g->recs);
	g->ncstates = h.nclients;
	g->cstates = xcalloc(g->ncstates ? g->ncstates : 1, sizeof *g->cstates);
	for (size_t i = 0; i < g->ncstates && !r.bad; i++) {
		ClientState *cs = &g->cstates[i];
		ClientHead ch;
		take(&r, &ch, sizeof ch);
		if (r.bad || ch.ndays > left / sizeof(DayCount) || ch.nfeed > FEED_MAX || ch.nusage > left / 16 ||
		    ch.nmonths > left / sizeof(MonthPage)) {
			r.bad = 1;
			break;
		}
		cs->id = ch.id;
		cs->row_hash = ch.row_hash;
		cs->time_hash = ch.time_hash;
		cs->version = ch.version;
		cs->last_at = ch.last_at;
		memcpy(cs->file_hash, ch.file_hash, sizeof cs->file_hash);
		cs->ndays = cs->capdays = ch.ndays;
		cs->days = xmalloc((ch.ndays ? ch.ndays : 1) * sizeof *cs->days);
		take(&r, cs->days, ch.ndays * sizeof *cs->days);
		cs->nfeed = ch.nfeed;
		take(&r, cs->feed, ch.nfeed * sizeof *cs->feed);
		cs->nmonths = ch.nmonths;
		cs->months = xmalloc((ch.nmonths ? ch.nmonths : 1) * sizeof *cs->months);
		take(&r, cs->months, ch.nmonths * sizeof *cs->months);
		cs->nusage = cs->capusage = ch.nusage;
		cs->usage = xcalloc(ch.nusage ? ch.nusage : 1, sizeof *cs->usage);
		for (size_t k = 0; k < ch.nusage && !r.bad; k++) {
			UsageCount *u = &cs->usage[k];
			uint32_t mlen;
			int64_t nums[3];
			char name[513];
			take(&r, &u->month, sizeof u->month);
			take(&r, &mlen, sizeof mlen);
			if (r.bad || mlen > 512) {
				r.bad = 1;
				break;
			}
			take(&r, name, mlen);
			name[mlen] = '\0';
			take(&r, nums, sizeof nums);
			u->model = gen_intern(name);
			u->calls = nums[0];
			u->prompt = nums[1];
			u->completion = nums[2];
		}
	}
	if (!r.bad) {
		g->nretired = g->capretired = h.nretired;
		g->retired = xmalloc((h.nretired ? h.nretired : 1) * sizeof *g->retired);
		take(&r, g->retired, h.nretired * sizeof *g->retired);
	}
	uint64_t sum = 0, want = r.sum;
	int end_ok = !r.bad && fread(&sum, sizeof sum, 1, f) == 1 && fgetc(f) == EOF;
	fclose(f);
	if (!end_ok || sum != want) {
		/* Keep nothing from a damaged file. */
		forget(g);
		return -1;
	}
	return h.digest == g->digest ? 0 : 1;
}
