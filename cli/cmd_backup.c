/*
 * cmd_backup.c - `switchboard backup DIR` and `switchboard restore DIR`.
 *
 * A backup is a directory:
 *
 *   switchboard.db    the database, copied with SQLite's online backup API
 *                     in one read transaction: one consistent snapshot
 *                     while the web server and the worker keep writing
 *   artifacts.bundle  the artifact repository as a git bundle (v2): its
 *                     refs as read once, and a pack of every object they
 *                     reach; `git clone artifacts.bundle` reads it too
 *   switchboard.conf  $SWITCHBOARD_DATA/switchboard.conf, when there is one
 *   manifest.json     program version, schema level, rows per table, the
 *                     repository's branch tip, size and SHA-256 of each file
 *
 * The database is copied before the repository.  Document versions are
 * committed to the repository before the database row that names them, and
 * commits are never removed, so the repository snapshot holds every commit
 * the database snapshot refers to (it may hold a few newer ones nothing
 * refers to yet, which is harmless).
 *
 * The bundle is written with libgit2, which has no bundle writer or reader
 * of its own: the refs are listed, a revwalk over them feeds the pack
 * builder, and the pack is streamed after the bundle header.  Objects are
 * immutable and the refs are read once, so the bundle is consistent even
 * while documents are being committed.  Restoring indexes the pack into a
 * fresh repository with git_indexer and sets the refs.  No git program is
 * needed on either side.
 *
 * Restore checks every checksum before touching anything, refuses a data
 * directory that is not empty unless --force (which moves the files it
 * replaces into DATA/replaced-TIMESTAMP/), refuses a database another
 * process has open, and migrates a database from an older version.
 * Settings that live only in the environment (/etc/default/switchboard)
 * are not part of a backup.
 */
#include "store/artifacts.h"
#include "store/backup.h"
#include "cli/cli.h"
#include "core/config.h"
#include "store/store.h"
#include "core/util.h"
#include "core/version.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MANIFEST "manifest.json"
#define DB_FILE "switchboard.db"
#define BUNDLE_FILE "artifacts.bundle"
#define CONF_FILE "switchboard.conf"
#define BACKUP_FORMAT 1
#define BUNDLE_SIGNATURE "# v2 git bundle\n"

/* ---- files ---------------------------------------------------------------- */

/* SHA-256 of a file as lowercase hex, and its size.  0 ok, -1 (errno). */
static int file_sha256(const char *path, char hex[65], int64_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	unsigned char buf[65536];
	size_t n;
	int64_t total = 0;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		EVP_DigestUpdate(md, buf, n);
		total += (int64_t)n;
	}
	int bad = ferror(f);
	fclose(f);
	unsigned char out[32];
	unsigned int len = 0;
	EVP_DigestFinal_ex(md, out, &len);
	EVP_MD_CTX_free(md);
	if (bad) {
		errno = EIO;
		return -1;
	}
	hex_encode(hex, out, 32);
	*size = total;
	return 0;
}

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Copy src to dst (created with mode, never overwriting) and fsync it.
 * 0 ok, -1 with *err. */
static int copy_file(const char *src, const char *dst, mode_t mode, char **err)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		*err = xasprintf("cannot read %s: %s", src, strerror(errno));
		return -1;
	}
	int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (out < 0) {
		*err = xasprintf("cannot create %s: %s", dst, strerror(errno));
		close(in);
		return -1;
	}
	char buf[65536];
	ssize_t n;
	int rc = 0;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				n = -1;
				break;
			}
			off += w;
		}
		if (n < 0)
			break;
	}
	if (n < 0 || fchmod(out, mode) != 0 || fsync(out) != 0) {
		*err = xasprintf("cannot copy %s to %s: %s", src, dst, strerror(errno));
		rc = -1;
	}
	close(in);
	if (close(out) != 0 && rc == 0) {
		*err = xasprintf("cannot write %s: %s", dst, strerror(errno));
		rc = -1;
	}
	if (rc != 0)
		unlink(dst);
	return rc;
}

/* Names in directory path other than . and ..; -1 when it cannot be read
 * (ENOENT: it does not exist). */
static int dir_entries(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* ---- the database --------------------------------------------------------- */

static void census_table(void *arg, const char *name, int64_t rows)
{
	json_object_set_new(arg, name, json_integer(rows));
}

/* Schema level and rows per table of the database file at path, into obj
 * ("schema": N, "tables": {name: rows}).  0 ok, -1 with *err. */
static int db_describe(const char *path, json_t *obj, char **err)
{
	json_t *tables = json_object();
	int schema = 0;
	int rc = store_file_census(path, &schema, census_table, tables, err);
	json_object_set_new(obj, "schema", json_integer(schema));
	json_object_set_new(obj, "tables", tables);
	return rc;
}

/* ---- the artifact repository as a git bundle ----------------------------- */

static int git_fail(char **err, const char *what)
{
	const git_error *e = git_error_last();
	*err = xasprintf("%s: %s", what, e && e->message ? e->message : "unknown libgit2 error");
	return -1;
}

typedef struct {
	Buf header;      /* "OID REFNAME\n" lines */
	git_revwalk *walk;
	int refs;
	int failed;
	char head[GIT_OID_HEXSZ + 1]; /* the branch's tip as listed, "" when absent */
} RefList;

static int collect_ref(git_reference *ref, void *payload)
{
	RefList *l = payload;
	if (git_reference_type(ref) == GIT_REFERENCE_DIRECT) {
		const git_oid *oid = git_reference_target(ref);
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof hex, oid);
		buf_printf(&l->header, "%s %s\n", hex, git_reference_name(ref));
		if (strcmp(git_reference_name(ref), ARTIFACT_BRANCH) == 0)
			memcpy(l->head, hex, sizeof l->head);
		if (git_revwalk_push(l->walk, oid) != 0)
			l->failed = 1;
		l->refs++;
	}
	git_reference_free(ref);
	return 0;
}

static int write_pack_chunk(void *data, size_t size, void *payload)
{
	return fwrite(data, 1, size, payload) == size ? 0 : -1;
}

/* Write the repository at repo_path as a bundle at dst; *head_hex gets the
 * branch tip (malloc'd, NULL when the branch does not exist yet) and
 * *nrefs the number of refs.  A repository without refs (nothing committed
 * yet) writes no file.  0 ok, -1 with *err. */
static int bundle_write(const char *repo_path, const char *dst, char **head_hex, int *nrefs, char **err)
{
	git_repository *repo = NULL;
	git_packbuilder *pb = NULL;
	RefList l = {{0}, NULL, 0, 0, ""};
	FILE *f = NULL;
	int rc = -1;
	*head_hex = NULL;
	if (git_repository_open_bare(&repo, repo_path) != 0) {
		git_fail(err, "cannot open the artifact repository");
		goto out;
	}
	/* The refs are read once: the tip the manifest names is the one the
	 * bundle carries, even while commits keep coming. */
	if (git_revwalk_new(&l.walk, repo) != 0 || git_reference_foreach(repo, collect_ref, &l) != 0 || l.failed) {
		git_fail(err, "cannot read the refs of the artifact repository");
		goto out;
	}
	if (l.head[0])
		*head_hex = xstrdup(l.head);
	*nrefs = l.refs;
	if (l.refs == 0) {
		rc = 0;
		goto out;
	}
	if (*head_hex)
		buf_printf(&l.header, "%s HEAD\n", *head_hex);
	if (git_packbuilder_new(&pb, repo) != 0 || git_packbuilder_insert_walk(pb, l.walk) != 0) {
		git_fail(err, "cannot collect the objects of the artifact repository");
		goto out;
	}
	f = fopen(dst, "wxb");
	if (!f) {
		*err = xasprintf("cannot create %s: %s", dst, strerror(errno));
		goto out;
	}
	fputs(BUNDLE_SIGNATURE, f);
	fputs(buf_cstr(&l.header), f);
	fputc('\n', f);
	if (git_packbuilder_foreach(pb, write_pack_chunk, f) != 0) {
		git_fail(err, "cannot write the artifact bundle");
		goto out;
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		*err = xasprintf("cannot write %s: %s", dst, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f && fclose(f) != 0 && rc == 0) {
		*err = xasprintf("cannot write %s: %s", dst, strerror(errno));
		rc = -1;
	}
	if (rc != 0) {
		free(*head_hex);
		*head_hex = NULL;
	}
	git_packbuilder_free(pb);
	git_revwalk_free(l.walk);
	buf_free(&l.header);
	git_repository_free(repo);
	return rc;
}

/* Create a bare repository at repo_path holding the bundle at src: the
 * pack is indexed into it and its refs (except HEAD, which the new
 * repository points at ARTIFACT_BRANCH) are created.  0 ok, -1 with *err. */
static int bundle_read(const char *src, const char *repo_path, char **err)
{
	if (exists(repo_path)) {
		*err = xasprintf("%s is in the way (left by an interrupted restore?); remove it", repo_path);
		return -1;
	}
	if (artifact_repo_init(repo_path, err) != 0)
		return -1;
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	git_indexer *idx = NULL;
	FILE *f = fopen(src, "rb");
	char line[1024];
	Buf refs = {0};
	int rc = -1;
	if (!f) {
		*err = xasprintf("cannot read %s: %s", src, strerror(errno));
		goto out;
	}
	if (!fgets(line, sizeof line, f) || strcmp(line, BUNDLE_SIGNATURE) != 0) {
		*err = xasprintf("%s is not a version 2 git bundle", src);
		goto out;
	}
	while (fgets(line, sizeof line, f) && strcmp(line, "\n") != 0) {
		if (line[0] == '-') {
			*err = xasprintf("%s needs other objects first (a prerequisite): not a full backup", src);
			goto out;
		}
		buf_puts(&refs, line);
	}
	if (git_repository_open_bare(&repo, repo_path) != 0 || git_repository_odb(&odb, repo) != 0) {
		git_fail(err, "cannot open the new artifact repository");
		goto out;
	}
	char *pack_dir = xasprintf("%s/objects/pack", repo_path);
	git_indexer_options opts;
	git_indexer_options_init(&opts, GIT_INDEXER_OPTIONS_VERSION);
	int made = git_indexer_new(&idx, pack_dir, 0, odb, &opts);
	free(pack_dir);
	if (made != 0) {
		git_fail(err, "cannot index the artifact bundle");
		goto out;
	}
	git_indexer_progress stats;
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		if (git_indexer_append(idx, buf, n, &stats) != 0) {
			git_fail(err, "the artifact bundle's pack is damaged");
			goto out;
		}
	if (ferror(f) || git_indexer_commit(idx, &stats) != 0) {
		git_fail(err, "the artifact bundle's pack is incomplete");
		goto out;
	}
	git_odb_refresh(odb);
	for (char *save = NULL, *l = strtok_r(refs.s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');
		git_oid oid;
		if (!sp || git_oid_fromstrn(&oid, l, (size_t)(sp - l)) != 0) {
			*err = xasprintf("%s has a malformed ref line: %s", src, l);
			goto out;
		}
		const char *name = sp + 1;
		if (strcmp(name, "HEAD") == 0)
			continue;
		git_reference *ref = NULL;
		if (!git_odb_exists(odb, &oid) ||
		    git_reference_create(&ref, repo, name, &oid, 1, "restored from a backup") != 0) {
			git_fail(err, "cannot restore a ref of the artifact repository");
			goto out;
		}
		git_reference_free(ref);
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	buf_free(&refs);
	git_indexer_free(idx);
	git_odb_free(odb);
	git_repository_free(repo);
	return rc;
}

/* The branch tip of the repository at path (malloc'd hex), or NULL. */
static char *repo_head(const char *path)
{
	git_repository *repo = NULL;
	git_oid tip;
	char *out = NULL;
	if (git_repository_open_bare(&repo, path) == 0 && git_reference_name_to_id(&tip, repo, ARTIFACT_BRANCH) == 0) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof hex, &tip);
		out = xstrdup(hex);
	}
	git_repository_free(repo);
	return out;
}

/* ---- backup --------------------------------------------------------------- */

static int add_file(json_t *files, const char *dir, const char *name, char **err)
{
	char *path = xasprintf("%s/%s", dir, name);
	char hex[65];
	int64_t size;
	int rc = file_sha256(path, hex, &size);
	if (rc != 0)
		*err = xasprintf("cannot read back %s: %s", path, strerror(errno));
	else
		json_object_set_new(files, name, json_pack("{s:s,s:I}", "sha256", hex, "bytes", (json_int_t)size));
	free(path);
	return rc;
}

static void backup_cleanup(const char *dir, int made_dir)
{
	const char *names[] = {DB_FILE, DB_FILE "-journal", BUNDLE_FILE, CONF_FILE, MANIFEST ".tmp"};
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		unlink(p);
		free(p);
	}
	if (made_dir)
		rmdir(dir);
}

static int backup_usage(int rc)
{
	printf("Usage: switchboard backup DIR\n"
	       "Write a consistent snapshot of the desk into DIR (which must not exist or be empty)\n"
	       "while the web server and the worker keep running: the database (SQLite online\n"
	       "backup), the artifact repository (a git bundle), switchboard.conf, and a\n"
	       "manifest.json with checksums.  `switchboard restore DIR` brings it back.\n");
	return rc;
}

int cmd_backup(int argc, char **argv)
{
	if (cli_wants_help(argc, argv))
		return backup_usage(0);
	if (argc != 2 || argv[1][0] == '-')
		return backup_usage(2);
	const char *dir = argv[1];
	if (cli_config() != 0)
		return 1;
	int made_dir = 0;
	if (mkdir(dir, 0700) == 0) {
		made_dir = 1;
	} else if (errno != EEXIST) {
		fprintf(stderr, "switchboard backup: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	} else {
		int n = dir_entries(dir);
		if (n != 0) {
			fprintf(stderr, "switchboard backup: %s %s; give a new or empty directory\n", dir,
				n < 0 ? "is not a readable directory" : "is not empty");
			return 1;
		}
	}
	git_libgit2_init();
	char *err = NULL, *head = NULL;
	json_t *m = json_pack("{s:i,s:s,s:s}", "format", BACKUP_FORMAT, "program", "switchboard", "version", SB_VERSION);
	char when[21];
	fmt_iso8601(when, now_ms() / 1000);
	json_object_set_new(m, "created_at", json_string(when));
	json_t *files = json_object();
	json_object_set_new(m, "files", files);
	int rc = 1, nrefs = 0;
	char *db_dst = xasprintf("%s/%s", dir, DB_FILE);
	char *bundle_dst = xasprintf("%s/%s", dir, BUNDLE_FILE);
	char *conf_src = xasprintf("%s/%s", config_get("SWITCHBOARD_DATA"), CONF_FILE);
	char *conf_dst = xasprintf("%s/%s", dir, CONF_FILE);
	char *man_tmp = xasprintf("%s/%s.tmp", dir, MANIFEST), *man_dst = xasprintf("%s/%s", dir, MANIFEST);
	const char *repo = config_get("SWITCHBOARD_ARTIFACTS");

	/* The database first: see the file comment. */
	if (store_backup_copy(config_get("SWITCHBOARD_DB"), db_dst, &err) != 0 || chmod(db_dst, 0600) != 0 ||
	    db_describe(db_dst, m, &err) != 0 || add_file(files, dir, DB_FILE, &err) != 0)
		goto out;
	if (exists(repo)) {
		if (bundle_write(repo, bundle_dst, &head, &nrefs, &err) != 0 ||
		    (nrefs > 0 && add_file(files, dir, BUNDLE_FILE, &err) != 0))
			goto out;
		json_object_set_new(m, "artifacts", json_pack("{s:s?,s:i}", "head", head, "refs", nrefs));
	} else {
		json_object_set_new(m, "artifacts", json_null());
	}
	if (exists(conf_src)) {
		if (copy_file(conf_src, conf_dst, 0600, &err) != 0 || add_file(files, dir, CONF_FILE, &err) != 0)
			goto out;
	}
	if (json_dump_file(m, man_tmp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 || fsync_path(man_tmp) != 0 ||
	    rename(man_tmp, man_dst) != 0 || fsync_path(dir) != 0) {
		err = xasprintf("cannot write %s: %s", man_dst, strerror(errno));
		goto out;
	}
	json_int_t rows = 0;
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(m, "tables"), k, v)
		rows += json_integer_value(v);
	printf("backup written to %s: database at schema %d (%lld rows in %zu tables)", dir,
	       (int)json_integer_value(json_object_get(m, "schema")), (long long)rows,
	       json_object_size(json_object_get(m, "tables")));
	if (exists(repo))
		printf(", artifact repository (%d refs, %s at %.12s)", nrefs, ARTIFACT_BRANCH, head ? head : "none");
	else
		printf(", no artifact repository yet");
	printf("%s\n", exists(conf_dst) ? ", switchboard.conf" : "");
	rc = 0;
out:
	if (rc != 0) {
		fprintf(stderr, "switchboard backup: %s; nothing was kept in %s\n", err ? err : "failed", dir);
		backup_cleanup(dir, made_dir);
	}
	free(err);
	free(head);
	json_decref(m);
	free(db_dst);
	free(bundle_dst);
	free(conf_src);
	free(conf_dst);
	free(man_tmp);
	free(man_dst);
	git_libgit2_shutdown();
	return rc;
}

/* ---- restore -------------------------------------------------------------- */

/* Read DIR/manifest.json and check every file it lists.  Returns the
 * manifest, or NULL after printing why. */
static json_t *manifest_verified(const char *dir)
{
	char *path = xasprintf("%s/%s", dir, MANIFEST);
	json_error_t je;
	json_t *m = json_load_file(path, 0, &je);
	if (!m) {
		fprintf(stderr, "switchboard restore: cannot read %s: %s\n", path, je.text);
		free(path);
		return NULL;
	}
	free(path);
	json_t *files = json_object_get(m, "files");
	if (json_integer_value(json_object_get(m, "format")) != BACKUP_FORMAT || !json_is_object(files) ||
	    !json_object_get(files, DB_FILE)) {
		fprintf(stderr, "switchboard restore: %s/%s is not a Switchboard backup manifest (format %d)\n", dir,
			MANIFEST, BACKUP_FORMAT);
		json_decref(m);
		return NULL;
	}
	const char *name;
	json_t *want;
	int bad = 0;
	json_object_foreach(files, name, want) {
		if (strchr(name, '/') || strcmp(name, "..") == 0) {
			fprintf(stderr, "switchboard restore: the manifest names a file outside the backup: %s\n", name);
			bad = 1;
			continue;
		}
		char *p = xasprintf("%s/%s", dir, name);
		char hex[65];
		int64_t size;
		const char *sum = json_string_value(json_object_get(want, "sha256"));
		if (file_sha256(p, hex, &size) != 0) {
			fprintf(stderr, "switchboard restore: %s: %s\n", p, strerror(errno));
			bad = 1;
		} else if (!sum || strcmp(sum, hex) != 0 || size != json_integer_value(json_object_get(want, "bytes"))) {
			fprintf(stderr, "switchboard restore: %s does not match the manifest (sha256 %s, %lld bytes): "
					"the backup is damaged or was changed\n", p, hex, (long long)size);
			bad = 1;
		}
		free(p);
	}
	if (bad) {
		json_decref(m);
		return NULL;
	}
	return m;
}

/* Rows per table of the restored database equal the manifest's?  Prints
 * each difference.  0 equal, -1 not. */
static int rows_match(const char *db, json_t *m)
{
	json_t *got = json_object();
	char *err = NULL;
	int rc = 0;
	if (db_describe(db, got, &err) != 0) {
		fprintf(stderr, "switchboard restore: %s\n", err);
		free(err);
		json_decref(got);
		return -1;
	}
	const char *name;
	json_t *want;
	json_object_foreach(json_object_get(m, "tables"), name, want) {
		json_t *have = json_object_get(json_object_get(got, "tables"), name);
		if (!have || json_integer_value(have) != json_integer_value(want)) {
			fprintf(stderr, "switchboard restore: table %s has %lld rows, the manifest says %lld\n", name,
				have ? (long long)json_integer_value(have) : -1LL, (long long)json_integer_value(want));
			rc = -1;
		}
	}
	json_decref(got);
	return rc;
}

static int restore_usage(int rc)
{
	printf("Usage: switchboard restore DIR [--force]\n"
	       "Bring back a backup made by `switchboard backup DIR` into $SWITCHBOARD_DATA (the\n"
	       "database at $SWITCHBOARD_DB, the repository at $SWITCHBOARD_ARTIFACTS).  Checks every\n"
	       "checksum first, then migrates a database from an older version.  Stop the web\n"
	       "server and the worker first.  The data directory must be empty; --force moves the\n"
	       "files it replaces into $SWITCHBOARD_DATA/replaced-TIMESTAMP/ instead.\n");
	return rc;
}

int cmd_restore(int argc, char **argv)
{
	if (cli_wants_help(argc, argv))
		return restore_usage(0);
	const char *dir = NULL;
	int force = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (argv[i][0] != '-' && !dir)
			dir = argv[i];
		else
			return restore_usage(2);
	}
	if (!dir)
		return restore_usage(2);
	if (cli_config() != 0)
		return 1;
	json_t *m = manifest_verified(dir);
	if (!m)
		return 1;
	int schema = (int)json_integer_value(json_object_get(m, "schema"));
	if (schema > store_schema_known()) {
		fprintf(stderr, "switchboard restore: the backup's database is at schema %d, this program knows only "
				"up to %d: restore it with Switchboard %s or newer\n", schema, store_schema_known(),
			json_string_value(json_object_get(m, "version")));
		json_decref(m);
		return 1;
	}
	const char *data = config_get("SWITCHBOARD_DATA"), *db = config_get("SWITCHBOARD_DB");
	const char *repo = config_get("SWITCHBOARD_ARTIFACTS");
	long pid = store_file_in_use(db);
	if (pid) {
		fprintf(stderr, "switchboard restore: the database %s is open in another process (pid %ld); stop the "
				"web server and the worker first\n", db, pid);
		json_decref(m);
		return 1;
	}
	char *site = *config_get("SWITCHBOARD_SITE") ? xstrdup(config_get("SWITCHBOARD_SITE"))
						     : xasprintf("%s/site", data);
	char *conf = xasprintf("%s/%s", data, CONF_FILE);
	/* What a restore replaces; the report site goes too, since its state
	 * describes the event log it was built from. */
	char *targets[] = {xstrdup(db), xasprintf("%s-wal", db), xasprintf("%s-shm", db),
			   xasprintf("%s-writer.lock", db), xstrdup(repo), conf, site};
	char *aside = NULL, *err = NULL;
	int rc = 1, entries = dir_entries(data);
	int occupied = entries > 0;
	for (size_t i = 0; i < ARRAY_LEN(targets); i++)
		occupied |= exists(targets[i]);
	if (occupied && !force) {
		fprintf(stderr, "switchboard restore: %s is not empty; restore into an empty data directory, or pass "
				"--force to move the files a restore replaces into %s/replaced-TIMESTAMP/\n", data, data);
		goto out;
	}
	if (entries < 0 && mkdir(data, 0750) != 0) {
		fprintf(stderr, "switchboard restore: cannot create %s: %s\n", data, strerror(errno));
		goto out;
	}
	if (occupied) {
		char stamp[32];
		time_t t = time(NULL);
		struct tm tm;
		strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime_r(&t, &tm));
		aside = xasprintf("%s/replaced-%s", data, stamp);
		if (mkdir(aside, 0700) != 0) {
			fprintf(stderr, "switchboard restore: cannot create %s: %s\n", aside, strerror(errno));
			goto out;
		}
		for (size_t i = 0; i < ARRAY_LEN(targets); i++) {
			if (!exists(targets[i]))
				continue;
			const char *base = strrchr(targets[i], '/');
			char *to = xasprintf("%s/%s", aside, base ? base + 1 : targets[i]);
			int moved = rename(targets[i], to);
			if (moved != 0)
				fprintf(stderr, "switchboard restore: cannot move %s to %s: %s\n", targets[i], to,
					strerror(errno));
			free(to);
			if (moved != 0)
				goto out;
		}
		printf("moved the current files aside into %s\n", aside);
	}

	/* The database: copied in, checked against the manifest, migrated. */
	char *src = xasprintf("%s/%s", dir, DB_FILE);
	int copied = copy_file(src, db, 0600, &err);
	free(src);
	if (copied != 0 || rows_match(db, m) != 0) {
		fprintf(stderr, "switchboard restore: %s\n", err ? err : "the restored database differs from the manifest");
		goto out;
	}
	Store *s = store_open(db, STORE_UNCHECKED, &err);
	if (!s || store_migrate(s, 1, &err) != 0) {
		fprintf(stderr, "switchboard restore: the database was restored but not migrated: %s; run "
				"`switchboard migrate`\n", err);
		store_close(s);
		goto out;
	}
	int now_schema = store_schema_version(s);
	store_close(s);

	/* The repository: built beside its place, then renamed into it. */
	json_t *art = json_object_get(m, "artifacts");
	const char *want_head = json_string_value(json_object_get(art, "head"));
	if (!json_object_get(json_object_get(m, "files"), BUNDLE_FILE) && json_is_object(art)) {
		/* The repository existed but held no commit yet. */
		if (artifact_repo_init(repo, &err) != 0) {
			fprintf(stderr, "switchboard restore: %s\n", err);
			goto out;
		}
	} else if (json_object_get(json_object_get(m, "files"), BUNDLE_FILE)) {
		git_libgit2_init();
		char *tmp = xasprintf("%s.restoring", repo);
		char *bundle = xasprintf("%s/%s", dir, BUNDLE_FILE);
		int ok = bundle_read(bundle, tmp, &err) == 0;
		char *head = ok ? repo_head(tmp) : NULL;
		if (ok && (want_head ? !head || strcmp(head, want_head) != 0 : head != NULL)) {
			err = xasprintf("the restored repository's %s is %s, the manifest says %s", ARTIFACT_BRANCH,
					head ? head : "missing", want_head ? want_head : "none");
			ok = 0;
		}
		if (ok && rename(tmp, repo) != 0) {
			err = xasprintf("cannot move %s to %s: %s", tmp, repo, strerror(errno));
			ok = 0;
		}
		free(head);
		free(bundle);
		free(tmp);
		git_libgit2_shutdown();
		if (!ok) {
			fprintf(stderr, "switchboard restore: %s\n", err);
			goto out;
		}
	}
	if (json_object_get(json_object_get(m, "files"), CONF_FILE)) {
		char *from = xasprintf("%s/%s", dir, CONF_FILE);
		int c = copy_file(from, conf, 0600, &err);
		free(from);
		if (c != 0) {
			fprintf(stderr, "switchboard restore: %s\n", err);
			goto out;
		}
	}
	fsync_path(data);
	printf("restored %s from %s (backup of %s, version %s): database at schema %d%s", data, dir,
	       json_string_value(json_object_get(m, "created_at")), json_string_value(json_object_get(m, "version")),
	       now_schema, now_schema != schema ? " (migrated)" : "");
	if (want_head)
		printf(", artifact repository at %.12s", want_head);
	printf("%s.\nStart the web server and the worker; switchboard-gen rebuilds the reports on its next run.\n",
	       json_object_get(json_object_get(m, "files"), CONF_FILE) ? ", switchboard.conf" : "");
	rc = 0;
out:
	free(err);
	free(aside);
	for (size_t i = 0; i < ARRAY_LEN(targets); i++)
		free(targets[i]);
	json_decref(m);
	return rc;
}
