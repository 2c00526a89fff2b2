/*
 * artifacts.c - the artifact repository (see artifacts.h): a bare git
 * repository written with libgit2, one commit per document version on
 * ARTIFACT_BRANCH.
 *
 * Every call opens the repository afresh and closes it before returning,
 * so no cached reference or object database state outlives a call: several
 * processes (FastCGI copies, workers, the command line) write at once.  A
 * commit is built on the branch tip and published with a compare-and-swap
 * of the reference (git_reference_create_matching): when another writer
 * moved the branch meanwhile, or holds its lock, the tree and commit are
 * rebuilt on the new tip and tried again, so no commit is ever lost.  The
 * objects of an abandoned attempt stay unreachable until `git gc`.
 *
 * This file must not touch the database or know about HTTP.  Errors come
 * back as a malloc'd sentence in *err, never as an abort.
 */
#include "store/artifacts.h"

#include <git2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define COMMITTER_NAME "Switchboard"
#define COMMITTER_EMAIL "switchboard@switchboard.invalid"
#define PATH_MAX_BYTES 1024
#define CAS_ATTEMPTS 200

static pthread_once_t git_once = PTHREAD_ONCE_INIT;

static void git_setup(void)
{
	git_libgit2_init();
	/* A commit that was answered 2xx must survive a power loss, like the
	 * database's transactions (synchronous=FULL). */
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
}

static void git_ready(void)
{
	pthread_once(&git_once, git_setup);
}

/* *err = "what: libgit2's last message" (malloc'd); returns -1. */
static int fail_git(char **err, const char *what)
{
	const git_error *e = git_error_last();
	if (err)
		*err = xasprintf("%s: %s", what, e && e->message ? e->message : "unknown libgit2 error");
	return -1;
}

static int fail(char **err, const char *msg)
{
	if (err)
		*err = xstrdup(msg);
	return -1;
}

/* ---- paths -------------------------------------------------------------- */

/* NULL when path is acceptable in the repository, else why not. */
static const char *path_problem(const char *path)
{
	if (!path || !*path)
		return "the path is empty";
	size_t n = strlen(path);
	if (n > PATH_MAX_BYTES)
		return "the path is too long";
	if (path[0] == '/')
		return "the path must not start with /";
	if (path[n - 1] == '/')
		return "the path must not end with /";
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			return "the path holds a control character or a backslash";
	const char *seg = path;
	while (seg) {
		const char *slash = strchr(seg, '/');
		size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
		if (len == 0)
			return "the path has an empty segment";
		if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return "the path holds . or ..";
		if (len == 4 && strncasecmp(seg, ".git", 4) == 0)
			return "the path holds .git";
		seg = slash ? slash + 1 : NULL;
	}
	return NULL;
}

/* ---- opening ------------------------------------------------------------ */

int artifact_repo_init(const char *repo_path, char **err)
{
	git_ready();
	git_repository *repo = NULL;
	if (git_repository_open_bare(&repo, repo_path) == 0) {
		git_repository_free(repo);
		return 0;
	}
	git_repository_init_options opts;
	git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
	opts.initial_head = "main";
	opts.description = "Switchboard documents: every version of every document, one commit each.";
	if (git_repository_init_ext(&repo, repo_path, &opts) != 0)
		return fail_git(err, "cannot create the artifact repository");
	/* Read-only over HTTP whatever serves it: git-http-backend honours this. */
	git_config *cfg = NULL;
	int rc = 0;
	if (git_repository_config(&cfg, repo) != 0 || git_config_set_bool(cfg, "http.receivepack", 0) != 0 ||
	    git_config_set_bool(cfg, "http.getanyfile", 0) != 0)
		rc = fail_git(err, "cannot configure the artifact repository");
	git_config_free(cfg);
	git_repository_free(repo);
	return rc;
}

static int open_repo(const char *repo_path, git_repository **repo, char **err)
{
	git_ready();
	if (git_repository_open_bare(repo, repo_path) != 0)
		return fail_git(err, "cannot open the artifact repository");
	return 0;
}

/* The branch tip: 1 found (in *tip), 0 no branch yet (empty repository),
 * -1 error. */
static int branch_tip(git_repository *repo, git_oid *tip, char **err)
{
	int rc = git_reference_name_to_id(tip, repo, ARTIFACT_BRANCH);
	if (rc == 0)
		return 1;
	if (rc == GIT_ENOTFOUND)
		return 0;
	return fail_git(err, "cannot read the branch");
}

/* The commit named by hex (40 hex digits), or the tip when hex is NULL.
 * 1 found, 0 no commit (empty repository), -1 error (bad or unknown id). */
static int lookup_commit(git_repository *repo, const char *hex, git_commit **out, char **err)
{
	git_oid oid;
	if (hex) {
		if (strlen(hex) != GIT_OID_HEXSZ || git_oid_fromstr(&oid, hex) != 0)
			return fail(err, "not a commit id (40 hexadecimal digits)");
	} else {
		int r = branch_tip(repo, &oid, err);
		if (r <= 0)
			return r;
	}
	if (git_commit_lookup(out, repo, &oid) != 0)
		return fail(err, "there is no such commit in the artifact repository");
	return 1;
}

/* The blob id of path in commit: 1 found (a file), 0 absent (or not a file). */
static int blob_at(git_commit *commit, const char *path, git_oid *out)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int found = 0;
	if (git_commit_tree(&tree, commit) == 0 && git_tree_entry_bypath(&e, tree, path) == 0 &&
	    git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
		git_oid_cpy(out, git_tree_entry_id(e));
		found = 1;
	}
	git_tree_entry_free(e);
	git_tree_free(tree);
	return found;
}

/* ---- committing --------------------------------------------------------- */

/* Copy s without the characters git signatures refuse (<, >, newlines). */
static char *sig_text(const char *s, const char *dflt)
{
	Buf b = {0};
	for (const char *p = s ? s : ""; *p; p++)
		if (*p != '<' && *p != '>' && *p != '\n' && *p != '\r')
			buf_putc(&b, *p);
	char *t = buf_detach(&b);
	if (!t)
		t = xstrdup("");
	/* git refuses a name that is only spaces, too */
	const char *q = t;
	while (*q == ' ' || *q == '\t')
		q++;
	if (!*q) {
		free(t);
		t = xstrdup(dflt);
	}
	return t;
}

/* One attempt: build the tree from the tip, write the commit and move the
 * branch if it still points at the tip.  Returns 0 done (commit_hex set),
 * 1 the branch moved or is locked (try again), 2 nothing to change
 * (commit_hex is the tip), -1 error. */
static int commit_once(git_repository *repo, const char *path, const void *content, size_t len,
		       const git_signature *author, const git_signature *committer, const char *message,
		       git_oid *made, char **err)
{
	git_oid tip, tree_oid, blob_oid;
	git_commit *parent = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_reference *ref = NULL;
	int rc = -1;

	int has_tip = branch_tip(repo, &tip, err);
	if (has_tip < 0)
		return -1;
	if (has_tip) {
		if (git_commit_lookup(&parent, repo, &tip) != 0 || git_commit_tree(&base, parent) != 0) {
			rc = fail_git(err, "cannot read the branch tip");
			goto out;
		}
	} else {
		git_treebuilder *tb = NULL;
		git_oid empty;
		if (git_treebuilder_new(&tb, repo, NULL) != 0 || git_treebuilder_write(&empty, tb) != 0 ||
		    git_tree_lookup(&base, repo, &empty) != 0) {
			git_treebuilder_free(tb);
			rc = fail_git(err, "cannot create the first tree");
			goto out;
		}
		git_treebuilder_free(tb);
	}

	git_tree_update up = {0};
	up.path = path;
	if (content) {
		if (git_blob_create_from_buffer(&blob_oid, repo, content, len) != 0) {
			rc = fail_git(err, "cannot store the content");
			goto out;
		}
		up.action = GIT_TREE_UPDATE_UPSERT;
		up.id = blob_oid;
		up.filemode = GIT_FILEMODE_BLOB;
	} else {
		git_tree_entry *e = NULL;
		if (git_tree_entry_bypath(&e, base, path) != 0) {
			rc = fail(err, "there is no file at that path to delete");
			goto out;
		}
		git_tree_entry_free(e);
		up.action = GIT_TREE_UPDATE_REMOVE;
	}
	if (git_tree_create_updated(&tree_oid, repo, base, 1, &up) != 0) {
		rc = fail_git(err, "cannot build the new tree");
		goto out;
	}
	if (has_tip && git_oid_equal(&tree_oid, git_tree_id(base))) {
		git_oid_cpy(made, &tip);
		rc = 2;
		goto out;
	}
	if (git_tree_lookup(&tree, repo, &tree_oid) != 0) {
		rc = fail_git(err, "cannot read the new tree");
		goto out;
	}
	const git_commit *parents[1] = {parent};
	if (git_commit_create(made, repo, NULL, author, committer, "UTF-8", message, tree, has_tip ? 1 : 0,
			      parents) != 0) {
		rc = fail_git(err, "cannot write the commit");
		goto out;
	}
	/* Compare-and-swap: move the branch only from the tip we built on. */
	int r = has_tip ? git_reference_create_matching(&ref, repo, ARTIFACT_BRANCH, made, 1, &tip, "commit")
			: git_reference_create(&ref, repo, ARTIFACT_BRANCH, made, 0, "commit (initial)");
	if (r == 0)
		rc = 0;
	else if (r == GIT_EMODIFIED || r == GIT_EEXISTS || r == GIT_ELOCKED)
		rc = 1;
	else
		rc = fail_git(err, "cannot move the branch");
out:
	git_reference_free(ref);
	git_tree_free(tree);
	git_tree_free(base);
	git_commit_free(parent);
	return rc;
}

/* The newest commit that touched path, from the tip; 0 found, -1 none. */
static int last_touch(git_repository *repo, const char *path, git_oid *out);

int artifact_commit(const char *repo_path, const char *path, const void *content, size_t len,
		    const ArtifactAuthor *author, const char *message, char commit_hex[41], char **err)
{
	const char *why = path_problem(path);
	if (why) {
		if (err)
			*err = xasprintf("refused path: %s", why);
		return -1;
	}
	if (!message || !*message)
		return fail(err, "a commit needs a message");
	git_repository *repo = NULL;
	if (open_repo(repo_path, &repo, err) != 0)
		return -1;

	char *name = sig_text(author ? author->name : NULL, "Unknown");
	char *email = sig_text(author ? author->email : NULL, "unknown@switchboard.invalid");
	git_signature *asig = NULL, *csig = NULL;
	Buf msg = {0};
	buf_puts(&msg, message);
	if (msg.s[msg.len - 1] != '\n')
		buf_putc(&msg, '\n');
	int rc = -1;
	if (git_signature_now(&asig, name, email) != 0 ||
	    git_signature_now(&csig, COMMITTER_NAME, COMMITTER_EMAIL) != 0) {
		rc = fail_git(err, "invalid author");
		goto out;
	}
	git_oid made;
	unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
		int r = commit_once(repo, path, content, len, asig, csig, msg.s, &made, err);
		if (r == 0) {
			git_oid_tostr(commit_hex, 41, &made);
			rc = 0;
			goto out;
		}
		if (r == 2) {
			/* Nothing changed: the version already there is the current one. */
			git_oid t;
			if (last_touch(repo, path, &t) == 0)
				git_oid_cpy(&made, &t);
			git_oid_tostr(commit_hex, 41, &made);
			rc = 0;
			goto out;
		}
		if (r < 0)
			goto out;
		/* Another writer won the race: wait a little (more each time) and
		 * rebuild on the new tip. */
		struct timespec ts = {0, (long)(1 + rand_r(&seed) % (2 + attempt)) * 1000000L};
		nanosleep(&ts, NULL);
	}
	rc = fail(err, "the branch kept moving; the commit was not made (try again)");
out:
	buf_free(&msg);
	git_signature_free(asig);
	git_signature_free(csig);
	free(name);
	free(email);
	git_repository_free(repo);
	return rc;
}

/* ---- reading ------------------------------------------------------------ */

int artifact_read(const char *repo_path, const char *path, const char *commit_hex, Buf *out, char **err)
{
	const char *why = path_problem(path);
	if (why) {
		if (err)
			*err = xasprintf("refused path: %s", why);
		return -1;
	}
	git_repository *repo = NULL;
	if (open_repo(repo_path, &repo, err) != 0)
		return -1;
	git_commit *commit = NULL;
	git_blob *blob = NULL;
	int rc = lookup_commit(repo, commit_hex, &commit, err);
	if (rc <= 0) {
		rc = rc == 0 ? 1 : -1;
		goto out;
	}
	git_oid oid;
	if (!blob_at(commit, path, &oid)) {
		rc = 1;
		goto out;
	}
	if (git_blob_lookup(&blob, repo, &oid) != 0) {
		rc = fail_git(err, "cannot read the file");
		goto out;
	}
	buf_append(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	rc = 0;
out:
	git_blob_free(blob);
	git_commit_free(commit);
	git_repository_free(repo);
	return rc;
}

/* ---- history ------------------------------------------------------------ */

/* Copy the first line of msg into out (size n), cut on a UTF-8 boundary. */
static void first_line(char *out, size_t n, const char *msg)
{
	size_t len = strcspn(msg ? msg : "", "\n");
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)msg[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(out, msg ? msg : "", len);
	out[len] = '\0';
}

static void copy_text(char *out, size_t n, const char *s)
{
	first_line(out, n, s);
}

/* Walk the first-parent history from the tip and call fn for each commit
 * where path's content differs from the parent's (added, changed,
 * removed).  fn returns nonzero to stop.  0 ok, -1 error. */
typedef int (*TouchFn)(git_commit *c, int deleted, void *arg);

static int walk_touches(git_repository *repo, const char *path, TouchFn fn, void *arg, char **err)
{
	git_oid tip;
	int r = branch_tip(repo, &tip, err);
	if (r <= 0)
		return r;
	git_revwalk *walk = NULL;
	if (git_revwalk_new(&walk, repo) != 0 || git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL) != 0 ||
	    git_revwalk_simplify_first_parent(walk) != 0 || git_revwalk_push(walk, &tip) != 0) {
		git_revwalk_free(walk);
		return fail_git(err, "cannot walk the history");
	}
	git_oid id;
	int rc = 0;
	while ((r = git_revwalk_next(&id, walk)) == 0) {
		git_commit *c = NULL, *p = NULL;
		if (git_commit_lookup(&c, repo, &id) != 0) {
			rc = fail_git(err, "cannot read a commit");
			break;
		}
		git_oid here, there;
		int has_here = blob_at(c, path, &here), has_there = 0;
		if (git_commit_parentcount(c) > 0) {
			if (git_commit_parent(&p, c, 0) != 0) {
				git_commit_free(c);
				rc = fail_git(err, "cannot read a parent commit");
				break;
			}
			has_there = blob_at(p, path, &there);
		}
		int touched = has_here != has_there || (has_here && !git_oid_equal(&here, &there));
		int stop = touched ? fn(c, !has_here, arg) : 0;
		git_commit_free(p);
		git_commit_free(c);
		if (stop)
			break;
	}
	if (r != 0 && r != GIT_ITEROVER && rc == 0)
		rc = fail_git(err, "cannot walk the history");
	git_revwalk_free(walk);
	return rc;
}

static int touch_first(git_commit *c, int deleted, void *arg)
{
	(void)deleted;
	git_oid_cpy(arg, git_commit_id(c));
	return 1;
}

static int last_touch(git_repository *repo, const char *path, git_oid *out)
{
	git_oid found;
	memset(&found, 0, sizeof found);
	char *err = NULL;
	if (walk_touches(repo, path, touch_first, &found, &err) != 0 || git_oid_is_zero(&found)) {
		free(err);
		return -1;
	}
	git_oid_cpy(out, &found);
	return 0;
}

typedef struct {
	ArtifactVersion *v;
	int n, cap, max;
} HistoryAcc;

static int touch_collect(git_commit *c, int deleted, void *arg)
{
	HistoryAcc *h = arg;
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 16;
		if (h->cap > h->max)
			h->cap = h->max;
		h->v = xrealloc(h->v, (size_t)h->cap * sizeof *h->v);
	}
	ArtifactVersion *v = &h->v[h->n++];
	memset(v, 0, sizeof *v);
	git_oid_tostr(v->commit, sizeof v->commit, git_commit_id(c));
	const git_signature *a = git_commit_author(c);
	copy_text(v->author, sizeof v->author, a ? a->name : "");
	copy_text(v->email, sizeof v->email, a ? a->email : "");
	v->time = a ? (int64_t)a->when.time : (int64_t)git_commit_time(c);
	first_line(v->message, sizeof v->message, git_commit_message(c));
	v->deleted = deleted;
	return h->n >= h->max;
}

int artifact_history(const char *repo_path, const char *path, ArtifactVersion **out, int max, char **err)
{
	*out = NULL;
	const char *why = path_problem(path);
	if (why) {
		if (err)
			*err = xasprintf("refused path: %s", why);
		return -1;
	}
	if (max <= 0)
		return 0;
	git_repository *repo = NULL;
	if (open_repo(repo_path, &repo, err) != 0)
		return -1;
	HistoryAcc h = {NULL, 0, 0, max};
	int rc = walk_touches(repo, path, touch_collect, &h, err);
	git_repository_free(repo);
	if (rc < 0) {
		free(h.v);
		return -1;
	}
	*out = h.v;
	return h.n;
}

/* ---- diff --------------------------------------------------------------- */

/* The blob of path at hex (NULL: absent there).  0 ok, -1 error. */
static int blob_of(git_repository *repo, const char *hex, const char *path, git_blob **out, char **err)
{
	*out = NULL;
	git_commit *c = NULL;
	int r = lookup_commit(repo, hex, &c, err);
	if (r < 0)
		return -1;
	if (r == 0)
		return 0;
	git_oid oid;
	int rc = 0;
	if (blob_at(c, path, &oid) && git_blob_lookup(out, repo, &oid) != 0)
		rc = fail_git(err, "cannot read the file");
	git_commit_free(c);
	return rc;
}

int artifact_diff(const char *repo_path, const char *path, const char *from_hex, const char *to_hex, Buf *out,
		  char **err)
{
	const char *why = path_problem(path);
	if (why) {
		if (err)
			*err = xasprintf("refused path: %s", why);
		return -1;
	}
	if (!from_hex)
		return fail(err, "a diff needs the commit to start from");
	git_repository *repo = NULL;
	if (open_repo(repo_path, &repo, err) != 0)
		return -1;
	git_blob *a = NULL, *b = NULL;
	git_patch *patch = NULL;
	git_buf text = GIT_BUF_INIT;
	int rc = -1;
	if (blob_of(repo, from_hex, path, &a, err) != 0 || blob_of(repo, to_hex, path, &b, err) != 0)
		goto out;
	if ((a && git_blob_is_binary(a)) || (b && git_blob_is_binary(b))) {
		rc = fail(err, "the file is not text: there is no line-by-line difference to show");
		goto out;
	}
	git_diff_options opts;
	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	opts.context_lines = 3;
	if (git_patch_from_blobs(&patch, a, path, b, path, &opts) != 0 || git_patch_to_buf(&text, patch) != 0) {
		rc = fail_git(err, "cannot compute the difference");
		goto out;
	}
	buf_append(out, text.ptr ? text.ptr : "", text.size);
	if (!out->s)
		buf_puts(out, "");
	rc = 0;
out:
	git_buf_dispose(&text);
	git_patch_free(patch);
	git_blob_free(a);
	git_blob_free(b);
	git_repository_free(repo);
	return rc;
}

/* ---- slugs -------------------------------------------------------------- */

/* ASCII for the Latin-1 letters U+00C0..U+00FF ("" for ×, ÷). */
static const char *const latin1[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "th", "ss",
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "th", "y",
};

/* out holds maxlen bytes: the slug is at most maxlen - 1 characters and
 * NUL-terminated.  Runs of anything else than letters and digits become
 * one '-', never leading or trailing; Latin-1 accented letters lose their
 * accents; other characters are dropped. */
void artifact_slug(const char *text, char *out, size_t maxlen)
{
	if (maxlen == 0)
		return;
	size_t n = 0, cap = maxlen - 1;
	int dash = 0;
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	while (*p && n < cap) {
		char ascii[4] = "";
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
			ascii[0] = (char)*p;
			ascii[1] = '\0';
			p++;
		} else if (*p >= 'A' && *p <= 'Z') {
			ascii[0] = (char)(*p - 'A' + 'a');
			ascii[1] = '\0';
			p++;
		} else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
			snprintf(ascii, sizeof ascii, "%s", latin1[p[1] - 0x80]);
			p += 2;
		} else if (*p >= 0x80) {
			/* another multi-byte character: a separator */
			p++;
			while ((*p & 0xC0) == 0x80)
				p++;
			dash = n > 0;
			continue;
		} else {
			dash = n > 0;
			p++;
			continue;
		}
		for (const char *a = ascii; *a && n < cap; a++) {
			if (dash) {
				if (n + 1 >= cap)
					break;
				out[n++] = '-';
				dash = 0;
			}
			out[n++] = *a;
		}
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, maxlen, "%s", "untitled");
}
