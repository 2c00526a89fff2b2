// t0700-browser.mjs - the admin's main scenario in headless Chromium, run
// by t0700-browser.t (which starts the server and creates the accounts
// admin and agent).  JavaScript is off in every page: the product has
// none and must work without it.  Each step is one TAP line; screenshots
// go to $SB_TEST_OUT/screenshots/.
import {
    assert, assertEq, diag, goto, launchBrowser, newContext, pathOf, runWorker, sb, screenshot, signIn,
    simulateSms, sql, step, submit, submitButton,
} from './lib.mjs';

const ADMIN = ['admin', 'admin-password-1'];
const AGENT = ['agent', 'agent-password-1'];
const PHONE_A = '+14155550101';
const TEXT_A = 'Hi! What are your opening hours on Saturday?';
const PHONE_B = '+14155550102';
const TEXT_B = 'The checkout page is broken and customers cannot pay!';

const browser = await launchBrowser();
// Problems the browser reports while the pages load: CSP violations and
// other console errors, and sub-resources (stylesheets, images) that fail.
// A page's own status is checked by the steps (some must be 404), and
// /favicon.ico, which Chromium asks for by itself, is left out.
const browserErrors = [];
function watch(page, who) {
    page.on('console', (m) => {
        if (m.type() === 'error' && !/^Failed to load resource/.test(m.text()))
            browserErrors.push(`${who} ${pathOf(page)}: ${m.text()}`);
    });
    page.on('pageerror', (e) => browserErrors.push(`${who} ${pathOf(page)}: ${e.message}`));
    page.on('response', (r) => {
        const req = r.request();
        if (r.status() >= 400 && !req.isNavigationRequest() && new URL(r.url()).pathname !== '/favicon.ico')
            browserErrors.push(`${who} ${pathOf(page)}: ${req.resourceType()} ${r.url()} answered ${r.status()}`);
    });
    page.on('requestfailed', (req) => {
        if (!req.isNavigationRequest())
            browserErrors.push(`${who} ${pathOf(page)}: ${req.url()} failed: ${req.failure()?.errorText}`);
    });
}
const admin = await newContext(browser);
const page = await admin.newPage();
watch(page, 'admin');

const ids = {};           // clientA, clientB, taskA, taskB, draft
const clientId = (phone) => Number(sql('SELECT id FROM clients WHERE phone = ?', phone)) || 0;
const taskOf = (cid) => Number(sql('SELECT id FROM tasks WHERE client_id = ? ORDER BY id DESC LIMIT 1', cid)) || 0;
function need(...names) {
    for (const n of names) assert(ids[n], `no ${n} (an earlier step failed)`);
}
// A form found by its action, e.g. form('/tasks/3/reply').
const form = (action) => page.locator(`form[action="${action}"]`);
async function mustHave(locator, what) {
    assert(await locator.count() > 0, `${what} not found on ${pathOf(page)}`);
}
// The visible text of the main landmark (or the body).
async function mainText(p = page) {
    const main = p.locator('main');
    return (await main.count()) ? main.first().innerText() : p.locator('body').innerText();
}

// ---- signing in ---------------------------------------------------------------
await step('GET /login shows the sign-in form', async () => {
    await page.context().clearCookies();
    assertEq(await goto(page, '/login'), 200, 'status');
    await mustHave(form('/login').locator('input[name=login]'), 'login field');
    await mustHave(form('/login').locator('input[name=password][type=password]'), 'password field');
    await screenshot(page, 'login');
});
await step('an anonymous visit to /tasks is sent to the sign-in page', async () => {
    assertEq(await goto(page, '/tasks'), 200, 'final status');
    assert(new URL(page.url()).pathname === '/login', `ended on ${pathOf(page)}`);
});
await step('admin signs in through the form and lands on the home page', async () => {
    const r = await signIn(page, ...ADMIN);
    assertEq(r.post, 303, 'POST /login');
    assertEq(r.status, 200, 'home page');
    assertEq(new URL(page.url()).pathname, '/', 'path after sign-in');
    await mustHave(page.locator('form[action="/logout"]'), 'the sign-out button');
});

// ---- a simulated SMS becomes a task ---------------------------------------
await step('the simulator page sends a signed inbound SMS through the webhook', async () => {
    const st = await goto(page, '/simulator');
    await screenshot(page, 'simulator');
    assertEq(st, 200, 'GET /simulator');
    const f = form('/simulator');
    await mustHave(f, 'form[action="/simulator"]');
    await f.locator('input[name=from], input[name=phone]').first().fill(PHONE_A);
    await f.locator('textarea[name=body], input[name=body]').first().fill(TEXT_A);
    const r = await submit(page, submitButton(f));
    assert(r.post < 400, `POST /simulator answered ${r.post}`);
    assertEq(r.status, 200, 'the page after sending');
    assertEq(sql('SELECT count(*) FROM messages WHERE direction = \'in\' AND body = ?', TEXT_A), '1', 'stored inbound messages');
});
if (!clientId(PHONE_A)) {
    diag('the simulator page did not store the SMS: sending it with `switchboard simulate-sms` so the scenario can go on');
    try { simulateSms(PHONE_A, TEXT_A); } catch (e) { diag(e.message); }
}
await step('the worker classifies the message, opens a task and drafts a reply', async () => {
    runWorker();
    ids.clientA = clientId(PHONE_A);
    assert(ids.clientA, 'no client for the simulated number');
    ids.taskA = taskOf(ids.clientA);
    assert(ids.taskA, 'no task for the new client');
    const t = sql('SELECT type || \'/\' || route FROM tasks WHERE id = ?', ids.taskA);
    assertEq(t, 'question/AI', 'type/route of the task');
    ids.draft = Number(sql('SELECT id FROM messages WHERE task_id = ? AND direction = \'out\' AND status = \'draft\'', ids.taskA)) || 0;
    assert(ids.draft, 'no AI draft waiting for review');
    // A second client's urgent bug, for the filters and the isolation checks.
    simulateSms(PHONE_B, TEXT_B);
    runWorker();
    ids.clientB = clientId(PHONE_B);
    ids.taskB = taskOf(ids.clientB);
    assert(ids.taskB, 'no task for the second client');
});
await step('the new task appears in the task list', async () => {
    need('taskA');
    assertEq(await goto(page, '/tasks'), 200, 'GET /tasks');
    await mustHave(page.locator(`a[href="/tasks/${ids.taskA}"]`), `a link to /tasks/${ids.taskA}`);
    await mustHave(page.locator(`a[href="/tasks/${ids.taskB}"]`), `a link to /tasks/${ids.taskB}`);
});

// ---- filters (a GET form) ------------------------------------------------------
async function filterTasks(field, value) {
    assertEq(await goto(page, '/tasks'), 200, 'GET /tasks');
    const f = page.locator('form:not([method=post]):not([method=POST])').filter({ has: page.locator(`[name=${field}]`) }).first();
    await mustHave(f, `a GET form with a ${field} field`);
    const input = f.locator(`[name=${field}]`).first();
    if (await input.evaluate((e) => e.tagName) === 'SELECT') await input.selectOption(value);
    else await input.fill(value);
    const r = await submit(page, submitButton(f));
    assertEq(r.status, 200, 'the filtered list');
    const q = new URL(page.url()).searchParams;
    assertEq(q.get(field), value, `${field} in the URL (bookmarkable)`);
}
await step('filtering the task list by type=question shows that task and hides the bug', async () => {
    need('taskA', 'taskB');
    await filterTasks('type', 'question');
    await mustHave(page.locator(`a[href="/tasks/${ids.taskA}"]`), `the question task /tasks/${ids.taskA}`);
    assertEq(await page.locator(`a[href="/tasks/${ids.taskB}"]`).count(), 0, 'links to the bug task');
});
await step('filtering the task list by urgency=urgent shows the bug only', async () => {
    need('taskA', 'taskB');
    await filterTasks('urgency', 'urgent');
    await mustHave(page.locator(`a[href="/tasks/${ids.taskB}"]`), `the urgent task /tasks/${ids.taskB}`);
    assertEq(await page.locator(`a[href="/tasks/${ids.taskA}"]`).count(), 0, 'links to the question task');
});

// ---- the task page -----------------------------------------------------------
await step('opening the task from the list shows the thread with the SMS and the AI draft', async () => {
    need('taskA', 'draft');
    assertEq(await goto(page, '/tasks'), 200, 'GET /tasks');
    const [resp] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.locator(`a[href="/tasks/${ids.taskA}"]`).first().click(),
    ]);
    assertEq(resp && resp.status(), 200, `GET /tasks/${ids.taskA}`);
    assertEq(new URL(page.url()).pathname, `/tasks/${ids.taskA}`, 'path');
    const text = await mainText();
    assert(text.includes(TEXT_A), 'the inbound message is not shown');
    const draftBody = sql('SELECT body FROM messages WHERE id = ?', ids.draft);
    await mustHave(form(`/messages/${ids.draft}/approve`), `the approve form of draft ${ids.draft}`);
    const shown = text.includes(draftBody.split('\n')[0]) ||
        await form(`/messages/${ids.draft}/approve`).locator('textarea').first().inputValue().catch(() => '') === draftBody;
    assert(shown, 'the draft text is not shown');
});
const EDITED = 'Hello! We are open 9-17 on Saturdays. (edited by a person)';
await step('editing the AI draft and approving it queues the edited text', async () => {
    need('taskA', 'draft');
    assertEq(await goto(page, `/tasks/${ids.taskA}`), 200, `GET /tasks/${ids.taskA}`);
    const f = form(`/messages/${ids.draft}/approve`);
    await mustHave(f.locator('textarea'), 'a textarea in the approve form');
    await f.locator('textarea').first().fill(EDITED);
    // The "send edited text" button: not "approve as written" (as_is), not
    // the one that posts elsewhere (reject).
    const send = f.locator('button[type=submit]:not([formaction]):not([name=as_is]), button:not([type]):not([formaction]):not([name=as_is])');
    await mustHave(send, 'a button that sends the edited text');
    const r = await submit(page, send.first());
    assertEq(r.post, 303, 'POST approve (POST-redirect-GET)');
    assertEq(r.status, 200, 'the page after approving');
    const row = sql('SELECT status || \'|\' || body FROM messages WHERE id = ?', ids.draft);
    const [status, body] = [row.split('|')[0], row.slice(row.indexOf('|') + 1)];
    assertEq(body, EDITED, 'the stored text');
    assert(status !== 'draft' && status !== 'rejected', `message status is ${status}`);
    const ev = sql('SELECT count(*) FROM events WHERE message_id = ? AND actor = \'user:admin\'', ids.draft);
    assert(Number(ev) >= 1, 'no event names admin as the one who approved');
    assert((await mainText()).includes(EDITED), 'the edited text is not shown after approval');
});
const REPLY = 'We will also send you the holiday hours tomorrow.';
await step('replying from the task page queues an SMS to the client', async () => {
    need('taskA');
    assertEq(await goto(page, `/tasks/${ids.taskA}`), 200, `GET /tasks/${ids.taskA}`);
    const f = form(`/tasks/${ids.taskA}/reply`);
    await mustHave(f.locator('textarea'), 'the reply form');
    await f.locator('textarea').first().fill(REPLY);
    const r = await submit(page, submitButton(f));
    assertEq(r.post, 303, 'POST reply');
    assertEq(r.status, 200, 'the page after replying');
    const st = sql('SELECT status FROM messages WHERE task_id = ? AND direction = \'out\' AND body = ?', ids.taskA, REPLY);
    assert(st && st !== 'draft', `the reply's status is "${st}"`);
    assert((await mainText()).includes(REPLY), 'the reply is not in the thread');
});
await step('reclassifying the task (feature_request, low) is saved and logged as an override', async () => {
    need('taskA');
    assertEq(await goto(page, `/tasks/${ids.taskA}`), 200, `GET /tasks/${ids.taskA}`);
    const f = form(`/tasks/${ids.taskA}/classify`);
    await mustHave(f, 'the classify form');
    await f.locator('select[name=type]').selectOption('feature_request');
    await f.locator('select[name=urgency]').selectOption('low');
    const r = await submit(page, submitButton(f));
    assertEq(r.post, 303, 'POST classify');
    assertEq(r.status, 200, 'the page after reclassifying');
    assertEq(sql('SELECT type || \'/\' || urgency FROM tasks WHERE id = ?', ids.taskA), 'feature_request/low', 'type/urgency');
    const ev = sql('SELECT count(*) FROM events WHERE task_id = ? AND actor = \'user:admin\' AND created_at >= (SELECT max(created_at) FROM events WHERE task_id = ?)', ids.taskA, ids.taskA);
    assert(Number(ev) >= 1, 'no event by user:admin for the reclassification');
});
await step('closing the task sets its status to closed', async () => {
    need('taskA');
    assertEq(await goto(page, `/tasks/${ids.taskA}`), 200, `GET /tasks/${ids.taskA}`);
    const f = form(`/tasks/${ids.taskA}/status`);
    await mustHave(f, 'the status form');
    let button;
    if (await f.locator('select[name=status]').count()) {
        await f.locator('select[name=status]').selectOption('closed');
        button = submitButton(f);
    } else {
        button = f.locator('button[name=status][value=closed]');
        await mustHave(button, 'a select or a button for status=closed');
    }
    const r = await submit(page, button);
    assertEq(r.post, 303, 'POST status');
    assertEq(r.status, 200, 'the page after closing');
    assertEq(sql('SELECT status FROM tasks WHERE id = ?', ids.taskA), 'closed', 'task status');
});

// ---- client isolation -------------------------------------------------------
const agentCtx = await newContext(browser);
const agentPage = await agentCtx.newPage();
watch(agentPage, 'agent');
await step('an agent attached to the second client only signs in', async () => {
    need('clientB');
    sb('user', 'attach', AGENT[0], String(ids.clientB));
    const r = await signIn(agentPage, ...AGENT);
    assertEq(r.post, 303, 'POST /login');
    assertEq(r.status, 200, 'home page');
});
await step("the agent opens their client's task", async () => {
    need('taskB');
    assertEq(await goto(agentPage, `/tasks/${ids.taskB}`), 200, `GET /tasks/${ids.taskB}`);
    assert((await mainText(agentPage)).includes(TEXT_B), 'the message is not shown');
});
await step("the agent gets 404 for another client's task", async () => {
    need('taskA');
    assertEq(await goto(agentPage, `/tasks/${ids.taskA}`), 404, `GET /tasks/${ids.taskA}`);
    assert(!(await agentPage.content()).includes(TEXT_A), "the other client's message leaks into the 404 page");
});
await step("the agent gets 404 for another client's page", async () => {
    need('clientA');
    assertEq(await goto(agentPage, `/clients/${ids.clientA}`), 404, `GET /clients/${ids.clientA}`);
});
await step("the agent's task list leaves out the other client's task", async () => {
    need('taskA', 'taskB');
    assertEq(await goto(agentPage, '/tasks'), 200, 'GET /tasks');
    await mustHave(agentPage.locator(`a[href="/tasks/${ids.taskB}"]`), 'their own task');
    assertEq(await agentPage.locator(`a[href="/tasks/${ids.taskA}"]`).count(), 0, "links to the other client's task");
});
await agentCtx.close();

// ---- CSRF -------------------------------------------------------------------------
const FORGED = 'This reply was posted without a CSRF token.';
await step('a form posted without its CSRF token is refused (403) and changes nothing', async () => {
    need('taskB');
    assertEq(await goto(page, `/tasks/${ids.taskB}`), 200, `GET /tasks/${ids.taskB}`);
    const f = form(`/tasks/${ids.taskB}/reply`);
    await mustHave(f.locator('input[type=hidden][name=_csrf]'), 'the hidden _csrf input of the reply form');
    await f.locator('textarea').first().fill(FORGED);
    await f.locator('input[name=_csrf]').evaluate((e) => e.remove());
    const r = await submit(page, submitButton(f));
    assertEq(r.post, 403, 'POST without _csrf');
    assertEq(sql('SELECT count(*) FROM messages WHERE body = ?', FORGED), '0', 'messages stored');
});
await step('the same form with a wrong CSRF token is refused (403) too', async () => {
    need('taskB');
    assertEq(await goto(page, `/tasks/${ids.taskB}`), 200, `GET /tasks/${ids.taskB}`);
    const f = form(`/tasks/${ids.taskB}/reply`);
    await f.locator('textarea').first().fill(FORGED);
    await f.locator('input[name=_csrf]').evaluate((e) => { e.value = '0'.repeat(64); });
    const r = await submit(page, submitButton(f));
    assertEq(r.post, 403, 'POST with a wrong _csrf');
    assertEq(sql('SELECT count(*) FROM messages WHERE body = ?', FORGED), '0', 'messages stored');
});

// ---- the review queue ------------------------------------------------------------
const PHONE_C = '+14155550103';
const TEXT_C = 'How do I reset my password?';
await step("a third client's question leaves an AI draft waiting in the review queue", async () => {
    simulateSms(PHONE_C, TEXT_C);
    runWorker();
    const draft = Number(sql('SELECT m.id FROM messages m JOIN clients c ON c.id = m.client_id WHERE c.phone = ? AND m.status = \'draft\'', PHONE_C)) || 0;
    assert(draft, 'no draft for the third client');
    assertEq(await goto(page, '/review'), 200, 'GET /review');
    // The review queue is one form: each draft's send button posts it to the draft.
    await mustHave(page.locator(`form[action="/review/batch"] button[formaction="/messages/${draft}/approve"]`),
        `the send button of draft ${draft} on /review`);
    assert((await mainText()).includes(TEXT_C), 'the client message is not shown next to the draft');
});

// ---- a screenshot of each main page ----------------------------------------------
const pages = [
    ['home', '/'],
    ['tasks', '/tasks'],
    ['task', () => `/tasks/${ids.taskA}`],
    ['review', '/review'],
    ['activity', '/activity'],
    ['clients', '/clients'],
    ['client', () => `/clients/${ids.clientA}`],
    ['rules', '/rules'],
    ['jobs', '/jobs'],
    ['users', '/users'],
];
for (const [name, where] of pages) {
    const p = typeof where === 'function' ? where() : where;
    await step(`GET ${p} answers 200 (screenshot ${name}.png)`, async () => {
        const st = await goto(page, p);
        await screenshot(page, name);
        assertEq(st, 200, `GET ${p}`);
    });
}
// The phone layout (360 px wide) of the list and the thread.
const phone = await newContext(browser, { viewport: { width: 360, height: 740 }, storageState: await admin.storageState() });
const phonePage = await phone.newPage();
watch(phonePage, 'phone');
for (const [name, p] of [['tasks-360', '/tasks'], ['task-360', `/tasks/${ids.taskA}`]]) {
    await step(`GET ${p} at 360 px wide fits the screen (screenshot ${name}.png)`, async () => {
        const st = await goto(phonePage, p);
        await screenshot(phonePage, name);
        assertEq(st, 200, `GET ${p}`);
        const width = await phonePage.evaluate(() => document.documentElement.scrollWidth);
        assert(width <= 360, `the page is ${width} px wide: it scrolls sideways`);
    });
}
await phone.close();

await step('no page logged a console error or failed to load a sub-resource (CSP violations included)', async () => {
    assert(browserErrors.length === 0, browserErrors.slice(0, 10).join('\n'));
});
await admin.close();
await browser.close();
