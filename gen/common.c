/*
 * common.c - small pieces the generator's files share: the label tables,
 * string interning, hashing and date/duration formatting.  Nothing here
 * touches the database or the file system.
 */
#include "gen/gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const gen_type_names[NTYPES] = {"bug", "consult", "feature_request", "question", "other"};
const char *const gen_type_labels[NTYPES] = {"Bug", "Consultation", "Feature request", "Question", "Other"};
const char *const gen_urg_names[NURG] = {"urgent", "medium", "low"};
const char *const gen_urg_labels[NURG] = {"Urgent", "Medium", "Low"};
const char *const gen_status_names[NSTATUS] = {"open", "waiting", "approved", "closed"};
const char *const gen_status_labels[NSTATUS] = {"Open", "Waiting for the client", "Approved", "Closed"};
const char *const gen_age_labels[NAGES] = {"under 1 day", "1–3 days", "3–7 days", "7–30 days", "over 30 days"};

static int index_of(const char *const *names, int n, const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int gen_type_index(const char *s)
{
	return index_of(gen_type_names, NTYPES, s);
}

int gen_urg_index(const char *s)
{
	return index_of(gen_urg_names, NURG, s);
}

int gen_status_index(const char *s)
{
	return index_of(gen_status_names, NSTATUS, s);
}

/* ---- hashing (FNV-1a, 64 bit): change detection, not security ---- */

uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

uint64_t hash_fast(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	const uint64_t K = 0x9e3779b97f4a7c15ULL;
	/* four independent lanes, 32 bytes a round */
	uint64_t l0 = h, l1 = h ^ 0x243f6a8885a308d3ULL, l2 = h ^ 0x13198a2e03707344ULL, l3 = h ^ 0xa4093822299f31d0ULL;
	while (n >= 32) {
		uint64_t w[4];
		memcpy(w, b, 32);
		l0 = (l0 ^ w[0]) * K;
		l1 = (l1 ^ w[1]) * K;
		l2 = (l2 ^ w[2]) * K;
		l3 = (l3 ^ w[3]) * K;
		l0 ^= l0 >> 32;
		l1 ^= l1 >> 32;
		l2 ^= l2 >> 32;
		l3 ^= l3 >> 32;
		b += 32;
		n -= 32;
	}
	h = (l0 ^ (l1 * 3) ^ (l2 * 5) ^ (l3 * 7)) * K;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h = (h ^ w) * K;
		h ^= h >> 32;
		b += 8;
		n -= 8;
	}
	uint64_t w = 0;
	if (n)
		memcpy(&w, b, n);
	h = (h ^ w ^ ((uint64_t)n << 56)) * K;
	return h ^ (h >> 29);
}

uint64_t hash_str(uint64_t h, const char *s)
{
	s = s ? s : "";
	return hash_bytes(h, s, strlen(s) + 1); /* the NUL separates fields */
}

uint64_t hash_i64(uint64_t h, int64_t v)
{
	return hash_bytes(h, &v, sizeof v);
}

/* ---- interning ---- */

static char **strs;
static size_t nstrs, capstrs;
static uint32_t *slots; /* open addressing: index+1, 0 empty */
static size_t nslots;

static uint32_t slot_of(const char *s, size_t *pos)
{
	size_t mask = nslots - 1;
	size_t i = (size_t)hash_str(HASH_SEED, s) & mask;
	while (slots[i]) {
		if (strcmp(strs[slots[i] - 1], s) == 0) {
			*pos = i;
			return slots[i] - 1;
		}
		i = (i + 1) & mask;
	}
	*pos = i;
	return UINT32_MAX;
}

uint32_t gen_intern(const char *s)
{
	if (!s || !*s)
		return 0;
	if (!slots) {
		nslots = 1024;
		slots = xcalloc(nslots, sizeof *slots);
		capstrs = 512;
		strs = xmalloc(capstrs * sizeof *strs);
		strs[nstrs++] = xstrdup("");
	}
	size_t pos;
	uint32_t found = slot_of(s, &pos);
	if (found != UINT32_MAX)
		return found;
	if (nstrs + 1 > nslots / 2) {
		size_t n2 = nslots * 2;
		uint32_t *s2 = xcalloc(n2, sizeof *s2);
		for (size_t i = 1; i < nstrs; i++) {
			size_t j = (size_t)hash_str(HASH_SEED, strs[i]) & (n2 - 1);
			while (s2[j])
				j = (j + 1) & (n2 - 1);
			s2[j] = (uint32_t)i + 1;
		}
		free(slots);
		slots = s2;
		nslots = n2;
		slot_of(s, &pos);
	}
	if (nstrs == capstrs) {
		capstrs *= 2;
		strs = xrealloc(strs, capstrs * sizeof *strs);
	}
	strs[nstrs] = xstrdup(s);
	slots[pos] = (uint32_t)nstrs + 1;
	return (uint32_t)nstrs++;
}

const char *gen_str(uint32_t i)
{
	if (i == 0 || i >= nstrs)
		return "";
	return strs[i];
}

void gen_phase(const char *name)
{
	static int enabled = -1;
	static int64_t last;
	if (enabled < 0) {
		const char *v = getenv("SWITCHBOARD_GEN_TIMING");
		enabled = v && *v && strcmp(v, "0") != 0;
		last = mono_ms();
	}
	if (!enabled)
		return;
	int64_t now = mono_ms();
	fprintf(stderr, "switchboard-gen: %-24s %6lld ms\n", name, (long long)(now - last));
	last = now;
}

/* ---- formatting ---- */


/* Calendar fields of a unix time, without gmtime (called for every
 * timestamp of every page): days to civil date after Howard Hinnant's
 * algorithm, fields narrowed to their ranges. */
typedef struct {
	unsigned year, mon, mday, hour, min, sec;
} Ymd;

static Ymd ymd(int64_t ms)
{
	int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400;
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	unsigned doe = (unsigned)(days - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	Ymd d;
	d.mday = doy - (153 * mp + 2) / 5 + 1;
	d.mon = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = (int64_t)yoe + era * 400 + (d.mon <= 2);
	d.year = (unsigned)(y < 0 ? 0 : y % 10000);
	d.hour = (unsigned)(rem / 3600);
	d.min = (unsigned)(rem / 60 % 60);
	d.sec = (unsigned)(rem % 60);
	return d;
}

static char *put2(char *p, unsigned v)
{
	*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

static char *put_date(char *p, const Ymd *d)
{
	p = put2(p, d->year / 100);
	p = put2(p, d->year % 100);
	*p++ = '-';
	p = put2(p, d->mon);
	*p++ = '-';
	return put2(p, d->mday);
}

void fmt_time(char out[32], int64_t ms)
{
	Ymd d = ymd(ms);
	char *p = put_date(out, &d);
	*p++ = ' ';
	p = put2(p, d.hour);
	*p++ = ':';
	p = put2(p, d.min);
	memcpy(p, " UTC", 5);
}

void fmt_rfc3339(char out[32], int64_t ms)
{
	Ymd d = ymd(ms);
	char *p = put_date(out, &d);
	*p++ = 'T';
	p = put2(p, d.hour);
	*p++ = ':';
	p = put2(p, d.min);
	*p++ = ':';
	p = put2(p, d.sec);
	memcpy(p, "Z", 2);
}

void fmt_day(char out[16], int32_t day)
{
	Ymd d = ymd((int64_t)day * DAY_MS);
	*put_date(out, &d) = '\0';
}

void buf_fixed1(Buf *b, double x)
{
	char tmp[32], *p = tmp + sizeof tmp;
	int neg = x < 0;
	long long v = (long long)((neg ? -x : x) * 10.0 + 0.5);
	*--p = (char)('0' + v % 10);
	*--p = '.';
	v /= 10;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		*--p = '-';
	buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

void buf_int(Buf *b, int64_t v)
{
	char tmp[24], *p = tmp + sizeof tmp;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

int32_t month_of(int64_t ms)
{
	Ymd d = ymd(ms);
	return (int32_t)(d.year * 100 + d.mon);
}

void fmt_month(char out[16], int32_t m)
{
	snprintf(out, 16, "%04u-%02u", (unsigned)(m / 100) % 10000u, (unsigned char)(m % 100));
}

void fmt_month_name(char out[32], int32_t m)
{
	static const char *const names[12] = {"January", "February", "March",     "April",   "May",      "June",
					      "July",    "August",   "September", "October", "November", "December"};
	int mon = m % 100;
	snprintf(out, 32, "%s %04u", names[mon >= 1 && mon <= 12 ? mon - 1 : 0], (unsigned)(m / 100) % 10000u);
}

/* Tenths of v into p ("12.3"); returns the end. */
static char *put_tenths(char *p, int64_t tenths)
{
	char tmp[24], *t = tmp + sizeof tmp;
	*--t = (char)('0' + tenths % 10);
	*--t = '.';
	tenths /= 10;
	do {
		*--t = (char)('0' + tenths % 10);
		tenths /= 10;
	} while (tenths);
	size_t len = (size_t)(tmp + sizeof tmp - t);
	memcpy(p, t, len);
	return p + len;
}

void fmt_duration(char *out, size_t n, int64_t ms)
{
	if (n < 24) {
		if (n)
			out[0] = '\0';
		return;
	}
	if (ms < 0) {
		strcpy(out, "—");
		return;
	}
	/* (called for every row of every task list: no printf) */
	int64_t s = ms / 1000;
	char *p = out;
	const char *unit;
	if (s < 60) {
		p += snprintf(p, n, "%lld", (long long)s);
		unit = " s";
	} else if (s < 3600) {
		p += snprintf(p, n, "%lld", (long long)(s / 60));
		unit = " min";
	} else if (s < 48 * 3600) {
		p = put_tenths(p, (s * 10 + 1800) / 3600);
		unit = " h";
	} else {
		p = put_tenths(p, (s * 10 + 43200) / 86400);
		unit = " d";
	}
	strcpy(p, unit);
}
