/*
 * mustache_tree.h - the parsed form of a Mustache template, shared by the
 * parser (mustache_parse.c) and the cache and renderer (mustache.c).
 * Internal to lib/web: nothing outside those two files includes it.
 */
#ifndef SB_MUSTACHE_TREE_H
#define SB_MUSTACHE_TREE_H

#include "core/util.h"

#include <stddef.h>

typedef struct Tpl Tpl; /* as in mustache.h (C11 allows the repeat) */

/* ---- the parsed tree ---- */

enum NodeKind {
	N_TEXT,     /* literal text */
	N_MARK,     /* a template line starts here: emit the current indentation */
	N_VAR,      /* {{name}}, HTML-escaped */
	N_RAW,      /* {{{name}}} or {{&name}} */
	N_SECTION,  /* {{#name}}...{{/name}} */
	N_INVERTED, /* {{^name}}...{{/name}} */
	N_PARTIAL,  /* {{>name}} */
	N_PARENT,   /* {{<name}}...{{/name}}; kids are its N_BLOCK arguments */
	N_BLOCK,    /* {{$name}}...{{/name}}; kids are the default content */
};

/* How a block outside a parent (a parameter) indents its content. */
enum BlockMode {
	BM_INLINE,    /* not standalone: content goes in place */
	BM_LEAD,      /* standalone pair, content on the tag's line: the
	                 whitespace before the tag indents an override */
	BM_INTRINSIC, /* standalone pair, tag alone on its line: content lines
	                 were stripped of their indentation, which is re-added */
};

typedef struct Node Node;
struct Node {
	unsigned char kind;  /* enum NodeKind */
	unsigned char mode;  /* enum BlockMode, for N_BLOCK */
	unsigned nparts;     /* name parts for lookups; 0 means "." */
	unsigned line;       /* source line of the tag, for errors */
	size_t off, len;     /* text, or the name ("a\0b\0" for a.b), in pool */
	size_t ioff, ilen;   /* indentation in pool (partial, parent, block) */
	Node *kids;
	size_t nkids;
};

struct Tpl {
	char *name;
	Buf pool; /* every text, name and indentation of the tree */
	Node *root;
	size_t nroot;
};

/* Parses src into a new Tpl called name.  Returns it (free with tpl_free),
 * or NULL with *err set to a malloc'd "name:line: message" (err may be
 * NULL). */
Tpl *tpl_parse(const char *name, const char *src, char **err);
void tpl_free(Tpl *t);

#endif
