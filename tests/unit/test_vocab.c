/*
 * test_vocab.c - the desk's words (core/vocab.h): each set's word list
 * matches its labelled table, and every word has one label.
 */
#include "core/vocab.h"
#include "tap.h"

#include <string.h>

static void same(const Word *set, const char *const *words, int n, const char *what)
{
	int i = 0, agree = 1;
	for (; set[i].word; i++)
		agree &= words[i] && strcmp(set[i].word, words[i]) == 0;
	agree &= words[i] == NULL;
	ok(agree, "the %s word list is the labelled table's", what);
	is_int(i, n, "%d %s", n, what);
}

int main(void)
{
	same(vocab_types, vocab_type_words, VOCAB_NTYPES, "types");
	same(vocab_urgencies, vocab_urgency_words, VOCAB_NURGENCIES, "urgencies");
	same(vocab_routes, vocab_route_words, VOCAB_NROUTES, "routes");
	same(vocab_statuses, vocab_status_words, VOCAB_NSTATUSES, "statuses");
	is_str(vocab_label("consult"), "Consultation", "one label for consult");
	is_str(vocab_label("HUMAN"), "Person", "one label for the person route");
	is_str(vocab_label("superseded"), "Superseded by a reply, not sent", "message states have labels");
	is_str(vocab_label("no_such_word"), "no_such_word", "an unknown word is shown as it is");
	is_int(vocab_index(vocab_urgencies, "low"), 2, "index of a word");
	is_int(vocab_index(vocab_urgencies, "bug"), -1, "a word of another set");
	is_int(vocab_index(vocab_urgencies, NULL), -1, "NULL");
	ok(vocab_label_in(vocab_types, "urgent") == NULL, "vocab_label_in keeps to its set");
	return done_testing();
}
