/*
 * mustache.c - Mustache templates over jansson values: the cache of parsed
 * trees by name, and the renderer that walks a tree into a Buf.  The
 * parser is mustache_parse.c.
 *
 * The renderer never changes a parsed tree, so one tree serves every
 * request; it must not call the loader for a name it has already seen.
 * Nothing here evaluates code: there are no lambdas.
 */
#include "web/mustache.h"
#include "web/mustache_tree.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bound on render_list recursion (sections inside partials inside ...), so
 * that hostile nesting cannot exhaust the C stack. */
#define RENDER_MAX_NEST 1000

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
