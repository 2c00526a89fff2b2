// t0720-reply-path.mjs - the reply path in headless Chromium with
// JavaScript off, run by t0720-reply-path.t (which starts the server and
// creates the account admin).  Each step is one TAP line.  Messages come
// in through the signed webhook (`switchboard simulate-sms`) and the
// worker writes the drafts, as in production.
import {
    assert, assertEq, goto, launchBrowser, newContext, pathOf, runWorker, signIn, simulateSms, sql, step, submit,
} from './lib.mjs';

const browser = await launchBrowser();
const ctx = await newContext(browser);
const page = await ctx.newPage();

// ---- helpers ------------------------------------------------------------------
const clientId = (phone) => Number(sql('SELECT id FROM clients WHERE phone = ?', phone)) || 0;
// The AI drafts waiting on a client's tasks, oldest first.
const draftsOf = (phone) => sql(
    'SELECT m.id FROM messages m JOIN clients c ON c.id = m.client_id WHERE c.phone = ? AND m.direction = \'out\' ' +
    'AND m.status = \'draft\' ORDER BY m.id', phone).split('\n').filter(Boolean).map(Number);
const taskOfMessage = (id) => Number(sql('SELECT task_id FROM messages WHERE id = ?', id)) || 0;
const row = (id) => {
    const r = sql('SELECT status || \'|\' || body FROM messages WHERE id = ?', id);
    return { status: r.slice(0, r.indexOf('|')), body: r.slice(r.indexOf('|') + 1) };
};
function drain() { runWorker(); runWorker(); }
async function mainText(p = page) {
    const main = p.locator('main');
    return (await main.count()) ? main.first().innerText() : p.locator('body').innerText();
}
// The form that holds draft ID's text box, and the box.
const box = (id) => page.locator(`textarea#d${id}`);
const boxForm = (id) => page.locator(`form:has(textarea#d${id})`);
// The submit buttons that act on draft ID: those of the form holding its
// box, except other drafts' buttons and the batch's (on /review the queue
// is one form).
async function buttonsOf(id) {
    const all = boxForm(id).locator('button[type=submit], button:not([type]), input[type=submit]');
    const out = [];
    for (let i = 0; i < await all.count(); i++) {
        const b = all.nth(i);
        const fa = await b.getAttribute('formaction');
        const formAction = await boxForm(id).getAttribute('action');
        const target = fa || formAction || '';
        if (target.startsWith(`/messages/${id}/`)) out.push(b);
    }
    return out;
}
const sent = (st) => !['draft', 'rejected', 'superseded'].includes(st);

await step('admin signs in', async () => {
    const r = await signIn(page, 'admin', 'admin-password-1');
    assertEq(r.post, 303, 'POST /login');
});

// ---- 1. an edited draft on the task page, every button ----------------------------
// One client (and one draft) per button: every button must either send the
// text in the box or send nothing, and never the draft's old text.
const EDIT = 'We open 9-17 on Saturdays; see you then! (edited by a person)';
const Q_PHONES = ['+14155550201', '+14155550202', '+14155550203', '+14155550204'];
const qDraft = {};
await step('four clients ask a question and the worker drafts an answer for each', async () => {
    for (const p of Q_PHONES) simulateSms(p, 'Hi! What are your opening hours on Saturday?');
    drain();
    for (const p of Q_PHONES) {
        const d = draftsOf(p);
        assertEq(d.length, 1, `drafts waiting for ${p}`);
        qDraft[p] = d[0];
    }
});
await step('on the task page, every button of an edited draft sends the edited text or nothing, never the old text', async () => {
    const first = qDraft[Q_PHONES[0]];
    assertEq(await goto(page, `/tasks/${taskOfMessage(first)}`), 200, 'GET the task page');
    const n = (await buttonsOf(first)).length;
    assert(n >= 2, `draft ${first} has ${n} buttons`);
    assert(n <= Q_PHONES.length - 1, `more buttons (${n}) than drafts to try them on`);
    for (let i = 0; i < n; i++) {
        const id = qDraft[Q_PHONES[i]];
        const original = row(id).body;
        assertEq(await goto(page, `/tasks/${taskOfMessage(id)}`), 200, `GET the task of draft ${id}`);
        await box(id).fill(EDIT);
        const b = (await buttonsOf(id))[i];
        const label = (await b.innerText()).trim();
        const r = await submit(page, b);
        const after = row(id);
        const texts = sql('SELECT group_concat(body, \'~\') FROM messages WHERE task_id = ? AND direction = \'out\' ' +
            'AND status NOT IN (\'draft\', \'rejected\', \'superseded\')', taskOfMessage(id));
        assert(!texts.split('~').includes(original), `"${label}" sent the draft's old text (status ${after.status})`);
        if (sent(after.status)) {
            assertEq(after.body, EDIT, `"${label}": the text sent`);
            assertEq(r.post, 303, `"${label}": POST-redirect-GET`);
        } else if (after.status === 'draft') {
            // Refused: the page says so and the person's text is still there.
            assert(r.post >= 400, `"${label}" left the draft waiting but answered ${r.post}`);
            assertEq(await box(id).inputValue(), EDIT, `"${label}": the edited text kept in the box`);
        } else {
            assertEq(after.status, 'rejected', `"${label}": status`);
            assert(/reject/i.test(label), `"${label}" rejected the draft`);
        }
    }
});
await step('the primary button is labelled for what it does and sends the edited text', async () => {
    const id = qDraft[Q_PHONES[3]];
    assertEq(await goto(page, `/tasks/${taskOfMessage(id)}`), 200, 'GET the task page');
    const b = (await buttonsOf(id))[0];
    const label = (await b.innerText()).trim();
    assert(!/as written/i.test(label), `the primary button says "${label}"`);
    await box(id).fill(EDIT + ' Again.');
    const r = await submit(page, b);
    assertEq(r.post, 303, 'POST');
    const after = row(id);
    assert(sent(after.status), `status ${after.status}`);
    assertEq(after.body, EDIT + ' Again.', 'the text queued');
    assertEq(sql('SELECT details->>\'decision\' FROM events WHERE event_type = \'draft_approved\' AND message_id = ?', id),
        'edited', 'recorded as edited');
    const text = await mainText();
    assert(/edited text/i.test(text), `the flash does not say the edited text was sent: ${text.slice(0, 200)}`);
    assert(!/Draft approved/.test(text), 'the flash still says "Draft approved"');
});

// ---- 2. edited drafts in the review batch --------------------------------------------
const B_PHONES = ['+14155550211', '+14155550212'];
await step('the review batch sends each ticked draft with the text in its box, edits included', async () => {
    for (const p of B_PHONES) simulateSms(p, 'How do I reset my password?');
    drain();
    const [edited, asIs] = B_PHONES.map((p) => draftsOf(p)[0]);
    assert(edited && asIs, 'two drafts waiting');
    const asIsText = row(asIs).body;
    const editedOld = row(edited).body;
    assertEq(await goto(page, '/review'), 200, 'GET /review');
    await box(edited).fill('Use "Forgot password" on the sign-in page; I just sent you a link. (edited)');
    await page.locator(`#pick${edited}`).check();
    await page.locator(`#pick${asIs}`).check();
    const batch = page.locator('form[action="/review/batch"] button:not([formaction])').first();
    assert(await batch.count(), 'the batch button');
    const r = await submit(page, batch);
    assertEq(r.post, 303, 'POST /review/batch');
    const e = row(edited), a = row(asIs);
    assert(sent(e.status) && sent(a.status), `statuses ${e.status}, ${a.status}`);
    assert(e.body !== editedOld, 'the edited draft was sent with its old text');
    assertEq(e.body, 'Use "Forgot password" on the sign-in page; I just sent you a link. (edited)', 'the edited draft\'s text');
    assertEq(a.body, asIsText, 'the untouched draft\'s text');
    assertEq(sql('SELECT details->>\'decision\' FROM events WHERE event_type = \'draft_approved\' AND message_id = ?', edited),
        'edited', 'the edited one is recorded as edited');
    assert(/1 with your edits/.test(await mainText()), 'the flash counts the edit');
});

// ---- 3. a manual reply supersedes the draft ---------------------------------------------
const R_PHONE = '+14155550221';
await step('a person\'s reply supersedes the pending AI draft: gone from Review, marked in the thread', async () => {
    simulateSms(R_PHONE, 'Do you also work on Sundays?');
    drain();
    const d = draftsOf(R_PHONE)[0];
    assert(d, 'a draft waits');
    assertEq(await goto(page, '/review'), 200, 'GET /review');
    assert(await page.locator(`#d-${d}`).count(), 'the draft is in the review queue first');
    const task = taskOfMessage(d);
    assertEq(await goto(page, `/tasks/${task}`), 200, 'GET the task');
    const f = page.locator(`form[action="/tasks/${task}/reply"]`);
    await f.locator('textarea').fill('No, only Monday to Saturday. Have a nice weekend!');
    const r = await submit(page, f.locator('button[type=submit]').first());
    assertEq(r.post, 303, 'POST reply');
    assertEq(row(d).status, 'superseded', 'the draft\'s status');
    assertEq(sql('SELECT count(*) FROM events WHERE event_type = \'draft_superseded\' AND message_id = ?', d), '1',
        'a draft_superseded event');
    assert(/superseded it/.test(await mainText()), 'the flash does not say the draft will not be sent');
    const msg = page.locator(`#m${d}`);
    assert(/superseded/i.test(await msg.innerText()), 'the thread does not mark the draft as superseded');
    assertEq(await page.locator(`form[action="/messages/${d}/approve"], [formaction="/messages/${d}/approve"]`).count(), 0,
        'the superseded draft can still be sent from the task page');
    assertEq(await goto(page, '/review'), 200, 'GET /review');
    assertEq(await page.locator(`#d-${d}`).count(), 0, 'the superseded draft is still in the review queue');
    assertEq(sql('SELECT count(*) FROM messages WHERE task_id = ? AND direction = \'out\' AND status NOT IN ' +
        '(\'draft\', \'rejected\', \'superseded\')', task), '1', 'messages sent on the task (the reply only)');
});

// ---- 4. an urgent outage ------------------------------------------------------------------
const O_PHONE = '+14155550231';
const OUTAGE = "Our site is down!! customers can't check out";
await step('an urgent "site is down" SMS gets an acknowledgement draft, not a request for a screenshot', async () => {
    simulateSms(O_PHONE, OUTAGE);
    drain();
    const t = sql('SELECT type || \'/\' || urgency FROM tasks WHERE client_id = ?', clientId(O_PHONE));
    assertEq(t, 'bug/urgent', 'the task');
    const drafts = draftsOf(O_PHONE);
    assert(drafts.length >= 1, 'no draft for the outage');
    const task = taskOfMessage(drafts[0]);
    assertEq(await goto(page, `/tasks/${task}`), 200, 'GET the task');
    for (const d of drafts) {
        const text = await box(d).inputValue();
        assert(!/screenshot|steps|reproduce|browser|device/i.test(text), `the draft asks for details: ${text}`);
        assert(!text.includes('?'), `the draft asks the client a question: ${text}`);
        assert(/on it|working on it/i.test(text) && /update/i.test(text),
            `the draft does not acknowledge the outage and say what happens next: ${text}`);
    }
});

// ---- 5. review context is the task's own conversation ---------------------------------------
const C_PHONE = '+14155550241';
const C_QUESTION = 'What are your opening hours on Saturday?';
const C_BUG = 'The invoice page crashes with an error when I open it';
await step('the review context of a draft is its own task\'s last message when the client has two tasks', async () => {
    simulateSms(C_PHONE, C_QUESTION);
    drain();
    const q = draftsOf(C_PHONE)[0];
    assert(q, 'the question\'s draft');
    simulateSms(C_PHONE, C_BUG);
    drain();
    const tasks = sql('SELECT count(*) FROM tasks WHERE client_id = ?', clientId(C_PHONE));
    assertEq(tasks, '2', 'the client\'s tasks');
    assertEq(await goto(page, '/review'), 200, 'GET /review');
    const card = page.locator(`#d-${q}`);
    assert(await card.count(), `the question's draft ${q} is not in the queue (${pathOf(page)})`);
    const ctxText = await card.locator('blockquote').innerText();
    assertEq(ctxText.trim(), C_QUESTION, 'the context shown with the question\'s draft');
});

await ctx.close();
await browser.close();
