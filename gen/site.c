/*
 * site.c - the generator's files, and how a reader never sees a
 * half-written page or a half-updated report.
 *
 * Layout of the output directory:
 *
 *   index.html, usage.csv          the overview (administrators)
 *   clients/ID -> ../v/ID-N        one symlink per client: its report
 *   v/ID-N/                        one version of a client's report:
 *       index.html tasks.html usage.csv feed.atom
 *       tasks-YYYY-MM.html, .csv   its task list, a month a file
 *       tasks -> ../../t/ID-G      its task pages
 *   t/ID-G/TASK.html               a client's task timelines
 *   .gen/state, .gen/lock          the generator's own state and lock
 *
 * How the site changes (the choice, and why):
 *
 *  - A client's report pages (index, task list, CSV exports, feed) are
 *    written into a fresh version directory no URL leads to (files inside
 *    it are written directly: the directory is their temporary name), then
 *    a new symlink is renamed over clients/ID.  rename() is atomic, so a
 *    reader sees the old report or the new one, never a mix of the two.
 *
 *  - Task timelines are the bulk (some 100,000 pages) and change a few at
 *    a time, so an incremental run does not copy them into each version:
 *    it replaces each changed page in place, through a temporary name and
 *    rename(), *before* swapping in the report that links to it (so a
 *    report never links to a page that is not there yet, and a page is
 *    never older than the report that shows it).  A full build writes all
 *    of them into a fresh t/ID-G directory, reached only through the new
 *    version's tasks symlink.  Pages of tasks that no longer exist are
 *    deleted after the report without them is swapped in.
 *
 *  - The overview is a handful of files, each replaced through a temporary
 *    name, after every client has been swapped, so it only links to
 *    reports that exist; clients that no longer exist lose their clients/ID
 *    link after that.
 *
 * Building one whole new copy of the site per run and swapping one symlink
 * would be simpler to state but would have to copy or hard-link ~100,000
 * unchanged pages on every run, which an incremental run (at most a
 * second) cannot afford.
 *
 * A version or page directory that stopped being referenced is kept for
 * a grace period (30 s, SWITCHBOARD_GEN_GRACE_SECONDS): a request that
 * resolved the link just before the swap still finds its file (see
 * fcgi/pages/page_reports.c).  After that, a client's newest replaced version
 * is kept as its *spare* for GEN_SPARE_MS (10 minutes): the
 * next new version of that client is the spare renamed, its files
 * overwritten in place (site_write_over) or re-linked, instead of a new
 * directory of new files.  Creating and deleting files is most of what
 * publishing a report costs (allocating and freeing inodes and blocks), so
 * a client whose report changes every run reuses the same two directories
 * and files.  Other replaced directories are deleted by a later run, as
 * are directories nothing refers to (a crashed run's).
 */
#include "gen/gen.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GEN_SPARE_MS 600000
#define TRASH_MAX 1000 /* directories waiting to be deleted */

/* The grace period: 30 s, or SWITCHBOARD_GEN_GRACE_SECONDS. */
static int64_t grace_ms(void)
{
	static int64_t ms = -1;
	if (ms < 0) {
		const char *v = getenv("SWITCHBOARD_GEN_GRACE_SECONDS");
		long long secs = v && *v ? strtoll(v, NULL, 10) : 30;
		ms = secs < 0 ? 0 : secs > 86400 ? 86400000 : secs * 1000;
	}
	return ms;
}

int site_mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
		return -1;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

int site_write(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, data, len) != 0) {
		fprintf(stderr, "switchboard-gen: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (close(fd) != 0) {
		fprintf(stderr, "switchboard-gen: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int site_write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
	if (site_write(tmp, data, len) != 0) {
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		fprintf(stderr, "switchboard-gen: cannot rename %s: %s\n", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int rm_at(int dirfd, const char *name);

int site_write_over(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		/* Only a regular file no other version links to is ours to
		 * overwrite; the tail is cut after the new bytes are in, so
		 * blocks are reused rather than freed and allocated again. */
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1) {
			int rc = write_all(fd, data, len) == 0 && ftruncate(fd, (off_t)len) == 0 ? 0 : -1;
			if (close(fd) != 0)
				rc = -1;
			if (rc != 0)
				fprintf(stderr, "switchboard-gen: cannot write %s: %s\n", path, strerror(errno));
			return rc;
		}
		close(fd);
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		fprintf(stderr, "switchboard-gen: cannot replace %s: %s\n", path, strerror(errno));
		return -1;
	}
	return site_write(path, data, len);
}

int site_link_over(const char *from, const char *to)
{
	struct stat a, b;
	if (lstat(to, &b) == 0) {
		if (stat(from, &a) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return 0; /* the same file already */
		if (unlink(to) != 0)
			return -1;
	}
	return link(from, to);
}

int site_prune(const char *dir, const char *const *keep, size_t nkeep)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int fd = dirfd(d), rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		size_t i = 0;
		while (i < nkeep && strcmp(keep[i], de->d_name) != 0)
			i++;
		if (i == nkeep && rm_at(fd, de->d_name) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

static int rm_at(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (rm_at(fd, de->d_name) != 0)
			rc = -1;
	}
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

int site_rm_rf(const char *path)
{
	return rm_at(AT_FDCWD, path);
}

char *site_version_dir(Gen *g, int64_t client_id, int64_t version)
{
	return xasprintf("%s/v/%lld-%lld", g->out, (long long)client_id, (long long)version);
}

char *site_tasks_dir(Gen *g, int64_t client_id, int64_t tgen)
{
	return xasprintf("%s/t/%lld-%lld", g->out, (long long)client_id, (long long)tgen);
}

int site_link_tasks(Gen *g, int64_t client_id, int64_t version, int64_t tgen)
{
	char target[64], link[PATH_MAX];
	snprintf(target, sizeof target, "../../t/%lld-%lld", (long long)client_id, (long long)tgen);
	snprintf(link, sizeof link, "%s/v/%lld-%lld/tasks", g->out, (long long)client_id, (long long)version);
	if (site_version_tasks(g, client_id, version) == tgen)
		return 0; /* (a reused version that links there already) */
	unlink(link);
	if (symlink(target, link) != 0) {
		fprintf(stderr, "switchboard-gen: cannot link %s: %s\n", link, strerror(errno));
		return -1;
	}
	return 0;
}

int64_t site_version_tasks(Gen *g, int64_t client_id, int64_t version)
{
	char link[PATH_MAX], target[128];
	snprintf(link, sizeof link, "%s/v/%lld-%lld/tasks", g->out, (long long)client_id, (long long)version);
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	long long cid, gen;
	char tail;
	if (sscanf(target, "../../t/%lld-%lld%c", &cid, &gen, &tail) != 2 || cid != client_id || gen <= 0)
		return 0;
	return gen;
}

int site_swap(Gen *g, int64_t client_id, int64_t version)
{
	char target[64], link[PATH_MAX], tmp[PATH_MAX];
	snprintf(target, sizeof target, "../v/%lld-%lld", (long long)client_id, (long long)version);
	snprintf(link, sizeof link, "%s/clients/%lld", g->out, (long long)client_id);
	snprintf(tmp, sizeof tmp, "%s/clients/.%lld.tmp", g->out, (long long)client_id);
	unlink(tmp);
	if (symlink(target, tmp) != 0 || rename(tmp, link) != 0) {
		fprintf(stderr, "switchboard-gen: cannot point %s at %s: %s\n", link, target, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int64_t site_current(Gen *g, int64_t client_id)
{
	char link[PATH_MAX], target[128];
	snprintf(link, sizeof link, "%s/clients/%lld", g->out, (long long)client_id);
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	long long cid, ver;
	char tail;
	if (sscanf(target, "../v/%lld-%lld%c", &cid, &ver, &tail) != 2 || cid != client_id || ver <= 0)
		return 0;
	return ver;
}

void site_retire(Gen *g, int kind, int64_t client_id, int64_t number)
{
	if (number <= 0)
		return;
	for (size_t i = 0; i < g->nretired; i++)
		if (g->retired[i].kind == kind && g->retired[i].client_id == client_id && g->retired[i].number == number)
			return;
	if (g->nretired == g->capretired) {
		g->capretired = g->capretired ? g->capretired * 2 : 64;
		g->retired = xrealloc(g->retired, g->capretired * sizeof *g->retired);
	}
	g->retired[g->nretired++] = (Retired){client_id, number, now_ms(), kind, 0};
}

int site_unlink_client(Gen *g, int64_t client_id)
{
	int64_t ver = site_current(g, client_id);
	int64_t tgen = ver ? site_version_tasks(g, client_id, ver) : 0;
	char link[PATH_MAX];
	snprintf(link, sizeof link, "%s/clients/%lld", g->out, (long long)client_id);
	if (unlink(link) != 0 && errno != ENOENT) {
		fprintf(stderr, "switchboard-gen: cannot remove %s: %s\n", link, strerror(errno));
		return -1;
	}
	site_retire(g, RET_VERSION, client_id, ver);
	site_retire(g, RET_TASKS, client_id, tgen);
	g->removed++;
	return 0;
}

static int past_grace(const Retired *r, int64_t now)
{
	return now - r->retired_at >= grace_ms() || r->retired_at > now;
}

int64_t site_spare(Gen *g, int64_t client_id, int64_t now)
{
	int64_t best = 0;
	for (size_t i = 0; i < g->nretired; i++) {
		const Retired *r = &g->retired[i];
		if (r->kind == RET_VERSION && r->client_id == client_id && r->number > best && past_grace(r, now))
			best = r->number;
	}
	return best;
}

void site_unretire(Gen *g, int kind, int64_t client_id, int64_t number)
{
	for (size_t i = 0; i < g->nretired; i++)
		if (g->retired[i].kind == kind && g->retired[i].client_id == client_id &&
		    g->retired[i].number == number) {
			g->retired[i] = g->retired[--g->nretired];
			return;
		}
}

static int is_retired(Gen *g, int kind, long long cid, long long n)
{
	for (size_t i = 0; i < g->nretired; i++)
		if (g->retired[i].kind == kind && g->retired[i].client_id == cid && g->retired[i].number == n)
			return 1;
	return 0;
}

/* Deleting is slow (a full build's old pages are 100,000 files), so
 * directories to delete are first renamed into .gen/trash (instant), and
 * each run empties the trash for at most its time budget. */
static void to_trash(Gen *g, const char *path)
{
	static unsigned counter;
	const char *base = strrchr(path, '/');
	char *dst = xasprintf("%s/.gen/trash/%s.%ld.%u", g->out, base ? base + 1 : path, (long)getpid(), counter++);
	if (rename(path, dst) != 0 && errno != ENOENT)
		site_rm_rf(path);
	free(dst);
}

/* Delete dirfd/name; 1 when done, 0 when the deadline came first. */
static int rm_until(int dirfd, const char *name, int64_t deadline, unsigned *ops)
{
	if (++*ops % 128 == 0 && mono_ms() > deadline)
		return 0;
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 1;
	if (errno != EISDIR && errno != EPERM)
		return 1; /* cannot delete it: leave it, do not loop */
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 1;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 1;
	}
	struct dirent *de;
	int done = 1;
	while (done && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		done = rm_until(fd, de->d_name, deadline, ops);
	}
	closedir(d);
	if (done)
		unlinkat(dirfd, name, AT_REMOVEDIR);
	return done;
}

/* Move DIR/NAME entries ("ID-N") that are neither in use nor retired to
 * the trash.  keep: (client, tgen) pairs of retired versions' task pages,
 * which stay as long as their version does. */
static void trash_orphans(Gen *g, const char *sub, int kind, const int64_t *keep, size_t nkeep)
{
	char *dir = xasprintf("%s/%s", g->out, sub);
	DIR *d = opendir(dir);
	if (!d) {
		free(dir);
		return;
	}
	struct dirent *de;
	char **doomed = NULL;
	size_t n = 0;
	while ((de = readdir(d))) {
		long long cid, num;
		char tail;
		if (de->d_name[0] == '.' || sscanf(de->d_name, "%lld-%lld%c", &cid, &num, &tail) != 2)
			continue;
		if (is_retired(g, kind, cid, num))
			continue;
		int kept = 0;
		for (size_t i = 0; i < nkeep && !kept; i++)
			kept = keep[2 * i] == cid && keep[2 * i + 1] == num;
		if (kept)
			continue;
		int64_t cur = site_current(g, cid);
		int64_t in_use = kind == RET_VERSION ? cur : (cur ? site_version_tasks(g, cid, cur) : 0);
		if (in_use == num)
			continue;
		doomed = xrealloc(doomed, (n + 1) * sizeof *doomed);
		doomed[n++] = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	for (size_t i = 0; i < n; i++) {
		to_trash(g, doomed[i]);
		free(doomed[i]);
	}
	free(doomed);
	free(dir);
}

void site_cleanup(Gen *g, int64_t budget_ms)
{
	int64_t now = now_ms(), deadline = mono_ms() + budget_ms;
	char *trash = xasprintf("%s/.gen/trash", g->out);
	site_mkdirs(trash);
	/* A client's spare is its newest version past the grace period,
	 * until it has waited GEN_SPARE_MS. */
	unsigned char *spare = xcalloc(g->nretired + 1, 1);
	for (size_t i = 0; i < g->nretired; i++) {
		const Retired *r = &g->retired[i];
		spare[i] = r->kind == RET_VERSION && r->retired_at <= now && now - r->retired_at < GEN_SPARE_MS &&
			   past_grace(r, now) && site_spare(g, r->client_id, now) == r->number;
	}
	size_t k = 0;
	for (size_t i = 0; i < g->nretired; i++) {
		Retired *r = &g->retired[i];
		if (past_grace(r, now) && !spare[i]) {
			char *dir = r->kind == RET_VERSION ? site_version_dir(g, r->client_id, r->number)
							   : site_tasks_dir(g, r->client_id, r->number);
			to_trash(g, dir);
			free(dir);
		} else {
			g->retired[k++] = *r;
		}
	}
	g->nretired = k;
	free(spare);
	int64_t *keep = xmalloc((g->nretired + 1) * 2 * sizeof *keep);
	size_t nkeep = 0;
	for (size_t i = 0; i < g->nretired; i++) {
		if (g->retired[i].kind != RET_VERSION)
			continue;
		keep[2 * nkeep] = g->retired[i].client_id;
		keep[2 * nkeep + 1] = site_version_tasks(g, g->retired[i].client_id, g->retired[i].number);
		nkeep++;
	}
	if (g->scan_orphans) {
		trash_orphans(g, "v", RET_VERSION, NULL, 0);
		trash_orphans(g, "t", RET_TASKS, keep, nkeep);
	}
	free(keep);
	/* Delete while the time budget lasts, and past it while the trash holds
	 * more than TRASH_MAX directories: a run that replaced many versions
	 * leaves some for the next ones, and the trash cannot grow run after
	 * run. */
	int fd = open(trash, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d) {
		struct dirent *de;
		size_t n = 0, deleted = 0;
		while ((de = readdir(d)))
			n += de->d_name[0] != '.';
		rewinddir(d);
		unsigned ops = 0;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			int64_t until = n - deleted > TRASH_MAX ? INT64_MAX : deadline;
			if (!rm_until(fd, de->d_name, until, &ops))
				break;
			deleted++;
		}
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	free(trash);
}
