/*
 * mustache.h - the Mustache template engine: every HTML page, SMS text and
 * report is rendered through it, from jansson JSON values.
 *
 * Implements the Mustache spec v1.4 core modules (interpolation, sections,
 * inverted sections, comments, set delimiters, partials, standalone-line
 * rules) and the optional inheritance module ({{<parent}} with {{$block}}
 * overrides).  Lambdas and dynamic partial names are not supported.
 *
 * Templates are parsed once and kept, by name, in a TplCache for the life of
 * the process; rendering only walks the parsed tree and appends to a Buf.
 * This module must not do I/O of its own apart from the loader set up by
 * tpl_cache_dir, and it knows nothing about HTTP or the database.  A cache
 * is not thread-safe: give each thread (or process) its own.
 *
 * Rendering rules worth knowing when writing templates:
 *  - {{x}} HTML-escapes & < > " ' (as buf_html_escape does); {{{x}}} and
 *    {{&x}} do not.  Use the raw forms only for HTML we produced ourselves.
 *  - Numbers print in the shortest form that reads back the same (85, 1.21);
 *    true/false print as such; null and missing names print nothing; arrays
 *    and objects print as compact JSON.
 *  - Falsey values, for sections and inverted sections, follow JavaScript's
 *    !!value (the spec's wording): false, null, missing, "", 0, 0.0 and the
 *    empty array.  Everything else, including {}, is truthy.
 *  - Missing partials and parents render as the empty string (the spec);
 *    a missing top-level template passed to tpl_render_name is an error.
 *  - Partials and parents may nest at most TPL_MAX_DEPTH deep, so a
 *    self-recursive partial fails with an error instead of exhausting the
 *    stack; sections may nest at most TPL_MAX_NEST deep inside one template.
 */
#ifndef SB_MUSTACHE_H
#define SB_MUSTACHE_H

#include <jansson.h>

#include "core/util.h"

#define TPL_MAX_DEPTH 100 /* partial/parent expansions on the render stack */
#define TPL_MAX_NEST 100  /* sections/blocks nested inside one template */

typedef struct Tpl Tpl;
typedef struct TplCache TplCache;

/* Returns the malloc'd source of template `name` (the cache frees it), or
 * NULL when there is no such template. */
typedef char *(*TplLoader)(void *ctx, const char *name);

/* A cache that fetches sources through loader(ctx, name) the first time a
 * name is needed.  ctx is not owned.  Free with tpl_cache_free. */
TplCache *tpl_cache_new(TplLoader loader, void *ctx);

/* A cache reading "<dir>/<name>.mustache" ("pages/home" ->
 * dir/pages/home.mustache).  Names that are empty, start with "/" or contain
 * ".." are treated as missing, so a template cannot reach outside dir.
 * Unreadable files are missing too.  dir is copied. */
TplCache *tpl_cache_dir(const char *dir);

/* Frees the cache and every template parsed through it.  NULL is fine. */
void tpl_cache_free(TplCache *c);

/* Renders the template called name (loaded and parsed on first use) with
 * data as the root context (data may be NULL), appending to out.
 * Returns 0, or -1 with *err set to a malloc'd message "NAME:LINE: what"
 * (the caller frees it) and out restored to its length before the call.
 * Errors: template missing, parse error in it or a partial it uses, nesting
 * deeper than TPL_MAX_DEPTH. */
int tpl_render_name(TplCache *c, const char *name, json_t *data, Buf *out,
                    char **err);

/* Parses src (not cached) and renders it as tpl_render_name does; partials
 * and parents come from the cache `partials`, which may be NULL (then every
 * partial is missing).  Error messages call the template "string". */
int tpl_render_string(TplCache *partials, const char *src, json_t *data,
                      Buf *out, char **err);

/* As tpl_render_string, but error messages call the template `name` (for
 * example the file path it was read from). */
int tpl_render_source(TplCache *partials, const char *name, const char *src,
                      json_t *data, Buf *out, char **err);

#endif
