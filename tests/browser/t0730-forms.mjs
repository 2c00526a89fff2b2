// t0730-forms.mjs - "done once, shown once" in headless Chromium with
// JavaScript off, run by t0730-forms.t (which starts the server and
// creates the accounts admin and carol).
//
// Double submit: the reply form sent by the browser and then once more,
// and the same form (same form token, the page's cookies) posted twice in
// a row and twice at the same time store exactly one message, and the
// repeat says it was already submitted.  One-time secrets: after reset password, create user and a
// new share link the browser lands on a page that shows the secret once;
// reloading it shows no secret and makes nothing new (no 422 "login
// taken", no second password or link), and another session of the same
// admin opening that address never sees it.
import fs from 'node:fs';
import { HtmlValidate } from 'html-validate';
import { plugin, pluginRules } from './htmlrules.mjs';
import {
    assert, assertEq, goto, launchBrowser, newContext, pathOf, runWorker, signIn, simulateSms, sql, step,
    submit, submitButton,
} from './lib.mjs';

const ADMIN = ['admin', 'admin-password-1'];
const PHONE = '+14155550131';
const ALREADY = 'This form was already submitted; nothing was done twice.';

const browser = await launchBrowser();
const ctxA = await newContext(browser);   // the admin at work
const ctxB = await newContext(browser);   // the same admin in another browser
const page = await ctxA.newPage();
const pageB = await ctxB.newPage();
const ids = {};
function need(...names) {
    for (const n of names) assert(ids[n], `no ${n} (an earlier step failed)`);
}
const form = (p, action) => p.locator(`form[action="${action}"]`);
const mainText = (p) => p.locator('main').innerText();
const count = (q, ...args) => Number(sql(q, ...args));
// The pages these steps saw, as the server sent them, for the HTML check.
const pages = {};
async function open(p, url) {
    const resp = await p.goto(url, { waitUntil: 'load' });
    if (resp) pages[`${pathOf(p)} (${Object.keys(pages).length + 1})`] = await resp.text();
    return resp ? resp.status() : 0;
}
async function reload(p) {
    const resp = await p.reload({ waitUntil: 'load' });
    if (resp) pages[`${pathOf(p)} reloaded (${Object.keys(pages).length + 1})`] = await resp.text();
    return resp ? resp.status() : 0;
}

// What the browser would send for the form with that action on p's page
// (hidden fields, the _csrf and _form tokens, typed values), as pairs.
async function formFields(p, action) {
    const f = form(p, action).first();
    assert(await f.count() > 0, `no form[action="${action}"] on ${pathOf(p)}`);
    return f.evaluate((el) => {
        const out = [];
        for (const e of el.elements) {
            if (!e.name || e.disabled || e.type === 'submit' || e.tagName === 'BUTTON') continue;
            if ((e.type === 'checkbox' || e.type === 'radio') && !e.checked) continue;
            out.push([e.name, e.value]);
        }
        return out;
    });
}
// POST pairs to action with ctx's cookies, not following the redirect.
async function postAs(ctx, action, pairs) {
    const cookie = (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const r = await fetch(new URL(action, process.env.SB_URL), {
        method: 'POST', redirect: 'manual', body: new URLSearchParams(pairs).toString(),
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    await r.text();
    return { status: r.status, location: r.headers.get('location') || '' };
}
const withAgain = (loc) => {
    const [path, frag] = loc.split('#');
    return `${path}${path.includes('?') ? '&' : '?'}again=1${frag !== undefined ? `#${frag}` : ''}`;
};

await step('the admin signs in twice, in two browsers (two sessions)', async () => {
    assertEq((await signIn(page, ...ADMIN)).post, 303, 'first session');
    assertEq((await signIn(pageB, ...ADMIN)).post, 303, 'second session');
    assertEq(count('SELECT count(*) FROM sessions'), 2, 'sessions');
});

// ---- the reply: double click, twice in a row, twice at once --------------------
await step('an SMS becomes a task with a reply form', async () => {
    simulateSms(PHONE, 'Hello, do you work on public holidays?');
    runWorker();
    ids.task = Number(sql('SELECT t.id FROM tasks t JOIN clients c ON c.id = t.client_id WHERE c.phone = ?', PHONE)) || 0;
    need('task');
    assertEq(await goto(page, `/tasks/${ids.task}`), 200, 'the task page');
    assert(await form(page, `/tasks/${ids.task}/reply`).count() === 1, 'no reply form');
});
const replies = (body) => count('SELECT count(*) FROM messages WHERE task_id = ? AND body = ?', ids.task, body);
const sendJobs = () => count("SELECT count(*) FROM jobs WHERE kind = 'send' AND task_id = ?", ids.task);

await step('"Send reply" in the browser, then the same submission again: one message, the page says so', async () => {
    need('task');
    const text = 'Yes, we answer on public holidays (sent twice).';
    await goto(page, `/tasks/${ids.task}`);
    const f = form(page, `/tasks/${ids.task}/reply`);
    await f.locator('textarea[name=body]').fill(text);
    // What the click sends, to send it once more afterwards as a second
    // click, a retried request or a resubmitted page would.  (Chromium
    // itself drops a second click while the first is on its way.)
    const pairs = await formFields(page, `/tasks/${ids.task}/reply`);
    const jobs = sendJobs();
    const r = await submit(page, submitButton(f));
    assertEq(r.post, 303, 'the browser POST');
    assertEq(replies(text), 1, 'messages after the click');
    const again = await postAs(ctxA, `/tasks/${ids.task}/reply`, pairs);
    assertEq(again.status, 303, 'the same submission again');
    assertEq(again.location, withAgain(pathOf(page) + (new URL(page.url()).hash || '')), 'sent where the first went');
    assertEq(replies(text), 1, 'messages with that text');
    assertEq(sendJobs(), jobs + 1, 'send jobs queued');
    assertEq(await goto(page, again.location), 200, 'the page it leads to');
    assert((await mainText(page)).includes(ALREADY), `the page does not say "${ALREADY}"`);
});

await step('the same reply form posted twice in a row: one message, the second says so', async () => {
    need('task');
    const text = 'We are open on public holidays from 10 to 4 (twice in a row).';
    await goto(page, `/tasks/${ids.task}`);
    await form(page, `/tasks/${ids.task}/reply`).locator('textarea[name=body]').fill(text);
    const pairs = await formFields(page, `/tasks/${ids.task}/reply`);
    assert(pairs.some(([k, v]) => k === '_form' && v.length >= 32), 'the form carries a form token (_form)');
    const events = count('SELECT count(*) FROM events WHERE task_id = ?', ids.task);
    const first = await postAs(ctxA, `/tasks/${ids.task}/reply`, pairs);
    assertEq(first.status, 303, 'first POST');
    const eventsAfter = count('SELECT count(*) FROM events WHERE task_id = ?', ids.task);
    const second = await postAs(ctxA, `/tasks/${ids.task}/reply`, pairs);
    assertEq(second.status, 303, 'second POST');
    assertEq(second.location, withAgain(first.location), 'the second is sent where the first went');
    assertEq(replies(text), 1, 'messages with that text');
    assertEq(count('SELECT count(*) FROM events WHERE task_id = ?', ids.task), eventsAfter, 'events after the second');
    assert(eventsAfter > events, 'the first wrote its events');
    assertEq(await open(page, second.location), 200, 'the page the second leads to');
    assert((await mainText(page)).includes(ALREADY), `the page does not say "${ALREADY}"`);
});

await step('the same reply form posted twice at the same time: one message', async () => {
    need('task');
    const text = 'Public holidays: 10 to 4, same as Saturdays (twice at once).';
    await goto(page, `/tasks/${ids.task}`);
    await form(page, `/tasks/${ids.task}/reply`).locator('textarea[name=body]').fill(text);
    const pairs = await formFields(page, `/tasks/${ids.task}/reply`);
    const jobs = sendJobs();
    const [a, b] = await Promise.all([postAs(ctxA, `/tasks/${ids.task}/reply`, pairs),
        postAs(ctxA, `/tasks/${ids.task}/reply`, pairs)]);
    assertEq(replies(text), 1, 'messages with that text');
    assertEq(sendJobs(), jobs + 1, 'send jobs queued');
    assertEq(a.status, 303, 'one answer');
    assertEq(b.status, 303, 'the other answer');
    const locs = [a.location, b.location].sort();
    assertEq(locs[1], withAgain(locs[0]), 'one was done, the other sent where it went');
});

await step('reloading the task page after a reply sends nothing again', async () => {
    need('task');
    const text = 'Reply then reload.';
    await goto(page, `/tasks/${ids.task}`);
    const f = form(page, `/tasks/${ids.task}/reply`);
    await f.locator('textarea[name=body]').fill(text);
    const r = await submit(page, submitButton(f));
    assertEq(r.post, 303, 'POST answers a redirect');
    await page.reload({ waitUntil: 'load' });
    await page.reload({ waitUntil: 'load' });
    assertEq(replies(text), 1, 'messages with that text');
});

// ---- reset password: shown once, to this session only -----------------------------
await step('reset password: the other session, then a reload, never see the one-time password', async () => {
    ids.carol = Number(sql("SELECT id FROM users WHERE login = 'carol'")) || 0;
    need('carol');
    assertEq(await goto(page, `/users/${ids.carol}`), 200, "carol's page");
    const pairs = await formFields(page, `/users/${ids.carol}/password`);
    const resets = () => count("SELECT count(*) FROM events WHERE event_type = 'user_password_changed'");
    const before = resets();
    const r = await postAs(ctxA, `/users/${ids.carol}/password`, pairs);
    assertEq(r.status, 303, 'POST answers a redirect');
    assert(/^\/users\/\d+\?done=reset&secret=\d+$/.test(r.location), `redirect to ${r.location}`);
    assertEq(resets(), before + 1, 'one reset');
    const hash = sql('SELECT password_hash FROM users WHERE id = ?', ids.carol);
    // The other session first, while the password is still waiting.
    assertEq(await goto(pageB, r.location), 200, 'the other session opens the address');
    assertEq(await pageB.locator('.m-otp').count(), 0, 'one-time passwords shown to the other session');
    assert((await mainText(pageB)).includes('not shown again'), 'the other session is told it was shown');
    // This session sees it once.
    assertEq(await open(page, r.location), 200, 'this session opens it');
    const otp = (await page.locator('.m-otp').first().innerText()).trim();
    assert(/^[0-9a-f]{24}$/.test(otp), `no one-time password shown (${otp})`);
    assertEq(await reload(page), 200, 'the reload');
    assertEq(await page.locator('.m-otp').count(), 0, 'passwords shown after the reload');
    assert((await mainText(page)).includes('not shown again'), 'the reload says it was shown');
    assert(!(await page.content()).includes(otp), 'the password is nowhere in the reloaded page');
    assertEq(resets(), before + 1, 'resets after the reload');
    assertEq(sql('SELECT password_hash FROM users WHERE id = ?', ids.carol), hash, 'her password after the reload');
    ids.otp = otp;
});
await step('the password shown once is the one that works', async () => {
    need('otp');
    const ctxC = await newContext(browser);
    const p = await ctxC.newPage();
    const r = await signIn(p, 'carol', ids.otp);
    assertEq(r.post, 303, 'carol signs in with it');
    assertEq(new URL(p.url()).pathname, '/account/password', 'and must choose her own');
    await ctxC.close();
});

// ---- create user: a reload is not a 422 "login taken" ----------------------------------
await step('create user: the password is shown once; a reload shows no 422 and makes nobody', async () => {
    assertEq(await goto(page, '/users/new'), 200, 'GET /users/new');
    const f = form(page, '/users/new');
    await f.locator('input[name=login]').fill('dave');
    await f.locator('input[name=name]').fill('Dave Bowman');
    const r = await submit(page, submitButton(f));
    assertEq(r.post, 303, 'POST /users/new answers a redirect');
    assertEq(r.status, 200, 'the page it leads to');
    const url = page.url();
    assert(/\/users\/\d+\?done=created&secret=\d+$/.test(url), `landed on ${pathOf(page)}`);
    const otp = (await page.locator('.m-otp').first().innerText()).trim();
    assert(/^[0-9a-f]{24}$/.test(otp), `no one-time password shown (${otp})`);
    const users = count('SELECT count(*) FROM users');
    const resp = await page.reload({ waitUntil: 'load' });
    assertEq(resp.status(), 200, 'the reload');
    const text = await mainText(page);
    assert(!/taken/i.test(text), 'the reload says the login is taken');
    assert(!(await page.content()).includes(otp), 'the password is shown again');
    assert(text.includes('not shown again'), 'the reload says it was shown');
    assertEq(count('SELECT count(*) FROM users'), users, 'users after the reload');
    assertEq(count("SELECT count(*) FROM users WHERE login = 'dave'"), 1, 'dave once');
    assertEq(await goto(pageB, pathOf(page)), 200, 'the other session opens the same address');
    assert(!(await pageB.content()).includes(otp), 'the other session sees the password');
});

// ---- a share link: shown once, a reload makes no second link ------------------------------
await step('a new share link is shown once; a reload makes no other link', async () => {
    assertEq(await goto(page, '/reports/shares'), 200, 'GET /reports/shares');
    const f = form(page, '/reports/shares');
    const client = sql('SELECT id FROM clients WHERE phone = ?', PHONE);
    await f.locator('select[name=client_id]').selectOption(client);
    await f.locator('input[name=label]').fill('for the client');
    const links = () => count('SELECT count(*) FROM report_shares');
    const before = links();
    const r = await submit(page, submitButton(f));
    assertEq(r.post, 303, 'POST /reports/shares answers a redirect');
    assertEq(links(), before + 1, 'one link made');
    const shown = (await page.locator('.m-otp').first().innerText()).trim();
    assert(/\/reports\/share\/[0-9a-f]{64}\/$/.test(shown), `no link shown (${shown})`);
    assertEq(await reload(page), 200, 'the reload');
    assertEq(links(), before + 1, 'links after the reload');
    assert(!(await page.content()).includes(shown), 'the link is shown again');
    assert((await mainText(page)).includes('not shown again'), 'the reload says it was shown');
    assertEq(await goto(pageB, pathOf(page)), 200, 'the other session opens the same address');
    assert(!(await pageB.content()).includes(shown), 'the other session sees the link');
});
await step('a share link form posted twice (the same token) makes one link', async () => {
    await goto(page, '/reports/shares');
    const client = sql('SELECT id FROM clients WHERE phone = ?', PHONE);
    await form(page, '/reports/shares').locator('select[name=client_id]').selectOption(client);
    const pairs = await formFields(page, '/reports/shares');
    const before = count('SELECT count(*) FROM report_shares');
    const first = await postAs(ctxA, '/reports/shares', pairs);
    const second = await postAs(ctxA, '/reports/shares', pairs);
    assertEq(first.status, 303, 'first POST');
    assertEq(second.location, withAgain(first.location), 'the second is sent where the first went');
    assertEq(count('SELECT count(*) FROM report_shares'), before + 1, 'links made');
    assertEq(await open(page, second.location), 200, 'the page the second leads to');
    const text = await mainText(page);
    assert(text.includes(ALREADY), `the page does not say "${ALREADY}"`);
    assertEq(await page.locator('.m-otp').count(), 1, 'the link (not yet seen) shown on it once');
});

await step('those pages (secret shown, not shown again, already submitted) are valid HTML', async () => {
    const config = JSON.parse(fs.readFileSync(new URL('./.htmlvalidate.json', import.meta.url), 'utf8'));
    const validator = new HtmlValidate({
        ...config,
        plugins: [...(config.plugins || []), plugin],
        rules: { ...config.rules, ...pluginRules },
    });
    const problems = [];
    assert(Object.keys(pages).length >= 4, `only ${Object.keys(pages).length} pages kept`);
    for (const [name, html] of Object.entries(pages)) {
        const report = await validator.validateString(html, name);
        for (const r of report.results)
            for (const m of r.messages) problems.push(`${name}: ${m.ruleId} ${m.message} (line ${m.line})`);
    }
    assert(problems.length === 0, problems.slice(0, 12).join('\n'));
});

await ctxA.close();
await ctxB.close();
await browser.close();
