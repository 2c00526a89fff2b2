/*
 * test_artifacts.c - the artifact repository (lib/store/artifacts.c): commit,
 * read, history, diff, delete, refused paths, slugs, and concurrent
 * writers (several processes and several threads committing at once: no
 * commit lost, every file there).  Each run works in a fresh temporary
 * directory; the repository is also checked with the git command line
 * when it is installed.
 */
#include "store/artifacts.h"
#include "tap.h"

#include <git2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char repo[512];
static const ArtifactAuthor ada = {"Ada Lovelace", "ada@users.switchboard.invalid"};
static const ArtifactAuthor ai = {"Switchboard AI worker", "ai-worker@switchboard.invalid"};

static int commit_text(const char *path, const char *text, const ArtifactAuthor *a, const char *msg, char hex[41])
{
	char *err = NULL;
	int rc = artifact_commit(repo, path, text, text ? strlen(text) : 0, a, msg, hex, &err);
	if (rc != 0)
		printf("# commit %s: %s\n", path, err ? err : "?");
	free(err);
	return rc;
}

/* The file at path as of commit (NULL: tip), or NULL when absent. */
static char *read_text(const char *path, const char *commit)
{
	Buf b = {0};
	char *err = NULL;
	int rc = artifact_read(repo, path, commit, &b, &err);
	free(err);
	if (rc != 0) {
		buf_free(&b);
		return NULL;
	}
	if (!b.s)
		buf_puts(&b, "");
	return buf_detach(&b);
}

static int history_count(const char *path)
{
	ArtifactVersion *v = NULL;
	char *err = NULL;
	int n = artifact_history(repo, path, &v, 100000, &err);
	free(err);
	free(v);
	return n;
}

/* Commits reachable from the branch (libgit2 directly, not our code). */
static int branch_commits(void)
{
	git_repository *r = NULL;
	git_revwalk *w = NULL;
	git_oid oid;
	int n = 0;
	if (git_repository_open_bare(&r, repo) != 0)
		return -1;
	if (git_revwalk_new(&w, r) == 0 && git_revwalk_push_ref(w, ARTIFACT_BRANCH) == 0)
		while (git_revwalk_next(&oid, w) == 0)
			n++;
	git_revwalk_free(w);
	git_repository_free(r);
	return n;
}

static void test_basics(void)
{
	char *err = NULL;
	ok(artifact_repo_init(repo, &err) == 0, "init creates the bare repository");
	free(err);
	err = NULL;
	ok(artifact_repo_init(repo, &err) == 0, "init again is harmless");
	free(err);
	char head[600];
	snprintf(head, sizeof head, "%s/HEAD", repo);
	size_t len = 0;
	char *h = read_file(head, &len);
	is_str(h, "ref: refs/heads/main\n", "HEAD names refs/heads/main");
	free(h);

	ok(read_text("clients/acme-1/documents/a.txt", NULL) == NULL, "nothing to read in an empty repository");
	ArtifactVersion *v = NULL;
	err = NULL;
	is_int(artifact_history(repo, "clients/acme-1/documents/a.txt", &v, 10, &err), 0, "no history yet");
	free(v);
	free(err);

	const char *prd = "clients/acme-1/tasks/12-dark-mode/prd.md";
	char c1[41], c2[41], c3[41], c4[41], c5[41];
	ok(commit_text(prd, "# Dark mode\n\nline one\nline two\n", &ai, "Draft the PRD for task 12 (Dark mode)", c1) == 0,
	   "first commit");
	is_int(strlen(c1), 40, "commit id is 40 hex digits");
	char *t = read_text(prd, NULL);
	is_str(t, "# Dark mode\n\nline one\nline two\n", "read back at the tip");
	free(t);
	ok(commit_text(prd, "# Dark mode\n\nline one\nline 2\nline three\n", &ada, "Edit the PRD of task 12", c2) == 0,
	   "second commit");
	ok(strcmp(c1, c2) != 0, "a new commit id");
	t = read_text(prd, c1);
	is_str(t, "# Dark mode\n\nline one\nline two\n", "read as of the first commit");
	free(t);
	ok(commit_text("clients/acme-1/documents/other.txt", "x\n", &ada, "Add other.txt", c3) == 0,
	   "a commit of another path");

	/* Same content again: no new commit, the version already there. */
	ok(commit_text(prd, "# Dark mode\n\nline one\nline 2\nline three\n", &ada, "Save again", c4) == 0,
	   "committing identical content succeeds");
	is_str(c4, c2, "...and answers the commit that wrote that content");
	is_int(branch_commits(), 3, "...without a new commit");

	err = NULL;
	v = NULL;
	int n = artifact_history(repo, prd, &v, 10, &err);
	is_int(n, 2, "history: the two commits that touched the path (not the other file's)");
	if (n == 2) {
		is_str(v[0].commit, c2, "newest first");
		is_str(v[1].commit, c1, "then the first");
		is_str(v[0].author, "Ada Lovelace", "author name kept");
		is_str(v[0].email, "ada@users.switchboard.invalid", "author email kept");
		is_str(v[1].author, "Switchboard AI worker", "the AI worker is named as such");
		is_str(v[0].message, "Edit the PRD of task 12", "message first line");
		ok(!v[0].deleted && !v[1].deleted, "not deletions");
		ok(v[0].time > 1600000000, "author time");
	}
	free(v);
	free(err);
	v = NULL;
	err = NULL;
	is_int(artifact_history(repo, prd, &v, 1, &err), 1, "history honours max");
	free(v);
	free(err);

	Buf d = {0};
	err = NULL;
	ok(artifact_diff(repo, prd, c1, c2, &d, &err) == 0, "diff between two versions");
	free(err);
	const char *ds = buf_cstr(&d);
	ok(strstr(ds, "-line two\n") && strstr(ds, "+line 2\n") && strstr(ds, "+line three\n"), "unified diff lines");
	ok(strstr(ds, "--- a/clients/acme-1/tasks/12-dark-mode/prd.md") != NULL, "diff names the path");
	buf_reset(&d);
	err = NULL;
	ok(artifact_diff(repo, prd, c2, c2, &d, &err) == 0 && d.len == 0, "diff of a version with itself is empty");
	free(err);
	buf_free(&d);

	/* Binary content: read back byte for byte, no text diff. */
	const char bin1[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", bin2[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDX";
	char b1[41], b2[41];
	err = NULL;
	ok(artifact_commit(repo, "clients/acme-1/documents/shot.png", bin1, sizeof bin1 - 1, &ada, "Add shot.png", b1,
			   &err) == 0, "commit binary content");
	free(err);
	err = NULL;
	ok(artifact_commit(repo, "clients/acme-1/documents/shot.png", bin2, sizeof bin2 - 1, &ada, "Update shot.png",
			   b2, &err) == 0, "update binary content");
	free(err);
	Buf rb = {0};
	err = NULL;
	ok(artifact_read(repo, "clients/acme-1/documents/shot.png", b1, &rb, &err) == 0 && rb.len == sizeof bin1 - 1 &&
		   memcmp(rb.s, bin1, rb.len) == 0, "binary read back exactly (NUL bytes too)");
	free(err);
	buf_free(&rb);
	err = NULL;
	ok(artifact_diff(repo, "clients/acme-1/documents/shot.png", b1, b2, &d, &err) == -1 && err,
	   "no text diff of binary content");
	free(err);
	buf_free(&d);

	/* Delete: a commit that removes the path; history keeps it. */
	ok(commit_text(prd, NULL, &ada, "Delete prd.md from task 12", c5) == 0, "delete is a commit");
	ok(read_text(prd, NULL) == NULL, "deleted path is absent at the tip");
	t = read_text(prd, c2);
	ok(t != NULL, "still readable as of an earlier commit");
	free(t);
	v = NULL;
	err = NULL;
	n = artifact_history(repo, prd, &v, 10, &err);
	is_int(n, 3, "history lists the deletion");
	if (n == 3) {
		is_str(v[0].commit, c5, "deletion newest");
		ok(v[0].deleted, "deletion flagged");
	}
	free(v);
	free(err);
	t = read_text("clients/acme-1/documents/other.txt", NULL);
	is_str(t, "x\n", "other files untouched by the deletion");
	free(t);
	char c6[41];
	err = NULL;
	ok(artifact_commit(repo, prd, NULL, 0, &ada, "Delete again", c6, &err) == -1 && err,
	   "deleting a path that is not there is refused");
	free(err);
	err = NULL;
	ok(artifact_diff(repo, prd, c2, c5, &d, &err) == 0 && strstr(buf_cstr(&d), "+++ /dev/null"),
	   "diff against the deletion");
	free(err);
	buf_free(&d);

	err = NULL;
	Buf x = {0};
	ok(artifact_read(repo, "clients/acme-1/documents/other.txt", "0123456789012345678901234567890123456789", &x,
			 &err) == -1 && err, "unknown commit id refused");
	free(err);
	err = NULL;
	ok(artifact_read(repo, "clients/acme-1/documents/other.txt", "HEAD~1", &x, &err) == -1 && err,
	   "only full commit ids (no revision syntax)");
	free(err);
	buf_free(&x);
	ok(read_text("clients/acme-1/documents", NULL) == NULL, "a directory is not a file");
}

static void test_bad_paths(void)
{
	static const char *const bad[] = {
		"", "/etc/passwd", "../outside.txt", "clients/../../x", "a//b", "a/./b", "a/b/", ".git/config",
		"clients/.GIT/hooks/x", "a\\b", "a/b\x01", "a/..", ".", "..",
	};
	int before = branch_commits();
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char hex[41], *err = NULL;
		int rc = artifact_commit(repo, bad[i], "x", 1, &ada, "bad", hex, &err);
		ok(rc == -1 && err && strstr(err, "refused path"), "path refused: \"%s\"", bad[i]);
		free(err);
		Buf b = {0};
		err = NULL;
		ok(artifact_read(repo, bad[i], NULL, &b, &err) == -1, "read refused: \"%s\"", bad[i]);
		free(err);
		buf_free(&b);
	}
	is_int(branch_commits(), before, "no commit made by refused paths");
	char hex[41], *err = NULL;
	ok(artifact_commit(repo, "a.txt", "x", 1, &ada, "", hex, &err) == -1, "an empty message is refused");
	free(err);
	err = NULL;
	ArtifactAuthor odd = {"Eve <evil>\nInjected: header", "eve@example.com>"};
	ok(artifact_commit(repo, "clients/x/odd.txt", "odd", 3, &odd, "Odd author", hex, &err) == 0,
	   "an author with <, > and a newline is cleaned, not refused");
	free(err);
	ArtifactVersion *v = NULL;
	err = NULL;
	if (artifact_history(repo, "clients/x/odd.txt", &v, 1, &err) == 1)
		is_str(v[0].author, "Eve evilInjected: header", "cleaned author name");
	else
		ok(0, "history of the odd author");
	free(v);
	free(err);
}

static void test_slug(void)
{
	char s[32];
	artifact_slug("Dark mode for the dashboard!", s, sizeof s);
	is_str(s, "dark-mode-for-the-dashboard", "slug: words and punctuation");
	artifact_slug("  Café Crème — Müller & Söhne  ", s, sizeof s);
	is_str(s, "cafe-creme-muller-sohne", "slug: accents dropped, other characters are separators");
	artifact_slug("../../etc/passwd", s, sizeof s);
	is_str(s, "etc-passwd", "slug: no dots or slashes");
	artifact_slug("日本語", s, sizeof s);
	is_str(s, "untitled", "slug: never empty");
	artifact_slug(NULL, s, sizeof s);
	is_str(s, "untitled", "slug: NULL text");
	artifact_slug("abcdefghij klmnopqrstuvwxyz", s, 12);
	is_str(s, "abcdefghij", "slug: cut to the size, no trailing dash");
	ok(strlen(s) < 12, "slug fits in maxlen bytes with its NUL");
}

/* ---- concurrent writers ------------------------------------------------ */

#define PROCS 6
#define PER_PROC 12
#define THREADS 4
#define PER_THREAD 10

/* Each writer commits its own files and also rewrites one shared file. */
static int writer(const char *who, int n)
{
	int failures = 0;
	for (int i = 0; i < n; i++) {
		char path[128], text[128], msg[128], hex[41];
		snprintf(path, sizeof path, "clients/load-1/documents/%s-%02d.txt", who, i);
		snprintf(text, sizeof text, "%s wrote %d\n", who, i);
		snprintf(msg, sizeof msg, "Add %s-%02d.txt", who, i);
		ArtifactAuthor a = {who, "load@switchboard.invalid"};
		char *err = NULL;
		if (artifact_commit(repo, path, text, strlen(text), &a, msg, hex, &err) != 0) {
			fprintf(stderr, "%s: %s\n", who, err ? err : "?");
			failures++;
		}
		free(err);
		err = NULL;
		snprintf(msg, sizeof msg, "Shared line by %s %d", who, i);
		if (artifact_commit(repo, "clients/load-1/shared.txt", text, strlen(text), &a, msg, hex, &err) != 0) {
			fprintf(stderr, "%s shared: %s\n", who, err ? err : "?");
			failures++;
		}
		free(err);
	}
	return failures;
}

static void *thread_main(void *arg)
{
	char who[16];
	snprintf(who, sizeof who, "thread%d", (int)(intptr_t)arg);
	return (void *)(intptr_t)writer(who, PER_THREAD);
}

static void test_concurrency(void)
{
	int before = branch_commits();
	pid_t pids[PROCS];
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		if (pids[p] == 0) {
			char who[16];
			snprintf(who, sizeof who, "proc%d", p);
			_exit(writer(who, PER_PROC) ? 1 : 0);
		}
	}
	int all_ok = 1;
	for (int p = 0; p < PROCS; p++) {
		int st = 0;
		waitpid(pids[p], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			all_ok = 0;
	}
	ok(all_ok, "%d processes committed %d files each (and a shared file) without an error", PROCS, PER_PROC);
	int after_procs = branch_commits();
	/* Every own file is a commit; a shared write is a commit unless its
	 * content equals the tip's (another writer's identical line never
	 * happens: each text names its writer and number). */
	is_int(after_procs - before, PROCS * PER_PROC * 2, "every commit of every process is on the branch");
	int files = 1;
	for (int p = 0; p < PROCS; p++)
		for (int i = 0; i < PER_PROC; i++) {
			char path[128], want[64];
			snprintf(path, sizeof path, "clients/load-1/documents/proc%d-%02d.txt", p, i);
			snprintf(want, sizeof want, "proc%d wrote %d\n", p, i);
			char *t = read_text(path, NULL);
			if (!t || strcmp(t, want) != 0)
				files = 0;
			free(t);
		}
	ok(files, "every process's file is at the tip with its content");
	is_int(history_count("clients/load-1/shared.txt"), PROCS * PER_PROC,
	       "the shared file has one version per write, none lost");

	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, thread_main, (void *)(intptr_t)i);
	int fails = 0;
	for (int i = 0; i < THREADS; i++) {
		void *r;
		pthread_join(th[i], &r);
		fails += (int)(intptr_t)r;
	}
	is_int(fails, 0, "%d threads committed without an error", THREADS);
	is_int(branch_commits() - after_procs, THREADS * PER_THREAD * 2, "every commit of every thread is on the branch");
	is_int(history_count("clients/load-1/shared.txt"), PROCS * PER_PROC + THREADS * PER_THREAD,
	       "shared file history complete");
}

/* The git command line agrees (fsck, log), when git is installed. */
static void test_git_cli(void)
{
	if (system("git --version >/dev/null 2>&1") != 0) {
		ok(1, "# SKIP git is not installed");
		return;
	}
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "git --git-dir='%s' fsck --strict --no-dangling >/dev/null 2>&1", repo);
	is_int(system(cmd), 0, "git fsck finds the repository sound");
	snprintf(cmd, sizeof cmd,
		 "test \"$(git --git-dir='%s' log --format=%%an -1 -- clients/acme-1/tasks/12-dark-mode/prd.md)\" = "
		 "'Ada Lovelace'", repo);
	is_int(system(cmd), 0, "git log names the author of the last change of a path");
	snprintf(cmd, sizeof cmd, "test \"$(git --git-dir='%s' config --bool http.receivepack)\" = false", repo);
	is_int(system(cmd), 0, "http.receivepack is off in the repository");
}

int main(void)
{
	char tmpl[] = "/tmp/sb-artifacts.XXXXXX";
	char *dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(repo, sizeof repo, "%s/artifacts.git", dir);
	test_basics();
	test_bad_paths();
	test_slug();
	test_concurrency();
	test_git_cli();
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (!getenv("SB_KEEP") && system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return done_testing();
}
