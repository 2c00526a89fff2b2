/*
 * mustache.c - Mustache templates over jansson values: parse once into a
 * tree, cache the tree by name, render by walking it into a Buf.
 *
 * Parsing runs in passes over a flat token list (text, line ends, tags):
 * lex (set-delimiter tags change how the rest is read), pair open and close
 * tags, strip the intrinsic indentation of blocks, apply the standalone-line
 * rules, then build the tree.  Whitespace decisions are all made at parse
 * time; the tree records where a line starts (N_MARK) so that the renderer
 * can indent partials, parents and blocks without re-parsing them.
 * The renderer never changes a parsed tree, so one tree serves every
 * request; it must not call the loader for a name it has already seen.
 * Nothing here evaluates code: there are no lambdas.
 */
#include "web/mustache.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE ((size_t)-1)
/* Bound on render_list recursion (sections inside partials inside ...), so
 * that hostile nesting cannot exhaust the C stack. */
#define RENDER_MAX_NEST 1000

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

typedef struct {
	Node *v;
	size_t n, cap;
} NodeVec;

static Node *nodes_push(NodeVec *nv, unsigned char kind)
{
	if (nv->n == nv->cap) {
		nv->cap = nv->cap ? nv->cap * 2 : 8;
		nv->v = xrealloc(nv->v, nv->cap * sizeof *nv->v);
	}
	Node *n = &nv->v[nv->n++];
	memset(n, 0, sizeof *n);
	n->kind = kind;
	return n;
}

static void nodes_free(Node *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		nodes_free(v[i].kids, v[i].nkids);
	free(v);
}

static void tpl_free(Tpl *t)
{
	if (!t)
		return;
	nodes_free(t->root, t->nroot);
	buf_free(&t->pool);
	free(t->name);
	free(t);
}

/* ---- tokens ---- */

enum TokKind { TK_TEXT, TK_NL, TK_TAG };

typedef struct {
	unsigned char kind;   /* enum TokKind */
	char sigil;           /* tags: 0 variable, '&' raw, or one of #^/<>$!= */
	unsigned char drop;   /* removed by a whitespace rule */
	unsigned char mark;   /* first token of a line that keeps an N_MARK */
	unsigned char lclear; /* only blank text between line start and here */
	unsigned char rclear; /* only blank text between here and line end */
	unsigned char mode;   /* enum BlockMode, for '$' */
	unsigned line;        /* source line */
	size_t li;            /* index of the line in the token list */
	const char *s;        /* text, or the trimmed tag name */
	size_t n;
	const char *ind;      /* indentation (partial, parent, block) */
	size_t nind;
	size_t match;         /* open tag <-> close tag */
	size_t up;            /* innermost open tag around this one, or NONE */
} Tok;

typedef struct {
	const char *name; /* template name, for messages */
	Tok *tok;
	size_t ntok, cap;
	size_t nlines;
	unsigned char *nomark; /* per line: no N_MARK (a standalone line) */
	Tpl *tpl;
	char *err;
} Parser;

static int parse_error(Parser *p, unsigned line, const char *fmt, ...)
    SB_PRINTF(3, 4);
static int parse_error(Parser *p, unsigned line, const char *fmt, ...)
{
	Buf b = {0};
	va_list ap;
	buf_printf(&b, "%s:%u: ", p->name, line);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(p->err);
	p->err = buf_detach(&b);
	return -1;
}

static Tok *tok_push(Parser *p, unsigned char kind, const char *s, size_t n,
                     unsigned line)
{
	if (p->ntok == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->tok = xrealloc(p->tok, p->cap * sizeof *p->tok);
	}
	Tok *t = &p->tok[p->ntok++];
	memset(t, 0, sizeof *t);
	t->kind = kind;
	t->s = s;
	t->n = n;
	t->line = line;
	t->match = t->up = NONE;
	return t;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/* Text made only of spaces and tabs (standalone lines may contain it). */
static int tok_blank(const Tok *t)
{
	if (t->kind != TK_TEXT)
		return 0;
	for (size_t i = 0; i < t->n; i++)
		if (!is_blank(t->s[i]))
			return 0;
	return 1;
}

/* First occurrence of nd[0..nn) in h[0..hn), or NULL. */
static const char *find(const char *h, size_t hn, const char *nd, size_t nn)
{
	while (hn >= nn) {
		const char *q = memchr(h, nd[0], hn - nn + 1);
		if (!q)
			return NULL;
		if (memcmp(q, nd, nn) == 0)
			return q;
		hn -= (size_t)(q - h) + 1;
		h = q + 1;
	}
	return NULL;
}

/* Appends text tokens for s[0..n), one per line with TK_NL tokens for the
 * line ends ("\n" or "\r\n"); advances *line. */
static void lex_text(Parser *p, const char *s, size_t n, unsigned *line)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		size_t end = i;
		if (end > start && s[end - 1] == '\r')
			end--;
		if (end > start)
			tok_push(p, TK_TEXT, s + start, end - start, *line);
		tok_push(p, TK_NL, s + end, i + 1 - end, *line);
		(*line)++;
		start = i + 1;
	}
	if (start < n)
		tok_push(p, TK_TEXT, s + start, n - start, *line);
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_space(**s))
		(*s)++, (*n)--;
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

/* Checks a tag name: non-empty, no whitespace, and for lookups (dotted)
 * either "." or parts separated by single dots. */
static int check_name(Parser *p, unsigned line, const char *s, size_t n,
                      int dotted)
{
	if (n == 0)
		return parse_error(p, line, "empty tag");
	for (size_t i = 0; i < n; i++)
		if (is_space(s[i]))
			return parse_error(p, line, "tag name '%.*s' contains whitespace",
			                   (int)n, s);
	if (dotted && !(n == 1 && s[0] == '.')) {
		for (size_t i = 0; i < n; i++)
			if (s[i] == '.' && (i == 0 || i + 1 == n || s[i + 1] == '.'))
				return parse_error(p, line, "bad dotted name '%.*s'",
				                   (int)n, s);
	}
	return 0;
}

/* Pass 1: source -> tokens.  Returns 0 or -1 (p->err set). */
static int lex(Parser *p, const char *src, size_t n)
{
	const char *od = "{{", *cd = "}}";
	size_t on = 2, cn = 2, pos = 0;
	unsigned line = 1;

	while (pos < n) {
		const char *q = find(src + pos, n - pos, od, on);
		size_t qpos = q ? (size_t)(q - src) : n;
		lex_text(p, src + pos, qpos - pos, &line);
		if (!q)
			break;
		unsigned tline = line;
		size_t c = qpos + on;
		char sigil = c < n ? src[c] : 0;
		if (!sigil || !strchr("{&#^/<>$!=", sigil))
			sigil = 0;
		if (sigil)
			c++;
		/* The closing delimiter, preceded by '}' or '=' for those tags. */
		const char *e = find(src + c, n - c, cd, cn);
		if (sigil == '{' || sigil == '=') {
			char want = sigil == '{' ? '}' : '=';
			while (e && (e == src + c || e[-1] != want))
				e = find(e + 1, n - (size_t)(e + 1 - src), cd, cn);
		}
		if (!e)
			return parse_error(p, tline, "unclosed tag (no '%.*s')",
			                   (int)cn, cd);
		size_t cend = (size_t)(e - src), end = cend + cn;
		if (sigil == '{' || sigil == '=')
			cend--;
		for (size_t i = qpos; i < end; i++)
			if (src[i] == '\n')
				line++;
		pos = end;

		const char *name = src + c;
		size_t nn = cend - c;
		trim(&name, &nn);
		if (sigil == '{')
			sigil = '&';
		if (sigil == '!') {
			tok_push(p, TK_TAG, name, nn, tline)->sigil = '!';
			continue;
		}
		if (sigil == '=') {
			/* Two delimiters separated by whitespace, without '='. */
			size_t a = 0;
			while (a < nn && !is_space(name[a]))
				a++;
			size_t b = a;
			while (b < nn && is_space(name[b]))
				b++;
			if (a == 0 || b == a || b == nn || memchr(name, '=', nn))
				return parse_error(p, tline, "bad set-delimiters tag");
			for (size_t i = b; i < nn; i++)
				if (is_space(name[i]))
					return parse_error(p, tline,
					                   "bad set-delimiters tag");
			od = name;
			on = a;
			cd = name + b;
			cn = nn - b;
			tok_push(p, TK_TAG, name, nn, tline)->sigil = '=';
			continue;
		}
		if (check_name(p, tline, name, nn,
		               sigil == 0 || sigil == '&' || sigil == '#' ||
		                   sigil == '^') < 0)
			return -1;
		tok_push(p, TK_TAG, name, nn, tline)->sigil = sigil;
	}
	return 0;
}

static int opens(const Tok *t)
{
	return t->kind == TK_TAG && t->sigil && strchr("#^<$", t->sigil);
}

/* Pass 2: pair each open tag with its close tag; record nesting. */
static int pair(Parser *p)
{
	size_t stack[TPL_MAX_NEST];
	size_t sp = 0;
	for (size_t i = 0; i < p->ntok; i++) {
		Tok *t = &p->tok[i];
		t->up = sp ? stack[sp - 1] : NONE;
		if (opens(t)) {
			if (sp == TPL_MAX_NEST)
				return parse_error(p, t->line,
				                   "sections nested deeper than %d",
				                   TPL_MAX_NEST);
			stack[sp++] = i;
		} else if (t->kind == TK_TAG && t->sigil == '/') {
			if (!sp)
				return parse_error(p, t->line,
				                   "closing tag '%.*s' without an open section",
				                   (int)t->n, t->s);
			Tok *o = &p->tok[stack[sp - 1]];
			if (o->n != t->n || memcmp(o->s, t->s, t->n) != 0)
				return parse_error(p, t->line,
				                   "closing tag '%.*s' does not match '%.*s' opened on line %u",
				                   (int)t->n, t->s, (int)o->n, o->s,
				                   o->line);
			o->match = i;
			t->match = stack[--sp];
		}
	}
	if (sp) {
		Tok *o = &p->tok[stack[sp - 1]];
		return parse_error(p, o->line, "unclosed section '%.*s'",
		                   (int)o->n, o->s);
	}
	return 0;
}

/* Line indexes and the lclear/rclear flags, in two linear sweeps. */
static void mark_lines(Parser *p)
{
	size_t li = 0;
	int seen = 0;
	for (size_t i = 0; i < p->ntok; i++) {
		Tok *t = &p->tok[i];
		t->li = li;
		if (t->kind == TK_NL) {
			li++;
			seen = 0;
			continue;
		}
		t->lclear = !seen;
		if (!tok_blank(t))
			seen = 1;
	}
	p->nlines = li + 1;
	seen = 0;
	for (size_t i = p->ntok; i-- > 0;) {
		Tok *t = &p->tok[i];
		if (t->kind == TK_NL) {
			seen = 0;
			continue;
		}
		t->rclear = !seen;
		if (!tok_blank(t))
			seen = 1;
	}
}

static int is_argument(const Parser *p, const Tok *t)
{
	return t->sigil == '$' && t->up != NONE && p->tok[t->up].sigil == '<';
}

/* A parameter block whose open tag starts its line and whose close tag
 * ends its line (the spec's standalone block element). */
static int standalone_pair(const Parser *p, const Tok *t)
{
	return t->lclear && p->tok[t->match].rclear;
}

/* Pass 3: a block whose open tag ends its line (an argument, or a
 * standalone parameter) has intrinsic indentation: the leading blanks of the
 * next line, removed from the start of every line of its content.  Outer
 * blocks come first, so inner ones measure what remains. */
static void strip_intrinsic(Parser *p)
{
	for (size_t i = 0; i < p->ntok; i++) {
		Tok *t = &p->tok[i];
		if (t->kind != TK_TAG || t->sigil != '$' || !t->rclear)
			continue;
		if (!is_argument(p, t) && !standalone_pair(p, t))
			continue;
		size_t k = i + 1;
		while (k < t->match && p->tok[k].kind != TK_NL)
			k++;
		if (k >= t->match)
			continue;
		const Tok *next = &p->tok[k + 1];
		size_t w = 0;
		if (next->kind == TK_TEXT)
			while (w < next->n && is_blank(next->s[w]))
				w++;
		t->ind = next->s;
		t->nind = w;
		if (!w)
			continue;
		for (size_t m = k + 1; m < t->match; m++) {
			Tok *u = &p->tok[m];
			if (p->tok[m - 1].kind == TK_NL && u->kind == TK_TEXT &&
			    u->n >= w && memcmp(u->s, t->ind, w) == 0) {
				u->s += w;
				u->n -= w;
			}
		}
	}
}

/* Drops the blank text after token i on its line, and the line end. */
static void drop_line_end(Parser *p, size_t i)
{
	size_t m = i + 1;
	for (; m < p->ntok && p->tok[m].kind != TK_NL; m++)
		p->tok[m].drop = 1;
	if (m < p->ntok)
		p->tok[m].drop = 1;
}

/* Takes the blank text before token i on its line (lclear holds) as i's
 * indentation and drops it from the output. */
static void take_lead(Parser *p, size_t i)
{
	Tok *t = &p->tok[i];
	if (i > 0 && p->tok[i - 1].kind == TK_TEXT) {
		t->ind = p->tok[i - 1].s;
		t->nind = p->tok[i - 1].n;
		p->tok[i - 1].drop = 1;
	} else {
		t->ind = NULL;
		t->nind = 0;
	}
}

/* Pass 4: the standalone rules, then which lines keep an N_MARK. */
static void standalone(Parser *p)
{
	p->nomark = xcalloc(p->nlines, 1);

	/* A line holding one non-interpolation tag and blanks disappears. */
	for (size_t a = 0; a <= p->ntok;) {
		size_t b = a, tag = NONE, ntags = 0;
		int blank = 1;
		for (; b < p->ntok && p->tok[b].kind != TK_NL; b++) {
			if (p->tok[b].kind == TK_TAG) {
				ntags++;
				tag = b;
			} else if (!tok_blank(&p->tok[b])) {
				blank = 0;
			}
		}
		if (ntags == 1 && blank && p->tok[tag].sigil &&
		    p->tok[tag].sigil != '&') {
			Tok *t = &p->tok[tag];
			if (t->sigil == '>' || t->sigil == '<')
				take_lead(p, tag);
			for (size_t m = a; m < b; m++)
				if (p->tok[m].kind == TK_TEXT)
					p->tok[m].drop = 1;
			if (b < p->ntok)
				p->tok[b].drop = 1;
			p->nomark[t->li] = 1;
		}
		a = b + 1;
	}

	/* The rules for parents and blocks, which span lines. */
	for (size_t i = 0; i < p->ntok; i++) {
		Tok *t = &p->tok[i];
		if (t->kind != TK_TAG)
			continue;
		if (t->sigil == '<') {
			Tok *c = &p->tok[t->match];
			if (t->lclear && c->rclear) {
				take_lead(p, i);
				drop_line_end(p, t->match);
				p->nomark[t->li] = 1;
			}
		} else if (t->sigil == '$' && is_argument(p, t)) {
			/* An argument is an inline template: a line end right
			 * after its open tag belongs to the tag, and blanks
			 * before its close tag on their own line are dropped. */
			Tok *c = &p->tok[t->match];
			if (t->rclear)
				drop_line_end(p, i);
			if (c->lclear) {
				if (t->match > 0 &&
				    p->tok[t->match - 1].kind == TK_TEXT)
					p->tok[t->match - 1].drop = 1;
				p->nomark[c->li] = 1;
			}
		} else if (t->sigil == '$') {
			if (!standalone_pair(p, t))
				t->mode = BM_INLINE;
			else if (t->rclear)
				t->mode = BM_INTRINSIC; /* ind set by pass 3 */
			else {
				t->mode = BM_LEAD;
				take_lead(p, i);
			}
		}
	}

	/* Every other line that still has something starts with a mark. */
	for (size_t a = 0; a <= p->ntok;) {
		size_t b = a;
		int content = 0;
		for (; b < p->ntok && p->tok[b].kind != TK_NL; b++)
			if (!p->tok[b].drop &&
			    !(p->tok[b].kind == TK_TEXT && p->tok[b].n == 0))
				content = 1;
		if (b < p->ntok && !p->tok[b].drop)
			content = 1;
		size_t li = a < p->ntok ? p->tok[a].li : p->nlines - 1;
		if (content && !p->nomark[li])
			p->tok[a].mark = 1;
		a = b + 1;
	}
}

/* ---- pass 5: tokens -> tree ---- */

static size_t pool_add(Tpl *t, const char *s, size_t n)
{
	size_t off = t->pool.len;
	buf_append(&t->pool, s, n);
	buf_putc(&t->pool, '\0');
	return off;
}

static void add_text(Tpl *t, NodeVec *nv, const char *s, size_t n)
{
	if (n == 0)
		return;
	Node *last = nv->n ? &nv->v[nv->n - 1] : NULL;
	if (last && last->kind == N_TEXT && last->off + last->len + 1 == t->pool.len) {
		/* Extend the previous text in place (overwriting its NUL). */
		t->pool.len--;
		buf_append(&t->pool, s, n);
		buf_putc(&t->pool, '\0');
		last->len += n;
		return;
	}
	Node *nd = nodes_push(nv, N_TEXT);
	nd->off = pool_add(t, s, n);
	nd->len = n;
}

/* Stores a lookup name: "a.b" as "a\0b\0" with nparts 2, "." as nparts 0. */
static void set_path(Tpl *t, Node *nd, const Tok *tk)
{
	nd->len = tk->n;
	if (tk->n == 1 && tk->s[0] == '.') {
		nd->off = pool_add(t, "", 0);
		nd->nparts = 0;
		return;
	}
	nd->off = pool_add(t, tk->s, tk->n);
	nd->nparts = 1;
	for (size_t i = 0; i < tk->n; i++) {
		if (t->pool.s[nd->off + i] == '.') {
			t->pool.s[nd->off + i] = '\0';
			nd->nparts++;
		}
	}
}

static void drop_leading_mark(NodeVec *nv)
{
	if (nv->n && nv->v[0].kind == N_MARK) {
		memmove(nv->v, nv->v + 1, (nv->n - 1) * sizeof *nv->v);
		nv->n--;
	}
}

static void build(Parser *p, size_t from, size_t to, NodeVec *out);

/* The arguments of the parent opened at token i: its direct blocks. */
static void build_args(Parser *p, size_t i, NodeVec *out)
{
	Tpl *t = p->tpl;
	for (size_t m = i + 1; m < p->tok[i].match; m++) {
		const Tok *tk = &p->tok[m];
		if (!opens(tk))
			continue; /* text and other tags in a parent are ignored */
		if (tk->sigil == '$' && tk->up == i) {
			NodeVec kids = {0};
			build(p, m + 1, tk->match, &kids);
			drop_leading_mark(&kids);
			Node *nd = nodes_push(out, N_BLOCK);
			nd->line = tk->line;
			nd->off = pool_add(t, tk->s, tk->n);
			nd->len = tk->n;
			nd->kids = kids.v;
			nd->nkids = kids.n;
		}
		m = tk->match;
	}
}

static void build(Parser *p, size_t from, size_t to, NodeVec *out)
{
	Tpl *t = p->tpl;
	for (size_t i = from; i < to; i++) {
		const Tok *tk = &p->tok[i];
		if (tk->mark)
			nodes_push(out, N_MARK);
		if (tk->drop)
			continue;
		if (tk->kind != TK_TAG) {
			add_text(t, out, tk->s, tk->n);
			continue;
		}
		Node *nd;
		NodeVec kids = {0};
		switch (tk->sigil) {
		case '!':
		case '=':
			break;
		case 0:
		case '&':
			nd = nodes_push(out, tk->sigil ? N_RAW : N_VAR);
			nd->line = tk->line;
			set_path(t, nd, tk);
			break;
		case '#':
		case '^':
			build(p, i + 1, tk->match, &kids);
			nd = nodes_push(out, tk->sigil == '#' ? N_SECTION : N_INVERTED);
			nd->line = tk->line;
			set_path(t, nd, tk);
			nd->kids = kids.v;
			nd->nkids = kids.n;
			i = tk->match;
			break;
		case '$':
			build(p, i + 1, tk->match, &kids);
			if (tk->mode == BM_INTRINSIC)
				drop_leading_mark(&kids);
			nd = nodes_push(out, N_BLOCK);
			nd->line = tk->line;
			nd->mode = tk->mode;
			nd->off = pool_add(t, tk->s, tk->n);
			nd->len = tk->n;
			nd->ioff = pool_add(t, tk->ind ? tk->ind : "", tk->nind);
			nd->ilen = tk->nind;
			nd->kids = kids.v;
			nd->nkids = kids.n;
			i = tk->match;
			break;
		case '<':
			build_args(p, i, &kids);
			nd = nodes_push(out, N_PARENT);
			nd->line = tk->line;
			nd->off = pool_add(t, tk->s, tk->n);
			nd->len = tk->n;
			nd->ioff = pool_add(t, tk->ind ? tk->ind : "", tk->nind);
			nd->ilen = tk->nind;
			nd->kids = kids.v;
			nd->nkids = kids.n;
			i = tk->match;
			break;
		case '>':
			nd = nodes_push(out, N_PARTIAL);
			nd->line = tk->line;
			nd->off = pool_add(t, tk->s, tk->n);
			nd->len = tk->n;
			nd->ioff = pool_add(t, tk->ind ? tk->ind : "", tk->nind);
			nd->ilen = tk->nind;
			break;
		default:
			sb_die("mustache: unpaired tag '%c' survived parsing",
			       tk->sigil);
		}
	}
	/* A line that starts with the close tag starts inside the section. */
	if (to < p->ntok && p->tok[to].mark)
		nodes_push(out, N_MARK);
}

/* Parses src into a new Tpl called name.  Returns it (free with tpl_free),
 * or NULL with *err set to a malloc'd "name:line: message". */
static Tpl *tpl_parse(const char *name, const char *src, char **err)
{
	Parser p = {0};
	p.name = name;
	Tpl *t = NULL;
	if (lex(&p, src, strlen(src)) < 0 || pair(&p) < 0)
		goto out;
	mark_lines(&p);
	strip_intrinsic(&p);
	standalone(&p);

	t = xcalloc(1, sizeof *t);
	t->name = xstrdup(name);
	p.tpl = t;
	NodeVec root = {0};
	build(&p, 0, p.ntok, &root);
	t->root = root.v;
	t->nroot = root.n;
out:
	free(p.tok);
	free(p.nomark);
	if (!t) {
		if (err)
			*err = p.err;
		else
			free(p.err);
	}
	return t;
}

/* ---- the cache ---- */

typedef struct {
	char *name; /* NULL: empty slot */
	Tpl *tpl;   /* NULL: the loader had no such template */
	uint32_t hash;
} Entry;

struct TplCache {
	TplLoader loader;
	void *ctx;
	char *dir; /* owned copy, for tpl_cache_dir */
	Entry *tab;
	size_t cap, used; /* cap is a power of two */
	pthread_mutex_t lock; /* renders may run on several threads */
};

static uint32_t hash_name(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static Entry *cache_slot(Entry *tab, size_t cap, const char *name, uint32_t h)
{
	size_t i = h & (cap - 1);
	while (tab[i].name && (tab[i].hash != h || strcmp(tab[i].name, name) != 0))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static void cache_insert(TplCache *c, const char *name, uint32_t h, Tpl *t)
{
	if ((c->used + 1) * 2 > c->cap) {
		size_t ncap = c->cap * 2;
		Entry *nt = xcalloc(ncap, sizeof *nt);
		for (size_t i = 0; i < c->cap; i++)
			if (c->tab[i].name)
				*cache_slot(nt, ncap, c->tab[i].name, c->tab[i].hash) =
				    c->tab[i];
		free(c->tab);
		c->tab = nt;
		c->cap = ncap;
	}
	Entry *e = cache_slot(c->tab, c->cap, name, h);
	e->name = xstrdup(name);
	e->hash = h;
	e->tpl = t;
	c->used++;
}

/* Finds template `name`, loading and parsing it on first use.  Returns 0
 * with *out set (NULL when the template does not exist; that answer is
 * cached too), or -1 with *err set when its source does not parse (not
 * cached, so the message repeats on every use).  c may be NULL. */
static int cache_get(TplCache *c, const char *name, const Tpl **out,
                     char **err)
{
	*out = NULL;
	if (!c)
		return 0;
	uint32_t h = hash_name(name);
	pthread_mutex_lock(&c->lock);
	Entry *e = cache_slot(c->tab, c->cap, name, h);
	int rc = 0;
	if (e->name) {
		*out = e->tpl;
	} else {
		char *src = c->loader(c->ctx, name);
		Tpl *t = src ? tpl_parse(name, src, err) : NULL;
		if (src && !t) {
			rc = -1;
		} else {
			cache_insert(c, name, h, t);
			*out = t;
		}
		free(src);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

TplCache *tpl_cache_new(TplLoader loader, void *ctx)
{
	TplCache *c = xcalloc(1, sizeof *c);
	c->loader = loader;
	c->ctx = ctx;
	c->cap = 32;
	c->tab = xcalloc(c->cap, sizeof *c->tab);
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

static char *dir_loader(void *ctx, const char *name)
{
	const char *dir = ctx;
	if (!*name || name[0] == '/' || strstr(name, ".."))
		return NULL;
	char *path = xasprintf("%s/%s.mustache", dir, name);
	char *src = read_file(path, NULL);
	free(path);
	return src;
}

TplCache *tpl_cache_dir(const char *dir)
{
	TplCache *c = tpl_cache_new(dir_loader, NULL);
	c->dir = xstrdup(dir);
	c->ctx = c->dir;
	return c;
}

void tpl_cache_free(TplCache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++) {
		free(c->tab[i].name);
		tpl_free(c->tab[i].tpl);
	}
	free(c->tab);
	free(c->dir);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* ---- rendering ---- */

typedef struct {
	const Tpl *tpl;     /* template holding the parent tag */
	const Node *parent; /* N_PARENT whose kids are the arguments */
} Frame;

typedef struct {
	TplCache *cache;
	Buf *out;
	json_t **ctx; /* context stack, innermost last */
	size_t nctx, capctx;
	Frame *frames; /* parents being expanded, outermost first */
	size_t nframes, capframes;
	Buf indent; /* prepended at every N_MARK */
	int depth;  /* partial, parent and override expansions in progress */
	int nest;   /* render_list recursion */
	char *err;
} Render;

static int render_error(Render *r, const Tpl *t, const Node *nd,
                        const char *fmt, ...) SB_PRINTF(4, 5);
static int render_error(Render *r, const Tpl *t, const Node *nd,
                        const char *fmt, ...)
{
	Buf b = {0};
	va_list ap;
	buf_printf(&b, "%s:%u: ", t->name, nd ? nd->line : 0);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(r->err);
	r->err = buf_detach(&b);
	return -1;
}

static void ctx_push(Render *r, json_t *v)
{
	if (r->nctx == r->capctx) {
		r->capctx = r->capctx ? r->capctx * 2 : 16;
		r->ctx = xrealloc(r->ctx, r->capctx * sizeof *r->ctx);
	}
	r->ctx[r->nctx++] = v;
}

/* Resolves a name against the context stack as the spec says: the first
 * part in the innermost object that has it, later parts strictly inside. */
static json_t *lookup(const Render *r, const Tpl *t, const Node *nd)
{
	if (nd->nparts == 0)
		return r->nctx ? r->ctx[r->nctx - 1] : NULL;
	const char *part = t->pool.s + nd->off;
	json_t *v = NULL;
	for (size_t i = r->nctx; i-- > 0;)
		if (json_is_object(r->ctx[i]) &&
		    (v = json_object_get(r->ctx[i], part)) != NULL)
			break;
	for (unsigned k = 1; v && k < nd->nparts; k++) {
		part += strlen(part) + 1;
		v = json_is_object(v) ? json_object_get(v, part) : NULL;
	}
	return v;
}

/* JavaScript's !!value, with missing (NULL) as undefined. */
static int truthy(const json_t *v)
{
	if (!v)
		return 0;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return 1;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL: {
		double d = json_real_value(v);
		return d != 0.0 && d == d;
	}
	case JSON_TRUE:
		return 1;
	default:
		return 0;
	}
}

static void put_text(Buf *out, const char *s, size_t n, int escape)
{
	if (escape)
		buf_html_escape(out, s, n);
	else
		buf_append(out, s, n);
}

/* The shortest %g form that reads back as the same double: 1.21 -> "1.21",
 * 2.0 -> "2". */
static void put_real(Buf *out, double d)
{
	char tmp[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, d);
		if (prec == 17 || strtod(tmp, NULL) == d)
			break;
	}
	buf_puts(out, tmp);
}

static void put_value(Buf *out, json_t *v, int escape)
{
	if (!v)
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		put_text(out, json_string_value(v), json_string_length(v), escape);
		break;
	case JSON_INTEGER:
		buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		put_real(out, json_real_value(v));
		break;
	case JSON_TRUE:
		buf_puts(out, "true");
		break;
	case JSON_FALSE:
		buf_puts(out, "false");
		break;
	case JSON_NULL:
		break;
	case JSON_OBJECT:
	case JSON_ARRAY: {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (s)
			put_text(out, s, strlen(s), escape);
		free(s);
		break;
	}
	}
}

static int render_list(Render *r, const Tpl *t, const Node *v, size_t n);

/* Renders template pt for tag nd of t, its lines indented by nd's
 * indentation; for a parent, nd's arguments are in force meanwhile. */
static int expand(Render *r, const Tpl *t, const Node *nd, const Tpl *pt)
{
	if (r->depth >= TPL_MAX_DEPTH)
		return render_error(r, t, nd,
		                    "partials nested deeper than %d levels (is '%s' recursive?)",
		                    TPL_MAX_DEPTH, t->pool.s + nd->off);
	if (nd->kind == N_PARENT) {
		if (r->nframes == r->capframes) {
			r->capframes = r->capframes ? r->capframes * 2 : 8;
			r->frames = xrealloc(r->frames,
			                     r->capframes * sizeof *r->frames);
		}
		r->frames[r->nframes].tpl = t;
		r->frames[r->nframes].parent = nd;
		r->nframes++;
	}
	size_t ilen = r->indent.len;
	buf_append(&r->indent, t->pool.s + nd->ioff, nd->ilen);
	r->depth++;
	int rc = render_list(r, pt, pt->root, pt->nroot);
	r->depth--;
	r->indent.len = ilen;
	if (r->indent.s)
		r->indent.s[ilen] = '\0';
	if (nd->kind == N_PARENT)
		r->nframes--;
	return rc;
}

/* Renders block nd of t: the outermost argument of that name passed to a
 * parent being expanded, else nd's own content. */
static int render_block(Render *r, const Tpl *t, const Node *nd)
{
	const char *name = t->pool.s + nd->off;
	const Tpl *ct = t;
	const Node *content = nd->kids;
	size_t ncontent = nd->nkids;
	int over = 0;
	for (size_t f = 0; f < r->nframes && !over; f++) {
		const Frame *fr = &r->frames[f];
		for (size_t a = 0; a < fr->parent->nkids; a++) {
			const Node *arg = &fr->parent->kids[a];
			if (strcmp(fr->tpl->pool.s + arg->off, name) == 0) {
				ct = fr->tpl;
				content = arg->kids;
				ncontent = arg->nkids;
				over = 1;
				break;
			}
		}
	}
	if (over && r->depth >= TPL_MAX_DEPTH)
		return render_error(r, t, nd,
		                    "blocks nested deeper than %d levels (does '%s' contain itself?)",
		                    TPL_MAX_DEPTH, name);
	const char *ind = t->pool.s + nd->ioff;
	size_t ilen = r->indent.len, mark = r->out->len;
	int rc;
	r->depth += over;
	switch (nd->mode) {
	case BM_LEAD:
		buf_append(r->out, ind, nd->ilen);
		if (over)
			buf_append(&r->indent, ind, nd->ilen);
		rc = render_list(r, ct, content, ncontent);
		break;
	case BM_INTRINSIC: {
		buf_append(&r->indent, ind, nd->ilen);
		buf_append(r->out, r->indent.s, r->indent.len);
		size_t after = r->out->len;
		rc = render_list(r, ct, content, ncontent);
		if (r->out->len == after && after != mark) {
			/* Nothing came out: take the indentation back. */
			r->out->len = mark;
			r->out->s[mark] = '\0';
		}
		break;
	}
	default:
		rc = render_list(r, ct, content, ncontent);
		break;
	}
	r->depth -= over;
	r->indent.len = ilen;
	if (r->indent.s)
		r->indent.s[ilen] = '\0';
	return rc;
}

/* Renders nodes v[0..n) of template t.  Returns 0, or -1 with r->err set. */
static int render_list(Render *r, const Tpl *t, const Node *v, size_t n)
{
	if (r->nest >= RENDER_MAX_NEST)
		return render_error(r, t, n ? v : NULL,
		                    "templates nested deeper than %d",
		                    RENDER_MAX_NEST);
	r->nest++;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const Node *nd = &v[i];
		json_t *val;
		const Tpl *pt;
		switch (nd->kind) {
		case N_TEXT:
			buf_append(r->out, t->pool.s + nd->off, nd->len);
			break;
		case N_MARK:
			if (r->indent.len)
				buf_append(r->out, r->indent.s, r->indent.len);
			break;
		case N_VAR:
		case N_RAW:
			put_value(r->out, lookup(r, t, nd), nd->kind == N_VAR);
			break;
		case N_SECTION:
			val = lookup(r, t, nd);
			if (json_is_array(val)) {
				for (size_t k = 0; k < json_array_size(val) && rc == 0; k++) {
					ctx_push(r, json_array_get(val, k));
					rc = render_list(r, t, nd->kids, nd->nkids);
					r->nctx--;
				}
			} else if (truthy(val)) {
				ctx_push(r, val);
				rc = render_list(r, t, nd->kids, nd->nkids);
				r->nctx--;
			}
			break;
		case N_INVERTED:
			if (!truthy(lookup(r, t, nd)))
				rc = render_list(r, t, nd->kids, nd->nkids);
			break;
		case N_PARTIAL:
		case N_PARENT:
			if (cache_get(r->cache, t->pool.s + nd->off, &pt, &r->err) < 0)
				rc = -1;
			else if (pt)
				rc = expand(r, t, nd, pt);
			break;
		case N_BLOCK:
			rc = render_block(r, t, nd);
			break;
		}
	}
	r->nest--;
	return rc;
}

/* Renders t with data as the root context; see tpl_render_name. */
static int render_tpl(TplCache *c, const Tpl *t, json_t *data, Buf *out,
                      char **err)
{
	Render r = {0};
	r.cache = c;
	r.out = out;
	size_t start = out->len;
	if (data)
		ctx_push(&r, data);
	int rc = render_list(&r, t, t->root, t->nroot);
	free(r.ctx);
	free(r.frames);
	buf_free(&r.indent);
	if (rc < 0) {
		out->len = start;
		if (out->s)
			out->s[start] = '\0';
		if (err)
			*err = r.err;
		else
			free(r.err);
		return -1;
	}
	return 0;
}

int tpl_render_name(TplCache *c, const char *name, json_t *data, Buf *out,
                    char **err)
{
	const Tpl *t;
	if (cache_get(c, name, &t, err) < 0)
		return -1;
	if (!t) {
		if (err)
			*err = xasprintf("%s: template not found", name);
		return -1;
	}
	return render_tpl(c, t, data, out, err);
}

int tpl_render_source(TplCache *partials, const char *name, const char *src,
                      json_t *data, Buf *out, char **err)
{
	Tpl *t = tpl_parse(name, src, err);
	if (!t)
		return -1;
	int rc = render_tpl(partials, t, data, out, err);
	tpl_free(t);
	return rc;
}

int tpl_render_string(TplCache *partials, const char *src, json_t *data,
                      Buf *out, char **err)
{
	return tpl_render_source(partials, "string", src, data, out, err);
}
