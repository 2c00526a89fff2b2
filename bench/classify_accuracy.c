/*
 * classify_accuracy.c - how well, and how fast, the built-in classifier does.
 *
 * Usage: classify_accuracy [-v] [-k FOLDS] TRAIN.tsv HELDOUT.tsv
 *
 * Trains a model on TRAIN.tsv, labels every line of HELDOUT.tsv and prints
 * type and urgency accuracy, both confusion matrices, per-class recall and
 * precision, how well the confidences are calibrated, and the time to train
 * and to classify one message.  With -k it also reports a k-fold
 * cross-validation on TRAIN.tsv alone, which is the figure to tune against
 * (tuning against HELDOUT.tsv would make it worthless).  -v lists each
 * held-out message the model gets wrong.
 *
 * A benchmark, not a test: it prints figures and never fails on them.  It
 * exits non-zero only when it cannot read or parse its inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ai/classify_builtin.h"
#include "core/util.h"

typedef struct {
	char *text;
	int type, urgency;
} Example;

typedef struct {
	Example *v;
	size_t n;
} ExampleSet;

/* Seconds on the monotonic clock. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Parse the TSV at path into *set (same format as classifier_train).
 * Returns 0, or -1 after printing why on stderr. */
static int load_examples(const char *path, ExampleSet *set)
{
	size_t len;
	char *data = read_file(path, &len);
	if (!data) {
		perror(path);
		return -1;
	}
	size_t cap = 0, line = 0;
	set->v = NULL;
	set->n = 0;
	for (char *p = data, *next; p < data + len; p = next) {
		line++;
		char *nl = memchr(p, '\n', (size_t)(data + len - p));
		next = nl ? nl + 1 : data + len;
		if (nl)
			*nl = '\0';
		size_t l = strlen(p);
		if (l && p[l - 1] == '\r')
			p[--l] = '\0';
		if (l == 0 || p[0] == '#')
			continue;
		char *t1 = strchr(p, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2) {
			fprintf(stderr, "%s:%zu: expected type<TAB>urgency<TAB>text\n",
			        path, line);
			free(data);
			return -1;
		}
		*t1 = *t2 = '\0';
		Example e = {xstrdup(t2 + 1), classify_type_index(p),
		             classify_urgency_index(t1 + 1)};
		if (e.type < 0 || e.urgency < 0) {
			fprintf(stderr, "%s:%zu: unknown label '%s' / '%s'\n", path,
			        line, p, t1 + 1);
			free(e.text);
			free(data);
			return -1;
		}
		if (set->n == cap)
			set->v = xrealloc(set->v, (cap = cap ? 2 * cap : 256) * sizeof *set->v);
		set->v[set->n++] = e;
	}
	free(data);
	return 0;
}

static void free_examples(ExampleSet *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->v[i].text);
	free(set->v);
}

/* The examples of set, except those with index % folds == skip (all of them
 * when folds is 0), as a TSV the caller frees. */
static char *to_tsv(const ExampleSet *set, size_t folds, size_t skip,
                    size_t *len)
{
	size_t nt, nu;
	const char *const *tn = classify_types(&nt);
	const char *const *un = classify_urgencies(&nu);
	Buf b = {0};
	for (size_t i = 0; i < set->n; i++) {
		if (folds && i % folds == skip)
			continue;
		buf_printf(&b, "%s\t%s\t%s\n", tn[set->v[i].type],
		           un[set->v[i].urgency], set->v[i].text);
	}
	*len = b.len;
	return buf_detach(&b);
}

/* Outcome of labelling a set of examples. */
typedef struct {
	size_t n, type_ok, urg_ok;
	size_t type_cm[CLS_NTYPES][CLS_NTYPES];          /* [actual][predicted] */
	size_t urg_cm[CLS_NURGENCIES][CLS_NURGENCIES];
	/* calibration of the type confidence in five bins of width 0.2 */
	size_t bin_n[5], bin_ok[5];
	double bin_conf[5];
	double conf_right, conf_wrong; /* sums */
} Tally;

/* Label the examples of set with index % folds == only (all when folds is
 * 0) and add the results to *t; with verbose, print the mistakes. */
static void evaluate(const ClassifierModel *m, const ExampleSet *set,
                     size_t folds, size_t only, int verbose, Tally *t)
{
	for (size_t i = 0; i < set->n; i++) {
		if (folds && i % folds != only)
			continue;
		const Example *e = &set->v[i];
		Classification c;
		if (classifier_predict(m, e->text, &c) != 0)
			continue;
		int pt = classify_type_index(c.type);
		int pu = classify_urgency_index(c.urgency);
		t->n++;
		t->type_ok += pt == e->type;
		t->urg_ok += pu == e->urgency;
		t->type_cm[e->type][pt]++;
		t->urg_cm[e->urgency][pu]++;
		int bin = (int)(c.confidence * 5);
		bin = bin > 4 ? 4 : bin;
		t->bin_n[bin]++;
		t->bin_ok[bin] += pt == e->type;
		t->bin_conf[bin] += c.confidence;
		if (pt == e->type)
			t->conf_right += c.confidence;
		else
			t->conf_wrong += c.confidence;
		if (verbose && (pt != e->type || pu != e->urgency)) {
			size_t nt, nu;
			const char *const *tn = classify_types(&nt);
			const char *const *un = classify_urgencies(&nu);
			printf("  %s%-15s -> %-15s %s%-6s -> %-6s (%.2f/%.2f) %s\n",
			       pt != e->type ? "T " : "  ", tn[e->type], c.type,
			       pu != e->urgency ? "U " : "  ", un[e->urgency],
			       c.urgency, c.confidence, c.urgency_confidence, e->text);
		}
	}
}

/* Print a confusion matrix cm[k][k] (rows actual, columns predicted) with
 * per-class recall and precision. */
static void print_matrix(const char *title, const char *const *names,
                         size_t k, const size_t *cm)
{
	enum { COL = 11 }; /* column width; longer names are cut in the header */
	int w = 9;         /* row label width: the longest name, or "precision" */
	for (size_t c = 0; c < k; c++)
		if ((int)strlen(names[c]) > w)
			w = (int)strlen(names[c]);
	printf("\n%s confusion (rows = actual, columns = predicted)\n", title);
	printf("  %-*s", w, "");
	for (size_t c = 0; c < k; c++)
		printf(" %*.*s", COL, COL, names[c]);
	printf(" %*s\n", COL, "recall");
	for (size_t r = 0; r < k; r++) {
		size_t row = 0;
		printf("  %-*s", w, names[r]);
		for (size_t c = 0; c < k; c++) {
			printf(" %*zu", COL, cm[r * k + c]);
			row += cm[r * k + c];
		}
		printf(" %*.1f%%\n", COL - 1,
		       row ? 100.0 * (double)cm[r * k + r] / (double)row : 0.0);
	}
	printf("  %-*s", w, "precision");
	for (size_t c = 0; c < k; c++) {
		size_t col = 0;
		for (size_t r = 0; r < k; r++)
			col += cm[r * k + c];
		printf(" %*.1f%%", COL - 1,
		       col ? 100.0 * (double)cm[c * k + c] / (double)col : 0.0);
	}
	printf("\n");
}

static void print_tally(const char *what, const Tally *t)
{
	size_t nt, nu;
	const char *const *tn = classify_types(&nt);
	const char *const *un = classify_urgencies(&nu);
	printf("%s: %zu messages\n", what, t->n);
	if (!t->n)
		return;
	printf("  type accuracy    %6.1f%%  (%zu/%zu)\n",
	       100.0 * (double)t->type_ok / (double)t->n, t->type_ok, t->n);
	printf("  urgency accuracy %6.1f%%  (%zu/%zu)\n",
	       100.0 * (double)t->urg_ok / (double)t->n, t->urg_ok, t->n);
	print_matrix("Type", tn, nt, &t->type_cm[0][0]);
	print_matrix("Urgency", un, nu, &t->urg_cm[0][0]);

	printf("\nType confidence calibration\n");
	printf("  %-11s %6s %10s %10s\n", "confidence", "count", "mean conf", "accuracy");
	double ece = 0;
	for (int b = 0; b < 5; b++) {
		if (!t->bin_n[b])
			continue;
		double mc = t->bin_conf[b] / (double)t->bin_n[b];
		double acc = (double)t->bin_ok[b] / (double)t->bin_n[b];
		printf("  %.1f - %.1f   %6zu %10.2f %9.1f%%\n", b * 0.2, b * 0.2 + 0.2,
		       t->bin_n[b], mc, 100 * acc);
		ece += (double)t->bin_n[b] / (double)t->n * (mc > acc ? mc - acc : acc - mc);
	}
	size_t wrong = t->n - t->type_ok;
	printf("  mean confidence when right %.2f, when wrong %.2f; "
	       "expected calibration error %.3f\n",
	       t->type_ok ? t->conf_right / (double)t->type_ok : 0.0,
	       wrong ? t->conf_wrong / (double)wrong : 0.0, ece);
}

int main(int argc, char **argv)
{
	int verbose = 0;
	size_t folds = 0;
	int argi = 1;
	for (; argi < argc && argv[argi][0] == '-'; argi++) {
		if (!strcmp(argv[argi], "-v"))
			verbose = 1;
		else if (!strcmp(argv[argi], "-k") && argi + 1 < argc)
			folds = (size_t)strtoul(argv[++argi], NULL, 10);
		else
			break;
	}
	if (argc - argi != 2 || folds == 1) {
		fprintf(stderr, "usage: %s [-v] [-k FOLDS] TRAIN.tsv HELDOUT.tsv\n", argv[0]);
		return 2;
	}
	const char *train_path = argv[argi], *heldout_path = argv[argi + 1];

	size_t len;
	char *corpus = read_file(train_path, &len);
	if (!corpus) {
		perror(train_path);
		return 1;
	}
	char *err = NULL;
	ClassifierModel *m = classifier_train(corpus, len, &err);
	if (!m) {
		fprintf(stderr, "%s: %s\n", train_path, err);
		free(err);
		free(corpus);
		return 1;
	}
	/* Training time over several runs after the one above: the fastest is
	 * the figure least disturbed by other load on the machine. */
	enum { TRAIN_RUNS = 21 };
	double train_ms[TRAIN_RUNS];
	for (int r = 0; r < TRAIN_RUNS; r++) {
		double t = now_s();
		classifier_free(classifier_train(corpus, len, NULL));
		train_ms[r] = (now_s() - t) * 1000;
	}
	qsort(train_ms, TRAIN_RUNS, sizeof *train_ms, cmp_double);
	free(corpus);

	ExampleSet heldout, train;
	if (load_examples(heldout_path, &heldout) != 0 ||
	    load_examples(train_path, &train) != 0)
		return 1;

	printf("Switchboard built-in classifier\n");
	printf("  training set  %s: %zu examples, %zu distinct features\n",
	       train_path, classifier_examples(m), classifier_features(m));
	printf("  held-out set  %s: %zu examples\n\n", heldout_path, heldout.n);

	Tally ht = {0};
	if (verbose)
		printf("Held-out mistakes (T = type wrong, U = urgency wrong):\n");
	evaluate(m, &heldout, 0, 0, verbose, &ht);
	if (verbose)
		printf("\n");
	print_tally("Held-out", &ht);

	if (folds) {
		Tally ct = {0};
		for (size_t f = 0; f < folds; f++) {
			size_t tl;
			char *tsv = to_tsv(&train, folds, f, &tl);
			ClassifierModel *fm = classifier_train(tsv, tl, NULL);
			free(tsv);
			if (fm)
				evaluate(fm, &train, folds, f, 0, &ct);
			classifier_free(fm);
		}
		char what[64];
		snprintf(what, sizeof what, "\n%zu-fold cross-validation on the training set", folds);
		print_tally(what, &ct);
	}

	/* Classification time per message: passes over the held-out set, the
	 * fastest pass counts, as for training. */
	enum { PREDICT_RUNS = 21 };
	double pass_us[PREDICT_RUNS];
	Classification c;
	for (int r = 0; r < PREDICT_RUNS; r++) {
		double t = now_s();
		for (size_t i = 0; i < heldout.n; i++)
			classifier_predict(m, heldout.v[i].text, &c);
		pass_us[r] = (now_s() - t) * 1e6 / (double)(heldout.n ? heldout.n : 1);
	}
	qsort(pass_us, PREDICT_RUNS, sizeof *pass_us, cmp_double);

	double t0 = now_s();
	classify_builtin("hello", &c);
	double builtin_first_ms = (now_s() - t0) * 1000;

	printf("\nTiming (wall clock; fastest and median of %d runs)\n", TRAIN_RUNS);
	printf("  %-34s %8.2f ms  median %8.2f ms\n", "train on the training set",
	       train_ms[0], train_ms[TRAIN_RUNS / 2]);
	printf("  %-34s %8.2f us  median %8.2f us\n", "classify one held-out message",
	       pass_us[0], pass_us[PREDICT_RUNS / 2]);
	printf("  %-34s %8.2f ms  (once; trains the compiled-in corpus)\n",
	       "first classify_builtin() call", builtin_first_ms);

	classifier_free(m);
	free_examples(&heldout);
	free_examples(&train);
	return 0;
}
