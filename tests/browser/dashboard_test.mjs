// The dashboard in a real browser (Debian's headless Chromium, driven by playwright-core):
// serve the example project on an ephemeral port with a temporary data directory, start
// an invoice that waits for an approval through the API, open the dashboard, sign in with
// the approver's token, find the approval in the inbox, approve it, and see the instance
// complete on its page. Then serve a second project whose workflow classifies store issues
// with the committed tiny model, have a clerk decide and teach it through the API, and
// see the Triage quality page show what GET /v1/insights counted (and its empty state on
// the first service, where nothing was classified), and one of its instances' page show
// the store it tracks and its measures. The approval, declared in the head office's
// calendar, shows its age in that calendar's open time. Screenshots go to the artifact
// directory.
//
//   node dashboard_test.mjs RFLOW_BINARY EXAMPLES_DIR ARTIFACT_DIR
//
// Exits 0 when every step passed; prints the step that failed otherwise.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const [rflow, examples, artifacts] = process.argv.slice(2);
if (!rflow || !examples || !artifacts) {
  console.error('usage: node dashboard_test.mjs RFLOW_BINARY EXAMPLES_DIR ARTIFACT_DIR');
  process.exit(2);
}
const CHROMIUM = '/usr/bin/chromium';
const require = createRequire(import.meta.url);
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.error('dashboard test: playwright-core is not installed in tests/browser/node_modules; run ./scripts/setup.sh');
  process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  console.error(`dashboard test: ${CHROMIUM} is missing; run ./scripts/setup.sh (it installs Debian's chromium)`);
  process.exit(1);
}

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const ANN = 'ann-browser-test-token';
const ADMIN = 'root-browser-test-token';
const dir = mkdtempSync(join(tmpdir(), 'rflow-browser-'));
mkdirSync(artifacts, { recursive: true });

// The example project's rflow.toml with absolute stub paths and two users: ann, an
// accounts-payable clerk who may approve invoices, and an admin.
const stubs = resolve(examples, 'stubs');
// One [[auth.users]] table of rflow.toml.
const user = (name, role, token) => `
[[auth.users]]
name = "${name}"
roles = ["${role}"]
token_sha256 = "${sha256(token)}"
`;
const config = readFileSync(join(examples, 'rflow.toml'), 'utf8').replaceAll('stub = "stubs/', `stub = "${stubs}/`) +
  user('ann', 'AccountsPayable', ANN) + user('root', 'admin', ADMIN);
writeFileSync(join(dir, 'rflow.toml'), config);

// The triage project: a classifier with the committed tiny model (labels Refrigeration,
// Pricing, Staffing, Damage; never Equipment), a task for a clerk, and `learn`.
const TINY = resolve(dirname(fileURLToPath(import.meta.url)), '../classifier/samples/tiny.ftz');
const CLERK = 'cy-browser-test-token';
const TRIAGE = `module triage

enum IssueCategory { Equipment, Refrigeration, Pricing, Staffing, Damage }

role Clerk "Clerk"

classifier IssueKind -> IssueCategory {
  threshold 0.75
}

workflow Triage(text: string, store: string) -> IssueCategory {
  owner "store-ops"
  track store = store
  measure issues = 1
  let guess = classify IssueKind(text)
  let t = task "Categorize: {text}" {
    stage "categorize"
    assign Clerk
    data { suggested: guess.best }
    form { category: IssueCategory }
  }
  learn IssueKind(text, t.category)
  measure handling_cost = 12.50 EUR
  return t.category
}
`;
const triageDir = join(dir, 'triage');
mkdirSync(triageDir);
writeFileSync(join(triageDir, 'triage.rflow'), TRIAGE);
writeFileSync(join(triageDir, 'rflow.toml'), `[classifiers.IssueKind]
model = "${TINY}"
` + user('cy', 'Clerk', CLERK) + user('root', 'admin', ADMIN));

let server;
let triageServer;
let browser;
let step = 'start rflow serve';
const output = [];

function waitForUrl(proc) {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('rflow serve printed no URL within 60 s:\n' + output.join(''))), 60000);
    const look = (chunk) => {
      output.push(chunk.toString());
      const m = chunk.toString().match(/dashboard is at (http:\/\/[^\s/]+)\//);
      if (m) { clearTimeout(timer); ok(m[1]); }
    };
    proc.stdout.on('data', look);
    proc.stderr.on('data', (c) => output.push(c.toString()));
    proc.on('exit', (code) => { clearTimeout(timer); fail(new Error(`rflow serve exited with ${code}:\n` + output.join(''))); });
  });
}

async function signIn(page, token, name) {
  await page.waitForSelector('#signin:not([hidden])', { timeout: 10000 });
  await page.fill('#token', token);
  await page.click('#signin-form button[type=submit]');
  await page.waitForSelector('#signin', { state: 'hidden', timeout: 10000 });
  await page.waitForFunction((n) => document.getElementById('who').textContent.startsWith(n), name, { timeout: 10000 });
}

// How the page writes a rate and a count (triage.js).
const pct = (r) => (r === null || r === undefined ? '–' : (r * 100).toFixed(1) + '%');
const int = (n) => Number(n).toLocaleString('en-US');

async function api(base, method, path, body, token) {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null), headers: res.headers };
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

try {
  server = spawn(rflow, ['serve', examples, '--config', join(dir, 'rflow.toml'), '--data', join(dir, 'data'), '--listen', '127.0.0.1:0'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const base = await waitForUrl(server);

  step = 'start an invoice that waits for an approval';
  // 400 x 14.25 USD = 5,700.00 USD: matched, above the auto-post limit, one approver (AP).
  const number = 'INV-BROWSER-' + Date.now();
  const started = await api(base, 'POST', '/v1/workflows/ThreeWayMatch/instances', {
    inv: { number, supplier: 'Northwind Foods', po_number: 'PO-4500812', ship_to: { id: 'S0042', region: 'north-east' }, lines: [{ sku: 'SKU-10231', qty: 400, unit_price: { amount: '14.25', currency: 'USD' } }] },
  }, ADMIN);
  check(started.status === 201, `start answered ${started.status}: ${JSON.stringify(started.body)}`);
  const id = started.body.id;
  let waiting = started.body;
  for (let i = 0; i < 100 && waiting.status !== 'Waiting'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    waiting = (await api(base, 'GET', '/v1/instances/' + id, undefined, ADMIN)).body;
  }
  check(waiting.status === 'Waiting', `the instance is ${waiting.status}, not Waiting: ${JSON.stringify(waiting)}`);

  step = 'the page and its headers';
  const page0 = await fetch(base + '/');
  const csp = page0.headers.get('content-security-policy') || '';
  check(page0.status === 200 && page0.headers.get('content-type').startsWith('text/html'), 'GET / is not an HTML page');
  check(csp.includes("script-src 'self'") && !csp.includes('unsafe-inline'), 'no strict Content-Security-Policy: ' + csp);

  step = 'open the dashboard';
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  await page.goto(base + '/');

  step = 'sign in with a token';
  await page.waitForSelector('#signin:not([hidden])', { timeout: 10000 });
  await page.fill('#token', 'not-a-token');
  await page.click('#signin-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('signin-error').textContent.length > 0, null, { timeout: 10000 });
  problems.length = 0;  // the refused token's 401 is logged by the browser, as it should be
  await page.fill('#token', ANN);
  await page.click('#signin-form button[type=submit]');
  await page.waitForSelector('#signin', { state: 'hidden', timeout: 10000 });
  await page.waitForFunction(() => document.getElementById('who').textContent.startsWith('ann'), null, { timeout: 10000 });
  await page.waitForSelector('.kpi', { timeout: 15000 });
  await page.waitForSelector('#c-status', { timeout: 15000 });
  await page.screenshot({ path: join(artifacts, 'dashboard-overview.png'), fullPage: true });

  step = 'the overview lists the deployed version with its live instances';
  await page.waitForSelector('[data-field=versions] table tbody tr', { timeout: 15000 });
  const versionRow = await page.locator('[data-field=versions] tbody tr').first().innerText();
  if (!/current/.test(versionRow) || !/\b[1-9]\d*\b/.test(versionRow))
    throw new Error('the versions table shows no current version with live instances: ' + versionRow);

  step = 'find the waiting approval in the inbox';
  await page.click('a[data-nav=inbox]');
  const card = page.locator('article.task', { hasText: number });
  await card.waitFor({ timeout: 15000 });
  await page.screenshot({ path: join(artifacts, 'dashboard-inbox.png'), fullPage: true });

  step = 'the approval shows its age in head-office open time';
  // ThreeWayMatch's approval is `due 32h in rc.HeadOffice`: the API answers its age in the
  // calendar's open time, and the card says so ("0m of HeadOffice open time" at night).
  const nowWaiting = (await api(base, 'GET', '/v1/instances/' + id, undefined, ADMIN)).body;
  const approvalWait = nowWaiting.waiting_for.find((w) => w.task);
  check(approvalWait, `the instance waits for no approval: ${JSON.stringify(nowWaiting.waiting_for)}`);
  const approvalId = approvalWait.task;
  const approval = (await api(base, 'GET', '/v1/tasks/' + approvalId, undefined, ADMIN)).body;
  check(approval.calendar === 'HeadOffice' && Number.isInteger(approval.age_business_seconds) &&
    approval.age_business_seconds <= approval.age_seconds,
  `the API answers no business age: ${JSON.stringify(approval)}`);
  const businessAge = (await card.locator('[data-field=business-age]').innerText()).trim();
  check(/^\d+(h \d+)?m of HeadOffice open time$/.test(businessAge), 'the card shows no business age: ' + businessAge);
  await card.screenshot({ path: join(artifacts, 'dashboard-business-age.png') });

  step = 'approve it';
  await card.locator('input[name=comment]').fill('Matches the PO; approved in the browser test');
  await card.locator('button.approve').click();
  await card.locator('.ok').waitFor({ timeout: 15000 });

  step = 'see the instance complete on its page';
  await page.goto(`${base}/#/instances/${encodeURIComponent(id)}`);
  await page.waitForFunction(() => {
    const h = document.getElementById('instance-id');
    return h && h.querySelector('.badge.Completed');
  }, null, { timeout: 30000 });
  const timeline = await page.locator('.timeline').innerText();
  check(/ann/.test(timeline), 'the audit timeline does not show ann\'s decision:\n' + timeline);
  await page.screenshot({ path: join(artifacts, 'dashboard-instance.png'), fullPage: true });
  const done = (await api(base, 'GET', '/v1/instances/' + id, undefined, ADMIN)).body;
  check(done.status === 'Completed' && done.result === 'Posted', `the API says ${done.status} / ${JSON.stringify(done.result)}`);

  step = 'the overview links to where time goes';
  await page.click('a[data-nav=overview]');
  await page.click('a[data-field=stages]', { timeout: 15000 });

  step = 'where time goes ranks the stages GET /v1/insights/stages counted';
  const names = (await api(base, 'GET', '/v1/insights', undefined, ADMIN)).body.workflows.map((w) => w.workflow);
  const wf = names.find((w) => w.split('.').pop() === 'ThreeWayMatch');
  check(wf, 'insights name no ThreeWayMatch: ' + JSON.stringify(names));
  await page.waitForSelector(`#stages-workflow option[value="${wf}"]`, { state: 'attached', timeout: 15000 });
  await page.selectOption('#stages-workflow', wf);
  const stages = (await api(base, 'GET', '/v1/insights/stages?workflow=' + encodeURIComponent(wf), undefined, ADMIN)).body.stages;
  check(stages.length > 0, 'the approved invoice waited in no stage: ' + JSON.stringify(stages));
  await page.waitForFunction((n) => document.querySelectorAll('table.stages tbody tr').length === n, stages.length, { timeout: 15000 });
  // Open waits grow while the test runs, so the order is checked on the page's own totals.
  const rows = await page.locator('table.stages tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.stage, Number(tr.dataset.total)]));
  check(JSON.stringify(rows.map(([n]) => n).sort()) === JSON.stringify(stages.map((st) => st.stage).sort()), `the stages: ${JSON.stringify(rows)}, insights ${JSON.stringify(stages)}`);
  check(rows.every(([, t], i) => i === 0 || rows[i - 1][1] >= t), 'not ranked by total time: ' + JSON.stringify(rows));
  const bars = await page.evaluate(() => {
    const chart = Chart.getChart(document.getElementById('c-stages'));
    return chart ? chart.data.labels : null;
  });
  check(JSON.stringify(bars) === JSON.stringify(rows.map(([n]) => n)), 'the chart\'s bars: ' + JSON.stringify(bars));
  await page.screenshot({ path: join(artifacts, 'dashboard-stages.png'), fullPage: true });

  step = 'the at-risk page, with too little history to predict';
  await page.click('a[data-nav=at-risk]');
  await page.waitForSelector('#at-risk-empty', { timeout: 15000 });
  const risk = (await api(base, 'GET', '/v1/insights/at-risk', undefined, ADMIN)).body;
  check(risk.instances.length === 0 && risk.min_history === 20, 'at-risk: ' + JSON.stringify(risk));
  check((await page.locator('#at-risk-text').innerText()).includes('20 completed'), 'the page says how much history a forecast needs');
  await page.screenshot({ path: join(artifacts, 'dashboard-at-risk.png'), fullPage: true });

  step = 'the by-dimension page shows each region insights counted, with trends';
  for (const region of ['west', 'west']) {
    const more = await api(base, 'POST', '/v1/workflows/ThreeWayMatch/instances', {
      inv: { number: number + '-' + region + Math.random(), supplier: 'Northwind Foods', po_number: 'PO-4500812', ship_to: { id: 'S0107', region }, lines: [{ sku: 'SKU-10231', qty: 400, unit_price: { amount: '14.25', currency: 'USD' } }] },
    }, ADMIN);
    check(more.status === 201, `start answered ${more.status}: ${JSON.stringify(more.body)}`);
  }
  await page.click('a[data-nav=by]');
  await page.waitForSelector(`#by-workflow option[value="${wf}"]`, { state: 'attached', timeout: 15000 });
  await page.selectOption('#by-workflow', wf);
  await page.waitForSelector('#by-dimension option[value="region"]', { state: 'attached', timeout: 15000 });
  await page.selectOption('#by-dimension', 'region');
  const byRegion = (await api(base, 'GET', '/v1/insights?workflow=' + encodeURIComponent(wf) + '&by=region&period=7d', undefined, ADMIN)).body.by;
  check(byRegion.values.length === 2, 'the regions insights counted: ' + JSON.stringify(byRegion));
  await page.waitForFunction((n) => document.querySelectorAll('table.dimensions tbody tr').length === n &&
    document.querySelector('table.dimensions tbody tr[data-value="west"]'), byRegion.values.length, { timeout: 15000 });
  const byRows = await page.locator('table.dimensions tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.value, Number(tr.dataset.started), tr.dataset.trend]));
  check(JSON.stringify(byRows) === JSON.stringify(byRegion.values.map((v) => [v.value, v.started, v.trend])), `the rows: ${JSON.stringify(byRows)}, insights ${JSON.stringify(byRegion.values)}`);
  check(byRows[0][0] === 'west' && byRows[0][1] === 2, 'the most started region first: ' + JSON.stringify(byRows));
  const byBars = await page.evaluate(() => {
    const chart = Chart.getChart(document.getElementById('c-by'));
    return chart ? [chart.data.labels, chart.data.datasets[1].data] : null;
  });
  check(JSON.stringify(byBars) === JSON.stringify([byRows.map(([v]) => v), byRows.map(([, n]) => n)]), 'the chart\'s bars: ' + JSON.stringify(byBars));
  await page.screenshot({ path: join(artifacts, 'dashboard-by-dimension.png'), fullPage: true });

  step = 'a region links to where its time goes';
  await page.click('table.dimensions tbody tr[data-value="north-east"] a');
  await page.waitForSelector('#stages-filter', { timeout: 15000 });
  const neStages = (await api(base, 'GET', '/v1/insights/stages?workflow=' + encodeURIComponent(wf) + '&by=region&value=north-east', undefined, ADMIN)).body.stages;
  check(neStages.length > 0, 'north-east waited in no stage: ' + JSON.stringify(neStages));
  await page.waitForFunction((n) => document.querySelectorAll('table.stages tbody tr').length === n, neStages.length, { timeout: 15000 });
  check((await page.locator('#stages-filter').innerText()).includes('region = north-east'), 'the stages page says whose stages it shows');

  step = 'the triage quality page of a service that classified nothing';
  await page.click('a[data-nav=triage]');
  await page.waitForSelector('#triage-empty', { timeout: 15000 });

  step = 'serve a project that classifies, and triage issues through the API';
  triageServer = spawn(rflow, ['serve', triageDir, '--data', join(dir, 'triage-data'), '--listen', '127.0.0.1:0'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const triageBase = await waitForUrl(triageServer);
  // Sure of the first three, unsure of the fourth, nothing to go on in the last.
  const texts = ['freezer in aisle 4 is warm and dripping', 'shelf label shows wrong price for milk',
    'pallet of wine dropped, glass everywhere', 'price of the freezer', 'x'];
  const triaged = [];
  for (const [i, text] of texts.entries()) {
    const s = await api(triageBase, 'POST', '/v1/workflows/Triage/instances', { text, store: `S-${String(i).padStart(4, '0')}` }, CLERK);
    check(s.status === 201, `start answered ${s.status}: ${JSON.stringify(s.body)}`);
    triaged.push(s.body.id);
    const task = (await api(triageBase, 'GET', '/v1/tasks/' + s.body.waiting_for[0].task, undefined, CLERK)).body;
    // The clerk takes the model's suggestion on every other issue.
    const category = i % 2 === 0 && task.data.suggested ? task.data.suggested : 'Equipment';
    const d = await api(triageBase, 'POST', `/v1/tasks/${task.id}/decision`, { form: { category } }, CLERK);
    check(d.status === 200, `the decision answered ${d.status}: ${JSON.stringify(d.body)}`);
  }
  let quality = [];
  for (let i = 0; i < 100; i++) {
    quality = (await api(triageBase, 'GET', '/v1/insights', undefined, ADMIN)).body.classifiers;
    if (quality.length && quality[0].learned === texts.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  check(quality.length === 1 && quality[0].classifier === 'triage.IssueKind' && quality[0].classifications === texts.length &&
    quality[0].learned === texts.length, 'insights count what happened: ' + JSON.stringify(quality));

  step = 'the overview links to the triage quality page';
  const triagePage = await context.newPage();
  triagePage.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  triagePage.on('pageerror', (e) => problems.push('page error: ' + e.message));
  await triagePage.goto(triageBase + '/');
  await signIn(triagePage, CLERK, 'cy');
  await triagePage.click('a[data-field=triage]', { timeout: 15000 });

  step = 'the triage quality page shows the figures insights counted';
  const q = quality[0];
  const qcard = triagePage.locator(`section.triage[data-classifier="${q.classifier}"][data-model="${q.model}"]`);
  await qcard.waitFor({ timeout: 15000 });
  const value = async (field) => (await qcard.locator(`[data-field=${field}] .value`).innerText()).trim();
  check(await value('classifications') === int(q.classifications), `classifications: ${await value('classifications')}, insights ${q.classifications}`);
  check(await value('coverage') === pct(q.coverage), `coverage: ${await value('coverage')}, insights ${q.coverage}`);
  check(await value('agreement') === pct(q.agreement), `agreement: ${await value('agreement')}, insights ${q.agreement}`);
  const sub = await qcard.locator('[data-field=classifications] .sub').innerText();
  check(sub.includes(`${q.labelled} labelled`) && sub.includes(`${q.below_threshold} below threshold`), 'the outcomes: ' + sub);
  for (const [label, l] of Object.entries(q.labels)) {
    const cells = await qcard.locator(`tr[data-label="${label}"] td`).allInnerTexts();
    const want = [label, int(l.predicted), int(l.learned), int(l.agreed), pct(l.learned ? l.agreed / l.learned : null)];
    check(JSON.stringify(cells.map((c) => c.trim())) === JSON.stringify(want), `the row of ${label}: ${JSON.stringify(cells)}, want ${JSON.stringify(want)}`);
  }
  check(await qcard.locator('tbody tr').count() === Object.keys(q.labels).length, 'one row per label');
  const drawn = await triagePage.evaluate(() => {
    const chart = Chart.getChart(document.querySelector('section.triage canvas'));
    return chart ? { labels: chart.data.labels, predicted: chart.data.datasets[0].data } : null;
  });
  check(drawn && JSON.stringify(drawn.labels) === JSON.stringify(Object.keys(q.labels)) &&
    JSON.stringify(drawn.predicted) === JSON.stringify(Object.values(q.labels).map((l) => l.predicted)),
  'the chart shows the labels\' predictions: ' + JSON.stringify(drawn));
  await triagePage.screenshot({ path: join(artifacts, 'dashboard-triage.png'), fullPage: true });

  step = 'an instance page shows what its workflow tracks and measures';
  let shown = {};
  for (let i = 0; i < 100 && shown.status !== 'Completed'; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 100));
    shown = (await api(triageBase, 'GET', '/v1/instances/' + triaged[0], undefined, CLERK)).body;
  }
  check(shown.status === 'Completed' && JSON.stringify(shown.tracked) === JSON.stringify({ store: 'S-0000' }) &&
    shown.measures.issues && shown.measures.issues.text === '1' && shown.measures.handling_cost &&
    shown.measures.handling_cost.text === '12.50 EUR', 'the API\'s figures: ' + JSON.stringify(shown));
  await triagePage.goto(`${triageBase}/#/instances/${encodeURIComponent(triaged[0])}`);
  await triagePage.waitForSelector('#instance-figures [data-measure=handling_cost]', { timeout: 15000 });
  const figure = async (attr, name) => (await triagePage.locator(`#instance-figures [${attr}="${name}"]`).innerText()).trim();
  for (const [name, value] of Object.entries(shown.tracked)) {
    check(await figure('data-tracked', name) === value, `tracked ${name}: ${await figure('data-tracked', name)}, the API ${value}`);
  }
  for (const [name, m] of Object.entries(shown.measures)) {
    check(await figure('data-measure', name) === m.text, `measure ${name}: ${await figure('data-measure', name)}, the API ${m.text}`);
  }
  await triagePage.screenshot({ path: join(artifacts, 'dashboard-instance-figures.png'), fullPage: true });

  step = 'no script errors or CSP violations';
  check(problems.length === 0, problems.join('\n'));

  console.log(`dashboard test: passed; screenshots in ${artifacts}`);
  console.log('1 passed, 0 failed');
} catch (e) {
  console.error(`dashboard test: failed at "${step}": ${e.message}`);
  if (browser) {
    try {
      const pages = browser.contexts().flatMap((c) => c.pages());
      if (pages.length) await pages[0].screenshot({ path: join(artifacts, 'dashboard-failure.png'), fullPage: true });
    } catch (_) { /* the screenshot is a bonus */ }
  }
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
} finally {
  if (browser) await browser.close().catch(() => {});
  for (const proc of [server, triageServer]) {
    if (proc && proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => { proc.on('exit', r); setTimeout(r, 5000); });
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
