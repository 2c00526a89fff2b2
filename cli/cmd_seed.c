/*
 * cmd_seed.c - `switchboard seed-demo`: realistic synthetic data for demos
 * and benchmarks (the report generator's bench uses a million events).
 *
 *   switchboard seed-demo [--clients N] [--tasks N] [--events N]
 *                         [--months N] [--seed N] [--end MS]
 *   switchboard seed-demo --append [--events N] [--seed N]
 *
 * Clients with names, companies and phone numbers; tasks spread over the
 * last --months months (busier on weekdays and in office hours; a few
 * clients much busier than the rest), each with the events the real flow
 * writes, in the order it writes them: client_created, message_in,
 * classified, task_created, message_out (AI drafts and people's replies),
 * draft_approved (as written or edited) / draft_rejected, message_sent,
 * message_status, message_failed, task_overridden (a person corrects the
 * classifier), task_updated (more messages joining, closing, reopening),
 * summary_updated; plus the messages themselves and LLM usage rows.  Some
 * replies miss their first-response target, some tasks are reopened, the
 * newest ones have no reply yet.  The event count is exactly --events
 * (padding with summaries or dropping delivery receipts), given at least
 * about four events per task.
 *
 * --append adds --events events of new activity after the newest event in
 * the database: new tasks of existing clients and more messages on open
 * tasks (the bench's "1,000 new events").
 *
 * Everything is generated in memory, sorted by time, then written in one
 * transaction through lib/desk/seed.c (the store's cached statements, on
 * a connection in bulk-load mode), so a million events take seconds.  Deterministic for a
 * given --seed and --end.  It only ever adds rows.
 */
#include "cli/cli.h"
#include "core/config.h"
#include "desk/desk.h"
#include "desk/seed.h"
#include "store/bulk.h"
#include "core/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUR_MS 3600000LL
#define MIN_MS 60000LL
#define DAY_MS_ (24 * HOUR_MS)

/* ---- random numbers (xorshift64*, deterministic per --seed) ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static double rnd01(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static int64_t rnd_range(int64_t lo, int64_t hi) /* [lo, hi] */
{
	if (hi <= lo)
		return lo;
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static int chance(double p)
{
	return rnd01() < p;
}

/* Log-normal around median m (ms), spread s. */
static int64_t lognormal(double m, double s)
{
	double u1 = rnd01(), u2 = rnd01();
	if (u1 < 1e-12)
		u1 = 1e-12;
	double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
	return (int64_t)(m * exp(s * z));
}

/* ---- word lists ---- */

static const char *const first_names[] = {
	"Alice", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ingrid", "Jonas", "Kavya", "Luca",
	"Marta", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Stefan", "Tomasz", "Ursula", "Viktor", "Wanda", "Xavier",
	"Yara", "Zoltan", "Amara", "Benedikt", "Celine", "Dario", "Esme", "Florian", "Gaia", "Hakon", "Ilse", "Jarek",
	"Kirsi", "Leandro", "Maelle", "Niklas", "Orla", "Pavel", "Renata", "Sven", "Thea", "Umberto", "Vesna", "Wolfram",
	"Yusuf", "Zeynep", "Anouk", "Bastien", "Clemence", "Desmond", "Emeric", "Fenna", "Gunnar", "Halima", "Isidor",
	"Jolanda"};
static const char *const last_names[] = {
	"Abernathy", "Bergstrom", "Castellano", "Delacroix", "Eriksen", "Fontaine", "Grunewald", "Halvorsen", "Iglesias",
	"Jankowski", "Kowalczyk", "Lindqvist", "Marchetti", "Nakamura", "Oyelaran", "Petrovic", "Quintero", "Rasmussen",
	"Santangelo", "Thorvaldsen", "Uribe", "Vasquez", "Wojcik", "Xenakis", "Yamamoto", "Zielinski", "Albrecht",
	"Bianchi", "Cardoso", "Dragomir", "Esposito", "Falkenberg", "Gallardo", "Hoffmann", "Ivanova", "Jovanovic",
	"Kaminski", "Lombardi", "Moreau", "Novak", "Okonkwo", "Pellegrini", "Ramires", "Sokolova", "Takahashi",
	"Underhill", "Valentini", "Weissmann", "Yilmaz", "Zamora", "Andersson", "Brannigan", "Costa", "Duchamp",
	"Engstrom", "Ferreira", "Gustafsson", "Haugen", "Ishikawa", "Jablonski"};
static const char *const companies[] = {
	"Northwind Bakery", "Bluefern Dental", "Copperleaf Studio", "Driftwood Yoga", "Emberline Coffee",
	"Foxglove Florists", "Granite Peak Legal", "Harbor Light Realty", "Ironbark Fitness", "Juniper Vet Clinic",
	"Kestrel Bikes", "Lantern Bookshop", "Meadowlark Catering", "Nimbus Print", "Oakhaven Inn", "Pinecone Toys",
	"Quarry Lane Brewing", "Riverstone Optics", "Saffron Kitchen", "Tidewater Marine", "Umbra Photography",
	"Velvet Moth Tailors", "Willowbrook Nursery", "Yellowfin Sushi", "Zephyr Travel"};
static const char *const area_codes[] = {"201", "212", "303", "312", "404", "415", "503", "512", "617", "702",
					 "713", "720", "801", "858", "904", "919", "971", "206", "305", "602"};
static const char *const staff[] = {"user:alice", "user:bruno", "user:chen", "user:dana", "user:eli", "user:farah"};

static const char *const type_names[] = {"bug", "consult", "feature_request", "question", "other"};
static const char *const urg_names[] = {"urgent", "medium", "low"};
static const char *const status_names[] = {"open", "waiting", "approved", "closed"};

static const char *const inbound[5][8] = {
	{"The checkout page is broken, customers get an error when they pay", "Our booking form stopped sending emails since this morning",
	 "Site is down!! Nothing loads on mobile", "The login button does nothing on Safari", "Invoices show the wrong VAT rate since the update",
	 "Images on the gallery page are all broken", "The contact form says error 500 when I submit", "Orders are not syncing to the spreadsheet anymore"},
	{"Could we set up a call this week about the new season plan?", "I'd like advice on moving our shop to a new platform",
	 "Can you review our marketing plan before we send it out?", "We need help choosing a booking system, any thoughts?",
	 "Would you look at our analytics with us next Tuesday?", "Can we talk about the budget for next quarter?",
	 "I want a second opinion on the agency's proposal", "Need your advice on hiring a developer"},
	{"Could you add a gift card option to the shop?", "We'd love a waiting list when a class is full",
	 "Can the menu page show allergens per dish?", "Please add Apple Pay to the checkout", "Could customers pick a delivery slot?",
	 "Add a Spanish version of the site please", "We need a staff calendar that syncs with Google", "Can we get a newsletter signup on every page?"},
	{"What are your opening hours on Saturday?", "How do I change the photo on the homepage?", "Is the March invoice paid already?",
	 "Where do I find last month's sales report?", "Can I add a new user for my assistant?", "What's the password reset link again?",
	 "Do you have a guide for updating prices?", "When is the next maintenance window?"},
	{"Thanks for the quick fix yesterday!", "Just letting you know we're closed next week", "Happy new year from all of us",
	 "Our new phone number is on the website now", "Got your message, will reply tomorrow", "We moved office, new address on the invoice please",
	 "Ok great", "See you at the meeting"}};
static const char *const replies[5][3] = {
	{"Thanks for reporting this. We're looking into it now and will update you within the hour.",
	 "We found the cause and a fix is going out shortly. Sorry for the trouble.",
	 "Fixed: could you check on your side and let us know if it still happens?"},
	{"Happy to help. Does Wednesday at 10:00 or Thursday at 15:00 work for you?",
	 "Good question. Let's go through the options on a short call; I'll send a summary afterwards.",
	 "I've read it through and have a few suggestions, sending them over today."},
	{"Thanks for the idea! We've written it up and will send a short proposal with an estimate.",
	 "That's doable. We'll draft how it would work and come back to you this week.",
	 "Noted: we'll add it to the plan and share the details soon."},
	{"Hi! We're open 9:00 to 17:00 on Saturdays.", "You'll find it under Settings, then Reports. Let us know if anything is unclear.",
	 "Yes, that's been paid, thank you!"},
	{"Thanks for letting us know!", "Noted, thank you.", "Thanks, and the same to you!"}};

/* ---- the model being generated ---- */

enum {
	K_CLIENT_CREATED, K_MSG_IN, K_CLASSIFIED, K_TASK_CREATED, K_TASK_JOINED, K_STATUS, K_OVERRIDE,
	K_MSG_OUT, K_APPROVED, K_REJECTED, K_SENT, K_DELIVERY, K_FAILED, K_SUMMARY, K_DROPPED
};
static const char *const kind_names[] = {
	"client_created", "message_in", "classified", "task_created", "task_updated", "task_updated", "task_overridden",
	"message_out", "draft_approved", "draft_rejected", "message_sent", "message_status", "message_failed",
	"summary_updated", ""};

typedef struct {
	int64_t at;
	uint32_t seq;
	uint8_t kind, a, b, c; /* kind-specific, see emit_* */
	int8_t actor;          /* index in staff[], -1 worker, -2 twilio */
	int32_t task, client, msg;
} SEvent;

typedef struct {
	int64_t id, created_at;
	char name[80], phone[20], email[96];
	const char *company;
} SClient;

typedef struct {
	int64_t id; /* set when inserted (or existing) */
	int32_t client;
	int8_t type, urgency, cls_type, cls_urgency, route, status; /* route 0 AI, 1 HUMAN */
	int8_t status0; /* before this run's events (--append), for replay() */
	int64_t first_at; /* this run's first event of the task */
	uint8_t existing, touched;
	double confidence;
	int64_t start, updated, closed_at;
	const char *body0;
} STask;

typedef struct {
	int64_t id, at;
	int32_t task, client;
	uint8_t dir, ai; /* dir 0 in, 1 out */
	uint8_t status;  /* MS_* */
	int8_t author;
	const char *body;
} SMsg;
enum { MS_RECEIVED, MS_DRAFT, MS_QUEUED, MS_ACCEPTED, MS_SENT, MS_DELIVERED, MS_UNDELIVERED, MS_FAILED, MS_REJECTED };
static const char *const msg_status_names[] = {"received", "draft", "queued", "accepted", "sent",
					       "delivered", "undelivered", "failed", "rejected"};

typedef struct {
	SClient *clients; size_t nclients, capclients;
	STask *tasks; size_t ntasks, captasks;
	SEvent *evs; size_t nevs, capevs;
	SMsg *msgs; size_t nmsgs, capmsgs;
	double *weights; /* cumulative client weights */
	uint32_t seq;
	int64_t end;
	int64_t sid_base; /* makes message SIDs unique across runs */
} Seed;

static SEvent *emit(Seed *sd, int64_t at, int kind, int32_t task, int32_t client, int32_t msg, int actor)
{
	if (sd->nevs == sd->capevs) {
		sd->capevs = sd->capevs ? sd->capevs * 2 : 4096;
		sd->evs = xrealloc(sd->evs, sd->capevs * sizeof *sd->evs);
	}
	SEvent *e = &sd->evs[sd->nevs++];
	memset(e, 0, sizeof *e);
	e->at = at;
	e->seq = sd->seq++;
	e->kind = (uint8_t)kind;
	e->task = task;
	e->client = client;
	e->msg = msg;
	e->actor = (int8_t)actor;
	return e;
}

static int32_t new_msg(Seed *sd, int32_t task, int32_t client, int dir, int ai, const char *body, int64_t at, int author)
{
	if (sd->nmsgs == sd->capmsgs) {
		sd->capmsgs = sd->capmsgs ? sd->capmsgs * 2 : 4096;
		sd->msgs = xrealloc(sd->msgs, sd->capmsgs * sizeof *sd->msgs);
	}
	SMsg *m = &sd->msgs[sd->nmsgs];
	memset(m, 0, sizeof *m);
	m->task = task;
	m->client = client;
	m->dir = (uint8_t)dir;
	m->ai = (uint8_t)ai;
	m->body = body;
	m->at = at;
	m->author = (int8_t)author;
	m->status = dir ? MS_QUEUED : MS_RECEIVED;
	return (int32_t)sd->nmsgs++;
}

static int pick_staff(void)
{
	return (int)(rnd() % ARRAY_LEN(staff));
}

/* Routing as the default rules do it: urgent, bugs and consultations to a
 * person (except low bugs), the rest to the AI; low confidence to a person. */
static int route_for(int type, int urgency, double conf)
{
	if (conf < 0.6)
		return 1;
	if (urgency == 0 || type == 1 || (type == 0 && urgency != 2))
		return 1;
	return 0;
}

/* One inbound message joining (or opening) task ti at time t; returns the
 * time the worker finished with it. */
static int64_t inbound_msg(Seed *sd, int32_t ti, int64_t t, int opening)
{
	STask *tk = &sd->tasks[ti];
	const char *body = opening ? tk->body0 : inbound[tk->type][rnd() % 8];
	int32_t m = new_msg(sd, ti, tk->client, 0, 0, body, t, -2);
	emit(sd, t, K_MSG_IN, ti, tk->client, m, -2);
	t += rnd_range(400, 6000);
	SEvent *e = emit(sd, t, K_CLASSIFIED, ti, tk->client, m, -1);
	e->c = (uint8_t)(tk->confidence * 100);
	t += rnd_range(1, 30);
	e = emit(sd, t, opening ? K_TASK_CREATED : K_TASK_JOINED, ti, tk->client, m, -1);
	e->c = (uint8_t)(tk->confidence * 100);
	if (!opening && tk->status == 1)
		tk->status = 0; /* waiting -> open when the client writes again */
	return t;
}

/* Deliver an outbound message m: sent, then delivery receipts.  Returns
 * the time of the send, or 0 when it failed. */
static int64_t deliver(Seed *sd, int32_t ti, int32_t m, int64_t t)
{
	STask *tk = &sd->tasks[ti];
	t += rnd_range(500, 4000);
	if (chance(0.015)) {
		emit(sd, t, K_FAILED, ti, tk->client, m, -1);
		sd->msgs[m].status = MS_FAILED;
		return 0;
	}
	emit(sd, t, K_SENT, ti, tk->client, m, -1);
	sd->msgs[m].status = MS_ACCEPTED;
	int64_t sent = t;
	if (tk->status == 0)
		tk->status = 1; /* open -> waiting, as the worker does */
	t += rnd_range(800, 3000);
	SEvent *e = emit(sd, t, K_DELIVERY, ti, tk->client, m, -2);
	e->a = 0; /* sent */
	sd->msgs[m].status = MS_SENT;
	t += rnd_range(1000, 9000);
	e = emit(sd, t, K_DELIVERY, ti, tk->client, m, -2);
	e->a = chance(0.03) ? 2 : 1; /* undelivered / delivered */
	sd->msgs[m].status = e->a == 2 ? MS_UNDELIVERED : MS_DELIVERED;
	tk->updated = t;
	return sent;
}

/* A reply to task ti, starting to be worked on at t after a delay typical
 * of its urgency.  Returns the time of the last event. */
static int64_t reply(Seed *sd, int32_t ti, int64_t t)
{
	STask *tk = &sd->tasks[ti];
	static const double median[] = {35 * 60000.0, 4 * 3600000.0, 16 * 3600000.0};
	int64_t delay = lognormal(median[tk->urgency], 0.9);
	const char *body = replies[tk->type][rnd() % 3];
	if (tk->route == 0) {
		/* The AI drafts within seconds; a person reviews after a delay. */
		int auto_send = chance(0.1);
		int64_t td = t + rnd_range(2000, 20000);
		int32_t m = new_msg(sd, ti, tk->client, 1, 1, body, td, -1);
		SEvent *e = emit(sd, td, K_MSG_OUT, ti, tk->client, m, -1);
		e->a = (uint8_t)!auto_send; /* draft */
		e->b = 1;                   /* ai */
		if (auto_send)
			return deliver(sd, ti, m, td) ? tk->updated : td;
		sd->msgs[m].status = MS_DRAFT;
		int64_t tr = td + delay;
		int who = pick_staff();
		double r = rnd01();
		if (r < 0.66 || r < 0.86) {
			e = emit(sd, tr, K_APPROVED, ti, tk->client, m, who);
			e->a = r >= 0.66; /* edited */
			sd->msgs[m].status = MS_QUEUED;
			sd->msgs[m].author = (int8_t)who;
			if (deliver(sd, ti, m, tr))
				return tk->updated;
			t = tr + rnd_range(5 * MIN_MS, 40 * MIN_MS);
		} else {
			emit(sd, tr, K_REJECTED, ti, tk->client, m, who);
			sd->msgs[m].status = MS_REJECTED;
			t = tr + rnd_range(2 * MIN_MS, 30 * MIN_MS);
		}
		/* A person writes the reply instead. */
		int32_t m2 = new_msg(sd, ti, tk->client, 1, 0, body, t, who);
		e = emit(sd, t, K_MSG_OUT, ti, tk->client, m2, who);
		deliver(sd, ti, m2, t);
		return tk->updated > t ? tk->updated : t;
	}
	int who = pick_staff();
	int64_t tw = t + delay;
	int32_t m = new_msg(sd, ti, tk->client, 1, 0, body, tw, who);
	emit(sd, tw, K_MSG_OUT, ti, tk->client, m, who);
	if (!deliver(sd, ti, m, tw)) {
		tw += rnd_range(5 * MIN_MS, 40 * MIN_MS);
		m = new_msg(sd, ti, tk->client, 1, 0, body, tw, who);
		emit(sd, tw, K_MSG_OUT, ti, tk->client, m, who);
		deliver(sd, ti, m, tw);
	}
	return tk->updated > tw ? tk->updated : tw;
}

static void status_change(Seed *sd, int32_t ti, int64_t t, int to)
{
	STask *tk = &sd->tasks[ti];
	SEvent *e = emit(sd, t, K_STATUS, ti, tk->client, -1, pick_staff());
	e->a = (uint8_t)tk->status;
	e->b = (uint8_t)to;
	tk->status = (int8_t)to;
	tk->closed_at = to == 3 ? t : 0;
	tk->updated = t;
}

/* The whole life of task ti, with `rounds` more exchanges after the first. */
static void task_flow(Seed *sd, int32_t ti, int rounds, int opening)
{
	STask *tk = &sd->tasks[ti];
	tk->touched = 1;
	int64_t t = opening ? tk->start : tk->updated; /* a client writing again: the caller says when */
	tk->first_at = t;
	if (opening)
		t = inbound_msg(sd, ti, t, 1);
	else
		t = inbound_msg(sd, ti, t, 0);
	tk->updated = t;
	int64_t age = sd->end - tk->start;
	/* The newest tasks may have no reply yet. */
	int no_reply = opening && age < 2 * DAY_MS_ && chance(0.35);
	if (opening && (tk->cls_type != tk->type || tk->cls_urgency != tk->urgency)) {
		int64_t to = t + rnd_range(3 * MIN_MS, 90 * MIN_MS);
		if (tk->cls_type != tk->type) {
			SEvent *e = emit(sd, to, K_OVERRIDE, ti, tk->client, -1, pick_staff());
			e->a = 0;
			e->b = (uint8_t)tk->cls_type;
			e->c = (uint8_t)tk->type;
		}
		if (tk->cls_urgency != tk->urgency) {
			SEvent *e = emit(sd, to + 1, K_OVERRIDE, ti, tk->client, -1, pick_staff());
			e->a = 1;
			e->b = (uint8_t)tk->cls_urgency;
			e->c = (uint8_t)tk->urgency;
		}
		t = to + 2;
	}
	if (no_reply)
		return;
	t = reply(sd, ti, t);
	if (chance(0.5))
		emit(sd, t + rnd_range(1000, 20000), K_SUMMARY, ti, tk->client, -1, -1);
	for (int r = 0; r < rounds; r++) {
		int64_t next = t + rnd_range(20 * MIN_MS, 2 * DAY_MS_);
		if (next >= sd->end)
			break;
		t = inbound_msg(sd, ti, next, 0);
		t = reply(sd, ti, t);
		if (chance(0.4))
			emit(sd, t + rnd_range(1000, 20000), K_SUMMARY, ti, tk->client, -1, -1);
	}
	/* Closing (and sometimes reopening) the older tasks. */
	int64_t close_at = t + rnd_range(HOUR_MS, 3 * DAY_MS_);
	if (close_at < sd->end && chance(0.88)) {
		status_change(sd, ti, close_at, 3);
		if (chance(0.06)) {
			int64_t re = close_at + rnd_range(HOUR_MS, 4 * DAY_MS_);
			if (re < sd->end) {
				status_change(sd, ti, re, 0);
				int64_t t2 = reply(sd, ti, re + rnd_range(MIN_MS, HOUR_MS));
				int64_t c2 = t2 + rnd_range(HOUR_MS, 2 * DAY_MS_);
				if (c2 < sd->end && chance(0.8))
					status_change(sd, ti, c2, 3);
			}
		}
	}
}

static int32_t pick_client(Seed *sd)
{
	double r = rnd01() * sd->weights[sd->nclients - 1];
	size_t lo = 0, hi = sd->nclients - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (sd->weights[mid] < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (int32_t)lo;
}

static int64_t task_start(int64_t from, int64_t to)
{
	for (;;) {
		int64_t t = rnd_range(from, to);
		int64_t day = t / DAY_MS_;
		int dow = (int)((day + 4) % 7); /* 0 Sunday */
		int hour = (int)((t % DAY_MS_) / HOUR_MS);
		double p = (dow == 0 || dow == 6) ? 0.25 : 1.0;
		if (hour < 7 || hour > 19)
			p *= 0.2;
		if (chance(p))
			return t;
	}
}

static STask *add_task(Seed *sd)
{
	if (sd->ntasks == sd->captasks) {
		sd->captasks = sd->captasks ? sd->captasks * 2 : 1024;
		sd->tasks = xrealloc(sd->tasks, sd->captasks * sizeof *sd->tasks);
	}
	STask *tk = &sd->tasks[sd->ntasks++];
	memset(tk, 0, sizeof *tk);
	return tk;
}

static void new_task(Seed *sd, int64_t start)
{
	STask *tk = add_task(sd);
	tk->client = pick_client(sd);
	double r = rnd01();
	tk->type = r < 0.25 ? 0 : r < 0.40 ? 1 : r < 0.55 ? 2 : r < 0.90 ? 3 : 4;
	r = rnd01();
	tk->urgency = r < 0.15 ? 0 : r < 0.60 ? 1 : 2;
	tk->cls_type = tk->type;
	tk->cls_urgency = tk->urgency;
	/* The classifier is wrong now and then, and people correct it. */
	if (chance(0.05))
		tk->cls_type = (int8_t)((tk->type + 1 + rnd() % 4) % 5);
	if (chance(0.05))
		tk->cls_urgency = (int8_t)((tk->urgency + 1 + rnd() % 2) % 3);
	tk->confidence = 0.5 + 0.49 * sqrt(rnd01());
	tk->route = (int8_t)route_for(tk->cls_type, tk->cls_urgency, tk->confidence);
	tk->start = start;
	tk->body0 = inbound[tk->type][rnd() % 8];
}

static int cmp_event(const void *a, const void *b)
{
	const SEvent *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_start(const void *a, const void *b)
{
	const STask *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Drop what would happen after the end (replies still to come), so no
 * event lies in the future. */
static void drop_after(Seed *sd, size_t from, int64_t end)
{
	size_t k = from;
	for (size_t i = from; i < sd->nevs; i++)
		if (sd->evs[i].at <= end)
			sd->evs[k++] = sd->evs[i];
	sd->nevs = k;
}

/* Task and message states from the events that remain (sorted by time),
 * the way the program's flow moves them. */
static void replay(Seed *sd)
{
	for (size_t i = 0; i < sd->ntasks; i++) {
		STask *tk = &sd->tasks[i];
		tk->status = tk->status0;
		tk->closed_at = 0;
		if (!tk->existing)
			tk->updated = tk->start;
	}
	for (size_t i = 0; i < sd->nmsgs; i++)
		if (sd->msgs[i].dir && sd->msgs[i].ai)
			sd->msgs[i].author = -1;
	for (size_t i = 0; i < sd->nevs; i++) {
		const SEvent *e = &sd->evs[i];
		STask *tk = e->task >= 0 ? &sd->tasks[e->task] : NULL;
		SMsg *m = e->msg >= 0 ? &sd->msgs[e->msg] : NULL;
		if (tk && e->at > tk->updated && e->kind != K_SUMMARY)
			tk->updated = e->at;
		switch (e->kind) {
		case K_MSG_IN: m->status = MS_RECEIVED; break;
		case K_TASK_JOINED: if (tk->status == 1) tk->status = 0; break;
		case K_STATUS:
			tk->status = (int8_t)e->b;
			tk->closed_at = e->b == 3 ? e->at : 0;
			break;
		case K_MSG_OUT: m->status = e->a ? MS_DRAFT : MS_QUEUED; break;
		case K_APPROVED:
			m->status = MS_QUEUED;
			m->author = e->actor;
			break;
		case K_REJECTED: m->status = MS_REJECTED; break;
		case K_SENT:
			m->status = MS_ACCEPTED;
			if (tk->status == 0)
				tk->status = 1;
			break;
		case K_DELIVERY: m->status = e->a == 0 ? MS_SENT : e->a == 1 ? MS_DELIVERED : MS_UNDELIVERED; break;
		case K_FAILED: m->status = MS_FAILED; break;
		default: break;
		}
	}
}

/* Bring the event count to exactly want: drop summaries, then delivery
 * receipts; or add summaries. */
static void adjust(Seed *sd, size_t want)
{
	size_t have = sd->nevs;
	for (int pass = 0; pass < 3 && have > want; pass++) {
		for (size_t i = 0; i < sd->nevs && have > want; i++) {
			SEvent *e = &sd->evs[i];
			int drop = pass == 0 ? e->kind == K_SUMMARY
					     : e->kind == K_DELIVERY && e->a == (pass == 1 ? 1 : 0);
			if (!drop)
				continue;
			e->kind = K_DROPPED;
			have--;
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < sd->nevs; i++)
		if (sd->evs[i].kind != K_DROPPED)
			sd->evs[k++] = sd->evs[i];
	sd->nevs = k;
	for (size_t tries = 0; sd->nevs < want && sd->ntasks && tries < want * 20; tries++) {
		int32_t ti = (int32_t)(rnd() % sd->ntasks);
		STask *tk = &sd->tasks[ti];
		if (!tk->touched)
			continue;
		int64_t lo = tk->first_at + 1000, hi = tk->updated > lo ? tk->updated : lo + MIN_MS;
		if (hi > sd->end)
			hi = sd->end;
		if (lo > hi)
			lo = hi;
		emit(sd, rnd_range(lo, hi), K_SUMMARY, ti, tk->client, -1, -1);
	}
}

/* ---- writing ---- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* A Twilio-like SID for message n of this run (base: the run). */
static void sid_of(char out[35], const char *prefix, uint64_t base, int64_t n)
{
	uint64_t h1 = mix64(base ^ mix64((uint64_t)n)), h2 = mix64((uint64_t)n + base * 0x9e3779b97f4a7c15ULL);
	snprintf(out, 35, "%s%016llx%016llx", prefix, (unsigned long long)h1, (unsigned long long)h2);
}

static const char *actor_name(int a)
{
	return a >= 0 ? staff[a] : a == -2 ? "twilio" : "worker";
}

static void classification_json(char *b, size_t n, const STask *tk, int conf, const char *model)
{
	snprintf(b, n, "{\"type\":\"%s\",\"urgency\":\"%s\",\"confidence\":%.2f,\"provider\":\"openai\",\"model\":\"%s\"}",
		 type_names[tk->cls_type], urg_names[tk->cls_urgency], conf / 100.0, model);
}

/* Print why a write failed; -1. */
static int write_failed(Store *s)
{
	fprintf(stderr, "switchboard seed-demo: %s\n", store_errmsg(s));
	return -1;
}

static int write_all(Store *s, Seed *sd, int append)
{
	store_bulk_load(s);
	if (store_begin(s) != 0) {
		fprintf(stderr, "switchboard seed-demo: the database is busy: %s\n", store_errmsg(s));
		return -1;
	}
	const char *ourno = "+15005550006";
	char buf[1024], sid[35], sum[128];
	/* clients */
	for (size_t i = 0; i < sd->nclients && !append; i++) {
		SClient *c = &sd->clients[i];
		for (int attempt = 0;; attempt++) {
			snprintf(sum, sizeof sum, "%s of %s. Demo data.", c->name, c->company);
			c->id = seed_client(s, c->name, c->phone, c->email, c->company, sum, c->created_at);
			if (c->id > 0)
				break;
			if (c->id < 0 || attempt > 50) {
				write_failed(s);
				goto fail;
			}
			/* the number exists already: take another */
			snprintf(c->phone, sizeof c->phone, "+1%s555%04d", area_codes[rnd() % ARRAY_LEN(area_codes)],
				 (int)(rnd() % 10000));
		}
	}
	/* tasks (in order of their start, so ids follow time) */
	for (size_t i = 0; i < sd->ntasks; i++) {
		STask *tk = &sd->tasks[i];
		if (tk->existing)
			continue;
		char *title = desk_title_from_text(tk->body0);
		tk->id = seed_task(s, sd->clients[tk->client].id, title, type_names[tk->type], urg_names[tk->urgency],
				   status_names[tk->status], tk->route ? "HUMAN" : "AI", floor(tk->confidence * 100) / 100,
				   tk->start + 1000, tk->updated, tk->closed_at);
		free(title);
		if (tk->id < 0) {
			write_failed(s);
			goto fail;
		}
	}
	/* events, and each message just before the event that creates it */
	for (size_t i = 0; i < sd->nevs; i++) {
		SEvent *e = &sd->evs[i];
		STask *tk = e->task >= 0 ? &sd->tasks[e->task] : NULL;
		SClient *c = &sd->clients[e->client];
		SMsg *m = e->msg >= 0 ? &sd->msgs[e->msg] : NULL;
		if (m && !m->id && (e->kind == K_MSG_IN || e->kind == K_MSG_OUT)) {
			SeedMessage sm = {.client_id = c->id, .task_id = tk->id, .direction = m->dir ? "out" : "in",
					  .from = m->dir ? ourno : c->phone, .to = m->dir ? c->phone : ourno,
					  .body = m->body, .status = msg_status_names[m->status], .confidence = -1,
					  .ai_generated = m->ai, .at = e->at};
			if (!m->dir || m->status >= MS_ACCEPTED) {
				sid_of(sid, "SM", (uint64_t)sd->sid_base, e->msg);
				sm.sid = sid;
			}
			if (!m->dir) {
				sm.type = type_names[tk->cls_type];
				sm.urgency = urg_names[tk->cls_urgency];
				sm.confidence = floor(tk->confidence * 100) / 100;
			} else {
				sm.transport = m->status >= MS_ACCEPTED && m->status != MS_REJECTED ? "twilio" : NULL;
				sm.author = actor_name(m->author);
			}
			m->id = seed_message(s, &sm);
			if (m->id < 0) {
				write_failed(s);
				goto fail;
			}
		}
		const char *model = "gpt-4o-mini";
		int64_t mid = m ? m->id : 0;
		switch (e->kind) {
		case K_CLIENT_CREATED:
			snprintf(buf, sizeof buf, "{\"phone\":\"%s\",\"source\":\"inbound\"}", c->phone);
			break;
		case K_MSG_IN:
			sid_of(sid, "SM", (uint64_t)sd->sid_base, e->msg);
			snprintf(buf, sizeof buf, "{\"message_sid\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"length\":%zu,\"num_media\":0}",
				 sid, c->phone, ourno, strlen(m->body));
			break;
		case K_CLASSIFIED:
			classification_json(buf, sizeof buf, tk, e->c, model);
			break;
		case K_TASK_CREATED:
		case K_TASK_JOINED: {
			char cls[256];
			classification_json(cls, sizeof cls, tk, e->c, model);
			snprintf(buf, sizeof buf, "{\"classification\":%s,\"route\":\"%s\",\"auto_send\":false,\"threshold\":0.6,"
						  "\"rule_id\":null%s}", cls, tk->route ? "HUMAN" : "AI",
				 tk->confidence < 0.6 ? ",\"low_confidence\":true" : "");
			break;
		}
		case K_STATUS:
			snprintf(buf, sizeof buf, "{\"fields\":[\"status\"],\"changes\":{\"status\":{\"from\":\"%s\",\"to\":\"%s\"}}}",
				 status_names[e->a], status_names[e->b]);
			break;
		case K_OVERRIDE:
			snprintf(buf, sizeof buf, "{\"field\":\"%s\",\"from\":\"%s\",\"to\":\"%s\"}", e->a ? "urgency" : "type",
				 e->a ? urg_names[e->b] : type_names[e->b], e->a ? urg_names[e->c] : type_names[e->c]);
			break;
		case K_MSG_OUT:
			snprintf(buf, sizeof buf, "{\"draft\":%s,\"ai_generated\":%s,\"length\":%zu}", e->a ? "true" : "false",
				 e->b ? "true" : "false", strlen(m->body));
			break;
		case K_APPROVED:
			snprintf(buf, sizeof buf, "{\"decision\":\"%s\"}", e->a ? "edited" : "approved");
			break;
		case K_REJECTED:
			snprintf(buf, sizeof buf, "{\"decision\":\"rejected\",\"by\":\"%s\"}", actor_name(e->actor));
			break;
		case K_SENT:
			sid_of(sid, "SM", (uint64_t)sd->sid_base, e->msg);
			snprintf(buf, sizeof buf, "{\"transport\":\"twilio\",\"status\":\"accepted\",\"message_sid\":\"%s\"}", sid);
			break;
		case K_DELIVERY:
			sid_of(sid, "SM", (uint64_t)sd->sid_base, e->msg);
			snprintf(buf, sizeof buf, "{\"message_sid\":\"%s\",\"from\":\"%s\",\"status\":\"%s\"}", sid,
				 e->a == 0 ? "accepted" : "sent", e->a == 0 ? "sent" : e->a == 1 ? "delivered" : "undelivered");
			break;
		case K_FAILED:
			snprintf(buf, sizeof buf, "{\"http_status\":400,\"error_code\":21610,\"message\":\"Attempt to send to "
						  "unsubscribed recipient\"}");
			break;
		case K_SUMMARY:
			snprintf(buf, sizeof buf, "{\"length\":%d,\"provider\":\"openai\"}", (int)rnd_range(200, 900));
			break;
		default:
			continue;
		}
		if (seed_event(s, kind_names[e->kind], c->id, tk && e->kind != K_MSG_IN ? tk->id : 0,
			       mid && e->kind != K_STATUS && e->kind != K_OVERRIDE && e->kind != K_SUMMARY ? mid : 0,
			       actor_name(e->actor), buf, e->at) != 0) {
			write_failed(s);
			goto fail;
		}
		/* LLM usage of the calls the event stands for */
		const char *purpose = NULL;
		int64_t ptok = 0, ctok = 0;
		if (e->kind == K_CLASSIFIED) {
			purpose = "classify";
			ptok = rnd_range(380, 720);
			ctok = rnd_range(18, 45);
		} else if (e->kind == K_MSG_OUT && e->b) {
			purpose = "draft";
			ptok = rnd_range(650, 1600);
			ctok = rnd_range(60, 220);
			if (chance(0.2))
				model = "gpt-4o";
		} else if (e->kind == K_SUMMARY) {
			purpose = "summary";
			ptok = rnd_range(900, 2200);
			ctok = rnd_range(80, 260);
		}
		if (purpose && seed_usage(s, c->id, purpose, model, ptok, ctok, e->at) != 0) {
			write_failed(s);
			goto fail;
		}
	}
	/* existing tasks that got more activity (--append) */
	for (size_t i = 0; i < sd->ntasks; i++) {
		STask *tk = &sd->tasks[i];
		if (!tk->existing || !tk->touched)
			continue;
		if (seed_task_update(s, tk->id, status_names[tk->status], tk->updated, tk->closed_at) != 0) {
			write_failed(s);
			goto fail;
		}
	}
	return store_commit(s);
fail:
	store_rollback(s);
	return -1;
}

/* ---- the command ---- */

static int parse_count(const char *name, const char *v, long long min, long long *out)
{
	char *end;
	long long n = v ? strtoll(v, &end, 10) : -1;
	long long max = strcmp(name, "--end") == 0 || strcmp(name, "--seed") == 0 ? 4000000000000LL : 100000000LL;
	if (!v || *end || n < min || n > max) {
		fprintf(stderr, "switchboard seed-demo: %s needs a number (at least %lld)\n", name, min);
		return -1;
	}
	*out = n;
	return 0;
}

static void existing_client(void *arg, int64_t id, const char *phone, int64_t created_at)
{
	Seed *sd = arg;
	if (sd->nclients == sd->capclients) {
		sd->capclients = sd->capclients ? sd->capclients * 2 : 64;
		sd->clients = xrealloc(sd->clients, sd->capclients * sizeof *sd->clients);
	}
	SClient *c = &sd->clients[sd->nclients++];
	memset(c, 0, sizeof *c);
	c->id = id;
	snprintf(c->phone, sizeof c->phone, "%s", phone);
	c->created_at = created_at;
}

static void existing_task(void *arg, const SeedTask *t)
{
	Seed *sd = arg;
	size_t lo = 0, hi = sd->nclients;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (sd->clients[mid].id < t->client_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == sd->nclients || sd->clients[lo].id != t->client_id)
		return;
	STask *tk = add_task(sd);
	tk->existing = 1;
	tk->id = t->id;
	tk->client = (int32_t)lo;
	for (int k = 0; k < 5; k++)
		if (strcmp(t->type, type_names[k]) == 0)
			tk->type = (int8_t)k;
	for (int k = 0; k < 3; k++)
		if (strcmp(t->urgency, urg_names[k]) == 0)
			tk->urgency = (int8_t)k;
	for (int k = 0; k < 4; k++)
		if (strcmp(t->status, status_names[k]) == 0)
			tk->status = tk->status0 = (int8_t)k;
	tk->cls_type = tk->type;
	tk->cls_urgency = tk->urgency;
	tk->route = strcmp(t->route, "AI") == 0 ? 0 : 1;
	tk->confidence = t->confidence;
	tk->start = t->created_at;
	tk->updated = t->updated_at;
	tk->body0 = inbound[tk->type][0];
}

/* --append: the existing clients and open tasks. */
static int load_existing(Store *s, Seed *sd)
{
	seed_each_client(s, existing_client, sd);
	if (!sd->nclients) {
		fprintf(stderr, "switchboard seed-demo: --append needs clients in the database (run seed-demo first)\n");
		return -1;
	}
	seed_each_open_task(s, existing_task, sd);
	return 0;
}

int cmd_seed(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		printf("Usage: switchboard seed-demo [--clients N] [--tasks N] [--events N] [--months N] [--seed N] [--end MS]\n"
		       "       switchboard seed-demo --append [--events N] [--seed N]\n"
		       "Add realistic synthetic clients, tasks, messages, events and LLM usage to the database\n"
		       "(defaults: 25 clients, 500 tasks, 10 events per task, over 6 months ending now).\n"
		       "--append adds N events (default 1000) of new activity after the newest event.\n");
		return 0;
	}
	long long nclients = 25, ntasks = 500, nevents = -1, months = 6, seed = 1, end = 0;
	int append = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;
		if (strcmp(a, "--clients") == 0)
			rc = parse_count(a, v, 1, &nclients), i++;
		else if (strcmp(a, "--tasks") == 0)
			rc = parse_count(a, v, 0, &ntasks), i++;
		else if (strcmp(a, "--events") == 0)
			rc = parse_count(a, v, 0, &nevents), i++;
		else if (strcmp(a, "--months") == 0)
			rc = parse_count(a, v, 1, &months), i++;
		else if (strcmp(a, "--seed") == 0)
			rc = parse_count(a, v, 0, &seed), i++;
		else if (strcmp(a, "--end") == 0)
			rc = parse_count(a, v, 1, &end), i++;
		else if (strcmp(a, "--append") == 0)
			append = 1;
		else {
			fprintf(stderr, "switchboard seed-demo: unknown argument %s (see --help)\n", a);
			return 2;
		}
		if (rc)
			return 2;
	}
	if (nevents < 0)
		nevents = append ? 1000 : ntasks * 10 + nclients;
	Store *s = cli_open_store();
	if (!s)
		return 1;
	int64_t t0 = mono_ms();
	rng_state ^= (uint64_t)seed * 0x2545F4914F6CDD1DULL + 1;
	for (int i = 0; i < 8; i++)
		rnd();
	Seed sd = {0};
	sd.end = end ? end : now_ms();
	/* SIDs differ between runs: the messages already there, the seed and
	 * the events all go into them. */
	SeedMarks marks;
	seed_marks(s, &marks);
	sd.sid_base = (int64_t)mix64((uint64_t)marks.last_message_id ^ mix64((uint64_t)seed) ^
				     mix64((uint64_t)marks.last_event_id << 1));
	int rc = 1;
	if (append) {
		if (load_existing(s, &sd) != 0)
			goto out;
		int64_t last = marks.last_event_at;
		int64_t base = (last > 0 ? last : sd.end) + 1000;
		/* A burst of activity in the ten minutes after the newest event:
		 * what happens later (most replies) has not happened yet. */
		sd.end = base + 10 * MIN_MS;
		size_t nexisting = sd.ntasks;
		/* A fifth of the events: clients writing again on open tasks. */
		long long budget = nevents / 5;
		size_t off = nexisting ? (size_t)(rnd() % nexisting) : 0;
		for (size_t k = 0; k < nexisting && budget > 0; k++) {
			int32_t ti = (int32_t)((off + k) % nexisting);
			size_t before = sd.nevs;
			sd.tasks[ti].updated = base + rnd_range(0, 8 * MIN_MS);
			task_flow(&sd, ti, 0, 0);
			drop_after(&sd, before, sd.end);
			budget -= (long long)(sd.nevs - before);
		}
		sd.weights = xmalloc(sd.nclients * sizeof *sd.weights);
		double acc = 0;
		for (size_t c = 0; c < sd.nclients; c++)
			sd.weights[c] = acc += 1.0 / pow((double)c + 1.0, 0.6);
		while ((long long)sd.nevs < nevents - 6) {
			size_t before = sd.nevs;
			new_task(&sd, base + rnd_range(0, 8 * MIN_MS));
			task_flow(&sd, (int32_t)(sd.ntasks - 1), 0, 1);
			drop_after(&sd, before, sd.end);
		}
	} else {
		/* clients */
		sd.nclients = (size_t)nclients;
		sd.clients = xcalloc(sd.nclients, sizeof *sd.clients);
		int64_t from = sd.end - months * 30 * DAY_MS_;
		size_t nf = ARRAY_LEN(first_names), nl = ARRAY_LEN(last_names);
		int64_t phone_base = marks.clients;
		for (size_t i = 0; i < sd.nclients; i++) {
			SClient *c = &sd.clients[i];
			size_t k = (i * 2713 + (size_t)seed * 7) % (nf * nl);
			const char *fn = first_names[k / nl], *ln = last_names[k % nl];
			if (i < nf * nl)
				snprintf(c->name, sizeof c->name, "%s %s", fn, ln);
			else
				snprintf(c->name, sizeof c->name, "%s %s %zu", fn, ln, i / (nf * nl) + 1);
			size_t pi = (size_t)phone_base + i;
			snprintf(c->phone, sizeof c->phone, "+1%s555%04zu", area_codes[(pi / 10000) % ARRAY_LEN(area_codes)],
				 pi % 10000);
			snprintf(c->email, sizeof c->email, "%c.%s%zu@example.com", fn[0] + 32, ln, i);
			for (char *p = c->email; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p + 32);
			c->company = companies[(i * 7) % ARRAY_LEN(companies)];
			c->created_at = from - DAY_MS_;
		}
		sd.weights = xmalloc(sd.nclients * sizeof *sd.weights);
		double acc = 0;
		for (size_t c = 0; c < sd.nclients; c++)
			sd.weights[c] = acc += 1.0 / pow((double)c + 1.0, 0.6);
		/* tasks, in order of their start */
		for (long long i = 0; i < ntasks; i++)
			new_task(&sd, task_start(from, sd.end - 10 * MIN_MS));
		qsort(sd.tasks, sd.ntasks, sizeof *sd.tasks, cmp_start);
		/* about 9.5 events for a task's first exchange; ~8 per further one */
		double per_task = ntasks ? (double)(nevents - nclients) / (double)ntasks : 0;
		double extra = per_task > 9.5 ? (per_task - 9.5) / 8.0 : 0;
		for (size_t i = 0; i < sd.ntasks; i++) {
			int rounds = 0;
			/* geometric with mean `extra` */
			double p = extra / (1.0 + extra);
			while (extra > 0 && chance(p) && rounds < 40)
				rounds++;
			task_flow(&sd, (int32_t)i, rounds, 1);
		}
		/* client_created just before each client's first message */
		int64_t *first = xcalloc(sd.nclients, sizeof *first);
		for (size_t i = 0; i < sd.ntasks; i++) {
			int32_t c = sd.tasks[i].client;
			if (!first[c] || sd.tasks[i].start < first[c])
				first[c] = sd.tasks[i].start;
		}
		for (size_t c = 0; c < sd.nclients; c++) {
			int64_t at = first[c] ? first[c] - 1 : from;
			sd.clients[c].created_at = at;
			emit(&sd, at, K_CLIENT_CREATED, -1, (int32_t)c, -1, -2);
		}
		free(first);
	}
	drop_after(&sd, 0, sd.end);
	qsort(sd.evs, sd.nevs, sizeof *sd.evs, cmp_event);
	replay(&sd);
	adjust(&sd, (size_t)nevents);
	qsort(sd.evs, sd.nevs, sizeof *sd.evs, cmp_event);
	replay(&sd);
	int64_t t1 = mono_ms();
	if (write_all(s, &sd, append) != 0) {
		fprintf(stderr, "switchboard seed-demo: nothing was written\n");
		goto out;
	}
	int64_t t2 = mono_ms();
	size_t newtasks = 0;
	for (size_t i = 0; i < sd.ntasks; i++)
		newtasks += !sd.tasks[i].existing;
	printf("seed-demo: %zu clients, %zu tasks, %zu messages, %zu events%s (generated in %.1f s, written in %.1f s)\n",
	       append ? (size_t)0 : sd.nclients, newtasks, sd.nmsgs, sd.nevs, append ? " appended" : "",
	       (double)(t1 - t0) / 1000.0, (double)(t2 - t1) / 1000.0);
	rc = 0;
out:
	free(sd.clients);
	free(sd.tasks);
	free(sd.evs);
	free(sd.msgs);
	free(sd.weights);
	store_close(s);
	return rc;
}
