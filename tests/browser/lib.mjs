// lib.mjs - shared helpers of the browser tests (t0700-browser.t,
// t0710-html.t): TAP output, the switchboard command line, the test
// database, headless Debian Chromium through playwright-core, and a
// cookie-keeping HTTP client for the crawler.
//
// The bash wrappers start the server with tests/lib.sh and export SB_URL,
// SB_BIN, SB_ROOT, SWITCHBOARD_DATA and SB_TEST_OUT before running the
// node programs; nothing here starts or stops the server.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const env = {
    url: process.env.SB_URL,
    bin: process.env.SB_BIN,
    root: process.env.SB_ROOT,
    data: process.env.SWITCHBOARD_DATA,
    out: process.env.SB_TEST_OUT,
    chromium: process.env.SB_CHROMIUM || '/usr/bin/chromium',
};
for (const [k, v] of Object.entries(env))
    if (!v) throw new Error(`lib.mjs: ${k} is not set (run the .t wrapper, not the .mjs directly)`);

// ---- TAP ------------------------------------------------------------------
// Test lines only: the bash wrapper prints the plan after the server has
// stopped (tests/lib.sh may add a line for a sanitizer report).
let tapN = 0;
let tapFailed = 0;
export function diag(msg) {
    for (const line of String(msg).split('\n')) process.stdout.write(`# ${line}\n`);
}
export function ok(cond, desc, why) {
    tapN++;
    if (!cond) tapFailed++;
    process.stdout.write(`${cond ? 'ok' : 'not ok'} ${tapN} - ${desc}\n`);
    if (!cond && why) diag(indent(why));
    return !!cond;
}
export function failures() { return tapFailed; }
function indent(s) { return String(s).split('\n').map((l) => `  ${l}`).join('\n'); }

// step(DESC, FN): one TAP line.  FN passes by returning (anything) and
// fails by throwing; the message of what it threw is the diagnostic.
// SB_TIMING=1 prints how long each step took.
export async function step(desc, fn) {
    const t0 = Date.now();
    try {
        await fn();
        return ok(true, desc);
    } catch (e) {
        const msg = e && e.message ? e.message : String(e);
        return ok(false, desc, msg.split('\n').slice(0, 12).join('\n'));
    } finally {
        if (process.env.SB_TIMING) diag(`${Date.now() - t0} ms`);
    }
}
export function assert(cond, msg) { if (!cond) throw new Error(msg); }
export function assertEq(got, want, what) {
    if (got !== want) throw new Error(`${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
}

// ---- the program and its database ------------------------------------------
export function sb(...args) {
    try {
        return execFileSync(env.bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
        throw new Error(`switchboard ${args.join(' ')} exited ${e.status}: ${(e.stderr || '').trim()}`);
    }
}
export function simulateSms(from, body) { return sb('simulate-sms', '--from', from, '--body', body, '--url', env.url); }
export function runWorker() { return sb('worker', '--once'); }

// sql(QUERY, ...PARAMS): rows of the first column joined by newlines; PARAMS
// replace ? as SQL string literals.
export function sql(query, ...params) {
    let i = 0;
    const q = query.replace(/\?/g, () => {
        const v = params[i++];
        return typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
    });
    return sb('sql', '--db', path.join(env.data, 'switchboard.db'), q).trim();
}

// ---- output --------------------------------------------------------------
export function outDir(...sub) {
    const d = path.join(env.out, ...sub);
    fs.mkdirSync(d, { recursive: true });
    return d;
}

// ---- the browser -------------------------------------------------------------
// Debian's chromium, headless, with the flags this machine needs (no
// background connections to the outside world).  playwright's launch()
// gives every browser a new empty profile directory of its own.
export const CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
export async function launchBrowser() {
    const { chromium } = await import('playwright-core');
    return chromium.launch({ executablePath: env.chromium, headless: true, args: CHROMIUM_ARGS, timeout: 60000 });
}

// newContext(browser, opts): a context with JavaScript turned OFF in the
// pages (the product must work without it; playwright's own selectors and
// evaluate() still run in their isolated world), a fixed locale, timezone
// and viewport so screenshots are reproducible.
export async function newContext(browser, opts = {}) {
    const ctx = await browser.newContext({
        baseURL: env.url,
        javaScriptEnabled: false,
        locale: 'en-US',
        timezoneId: 'UTC',
        viewport: { width: 1280, height: 800 },
        reducedMotion: 'reduce',
        ...opts,
    });
    ctx.setDefaultTimeout(10000);
    ctx.setDefaultNavigationTimeout(15000);
    return ctx;
}

// goto(page, PATH): navigate and wait for the load event; returns the status.
export async function goto(page, p) {
    const resp = await page.goto(p, { waitUntil: 'load' });
    return resp ? resp.status() : 0;
}

// submit(page, LOCATOR): click a submit button and wait for the navigation
// it causes (POST, then the redirect's GET) to finish loading.  Returns
// { post: status of the POST, status: status of the final page, url }.
export async function submit(page, button) {
    const [resp] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        button.click(),
    ]);
    if (!resp) return { post: 0, status: 0, url: page.url() };
    let first = resp.request();
    while (first.redirectedFrom()) first = first.redirectedFrom();
    const firstResp = first === resp.request() ? resp : await first.response();
    return { post: firstResp ? firstResp.status() : 0, status: resp.status(), url: page.url() };
}

// submitButton(FORM): the form's (first) submit button.
export function submitButton(form) {
    return form.locator('button[type=submit], button:not([type]), input[type=submit]').first();
}

// pathOf(page): the current path and query.
export function pathOf(page) { const u = new URL(page.url()); return u.pathname + u.search; }

export async function signIn(page, login, password) {
    await goto(page, '/login');
    await page.locator('form[action="/login"] input[name=login]').fill(login);
    await page.locator('form[action="/login"] input[name=password]').fill(password);
    return submit(page, submitButton(page.locator('form[action="/login"]')));
}

// screenshot(page, NAME): a full-page PNG under $SB_TEST_OUT/screenshots/.
export async function screenshot(page, name) {
    const file = path.join(outDir('screenshots'), `${name}.png`);
    await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
    return file;
}

// ---- a plain HTTP client with a cookie jar (for the crawler) -----------------
export class Client {
    constructor(base) { this.base = base; this.cookies = new Map(); }
    cookieHeader() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }
    keep(resp) {
        for (const sc of resp.headers.getSetCookie()) {
            const [pair, ...attrs] = sc.split(';');
            const eq = pair.indexOf('=');
            const k = pair.slice(0, eq).trim(), v = pair.slice(eq + 1).trim();
            const gone = attrs.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
            if (gone || v === '') this.cookies.delete(k); else this.cookies.set(k, v);
        }
    }
    async request(method, p, form) {
        const headers = { cookie: this.cookieHeader() };
        let body;
        if (form) {
            body = new URLSearchParams(form).toString();
            headers['content-type'] = 'application/x-www-form-urlencoded';
        }
        const resp = await fetch(new URL(p, this.base), { method, headers, body, redirect: 'manual' });
        this.keep(resp);
        const text = await resp.text();
        return { status: resp.status, headers: resp.headers, text };
    }
    get(p) { return this.request('GET', p); }
    post(p, form) { return this.request('POST', p, form); }
}
export function csrfOf(html) {
    const m = /name="_csrf"\s+value="([^"]*)"/.exec(html) || /value="([^"]*)"\s+name="_csrf"/.exec(html);
    return m ? m[1] : '';
}
