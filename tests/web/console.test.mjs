// Browser tests of the web console: real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) against a real `rwf serve --dev` on a real PostgreSQL (a throwaway cluster the
// server starts and removes), with the people of tests/web/rwf.toml: ann operates, lee approves,
// vic only views. Screenshots of every page at 1280x800 go to target/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const shots = path.join(root, 'target', 'screenshots');
const bin = process.env.RWF_BIN || path.join(root, 'target', 'debug', 'rwf');
const VIEW = { width: 1280, height: 800 };

let server;
let base;
const tokens = {};
let browser;

function startServer() {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.DATABASE_URL; // --dev then starts (and removes) a throwaway cluster of its own
    server = spawn(bin, ['serve', '--dev', '--listen', '127.0.0.1:0', '--config', path.join(here, 'rwf.toml')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`rwf serve --dev did not start:\n${out}\n${err}`)), 90000);
    server.stderr.on('data', (d) => { err += d; });
    server.stdout.on('data', (d) => {
      out += d;
      const url = out.match(/rwf console: (http:\/\/[^/\s]+)\//);
      for (const m of out.matchAll(/^ {2}(\w+)\s+(rwf_[0-9a-f]+)$/gm)) tokens[m[1]] = m[2];
      if (url && ['root', 'ann', 'lee', 'vic'].every((n) => tokens[n])) {
        clearTimeout(timer);
        base = url[1];
        resolve();
      }
    });
    server.on('exit', (code) => reject(new Error(`rwf serve exited with ${code}:\n${err}`)));
  });
}

// Waits until `fn(arg)` is truthy in the page. Playwright's waitForFunction polls by evaluating a
// string inside the page, which the console's Content-Security-Policy (script-src 'self', no
// 'unsafe-eval') rightly refuses; page.evaluate goes through the DevTools protocol instead.
async function until(page, fn, arg, { timeout = 10000, polling = 100 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(fn, arg)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${fn}`);
    await new Promise((r) => setTimeout(r, polling));
  }
}

async function apiAs(who, method, p, body) {
  const r = await fetch(base + p, {
    method,
    headers: { Authorization: `Bearer ${tokens[who]}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function signedIn(who) {
  const context = await browser.newContext({ viewport: VIEW });
  const page = await context.newPage();
  page.on('pageerror', (e) => { throw e; });
  await page.goto(`${base}/#/signin`);
  await page.fill('#token', tokens[who]);
  await page.click('form button[type=submit]');
  await page.waitForSelector('#me button');
  await page.waitForSelector('main table tbody tr');
  return { context, page };
}

const shot = (page, name) => page.screenshot({ path: path.join(shots, `${name}.png`) });
const isoIn = (days) => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);

before(async () => {
  fs.mkdirSync(shots, { recursive: true });
  await startServer();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // playwright-core gives the browser a fresh --user-data-dir of its own (and removes it).
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const source = fs.readFileSync(path.join(here, 'fixtures', 'web_release.rwf'), 'utf8');
  const pushed = await apiAs('root', 'POST', '/api/v1/templates', { source, file: 'web_release.rwf' });
  assert.equal(pushed.status, 201, JSON.stringify(pushed.body));
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode == null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
});

let wf; // the workflow ann creates

test('sign in, see the workflows, create a workflow from a template', async () => {
  const context = await browser.newContext({ viewport: VIEW });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.waitForSelector('#token');
  await shot(page, '01-signin');
  await page.fill('#token', 'rwf_not_a_token');
  await page.click('form button[type=submit]');
  await page.waitForSelector('[role=alert]:has-text("unknown, expired or revoked")');
  await page.fill('#token', tokens.ann);
  await page.click('form button[type=submit]');
  await page.waitForSelector('table tbody tr');
  assert.match(await page.textContent('#me'), /ann/);
  // The session cookie is HttpOnly and SameSite=Strict; the page never sees it.
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'rwf_session');
  assert.ok(session.httpOnly && session.sameSite === 'Strict');
  assert.ok(!(await page.evaluate(() => document.cookie)).includes('rwf_session'));
  await shot(page, '02-workflows');
  await page.selectOption('#n-template', 'web_release');
  await page.fill('#n-release', `${isoIn(10)}T09:00`);
  await page.fill('#n-owner', 'team:release');
  await page.click('form.new button[type=submit]');
  await page.waitForURL(/#\/w\/[0-9a-f-]+$/);
  wf = page.url().split('/w/')[1];
  await page.waitForSelector('svg.gantt g.bar[data-key="freeze"]');
  assert.match(await page.textContent('h1'), /draft/);
  await shot(page, '03-workflow-draft');
  await context.close();
});

test('drag a bar: the server previews the cascade, then commits it with the version', async () => {
  const { context, page } = await signedIn('ann');
  await page.goto(`${base}/#/w/${wf}`);
  await page.waitForSelector('svg.gantt g.bar.movable[data-key="kickoff"]');
  const before = (await apiAs('ann', 'GET', `/api/v1/workflows/${wf}`)).body;
  const due = (k) => before.tasks.find((t) => t.key === k).planned_due;
  const dayW = Number(await page.getAttribute('svg.gantt', 'data-day-width'));
  const box = await page.locator('g.bar[data-key="kickoff"] rect.planned').boundingBox();
  await page.mouse.move(box.x + 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + 2 + 2 * dayW, box.y + box.height / 2, { steps: 6 });
  await page.mouse.up();
  await page.waitForSelector('#cascade');
  const rows = await page.$$eval('#cascade tbody tr', (trs) => trs.map((t) => t.dataset.task));
  // Everything anchored on the kick-off moves with it; the release does not.
  for (const k of ['kickoff', 'signoff', 'freeze', 'rc']) assert.ok(rows.includes(k), `${k} in ${rows}`);
  assert.ok(!rows.includes('launch'));
  assert.match(await page.textContent('#cascade'), /\+2 days/);
  assert.ok(await page.locator('svg.gantt rect.moved').count() >= 4);
  await shot(page, '04-drag-preview');
  // Nothing changed before the commit.
  assert.equal((await apiAs('ann', 'GET', `/api/v1/workflows/${wf}`)).body.workflow.lock_version, before.workflow.lock_version);
  await page.click('#commit');
  await page.waitForSelector('#committed');
  const afterEdit = (await apiAs('ann', 'GET', `/api/v1/workflows/${wf}`)).body;
  assert.equal(afterEdit.workflow.lock_version, before.workflow.lock_version + 1);
  const moved = Date.parse(afterEdit.tasks.find((t) => t.key === 'freeze').planned_due) - Date.parse(due('freeze'));
  assert.equal(moved, 2 * 86400000);
  assert.equal(afterEdit.tasks.find((t) => t.key === 'launch').planned_due, due('launch'));
  await context.close();
});

test('a stale edit from a second tab is refused with an explanation, then reloads', async () => {
  const { context, page: tab1 } = await signedIn('ann');
  const tab2 = await context.newPage();
  await tab1.goto(`${base}/#/w/${wf}`);
  await tab2.goto(`${base}/#/w/${wf}`);
  await tab1.waitForSelector('svg.gantt g.bar.movable[data-key="freeze"]');
  await tab2.waitForSelector('svg.gantt g.bar.movable[data-key="rc"]');
  // Keyboard editing: focus a bar, → moves it a day.
  await tab1.focus('g.bar[data-key="freeze"]');
  await tab1.keyboard.press('ArrowRight');
  await tab1.waitForSelector('#cascade');
  await tab2.focus('g.bar[data-key="rc"]');
  await tab2.keyboard.press('Shift+ArrowRight');
  await tab2.waitForSelector('#cascade');
  await tab2.click('#commit');
  await tab2.waitForSelector('#committed');
  const version = (await apiAs('ann', 'GET', `/api/v1/workflows/${wf}`)).body.workflow.lock_version;
  await tab1.bringToFront();
  await tab1.click('#commit');
  await tab1.waitForSelector('#stale');
  const text = await tab1.textContent('#stale');
  assert.match(text, /changed since you loaded it/);
  assert.match(text, /reloaded/);
  await shot(tab1, '05-stale-edit');
  assert.equal((await apiAs('ann', 'GET', `/api/v1/workflows/${wf}`)).body.workflow.lock_version, version, 'the stale edit changed nothing');
  // The reloaded page carries the new version.
  await until(tab1, (v) => document.querySelector('h1 + p')?.textContent.includes(`version ${v}`), version, { polling: 200 });
  await context.close();
});

test('edit a task (title, pinned due) and add/remove a dependency, each previewed then committed', async () => {
  const { context, page } = await signedIn('ann');
  await page.goto(`${base}/#/w/${wf}`);
  const gantt = async () => (await apiAs('ann', 'GET', `/api/v1/workflows/${wf}/gantt`)).body;
  const task = (g, k) => g.tasks.find((t) => t.key === k);
  const before = await gantt();
  // Keyboard: focus the bar, Enter selects it and opens its panel.
  await page.waitForSelector('svg.gantt g.bar.movable[data-key="rc"]');
  await page.focus('g.bar[data-key="rc"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#edit-task');
  const due = await page.inputValue('#edit-due');
  assert.match(due, /^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
  const later = new Date(Date.parse(`${due}:00Z`) + 86400000).toISOString().slice(0, 16);
  await page.fill('#edit-title', 'Release candidate one');
  await page.fill('#edit-due', later);
  await page.click('#edit-task button[type=submit]');
  await page.waitForSelector('#cascade');
  // The server's preview: the title change and the cascade (the candidate moves by a day).
  assert.match(await page.textContent('#changed'), /Release candidate one/);
  const moved = await page.$$eval('#cascade tbody tr', (trs) => trs.map((t) => [t.dataset.task, t.lastChild.textContent]));
  assert.deepEqual(moved.find((m) => m[0] === 'rc'), ['rc', '+1 day']);
  await shot(page, '15-task-edit-preview');
  assert.equal((await gantt()).workflow.lock_version, before.workflow.lock_version, 'a preview changes nothing');
  await page.click('#commit');
  await page.waitForSelector('#committed');
  let now = await gantt();
  assert.equal(now.workflow.lock_version, before.workflow.lock_version + 1);
  assert.equal(task(now, 'rc').title, 'Release candidate one');
  assert.ok(task(now, 'rc').pinned, 'a set due date pins the task');
  assert.equal(Date.parse(task(now, 'rc').planned_due) - Date.parse(task(before, 'rc').planned_due), 86400000);
  // The page redraws at the committed version before it is used again (a redraw resets open forms).
  await until(page, (v) => document.body.innerText.includes(`version ${v} ·`), now.workflow.lock_version);
  // A dependency: the launch also waits for the team to be told, whatever became of it.
  await page.focus('g.bar[data-key="launch"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#add-dep-form');
  await page.selectOption('#add-dep', 'approved');
  await page.selectOption('#add-dep-on', 'any');
  await page.click('#add-dep-form button[type=submit]');
  await page.waitForSelector('#cascade');
  assert.match(await page.textContent('#cascade h2'), /launch runs after approved/);
  assert.ok(!task(await gantt(), 'launch').depends_on.includes('approved'), 'a preview changes nothing');
  await page.click('#commit');
  await page.waitForSelector('#committed');
  now = await gantt();
  assert.ok(task(now, 'launch').depends_on.includes('approved'));
  const edge = now.workflow.lock_version;
  await until(page, (v) => document.body.innerText.includes(`version ${v} ·`), edge);
  await page.waitForSelector('#deps li:has-text("Tell the team") button');
  await page.click('#deps li:has-text("Tell the team") button');
  await page.waitForSelector('#cascade h2:has-text("no longer runs after approved")');
  await page.click('#commit');
  await page.waitForSelector('#committed');
  now = await gantt();
  assert.ok(!task(now, 'launch').depends_on.includes('approved'));
  assert.equal(now.workflow.lock_version, edge + 1);
  // Retarget with the same preview: a day later, everything anchored on the release follows; the
  // pinned candidate stays.
  await page.fill('#retarget-at', `${isoIn(11)}T09:00`);
  await page.click('#controls form button[type=submit]');
  await page.waitForSelector('#cascade h2:has-text("Move the release")');
  const shifted = await page.$$eval('#cascade tbody tr', (trs) => Object.fromEntries(trs.map((t) => [t.dataset.task, t.lastChild.textContent])));
  assert.equal(shifted.launch, '+1 day');
  assert.ok(!('rc' in shifted), 'a pinned task does not move with the release');
  await page.click('#commit');
  await page.waitForSelector('#committed');
  const retargeted = await gantt();
  assert.equal(Date.parse(retargeted.workflow.target_at) - Date.parse(now.workflow.target_at), 86400000);
  assert.equal(task(retargeted, 'rc').planned_due, task(now, 'rc').planned_due);
  // Back to the original date for the tests that follow.
  const back = await apiAs('ann', 'POST', `/api/v1/workflows/${wf}/retarget`, { release: `${isoIn(10)}T09:00`, expect_version: retargeted.workflow.lock_version });
  assert.equal(back.status, 200, JSON.stringify(back.body));
  await context.close();
});

test('the release calendar: milestones, approvals and releases of every live release in the viewer\'s zone; the ICS link', async () => {
  // A second launch on the same day, on the US federal calendar: the collision and its closed days.
  const day = isoIn(10);
  const other = await apiAs('ann', 'POST', '/api/v1/workflows', { template: 'product_launch', release: `${day}T09:00`, sets: { product: 'Billing' }, owner: 'team:release' });
  assert.equal(other.status, 201, JSON.stringify(other.body));
  const otherName = (await apiAs('ann', 'GET', `/api/v1/workflows/${other.body.id}`)).body.workflow.name;
  // A release on a company calendar with a blackout (moved next to it), and a day closed for it alone.
  const [out1, out2, shut] = [isoIn(45), isoIn(46), isoIn(42)];
  const ops = fs.readFileSync(path.join(here, 'fixtures', 'web_blackout.rwf'), 'utf8').replace('2030-01-07 to 2030-01-09', `${out1} to ${out2}`);
  const opsPushed = await apiAs('root', 'POST', '/api/v1/templates', { source: ops, file: 'web_blackout.rwf' });
  assert.equal(opsPushed.status, 201, JSON.stringify(opsPushed.body));
  const opsWf = await apiAs('ann', 'POST', '/api/v1/workflows', { template: 'web_blackout', release: `${isoIn(44)}T09:00`, owner: 'team:release', closed: [`${shut}:Office party`] });
  assert.equal(opsWf.status, 201, JSON.stringify(opsWf.body));
  const { context, page } = await signedIn('ann');
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await page.goto(`${base}/#/calendar`);
  await page.waitForSelector('#calendar table.month');
  await page.selectOption('#cal-tz', 'UTC');
  const show = async (d) => {
    for (let i = 0; i < 24 && !(await page.locator(`td[data-day="${d}"]`).count()); i += 1) await page.click(d > (await page.getAttribute('td.day', 'data-day')) ? '#cal-next' : '#cal-prev');
    await page.waitForSelector(`td[data-day="${d}"]`);
  };
  await show(day);
  const cell = `td[data-day="${day}"]`;
  // 09:00 in Paris is 08:00 UTC; 09:00 in New York is 14:00 UTC: both on the same day, flagged.
  assert.match(await page.textContent(`${cell} li.release[data-workflow="${wf}"]`), /08:00/);
  assert.match(await page.textContent(`${cell} li.release[data-workflow="${other.body.id}"]`), /14:00/);
  assert.equal(await page.locator(`${cell}.collision`).count(), 1);
  assert.match(await page.textContent('#collisions'), new RegExp(`${day}: .*${otherName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  // Approvals and milestones are on it too, on their due day.
  const plan = (await apiAs('ann', 'GET', `/api/v1/workflows/${wf}/gantt`)).body.tasks;
  for (const [key, cls] of [['signoff', 'approval'], ['freeze', 'milestone']]) {
    const due = plan.find((t) => t.key === key).planned_due;
    await show(new Date(due).toISOString().slice(0, 10));
    await page.waitForSelector(`td[data-day="${new Date(due).toISOString().slice(0, 10)}"] li.${cls}[data-workflow="${wf}"][data-task="${key}"]`);
  }
  const spec = (await apiAs('ann', 'GET', '/api/v1/templates/product_launch')).body.spec;
  const holiday = spec.calendars[spec.calendar].holidays.find((x) => x.date >= day.slice(0, 7));
  await show(holiday.date);
  assert.match(await page.textContent(`td[data-day="${holiday.date}"] .closed-day`), new RegExp(holiday.name.replace(/[()]/g, '.')));
  // Every day of the blackout, with its reason and calendar; the day closed for that release alone.
  for (const d of [out1, out2]) {
    await show(d);
    const text = await page.textContent(`td[data-day="${d}"] .closed-day[data-kind="blackout"]`);
    assert.match(text, /Blackout: Datacenter move/);
    assert.match(text, /Web ops calendar/);
    assert.equal(await page.locator(`td[data-day="${d}"].closed`).count(), 1);
  }
  await show(shut);
  assert.match(await page.textContent(`td[data-day="${shut}"] .closed-day[data-kind="closure"]`), /Closed: Office party.*this release only/);
  await shot(page, '16b-calendar-blackout');
  await show(day);
  await shot(page, '16-calendar');
  // The viewer's zone is switchable: 09:00 in Paris is 17:00 in Tokyo.
  await page.selectOption('#cal-tz', 'Asia/Tokyo');
  await until(page, (w) => document.querySelector(`li.release[data-workflow="${w}"]`)?.textContent.includes('17:00'), wf);
  // The ICS feed: make a link, copy it, it serves; revoke it, it stops.
  await page.click('#make-link');
  await page.waitForSelector('#ics-url');
  const url = await page.inputValue('#ics-url');
  assert.match(url, /\/calendar\/[^/]+\.ics$/);
  await page.click('#copy-link');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);
  const ics = await fetch(url);
  assert.equal(ics.status, 200);
  assert.match(await ics.text(), /BEGIN:VCALENDAR/);
  const links = (await apiAs('ann', 'GET', '/api/v1/calendar/links')).body;
  const mine = links.at(-1).id;
  await page.waitForSelector(`#links tr[data-link="${mine}"]`);
  await shot(page, '17-calendar-subscribe');
  await page.click(`#links tr[data-link="${mine}"] button`);
  await page.waitForSelector('dialog#confirm[open]');
  await page.click('#confirm-ok');
  await page.waitForSelector(`#links tr[data-link="${mine}"]`, { state: 'detached' });
  assert.equal((await fetch(url)).status, 404);
  assert.ok(!(await apiAs('ann', 'GET', '/api/v1/calendar/links')).body.some((l) => l.id === mine));
  const cancelled = await apiAs('ann', 'POST', `/api/v1/workflows/${opsWf.body.id}/cancel`, {});
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  await context.close();
});

test('templates: every version, its .rwf source highlighted and its spec readably, a plan preview', async () => {
  // A second version with a new task and an embedded hook script (the only source a spec carries).
  const v1 = fs.readFileSync(path.join(here, 'fixtures', 'web_release.rwf'), 'utf8');
  const v2 = v1.replace('version 1 {', 'version 2 {\n  hooks "std/hooks/business_hours.rhai"')
    .replace('    checkpoint launch', '    checkpoint docs "Publish the docs" { at release - 1 day window 4 hours after rc }\n    checkpoint launch');
  const pushed = await apiAs('root', 'POST', '/api/v1/templates', { source: v2, file: 'web_release.rwf' });
  assert.equal(pushed.status, 201, JSON.stringify(pushed.body));
  const { context, page } = await signedIn('ann');
  await page.goto(`${base}/#/templates`);
  await page.waitForSelector('a[data-v="web_release@2"]');
  await page.click('a[data-v="web_release@1"]');
  await page.waitForSelector('#spec-tasks tr[data-task="signoff"]');
  assert.equal(await page.getAttribute('a[data-v="web_release@1"]', 'aria-current'), 'true');
  assert.equal(await page.locator('#spec-tasks tr[data-task="docs"]').count(), 0);
  const signoff = await page.textContent('#spec-tasks tr[data-task="signoff"]');
  assert.match(signoff, /Legal sign-off/);
  assert.match(signoff, /approval/);
  assert.match(signoff, /kickoff \+ 1d|kickoff \+ 1 ?day/);
  // The text it was pushed from, highlighted: keywords, strings, durations, comments.
  assert.equal(await page.textContent('#template-source pre.source'), v1);
  for (const [cls, text] of [['tok-kw', 'checkpoint'], ['tok-str', '"Legal sign-off"'], ['tok-dur', '20 days'], ['tok-dur', '2 days']]) {
    assert.ok(await page.locator(`#template-source .${cls}:text-is('${text}')`).count() > 0, `${cls} ${text}`);
  }
  assert.ok(await page.locator('#template-source .tok-com').count() > 0);
  assert.equal(await page.locator('#no-source').count(), 0);
  // The plan for a chosen release date, from the server, in the release zone.
  await page.fill('#plan-release', `${isoIn(40)}T09:00`);
  await page.click('#plan-form button[type=submit]');
  await page.waitForSelector('#plan-preview tr[data-task="launch"]');
  const plan = (await apiAs('ann', 'POST', '/api/v1/templates/web_release/plan', { version: 1, release: `${isoIn(40)}T09:00` })).body;
  assert.equal(await page.locator('#plan-preview tbody tr').count(), plan.tasks.length);
  assert.match(await page.textContent('#plan-preview tr[data-task="launch"]'), /09:00/);
  // Version 2: the new task, and its hook script highlighted (comments, keywords).
  await page.click('a[data-v="web_release@2"]');
  await page.waitForSelector('#spec-tasks tr[data-task="docs"]');
  assert.match(await page.textContent('#template-detail h3:has-text("Hook")'), /business_hours\.rhai/);
  assert.ok(await page.locator('pre.source .tok-com').count() > 0);
  assert.ok(await page.locator('pre.source .tok-kw:text-is("fn")').count() > 0);
  await shot(page, '18-templates-versions');
  await context.close();
});

test('my tasks: an agent\'s question as a form from its JSON Schema; its draft reviewed on the task page', async () => {
  const source = fs.readFileSync(path.join(here, 'fixtures', 'web_input.rwf'), 'utf8');
  assert.equal((await apiAs('root', 'POST', '/api/v1/templates', { source, file: 'web_input.rwf' })).status, 201);
  const created = await apiAs('ann', 'POST', '/api/v1/workflows', { template: 'web_input', release: `${isoIn(5)}T09:00`, owner: 'team:release' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  const started = await apiAs('ann', 'POST', `/api/v1/workflows/${id}/start`, {});
  assert.ok(started.status < 300, JSON.stringify(started.body));
  const status = async () => (await apiAs('ann', 'GET', `/api/v1/workflows/${id}`)).body.tasks;
  for (let i = 0; i < 60 && (await status()).find((t) => t.key === 'ask').status !== 'waiting_input'; i += 1) await new Promise((r) => setTimeout(r, 500));
  assert.equal((await status()).find((t) => t.key === 'ask').status, 'waiting_input');
  // The inbox carries the question and its schema.
  const item = (await apiAs('ann', 'GET', '/api/v1/inbox')).body.find((i) => i.workflow_id === id);
  assert.equal(item.kind, 'input');
  assert.equal(item.request.prompt, 'Which tone should the launch post take?');
  assert.deepEqual(item.request.schema.required, ['tone', 'words']);
  const { context, page } = await signedIn('ann');
  await page.goto(`${base}/#/inbox`);
  const card = `#my-tasks li[data-task="ask"]`;
  await page.waitForSelector(`${card} form[data-schema]`);
  assert.match(await page.textContent(`${card} .prompt`), /Which tone/);
  // Labelled fields of the right kinds, constraints from the schema.
  const label = (n) => page.textContent(`${card} [data-field="${n}"] label`);
  assert.match(await label('tone'), /Tone/);
  assert.equal(await page.locator(`${card} [data-field="tone"] select option`).count(), 2);
  assert.equal(await page.getAttribute(`${card} [data-field="words"] input`, 'type'), 'number');
  assert.equal(await page.getAttribute(`${card} [data-field="words"] input`, 'min'), '50');
  assert.equal(await page.getAttribute(`${card} [data-field="emoji"] input`, 'type'), 'checkbox');
  assert.match(await page.textContent(`${card} [data-field="note"] .hint`), /Anything else/);
  await page.selectOption(`${card} [data-field="tone"] select`, { label: 'formal' });
  // Out of range: the browser refuses to send it; nothing changes.
  await page.fill(`${card} [data-field="words"] input`, '10');
  await page.click(`${card} button[type=submit]`);
  assert.equal(await page.$eval(`${card} [data-field="words"] input`, (e) => e.validity.rangeUnderflow), true);
  await shot(page, '19-input-form');
  assert.equal((await status()).find((t) => t.key === 'ask').status, 'waiting_input');
  await page.fill(`${card} [data-field="words"] input`, '300');
  await page.check(`${card} [data-field="emoji"] input`);
  await page.fill(`${card} [data-field="note"] textarea`, 'Mention the calendar.');
  await page.click(`${card} button[type=submit]`);
  await page.waitForSelector(card, { state: 'detached' });
  const ask = (await status()).find((t) => t.key === 'ask');
  assert.equal(ask.status, 'succeeded');
  assert.deepEqual(ask.output, { tone: 'formal', words: 300, emoji: true, note: 'Mention the calendar.' });
  // The agent's draft, reviewed in place: prose as text, the link as a link.
  await page.goto(`${base}/#/w/${id}/t/draft`);
  await page.waitForSelector('#artifact dd[data-key="draft"] .prose');
  assert.equal(await page.textContent('#artifact dd[data-key="draft"] .prose'), 'We are shipping the Console today.\nIt plans the release on a Gantt.');
  assert.equal(await page.getAttribute('#artifact dd[data-key="link"] a', 'href'), 'https://example.com/launch');
  await shot(page, '20-task-artifacts');
  await context.close();
});

test('a viewer sees no controls, and the API refuses them anyway', async () => {
  const { context, page } = await signedIn('vic');
  await page.goto(`${base}/#/w/${wf}`);
  await page.waitForSelector('#view-only');
  assert.equal(await page.locator('#do-start, #do-cancel, #retarget-at').count(), 0);
  assert.equal(await page.locator('g.bar.movable').count(), 0);
  await shot(page, '06-viewer');
  const before = (await apiAs('ann', 'GET', `/api/v1/workflows/${wf}`)).body.workflow;
  // Through the session, with its CSRF header: still refused by the rules.
  const refused = await page.evaluate(async (id) => {
    const csrf = document.cookie.match(/rwf_csrf=([^;]+)/)[1];
    const out = [];
    for (const [p, b] of [['start', {}], ['adjust', { task: 'kickoff', shift: '1d' }], ['retarget', { release: '2030-01-01T09:00' }]]) {
      const r = await fetch(`/api/v1/workflows/${id}/${p}`, { method: 'POST', headers: { 'X-RWF-CSRF': csrf, 'Content-Type': 'application/json' }, body: JSON.stringify(b) });
      out.push([r.status, (await r.json()).detail]);
    }
    // And without the CSRF header, a session cookie alone does nothing.
    const r = await fetch(`/api/v1/workflows/${id}/start`, { method: 'POST' });
    out.push([r.status, (await r.json()).detail]);
    return out;
  }, wf);
  for (const [status, detail] of refused.slice(0, 3)) {
    assert.equal(status, 403);
    assert.match(detail, /may not operate/);
  }
  assert.equal(refused[3][0], 403);
  assert.match(refused[3][1], /X-RWF-CSRF/);
  const after = (await apiAs('ann', 'GET', `/api/v1/workflows/${wf}`)).body.workflow;
  assert.deepEqual([after.status, after.lock_version], [before.status, before.lock_version]);
  await context.close();
});

test('start with confirmation; approve from the inbox; the Gantt, log and feed follow live', async () => {
  const { context, page } = await signedIn('ann');
  await page.goto(`${base}/#/w/${wf}`);
  await page.click('#do-start');
  await page.waitForSelector('dialog#confirm[open]');
  await shot(page, '07-confirm-start');
  await page.click('#confirm-ok');
  await page.waitForSelector('h1 .pill.active');
  const feed = await context.newPage();
  await feed.goto(`${base}/#/feed`);
  await feed.waitForSelector('#feed');
  // The sign-off opens (its kick-off is past): lee sees it in the inbox.
  const lee = await signedIn('lee');
  await lee.page.goto(`${base}/#/inbox`);
  await until(lee.page, () => !!document.querySelector('#approvals li[data-task="signoff"]'), null, { timeout: 30000, polling: 500 }).catch(async () => {
    await lee.page.reload();
    await lee.page.waitForSelector('#approvals li[data-task="signoff"]', { timeout: 30000 });
  });
  assert.match(await lee.page.textContent('#approvals li[data-task="signoff"]'), /Gates: Tell the team, Code freeze/);
  await shot(lee.page, '08-inbox');
  // On a phone: the approval fits the screen (no sideways scrolling), its buttons are reachable.
  await lee.page.setViewportSize({ width: 390, height: 844 });
  assert.ok(await lee.page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no horizontal scroll at 390 px');
  const approve = await lee.page.locator('#approvals li[data-task="signoff"] button:has-text("Approve")').boundingBox();
  assert.ok(approve.x >= 0 && approve.x + approve.width <= 390 && approve.height >= 30, JSON.stringify(approve));
  await shot(lee.page, '21-inbox-phone');
  await lee.page.setViewportSize(VIEW);
  await page.bringToFront();
  assert.doesNotMatch(await page.getAttribute('g.bar[data-key="signoff"]', 'aria-label'), /succeeded/);
  const feedBefore = await feed.locator('#feed li').count();
  await lee.page.click('#approvals li[data-task="signoff"] button:has-text("Approve")');
  // Without a reload: the sign-off's bar turns succeeded, the log shows the decision, the feed the
  // notification the approval released.
  await page.waitForSelector('g.bar[data-key="signoff"][aria-label*="succeeded"]', { timeout: 20000 });
  await page.waitForSelector('#log li:has-text("lee")', { timeout: 20000 });
  await until(feed, (n) => document.querySelectorAll('#feed li').length > n && document.querySelector('#feed').textContent.includes('Legal signed off'), feedBefore, { timeout: 20000, polling: 200 });
  await shot(page, '09-workflow-after-approval');
  await feed.bringToFront();
  assert.ok(await feed.locator('#feed li.unread').count() >= 1);
  await shot(feed, '10-feed');
  // Marking the feed read is kept per person, on the server.
  await feed.click('#mark-read');
  await feed.waitForSelector('text=Read up to');
  await feed.waitForSelector('#feed li');
  assert.equal(await feed.locator('#feed li.unread').count(), 0);
  const mark = (await apiAs('ann', 'GET', '/api/v1/notifications/read')).body.read_at;
  assert.ok(mark, 'ann has a read mark');
  assert.equal((await apiAs('lee', 'GET', '/api/v1/notifications/read')).body.read_at, null);
  await page.bringToFront();
  await page.goto(`${base}/#/w/${wf}/t/signoff`);
  await page.waitForSelector('h1:has-text("Legal sign-off")');
  await shot(page, '11-task');
  await page.goto(`${base}/#/templates`);
  await page.click('a[data-v="web_release@1"]');
  await page.fill('#plan-release', `${isoIn(30)}T09:00`);
  await page.click('#plan-form button[type=submit]');
  await page.waitForSelector('#plan-preview tbody tr');
  await shot(page, '12-templates');
  await lee.context.close();
  await context.close();
});

// Times are measured and reported (stdout and target/screenshots/thousand-tasks.json), not asserted:
// a timing depends on the machine's load, and the target (<= 1 s each) is read off the report.
test('a 1,000-task workflow renders and answers a drag, timed', async () => {
  const lines = ['template big "Big release" version 1 {', '  param release: datetime', '  param tz: timezone = "UTC"', '  target release in tz'];
  for (let p = 0; p < 10; p += 1) {
    lines.push(`  phase p${p} "Phase ${p}" {`);
    lines.push(`    checkpoint t${p}_0 "Step ${p}.0" { at release - ${60 - p * 5} days window 1 day }`);
    for (let i = 1; i < 100; i += 1) lines.push(`    checkpoint t${p}_${i} "Step ${p}.${i}" { at t${p}_${i - 1} + 1 hour window 1 day after t${p}_${i - 1} }`);
    lines.push('  }');
  }
  lines.push('}');
  const pushed = await apiAs('root', 'POST', '/api/v1/templates', { source: lines.join('\n'), file: 'big.rwf' });
  assert.equal(pushed.status, 201, JSON.stringify(pushed.body));
  const created = await apiAs('ann', 'POST', '/api/v1/workflows', { template: 'big', release: `${isoIn(90)}T09:00`, owner: 'team:release' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const { context, page } = await signedIn('ann');
  const t0 = Date.now();
  await page.goto(`${base}/#/w/${created.body.id}`);
  await page.waitForSelector('svg.gantt g.bar[data-key="t9_99"]');
  const render = Date.now() - t0;
  assert.equal(await page.locator('svg.gantt g.bar').count(), 1000);
  await shot(page, '13-thousand-tasks');
  const dayW = Number(await page.getAttribute('svg.gantt', 'data-day-width'));
  const bar = page.locator('g.bar[data-key="t0_0"] rect.planned');
  const box = await bar.boundingBox();
  await page.mouse.move(box.x + 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + 2 + dayW, box.y + box.height / 2, { steps: 4 });
  const t1 = Date.now();
  await page.mouse.up();
  await page.waitForSelector('#cascade tbody tr[data-task="t0_99"]');
  const drag = Date.now() - t1;
  assert.equal(await page.locator('#cascade tbody tr').count(), 100);
  await shot(page, '14-thousand-tasks-drag');
  const [draw, preview] = await page.evaluate(() => ['rwf-gantt-draw', 'rwf-preview'].map((n) => Math.round(performance.getEntriesByName(n).at(-1).duration)));
  console.log(`1000 tasks: page to Gantt ${render} ms (drawing ${draw} ms); drag to cascade preview ${drag} ms (server round trip and preview ${preview} ms)`);
  fs.writeFileSync(path.join(shots, 'thousand-tasks.json'), JSON.stringify({ render_ms: render, draw_ms: draw, drag_ms: drag, preview_ms: preview }) + '\n');
  await context.close();
});
