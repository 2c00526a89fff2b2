/*
 * gen.h - the report generator (bin/switchboard-gen): types shared by its
 * files.  See gen/README.md for what it builds and how.
 *
 * The generator reads the database through a read-only connection, in one
 * read transaction (a consistent snapshot), and writes a static site.  It
 * never writes the database and never calls an outside service.  Its own
 * state (what it has read, per-task metrics, per-client counters) lives in
 * the output directory, under .gen/.
 *
 *   events.c  an event row -> Ev (kind, flags, one line of text), a task's
 *             metrics from its events, a client's counters from its events
 *   load.c    the SQL: task and client rows, the event scans, usage
 *   stats.c   aggregates over tasks (medians, p90, SLA, shares)
 *   chart.c   SVG charts
 *   render.c  pages (Mustache), CSV, Atom
 *   site.c    files: version directories, symlink swaps, atomic writes
 *   state.c   the incremental state file
 *   build.c   full and incremental builds
 *   main.c    arguments, lock, settings
 */
#ifndef SB_GEN_H
#define SB_GEN_H

#include <jansson.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "web/mustache.h"
#include "store/store.h"
#include "core/util.h"

/* Bump when the state file's layout or any page's bytes change, so the
 * next run rebuilds everything instead of mixing old and new pages. */
#define GEN_FORMAT 8

#define DAY_MS 86400000LL
#define FEED_MAX 50       /* entries in a client's Atom feed */
#define CHART_DAYS 90     /* daily charts */
#define CHART_WEEKS 52    /* weekly charts */
#define ACCURACY_MONTHS 12
#define CLIENT_TASKS_SHOWN 20 /* newest tasks listed on a client's index page */
#define CLIENT_OPEN_SHOWN 100 /* oldest open tasks listed there */

enum { TYPE_BUG, TYPE_CONSULT, TYPE_FEATURE, TYPE_QUESTION, TYPE_OTHER, NTYPES };
enum { URG_URGENT, URG_MEDIUM, URG_LOW, NURG };
enum { ST_OPEN, ST_WAITING, ST_APPROVED, ST_CLOSED, NSTATUS };
enum { ROUTE_AI, ROUTE_HUMAN, NROUTES };
/* Open-task age buckets: < 1 day, 1-3 days, 3-7 days, 7-30 days, older. */
enum { NAGES = 5 };

extern const char *const gen_type_names[NTYPES];   /* "bug", ... */
extern const char *const gen_type_labels[NTYPES];  /* "Bug", ... */
extern const char *const gen_urg_names[NURG];
extern const char *const gen_urg_labels[NURG];
extern const char *const gen_status_names[NSTATUS];
extern const char *const gen_status_labels[NSTATUS];
extern const char *const gen_age_labels[NAGES];
int gen_type_index(const char *s);    /* -1 when unknown */
int gen_urg_index(const char *s);
int gen_status_index(const char *s);

/* ---- events ---------------------------------------------------------- */

typedef enum {
	EV_OTHER,
	EV_MESSAGE_IN,
	EV_CLASSIFIED,
	EV_TASK_CREATED,
	EV_TASK_UPDATED,
	EV_TASK_OVERRIDDEN,
	EV_MESSAGE_OUT,
	EV_MESSAGE_SENT,
	EV_MESSAGE_STATUS,
	EV_MESSAGE_FAILED,
	EV_DRAFT_APPROVED,
	EV_DRAFT_REJECTED,
	EV_SUMMARY_UPDATED,
	EV_JOB_DEAD,
	EV_ISSUE_CREATED,
} EvKind;

enum {
	EVF_CLOSE = 1 << 0,   /* task_updated: status became closed */
	EVF_REOPEN = 1 << 1,  /* task_updated: status left closed */
	EVF_AI = 1 << 2,      /* message_out: written by the AI */
	EVF_DRAFT = 1 << 3,   /* message_out: a draft waiting for review */
	EVF_EDITED = 1 << 4,  /* draft_approved: a person changed the text */
	EVF_OVR_TYPE = 1 << 5,    /* task_overridden: the type */
	EVF_OVR_URGENCY = 1 << 6, /* task_overridden: the urgency */
};

/* One event, reduced to what the reports use.  Strings are interned
 * (gen_str) and live for the process. */
typedef struct {
	int64_t id, at, message_id, task_id, client_id;
	uint32_t type_name; /* the event_type text */
	uint32_t actor;
	uint32_t text;      /* one line for the timeline, from the details */
	uint8_t kind, flags;
	int8_t cls_type, cls_urgency; /* classified: the classifier's labels (-1 none) */
} Ev;

/* Interned strings: equal text, equal index.  Index 0 is "". */
uint32_t gen_intern(const char *s);
const char *gen_str(uint32_t i);

/* Decode one events row (columns as in GEN_EVENT_COLS) into *e. */
#define GEN_EVENT_COLS "id, event_type, client_id, task_id, message_id, actor, details, created_at"
void ev_decode(Rows *st, Ev *e);

/* ---- tasks and clients ----------------------------------------------- */

/* A row of the tasks table: the current state a person sees. */
typedef struct {
	int64_t id, client_id, created_at, closed_at;
	char *title; /* in Gen.titles */
	int8_t type, urgency, status, route;
	uint64_t hash; /* of the fields above, to notice changes */
} TaskRow;

typedef struct {
	int64_t id, created_at;
	char *name, *phone, *company;
	uint64_t hash;
} ClientRow;

/* Who wrote a reply that was sent. */
enum { BY_NONE, BY_AI, BY_AI_EDITED, BY_HUMAN };

/* A task's metrics, computed from its events (task_metrics) and kept in
 * the state file.  Times are unix ms, 0 when absent. */
typedef struct {
	int64_t id, client_id;
	int64_t opened_at;         /* task_created, else the row's created_at */
	int64_t start_at;          /* first inbound message, else opened_at */
	int64_t first_response_at; /* first reply sent at or after start_at */
	int64_t closed_at;         /* last close, when the task is closed now */
	int64_t last_event_id;
	int32_t reopens;           /* closed -> open again */
	int32_t msgs_in, replies, ai_replies, ai_edited_replies, human_replies;
	int32_t drafts_approved, drafts_edited, drafts_rejected, failed_sends;
	int8_t type, urgency, status, route; /* from the row */
	int8_t cls_type, cls_urgency;        /* the classifier's first labels, -1 none */
	uint8_t ovr_type, ovr_urgency;       /* changed by a person */
	uint8_t first_by;                    /* BY_* of the first response */
	uint8_t pad[3];
	uint64_t row_hash;
} TaskRec;

/* A client's counters built from its events, additively (the same result
 * whether the events come in one full scan or many incremental ones). */
typedef struct {
	int32_t day; /* days since 1970-01-01 */
	int32_t in, out, opened, closed;
} DayCount;

typedef struct {
	int64_t event_id, at, task_id;
	int32_t kind; /* FEED_* */
	int32_t pad;
} FeedEntry;
enum { FEED_OPENED, FEED_CLOSED, FEED_REOPENED, FEED_ISSUE };

typedef struct {
	int32_t month; /* yyyymm */
	uint32_t model; /* interned model name */
	int64_t calls, prompt, completion;
} UsageCount;

/* A month of a client's task list (tasks-YYYY-MM.html and .csv): hashes
 * of what each page is made from, so that a run rewrites only the months
 * whose tasks changed. */
typedef struct {
	int32_t month, pad; /* yyyymm */
	uint64_t in_html, in_csv;
} MonthPage;

typedef struct {
	int64_t id;
	uint64_t row_hash;
	uint64_t time_hash; /* of the as-of dependent figures (ages, SLA pending) */
	int64_t version;    /* run number of its current directory, 0 none */
	int64_t last_at;    /* newest event of the client */
	uint64_t file_hash[4]; /* of its report files as last written (render.c) */
	DayCount *days; size_t ndays, capdays;   /* sorted by day */
	FeedEntry feed[FEED_MAX]; size_t nfeed;  /* oldest first */
	UsageCount *usage; size_t nusage, capusage; /* sorted by month, model */
	MonthPage *months; size_t nmonths;          /* sorted by month */
} ClientState;

void client_apply_event(ClientState *cs, const Ev *e);
void client_apply_usage(ClientState *cs, int64_t at, const char *model, int64_t prompt, int64_t completion);
void client_state_free(ClientState *cs);

/* Metrics of one task from its events (sorted by id, duplicates removed). */
void task_metrics(const TaskRow *row, Ev *const *evs, size_t n, TaskRec *out);
/* Sort event pointers by id and drop duplicates; returns the new count. */
size_t ev_sort_unique(Ev **evs, size_t n);

/* ---- settings -------------------------------------------------------- */

typedef struct {
	uint32_t model; /* interned */
	double in_per_m, out_per_m; /* USD per million tokens */
} Price;

typedef struct {
	int64_t sla_ms[NURG];
	Price *prices; size_t nprices;
	const char *public_url;
	const char *host;   /* of public_url, for tag: URIs */
} Settings;

double settings_cost(const Settings *s, uint32_t model, int64_t prompt, int64_t completion);

/* ---- aggregates (stats.c) -------------------------------------------- */

typedef struct {
	int64_t *v; size_t n, cap;
} I64Vec;
void i64_push(I64Vec *v, int64_t x);
void i64_free(I64Vec *v);
void i64_reserve(I64Vec *v, size_t n);
/* Nearest-rank percentile (p in (0,1]) of v, reordering it; -1 when
 * empty.  Selection, not a sort: linear time. */
int64_t i64_percentile(I64Vec *v, double p);

enum { SLA_NONE, SLA_MET, SLA_MISSED, SLA_PENDING };
/* SLA state of a task at as_of (see stats.c). */
int task_sla(const TaskRec *t, const Settings *s, int64_t as_of);
/* Age bucket of an open task at as_of. */
int age_bucket(int64_t age_ms);

typedef struct {
	int32_t month; int64_t classified, ovr_type, ovr_urgency, ovr_any;
} MonthAcc;

typedef struct {
	int64_t tasks, open, by_status[NSTATUS], by_urgency[NURG], by_type[NTYPES];
	int64_t open_age[NURG][NAGES];
	I64Vec frt_urg[NURG], frt_type[NTYPES], res_urg[NURG], res_type[NTYPES];
	I64Vec frt_all, res_all;
	int64_t sla_met[NURG], sla_missed[NURG], sla_pending[NURG], closed_no_reply;
	int64_t replies, ai, ai_edited, human, first_ai, first_ai_edited, first_human;
	int64_t approved, edited, rejected, failed;
	int64_t classified, ovr_type, ovr_urgency, ovr_any;
	int64_t reopened_tasks, reopens, ever_closed, msgs_in;
	MonthAcc *months; size_t nmonths, capmonths; /* sorted */
} Agg;

void agg_add(Agg *a, const TaskRec *t, const Settings *s, int64_t as_of);
/* Room for agg_add of the tasks recs[idx[0 .. n - 1]]: no growing then. */
void agg_reserve(Agg *a, const TaskRec *recs, const size_t *idx, size_t n);
/* Only counts and frt_all: what the overview's row of a client and the
 * as-of dependent figures need (most clients are unchanged in a run). */
void agg_add_light(Agg *a, const TaskRec *t, const Settings *s, int64_t as_of);
void agg_free(Agg *a);
/* Hash of the figures that change with as_of alone. */
uint64_t agg_time_hash(const Agg *a);

/* ---- the run --------------------------------------------------------- */

/* A directory no longer referenced, deleted after the grace period:
 * v/ID-N (a report version) or t/ID-N (a task page directory). */
enum { RET_VERSION, RET_TASKS };
typedef struct {
	int64_t client_id, number, retired_at;
	int32_t kind, pad;
} Retired;

typedef struct {
	/* where and how */
	const char *out;     /* site directory */
	int full, quiet;
	Store *store;
	TplCache *tpl;
	Settings set;
	uint64_t digest;     /* settings + templates + GEN_FORMAT */
	int64_t run;         /* this run's number (version of what it writes) */
	int scan_orphans;    /* a run may have crashed: look for what it left */

	/* the state, carried between runs */
	int64_t last_event_id, last_event_at, last_usage_id, as_of;
	TaskRec *recs; size_t nrecs;          /* sorted by id */
	ClientState *cstates; size_t ncstates; /* sorted by id */
	Retired *retired; size_t nretired, capretired;

	/* this run */
	TaskRow *rows; size_t nrows;         /* sorted by id */
	Buf titles;                          /* the rows' titles */
	ClientRow *clients; size_t nclients; /* sorted by id */

	/* figures for the summary line (pages and files are counted by the
	 * threads of par_for) */
	atomic_size_t pages, files;
	size_t removed, dirty_tasks, dirty_clients;
	int64_t new_events;
} Gen;

/* load.c */
int load_task_rows(Gen *g);
int load_client_rows(Gen *g);
/* Every event from after_id on, in id order: fn(g, &ev, arg) per event. */
int load_events_after(Gen *g, int64_t after_id, void (*fn)(Gen *, Ev *, void *), void *arg);
/* One task's events (its own and the message_in of its messages), sorted;
 * *evs is malloc'd (free it), returns the count or -1. */
long load_task_events(Gen *g, int64_t task_id, Ev **evs);
int load_usage_after(Gen *g, int64_t after_id, void (*fn)(Gen *, int64_t client, int64_t at, const char *model,
							  int64_t prompt, int64_t completion, void *), void *arg);
/* created_at of event id, or -1 when there is no such event. */
int64_t load_event_time(Gen *g, int64_t id);

/* render.c: each returns 0, or -1 after printing why. */
/* Writes dir/ID.html and its client-safe twin dir/ID.share.html (what a
 * share link shows: REPORT_SHARE_TASK_SUFFIX); atomic: through a temporary
 * name (dir is visible). */
int render_task(Gen *g, const TaskRow *row, const TaskRec *rec, Ev *const *evs, size_t n, const char *dir,
		int atomic, Buf *scratch);
/* Writes the client's report files into dir; a file whose bytes hash as
 * they did last time (cs->file_hash), or a month of the task list whose
 * tasks did not change (cs->months), is hard-linked from prev_dir (the
 * current version; NULL: write everything).  reused: dir is a spare
 * version, and what it holds besides this version's files is deleted. */
int render_client(Gen *g, const ClientRow *c, ClientState *cs, const size_t *tasks, size_t ntasks,
		  const Agg *agg, const char *dir, const char *prev_dir, int reused);
int render_overview(Gen *g, const size_t *client_tasks_start, const Agg *aggs, const Agg *total);

/* chart.c: SVG appended to out. */
typedef struct {
	const char *label;
	const char *color;
	const int64_t *values;
} Series;
void chart_bars(Buf *out, const char *id, const char *title, const char *const *xlabels, size_t n,
		const Series *series, size_t nseries, int label_every);
void chart_line_pct(Buf *out, const char *id, const char *title, const char *const *xlabels, size_t n,
		    const double *values /* 0..1, <0 = no data */);
void chart_hbars_time(Buf *out, const char *id, const char *title, const char *const *labels, size_t n,
		      const int64_t *median, const int64_t *p90, const int64_t *target);
void chart_share(Buf *out, const char *id, const char *title, const char *const *labels, const int64_t *values,
		 const char *const *colors, size_t n);

/* site.c */
int site_mkdirs(const char *path);
/* Write a file inside a directory no reader can reach yet. */
int site_write(const char *path, const char *data, size_t len);
/* Write a file through a temporary name and rename (readers see the old
 * or the new file, never part of one). */
int site_write_atomic(const char *path, const char *data, size_t len);
/* Write a file inside a directory no reader can reach, overwriting the
 * file already there when no other version shares it (a reused spare). */
int site_write_over(const char *path, const char *data, size_t len);
/* Hard-link from to to, unless to is that file already. */
int site_link_over(const char *from, const char *to);
/* Delete what dir holds besides the names in keep. */
int site_prune(const char *dir, const char *const *keep, size_t nkeep);
/* The client's spare version (see site.c), 0 when it has none. */
int64_t site_spare(Gen *g, int64_t client_id, int64_t now);
/* Forget a retired directory (a spare that was reused). */
void site_unretire(Gen *g, int kind, int64_t client_id, int64_t number);
int site_rm_rf(const char *path);
char *site_version_dir(Gen *g, int64_t client_id, int64_t version); /* malloc'd */
char *site_tasks_dir(Gen *g, int64_t client_id, int64_t tgen);      /* malloc'd */
/* Make v/ID-VERSION/tasks point at t/ID-TGEN. */
int site_link_tasks(Gen *g, int64_t client_id, int64_t version, int64_t tgen);
/* The t/ generation a version's tasks link points at, 0 when none. */
int64_t site_version_tasks(Gen *g, int64_t client_id, int64_t version);
/* Point clients/ID at version (atomic rename of a new symlink). */
int site_swap(Gen *g, int64_t client_id, int64_t version);
/* The version clients/ID points at, 0 when none. */
int64_t site_current(Gen *g, int64_t client_id);
/* Remove clients/ID and retire what it pointed at. */
int site_unlink_client(Gen *g, int64_t client_id);
void site_retire(Gen *g, int kind, int64_t client_id, int64_t number);
/* Retire directories older than the grace period, and v/ and t/
 * directories nothing refers to (left by a run that crashed), to the
 * trash; then delete from the trash for at most budget_ms. */
void site_cleanup(Gen *g, int64_t budget_ms);

/* state.c */
int state_load(Gen *g, const char *path); /* 0 loaded, -1 absent or unusable */
int state_save(Gen *g, const char *path);

/* par.c: fn(arg, i, thread) for every i in [0, n), chunk items at a time,
 * on gen_threads() threads (thread is 0 .. gen_threads() - 1; the caller
 * is thread 0).  -1 when a call returned non-zero (the rest may be
 * skipped). */
typedef int (*ParFn)(void *arg, size_t i, int thread);
int par_for(size_t n, size_t chunk, ParFn fn, void *arg);
/* SWITCHBOARD_GEN_THREADS, else the number of CPUs; 1 to 8. */
int gen_threads(void);

/* build.c */
int build(Gen *g);

/* common */
/* With SWITCHBOARD_GEN_TIMING=1 in the environment, print on stderr how
 * long the run spent since the previous phase. */
void gen_phase(const char *name);
uint64_t hash_bytes(uint64_t h, const void *p, size_t n);
uint64_t hash_str(uint64_t h, const char *s);
/* Word at a time: for checksums of large buffers. */
uint64_t hash_fast(uint64_t h, const void *p, size_t n);
uint64_t hash_i64(uint64_t h, int64_t v);
#define HASH_SEED 1469598103934665603ULL
void fmt_time(char out[32], int64_t ms);     /* "2026-03-01 09:30 UTC" */
void fmt_rfc3339(char out[32], int64_t ms);  /* "2026-03-01T09:30:00Z" */
void fmt_day(char out[16], int32_t day);     /* "2026-03-01" */
void fmt_duration(char *out, size_t n, int64_t ms); /* "42 min", "3.5 h", "2.1 d" */
int32_t month_of(int64_t ms);                /* yyyymm */
void buf_fixed1(Buf *b, double x);           /* "12.3" (one decimal, rounded) */
void buf_int(Buf *b, int64_t v);
void fmt_month(char out[16], int32_t yyyymm); /* "2026-03" */
void fmt_month_name(char out[32], int32_t yyyymm); /* "March 2026" */

#endif
