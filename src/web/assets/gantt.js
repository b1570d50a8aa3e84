// The console's Gantt: our own SVG, drawn from GET /api/v1/workflows/{id}/gantt in the release's
// time zone. Phases are groups; bars are the server's planned start..due, with the actual run
// beneath; dependency links, the critical path, pinned tasks, a today line and the release line.
// Editing (draft or paused, operators only) is reported to the page, which previews it through the
// server's resolver before anything is committed: drag a bar (or ←/→ on a focused bar) to move it,
// drag its right edge (or Shift+←/→) to resize its window.

const DAY = 86400000;
const ROW = 24;
const HEAD = 34;
const LABEL = 230;

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const offsets = new Map();
/** Milliseconds `tz` is ahead of UTC at instant `t`. */
export function tzOffset(t, tz) {
  const key = tz + Math.floor(t / 3600000);
  if (offsets.has(key)) return offsets.get(key);
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(t));
  const v = Object.fromEntries(parts.map((p) => [p.type, p.value]));
  const local = Date.UTC(+v.year, +v.month - 1, +v.day, +v.hour % 24, +v.minute, +v.second);
  const off = local - Math.floor(t / 1000) * 1000;
  offsets.set(key, off);
  return off;
}

const ms = (s) => (s ? Date.parse(s) : null);
const DONE = new Set(['succeeded', 'skipped', 'failed', 'cancelled']);

/**
 * Draws `data` into `el`. `opts`: { editable, onMove(key, days), onResize(key, days), onSelect(key) }.
 * Returns { preview(moves), clear(), select(key) }.
 */
export function drawGantt(el, data, opts = {}) {
  performance.mark('rwf-gantt-start');
  const tz = data.workflow.target_tz;
  const now = ms(data.now);
  const target = ms(data.workflow.target_at);
  const tasks = data.tasks;
  const critical = new Set(data.critical);
  const byKey = new Map(tasks.map((t) => [t.key, t]));
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of tasks) {
    for (const v of [t.planned_start, t.planned_due, t.planned_end, t.actual_start, t.actual_end]) {
      const x = ms(v);
      if (x != null) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
    }
  }
  lo = Math.min(lo, target, now);
  hi = Math.max(hi, target, now);
  const off0 = tzOffset(lo, tz);
  lo = Math.floor((lo + off0) / DAY) * DAY - off0 - DAY;
  hi = hi + 2 * DAY;
  const days = Math.max(1, Math.ceil((hi - lo) / DAY));
  const avail = Math.max(600, (el.clientWidth || 1000) - LABEL - 20);
  const dayW = Math.max(14, Math.min(90, avail / days));
  const x = (t) => LABEL + ((t - lo) / DAY) * dayW;

  // Rows: phases in spec order, then tasks without a phase.
  const groups = [];
  const byPhase = new Map();
  for (const p of data.phases) { const g = { key: p.key, title: p.title, tasks: [] }; groups.push(g); byPhase.set(p.key, g); }
  const other = { key: '', title: 'Other tasks', tasks: [] };
  for (const t of tasks) (byPhase.get(t.phase) || other).tasks.push(t);
  if (other.tasks.length) groups.push(other);
  const rowOf = new Map();
  let y = HEAD;
  const rows = [];
  for (const g of groups) {
    if (!g.tasks.length) continue;
    rows.push({ phase: g, y });
    y += ROW;
    for (const t of g.tasks) { rowOf.set(t.key, y); rows.push({ task: t, y }); y += ROW; }
  }
  const width = LABEL + days * dayW + 10;
  const height = y + 6;
  const out = [];
  out.push(`<svg class="gantt" role="group" aria-label="Gantt of ${esc(data.workflow.name)} in ${esc(tz)}" width="${width}" height="${height}" data-day-width="${dayW}" xmlns="http://www.w3.org/2000/svg">`);
  // Day grid and axis labels at local midnights.
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: tz, day: 'numeric', month: 'short' });
  const step = dayW >= 56 ? 1 : dayW >= 28 ? 2 : dayW >= 8 ? 7 : 14;
  for (let d = 0; d <= days; d += 1) {
    const t = lo + d * DAY;
    const gx = x(t);
    out.push(`<line class="grid" x1="${gx}" x2="${gx}" y1="${HEAD - 6}" y2="${height}"/>`);
    if (d % step === 0) out.push(`<text class="axis" x="${gx + 2}" y="${HEAD - 12}">${esc(fmt.format(new Date(t + DAY / 2)))}</text>`);
  }
  // Links under the bars.
  for (const t of tasks) {
    const ty = rowOf.get(t.key);
    const ts = ms(t.planned_start);
    if (ty == null || ts == null) continue;
    for (const up of t.depends_on) {
      const uy = rowOf.get(up);
      const u = byKey.get(up);
      const ue = u && ms(u.planned_due);
      if (uy == null || ue == null) continue;
      const crit = critical.has(up) && critical.has(t.key);
      const x1 = x(ue); const x2 = x(ts); const y1 = uy + ROW / 2; const y2 = ty + ROW / 2;
      const mid = Math.max(x1 + 6, Math.min(x2 - 6, x1 + 12));
      out.push(`<path class="link${crit ? ' critical' : ''}" data-from="${esc(up)}" data-to="${esc(t.key)}" d="M${x1},${y1} H${mid} V${y2} H${x2}"/>`);
    }
  }
  for (const r of rows) {
    if (r.phase) {
      out.push(`<text class="phase-label" x="6" y="${r.y + 16}">${esc(r.phase.title)}</text>`);
      continue;
    }
    const t = r.task;
    const s = ms(t.planned_start);
    const d = ms(t.planned_due);
    const cls = ['bar'];
    if (critical.has(t.key)) cls.push('critical');
    if (DONE.has(t.status)) cls.push('done');
    const movable = opts.editable && t.scheduled && !DONE.has(t.status) && t.status !== 'running';
    if (movable) cls.push('movable');
    const label = `${t.title} (${t.key}), ${t.status}${t.pinned ? ', pinned' : ''}${critical.has(t.key) ? ', on the critical path' : ''}${s != null ? `, ${fmtRange(s, d, tz)}` : ', starts when its dependencies allow'}`;
    out.push(`<g class="${cls.join(' ')}" data-key="${esc(t.key)}" tabindex="0" role="button" aria-label="${esc(label)}">`);
    out.push(`<text x="6" y="${r.y + 16}">${esc(truncate(t.title, 30))}</text>`);
    if (s != null) {
      const bx = x(s);
      const bw = Math.max(6, x(d) - bx);
      out.push(`<rect class="planned" x="${bx}" y="${r.y + 4}" width="${bw}" height="${ROW - 11}"><title>${esc(label)}</title></rect>`);
      // A resize handle on the right edge of bars wide enough to grab apart from it (Shift+←/→ always works).
      if (movable && bw >= 16) out.push(`<rect class="handle" x="${bx + bw - 5}" y="${r.y + 2}" width="8" height="${ROW - 6}"/>`);
      if (t.pinned) out.push(`<circle class="pin" cx="${bx - 5}" cy="${r.y + 10}" r="4"><title>pinned: does not move with the release</title></circle>`);
    }
    const as = ms(t.actual_start);
    if (as != null) {
      const ae = ms(t.actual_end) ?? now;
      out.push(`<rect class="actual" x="${x(as)}" y="${r.y + ROW - 7}" width="${Math.max(3, x(ae) - x(as))}" height="4"><title>actual</title></rect>`);
    }
    out.push('</g>');
  }
  out.push(`<line class="today" x1="${x(now)}" x2="${x(now)}" y1="${HEAD - 8}" y2="${height}"><title>now</title></line>`);
  out.push(`<line class="release" x1="${x(target)}" x2="${x(target)}" y1="${HEAD - 8}" y2="${height}"><title>release</title></line>`);
  out.push('<g class="overlay"></g></svg>');
  el.innerHTML = out.join('');
  const svg = el.querySelector('svg');
  performance.measure('rwf-gantt-draw', 'rwf-gantt-start');
  const overlay = svg.querySelector('.overlay');
  const barOf = (node) => node && node.closest && node.closest('g.bar');

  // Pointer editing: drag to move, drag the handle to resize; snapped to whole days.
  let drag = null;
  svg.addEventListener('pointerdown', (e) => {
    const g = barOf(e.target);
    if (!g) return;
    opts.onSelect?.(g.dataset.key);
    if (!g.classList.contains('movable')) return;
    drag = { g, key: g.dataset.key, x0: e.clientX, resize: e.target.classList.contains('handle'), dx: 0 };
    const rect = g.querySelector('rect.planned');
    drag.w0 = +rect.getAttribute('width');
    svg.setPointerCapture(e.pointerId);
    e.preventDefault();
  });
  svg.addEventListener('pointermove', (e) => {
    if (!drag) return;
    drag.dx = e.clientX - drag.x0;
    const rect = drag.g.querySelector('rect.planned');
    if (drag.resize) rect.setAttribute('width', Math.max(6, drag.w0 + drag.dx));
    else for (const shape of drag.g.querySelectorAll('rect, circle')) shape.setAttribute('transform', `translate(${Math.round(drag.dx / dayW) * dayW},0)`);
  });
  svg.addEventListener('pointerup', () => {
    if (!drag) return;
    const d = drag;
    drag = null;
    const daysMoved = Math.round(d.dx / dayW);
    if (d.resize) {
      const t = tasks.find((k) => k.key === d.key);
      const cur = (ms(t.planned_due) - ms(t.planned_start)) / DAY;
      const next = Math.max(0, Math.round(cur + d.dx / dayW));
      if (next !== Math.round(cur)) opts.onResize?.(d.key, next);
      else d.g.querySelector('rect.planned').setAttribute('width', d.w0);
    } else if (daysMoved !== 0) {
      opts.onMove?.(d.key, daysMoved);
    } else {
      for (const shape of d.g.querySelectorAll('[transform]')) shape.removeAttribute('transform');
    }
  });
  svg.addEventListener('keydown', (e) => {
    const g = barOf(e.target);
    if (!g) return;
    if (e.key === 'Enter' || e.key === ' ') { opts.onSelect?.(g.dataset.key); e.preventDefault(); return; }
    if (!g.classList.contains('movable') || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight')) return;
    const by = e.key === 'ArrowLeft' ? -1 : 1;
    e.preventDefault();
    if (e.shiftKey) {
      const t = tasks.find((k) => k.key === g.dataset.key);
      opts.onResize?.(g.dataset.key, Math.max(0, Math.round((ms(t.planned_due) - ms(t.planned_start)) / DAY) + by));
    } else opts.onMove?.(g.dataset.key, by);
  });

  return {
    /** Whether a bar is being dragged (the page holds redraws until it is dropped). */
    dragging() { return drag !== null; },
    /** Ghost bars where the moved tasks would land: `moves` is the server's cascade. */
    preview(moves) {
      const parts = [];
      for (const m of moves) {
        const t = byKey.get(m.task);
        const ty = rowOf.get(m.task);
        if (!t || ty == null || !m.old_due || !m.new_due) continue;
        const delta = ms(m.new_due) - ms(m.old_due);
        const s = ms(t.planned_start) + delta;
        const d = ms(t.planned_due) + delta;
        parts.push(`<rect class="moved" data-key="${esc(m.task)}" x="${x(s)}" y="${ty + 2}" width="${Math.max(6, x(d) - x(s))}" height="${ROW - 6}"/>`);
      }
      overlay.innerHTML = parts.join('');
    },
    clear() {
      overlay.innerHTML = '';
      for (const shape of svg.querySelectorAll('g.bar [transform]')) shape.removeAttribute('transform');
    },
    select(key) {
      for (const g of svg.querySelectorAll('g.bar.selected')) g.classList.remove('selected');
      svg.querySelector(`g.bar[data-key="${CSS.escape(key)}"]`)?.classList.add('selected');
    },
  };
}

function truncate(s, n) { return s.length > n ? `${s.slice(0, n - 1)}…` : s; }

const formats = new Map();
/** `t` on the wall clock of `tz` (one formatter per zone: making them is the expensive part). */
export function fmtTime(t, tz) {
  if (t == null) return '—';
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
    formats.set(tz, f);
  }
  return f.format(new Date(t));
}

function fmtRange(s, d, tz) { return `${fmtTime(s, tz)} to ${fmtTime(d, tz)}`; }
