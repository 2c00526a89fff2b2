/*
 * test_classify.c - the built-in classifier: labels for obvious messages,
 * determinism, hostile input, the validators, corpus errors, the corpus
 * rules, and accuracy on data/corpus/heldout.tsv above the targets.
 *
 * Run from the repository root (as `make test` does): the held-out check
 * reads data/corpus/train.tsv and heldout.tsv relative to the current directory.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ai/classify_builtin.h"
#include "tap.h"
#include "core/util.h"

#define HELDOUT_PATH "data/corpus/heldout.tsv"
#define TRAIN_PATH "data/corpus/train.tsv"
#define TYPE_TARGET 0.85
#define URGENCY_TARGET 0.75

/* 1 if c is a complete classification with valid labels and confidences. */
static int well_formed(const Classification *c)
{
	return classify_valid_type(c->type) && classify_valid_urgency(c->urgency) &&
	       c->confidence >= 0 && c->confidence <= 1 &&
	       c->urgency_confidence >= 0 && c->urgency_confidence <= 1;
}

static void test_obvious(void)
{
	static const struct {
		const char *text, *type, *urgency;
	} cases[] = {
		{"the website is down!! customers cant check out", "bug", "urgent"},
		{"checkout is broken, nobody can pay, please fix asap", "bug", "urgent"},
		{"no rush, but the footer logo looks a bit blurry", "bug", "low"},
		{"could you add a wishlist to the shop?", "feature_request", NULL},
		{"one day it would be nice to have dark mode in the app, no rush",
		 "feature_request", "low"},
		{"how do I add a new product to the shop?", "question", NULL},
		{"can we set up a call to discuss a quote for a new booking app",
		 "consult", NULL},
		{"thanks so much, have a great weekend!", "other", "low"},
		{"quick question, the site is down", "bug", "urgent"},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		Classification c;
		is_int(classify_builtin(cases[i].text, &c), 0, "classify '%s'",
		       cases[i].text);
		is_str(c.type, cases[i].type, "type of '%s'", cases[i].text);
		if (cases[i].urgency)
			is_str(c.urgency, cases[i].urgency, "urgency of '%s'",
			       cases[i].text);
		ok(well_formed(&c), "well-formed result for '%s'", cases[i].text);
	}
}

static void test_determinism(void)
{
	const char *text = "hi, the booking page shows an error since this morning 😬";
	Classification a, b;
	classify_builtin(text, &a);
	classify_builtin(text, &b);
	ok(memcmp(&a, &b, sizeof a) == 0, "same text, same result");

	size_t len;
	char *corpus = read_file(TRAIN_PATH, &len);
	ok(corpus != NULL, "read %s", TRAIN_PATH);
	if (!corpus)
		return;
	ClassifierModel *m1 = classifier_train(corpus, len, NULL);
	ClassifierModel *m2 = classifier_train(corpus, len, NULL);
	ok(m1 && m2, "train twice from the same corpus");
	Classification c1, c2;
	is_int(classifier_predict(m1, text, &c1), 0, "predict with model 1");
	is_int(classifier_predict(m2, text, &c2), 0, "predict with model 2");
	ok(c1.confidence == c2.confidence && !strcmp(c1.type, c2.type) &&
	       c1.urgency_confidence == c2.urgency_confidence &&
	       !strcmp(c1.urgency, c2.urgency),
	   "two models from one corpus agree exactly");
	ok(c1.confidence == a.confidence && !strcmp(c1.type, a.type),
	   "model from %s agrees with the compiled-in one", TRAIN_PATH);
	classifier_free(m1);
	classifier_free(m2);
	free(corpus);
}

static void test_hostile_input(void)
{
	static const char *const inputs[] = {
		"", " ", "   \t\n  \r\n", "🙏", "🔥🔥🔥🚨", "!!!", "???", "?", "$$$",
		"\xff\xfe\x80\xc3", "\xf0\x9f", "a", "ÁÉÍÓÚ ñ ÇÀ", "日本語のテキスト",
		"HELP HELP HELP", "'''''", "don’t", "1234567890",
	};
	for (size_t i = 0; i < ARRAY_LEN(inputs); i++) {
		Classification c;
		int rc = classify_builtin(inputs[i], &c);
		ok(rc == 0 && well_formed(&c), "odd input #%zu gives valid labels", i);
	}

	/* 5000 characters: one long word, and many short words with emoji. */
	char *big = xmalloc(5001);
	memset(big, 'x', 5000);
	big[5000] = '\0';
	Classification c;
	ok(classify_builtin(big, &c) == 0 && well_formed(&c), "5000-char word");
	for (size_t i = 0; i < 5000; i++)
		big[i] = "site is down!!🙏 "[i % 19];
	big[4999] = '\0';
	ok(classify_builtin(big, &c) == 0 && well_formed(&c),
	   "5000 chars of words and emoji");
	free(big);

	is_int(classify_builtin(NULL, &c), -1, "NULL text refused");
	is_int(classify_builtin("hi", NULL), -1, "NULL result refused");
	is_int(classifier_predict(NULL, "hi", &c), -1, "NULL model refused");
}

static void test_validators(void)
{
	size_t n;
	const char *const *types = classify_types(&n);
	is_int(n, 5, "five types");
	for (size_t i = 0; i < n; i++) {
		ok(classify_valid_type(types[i]), "type '%s' valid", types[i]);
		is_int(classify_type_index(types[i]), i, "index of '%s'", types[i]);
	}
	const char *const *urgencies = classify_urgencies(&n);
	is_int(n, 3, "three urgencies");
	for (size_t i = 0; i < n; i++) {
		ok(classify_valid_urgency(urgencies[i]), "urgency '%s' valid",
		   urgencies[i]);
		is_int(classify_urgency_index(urgencies[i]), i, "index of '%s'",
		       urgencies[i]);
	}
	is_str(types[CLS_TYPE_FEATURE_REQUEST], "feature_request", "enum order");
	is_str(urgencies[CLS_URGENCY_LOW], "low", "enum order");
	ok(!classify_valid_type("Bug"), "types are case-sensitive");
	ok(!classify_valid_type("bugs"), "'bugs' is no type");
	ok(!classify_valid_type(""), "empty is no type");
	ok(!classify_valid_type(NULL), "NULL is no type");
	ok(!classify_valid_type("urgent"), "an urgency is no type");
	ok(!classify_valid_urgency("high"), "'high' is no urgency");
	ok(!classify_valid_urgency("bug"), "a type is no urgency");
	ok(!classify_valid_urgency(NULL), "NULL is no urgency");
	is_int(classify_type_index("nope"), -1, "index of unknown type");
}

/* Train on corpus; expect failure with err starting with want. */
static void expect_error(const char *corpus, const char *want, const char *why)
{
	char *err = NULL;
	ClassifierModel *m = classifier_train(corpus, strlen(corpus), &err);
	ok(m == NULL, "rejected: %s", why);
	ok(err && strncmp(err, want, strlen(want)) == 0, "message for %s", why);
	if (!err || strncmp(err, want, strlen(want)) != 0)
		printf("#   got: '%s'\n#   expected to start: '%s'\n",
		       err ? err : "(null)", want);
	free(err);
	classifier_free(m);
}

static void test_corpus_errors(void)
{
	expect_error("bug\turgent\tsite down\nbug urgent site down\n",
	             "line 2: expected type<TAB>urgency<TAB>text", "no tabs");
	expect_error("# c\n\nbug\turgent\tok\nbugg\tlow\ttypo\n",
	             "line 4: unknown type 'bugg'", "unknown type");
	expect_error("bug\tsoon\tsite down\n", "line 1: unknown urgency 'soon'",
	             "unknown urgency");
	expect_error("bug\turgent\tsite\tdown\n", "line 1: too many fields",
	             "tab in the text");
	expect_error("bug\turgent\t\n", "line 1: empty text", "empty text");
	expect_error("bug\turgent\t   \n", "line 1: empty text", "blank text");
	expect_error("", "no training examples", "empty corpus");
	expect_error("# only a comment\n\n", "no training examples",
	             "comments only");

	static const char crlf[] =
	    "# comment\r\nbug\turgent\tthe site is down\r\n\r\n"
	    "other\tlow\tthanks!\r\nquestion\tmedium\thow do i log in?";
	char *err = NULL;
	ClassifierModel *m = classifier_train(crlf, strlen(crlf), &err);
	ok(m != NULL && err == NULL, "CRLF, comments, no final newline accepted");
	Classification c;
	ok(m && classifier_predict(m, "site down", &c) == 0 && !strcmp(c.type, "bug"),
	   "tiny model predicts");
	is_int(classifier_examples(m), 3, "three examples counted");
	classifier_free(m);
	ok(classifier_train("bug\turgent\tx\n", 11, NULL) == NULL,
	   "err may be NULL (and a line cut short by len is malformed)");
}

/* One labelled line of a corpus file. */
typedef struct {
	char *type, *urgency, *text;
} Line;

/* Split the corpus at path into lines[] (pointing into *data, which the
 * caller frees along with the array); returns the count or -1. */
static long load_lines(const char *path, char **data, Line **lines)
{
	size_t len;
	*data = read_file(path, &len);
	*lines = NULL;
	if (!*data)
		return -1;
	long n = 0, cap = 0;
	for (char *p = *data, *next; *p; p = next) {
		char *nl = strchr(p, '\n');
		next = nl ? nl + 1 : p + strlen(p);
		if (nl)
			*nl = '\0';
		if (!*p || *p == '#')
			continue;
		char *t1 = strchr(p, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2)
			continue;
		*t1 = *t2 = '\0';
		if (n == cap)
			*lines = xrealloc(*lines, (size_t)(cap = cap ? cap * 2 : 256) * sizeof **lines);
		(*lines)[n++] = (Line){p, t1 + 1, t2 + 1};
	}
	return n;
}

/* Lowercase letters and digits of s only, in out (size outlen). */
static void squash(const char *s, char *out, size_t outlen)
{
	size_t j = 0;
	for (; *s && j + 1 < outlen; s++)
		if (isalnum((unsigned char)*s))
			out[j++] = (char)tolower((unsigned char)*s);
	out[j] = '\0';
}

static void test_corpus_rules(void)
{
	char *tdata, *hdata;
	Line *train, *held;
	long nt = load_lines(TRAIN_PATH, &tdata, &train);
	long nh = load_lines(HELDOUT_PATH, &hdata, &held);
	ok(nt >= 700, "training corpus has %ld lines (>= 700)", nt);
	ok(nh >= 150, "held-out set has %ld lines (>= 150)", nh);

	size_t tcount[CLS_NTYPES] = {0}, ucount[CLS_NURGENCIES] = {0};
	int bad = 0;
	for (long i = 0; i < nt; i++) {
		int t = classify_type_index(train[i].type);
		int u = classify_urgency_index(train[i].urgency);
		if (t < 0 || u < 0) {
			bad++;
			continue;
		}
		tcount[t]++;
		ucount[u]++;
	}
	is_int(bad, 0, "every training line has valid labels");
	int spread = 1;
	for (int t = 0; t < CLS_NTYPES; t++)
		spread &= tcount[t] >= 50;
	for (int u = 0; u < CLS_NURGENCIES; u++)
		spread &= ucount[u] >= 100;
	ok(spread, "every type has >= 50 and every urgency >= 100 examples");

	/* No held-out line may be in the training set, even re-punctuated. */
	int copies = 0;
	char a[1024], b[1024];
	for (long i = 0; i < nh; i++) {
		squash(held[i].text, a, sizeof a);
		for (long j = 0; j < nt; j++) {
			squash(train[j].text, b, sizeof b);
			if (a[0] && strcmp(a, b) == 0) {
				printf("# held-out line in training set: %s\n", held[i].text);
				copies++;
			}
		}
	}
	is_int(copies, 0, "no held-out line appears in the training set");
	free(train);
	free(held);
	free(tdata);
	free(hdata);
}

static void test_heldout_accuracy(void)
{
	char *data;
	Line *lines;
	long n = load_lines(HELDOUT_PATH, &data, &lines);
	ok(n > 0, "read %s (run from the repository root)", HELDOUT_PATH);
	if (n <= 0) {
		free(data);
		return;
	}
	long type_ok = 0, urg_ok = 0;
	for (long i = 0; i < n; i++) {
		Classification c;
		classify_builtin(lines[i].text, &c);
		type_ok += strcmp(c.type, lines[i].type) == 0;
		urg_ok += strcmp(c.urgency, lines[i].urgency) == 0;
	}
	double ta = (double)type_ok / (double)n, ua = (double)urg_ok / (double)n;
	ok(ta >= TYPE_TARGET, "held-out type accuracy %.1f%% >= %.0f%%", 100 * ta,
	   100 * TYPE_TARGET);
	ok(ua >= URGENCY_TARGET, "held-out urgency accuracy %.1f%% >= %.0f%%",
	   100 * ua, 100 * URGENCY_TARGET);
	free(lines);
	free(data);
}

int main(void)
{
	test_obvious();
	test_determinism();
	test_hostile_input();
	test_validators();
	test_corpus_errors();
	test_corpus_rules();
	test_heldout_accuracy();
	return done_testing();
}
