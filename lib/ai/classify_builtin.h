/*
 * classify_builtin.h - the built-in, offline classifier for client SMS.
 *
 * Labels a message with a type (bug, consult, feature_request, question,
 * other) and an urgency (urgent, medium, low), each with the model's
 * posterior probability as a confidence.  The model is a pair of naive Bayes
 * classifiers over word unigrams, bigrams and a few hand-made cue features,
 * trained from a labelled TSV corpus (data/corpus/README.md).  Results are
 * deterministic: the same corpus and text always give the same answer.
 *
 * This module must not touch the network, the database or the clock, and it
 * never stores the text it is given.  It is not thread-safe: the built-in
 * model is trained lazily on first use by whichever thread gets there first.
 */
#ifndef SB_CLASSIFY_BUILTIN_H
#define SB_CLASSIFY_BUILTIN_H

#include <stddef.h>

/* The closed label sets.  The names are the strings in the corpus and in
 * Classification; classify_types()/classify_urgencies() list them in this
 * order. */
typedef enum {
	CLS_TYPE_BUG,
	CLS_TYPE_CONSULT,
	CLS_TYPE_FEATURE_REQUEST,
	CLS_TYPE_QUESTION,
	CLS_TYPE_OTHER,
	CLS_NTYPES
} ClsType;

typedef enum {
	CLS_URGENCY_URGENT,
	CLS_URGENCY_MEDIUM,
	CLS_URGENCY_LOW,
	CLS_NURGENCIES
} ClsUrgency;

typedef struct {
	char type[24];             /* one of classify_types() */
	char urgency[16];          /* one of classify_urgencies() */
	double confidence;         /* posterior of the chosen type, in [0,1] */
	double urgency_confidence; /* posterior of the chosen urgency, in [0,1] */
} Classification;

/* Classify text (NUL-terminated UTF-8; any bytes are tolerated) with the
 * model trained from the corpus compiled into the program.  The first call
 * trains it (a few milliseconds).  Returns 0 and fills *out, or -1 if text
 * or out is NULL.  Aborts through sb_die if the compiled-in corpus is
 * malformed, which is a build bug. */
int classify_builtin(const char *text, Classification *out);

/* The label names, in enum order; *n receives the count.  Static storage. */
const char *const *classify_types(size_t *n);
const char *const *classify_urgencies(size_t *n);

/* 1 if s is exactly one of the label names, else 0 (NULL gives 0). */
int classify_valid_type(const char *s);
int classify_valid_urgency(const char *s);

/* Index of a label name in enum order, or -1 if s is not one. */
int classify_type_index(const char *s);
int classify_urgency_index(const char *s);

/* A trained model.  Opaque; immutable once trained. */
typedef struct ClassifierModel ClassifierModel;

/* Train a model from a TSV corpus of len bytes: lines of
 * type<TAB>urgency<TAB>text; blank lines and lines starting with '#' are
 * skipped; a trailing CR is ignored.  Returns a model the caller releases
 * with classifier_free, or NULL on a malformed corpus with *err (if err is
 * not NULL) set to a malloc'd message naming the line ("line 12: unknown
 * type 'bugg'"), which the caller frees. */
ClassifierModel *classifier_train(const char *tsv, size_t len, char **err);

/* Classify text with model.  Returns 0 and fills *out, or -1 if an argument
 * is NULL.  Does not modify the model. */
int classifier_predict(const ClassifierModel *model, const char *text,
                       Classification *out);

/* Release a model; NULL is allowed. */
void classifier_free(ClassifierModel *model);

/* Number of training examples and distinct features in model (for the
 * benchmark's report). */
size_t classifier_examples(const ClassifierModel *model);
size_t classifier_features(const ClassifierModel *model);

#endif
