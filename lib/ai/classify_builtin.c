/*
 * classify_builtin.c - the built-in, offline SMS classifier (see
 * classify_builtin.h for the contract and data/corpus/README.md for the
 * corpus).
 *
 * A message becomes a set of features: lowercased, lightly normalised and
 * stemmed word unigrams and bigrams, the first word, emoji, "!", "!!", "?",
 * and a handful of cue features from small phrase lists ("no rush", "asap",
 * "can we add", ...).  Two multinomial naive Bayes models over binarised
 * feature counts, one for type and one for urgency, score the set; the
 * reported confidence is the softmax of the scores at a temperature that
 * tempers naive Bayes' usual over-confidence.  The urgency model ignores
 * bigrams: on this corpus they add more noise than signal to it.
 *
 * Everything here is pure computation on its inputs: no I/O, no clock, no
 * randomness, no global state besides the lazily trained built-in model.
 * Text is untrusted: any bytes, any length (only the first MAX_TOKENS tokens
 * count), invalid UTF-8 included.
 */
#include "ai/classify_builtin.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* The training corpus compiled in by the GNUmakefile ($(O)/gen/corpus_data.c). */
extern const char sb_corpus_train[];
extern const size_t sb_corpus_train_len;

/*
 * Tuning, chosen by 10-fold cross-validation on the training corpus only
 * (`make bench-classify` prints it); never tune against heldout.tsv.
 */
/* Additive smoothing of per-class feature counts.  Urgency rests on fewer
 * words, so it is smoothed more. */
#define TYPE_ALPHA 0.3
#define URGENCY_ALPHA 1.0
/* How many times a hand-made cue feature ("__...") counts, relative to a
 * word.  They pool evidence from many rare phrasings, so they earn more. */
#define CUE_WEIGHT 2
/* Softmax temperatures turning naive Bayes log scores into confidences
 * (naive Bayes counts correlated words as independent evidence, so raw
 * posteriors are far too sure). */
#define TEMP_TYPE 3.0
#define TEMP_URGENCY 2.0

#define MAX_WORD 32     /* bytes kept of one word; the rest is dropped */
#define MAX_TOKENS 512  /* tokens read from one message */

static const char *const type_names[CLS_NTYPES] = {
	"bug", "consult", "feature_request", "question", "other",
};
static const char *const urgency_names[CLS_NURGENCIES] = {
	"urgent", "medium", "low",
};

const char *const *classify_types(size_t *n)
{
	if (n)
		*n = CLS_NTYPES;
	return type_names;
}

const char *const *classify_urgencies(size_t *n)
{
	if (n)
		*n = CLS_NURGENCIES;
	return urgency_names;
}

/* Index of the name equal to the n bytes at s in names[count], or -1. */
static int name_index(const char *const *names, int count, const char *s,
                      size_t n)
{
	for (int i = 0; i < count; i++)
		if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
			return i;
	return -1;
}

int classify_type_index(const char *s)
{
	return s ? name_index(type_names, CLS_NTYPES, s, strlen(s)) : -1;
}

int classify_urgency_index(const char *s)
{
	return s ? name_index(urgency_names, CLS_NURGENCIES, s, strlen(s)) : -1;
}

int classify_valid_type(const char *s)
{
	return classify_type_index(s) >= 0;
}

int classify_valid_urgency(const char *s)
{
	return classify_urgency_index(s) >= 0;
}

/* ---- Tokens ---------------------------------------------------------- */

enum { TOK_WORD, TOK_SYMBOL, TOK_PUNCT };

typedef struct {
	unsigned char kind;   /* TOK_* */
	unsigned char shout;  /* a word written in capitals ("HELP") */
	char text[MAX_WORD + 1];
} Token;

typedef struct {
	Token *v;
	size_t n, cap;
} TokenList;

/* A word being accumulated by the tokenizer. */
typedef struct {
	char s[MAX_WORD + 1];
	size_t len;
	int upper, lower;
} WordAcc;

/* Common SMS spellings mapped to one form, so "pls" and "please" share
 * evidence.  Applied to whole words after lowercasing. */
static const char *const synonyms[][2] = {
	{"2day", "today"},     {"2moro", "tomorrow"}, {"2morrow", "tomorrow"},
	{"2nite", "tonight"},  {"abt", "about"},      {"acct", "account"},
	{"b4", "before"},      {"bc", "because"},     {"biz", "business"},
	{"cld", "could"},      {"coz", "because"},    {"cuz", "because"},
	{"hour", "hr"},        {"hours", "hr"},       {"hrs", "hr"},
	{"minute", "min"},     {"minutes", "min"},    {"mins", "min"},
	{"msg", "message"},    {"pic", "photo"},      {"pics", "photo"},
	{"photos", "photo"},   {"pleas", "please"},   {"pleasee", "please"},
	{"pls", "please"},     {"plse", "please"},    {"plz", "please"},
	{"plzz", "please"},    {"ppl", "people"},     {"pw", "password"},
	{"pwd", "password"},   {"q", "question"},     {"r", "are"},
	{"rn", "now"},         {"ta", "thanks"},      {"thank", "thanks"},
	{"thanx", "thanks"},   {"thks", "thanks"},    {"thnx", "thanks"},
	{"thx", "thanks"},     {"tmr", "tomorrow"},   {"tmrw", "tomorrow"},
	{"tomoz", "tomorrow"}, {"tonite", "tonight"}, {"ty", "thanks"},
	{"u", "you"},          {"ur", "your"},        {"urgente", "urgent"},
	{"website", "site"},   {"wld", "would"},      {"ya", "you"},
};

/* Give the word in w its normal form: runs of three or more equal bytes
 * shortened to two ("sooo" -> "soo"), number shapes replaced by classes
 * ("<num>", "<year>", "<httperr>", "<time>", "<dur>", "<kilo>") and SMS
 * spellings by their synonym. */
static void normalise_word(WordAcc *w)
{
	size_t j = 0;
	for (size_t i = 0; i < w->len; i++) {
		if (j >= 2 && w->s[j - 1] == w->s[i] && w->s[j - 2] == w->s[i])
			continue;
		w->s[j++] = w->s[i];
	}
	w->len = j;
	w->s[j] = '\0';

	size_t digits = strspn(w->s, "0123456789");
	if (digits > 0) {
		const char *rest = w->s + digits;
		const char *cls = NULL;
		if (*rest == '\0') {
			if (digits == 3 && (w->s[0] == '4' || w->s[0] == '5'))
				cls = "<httperr>";
			else if (digits == 4 && (memcmp(w->s, "19", 2) == 0 ||
			                         memcmp(w->s, "20", 2) == 0))
				cls = "<year>";
			else
				cls = "<num>";
		} else if (!strcmp(rest, "am") || !strcmp(rest, "pm")) {
			cls = "<time>";
		} else if (!strcmp(rest, "min") || !strcmp(rest, "mins") ||
		           !strcmp(rest, "h") || !strcmp(rest, "hr") ||
		           !strcmp(rest, "hrs") || !strcmp(rest, "s") ||
		           !strcmp(rest, "sec") || !strcmp(rest, "secs")) {
			cls = "<dur>";
		} else if (!strcmp(rest, "k")) {
			cls = "<kilo>";
		}
		if (cls) {
			w->len = strlen(cls);
			memcpy(w->s, cls, w->len + 1);
			return;
		}
	}
	for (size_t i = 0; i < ARRAY_LEN(synonyms); i++) {
		if (strcmp(w->s, synonyms[i][0]) == 0) {
			w->len = strlen(synonyms[i][1]);
			memcpy(w->s, synonyms[i][1], w->len + 1);
			return;
		}
	}
}

/* Append a token of the given kind with the n bytes at s (truncated to
 * MAX_WORD) to list, unless the list is full. */
static void push_token(TokenList *list, int kind, const char *s, size_t n,
                       int shout)
{
	if (list->n >= MAX_TOKENS)
		return;
	if (list->n == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 32;
		list->v = xrealloc(list->v, list->cap * sizeof *list->v);
	}
	Token *t = &list->v[list->n++];
	if (n > MAX_WORD)
		n = MAX_WORD;
	t->kind = (unsigned char)kind;
	t->shout = (unsigned char)shout;
	memcpy(t->text, s, n);
	t->text[n] = '\0';
}

/* End the word being accumulated, if any, and push it normalised. */
static void flush_word(TokenList *list, WordAcc *w)
{
	if (w->len == 0)
		return;
	w->s[w->len] = '\0';
	int shout = w->upper >= 3 && w->lower == 0;
	normalise_word(w);
	push_token(list, TOK_WORD, w->s, w->len, shout);
	w->len = 0;
	w->upper = w->lower = 0;
}

/* Append the n bytes at s to the word, or drop them if it is full (a
 * multi-byte character is kept whole or not at all). */
static void word_add(WordAcc *w, const unsigned char *s, size_t n)
{
	if (w->len + n > MAX_WORD)
		return;
	memcpy(w->s + w->len, s, n);
	w->len += n;
}

/* Decode one UTF-8 sequence of 2-4 bytes at s (n bytes available).  Returns
 * its length and sets *cp, or 0 if the bytes are not valid UTF-8. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		c = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		c = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* Split the n bytes at text into tokens appended to list: words (ASCII
 * letters and digits, letters with accents; apostrophes inside a word are
 * dropped so "can't" is "cant"), emoji and other pictographs one per token,
 * and the punctuation classes "!", "!!", "?" and "$" (any currency sign).
 * Everything else separates tokens.  Invalid UTF-8 separates too. */
static void tokenize(const char *text, size_t n, TokenList *list)
{
	const unsigned char *s = (const unsigned char *)text;
	WordAcc w = {.len = 0};
	size_t i = 0;
	while (i < n && list->n < MAX_TOKENS) {
		unsigned char c = s[i];
		if (c < 0x80) {
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
				w.lower += c >= 'a';
				word_add(&w, &c, 1);
			} else if (c >= 'A' && c <= 'Z') {
				unsigned char lc = (unsigned char)(c - 'A' + 'a');
				w.upper++;
				word_add(&w, &lc, 1);
			} else if (c == '\'' && w.len > 0) {
				/* inside a word: drop */
			} else {
				flush_word(list, &w);
				if (c == '!') {
					size_t run = 0;
					while (i + run < n && s[i + run] == '!')
						run++;
					push_token(list, TOK_PUNCT, "!!", run > 1 ? 2 : 1, 0);
					i += run;
					continue;
				}
				if (c == '?') {
					while (i < n && s[i] == '?')
						i++;
					push_token(list, TOK_PUNCT, "?", 1, 0);
					continue;
				}
				if (c == '$')
					push_token(list, TOK_PUNCT, "$", 1, 0);
			}
			i++;
			continue;
		}
		uint32_t cp = 0;
		size_t len = utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			flush_word(list, &w);
			i++;
			continue;
		}
		if (len == 2 && cp >= 0xC0 && cp != 0xD7 && cp != 0xF7) {
			/* a letter; lowercase Latin-1 capitals (U+00C0..U+00DE) */
			unsigned char lc[2] = {s[i], s[i + 1]};
			if (cp <= 0xDE) {
				lc[1] = (unsigned char)(lc[1] + 0x20);
				w.upper++;
			} else {
				w.lower++;
			}
			word_add(&w, lc, 2);
		} else if (cp == 0x2018 || cp == 0x2019) {
			/* typographic apostrophe: dropped, like '\'' */
		} else if (cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F) ||
		           cp == 0x20E3 || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
		           (cp >= 0xE0000 && cp <= 0xE007F)) {
			/* joiners, variation selectors, skin tones: invisible */
		} else {
			flush_word(list, &w);
			if (cp == 0xA3 || cp == 0xA5 || (cp >= 0x20A0 && cp <= 0x20CF))
				push_token(list, TOK_PUNCT, "$", 1, 0);
			else if (len >= 3 && cp >= 0x2100)
				push_token(list, TOK_SYMBOL, text + i, len, 0);
		}
		i += len;
	}
	flush_word(list, &w);
}

/* ---- Features -------------------------------------------------------- */

/* Cue phrases, matched as whole words against the normalised (unstemmed)
 * words of a message.  Each list yields one feature. */
static const char *const cue_urgent[] = {
	"asap", "urgent", "urgently", "emergency", "immediately", "right now",
	"sos", "straight away", "right away", "as soon as", "critical",
	"tonight", "today", "this morning", "within the", "<dur>", "losing",
	"help", "quickly", "now",
};
static const char *const cue_low[] = {
	"no rush", "not urgent", "no hurry", "whenever", "when you get a",
	"when you have", "when youre", "at some point", "someday", "some day",
	"one day", "eventually", "low priority", "low prio", "no biggie",
	"not a big deal", "not important", "minor", "no stress", "no deadline",
	"not a priority", "down the line", "long term", "longer term",
	"in the future", "for the future", "nice to have", "just curious",
	"out of interest", "curious", "just wondering", "no urgency",
	"not pressing", "later", "next year", "sometime", "some time",
	"when convenient", "tiny", "small thing", "little thing", "nitpick",
	"at some stage", "not a biggie", "can wait", "whenever you",
};
static const char *const cue_broken[] = {
	"down", "broken", "broke", "error", "errors", "crash", "crashes",
	"crashing", "crashed", "not working", "doesnt work", "dont work",
	"isnt working", "stopped working", "wont", "cant", "failing", "fails",
	"failed", "bug", "glitch", "<httperr>", "blank", "missing", "wrong",
	"stopped", "not loading", "isnt loading", "doesnt load", "offline",
	"hacked", "dead", "kaputt", "issue", "problem", "stuck", "freezes",
	"frozen", "bouncing", "declined", "timeout", "no funciona", "typo",
	"doesnt", "isnt", "not showing", "disappeared", "gone",
};
static const char *const cue_request[] = {
	"can we add", "could we add", "can you add", "could you add", "add a",
	"add an", "please add", "we want", "wed like", "would like",
	"would love", "possible to", "is it possible", "would be nice",
	"would be cool", "nice to have", "feature", "idea", "option to",
	"able to", "can we have", "could we have", "can we get",
	"could we get", "new page", "section", "we need a", "need a",
};
static const char *const cue_advice[] = {
	"advice", "advise", "recommend", "recommendation", "thoughts",
	"opinion", "your view", "strategy", "quote", "proposal", "estimate",
	"budget", "discuss", "chat", "workshop", "options", "should we",
	"worth it", "what would you", "ballpark", "brainstorm",
	"pick your brain", "consider", "talk about", "your input", "plan",
	"worth", "cost", "roadmap",
};
static const char *const cue_ask[] = {
	"how do i", "how do we", "how can i", "where do i", "where is",
	"where can", "what is", "whats", "when will", "when is", "did you",
	"do you", "is there", "who", "which", "status", "eta", "remind me",
	"how many", "how much", "how long", "where", "what", "when",
};
static const char *const cue_social[] = {
	"thanks", "thank you", "cheers", "great", "perfect", "love",
	"congrats", "merry", "happy", "late", "see you", "on my way",
	"paid", "sent", "confirmed", "signed", "noted", "got it", "ok",
	"sorry", "call me", "ring me", "meeting", "holiday", "wrong number",
	"wrong person", "good morning", "speak soon",
};

static const char *const negators[] = {"not", "no", "non", "nothing", "isnt"};

/* Words skipped when looking for the first word of a question, so "hi,
 * quick question: how do I ..." starts with "how". */
static const char *const openers[] = {
	"hi", "hey", "heyy", "hello", "hiya", "heya", "yo", "morning", "dear",
	"ok", "okay", "so", "sorry", "um", "umm", "hola", "bonjour", "quick",
	"question", "random", "just", "team", "guys", "there", "all",
};
static const char *const interrogatives[] = {
	"how", "what", "whats", "where", "wheres", "when", "whens", "who",
	"whos", "which", "why", "is", "are", "do", "does", "did", "have",
	"has", "hows", "any",
};

/* 1 if w is one of the count strings in list. */
static int in_list(const char *w, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(w, list[i]) == 0)
			return 1;
	return 0;
}

/* The words of a message joined by spaces, for matching cue phrases. */
typedef struct {
	Buf text;                  /* "w1 w2 ... wn " */
	size_t start[MAX_TOKENS];  /* offset of word i in text */
	size_t n;
} WordSeq;

/* 1 if phrase (words separated by single spaces) occurs in ws as whole
 * words; with negatable, occurrences right after a negator ("not urgent")
 * don't count. */
static int phrase_hit(const WordSeq *ws, const char *phrase, int negatable)
{
	size_t plen = strlen(phrase);
	for (size_t i = 0; i < ws->n; i++) {
		const char *w = ws->text.s + ws->start[i];
		if (ws->text.len - ws->start[i] <= plen || w[plen] != ' ' ||
		    memcmp(w, phrase, plen) != 0)
			continue;
		if (!negatable || i == 0)
			return 1;
		const char *prev = ws->text.s + ws->start[i - 1];
		size_t prevlen = ws->start[i] - ws->start[i - 1] - 1;
		int negated = 0;
		for (size_t k = 0; k < ARRAY_LEN(negators); k++)
			negated |= strlen(negators[k]) == prevlen &&
			           memcmp(prev, negators[k], prevlen) == 0;
		if (!negated)
			return 1;
	}
	return 0;
}

/* 1 if any phrase of list[count] occurs in ws. */
static int any_phrase(const WordSeq *ws, const char *const *list,
                      size_t count, int negatable)
{
	for (size_t i = 0; i < count; i++)
		if (phrase_hit(ws, list[i], negatable))
			return 1;
	return 0;
}

/* Copy word w to out (MAX_WORD + 1 bytes) with common English suffixes
 * removed, so "crashes", "crashed" and "crashing" all become "crash". */
static void stem(const char *w, char *out)
{
	size_t n = strlen(w);
	memcpy(out, w, n + 1);
	if (w[0] == '<')
		return;
#define ENDS(suf) (n > strlen(suf) && memcmp(out + n - strlen(suf), suf, strlen(suf)) == 0)
	if (n >= 6 && ENDS("ing")) {
		n -= 3;
	} else if (n >= 5 && (ENDS("ied") || ENDS("ies"))) {
		n -= 3;
		out[n++] = 'y';
	} else if (n >= 5 && ENDS("ed")) {
		n -= 2;
	} else if (n >= 4 && ENDS("es") && strchr("sxzh", out[n - 3])) {
		n -= 2;
	} else if (n >= 4 && ENDS("s") && !ENDS("ss") && !ENDS("us") &&
	           !ENDS("is")) {
		n -= 1;
	}
	if (n >= 5 && out[n - 1] == 'e')
		n--;
#undef ENDS
	out[n] = '\0';
}

/* Append each feature of the n bytes at text to feats as a NUL-terminated
 * string.  Features starting with "__" are cues (weighted CUE_WEIGHT). */
static void extract_features(const char *text, size_t n, Buf *feats)
{
	TokenList toks = {0};
	tokenize(text, n, &toks);

	WordSeq *ws = xmalloc(sizeof *ws);
	buf_init(&ws->text);
	ws->n = 0;
	size_t nwords = 0;
	int shout = 0, emoji = 0;
	int seen_word = 0;
	const char *question_word = NULL;
	char prev[MAX_WORD + 1] = "", cur[MAX_WORD + 1];

	for (size_t i = 0; i < toks.n; i++) {
		const Token *t = &toks.v[i];
		if (t->kind != TOK_WORD) {
			buf_append(feats, t->text, strlen(t->text) + 1);
			emoji |= t->kind == TOK_SYMBOL;
			prev[0] = '\0';
			continue;
		}
		nwords++;
		shout |= t->shout;
		ws->start[ws->n++] = ws->text.len;
		buf_puts(&ws->text, t->text);
		buf_putc(&ws->text, ' ');
		if (!question_word && !in_list(t->text, openers, ARRAY_LEN(openers)))
			question_word = t->text;
		stem(t->text, cur);
		if (!seen_word) {
			seen_word = 1;
			buf_printf(feats, "^%s", cur);
			buf_putc(feats, '\0');
		}
		buf_append(feats, cur, strlen(cur) + 1);
		if (prev[0]) {
			buf_printf(feats, "%s %s", prev, cur);
			buf_putc(feats, '\0');
		}
		memcpy(prev, cur, sizeof prev);
	}

	struct {
		const char *name;
		int on;
	} cues[] = {
		{"__short", nwords <= 3},
		{"__long", nwords >= 30},
		{"__shout", shout},
		{"__emoji", emoji},
		{"__qstart", question_word &&
		                 in_list(question_word, interrogatives,
		                         ARRAY_LEN(interrogatives))},
		{"__urgent", any_phrase(ws, cue_urgent, ARRAY_LEN(cue_urgent), 1)},
		{"__low", any_phrase(ws, cue_low, ARRAY_LEN(cue_low), 0)},
		{"__broken", any_phrase(ws, cue_broken, ARRAY_LEN(cue_broken), 0)},
		{"__request", any_phrase(ws, cue_request, ARRAY_LEN(cue_request), 0)},
		{"__advice", any_phrase(ws, cue_advice, ARRAY_LEN(cue_advice), 0)},
		{"__ask", any_phrase(ws, cue_ask, ARRAY_LEN(cue_ask), 0)},
		{"__social", any_phrase(ws, cue_social, ARRAY_LEN(cue_social), 0)},
	};
	for (size_t i = 0; i < ARRAY_LEN(cues); i++)
		if (cues[i].on)
			buf_append(feats, cues[i].name, strlen(cues[i].name) + 1);

	buf_free(&ws->text);
	free(ws);
	free(toks.v);
}

/* ---- The model ------------------------------------------------------- */

/* What a feature is, which decides its weight and which models use it. */
enum { FEAT_WORD, FEAT_BIGRAM, FEAT_CUE };

struct ClassifierModel {
	Buf keys;           /* feature strings, each NUL-terminated */
	uint32_t *key_off;  /* offset in keys of feature i */
	unsigned char *kind; /* FEAT_* of feature i */
	uint32_t *slots;    /* open-addressed hash: feature id + 1, 0 = empty */
	size_t nslots;      /* a power of two, at least twice nfeat */
	size_t nfeat, capfeat;
	uint32_t *type_cnt; /* [nfeat][CLS_NTYPES] weighted document counts */
	uint32_t *urg_cnt;  /* [nfeat][CLS_NURGENCIES] */
	double *type_logp;  /* log P(feature | type), filled by finish */
	double *urg_logp;
	double type_prior[CLS_NTYPES];     /* log P(type) */
	double urg_prior[CLS_NURGENCIES];  /* log P(urgency) */
	size_t type_docs[CLS_NTYPES], urg_docs[CLS_NURGENCIES];
	size_t nexamples;
};

/* FNV-1a, 32 bits. */
static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Slot index where feature s is or would go. */
static size_t find_slot(const ClassifierModel *m, const char *s)
{
	size_t mask = m->nslots - 1, i = hash_str(s) & mask;
	while (m->slots[i] &&
	       strcmp(m->keys.s + m->key_off[m->slots[i] - 1], s) != 0)
		i = (i + 1) & mask;
	return i;
}

/* Id of feature s, or -1 if the model has never seen it. */
static long feature_lookup(const ClassifierModel *m, const char *s)
{
	if (m->nslots == 0)
		return -1;
	size_t i = find_slot(m, s);
	return m->slots[i] ? (long)m->slots[i] - 1 : -1;
}

/* Id of feature s, adding it (with zero counts) if new. */
static size_t feature_intern(ClassifierModel *m, const char *s)
{
	if (2 * (m->nfeat + 1) > m->nslots) {
		size_t ns = m->nslots ? m->nslots * 2 : 1024;
		free(m->slots);
		m->slots = xcalloc(ns, sizeof *m->slots);
		m->nslots = ns;
		for (size_t f = 0; f < m->nfeat; f++)
			m->slots[find_slot(m, m->keys.s + m->key_off[f])] = (uint32_t)f + 1;
	}
	size_t i = find_slot(m, s);
	if (m->slots[i])
		return m->slots[i] - 1;
	if (m->nfeat == m->capfeat) {
		m->capfeat = m->capfeat ? m->capfeat * 2 : 1024;
		m->key_off = xrealloc(m->key_off, m->capfeat * sizeof *m->key_off);
		m->kind = xrealloc(m->kind, m->capfeat);
		m->type_cnt = xrealloc(m->type_cnt,
		                       m->capfeat * CLS_NTYPES * sizeof *m->type_cnt);
		m->urg_cnt = xrealloc(m->urg_cnt,
		                      m->capfeat * CLS_NURGENCIES * sizeof *m->urg_cnt);
	}
	size_t f = m->nfeat++;
	m->key_off[f] = (uint32_t)m->keys.len;
	m->kind[f] = (s[0] == '_' && s[1] == '_') ? FEAT_CUE
	             : strchr(s, ' ') ? FEAT_BIGRAM : FEAT_WORD;
	buf_append(&m->keys, s, strlen(s) + 1);
	memset(m->type_cnt + f * CLS_NTYPES, 0, CLS_NTYPES * sizeof *m->type_cnt);
	memset(m->urg_cnt + f * CLS_NURGENCIES, 0,
	       CLS_NURGENCIES * sizeof *m->urg_cnt);
	m->slots[i] = (uint32_t)f + 1;
	return f;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/* Sort ids[count] and drop repeats; returns the new count. */
static size_t sort_unique(long *ids, size_t count)
{
	qsort(ids, count, sizeof *ids, cmp_long);
	size_t u = 0;
	for (size_t i = 0; i < count; i++)
		if (u == 0 || ids[u - 1] != ids[i])
			ids[u++] = ids[i];
	return u;
}

/* Feature ids of the n bytes at text, sorted and without repeats, into
 * *ids (malloc'd, caller frees); returns the count.  Unseen features are
 * added to m. */
static size_t features_intern(ClassifierModel *m, const char *text, size_t n,
                              long **ids)
{
	Buf feats = {0};
	extract_features(text, n, &feats);
	size_t count = 0, cap = 16;
	long *v = xmalloc(cap * sizeof *v);
	for (size_t off = 0; off < feats.len; off += strlen(feats.s + off) + 1) {
		if (count == cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		v[count++] = (long)feature_intern(m, feats.s + off);
	}
	buf_free(&feats);
	*ids = v;
	return sort_unique(v, count);
}

/* Like features_intern, but features m has never seen are left out and m
 * is not changed. */
static size_t features_lookup(const ClassifierModel *m, const char *text,
                              size_t n, long **ids)
{
	Buf feats = {0};
	extract_features(text, n, &feats);
	size_t count = 0, cap = 16;
	long *v = xmalloc(cap * sizeof *v);
	for (size_t off = 0; off < feats.len; off += strlen(feats.s + off) + 1) {
		long id = feature_lookup(m, feats.s + off);
		if (id < 0)
			continue;
		if (count == cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		v[count++] = id;
	}
	buf_free(&feats);
	*ids = v;
	return sort_unique(v, count);
}

/* Weight of feature id in a document for the type model. */
static unsigned type_weight(const ClassifierModel *m, long id)
{
	return m->kind[id] == FEAT_CUE ? CUE_WEIGHT : 1;
}

/* Weight of feature id in a document for the urgency model. */
static unsigned urgency_weight(const ClassifierModel *m, long id)
{
	return m->kind[id] == FEAT_BIGRAM ? 0 : type_weight(m, id);
}

/* Count one labelled example into m. */
static void train_one(ClassifierModel *m, const char *text, size_t n,
                      int type, int urgency)
{
	long *ids;
	size_t count = features_intern(m, text, n, &ids);
	for (size_t i = 0; i < count; i++) {
		m->type_cnt[(size_t)ids[i] * CLS_NTYPES + (size_t)type] +=
			type_weight(m, ids[i]);
		m->urg_cnt[(size_t)ids[i] * CLS_NURGENCIES + (size_t)urgency] +=
			urgency_weight(m, ids[i]);
	}
	free(ids);
	m->type_docs[type]++;
	m->urg_docs[urgency]++;
	m->nexamples++;
}

/* Turn counts into log probabilities smoothed by alpha for one label set
 * whose model uses vocab of the features: cnt[nfeat][k] -> logp[nfeat][k],
 * docs[k] -> prior[k]. */
static void finish_labels(size_t nfeat, size_t vocab, size_t nexamples,
                          size_t k, double alpha, const uint32_t *cnt,
                          const size_t *docs, double *logp, double *prior)
{
	for (size_t c = 0; c < k; c++) {
		double total = 0;
		for (size_t f = 0; f < nfeat; f++)
			total += cnt[f * k + c];
		double denom = log(total + alpha * (double)vocab);
		for (size_t f = 0; f < nfeat; f++)
			logp[f * k + c] = log(cnt[f * k + c] + alpha) - denom;
		prior[c] = log(((double)docs[c] + 1) / ((double)nexamples + (double)k));
	}
}

/* Compute the log probabilities from the counts, then drop the counts. */
static void finish(ClassifierModel *m)
{
	size_t nf = m->nfeat ? m->nfeat : 1;
	m->type_logp = xmalloc(nf * CLS_NTYPES * sizeof *m->type_logp);
	m->urg_logp = xmalloc(nf * CLS_NURGENCIES * sizeof *m->urg_logp);
	size_t unigrams = 0;
	for (size_t f = 0; f < m->nfeat; f++)
		unigrams += m->kind[f] != FEAT_BIGRAM;
	finish_labels(m->nfeat, m->nfeat, m->nexamples, CLS_NTYPES, TYPE_ALPHA,
	              m->type_cnt,
	              m->type_docs, m->type_logp, m->type_prior);
	finish_labels(m->nfeat, unigrams, m->nexamples, CLS_NURGENCIES,
	              URGENCY_ALPHA,
	              m->urg_cnt,
	              m->urg_docs, m->urg_logp, m->urg_prior);
	free(m->type_cnt);
	free(m->urg_cnt);
	m->type_cnt = m->urg_cnt = NULL;
}

void classifier_free(ClassifierModel *m)
{
	if (!m)
		return;
	buf_free(&m->keys);
	free(m->key_off);
	free(m->kind);
	free(m->slots);
	free(m->type_cnt);
	free(m->urg_cnt);
	free(m->type_logp);
	free(m->urg_logp);
	free(m);
}

/* Set *err (if wanted) to "line N: <message>" and return NULL. */
static ClassifierModel *train_error(ClassifierModel *m, char **err,
                                    size_t line, const char *what,
                                    const char *field, size_t flen)
{
	if (err) {
		int shown = flen > 40 ? 40 : (int)flen;
		if (field)
			*err = xasprintf("line %zu: %s '%.*s'", line, what, shown, field);
		else
			*err = xasprintf("line %zu: %s", line, what);
	}
	classifier_free(m);
	return NULL;
}

ClassifierModel *classifier_train(const char *tsv, size_t len, char **err)
{
	if (err)
		*err = NULL;
	if (!tsv && len) {
		if (err)
			*err = xstrdup("no corpus");
		return NULL;
	}
	ClassifierModel *m = xcalloc(1, sizeof *m);
	const char *p = tsv, *end = tsv + len;
	size_t line = 0;
	while (p < end) {
		line++;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *next = nl ? nl + 1 : end;
		if (le > p && le[-1] == '\r')
			le--;
		size_t blank = 0;
		while (p + blank < le && (p[blank] == ' ' || p[blank] == '\t'))
			blank++;
		if (p + blank == le || *p == '#') {
			p = next;
			continue;
		}
		const char *tab1 = memchr(p, '\t', (size_t)(le - p));
		const char *tab2 = tab1 ? memchr(tab1 + 1, '\t', (size_t)(le - tab1 - 1)) : NULL;
		if (!tab2)
			return train_error(m, err, line,
			                   "expected type<TAB>urgency<TAB>text", NULL, 0);
		const char *text = tab2 + 1;
		size_t tlen = (size_t)(le - text);
		if (memchr(text, '\t', tlen))
			return train_error(m, err, line, "too many fields (tab in text)",
			                   NULL, 0);
		if (memchr(p, '\0', (size_t)(le - p)))
			return train_error(m, err, line, "NUL byte in line", NULL, 0);
		int type = name_index(type_names, CLS_NTYPES, p, (size_t)(tab1 - p));
		if (type < 0)
			return train_error(m, err, line, "unknown type", p,
			                   (size_t)(tab1 - p));
		int urgency = name_index(urgency_names, CLS_NURGENCIES, tab1 + 1,
		                         (size_t)(tab2 - tab1 - 1));
		if (urgency < 0)
			return train_error(m, err, line, "unknown urgency", tab1 + 1,
			                   (size_t)(tab2 - tab1 - 1));
		size_t sp = 0;
		while (sp < tlen && text[sp] == ' ')
			sp++;
		if (sp == tlen)
			return train_error(m, err, line, "empty text", NULL, 0);
		train_one(m, text, tlen, type, urgency);
		p = next;
	}
	if (m->nexamples == 0) {
		if (err)
			*err = xstrdup("no training examples");
		classifier_free(m);
		return NULL;
	}
	finish(m);
	return m;
}

/* Softmax of score[k] at temperature temp into post[k]; returns the index
 * of the largest (the first on ties). */
static int softmax_argmax(const double *score, size_t k, double temp,
                          double *post)
{
	int best = 0;
	for (size_t c = 1; c < k; c++)
		if (score[c] > score[best])
			best = (int)c;
	double sum = 0;
	for (size_t c = 0; c < k; c++)
		sum += post[c] = exp((score[c] - score[best]) / temp);
	for (size_t c = 0; c < k; c++)
		post[c] /= sum;
	return best;
}

int classifier_predict(const ClassifierModel *m, const char *text,
                       Classification *out)
{
	if (!m || !text || !out)
		return -1;
	long *ids;
	size_t count = features_lookup(m, text, strlen(text), &ids);
	double ts[CLS_NTYPES], us[CLS_NURGENCIES];
	memcpy(ts, m->type_prior, sizeof ts);
	memcpy(us, m->urg_prior, sizeof us);
	for (size_t i = 0; i < count; i++) {
		size_t f = (size_t)ids[i];
		double tw = type_weight(m, ids[i]), uw = urgency_weight(m, ids[i]);
		for (size_t c = 0; c < CLS_NTYPES; c++)
			ts[c] += tw * m->type_logp[f * CLS_NTYPES + c];
		for (size_t c = 0; c < CLS_NURGENCIES; c++)
			us[c] += uw * m->urg_logp[f * CLS_NURGENCIES + c];
	}
	free(ids);

	double tp[CLS_NTYPES], up[CLS_NURGENCIES];
	int t = softmax_argmax(ts, CLS_NTYPES, TEMP_TYPE, tp);
	int u = softmax_argmax(us, CLS_NURGENCIES, TEMP_URGENCY, up);
	memset(out, 0, sizeof *out);
	memcpy(out->type, type_names[t], strlen(type_names[t]) + 1);
	memcpy(out->urgency, urgency_names[u], strlen(urgency_names[u]) + 1);
	out->confidence = tp[t];
	out->urgency_confidence = up[u];
	return 0;
}

size_t classifier_examples(const ClassifierModel *m)
{
	return m ? m->nexamples : 0;
}

size_t classifier_features(const ClassifierModel *m)
{
	return m ? m->nfeat : 0;
}

/* The model trained from the compiled-in corpus, built on first use and
 * kept for the life of the process. */
static ClassifierModel *builtin_model;

int classify_builtin(const char *text, Classification *out)
{
	if (!text || !out)
		return -1;
	if (!builtin_model) {
		char *err = NULL;
		builtin_model = classifier_train(sb_corpus_train,
		                                 sb_corpus_train_len, &err);
		if (!builtin_model)
			sb_die("built-in classifier corpus: %s", err ? err : "?");
	}
	return classifier_predict(builtin_model, text, out);
}
