// Highlighter tests: TextMate snapshots over every template and fixture with the real engine
// (vscode-textmate + vscode-oniguruma), targeted scope checks, and keyword drift checks against
// the Rust keyword lists, the Vim syntax and the pest grammar. `UPDATE_EXPECT=1` rewrites snapshots.
'use strict';
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const here = __dirname;
const ext = path.resolve(here, '..');
const repo = path.resolve(ext, '..', '..');
const grammarPath = path.join(ext, 'syntaxes', 'rwf.tmLanguage.json');
const update = process.env.UPDATE_EXPECT === '1';

let passed = 0;
let failed = 0;
function check(name, fn) {
  try {
    fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}\n  ${String(e.message || e).split('\n').join('\n  ')}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new oniguruma.OnigScanner(p),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) =>
      scope === 'source.rwf'
        ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath)
        : null,
  });
  return registry.loadGrammar('source.rwf');
}

/** [{line, col, text, scopes}] for every non-blank token. */
function tokenize(grammar, text) {
  const out = [];
  let state = vsctm.INITIAL;
  text.split(/\r?\n/).forEach((line, i) => {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) {
      const s = line.slice(t.startIndex, t.endIndex);
      if (!s.trim()) continue;
      out.push({ line: i + 1, col: t.startIndex + 1, text: s, scopes: t.scopes.slice(1) });
    }
    state = r.ruleStack;
  });
  return out;
}

function snapshot(tokens) {
  return tokens
    .map((t) => `${t.line}:${t.col} ${JSON.stringify(t.text)} ${t.scopes.join(' ') || '-'}`)
    .join('\n') + '\n';
}

function inputs() {
  const files = [];
  const templates = path.join(repo, 'templates');
  if (fs.existsSync(templates)) {
    for (const f of fs.readdirSync(templates).sort()) {
      if (f.endsWith('.rwf')) files.push(['templates', path.join(templates, f)]);
    }
  }
  const fixtures = path.join(here, 'fixtures');
  for (const f of fs.readdirSync(fixtures).sort()) {
    if (f.endsWith('.rwf')) files.push(['fixtures', path.join(fixtures, f)]);
  }
  return files;
}

/** The scopes of the first token equal to `text` on the first line containing `lineHas`. */
function scopeOf(tokens, src, lineHas, text) {
  const lines = src.split(/\r?\n/);
  const n = lines.findIndex((l) => l.includes(lineHas)) + 1;
  assert(n > 0, `no line contains ${JSON.stringify(lineHas)}`);
  const t = tokens.find((t) => t.line === n && t.text === text);
  assert(t, `no token ${JSON.stringify(text)} on line ${n}`);
  return t.scopes;
}

// --- keyword lists from the other sources ---

function rustConst(name) {
  const src = fs.readFileSync(path.join(repo, 'src', 'lsp', 'keywords.rs'), 'utf8');
  const m = src.match(new RegExp(`pub const ${name}: &\\[&str\\] = &\\[([^\\]]*)\\]`));
  return m ? [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]) : [];
}

function rustGroups() {
  const src = fs.readFileSync(path.join(repo, 'src', 'lsp', 'keywords.rs'), 'utf8');
  const consts = {};
  for (const m of src.matchAll(/pub const (\w+): &\[&str\] = &\[([^\]]*)\]/g)) {
    consts[m[1]] = [...m[2].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
  }
  const groups = {};
  const table = src.match(/pub const GROUPS[^=]*=\s*&\[([\s\S]*?)\];/);
  for (const m of table[1].matchAll(/\("(\w+)",\s*(\w+)\)/g)) groups[m[1]] = consts[m[2]];
  return groups;
}

function grammarGroups(grammar) {
  const groups = {};
  for (const [name, rule] of Object.entries(grammar.repository)) {
    const m = name.match(/^keywords-(\w+)$/);
    if (!m || !rule.match) continue;
    const words = [];
    for (const alt of rule.match.matchAll(/\((?:\?:)?\(?([a-z_]+(?:\|[a-z_]+)*)\)/g)) {
      words.push(...alt[1].split('|'));
    }
    groups[m[1]] = words;
  }
  return groups;
}

const VIM_OPTIONS = new Set(['contained', 'skipwhite', 'skipnl', 'skipempty', 'transparent', 'fold', 'display', 'extend', 'oneline']);

function vimWords() {
  const src = fs.readFileSync(path.join(repo, 'editors', 'vim', 'syntax', 'rwf.vim'), 'utf8');
  const words = new Set();
  for (const m of src.matchAll(/^syn(?:tax)? keyword \w+ (.*)$/gm)) {
    for (const w of m[1].split(/\s+/)) {
      if (/^[a-z_]+$/.test(w) && !VIM_OPTIONS.has(w)) words.add(w);
    }
  }
  for (const m of src.matchAll(/\\<\\%\(([a-z_|\\]+)\\\)/g)) {
    for (const w of m[1].split('\\|')) if (/^[a-z_]+$/.test(w)) words.add(w);
  }
  return words;
}

/** Every keyword literal of the pest grammar (`"word"` and `^"word"`) that is a plain word. */
function pestWords() {
  const p = path.join(repo, 'grammar', 'rwf.pest');
  if (!fs.existsSync(p)) return null;
  const src = fs.readFileSync(p, 'utf8').replace(/\/\/.*$/gm, '');
  const words = new Set();
  for (const m of src.matchAll(/\^?"([a-z_]{2,})"/g)) words.add(m[1]);
  return words;
}

function sorted(xs) {
  return [...new Set(xs)].sort();
}
function diff(a, b) {
  const sb = new Set(b);
  return sorted(a.filter((x) => !sb.has(x)));
}

async function main() {
  const grammar = await loadGrammar();
  const raw = JSON.parse(fs.readFileSync(grammarPath, 'utf8'));

  const rust = rustGroups();

  // 1. Snapshots.
  for (const [kind, file] of inputs()) {
    const name = `${kind}/${path.basename(file)}`;
    check(`snapshot ${name}`, () => {
      const tokens = tokenize(grammar, fs.readFileSync(file, 'utf8'));
      const snapPath = path.join(here, 'snapshots', `${kind}-${path.basename(file)}.snap`);
      const actual = snapshot(tokens);
      if (update || !fs.existsSync(snapPath)) {
        fs.writeFileSync(snapPath, actual);
        if (!update) throw new Error(`${snapPath} was missing: written; review it and re-run`);
        return;
      }
      const expected = fs.readFileSync(snapPath, 'utf8');
      if (actual !== expected) {
        const a = actual.split('\n');
        const e = expected.split('\n');
        const i = a.findIndex((l, k) => l !== e[k]);
        throw new Error(
          `${name} differs from ${path.relative(repo, snapPath)} at token ${i + 1}:\n` +
            `  expected: ${e[i]}\n  actual:   ${a[i]}\n(UPDATE_EXPECT=1 npm test regenerates)`,
        );
      }
    });
  }

  // 2. Targeted scopes on the fixture: what each construct must look like, snapshot or not.
  const fx = fs.readFileSync(path.join(here, 'fixtures', 'all-constructs.rwf'), 'utf8');
  const toks = tokenize(grammar, fx);
  const cases = [
    ['agent draft_blog', 'agent', 'storage.type.step.rwf'],
    ['agent draft_blog', 'draft_blog', 'entity.name.function.task.rwf'],
    ['approval legal', 'approval', 'storage.type.step.rwf'],
    ['manual smoke', 'manual', 'storage.type.step.rwf'],
    ['notification announce', 'notification', 'storage.type.step.rwf'],
    ['wait cool_down', 'wait', 'storage.type.step.rwf'],
    ['event ci_green', 'event', 'storage.type.step.rwf'],
    ['event ci_green', 'ci_green', 'entity.name.function.task.rwf'],
    ['on "ci.finished" where', 'on', 'keyword.other.schedule.rwf'],
    ['on "ci.finished" where', 'where', 'keyword.other.schedule.rwf'],
    ['timeout 2 days then continue', 'then', 'keyword.other.schedule.rwf'],
    ['timeout 2 days then continue', 'continue', 'constant.language.rwf'],
    ['checkpoint kickoff', 'checkpoint', 'storage.type.step.rwf'],
    ['template product_launch', 'template', 'keyword.other.declaration.rwf'],
    ['include app_store as ios', 'include', 'keyword.other.declaration.rwf'],
    ['include app_store as ios', 'app_store', 'entity.name.type.template.rwf'],
    ['include app_store as ios', 'as', 'keyword.other.declaration.rwf'],
    ['include app_store as ios', 'ios', 'entity.name.section.phase.rwf'],
    ['after ios, ios.review', 'ios.review', 'variable.other.task.rwf'],
    ['template product_launch', 'product_launch', 'entity.name.type.template.rwf'],
    ['use std/policies', 'use', 'keyword.control.import.rwf'],
    ['use std/policies', 'std/policies', 'entity.name.namespace.rwf'],
    ['policy careful', 'careful', 'entity.name.type.policy.rwf'],
    ['param product:', 'product', 'variable.parameter.rwf'],
    ['param product:', 'string', 'support.type.rwf'],
    ['at release - 6 weeks', 'release', 'variable.language.release.rwf'],
    ['at release - 6 weeks', '-', 'keyword.operator.offset.rwf'],
    ['at release - 6 weeks', '6', 'constant.numeric.integer.rwf'],
    ['at release - 6 weeks', 'weeks', 'keyword.other.unit.rwf'],
    ['at release - 6 weeks', '09:00', 'constant.numeric.time.rwf'],
    ['at release - 14 business', 'business days', 'keyword.other.unit.rwf'],
    ['at draft_blog + 2', 'draft_blog', 'variable.other.task.rwf'],
    ['after legal, draft_blog on any', 'legal', 'variable.other.task.rwf'],
    ['after legal, draft_blog on any', 'draft_blog', 'variable.other.task.rwf'],
    ['after legal, draft_blog on any', 'any', 'constant.language.rwf'],
    ['at 2 days before release.due', 'before', 'keyword.operator.direction.rwf'],
    ['at 2 days before release.due', 'due', 'keyword.other.anchor-point.rwf'],
    ['at retro.end', 'retro', 'variable.other.task.rwf'],
    ['at retro.end', 'end', 'keyword.other.anchor-point.rwf'],
    ['at tuesday on or before', 'tuesday', 'constant.language.rwf'],
    ['at code_freeze + grace', 'grace', 'variable.other.rwf'],
    ['window grace', 'grace', 'variable.other.rwf'],
    ['at grace before release', 'grace', 'variable.other.rwf'],
    ['at grace before release', 'before', 'keyword.operator.direction.rwf'],
    ['at grace before release', 'release', 'variable.language.release.rwf'],
    ['horizon 18 months', 'horizon', 'keyword.other.declaration.rwf'],
    ['target release in tz at 09:00', '09:00', 'constant.numeric.time.rwf'],
    ['at tuesday on or before', 'or', 'keyword.other.align.rwf'],
    ['at first monday of month after', 'first', 'keyword.other.align.rwf'],
    ['at first monday of month after', 'of', 'keyword.other.align.rwf'],
    ['at first monday of month after', 'after', 'keyword.other.align.rwf'],
    ['at first monday of month after', 'release', 'variable.language.release.rwf'],
    ['at end of month of freeze', 'end', 'keyword.other.align.rwf'],
    ['at 2 days after start of week', 'start', 'keyword.other.align.rwf'],
    ['for 3 days  after announce', 'announce', 'variable.other.task.rwf'],
    ['for 3 days  after announce', 'after', 'keyword.other.field.rwf'],
    ['covers 2025-01-01', '2025-01-01', 'constant.numeric.date.rwf'],
    ['param release: datetime =', '2026-09-15T09:00', 'constant.numeric.date.rwf'],
    ['param owner: scope', 'organization', 'support.function.scope.rwf'],
    ['weekend saturday', 'saturday', 'constant.language.rwf'],
    ['escaped.\\tTabbed', '\\t', 'constant.character.escape.rwf'],
    ['"Kick-off: ${product}"', '${', 'punctuation.section.interpolation.begin.rwf'],
    ['"Kick-off: ${product}"', 'product', 'variable.other.rwf'],
    ['${draft_blog.output.url}', 'url', 'variable.other.member.rwf'],
    ['instructions "Run', '\\"', 'constant.character.escape.rwf'],
    ['// Every construct', '//', 'punctuation.definition.comment.rwf'],
    ['rwf-ignore RWF012', 'RWF012', 'constant.other.diagnostic-code.rwf'],
    ['approvers team("legal"), user', 'team', 'support.function.scope.rwf'],
    ['on_reject needs_revision', 'needs_revision', 'constant.language.rwf'],
    ['hook input shape_input', 'input', 'support.constant.hook-point.rwf'],
    ['hook input shape_input', 'shape_input', 'entity.name.function.hook.rwf'],
    ['not_author_of draft_blog', 'draft_blog', 'variable.other.task.rwf'],
    ['retry policies.patient', 'patient', 'variable.other.policy.rwf'],
  ];
  for (const [lineHas, text, scope] of cases) {
    check(`scope of ${JSON.stringify(text)} in ${JSON.stringify(lineHas)} is ${scope}`, () => {
      const scopes = scopeOf(toks, fx, lineHas, text);
      assert(scopes.includes(scope), `got ${scopes.join(' ')}`);
    });
  }
  check('no illegal characters in any template or fixture', () => {
    for (const [, file] of inputs()) {
      const bad = tokenize(grammar, fs.readFileSync(file, 'utf8')).filter((t) =>
        t.scopes.some((s) => s.startsWith('invalid.')),
      );
      assert(!bad.length, `${path.basename(file)}: ${bad.map((t) => `${t.line}:${t.col} ${t.text}`).join(', ')}`);
    }
  });

  // 3. Snippets: one per step type and a template; expanded with their defaults they highlight cleanly.
  const snippets = JSON.parse(fs.readFileSync(path.join(ext, 'snippets', 'rwf.json'), 'utf8'));
  const prefixes = Object.values(snippets).map((s) => s.prefix);
  for (const want of [...(rust.step || []), 'template']) {
    check(`snippet for ${want}`, () => assert(prefixes.includes(want), `prefixes: ${prefixes.join(' ')}`));
  }
  check('expanded snippets have no illegal characters', () => {
    for (const [name, s] of Object.entries(snippets)) {
      const text = s.body
        .join('\n')
        .replace(/\$\{\d+\|([^,|]*)[^}]*\}/g, '$1')
        .replace(/\$\{\d+:((?:\\\}|[^}])*)\}/g, '$1')
        .replace(/\$\d+/g, '')
        .replace(/\\([$}])/g, '$1');
      const bad = tokenize(grammar, text).filter((t) => t.scopes.some((x) => x.startsWith('invalid.')));
      assert(!bad.length, `${name}: ${bad.map((t) => t.text).join(' ')} in\n${text}`);
    }
  });

  // 4. Drift: the TextMate keyword groups equal the Rust lists; Vim and pest agree with them.
  const tm = grammarGroups(raw);
  check('TextMate keyword groups equal src/lsp/keywords.rs', () => {
    const problems = [];
    for (const [g, words] of Object.entries(rust)) {
      if (!tm[g]) { problems.push(`group ${g} missing from the grammar`); continue; }
      const missing = diff(words, tm[g]);
      const extra = diff(tm[g], words);
      if (missing.length) problems.push(`${g}: not highlighted: ${missing.join(' ')}`);
      if (extra.length) problems.push(`${g}: highlighted but not a keyword: ${extra.join(' ')}`);
    }
    assert(!problems.length, problems.join('\n'));
  });
  const all = sorted(Object.values(rust).flat());
  check('Vim syntax highlights every keyword and no other', () => {
    const vim = [...vimWords()];
    const missing = diff(all, vim);
    const extra = diff(vim, all);
    assert(!missing.length && !extra.length, `missing: ${missing.join(' ')}\nextra: ${extra.join(' ')}`);
  });
  const pest = pestWords();
  check('keywords agree with grammar/rwf.pest', () => {
    if (!pest) {
      // Before the pest grammar exists: every keyword appears in the language reference example.
      const readme = fs.readFileSync(path.join(repo, 'grammar', 'README.md'), 'utf8');
      const missing = all.filter((w) => !new RegExp(`\\b${w}\\b`).test(readme));
      assert(!missing.length, `not in grammar/README.md: ${missing.join(' ')}`);
      return;
    }
    const contextual = rustConst('CONTEXTUAL');
    const missing = diff([...pest], all);
    const extra = diff(all, [...pest]).filter((w) => !contextual.includes(w));
    assert(!missing.length, `in rwf.pest but not highlighted: ${missing.join(' ')}`);
    assert(!extra.length, `highlighted but not in rwf.pest: ${extra.join(' ')}`);
  });

  // 5. The extension client, with stand-ins for the editor API.
  await require('./extension.js')(check, assert);

  console.log(`textmate: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  console.log(`textmate: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
