// t0740-inbound-safety.mjs - run by t0740-inbound-safety.t (which starts
// the server, seeds two demo clients with their reports, and creates the
// accounts admin and agent).  JavaScript is off in every page.  Requests
// that must come from a second address (127.0.0.2) go through curl
// --interface; the browser itself connects from 127.0.0.1.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
    assert, assertEq, env, goto, launchBrowser, newContext, pathOf, screenshot, signIn, sql, step, submit,
    submitButton,
} from './lib.mjs';

const ADMIN = ['admin', 'admin-password-1'];
const AGENT = ['agent', 'agent-password-1'];
const OTHER_ADDR = '127.0.0.2';

const browser = await launchBrowser();
const admin = await newContext(browser);
const page = await admin.newPage();
const form = (action, p = page) => p.locator(`form[action="${action}"]`);
async function mainText(p = page) { return p.locator('main').first().innerText(); }

// ---- a sender that is not an address -----------------------------------------------
// twilioPost(params): a webhook signed the way Twilio signs it; returns
// { status, body }.
function twilioPost(params) {
    const out = execFileSync('python3', [path.join(env.root, 'tests/twilio_post.py'), `${env.url}/webhook/twilio`,
        process.env.TWILIO_AUTH_TOKEN, ...Object.entries(params).map(([k, v]) => `${k}=${v}`)], { encoding: 'utf8' });
    const nl = out.indexOf('\n');
    return { status: Number(out.slice(0, nl)), body: out.slice(nl + 1) };
}
const clientsBefore = Number(sql('SELECT count(*) FROM clients'));
const BAD_TEXT = 'Win a prize, reply now';
await step('a webhook with From=garbage is answered 200 with empty TwiML', async () => {
    const r = twilioPost({ MessageSid: 'SM' + 'b'.repeat(32), AccountSid: 'AC1', From: 'garbage', To: '+15005550006', Body: BAD_TEXT });
    assertEq(r.status, 200, 'status');
    assert(/<Response><\/Response>/.test(r.body), `body: ${r.body}`);
    const again = twilioPost({ MessageSid: 'SM' + 'b'.repeat(32), AccountSid: 'AC1', From: 'garbage', To: '+15005550006', Body: BAD_TEXT });
    assertEq(again.status, 200, 'a redelivery');
});
await step('it creates no client, message or task', async () => {
    assertEq(Number(sql('SELECT count(*) FROM clients')), clientsBefore, 'clients');
    assertEq(sql("SELECT count(*) FROM clients WHERE phone = 'garbage' OR name = 'garbage'"), '0', 'a client named garbage');
    assertEq(sql("SELECT count(*) FROM messages WHERE from_addr = 'garbage'"), '0', 'messages from garbage');
});
await step('admin signs in', async () => {
    const r = await signIn(page, ...ADMIN);
    assertEq(r.post, 303, 'POST /login');
});
await step('the clients list does not show it', async () => {
    assertEq(await goto(page, '/clients?q=garbage'), 200, 'status');
    assert(!/garbage/.test(await page.locator('table').innerText().catch(() => '')), 'a client row mentions garbage');
});
await step('the Jobs page leads to the rejected inbound messages, which list it once', async () => {
    assertEq(await goto(page, '/jobs'), 200, 'GET /jobs');
    const link = page.getByRole('link', { name: 'Rejected inbound messages' });
    assert(await link.count() === 1, 'no link to the rejected messages on /jobs');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
    assertEq(pathOf(page), '/inbound/rejected', 'path');
    const rows = page.locator('tbody tr');
    assertEq(await rows.count(), 1, 'rows (the redelivery adds none)');
    const row = await rows.first().innerText();
    for (const want of ['garbage', 'not a phone number', BAD_TEXT, 'UTC'])
        assert(row.includes(want), `the row lacks "${want}": ${row}`);
    await screenshot(page, 'inbound-rejected');
});

// ---- sign-in locks -------------------------------------------------------------
// curlLogin(ADDR, LOGIN, PASSWORD): sign in from source address ADDR with
// curl; returns the HTTP status of the POST.
function curlLogin(addr, login, password) {
    const jar = path.join(env.data, `jar-${addr}-${login}`);
    const html = execFileSync('curl', ['-s', '--interface', addr, '-c', jar, '-b', jar, `${env.url}/login`], { encoding: 'utf8' });
    const csrf = (/name="_csrf" value="([0-9a-f]*)"/.exec(html) || [])[1] || '';
    return Number(execFileSync('curl', ['-s', '--interface', addr, '-c', jar, '-b', jar, '-o', '/dev/null', '-w', '%{http_code}',
        '--data-urlencode', `login=${login}`, '--data-urlencode', `password=${password}`,
        '--data-urlencode', `_csrf=${csrf}`, `${env.url}/login`], { encoding: 'utf8' }));
}
await step(`five wrong passwords for agent from ${OTHER_ADDR} lock agent there`, async () => {
    for (let i = 1; i <= 5; i++) assertEq(curlLogin(OTHER_ADDR, 'agent', `wrong-${i}`), 401, `attempt ${i}`);
    assertEq(curlLogin(OTHER_ADDR, 'agent', AGENT[1]), 429, 'the right password from there');
});
await step('agent still signs in from the browser (another address)', async () => {
    const ctx = await newContext(browser);
    const p = await ctx.newPage();
    const r = await signIn(p, ...AGENT);
    await ctx.close();
    assertEq(r.post, 303, 'POST /login');
    assertEq(r.status, 200, 'the page after sign-in');
});
let agentId = 0;
await step('the users list marks agent as locked', async () => {
    agentId = Number(sql("SELECT id FROM users WHERE login = 'agent'"));
    assertEq(await goto(page, '/users'), 200, 'GET /users');
    const row = await page.locator('tbody tr', { hasText: 'agent' }).first().innerText();
    assert(/Locked from 1 address/.test(row), `agent's row: ${row}`);
});
await step(`agent's page shows the lock from ${OTHER_ADDR}, and the admin clears it`, async () => {
    await page.getByRole('link', { name: /Locked from 1 address/ }).click();
    await page.waitForLoadState('load');
    assertEq(pathOf(page), `/users/${agentId}`, 'path');
    const locks = page.locator('section[aria-labelledby="h-locks"]');
    const text = await locks.innerText();
    assert(text.includes(OTHER_ADDR), `the locks section: ${text}`);
    assert(!text.includes('127.0.0.1'), 'the browser\'s address is locked too');
    await screenshot(page, 'user-locked');
    const clear = form(`/users/${agentId}/locks/clear`).filter({ has: page.locator(`input[name=addr][value="${OTHER_ADDR}"]`) });
    await clear.locator('input[name=_csrf]').waitFor({ state: 'attached' });
    const r = await submit(page, submitButton(clear));
    assertEq(r.post, 303, 'POST clear');
    assertEq(pathOf(page), `/users/${agentId}?done=unlocked`, 'back on the user page');
    assert((await mainText()).includes('Sign-in lock cleared.'), 'no flash');
    assert((await locks.innerText()).includes('Not locked'), 'the lock is still listed');
});
await step('the clearing is an event, and agent signs in from there again', async () => {
    assertEq(sql("SELECT actor || ' ' || json_extract(details, '$.addr') FROM events WHERE event_type = 'login_lock_cleared'"),
        `user:admin ${OTHER_ADDR}`, 'event');
    assertEq(curlLogin(OTHER_ADDR, 'agent', AGENT[1]), 303, 'the right password from there');
});

// ---- share links ----------------------------------------------------------------
const INTERNAL = ['Replies by the AI', 'Estimated LLM cost', 'AI and people', 'Review of AI drafts', 'Classifier',
    'Language model usage', 'usage.csv'];
const SAFE_EVENTS = new Set(['Message received', 'Reply sent', 'Task opened', 'Task closed', 'Task reopened']);
const client = Number(sql('SELECT client_id FROM tasks GROUP BY client_id ORDER BY count(*) DESC LIMIT 1'));
// The client's task with the most internal events (drafts, reviews, classification).
const task = Number(sql(`SELECT task_id FROM events WHERE client_id = ? AND task_id IS NOT NULL AND event_type NOT IN
    ('message_in', 'message_sent', 'task_created') GROUP BY task_id ORDER BY count(*) DESC LIMIT 1`, client));
const staffNames = sql("SELECT DISTINCT substr(actor, 6) FROM events WHERE task_id = ? AND actor LIKE 'user:%'", task)
    .split('\n').filter(Boolean);
// makeLink(internal): a share link for the client, made through the form.
async function makeLink(internal) {
    assertEq(await goto(page, '/reports/shares'), 200, 'GET /reports/shares');
    const f = form('/reports/shares');
    await f.locator('select[name=client_id]').selectOption(String(client));
    await f.locator('input[name=label]').fill(internal ? 'full' : 'for the client');
    const box = f.getByLabel('Include internal figures');
    if (await box.count()) assert(!(await box.isChecked()), 'the internal figures are ticked by default');
    if (internal) await box.check();
    const r = await submit(page, submitButton(f));
    assertEq(r.post, 303, 'POST /reports/shares (then the list, which shows the new link once)');
    assertEq(r.status, 200, 'the list after the redirect');
    const link = (await page.locator('.m-otp').innerText()).trim();
    assert(/\/reports\/share\/[0-9a-f]{64}\/$/.test(link), `link: ${link}`);
    return new URL(link).pathname;
}
async function anonymous(p) {
    const ctx = await newContext(browser);
    const pg = await ctx.newPage();
    const status = await goto(pg, p);
    const html = await pg.content();
    const text = await pg.locator('main').innerText();
    const events = await pg.locator('.r-timeline .r-ev').allInnerTexts();
    const actors = await pg.locator('.r-timeline .r-actor').count();
    return { ctx, pg, status, html, text, events, actors };
}
let safeLink = '';
await step('a share link is client-safe by default: its report has no internal figures', async () => {
    assert(client && task, `seeded client ${client} task ${task}`);
    safeLink = await makeLink(false);
    const r = await anonymous(safeLink);
    assertEq(r.status, 200, 'GET the shared report');
    for (const w of INTERNAL) assert(!r.html.includes(w), `the HTML contains "${w}"`);
    assert(r.text.includes('Median first response'), 'the client\'s own figures are missing');
    await screenshot(r.pg, 'share-client-safe');
    await r.ctx.close();
});
await step('its task timeline has only client-meaningful events, and no staff names', async () => {
    const r = await anonymous(`${safeLink}tasks/${task}.html`);
    assertEq(r.status, 200, 'GET the shared task page');
    assert(r.events.length > 0, 'an empty timeline');
    for (const e of r.events) assert(SAFE_EVENTS.has(e), `an internal event in the timeline: "${e}"`);
    assertEq(r.actors, 0, 'actors shown');
    for (const w of ['Draft', 'draft', 'Proposal', 'Classified', 'AI route', 'routed to'])
        assert(!r.html.includes(w), `the HTML contains "${w}"`);
    // (as a word: a short login such as "eli" is also inside "deliver")
    for (const n of staffNames) assert(!new RegExp(`\\b${n}\\b`).test(r.text), `the page names ${n}`);
    await r.ctx.close();
});
await step('the share link opens neither usage.csv nor the internal CSV columns', async () => {
    const r = await anonymous(`${safeLink}usage.csv`);
    assertEq(r.status, 404, 'usage.csv');
    await r.ctx.close();
    const csv = execFileSync('curl', ['-s', `${env.url}${safeLink}tasks.csv`], { encoding: 'utf8' });
    const head = csv.split('\r\n')[0];
    assert(head.startsWith('task_id,title'), `header: ${head}`);
    for (const col of ['route', 'ai_replies', 'drafts_rejected', 'first_response_by', 'classified_type'])
        assert(!head.split(',').includes(col), `column ${col}`);
});
await step('signed in, the staff report of the same client keeps everything', async () => {
    assertEq(await goto(page, `/reports/clients/${client}/`), 200, 'staff report');
    const html = await page.content();
    for (const w of ['Replies by the AI', 'Estimated LLM cost']) assert(html.includes(w), `no "${w}"`);
    assertEq(await goto(page, `/reports/clients/${client}/tasks/${task}.html`), 200, 'staff task page');
    const events = await page.locator('.r-timeline .r-ev').allInnerTexts();
    assert(events.some((e) => !SAFE_EVENTS.has(e)), 'the staff timeline lost its internal events');
});
await step('with "Include internal figures" ticked, the link shows them', async () => {
    const full = await makeLink(true);
    assert((await page.locator('tbody tr', { hasText: 'full' }).first().innerText()).includes('Internal figures too'),
        'the list does not say which link shows them');
    const r = await anonymous(full);
    assertEq(r.status, 200, 'GET the shared report');
    for (const w of ['Replies by the AI', 'Estimated LLM cost']) assert(r.html.includes(w), `no "${w}"`);
    await r.ctx.close();
    const t = await anonymous(`${full}tasks/${task}.html`);
    assert(t.events.some((e) => !SAFE_EVENTS.has(e)), 'the full link\'s timeline has no internal events');
    assert(t.actors > 0, 'no actors');
    await t.ctx.close();
});

await browser.close();
