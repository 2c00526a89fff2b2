/*
 * replay.c - runs a fuzz harness over stored inputs without libFuzzer, so
 * `make test` replays the seed corpora and past crashes under the normal
 * and sanitizer builds.
 *
 * Usage: replay_<name> DIR_OR_FILE...  Each regular file directly inside a
 * directory (dotfiles skipped, in name order) is fed once to
 * LLVMFuzzerTestOneInput from an exactly sized heap copy, so ASan sees any
 * read past its end.  Missing arguments are skipped (a harness may have no
 * regressions yet).  Exits 0 after printing how many inputs ran; a finding
 * aborts the process, with the input's path printed just before.  This file
 * must not know about any particular harness.
 */
#include "fuzz.h"
#include "core/util.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* Feed one file to the harness; returns 0, or -1 if it cannot be read. */
static int replay_file(const char *path)
{
	size_t len;
	char *raw = read_file(path, &len);
	uint8_t *copy;

	if (!raw) {
		fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	copy = xmalloc(len);
	memcpy(copy, raw, len);
	free(raw);
	fprintf(stderr, "replay: %s\n", path);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every regular file in dir; adds to *count, returns -1 on I/O errors. */
static int replay_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "replay: cannot open %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof *names);
		}
		names[n++] = xasprintf("%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_names);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(names[i]) < 0)
				rc = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0)
			continue; /* absent: nothing to replay */
		if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) < 0)
				rc = 1;
		} else if (replay_file(argv[i]) < 0) {
			rc = 1;
		} else {
			count++;
		}
	}
	printf("%zu inputs replayed\n", count);
	return rc;
}
