/*
 * artifacts.h - the artifact repository: a bare git repository
 * ($SWITCHBOARD_DATA/artifacts.git by default) written with libgit2, where
 * every document version (PRDs, memos, uploads) is a commit on one branch.
 *
 * The database holds metadata; the repository holds content and history.
 * Two writers at once never lose a commit: a commit is built on the
 * branch's current tip and the reference is moved only if it has not moved
 * meanwhile (compare-and-swap), otherwise the commit is rebuilt on the new
 * tip and tried again.  No database access and no HTTP here.
 */
#ifndef SB_ARTIFACTS_H
#define SB_ARTIFACTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

#define ARTIFACT_BRANCH "refs/heads/main"

typedef struct {
	const char *name;  /* "Ada Lovelace" or "Switchboard AI worker" */
	const char *email; /* "ada@example.com" or "ai-worker@switchboard.invalid" */
} ArtifactAuthor;

/* Create the bare repository at repo_path when it does not exist.
 * 0 ok, -1 with *err (malloc'd). */
int artifact_repo_init(const char *repo_path, char **err);

/* Write content at path (e.g. "clients/acme/tasks/12-dark-mode/prd.md")
 * in a new commit on ARTIFACT_BRANCH with message.  content NULL deletes
 * the path.  On success fills commit_hex (41 bytes) and returns 0; -1 with
 * *err.  Paths are checked: no "..", no leading "/", no empty segments. */
int artifact_commit(const char *repo_path, const char *path, const void *content, size_t len,
		    const ArtifactAuthor *author, const char *message, char commit_hex[41], char **err);

/* Read path as of commit (NULL = the branch tip) into out.  0 ok, 1 when
 * the path does not exist there, -1 with *err. */
int artifact_read(const char *repo_path, const char *path, const char *commit_hex, Buf *out, char **err);

typedef struct {
	char commit[41];
	char author[128];
	char email[128];
	int64_t time;     /* unix seconds */
	char message[512]; /* first line */
	int deleted;      /* this commit removed the path */
} ArtifactVersion;

/* The commits that touched path, newest first (at most max).  Returns the
 * count (versions malloc'd into *out, caller frees), -1 with *err. */
int artifact_history(const char *repo_path, const char *path, ArtifactVersion **out, int max, char **err);

/* A unified diff of path between two commits (text files) into out.
 * 0 ok, -1 with *err. */
int artifact_diff(const char *repo_path, const char *path, const char *from_hex, const char *to_hex, Buf *out,
		  char **err);

/* A path segment from free text: lowercase ASCII letters, digits and '-',
 * at most maxlen bytes, never empty ("untitled"). Writes into out. */
void artifact_slug(const char *text, char *out, size_t maxlen);

#endif
