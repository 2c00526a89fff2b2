/*
 * mustache_parse.c - Mustache source to tree (mustache_tree.h).
 *
 * Parsing runs in passes over a flat token list (text, line ends, tags):
 * lex (set-delimiter tags change how the rest is read), pair open and close
 * tags, strip the intrinsic indentation of blocks, apply the standalone-line
 * rules, then build the tree.  Whitespace decisions are all made here; the
 * tree records where a line starts (N_MARK) so that the renderer can
 * indent partials, parents and blocks without re-parsing them.
 */
#include "web/mustache.h"
#include "web/mustache_tree.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE ((size_t)-1)

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

void tpl_free(Tpl *t)
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

/* tpl_parse: see mustache_tree.h. */
Tpl *tpl_parse(const char *name, const char *src, char **err)
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
