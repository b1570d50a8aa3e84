// The rwf web console: a client of /api/v1 (same endpoints, rules and audit log as the CLI).
// Hash routes: #/signin, #/ (workflows), #/w/ID (workflow + Gantt), #/w/ID/t/KEY (task),
// #/inbox (approvals and my tasks), #/feed (notifications), #/templates.
import { drawGantt, esc, fmtTime, tzOffset } from './gantt.js';

const $ = (sel, root = document) => root.querySelector(sel);
// Each route renders into a fresh element; a page still loading when the route changes writes into
// its own detached element, never over the next page.
let current = null;
const main = () => current;
let me = null;
let streams = [];
const DONE = new Set(['succeeded', 'skipped', 'failed', 'cancelled']);
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

// --- API -----------------------------------------------------------------------------------------
function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)rwf_csrf=([^;]+)/);
  return m ? m[1] : '';
}
class ApiError extends Error {
  constructor(p) { super(p.detail || p.title || 'request failed'); this.problem = p; this.status = p.status; }
}
async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-RWF-CSRF'] = csrf();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 204) return null;
  const data = await r.json().catch(() => ({ status: r.status, detail: r.statusText }));
  if (!r.ok) {
    if (r.status === 401 && !path.endsWith('/session')) { me = null; go('#/signin'); }
    throw new ApiError({ status: r.status, ...data });
  }
  return data;
}
const get = (p) => api('GET', p);
const post = (p, b = {}) => api('POST', p, b);

// --- small DOM helpers ---------------------------------------------------------------------------
function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) if (k != null && k !== false) el.append(k instanceof Node ? k : String(k));
  return el;
}
/** Replaces `el`'s children, skipping null and false (conditional parts). */
function fill(el, ...kids) { el.replaceChildren(...kids.flat().filter((k) => k != null && k !== false)); }
function toast(text, error = false) {
  const d = h('div', { class: error ? 'error' : '' }, text);
  $('#toast').append(d);
  setTimeout(() => d.remove(), error ? 9000 : 4000);
}
function confirmDialog(text, okLabel) {
  const dlg = $('#confirm');
  $('#confirm-text').textContent = text;
  $('#confirm-ok').textContent = okLabel;
  dlg.returnValue = '';
  dlg.showModal();
  return new Promise((res) => dlg.addEventListener('close', () => res(dlg.returnValue === 'ok'), { once: true }));
}
const pill = (s) => h('span', { class: `pill ${s}` }, s.replace('_', ' '));
const ms = (s) => (s ? Date.parse(s) : null);
function signed(days) { return `${days > 0 ? '+' : ''}${days}d`; }
function days(n) { return `${n > 0 ? '+' : ''}${n} day${Math.abs(n) === 1 ? '' : 's'}`; }
function delta(a, b) {
  const d = (ms(b) - ms(a)) / 3600000;
  if (Math.abs(d) >= 24 && d % 24 === 0) return `${d > 0 ? '+' : ''}${d / 24} day${Math.abs(d) === 24 ? '' : 's'}`;
  return `${d > 0 ? '+' : ''}${Math.round(d * 10) / 10} h`;
}

/** A field's old → new value in a diff, compactly. */
function describeChange(c) {
  const v = (x) => { const t = typeof x === 'string' ? x : JSON.stringify(x); return t.length > 80 ? `${t.slice(0, 77)}…` : t; };
  if (!c.fields) return c.task || JSON.stringify(c);
  return `${c.task}: ${c.fields.map((f) => `${f.field} ${v(f.old)} → ${v(f.new)}`).join('; ')}`;
}
/** Instant `t` as a `datetime-local` value (YYYY-MM-DDTHH:MM) on the wall clock of `tz`. */
function localInput(t, tz) {
  if (t == null) return '';
  return new Date(t + tzOffset(t, tz)).toISOString().slice(0, 16);
}
const viewerTz = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

// --- routing -------------------------------------------------------------------------------------
function go(hash) { if (location.hash !== hash) location.hash = hash; else route(); }
window.addEventListener('hashchange', route);
window.addEventListener('DOMContentLoaded', start);

async function start() {
  try { me = await get('/api/v1/me'); } catch { me = null; }
  route();
}

function closeStreams() { for (const s of streams) s.close(); streams = []; }
/** A live stream of the page rendered into `owner`, or none when that page is gone already. */
function stream(owner, url) {
  if (!owner.isConnected) return null;
  const es = new EventSource(url);
  streams.push(es);
  return es;
}

async function route() {
  closeStreams();
  const hash = location.hash || '#/';
  if (!me && hash !== '#/signin') { sessionStorage.setItem('rwf.after', hash); return go('#/signin'); }
  renderMe();
  current = h('div');
  $('#main').replaceChildren(current);
  const m = current;
  fill(m, h('p', { class: 'muted' }, 'Loading…'));
  try {
    let r;
    if (hash === '#/signin') await signinPage();
    else if ((r = hash.match(/^#\/w\/([0-9a-f-]+)\/t\/([^/]+)$/))) await taskPage(r[1], decodeURIComponent(r[2]));
    else if ((r = hash.match(/^#\/w\/([0-9a-f-]+)$/))) await workflowPage(r[1]);
    else if (hash === '#/inbox') await inboxPage();
    else if (hash === '#/feed') await feedPage();
    else if (hash === '#/templates') await templatesPage();
    else if (hash === '#/calendar') await calendarPage();
    else await indexPage();
  } catch (e) {
    fill(m, h('h1', {}, 'Something went wrong'), h('p', { class: 'error' }, e.message));
  }
  refreshCounts();
}

function renderMe() {
  const el = $('#me');
  fill(el);
  if (!me) return;
  el.append(`Signed in as ${me.actor}${me.admin ? ' (admin)' : ''} `,
    h('button', { type: 'button', onclick: async () => { await post('/api/v1/session/logout').catch(() => {}); me = null; go('#/signin'); } }, 'Sign out'));
}

async function refreshCounts() {
  if (!me || me.kind !== 'person') return;
  try {
    const items = await get('/api/v1/inbox');
    const c = $('#inbox-count');
    c.hidden = items.length === 0;
    c.textContent = items.length;
    const feed = await get('/api/v1/notifications');
    const u = unread(feed, (await get('/api/v1/notifications/read')).read_at);
    const uc = $('#unread-count');
    uc.hidden = u === 0;
    uc.textContent = u;
  } catch { /* counts are a convenience */ }
}

// --- sign in -------------------------------------------------------------------------------------
async function signinPage() {
  const root = main();
  const err = h('p', { class: 'error', role: 'alert' });
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'current-password', required: true, size: 50 });
  const form = h('form', { class: 'panel', onsubmit: async (e) => {
    e.preventDefault();
    try {
      me = await post('/api/v1/session', { token: input.value.trim() });
      const after = sessionStorage.getItem('rwf.after') || '#/';
      sessionStorage.removeItem('rwf.after');
      go(after === '#/signin' ? '#/' : after);
    } catch (x) { err.textContent = x.message; }
  } },
  h('label', { for: 'token' }, 'Personal API token'), ' ', input, ' ', h('button', { class: 'primary', type: 'submit' }, 'Sign in'),
  h('p', { class: 'muted small' }, 'An administrator makes one with `rwf admin token create`; `rwf serve --dev` prints one per person. It is exchanged for a session cookie and not kept by the page.'),
  err);
  fill(root, h('h1', {}, 'Sign in to rwf'), form);
  input.focus();
}

// --- workflows index -----------------------------------------------------------------------------
function summary(g) {
  const now = ms(g.now);
  const tasks = g.tasks;
  const done = tasks.filter((t) => DONE.has(t.status)).length;
  const open = tasks.filter((t) => !DONE.has(t.status) && t.planned_due);
  open.sort((a, b) => ms(a.planned_due) - ms(b.planned_due));
  const live = !TERMINAL.has(g.workflow.status);
  const overdue = live && open.some((t) => ms(t.planned_due) < now && t.status === 'pending' && t.waiting_on.every((w) => w.gate !== 'dependency'));
  const stuck = live && tasks.some((t) => (t.status === 'running' && t.planned_end && ms(t.planned_end) < now)
    || ((t.status === 'waiting_input' || (t.kind === 'approval' && t.status === 'running') || t.status === 'awaiting_decision') && t.planned_due && ms(t.planned_due) < now));
  return { done, total: tasks.length, next: open[0], overdue, stuck };
}

async function indexPage() {
  const root = main();
  const list = await get('/api/v1/workflows');
  const details = await Promise.all(list.map((w) => get(`/api/v1/workflows/${w.id}/gantt`).catch(() => null)));
  const statusSel = h('select', { id: 'f-status' }, h('option', { value: '' }, 'any'), ...['draft', 'active', 'paused', 'completed', 'failed', 'cancelled'].map((s) => h('option', { value: s }, s)));
  const text = h('input', { id: 'f-text', type: 'search', placeholder: 'name, template or owner' });
  const flagSel = h('select', { id: 'f-flag' }, h('option', { value: '' }, 'any'), h('option', { value: 'overdue' }, 'overdue'), h('option', { value: 'stuck' }, 'stuck'));
  const tbody = h('tbody');
  const draw = () => {
    fill(tbody);
    list.forEach((w, i) => {
      const g = details[i];
      if (!g) return;
      const s = summary(g);
      const hay = `${w.name} ${w.template_key} ${g.owner || ''}`.toLowerCase();
      if (statusSel.value && w.status !== statusSel.value) return;
      if (text.value && !hay.includes(text.value.toLowerCase())) return;
      if (flagSel.value === 'overdue' && !s.overdue) return;
      if (flagSel.value === 'stuck' && !s.stuck) return;
      tbody.append(h('tr', {},
        h('td', {}, h('a', { href: `#/w/${w.id}` }, w.name), h('div', { class: 'muted small' }, `${w.template_key}@${w.template_version}`)),
        h('td', {}, pill(w.status)),
        h('td', {}, g.owner || 'org admins'),
        h('td', {}, fmtTime(ms(w.target_at), w.target_tz), h('div', { class: 'muted small' }, w.target_tz)),
        h('td', {}, h('span', { class: 'progress', role: 'img', 'aria-label': `${s.done} of ${s.total} done` }, h('span', { style: `width:${s.total ? (100 * s.done) / s.total : 0}%` })), `${s.done}/${s.total}`),
        h('td', {}, s.next ? [s.next.title, h('div', { class: 'muted small' }, `due ${fmtTime(ms(s.next.planned_due), w.target_tz)}`)] : '—'),
        h('td', {}, s.overdue && h('span', { class: 'flag' }, 'overdue'), s.stuck && h('span', { class: 'flag stuck' }, 'stuck'))));
    });
    if (!tbody.children.length) tbody.append(h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No workflow matches.')));
  };
  for (const el of [statusSel, text, flagSel]) el.addEventListener('input', draw);
  draw();
  fill(root, 
    h('h1', {}, 'Workflows'),
    h('div', { class: 'row filters' }, h('label', {}, 'Status', statusSel), h('label', {}, 'Search', text), h('label', {}, 'Flag', flagSel)),
    h('table', {}, h('thead', {}, h('tr', {}, ...['Workflow', 'Status', 'Owner', 'Release (its zone)', 'Progress', 'Next due', 'Flags'].map((c) => h('th', { scope: 'col' }, c)))), tbody),
    me.kind === 'person' ? await newWorkflowForm() : null);
}

async function newWorkflowForm() {
  const templates = await get('/api/v1/templates');
  const keys = [...new Set(templates.map((t) => t.key))];
  const tpl = h('select', { id: 'n-template', required: true }, ...keys.map((k) => h('option', { value: k }, k)));
  const release = h('input', { id: 'n-release', type: 'datetime-local', required: true });
  const tz = h('input', { id: 'n-tz', placeholder: 'template default' });
  const owner = h('input', { id: 'n-owner', value: `user:${me.name}` });
  const err = h('p', { class: 'error', role: 'alert' });
  return h('form', { class: 'panel new', 'aria-label': 'New workflow', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const body = { template: tpl.value, release: release.value, owner: owner.value };
      if (tz.value.trim()) body.tz = tz.value.trim();
      const c = await post('/api/v1/workflows', body);
      toast('Workflow created as a draft');
      go(`#/w/${c.id}`);
    } catch (x) { err.textContent = x.message; }
  } },
  h('h2', {}, 'New workflow'),
  h('div', { class: 'row' }, h('label', {}, 'Template', tpl), h('label', {}, 'Release', release), h('label', {}, 'Time zone', tz), h('label', {}, 'Owner scope', owner),
    h('button', { class: 'primary', type: 'submit' }, 'Create draft')), err);
}

// --- workflow page -------------------------------------------------------------------------------
async function workflowPage(id) {
  const root = main();
  const page = { id, data: null, preview: null, selected: null, chart: null, inbox: [], refreshTimer: null, pendingRefresh: false };
  const head = h('div');
  const controls = h('div', { class: 'row', id: 'controls' });
  const previewBox = h('div', { id: 'preview', 'aria-live': 'polite' });
  const ganttEl = h('div', { class: 'gantt-wrap', id: 'gantt' });
  const side = h('aside', { 'aria-label': 'Selected task' });
  const waits = h('div');
  const logList = h('ol', { class: 'log', id: 'log', 'aria-live': 'polite' });
  fill(root, head, controls, previewBox,
    h('div', { class: 'layout' }, h('div', {}, ganttEl,
      h('p', { class: 'legend small' }, h('span', {}, h('i', { style: 'background:#4b7bd6' }), 'planned'), h('span', {}, h('i', { style: 'background:#b42318' }), 'critical path'),
        h('span', {}, h('i', { style: 'background:#2f8f4e' }), 'actual'), h('span', {}, h('i', { style: 'background:#6f42c1' }), 'pinned / release'), h('span', {}, h('i', { style: 'background:#d4a72c' }), 'now'),
        h('span', {}, h('i', { style: 'background:#ffd33d' }), 'preview')), waits), side),
    h('h2', {}, 'Audit log (live)'), logList);

  // Redraws only when something visible changed (the stream replays the log on connect).
  const load = async () => {
    const [data, all] = await Promise.all([get(`/api/v1/workflows/${id}/gantt`), me.kind === 'person' ? get('/api/v1/inbox') : []]);
    const inbox = all.filter((i) => i.workflow_id === id);
    const w = data.workflow;
    const sig = JSON.stringify([w.lock_version, w.status, w.updated_at, data.may_operate, inbox.map((i) => i.task_key),
      data.tasks.map((t) => [t.status, t.planned_start, t.planned_due, t.actual_start, t.actual_end, t.depends_on, t.waiting_on.map((g) => g.reason)])]);
    if (sig === page.sig) return;
    page.sig = sig;
    page.data = data;
    page.inbox = inbox;
    render();
  };
  const refreshSoon = () => {
    if (page.preview) { page.pendingRefresh = true; return; }
    if (page.chart?.dragging()) { clearTimeout(page.refreshTimer); page.refreshTimer = setTimeout(refreshSoon, 300); return; }
    clearTimeout(page.refreshTimer);
    page.refreshTimer = setTimeout(() => load().catch((e) => toast(e.message, true)), 250);
  };
  const editable = () => page.data.may_operate && (page.data.workflow.status === 'draft' || page.data.workflow.status === 'paused');

  // Every plan change goes through one of three endpoints, first as a dry run (the server's resolver
  // answers the cascade), then, on Commit, for real with the version the preview was made at.
  const adjustReq = (task, change) => ({ path: `/api/v1/workflows/${id}/adjust`, body: { task, ...change } });
  const taskPath = (task, verb) => `/api/v1/workflows/${id}/tasks/${encodeURIComponent(task)}/${verb}`;
  async function propose(task, change, label) { return proposeReq(task, adjustReq(task, change), label); }
  async function proposeReq(task, req, label) {
    performance.mark('rwf-propose');
    const version = page.data.workflow.lock_version;
    try {
      const r = await post(req.path, { ...req.body, dry_run: true, expect_version: version });
      page.preview = { task, req, label, version, diff: r.diff, kind: 'edit' };
      showPreview();
    } catch (e) { page.chart?.clear(); explain(e); }
  }
  async function proposeRetarget(release, tz) {
    const version = page.data.workflow.lock_version;
    try {
      const body = { release, dry_run: true, expect_version: version };
      if (tz) body.tz = tz;
      const r = await post(`/api/v1/workflows/${id}/retarget`, body);
      page.preview = { change: { release, tz }, label: `Move the release to ${release}${tz ? ` ${tz}` : ''}`, version, diff: r.diff, kind: 'retarget' };
      showPreview();
    } catch (e) { explain(e); }
  }
  function explain(e) {
    if (e.status === 409) {
      fill(previewBox, h('div', { class: 'panel error', role: 'alert', id: 'stale' }, h('strong', {}, 'Not applied: '), e.message,
        '. The page has reloaded with the current plan; look again and redo your change if it still makes sense.'));
      page.preview = null;
      page.sig = null;
      load();
    } else {
      fill(previewBox, h('div', { class: 'panel error', role: 'alert' }, h('strong', {}, 'Refused: '), e.message,
        ...(e.problem?.errors || []).map((x) => h('div', {}, `${x.task ? `${x.task}: ` : ''}${x.reason || JSON.stringify(x)}`))));
      page.chart?.clear();
    }
  }
  function showPreview() {
    const p = page.preview;
    const moved = p.diff.moved || [];
    page.chart.preview(moved);
    const tz = page.data.workflow.target_tz;
    fill(previewBox, h('div', { class: 'panel preview', id: 'cascade' },
      h('h2', {}, `Preview: ${p.label}`),
      moved.length ? h('p', {}, `${moved.length} task${moved.length === 1 ? '' : 's'} move (the cascade, from the server's resolver):`) : h('p', {}, 'No due date moves.'),
      moved.length ? h('table', { class: 'small' }, h('thead', {}, h('tr', {}, h('th', {}, 'Task'), h('th', {}, 'Due now'), h('th', {}, 'Due after'), h('th', {}, 'By'))),
        h('tbody', {}, ...moved.map((m) => h('tr', { 'data-task': m.task }, h('td', {}, m.task), h('td', {}, fmtTime(ms(m.old_due), tz)), h('td', {}, fmtTime(ms(m.new_due), tz)), h('td', {}, delta(m.old_due, m.new_due)))))) : null,
      (p.diff.changed || []).length ? h('div', { class: 'small', id: 'changed' }, h('strong', {}, 'Changed: '), h('ul', {}, ...p.diff.changed.map((c) => h('li', {}, describeChange(c))))) : null,
      (p.diff.reopened || []).length ? h('p', { class: 'small' }, `Reopened: ${p.diff.reopened.map((c) => c.task || c).join(', ')}`) : null,
      h('div', { class: 'row' },
        h('button', { class: 'primary', id: 'commit', onclick: commit }, `Commit (version ${p.version})`),
        h('button', { id: 'discard', onclick: () => { page.preview = null; fill(previewBox); page.chart.clear(); if (page.pendingRefresh) { page.pendingRefresh = false; load(); } } }, 'Discard'))));
    $('#commit').focus();
    performance.measure('rwf-preview', 'rwf-propose');
  }
  async function commit() {
    const p = page.preview;
    try {
      if (p.kind === 'retarget') {
        const body = { release: p.change.release, expect_version: p.version };
        if (p.change.tz) body.tz = p.change.tz;
        await post(`/api/v1/workflows/${id}/retarget`, body);
      } else {
        await post(p.req.path, { ...p.req.body, expect_version: p.version });
      }
      page.preview = null;
      fill(previewBox, h('div', { class: 'panel', role: 'status', id: 'committed' }, `Committed: ${p.label}.`));
      page.sig = null;
      await load();
    } catch (e) { explain(e); }
  }
  async function lifecycle(verb) {
    const words = { start: 'Start this workflow? Its tasks will run when due.', pause: 'Pause this workflow? Nothing runs until it is resumed.',
      resume: 'Resume this workflow?', cancel: 'Cancel this workflow? This cannot be undone.' };
    if (!(await confirmDialog(words[verb], verb[0].toUpperCase() + verb.slice(1)))) return;
    try { await post(`/api/v1/workflows/${id}/${verb}`); toast(`${verb}: done`); await load(); } catch (e) { toast(e.message, true); }
  }
  async function decide(item, verdict) {
    let body = {};
    if (verdict === 'reject') {
      const reason = prompt('Why? (required: it goes to the audit log and to the people who revise)');
      if (!reason) return;
      body = { reason };
    }
    try { const r = await post(`/api/v1/workflows/${id}/approvals/${encodeURIComponent(item.task_key)}/${verdict}`, body); toast(`${item.title}: ${r.status}`); await load(); } catch (e) { toast(e.message, true); }
  }

  function render() {
    const d = page.data;
    const w = d.workflow;
    const s = summary(d);
    fill(head, h('h1', {}, w.name, ' ', pill(w.status)),
      h('p', { class: 'muted' }, `Owner ${d.owner || 'org admins'} · release ${fmtTime(ms(w.target_at), w.target_tz)} (${w.target_tz}) · ${s.done}/${s.total} done · version ${w.lock_version} · `,
        h('a', { href: `/api/v1/workflows/${id}/gantt` }, 'JSON')));
    fill(controls);
    if (d.may_operate) {
      const verbs = w.status === 'draft' ? ['start', 'cancel'] : w.status === 'active' ? ['pause', 'cancel'] : w.status === 'paused' ? ['resume', 'cancel'] : [];
      for (const v of verbs) controls.append(h('button', { class: v === 'cancel' ? 'danger' : '', id: `do-${v}`, onclick: () => lifecycle(v) }, v[0].toUpperCase() + v.slice(1)));
      if (!TERMINAL.has(w.status)) {
        const rel = h('input', { id: 'retarget-at', type: 'datetime-local', 'aria-label': 'New release date and time' });
        const tz = h('input', { id: 'retarget-tz', placeholder: w.target_tz, 'aria-label': 'New release time zone', size: 16 });
        controls.append(h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); if (rel.value) proposeRetarget(rel.value, tz.value.trim()); } },
          h('label', { for: 'retarget-at' }, 'Retarget to'), rel, tz, h('button', { type: 'submit' }, 'Preview')));
      }
      if (!editable() && !TERMINAL.has(w.status)) controls.append(h('span', { class: 'muted small' }, 'Pause it to edit the plan on the Gantt.'));
      if (editable()) controls.append(h('span', { class: 'muted small' }, 'Drag a bar to move it, its right edge to resize; or focus a bar and use ←/→ (Shift: resize).'));
    } else {
      controls.append(h('span', { class: 'muted small', id: 'view-only' }, 'View only: you do not operate this workflow.'));
    }
    page.chart = drawGantt(ganttEl, d, {
      editable: editable(),
      onMove: (key, n) => propose(key, { shift: signed(n) }, `Move ${key} by ${days(n)}`),
      onResize: (key, days) => propose(key, { window: `${days}d` }, `Make ${key} ${days} day${days === 1 ? '' : 's'} long`),
      onSelect: (key) => { page.selected = key; page.chart.select(key); renderSide(); },
    });
    if (page.selected) page.chart.select(page.selected);
    renderSide();
    // The first waiting tasks in plan order; every task's reasons are on its bar's panel and page.
    const waiting = d.tasks.filter((t) => t.waiting_on.length && !DONE.has(t.status));
    const shown = waiting.slice(0, 40);
    fill(waits, h('h2', {}, 'Why tasks wait'), waiting.length ? h('table', { class: 'small', id: 'waits' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Task'), h('th', {}, 'Gate'), h('th', {}, 'Reason'))),
      h('tbody', {}, ...shown.flatMap((t) => t.waiting_on.map((g) => h('tr', {}, h('td', {}, h('a', { href: `#/w/${id}/t/${encodeURIComponent(t.key)}` }, t.title)), h('td', {}, `${g.gate} (${g.state})`), h('td', {}, g.reason)))))) : h('p', { class: 'muted' }, 'Nothing is waiting.'),
      waiting.length > shown.length ? h('p', { class: 'muted small' }, `and ${waiting.length - shown.length} more waiting tasks: select a bar to see why it waits.`) : null);
  }

  function renderSide() {
    const d = page.data;
    const t = d.tasks.find((k) => k.key === page.selected);
    const mine = page.inbox.filter((i) => i.kind === 'approval');
    const approvals = mine.length ? h('div', { class: 'panel', id: 'my-approvals' }, h('h2', {}, 'Your approvals here'),
      ...mine.map((i) => h('div', { class: 'row' }, h('span', {}, i.title), h('button', { class: 'primary', onclick: () => decide(i, 'approve') }, 'Approve'), h('button', { onclick: () => decide(i, 'reject') }, 'Reject')))) : null;
    if (!t) { fill(side, approvals || '', h('p', { class: 'muted' }, 'Select a bar to see the task.')); return; }
    const tz = d.workflow.target_tz;
    const edit = editable();
    const depPath = taskPath(t.key, 'dependencies');
    const deps = h('ul', { id: 'deps' }, ...t.depends_on.map((u) => h('li', {}, titleOf(u), ' ', edit
      ? h('button', { type: 'button', class: 'small', 'aria-label': `Remove the dependency on ${titleOf(u)}`,
        onclick: () => proposeReq(t.key, { path: depPath, body: { upstream: u, remove: true } }, `${t.key} no longer runs after ${u}`) }, 'remove') : '')));
    const others = d.tasks.filter((k) => k.key !== t.key && !t.depends_on.includes(k.key));
    const addSel = h('select', { id: 'add-dep', 'aria-label': 'Upstream task to add' }, ...others.slice(0, 2000).map((k) => h('option', { value: k.key }, k.title)));
    const onSel = h('select', { id: 'add-dep-on', 'aria-label': 'When the upstream ends as' },
      ...[['success', 'succeeds'], ['any', 'ends in any way'], ['failed', 'fails'], ['skipped', 'is skipped']].map(([v, l]) => h('option', { value: v }, l)));
    // Edit the task: its title, or pin its due date (read in the release zone, its window kept).
    const titleIn = h('input', { id: 'edit-title', value: t.title, size: 28 });
    const dueIn = h('input', { id: 'edit-due', type: 'datetime-local', value: localInput(ms(t.planned_due), tz) });
    const editForm = edit ? h('form', { class: 'panel', id: 'edit-task', 'aria-label': `Edit ${t.title}`, onsubmit: (e) => {
      e.preventDefault();
      const body = {};
      const words = [];
      if (titleIn.value.trim() && titleIn.value.trim() !== t.title) { body.title = titleIn.value.trim(); words.push(`retitle it “${body.title}”`); }
      if (dueIn.value && dueIn.value !== localInput(ms(t.planned_due), tz)) { body.due = dueIn.value; words.push(`pin it due ${dueIn.value.replace('T', ' ')} ${tz}`); }
      if (!words.length) { fill(previewBox, h('div', { class: 'panel error', role: 'alert' }, 'Nothing to change: give a new title or a new due date.')); return; }
      proposeReq(t.key, { path: taskPath(t.key, 'set'), body }, `${t.key}: ${words.join(', ')}`);
    } },
    h('h3', {}, 'Edit task'),
    h('label', { for: 'edit-title' }, 'Title'), h('div', {}, titleIn),
    h('label', { for: 'edit-due' }, `Pin due at (${tz})`), h('div', {}, dueIn),
    h('button', { type: 'submit' }, 'Preview change')) : null;
    fill(side, approvals || '', h('div', { class: 'panel' },
      h('h2', {}, t.title), h('p', {}, pill(t.status), ' ', t.kind, t.pinned ? ' · pinned' : '', d.critical.includes(t.key) ? ' · critical path' : ''),
      h('p', { class: 'small' }, `Planned ${fmtTime(ms(t.planned_start), tz)} → due ${fmtTime(ms(t.planned_due), tz)}`),
      t.actual_start ? h('p', { class: 'small' }, `Actual ${fmtTime(ms(t.actual_start), tz)} → ${t.actual_end ? fmtTime(ms(t.actual_end), tz) : 'running'}`) : null,
      t.waiting_on.length ? h('div', {}, h('strong', {}, 'Waits on'), h('ul', {}, ...t.waiting_on.map((g) => h('li', {}, `${g.gate}: ${g.reason}`)))) : null,
      h('strong', {}, 'Runs after'), t.depends_on.length ? deps : h('p', { class: 'muted small' }, 'nothing'),
      edit ? h('form', { class: 'row', id: 'add-dep-form', onsubmit: (e) => {
        e.preventDefault();
        const body = { upstream: addSel.value };
        if (onSel.value !== 'success') body.on = onSel.value;
        proposeReq(t.key, { path: depPath, body }, `${t.key} runs after ${addSel.value}${onSel.value === 'success' ? '' : ` (when it ${onSel.selectedOptions[0].textContent})`}`);
      } }, h('label', { for: 'add-dep' }, 'Run after'), addSel, h('label', { for: 'add-dep-on' }, 'when it'), onSel, h('button', { type: 'submit' }, 'Preview dependency')) : null,
      h('p', {}, h('a', { href: `#/w/${id}/t/${encodeURIComponent(t.key)}` }, 'Task page and artifacts'))), editForm);
  }
  const titleOf = (key) => page.data.tasks.find((k) => k.key === key)?.title || key;

  await load();
  // The audit log, live: every event also refreshes the Gantt (deferred while a preview is open).
  const es = stream(root, `/api/v1/workflows/${id}/events`);
  if (!es) return;
  es.onmessage = (m) => {
    const e = JSON.parse(m.data);
    logList.prepend(h('li', {}, h('span', { class: 'muted' }, `${fmtTime(ms(e.at), page.data.workflow.target_tz)} `), h('strong', {}, e.actor), ` ${e.kind.replaceAll('_', ' ')}`, e.task_key ? ` · ${e.task_key}` : '', e.data?.via ? ` (via ${e.data.via})` : ''));
    while (logList.children.length > 300) logList.lastChild.remove();
    if (page.data) refreshSoon();
  };
}

// --- task page -----------------------------------------------------------------------------------
async function taskPage(id, key) {
  const root = main();
  const d = await get(`/api/v1/workflows/${id}/gantt`);
  const status = await get(`/api/v1/workflows/${id}`);
  const t = status.tasks.find((k) => k.key === key);
  if (!t) throw new Error(`no task ${key}`);
  const tz = d.workflow.target_tz;
  // The agent's question, when this person may answer it (it is in their inbox).
  const asked = t.status === 'waiting_input' && me.kind === 'person'
    ? (await get('/api/v1/inbox').catch(() => [])).find((i) => i.workflow_id === id && i.task_key === key && i.kind === 'input') : null;
  fill(root, h('p', {}, h('a', { href: `#/w/${id}` }, `← ${d.workflow.name}`)),
    h('h1', {}, t.title, ' ', pill(t.status)),
    h('p', {}, `${t.kind} · planned ${fmtTime(ms(t.planned_start), tz)} → due ${fmtTime(ms(t.planned_due), tz)} · attempts ${t.attempts}${t.actor ? ` · by ${t.actor}` : ''}`),
    t.last_error ? h('p', { class: 'error' }, t.last_error) : null,
    t.runs_only_if ? h('p', { class: 'muted' }, `Runs only if ${t.runs_only_if} (decided when its dependencies are met; skipped otherwise)`) : null,
    t.waiting_on.length ? h('div', {}, h('h2', {}, 'Why it waits'), h('ul', {}, ...t.waiting_on.map((g) => h('li', {}, `${g.gate} (${g.state}): ${g.reason}`)))) : null,
    asked ? h('section', { class: 'panel', id: 'question', 'aria-labelledby': 'question-h' }, h('h2', { id: 'question-h' }, 'The agent asks'),
      answerForm(asked, async (path, body) => { try { await post(`/api/v1/workflows/${id}/${path}`, body); toast(`${t.title}: answered`); route(); } catch (e) { toast(e.message, true); } })) : null,
    h('h2', {}, 'Artifacts'), t.output != null ? artifact(t.output) : h('p', { class: 'muted' }, 'No output yet.'));
}

/**
 * A task's output for review: text fields as text (an agent's draft reads as prose), links as links,
 * anything nested as highlighted JSON; the whole value as JSON below.
 */
function artifact(out) {
  const wrap = h('div', { id: 'artifact' });
  const value = (v) => {
    if (typeof v === 'string') {
      if (/^https?:\/\/\S+$/.test(v)) return h('a', { href: v, rel: 'noopener noreferrer', target: '_blank' }, v);
      return h('div', { class: 'prose' }, v);
    }
    if (v === null || typeof v !== 'object') return h('code', {}, JSON.stringify(v));
    return highlight(JSON.stringify(v, null, 2));
  };
  if (out && typeof out === 'object' && !Array.isArray(out)) {
    wrap.append(h('dl', { class: 'artifact' }, ...Object.entries(out).flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-key': k }, value(v))])));
  } else wrap.append(value(out));
  wrap.append(h('details', {}, h('summary', {}, 'As JSON'), highlight(JSON.stringify(out, null, 2))));
  return wrap;
}

// --- inbox ---------------------------------------------------------------------------------------
async function inboxPage() {
  const root = main();
  const items = await get('/api/v1/inbox');
  const gantts = new Map();
  for (const wid of new Set(items.map((i) => i.workflow_id))) gantts.set(wid, await get(`/api/v1/workflows/${wid}/gantt`).catch(() => null));
  const gates = (i) => (gantts.get(i.workflow_id)?.tasks || []).filter((t) => t.depends_on.includes(i.task_key)).map((t) => t.title);
  const card = (i) => {
    const err = h('p', { class: 'error', role: 'alert' });
    const reason = h('input', { 'aria-label': `Reason for ${i.title}`, placeholder: 'reason (required to reject)' });
    const act = async (path, body) => { try { const r = await post(`/api/v1/workflows/${i.workflow_id}/${path}`, body); toast(`${i.title}: ${r.status}`); route(); } catch (e) { err.textContent = e.message; } };
    const buttons = i.kind === 'approval'
      ? [h('button', { class: 'primary', onclick: () => act(`approvals/${encodeURIComponent(i.task_key)}/approve`, reason.value ? { reason: reason.value } : {}) }, 'Approve'),
        h('button', { onclick: () => (reason.value.trim() ? act(`approvals/${encodeURIComponent(i.task_key)}/reject`, { reason: reason.value }) : (err.textContent = 'Say why you reject it: the reason goes to the audit log and the people who revise.')) }, 'Reject'), reason]
      : i.kind === 'input' ? [answerForm(i, act)]
        : i.kind === 'decision' ? [h('button', { onclick: () => act(`tasks/${encodeURIComponent(i.task_key)}/done`, {}) }, 'Run it now'), h('button', { onclick: () => act(`tasks/${encodeURIComponent(i.task_key)}/done`, { skip: true }) }, 'Skip it')]
          : [h('button', { class: 'primary', onclick: () => act(`tasks/${encodeURIComponent(i.task_key)}/done`, {}) }, 'Mark done')];
    const g = gates(i);
    return h('li', { class: 'panel', 'data-task': i.task_key },
      h('strong', {}, i.title), ' ', h('span', { class: 'pill' }, i.kind), ' in ', h('a', { href: `#/w/${i.workflow_id}` }, i.workflow),
      h('p', { class: 'small muted' }, `waiting since ${fmtTime(ms(i.since), Intl.DateTimeFormat().resolvedOptions().timeZone)}${i.deadline_at ? ` · deadline ${fmtTime(ms(i.deadline_at), Intl.DateTimeFormat().resolvedOptions().timeZone)}` : ''} · who: ${i.who.join(', ') || 'anyone who may act on the workflow'}${i.quorum ? ` · quorum ${i.quorum}, voted: ${i.voted.join(', ') || 'nobody yet'}` : ''}`),
      g.length ? h('p', { class: 'small' }, `Gates: ${g.join(', ')}`) : null,
      h('p', {}, h('a', { href: `#/w/${i.workflow_id}/t/${encodeURIComponent(i.task_key)}` }, 'Review packet and artifacts')),
      h('div', { class: 'row' }, ...buttons), err);
  };
  const approvals = items.filter((i) => i.kind === 'approval');
  const tasks = items.filter((i) => i.kind !== 'approval');
  fill(root, h('h1', {}, 'Approvals'), approvals.length ? h('ol', { id: 'approvals', class: 'plain' }, ...approvals.map(card)) : h('p', { class: 'muted' }, 'No approval waits on you.'),
    h('h2', {}, 'My tasks'), tasks.length ? h('ol', { id: 'my-tasks' }, ...tasks.map(card)) : h('p', { class: 'muted' }, 'No task waits on you.'));
  const es = stream(root, '/api/v1/notifications/stream');
  if (!es) return;
  let first = true;
  es.onopen = () => { setTimeout(() => { first = false; }, 1500); };
  es.onmessage = () => { if (!first) route(); };
}

/**
 * The answer to an agent's question: a form built from the JSON Schema it asked with (an object's
 * properties as labelled fields, constraints checked by the browser before sending), else free text.
 */
function answerForm(i, act) {
  const req = i.request || { prompt: 'The agent asked for input (no question recorded).', schema: null };
  const schema = req.schema;
  const uid = `ans-${i.workflow_id.slice(0, 8)}-${i.task_key}`;
  const prompt = h('p', { class: 'prompt', id: `${uid}-prompt` }, req.prompt);
  if (!schema) {
    const area = h('textarea', { id: `${uid}-text`, rows: 3, cols: 50, required: true, 'aria-describedby': `${uid}-prompt ${uid}-hint` });
    return h('form', { class: 'answer stack', onsubmit: (e) => {
      e.preventDefault();
      const t = area.value.trim();
      let answer = t;
      if (/^[[{]/.test(t)) { try { answer = JSON.parse(t); } catch (x) { toast(`That looks like JSON but is not: ${x.message}`, true); return; } }
      act(`tasks/${encodeURIComponent(i.task_key)}/answer`, { answer });
    } }, prompt, h('label', { for: `${uid}-text` }, 'Your answer'), area,
    h('div', { class: 'hint', id: `${uid}-hint` }, 'Sent as text; start with { or [ to send JSON.'), h('button', { type: 'submit', class: 'primary' }, 'Answer'));
  }
  // A non-object schema is one field whose value is the answer itself.
  const single = schema.type !== 'object';
  const props = single ? { answer: schema } : (schema.properties || {});
  const required = new Set(single ? ['answer'] : (schema.required || []));
  // Required fields first, in the order the schema lists them (stored JSON does not keep key order).
  const order = [...(single ? ['answer'] : (schema.required || [])).filter((n) => n in props), ...Object.keys(props).filter((n) => !required.has(n)).sort()];
  const fields = order.map((name) => schemaField(`${uid}-${name}`, name, props[name] || {}, required.has(name)));
  const err = h('p', { class: 'error', role: 'alert' });
  return h('form', { class: 'answer stack', 'data-schema': 'true', novalidate: false, onsubmit: (e) => {
    e.preventDefault();
    const out = {};
    try {
      for (const f of fields) { const v = f.value(); if (v !== undefined) out[f.name] = v; }
    } catch (x) { err.textContent = x.message; return; }
    act(`tasks/${encodeURIComponent(i.task_key)}/answer`, { answer: single ? out.answer : out });
  } }, prompt, schema.description ? h('p', { class: 'small muted' }, schema.description) : null, ...fields.map((f) => f.el), err,
  h('button', { type: 'submit', class: 'primary' }, 'Answer'));
}

/** One labelled input for a property schema: { name, el, value() } (value() undefined: left out). */
function schemaField(id, name, ps, required) {
  const label = ps.title || name;
  const hintId = `${id}-hint`;
  const hint = ps.description ? h('div', { class: 'hint', id: hintId }, ps.description) : null;
  const common = { id, name, required: required || null, 'aria-describedby': hint ? hintId : null };
  const type = Array.isArray(ps.type) ? ps.type.find((t) => t !== 'null') : ps.type;
  const wrap = (input, after = null) => h('div', { class: 'field', 'data-field': name }, h('label', { for: id }, label, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null), input, after, hint);
  if (Array.isArray(ps.enum)) {
    const sel = h('select', common, required ? null : h('option', { value: '' }, '—'), ...ps.enum.map((v, k) => h('option', { value: String(k), selected: ps.default === v }, String(v))));
    return { name, el: wrap(sel), value: () => (sel.value === '' ? undefined : ps.enum[Number(sel.value)]) };
  }
  if (type === 'boolean') {
    const box = h('input', { ...common, type: 'checkbox', required: null, checked: ps.default === true });
    return { name, el: h('div', { class: 'field check', 'data-field': name }, box, h('label', { for: id }, ` ${label}`), hint), value: () => box.checked };
  }
  if (type === 'integer' || type === 'number') {
    const num = h('input', { ...common, type: 'number', step: type === 'integer' ? '1' : 'any', min: ps.minimum, max: ps.maximum, value: ps.default });
    return { name, el: wrap(num), value: () => (num.value === '' ? undefined : Number(num.value)) };
  }
  if (type === 'array' && Array.isArray(ps.items?.enum)) {
    const boxes = ps.items.enum.map((v, k) => h('label', { class: 'inline' }, h('input', { type: 'checkbox', value: String(k), name }), ` ${v}`));
    const set = h('fieldset', { class: 'field', 'data-field': name, 'aria-describedby': hint ? hintId : null }, h('legend', {}, label), ...boxes, hint);
    return { name, el: set, value: () => {
      const v = boxes.map((b) => b.firstChild).filter((b) => b.checked).map((b) => ps.items.enum[Number(b.value)]);
      if (required && !v.length) throw new Error(`${label}: choose at least one.`);
      return v;
    } };
  }
  if (type === 'array') {
    const area = h('textarea', { ...common, rows: 3 });
    return { name, el: wrap(area, h('div', { class: 'hint' }, 'One per line.')), value: () => (area.value.trim() ? area.value.split('\n').map((x) => x.trim()).filter(Boolean) : undefined) };
  }
  if (type === 'string' || type === undefined && !ps.properties) {
    const format = ps.format === 'date' ? 'date' : ps.format === 'date-time' ? 'datetime-local' : ps.format === 'email' ? 'email' : ps.format === 'uri' ? 'url' : null;
    const long = !format && (ps.maxLength == null || ps.maxLength > 120);
    const input = long ? h('textarea', { ...common, rows: 3, minlength: ps.minLength, maxlength: ps.maxLength }, ps.default ?? '')
      : h('input', { ...common, type: format || 'text', minlength: ps.minLength, maxlength: ps.maxLength, pattern: ps.pattern, value: ps.default });
    return { name, el: wrap(input), value: () => {
      if (!input.value) return undefined;
      return format === 'datetime-local' ? new Date(input.value).toISOString() : input.value;
    } };
  }
  // Anything else (a nested object...): JSON, checked before sending.
  const area = h('textarea', { ...common, rows: 4 }, ps.default !== undefined ? JSON.stringify(ps.default, null, 2) : '');
  return { name, el: wrap(area, h('div', { class: 'hint' }, 'JSON.')), value: () => {
    if (!area.value.trim()) return undefined;
    try { return JSON.parse(area.value); } catch (x) { throw new Error(`${label}: not JSON (${x.message}).`); }
  } };
}

// --- notifications -------------------------------------------------------------------------------
/** Unread: addressed to the person and newer than their read mark (kept by the server, per person). */
function unread(feed, readAt) {
  const seen = readAt ? Date.parse(readAt) : 0;
  return feed.filter((n) => Date.parse(n.created_at) > seen && n.recipients.some((r) => r === `user:${me.name}`)).length;
}
async function feedPage() {
  const root = main();
  const mark = (await get('/api/v1/notifications/read')).read_at;
  const seen = mark ? Date.parse(mark) : 0;
  const list = h('ol', { id: 'feed', 'aria-live': 'polite' });
  const add = (n) => {
    const fresh = Date.parse(n.created_at) > seen;
    list.prepend(h('li', { class: `panel${fresh ? ' unread' : ''}` },
      fresh ? h('span', { class: 'flag' }, 'unread') : null, h('strong', {}, n.title), ` · ${n.kind.replaceAll('_', ' ')} · `,
      h('a', { href: `#/w/${n.workflow_id}` }, 'workflow'), h('p', {}, n.message), h('p', { class: 'small muted' }, `${fmtTime(ms(n.created_at), Intl.DateTimeFormat().resolvedOptions().timeZone)} · to ${n.recipients.join(', ')}`)));
  };
  fill(root, h('h1', {}, 'Notifications'),
    h('div', { class: 'row' }, h('button', { id: 'mark-read', onclick: async () => { await post('/api/v1/notifications/read', {}); route(); } }, 'Mark all read'),
      h('span', { class: 'muted small' }, mark ? `Live. Read up to ${fmtTime(seen, Intl.DateTimeFormat().resolvedOptions().timeZone)}.` : 'Live. Nothing marked read yet.')), list);
  // The stream replays the feed from the start, then follows it.
  const es = stream(root, '/api/v1/notifications/stream');
  if (!es) return;
  es.onmessage = (m) => { add(JSON.parse(m.data)); };
}

// --- release calendar ----------------------------------------------------------------------------
const LIVE = new Set(['draft', 'active', 'paused']);
// Distinct on white at 4.5:1 or better, one per release (cycled).
const PALETTE = ['#0b57d0', '#b42318', '#1a7f37', '#8250df', '#9a6700', '#0e7490', '#c2185b', '#4d5b00'];
/** The local calendar date (YYYY-MM-DD) of instant `t` in `tz`. */
const dayIn = (t, tz) => localInput(t, tz).slice(0, 10);

/** The dates (YYYY-MM-DD) from `from` to `to` inclusive that fall in `month` (YYYY-MM). */
function datesIn(from, to, month) {
  const out = [];
  const first = from > `${month}-01` ? from : `${month}-01`;
  for (let t = Date.parse(`${first}T00:00:00Z`); ; t += 86400000) {
    const d = new Date(t).toISOString().slice(0, 10);
    if (d > to || !d.startsWith(month)) break;
    out.push(d);
  }
  return out;
}

async function calendarPage() {
  const root = main();
  const list = (await get('/api/v1/workflows')).filter((w) => LIVE.has(w.status));
  const gantts = await Promise.all(list.map((w) => get(`/api/v1/workflows/${w.id}/gantt`).catch(() => null)));
  // Closed days come from the calendar in force of each release's template version (its spec).
  const specs = new Map();
  await Promise.all([...new Set(list.map((w) => `${w.template_key}@${w.template_version}`))].map(async (kv) => {
    const [key, version] = kv.split('@');
    specs.set(kv, await get(`/api/v1/templates/${encodeURIComponent(key)}?version=${version}`).then((t) => t.spec).catch(() => null));
  }));
  const releases = list.map((w, i) => {
    const spec = specs.get(`${w.template_key}@${w.template_version}`);
    const cal = spec?.calendar ? spec.calendars?.[spec.calendar] : null;
    return { w, g: gantts[i], color: PALETTE[i % PALETTE.length], cal, calName: cal ? cal.title || spec.calendar : null };
  }).filter((r) => r.g);
  let tz = localStorage.getItem('rwf.calendar.tz') || viewerTz();
  const today = dayIn(Date.now(), tz);
  let month = sessionStorage.getItem('rwf.calendar.month') || today.slice(0, 7);
  const grid = h('div', { id: 'calendar' });
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const tzSel = h('select', { id: 'cal-tz' }, ...[...new Set([viewerTz(), 'UTC', ...zones])].map((z) => h('option', { value: z, selected: z === tz }, z)));
  tzSel.addEventListener('change', () => { tz = tzSel.value; localStorage.setItem('rwf.calendar.tz', tz); draw(); });
  const step = (n) => {
    const [y, m] = month.split('-').map(Number);
    const d = new Date(Date.UTC(y, m - 1 + n, 1));
    month = d.toISOString().slice(0, 7);
    sessionStorage.setItem('rwf.calendar.month', month);
    draw();
  };
  function events() {
    const byDay = new Map();
    const add = (day, e) => { if (!byDay.has(day)) byDay.set(day, { events: [], closed: [] }); byDay.get(day)[e.closed ? 'closed' : 'events'].push(e); };
    for (const r of releases) {
      const w = r.w;
      add(dayIn(ms(w.target_at), tz), { r, at: ms(w.target_at), kind: 'release', title: `Release: ${w.name}`, href: `#/w/${w.id}` });
      for (const t of r.g.tasks) {
        if ((t.kind !== 'checkpoint' && t.kind !== 'approval') || !t.planned_due) continue;
        add(dayIn(ms(t.planned_due), tz), { r, at: ms(t.planned_due), kind: t.kind === 'approval' ? 'approval' : 'milestone', title: t.title, status: t.status, task: t.key, href: `#/w/${w.id}/t/${encodeURIComponent(t.key)}` });
      }
      // Holidays are dates of the release's calendar, not instants: no zone to convert.
      // One line per calendar and day, naming every release on that calendar.
      const close = (date, kind, title, calName) => {
        if (!date.startsWith(month)) return;
        const same = byDay.get(date)?.closed.find((c) => c.kind === kind && c.calName === calName && c.title === title);
        if (same) same.names.push(r.w.name);
        else add(date, { r, closed: true, kind, title, calName, names: [r.w.name] });
      };
      for (const hd of r.cal?.holidays || []) close(hd.date, 'holiday', hd.name, r.calName);
      // Blackouts are inclusive date ranges with a reason: every day of the range in this month.
      for (const b of r.cal?.blackouts || []) for (const d of datesIn(b.from, b.to, month)) close(d, 'blackout', b.reason, r.calName);
      // Days closed for this release alone (`--closed` at creation).
      for (const c of r.g.closures || []) close(c.date, 'closure', c.name, 'this release only');
    }
    return byDay;
  }
  function draw() {
    const byDay = events();
    const [y, m] = month.split('-').map(Number);
    const first = new Date(Date.UTC(y, m - 1, 1));
    const lead = (first.getUTCDay() + 6) % 7; // Monday first
    const daysIn = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const label = first.toLocaleDateString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
    const rows = [];
    let cells = [];
    for (let i = 0; i < lead; i += 1) cells.push(h('td', { class: 'pad', 'aria-hidden': 'true' }));
    const collisions = [];
    for (let d = 1; d <= daysIn; d += 1) {
      const day = `${month}-${String(d).padStart(2, '0')}`;
      const e = byDay.get(day) || { events: [], closed: [] };
      e.events.sort((a, b) => a.at - b.at);
      const who = new Set(e.events.map((x) => x.r.w.id));
      const clash = who.size > 1;
      if (clash) collisions.push([day, [...new Set(e.events.map((x) => x.r.w.name))]]);
      const dow = new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-GB', { weekday: 'long', timeZone: 'UTC' });
      cells.push(h('td', { class: `day${clash ? ' collision' : ''}${e.closed.length ? ' closed' : ''}${day === today ? ' today' : ''}`, 'data-day': day },
        h('div', { class: 'day-head' }, h('span', { class: 'date', 'aria-label': `${dow} ${d} ${label}` }, d), clash ? h('span', { class: 'flag', title: 'Two or more releases on this day' }, `${who.size} releases`) : null),
        ...e.closed.map((x) => h('div', { class: `closed-day small ${x.kind}`, 'data-kind': x.kind }, h('strong', {}, `${x.kind === 'blackout' ? 'Blackout' : 'Closed'}: ${x.title}`), h('div', {}, `${x.calName} · ${x.names.join(', ')}`))),
        e.events.length ? h('ul', { class: 'plain events' }, ...e.events.map((x) => h('li', { class: `ev ${x.kind}${x.status && DONE.has(x.status) ? ' done' : ''}`, style: `border-left-color:${x.r.color}`, 'data-workflow': x.r.w.id, 'data-task': x.task || '' },
          h('a', { href: x.href }, h('span', { class: 'ev-time' }, fmtClock(x.at, tz)), ' ', h('span', { class: 'ev-kind' }, x.kind === 'release' ? '◆' : x.kind === 'approval' ? '✔' : '●'), ' ', x.title),
          x.kind !== 'release' ? h('div', { class: 'small muted' }, x.r.w.name, x.status ? ` · ${x.status.replace('_', ' ')}` : '') : null))) : null));
      if (cells.length === 7) { rows.push(h('tr', {}, ...cells)); cells = []; }
    }
    if (cells.length) { while (cells.length < 7) cells.push(h('td', { class: 'pad', 'aria-hidden': 'true' })); rows.push(h('tr', {}, ...cells)); }
    fill(grid,
      h('div', { class: 'row' }, h('button', { type: 'button', id: 'cal-prev', onclick: () => step(-1), 'aria-label': 'Previous month' }, '←'),
        h('h2', { id: 'cal-month', 'aria-live': 'polite' }, label),
        h('button', { type: 'button', id: 'cal-next', onclick: () => step(1), 'aria-label': 'Next month' }, '→'),
        h('button', { type: 'button', onclick: () => { month = dayIn(Date.now(), tz).slice(0, 7); sessionStorage.removeItem('rwf.calendar.month'); draw(); } }, 'This month')),
      collisions.length ? h('div', { class: 'panel warn', id: 'collisions', role: 'note' }, h('strong', {}, 'Days with two or more releases (milestones, approvals or launch): '),
        h('ul', {}, ...collisions.map(([day, names]) => h('li', {}, `${day}: ${names.join(', ')}`)))) : null,
      h('table', { class: 'month' }, h('caption', { class: 'sr-only' }, `${label}, times in ${tz}`),
        h('thead', {}, h('tr', {}, ...['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d) => h('th', { scope: 'col' }, d)))), h('tbody', {}, ...rows)));
  }
  draw();
  fill(root, h('h1', {}, 'Release calendar'),
    h('p', { class: 'muted' }, `Milestones, approvals and release dates of every draft, active and paused release you may view (${releases.length}), with the closed days of each release's business calendar (holidays, blackouts) and those closed for a release alone.`),
    h('div', { class: 'row' }, h('label', { for: 'cal-tz' }, 'Times in'), tzSel,
      h('span', { class: 'legend small' }, ...releases.map((r) => h('span', {}, h('i', { style: `background:${r.color}` }), r.w.name, r.calName ? ` (${r.calName})` : '')))),
    grid, me.kind === 'person' ? await subscribePanel() : null);
}

/** HH:MM of instant `t` in `tz`. */
function fmtClock(t, tz) { return localInput(t, tz).slice(11, 16); }

/** The person's ICS subscription: make a link (its secret shown once), copy it, list and revoke links. */
async function subscribePanel() {
  const panel = h('section', { class: 'panel', id: 'subscribe', 'aria-labelledby': 'subscribe-h' });
  const fresh = h('div', { 'aria-live': 'polite' });
  const render = async () => {
    const links = await get('/api/v1/calendar/links');
    fill(panel, h('h2', { id: 'subscribe-h' }, 'Subscribe in your calendar app'),
      h('p', { class: 'small muted' }, 'An ICS feed of your tasks and approvals. Its URL is a secret: anyone who has it can read the feed, so it is shown once; revoke it when it leaks and make a new one.'),
      h('button', { type: 'button', id: 'make-link', onclick: async () => {
        try {
          const l = await post('/api/v1/calendar');
          const url = `${location.origin}${l.path}`;
          const input = h('input', { id: 'ics-url', readonly: true, value: url, size: 60, 'aria-label': 'Subscription URL (secret)' });
          fill(fresh, h('div', { class: 'row' }, input, h('button', { type: 'button', id: 'copy-link', onclick: async () => {
            input.select();
            try { await navigator.clipboard.writeText(url); } catch { document.execCommand('copy'); }
            toast('Subscription URL copied');
          } }, 'Copy'), h('a', { href: url.replace(/^https?:/, 'webcal:') }, 'Open in calendar app')));
          await render();
        } catch (e) { toast(e.message, true); }
      } }, 'New subscribe link'), fresh,
      links.length ? h('table', { class: 'small', id: 'links' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Link'), h('th', { scope: 'col' }, 'Shows'), h('th', { scope: 'col' }, 'Made'), h('th', { scope: 'col' }, ''))),
        h('tbody', {}, ...links.map((l) => h('tr', { 'data-link': l.id }, h('td', {}, `#${l.id}`), h('td', {}, l.workflow ? h('a', { href: `#/w/${l.workflow}` }, 'a workflow\'s plan') : 'your tasks and approvals'),
          h('td', {}, fmtTime(ms(l.created_at), viewerTz())),
          h('td', {}, h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke link ${l.id}`, onclick: async () => {
            if (!(await confirmDialog(`Revoke calendar link #${l.id}? Calendar apps using it stop updating at once.`, 'Revoke'))) return;
            try { await post(`/api/v1/calendar/links/${l.id}/revoke`); toast(`Link #${l.id} revoked`); fill(fresh); await render(); } catch (e) { toast(e.message, true); }
          } }, 'Revoke')))))) : h('p', { class: 'muted small', id: 'no-links' }, 'You have no live calendar link.'));
  };
  await render();
  return panel;
}

// --- templates -----------------------------------------------------------------------------------
async function templatesPage() {
  const root = main();
  const versions = await get('/api/v1/templates');
  const byKey = new Map();
  for (const v of versions) { if (!byKey.has(v.key)) byKey.set(v.key, []); byKey.get(v.key).push(v); }
  const detail = h('div', { id: 'template-detail' });
  const show = async (key, version) => {
    const t = await get(`/api/v1/templates/${encodeURIComponent(key)}?version=${version}`);
    const spec = t.spec;
    const titles = new Map(spec.tasks.map((k) => [k.key, k.title]));
    const phaseOf = new Map(spec.tasks.map((k) => [k.key, k.phase]));
    const release = h('input', { type: 'datetime-local', id: 'plan-release', required: true });
    const tz = h('input', { id: 'plan-tz', placeholder: tzDefault(spec), size: 18 });
    const out = h('div', { 'aria-live': 'polite' });
    const cal = spec.calendar ? spec.calendars?.[spec.calendar] : null;
    fill(detail, h('h2', {}, `${key}@${version} `, h('span', { class: 'muted small' }, `spec ${t.spec_hash.slice(0, 12)}`)),
      spec.description ? h('p', {}, spec.description) : null,
      h('form', { class: 'row panel', id: 'plan-form', onsubmit: async (e) => {
        e.preventDefault();
        try {
          const body = { version, release: release.value };
          if (tz.value.trim()) body.tz = tz.value.trim();
          const p = await post(`/api/v1/templates/${encodeURIComponent(key)}/plan`, body);
          fill(out, h('p', {}, `Release ${fmtTime(ms(p.release), p.tz)} (${p.tz}); ${p.tasks.length} tasks, dates in the release zone.`),
            (p.warnings || []).length ? h('ul', { class: 'small' }, ...p.warnings.map((w) => h('li', {}, `${w.code || ''} ${w.message || JSON.stringify(w)}`))) : null,
            h('table', { class: 'small', id: 'plan-preview' }, h('thead', {}, h('tr', {}, ...['Task', 'Phase', 'Start', 'Due'].map((c) => h('th', { scope: 'col' }, c)))),
              h('tbody', {}, ...p.tasks.map((k) => h('tr', { 'data-task': k.key }, h('td', {}, titles.get(k.key) || k.key, h('div', { class: 'muted' }, k.key, k.pinned ? ' · pinned' : '')),
                h('td', {}, phaseOf.get(k.key) || ''), h('td', {}, fmtTime(ms(k.start), p.tz)), h('td', {}, fmtTime(ms(k.due), p.tz)))))));
        } catch (x) {
          fill(out, h('div', { class: 'error', role: 'alert' }, x.message, ...(x.problem?.errors || []).map((d) => h('div', { class: 'small' }, d.message || JSON.stringify(d)))));
        }
      } }, h('label', { for: 'plan-release' }, 'Plan preview for a release on'), release, h('label', { for: 'plan-tz' }, 'in'), tz, h('button', { type: 'submit' }, 'Preview plan')), out,
      h('h3', {}, 'Source'),
      t.source != null
        ? h('div', { id: 'template-source' }, h('p', { class: 'small muted' }, 'The .rwf text this version was pushed from. What runs is its compiled spec, shown below readably, then in full as JSON (`rwf schema` describes it).'), highlightCode(t.source, RWF_WORDS, RWF_DURATION))
        : h('p', { class: 'small muted', id: 'no-source' }, 'This version was stored before the server kept sources (or saved from a release), so only its compiled spec is known, not the .rwf text it was pushed from; the spec is what runs. It is shown below readably, then in full as JSON (`rwf schema` describes it). Hook scripts are embedded verbatim.'),
      h('h3', {}, 'Spec'),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Release'), h('dd', {}, `param ${spec.target.param} in ${tzDefault(spec)}${spec.target.time ? ` at ${spec.target.time.slice(0, 5)}` : ''}`),
        h('dt', {}, 'Business calendar'), h('dd', {}, cal ? `${cal.title || spec.calendar}: weekend ${cal.weekend.join(', ')}, ${cal.holidays.length} holidays, known ${cal.covers.from} to ${cal.covers.to}` : 'none (offsets count every day)')),
      spec.params?.length ? h('table', { class: 'small', id: 'spec-params' }, h('caption', {}, 'Params'), h('thead', {}, h('tr', {}, ...['Name', 'Type', 'Default', 'Description'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...spec.params.map((p) => h('tr', {}, h('td', {}, h('code', {}, p.name)), h('td', {}, typeof p.type === 'string' ? p.type : JSON.stringify(p.type)), h('td', {}, p.default === undefined ? '—' : h('code', {}, JSON.stringify(p.default))), h('td', {}, p.description || ''))))) : null,
      h('table', { class: 'small', id: 'spec-tasks' }, h('caption', {}, 'Tasks'), h('thead', {}, h('tr', {}, ...['Task', 'Kind', 'When', 'Window', 'After'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...phased(spec).flatMap(([ph, tasks]) => [ph ? h('tr', { class: 'phase-row' }, h('th', { colspan: 5, scope: 'rowgroup' }, ph.title)) : null,
          ...tasks.map((k) => h('tr', { 'data-task': k.key }, h('td', {}, k.title, h('div', { class: 'muted' }, h('code', {}, k.key))), h('td', {}, k.step?.type || ''),
            h('td', {}, h('code', {}, scheduleText(k.schedule))), h('td', {}, k.window ? amountText(k.window) : ''), h('td', {}, (k.depends_on || []).map((d) => `${d.task}${d.outcome && d.outcome !== 'success' ? ` (${d.outcome})` : ''}`).join(', '))))]))),
      ...(spec.hooks || []).map((f) => h('div', {}, h('h3', {}, `Hook ${f.path}`), highlightCode(f.source, RHAI_WORDS))),
      h('details', { id: 'spec-json' }, h('summary', {}, 'The full spec (JSON)'), highlight(JSON.stringify(spec, null, 2))));
    for (const a of document.querySelectorAll('#template-list a[aria-current]')) a.removeAttribute('aria-current');
    document.querySelector(`#template-list a[data-v="${key}@${version}"]`)?.setAttribute('aria-current', 'true');
  };
  fill(root, h('h1', {}, 'Templates'), h('table', { id: 'template-list' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Template'), h('th', { scope: 'col' }, 'Versions (newest last)'), h('th', { scope: 'col' }, 'Newest pushed'))),
    h('tbody', {}, ...[...byKey].map(([key, vs]) => {
      vs.sort((x, y) => x.version - y.version);
      return h('tr', {}, h('td', {}, h('strong', {}, key)),
        h('td', {}, ...vs.map((v) => [h('a', { href: '#/templates', 'data-v': `${key}@${v.version}`, 'aria-label': `${key} version ${v.version}`, onclick: (e) => { e.preventDefault(); show(key, v.version).catch((x) => toast(x.message, true)); } }, `v${v.version}`), ' '])),
        h('td', {}, fmtTime(ms(vs.at(-1).created_at), viewerTz())));
    }))), detail);
}

function tzDefault(spec) {
  const z = spec.target.timezone;
  if (z.literal) return z.literal;
  const p = spec.params.find((x) => x.name === z.param);
  return p?.default ? `${p.default} (param ${z.param})` : `param ${z.param}`;
}
/** Tasks grouped by phase, in declaration order (tasks outside any phase first). */
function phased(spec) {
  const groups = [[null, spec.tasks.filter((t) => !t.phase)]];
  for (const p of spec.phases || []) groups.push([p, spec.tasks.filter((t) => t.phase === p.key)]);
  return groups.filter(([, t]) => t.length);
}
/** A spec amount as the language writes it: `14d`, or a duration param's name for `${lead}`. */
function amountText(x) {
  return String(x).replace(/\$\{([a-z_][a-z0-9_]*)\}/, '$1');
}
/** A task's schedule as the language writes it (roughly); anything unusual as JSON. */
function scheduleText(s) {
  if (!s) return 'when its dependencies allow';
  const tz = s.timezone ? ` in ${s.timezone}` : '';
  if (s.kind === 'pinned') return `at ${s.at.replace('T', ' ').slice(0, 16)}${tz} (pinned)`;
  if (s.kind !== 'relative') return JSON.stringify(s);
  const a = s.anchor;
  const anchor = a.kind === 'release' ? 'release' : a.kind === 'task' ? `${a.task}${a.point && a.point !== 'due' ? `.${a.point}` : ''}` : a.kind === 'param' ? a.param : JSON.stringify(a);
  const span = (x) => { const t = amountText(x); return t.startsWith('-') ? ` - ${t.slice(1)}` : ` + ${t}`; };
  const align = (x) => (x.kind === 'weekday' ? `${x.weekday} ${String(x.relation).replaceAll('_', ' ')} ` : x.kind === 'nth' ? `${x.nth === -1 ? 'last' : ['', 'first', 'second', 'third', 'fourth'][x.nth]} ${x.weekday} of ${x.next ? 'month after ' : ''}` : x.kind === 'edge' ? `${x.edge} of ${x.period}${x.next ? ' after' : ' of'} ` : `${JSON.stringify(x)} `);
  let text = anchor + (s.offsets || []).map(span).join('');
  for (const x of s.align || []) text = align(x) + (s.offsets?.length ? `(${text})` : text);
  text += (s.then || []).map(span).join('');
  return `${text}${s.time_of_day ? ` at ${s.time_of_day.slice(0, 5)}` : ''}${tz}`;
}

const RHAI_WORDS = new Set(['fn', 'let', 'const', 'if', 'else', 'return', 'true', 'false', 'while', 'for', 'in', 'loop', 'break', 'continue', 'switch', 'throw', 'try', 'catch', 'import', 'export', 'as', 'private', 'this']);
// The .rwf keywords (as editors/vim/syntax/rwf.vim lists them) and its durations (`3 days`, `2 business days`).
const RWF_WORDS = new Set(('checkpoint agent approval manual notification wait use version description target hooks defaults horizon '
  + 'template policy calendar phase param uses input at window timeout retry labels risk approvers quorum deadline remind '
  + 'on_reject on_expire instructions assignee optional required pre_release to message for until on_failure on_missed on_cancel '
  + 'attempts backoff initial factor cap jitter weekend covers include holiday blackout on_blackout when after not_author_of hook '
  + 'release before in every on first second third fourth last of or and not as').split(' '));
const RWF_DURATION = /\d+\s*(?:business[ \t]+days?|minutes?|hours?|days?|weeks?|months?)\b/;
/**
 * Source with comments, strings, durations (when `duration` is given), numbers and keywords coloured
 * (text nodes only: nothing is parsed as HTML).
 */
function highlightCode(text, words, duration) {
  const pre = h('pre', { class: 'source' });
  const dur = duration ? `(\\b${duration.source})|` : '()';
  const re = new RegExp(`(\\/\\/[^\\n]*|\\/\\*[\\s\\S]*?\\*\\/)|("(?:[^"\\\\]|\\\\.)*"|\`[^\`]*\`)|${dur}(\\b\\d+(?:\\.\\d+)?\\b)|([A-Za-z_]\\w*)`, 'g');
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m[5] && !words.has(m[5])) continue;
    pre.append(text.slice(last, m.index));
    pre.append(h('span', { class: m[1] ? 'tok-com' : m[2] ? 'tok-str' : m[3] ? 'tok-dur' : m[4] ? 'tok-num' : 'tok-kw' }, m[0]));
    last = m.index + m[0].length;
  }
  pre.append(text.slice(last));
  return pre;
}

/** JSON with keys, strings and numbers coloured (text nodes only: nothing is parsed as HTML). */
function highlight(text) {
  const pre = h('pre', { class: 'source' });
  const re = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?)|(true|false|null)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    pre.append(text.slice(last, m.index));
    if (m[1]) { pre.append(h('span', { class: m[2] ? 'tok-kw' : 'tok-str' }, m[1])); if (m[2]) pre.append(m[2]); }
    else pre.append(h('span', { class: 'tok-num' }, m[0]));
    last = m.index + m[0].length;
  }
  pre.append(text.slice(last));
  return pre;
}
