// t0710-html.mjs - every page of the admin, checked, run by t0710-html.t
// (which starts the server, creates the accounts and some data).
//
// Signs in as admin, then crawls every same-origin page reachable from /
// by GET links (and GET forms submitted with their default values), at most
// SB_CRAWL_MAX (200) pages and SB_CRAWL_VARIANTS (8) URLs of one page (the
// same path with other filters, or /tasks/:id for other ids), never
// /logout nor a file download; plus the sign-in page and a 404 page.  One TAP line per page: it answers 200 (or redirects within the
// site), is text/html with a Content-Security-Policy header that allows no
// script, is valid HTML per html-validate (.htmlvalidate.json:
// html-validate:recommended; checkboxes may share a name, as the review
// queue's "Include in batch" boxes do), and has no <script> element, no inline event
// handler (on*=) and no javascript: URL (htmlrules.mjs).  Every page's
// HTML is saved under $SB_TEST_OUT/pages/ so a failure can be looked at.
import fs from 'node:fs';
import path from 'node:path';
import { HtmlValidate, Parser } from 'html-validate';
import { plugin, pluginRules } from './htmlrules.mjs';
import { Client, csrfOf, diag, env, ok, outDir } from './lib.mjs';

const MAX = Number(process.env.SB_CRAWL_MAX || 200);
const VARIANTS = Number(process.env.SB_CRAWL_VARIANTS || 8);
const ADMIN = ['admin', 'admin-password-1'];
const AGENT = ['agent', 'agent-password-1'];
const AGENT_MAX = Number(process.env.SB_CRAWL_AGENT_MAX || 40);
const base = new URL(env.url);

const config = JSON.parse(fs.readFileSync(new URL('./.htmlvalidate.json', import.meta.url), 'utf8'));
const validator = new HtmlValidate({
    ...config,
    plugins: [...(config.plugins || []), plugin],
    rules: { ...config.rules, ...pluginRules },
});
const parser = new Parser(await validator.getConfigFor('page.html'));

const pagesDir = outDir('pages');
for (const f of fs.readdirSync(pagesDir)) if (f.endsWith('.html')) fs.rmSync(path.join(pagesDir, f));
function save(p, html) {
    const name = (p === '/' ? 'index' : p.replace(/^\//, '').replace(/[^A-Za-z0-9._-]+/g, '_')).slice(0, 120);
    const file = path.join(pagesDir, `${name}.html`);
    fs.writeFileSync(file, html);
    return file;
}

function decodeEntities(s) {
    return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (m, e) => {
        const l = e.toLowerCase();
        if (l[0] === '#') return String.fromCodePoint(l[1] === 'x' ? parseInt(l.slice(2), 16) : parseInt(l.slice(1), 10));
        return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[l];
    });
}
// A same-origin page path ("/tasks?status=open") or null for what the
// crawler leaves alone.
function pagePath(href, from) {
    let u;
    try { u = new URL(decodeEntities(href.trim()), new URL(from, base)); } catch { return null; }
    if (u.origin !== base.origin) return null;
    if (/^\/(static|api|webhook)\//.test(u.pathname) || u.pathname === '/logout' || u.pathname === '/health') return null;
    if (/\/download$/.test(u.pathname)) return null; // a file (attachment), not a page
    return u.pathname + u.search;
}
// Links and GET forms (with their default values) of a page.
function linksOf(html, from) {
    const root = parser.parseHtml(html);
    const out = [];
    for (const a of root.querySelectorAll('a[href]')) out.push(pagePath(a.getAttributeValue('href') || '', from));
    for (const f of root.querySelectorAll('form')) {
        if ((f.getAttributeValue('method') || 'get').toLowerCase() !== 'get') continue;
        const q = new URLSearchParams();
        for (const el of f.querySelectorAll('input[name], select[name], textarea[name]')) {
            const name = el.getAttributeValue('name');
            if (el.tagName === 'select') {
                const opts = el.querySelectorAll('option');
                const sel = opts.find((o) => o.hasAttribute('selected')) || opts[0];
                if (sel) q.append(name, sel.hasAttribute('value') ? sel.getAttributeValue('value') : sel.textContent.trim());
            } else if (el.tagName === 'textarea') {
                q.append(name, el.textContent);
            } else {
                const type = (el.getAttributeValue('type') || 'text').toLowerCase();
                if (['submit', 'button', 'reset', 'image', 'file'].includes(type)) continue;
                if ((type === 'checkbox' || type === 'radio') && !el.hasAttribute('checked')) continue;
                q.append(name, el.getAttributeValue('value') || (type === 'checkbox' || type === 'radio' ? 'on' : ''));
            }
        }
        const action = pagePath(f.getAttributeValue('action') || from, from);
        if (action) out.push(`${action.split('?')[0]}?${q}`);
    }
    return out.filter(Boolean);
}

function checkCsp(h) {
    const csp = h.get('content-security-policy');
    if (!csp) return ['no Content-Security-Policy header'];
    const dirs = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map((d) => [d[0].toLowerCase(), d.slice(1)]));
    const scripts = dirs['script-src'] || dirs['default-src'];
    if (!scripts) return [`Content-Security-Policy allows scripts from anywhere (no script-src or default-src): ${csp}`];
    if (!(scripts.length === 1 && scripts[0] === "'none'"))
        return [`Content-Security-Policy allows scripts (${dirs['script-src'] ? 'script-src' : 'default-src'} ${scripts.join(' ')})`];
    return [];
}

function describe(res) {
    return res.messages.map((m) => `${m.ruleId} ${m.line}:${m.column} ${m.message}${m.selector ? ` [${m.selector}]` : ''}`);
}

// check(client, PATH, WANT_STATUS): one TAP line; returns the page's links.
async function check(client, p, want = 200, label = '') {
    let r;
    try { r = await client.get(p); } catch (e) { ok(false, `GET ${p}${label}`, e.message); return []; }
    return checkResponse(r, `GET ${p}${label}`, p, want);
}
// checkResponse(RESPONSE, DESC, PATH, WANT): WANT is a status or a test.
async function checkResponse(r, desc, p, want) {
    const wanted = typeof want === 'function' ? want(r.status) : r.status === want;
    const problems = [];
    if (r.status >= 300 && r.status < 400 && want === 200) {
        const loc = r.headers.get('location') || '';
        const to = pagePath(loc, p);
        ok(!!to || loc.startsWith('/'), `${desc}: ${r.status} redirect to ${loc}`, 'redirects off the site');
        return to ? [to] : [];
    }
    if (!wanted) problems.push(`status ${r.status}, expected ${typeof want === 'function' ? want.description : want}`);
    const type = r.headers.get('content-type') || '';
    if (!/^text\/html\b/i.test(type)) {
        problems.push(`Content-Type is "${type}", not text/html`);
        ok(false, desc, problems.join('\n'));
        return [];
    }
    problems.push(...checkCsp(r.headers));
    const file = save(p, r.text);
    const report = await validator.validateString(r.text, file);
    for (const res of report.results) problems.push(...describe(res));
    const msg = problems.length ? [...problems.slice(0, 25), problems.length > 25 ? `... ${problems.length - 25} more` : null,
        `saved as ${path.relative(env.root, file)}`].filter(Boolean).join('\n') : '';
    ok(problems.length === 0, `${desc}: ${typeof want === 'function' ? want.description : want}, valid HTML, no script, CSP`, msg);
    return r.status < 400 ? linksOf(r.text, p) : [];
}

// ---- anonymous pages ----------------------------------------------------------
const anon = new Client(env.url);
await check(anon, '/login', 200, ' (signed out)');

// ---- signed in as admin ---------------------------------------------------------
const admin = new Client(env.url);
const form = await admin.get('/login');
const login = await admin.post('/login', { _csrf: csrfOf(form.text), login: ADMIN[0], password: ADMIN[1], next: '/' });
if (!ok(login.status === 303 && admin.cookies.has('sb_session'), 'admin signs in', `POST /login answered ${login.status}`)) process.exit(1);

await check(admin, '/this-page-does-not-exist', 404, ' (the 404 page)');

// Breadth first.  Filter and sort links make many URLs of one page: at most
// VARIANTS URLs of each shape (the path with numbers as :id) are visited.
const seen = new Set(['/']);
const shapes = new Map();
const shapeOf = (p) => p.split('?')[0].replace(/\/[0-9]+(?=\/|$)/g, '/:id');
const queue = ['/'];
let crawled = 0, capped = 0;
while (queue.length && crawled < MAX) {
    const p = queue.shift();
    crawled++;
    for (const next of await check(admin, p)) {
        if (seen.has(next)) continue;
        seen.add(next);
        const n = shapes.get(shapeOf(next)) || 0;
        if (n >= VARIANTS) { capped++; continue; }
        shapes.set(shapeOf(next), n + 1);
        queue.push(next);
    }
}
diag(`${crawled} pages crawled`);
if (queue.length) diag(`stopped after ${MAX} pages; ${queue.length} more not visited (SB_CRAWL_MAX)`);
if (capped) diag(`${capped} more URLs of pages already checked were left out (SB_CRAWL_VARIANTS=${VARIANTS})`);
// A form sent with errors answers with the form again and the errors next
// to the fields (4xx), or redirects to a page that shows them.
const formError = Object.assign((st) => st >= 400 && st < 500 && ![403, 404, 405].includes(st), { description: '4xx with the form' });
async function checkPost(client, p, fields) {
    const token = csrfOf((await client.get('/account/password')).text);
    let r;
    try { r = await client.post(p, { _csrf: token, ...fields }); } catch (e) { ok(false, `POST ${p} with errors`, e.message); return; }
    if (r.status === 303) {
        const to = pagePath(r.headers.get('location') || '', p);
        if (!to) { ok(false, `POST ${p} with errors`, `redirects to ${r.headers.get('location')}`); return; }
        await check(client, to, 200, ` (after POST ${p} with errors)`);
        return;
    }
    await checkResponse(r, `POST ${p} with errors`, p, formError);
}
const firstId = (kind) => ([...seen].find((x) => new RegExp(`^/${kind}/[0-9]+$`).test(x)) || `/${kind}/1`);
await checkPost(admin, '/clients', { name: '', phone: 'not a number', email: 'nope' });
await checkPost(admin, '/users/new', { login: '', name: '', role: 'agent' });
await checkPost(admin, `${firstId('tasks')}/reply`, { body: '' });
await checkPost(admin, '/simulator', { from: 'nope', body: '' });
await checkPost(admin, '/rules', { threshold: 'abc' });
await checkPost(admin, '/account/password', { current: 'wrong', password: 'short', confirm: 'other' });

// The same pages as an agent (attached to one client): fewer links, no
// admin pages; a smaller crawl.
const agent = new Client(env.url);
const aform = await agent.get('/login');
const alogin = await agent.post('/login', { _csrf: csrfOf(aform.text), login: AGENT[0], password: AGENT[1], next: '/' });
if (ok(alogin.status === 303 && agent.cookies.has('sb_session'), 'agent signs in', `POST /login answered ${alogin.status}`)) {
    const aseen = new Set(['/']);
    const aq = ['/'];
    const ashapes = new Map();
    let an = 0;
    while (aq.length && an < AGENT_MAX) {
        const p = aq.shift();
        an++;
        for (const next of await check(agent, p, 200, ' (agent)')) {
            if (aseen.has(next)) continue;
            aseen.add(next);
            const n = ashapes.get(shapeOf(next)) || 0;
            if (n >= 2) continue;
            ashapes.set(shapeOf(next), n + 1);
            aq.push(next);
        }
    }
    for (const adminOnly of ['/rules', '/jobs', '/simulator', '/users'])
        ok(!aseen.has(adminOnly), `the agent's pages do not link to ${adminOnly}`);
}

const want = ['/tasks', '/review', '/activity', '/clients', '/rules', '/jobs', '/simulator', '/users'];
const missing = want.filter((w) => ![...seen].some((s) => s === w || s.startsWith(`${w}?`)));
ok(missing.length === 0, 'the crawl reached every main page', `not linked from anywhere: ${missing.join(' ')}`);
for (const kind of ['/tasks/', '/clients/', '/users/']) {
    ok([...seen].some((s) => new RegExp(`^${kind}[0-9]+$`).test(s)), `the crawl reached a ${kind}ID page`, `no link to ${kind}ID was followed`);
}
