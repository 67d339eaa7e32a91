// dashboard.mjs — the dashboard's web UI as a user sees it, in Debian's Chromium
// driven by playwright-core, against a real head (DASH_URL) with workers that
// have run tasks. Every check compares what the page shows with what the API
// answers at the same time. Screenshots of each page go to $ARTIFACTS.
//
//   DASH_URL=http://127.0.0.1:8265 ARTIFACTS=dir [LOAD_ENTRYPOINT=cmd] node dashboard.mjs
//
// Prints one line per failed check and "N passed, N failed"; exits 1 on any
// failure, 2 when the whole run exceeds its time limit ($UI_TEST_TIMEOUT_S, 200).
import {mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {chromium} from 'playwright-core';

const BASE = (process.env.DASH_URL || '').replace(/\/$/, '');
const ART = process.env.ARTIFACTS || 'artifacts';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const LIMIT_S = Number(process.env.UI_TEST_TIMEOUT_S || 200);
// A job entrypoint that runs tasks for a few seconds (optional): the Overview is
// watched while it runs.
const LOAD = process.env.LOAD_ENTRYPOINT || '';
if (!BASE) {
  console.error('dashboard.mjs: set DASH_URL to the head\'s dashboard (http://127.0.0.1:8265)');
  process.exit(2);
}
mkdirSync(ART, {recursive: true});

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}${detail === undefined ? '' : `\n  ${detail}`}`);
  }
  return ok;
}
const eq = (name, want, got) => check(name, want === got, `expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);

async function api(path, init) {
  const res = await fetch(BASE + path, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}: ${text}`);
  return JSON.parse(text);
}
const stateApi = async (resource, query) => (await api(`/api/v0/${resource}?${query}`)).data.result;

// Polls fn until it returns a truthy value; the last value (possibly falsy) after ms.
async function until(fn, ms = 10000, every = 200) {
  const end = Date.now() + ms;
  let v;
  for (;;) {
    try {
      v = await fn();
    } catch (e) {
      v = undefined;
    }
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, every));
  }
}

let browser = null;
const watchdog = setTimeout(async () => {
  console.log(`FAIL the browser test did not finish within ${LIMIT_S} s`);
  if (browser) await Promise.race([browser.close(), new Promise((r) => setTimeout(r, 3000))]);
  process.exit(2);
}, LIMIT_S * 1000);

const pageErrors = [];
async function shot(page, name) {
  await page.screenshot({path: join(ART, `${name}.png`), fullPage: true});
}
const text = (page, sel) => page.locator(sel).first().textContent({timeout: 5000});
// Goes to a page through the nav, as a user does (from the dashboard's first
// page when an earlier section failed before loading it).
async function navTo(page, route) {
  if (!page.url().startsWith(BASE)) await page.goto(`${BASE}/`);
  await page.click(`nav a[data-route="${route}"]`);
}
const ready = (page, name) => page.waitForSelector(`body[data-ready="${name}"]`, {timeout: 15000});

async function overview(page) {
  const status = (await api('/api/cluster_status')).data;
  const t0 = Date.now();
  await page.goto(`${BASE}/`);
  await ready(page, 'overview');
  console.log(`     overview ready in ${Date.now() - t0} ms`);
  const alive = Number((await text(page, '[data-stat="nodes-ALIVE"] .n')).replace(/\D/g, ''));
  eq('overview: ALIVE nodes as /api/cluster_status says', status.cluster.nodes.alive, alive);
  check('overview: at least the two workers are ALIVE', alive >= 2, `ALIVE ${alive}`);
  const bars = await page.locator('.bar-row[data-resource]').count();
  eq('overview: one resource bar per resource', Object.keys(status.cluster.resources_total).length, bars);
  const cpu = await text(page, '.bar-row[data-resource="CPU"] .bar-val');
  const cpuTotal = Number((cpu.match(/\/ ([\d,.]+) used$/) || [])[1]?.replaceAll(',', ''));
  eq('overview: CPU bar shows used / total CPUs', status.cluster.resources_total.CPU, cpuTotal);
  const fin = Number((await text(page, '[data-stat="tasks-FINISHED"] .n')).replace(/\D/g, ''));
  check('overview: FINISHED tasks counted', fin > 0 && fin >= status.tasks.FINISHED, `page ${fin}, API ${status.tasks.FINISHED}`);
  const jobsOk = Number((await text(page, '[data-stat="jobs-SUCCEEDED"] .n')).replace(/\D/g, ''));
  check('overview: the finished job counted as SUCCEEDED', jobsOk >= 1, `SUCCEEDED ${jobsOk}`);
  // Two polls later the throughput chart has a rate to show.
  const rate = await until(async () => (await text(page, '[data-stat="throughput"]')).match(/tasks\/s/), 6000);
  check('overview: throughput rate shown', !!rate);
  if (LOAD) {
    // Tasks run while the page is open: counts and rate move without a reload.
    await api('/api/jobs/', {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({entrypoint: LOAD, submission_id: `ui_load_${Date.now()}`}),
    });
    const busy = await until(async () => {
      const r = Number((await text(page, '[data-stat="throughput"]')).replace(/[^\d.]/g, ''));
      return r > 0 ? r : null;
    }, 30000);
    check('overview: throughput above 0 while tasks run', !!busy, `rate ${busy}`);
    const more = Number((await text(page, '[data-stat="tasks-FINISHED"] .n')).replace(/\D/g, ''));
    check('overview: FINISHED count grows live', more > fin, `${fin} then ${more}`);
    await until(async () => (await api('/api/cluster_status')).data.jobs.RUNNING === 0, 60000, 500);
    await page.waitForTimeout(1500);
  }
  const drawn = await page.evaluate(() => {
    const c = document.querySelector('canvas.chart');
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < px.length; i += 4) if (px[i]) return c.width > 100;
    return false;
  });
  check('overview: throughput chart drawn', drawn);
  await shot(page, 'overview');
}

async function nodes(page) {
  const api_ = await stateApi('nodes', 'limit=10000');
  await navTo(page, 'nodes');
  await ready(page, 'nodes');
  const rows = await page.$$eval('#nodes-table tbody tr', (trs) =>
    trs.map((tr) => ({id: tr.dataset.nodeId, cells: [...tr.cells].map((td) => td.textContent)})));
  eq('nodes: one row per node of /api/v0/nodes', api_.total, rows.length);
  const workers = api_.result.filter((n) => !n.is_head_node);
  check('nodes: two workers registered', workers.length >= 2, `${workers.length} workers`);
  for (const w of workers) {
    const r = rows.find((x) => x.id === w.node_id);
    check(`nodes: worker ${w.node_id.slice(0, 12)} listed`, !!r);
    if (!r) continue;
    check(`nodes: worker ${w.node_id.slice(0, 12)} shows its id, ip and state`,
      r.cells[0].startsWith(w.node_id.slice(0, 12)) && r.cells[1] === w.node_ip && r.cells[4] === w.state,
      JSON.stringify(r.cells));
    check(`nodes: worker ${w.node_id.slice(0, 12)} shows its CPUs`,
      r.cells[5].endsWith(`/ ${w.resources_total.CPU}`), r.cells[5]);
  }
  await shot(page, 'nodes');
}

async function tasks(page) {
  const all = await stateApi('tasks', 'limit=1');
  await navTo(page, 'tasks');
  await ready(page, 'tasks');
  // The count shown (null while the list loads) and the states of the rows shown.
  const count = async () => {
    const c = await page.getAttribute('#tasks-count', 'data-count');
    return c === null ? null : Number(c);
  };
  const rowStates = () => page.$$eval('.vrows .vrow', (rs) => [...new Set(rs.map((r) => r.dataset.state || '?'))]);
  eq('tasks: count shown = num_filtered', all.num_filtered, await count());
  const domRows = await page.locator('.vrows .vrow[data-task-id]').count();
  check('tasks: rows shown', domRows > 0, `${domRows} rows`);
  if (all.num_filtered > 100) {
    check('tasks: only the rows in view exist (virtualised)', domRows < all.num_filtered,
      `${domRows} rows in the DOM for ${all.num_filtered}`);
  }
  eq('tasks: newest task first', all.result[0].task_id,
    await page.getAttribute('.vrows .vrow[data-task-id] >> nth=0', 'data-task-id'));
  // Scrolled to the end, the last page is fetched and shows the oldest task.
  const last = (await stateApi('tasks', `limit=1&offset=${all.num_filtered - 1}`)).result[0];
  await page.$eval('#tasks-scroll', (s) => (s.scrollTop = s.scrollHeight));
  const seen = await until(() => page.locator(`.vrow[data-task-id="${last.task_id}"]`).count(), 8000);
  check('tasks: scrolling to the end shows the oldest task', seen > 0);
  await shot(page, 'tasks');

  // Filter by state: the count follows the API; every row has that state.
  const filtered = async (q) =>
    (await stateApi('tasks', `limit=1&${q}`)).num_filtered;
  const counts = [];
  for (const s of ['FINISHED', 'FAILED', 'RUNNING']) {
    const want = await filtered(`filter_keys=state&filter_predicates=%3D&filter_values=${s}`);
    counts.push(want);
    await page.selectOption('#f-state', s);
    // Settled: the count is the API's and every row shown has its data.
    const shown = (states) => (want === 0 ? states.length === 0 : states.length > 0 && !states.includes('?'));
    await until(async () => (await count()) === want && shown(await rowStates()), 8000);
    eq(`tasks: state=${s} count as the API says`, want, await count());
    const states = await rowStates();
    check(`tasks: state=${s} rows all ${s}`, want === 0 ? states.length === 0 : states.join() === s, states.join());
    if (want === 0) check(`tasks: state=${s} says nothing matches`, await page.isVisible('.vtable .empty'));
    if (s === 'FINISHED') {
      check('tasks: filter kept in the URL', (await page.evaluate(() => location.hash)) === '#/tasks?state=FINISHED');
      await shot(page, 'tasks-filtered');
    }
  }
  check('tasks: a state filter changed the count shown', counts.some((n) => n !== all.num_filtered),
    `${counts} of ${all.num_filtered}`);
  // By name: exact match, as the State API filters.
  const name = all.result[0].name;
  const wantName = await filtered(`filter_keys=name&filter_predicates=%3D&filter_values=${encodeURIComponent(name)}`);
  await page.selectOption('#f-state', '');
  await page.fill('#f-name', name);
  await page.press('#f-name', 'Enter');
  const gotName = await until(async () => ((await count()) === wantName ? wantName : null), 8000);
  eq(`tasks: name=${name} count as the API says`, wantName, gotName === null ? await count() : gotName);
  // A job id that no task has: no rows.
  await page.fill('#f-job', 'ffffffff');
  await page.press('#f-job', 'Enter');
  check('tasks: unknown job id shows no rows', !!(await until(async () => (await count()) === 0, 8000)));
  await page.click('.filters button');
  const back = await until(async () => (await count()) >= all.num_filtered, 8000);
  check('tasks: Clear shows every task again', !!back);
}

async function jobs(page) {
  const sid = `ui_live_${Date.now()}`;
  const entrypoint = 'for i in 1 2 3 4 5; do echo line$i; sleep 2; done; sleep 60';
  await api('/api/jobs/', {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({entrypoint, submission_id: sid}),
  });
  await navTo(page, 'jobs');
  await ready(page, 'jobs');
  const row = page.locator(`#jobs-table tr[data-id="${sid}"]`);
  await row.waitFor({timeout: 10000});
  const listed = await api('/api/jobs/');
  eq('jobs: one row per job of /api/jobs/', listed.length, await page.locator('#jobs-table tbody tr').count());
  check('jobs: the new job shows as running', /^(PENDING|RUNNING)$/.test(await row.locator('.badge').textContent()));
  eq('jobs: its entrypoint is shown as text', entrypoint, await row.locator('td').nth(3).textContent());
  const mc = listed.find((j) => /rayc-example-montecarlo/.test(j.entrypoint));
  if (check('jobs: the Monte-Carlo job is listed by the API', !!mc)) {
    eq('jobs: the Monte-Carlo job shows SUCCEEDED',
      'SUCCEEDED', await page.locator(`#jobs-table tr[data-id="${mc.submission_id}"] .badge`).textContent());
  }
  await shot(page, 'jobs');

  // Its page: the log streams in while the job runs.
  await row.locator('a').click();
  await page.waitForSelector('body[data-ready="job"]', {timeout: 10000});
  eq('job: URL of its page', `#/jobs/${sid}`, await page.evaluate(() => location.hash));
  const first = await until(async () => {
    const t = await text(page, '#job-log');
    return /line\d/.test(t) ? t : null;
  }, 15000, 100);
  check('job: log lines arrive', !!first);
  check('job: first lines shown before the job wrote them all (live)', !!first && !first.includes('line5'), first);
  const full = await until(async () => {
    const t = await text(page, '#job-log');
    return t.includes('line5') ? t : null;
  }, 20000);
  check('job: later lines appended without reload', !!full && /line1\nline2\nline3\nline4\nline5/.test(full), full);
  check('job: Stop button shown while it runs', await page.isVisible('#job-stop'));
  await shot(page, 'job-log');

  await page.click('#job-stop');
  const stopped = await until(() => page.locator('h2 [data-status="STOPPED"]').count(), 15000);
  check('job: STOPPED after Stop', stopped > 0);
  eq('job: the API agrees', 'STOPPED', (await api(`/api/jobs/${sid}`)).status);
  check('job: Stop button gone once finished', !!(await until(async () => !(await page.isVisible('#job-stop')), 5000)));
  await shot(page, 'job-stopped');
}

async function errors(page) {
  await page.goto(`${BASE}/#/jobs/no_such_job`);
  const banner = await until(async () => ((await page.isVisible('#banner')) ? text(page, '#banner') : null), 8000);
  check('errors: an unknown job shows a banner with the head\'s message', !!banner && /404/.test(banner) &&
    /no_such_job/.test(banner), banner);
  await shot(page, 'error');
}

let exitCode = 1;
try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({viewport: {width: 1400, height: 900}});
  page.setDefaultTimeout(15000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  for (const [name, fn] of [['overview', overview], ['nodes', nodes], ['tasks', tasks], ['jobs', jobs], ['errors', errors]]) {
    try {
      await fn(page);
    } catch (e) {
      check(`${name}: ran to the end`, false, e.stack);
      await shot(page, `${name}-failure`).catch(() => {});
    }
  }
  eq('no uncaught script error on any page', '', pageErrors.join('\n'));
  exitCode = failed ? 1 : 0;
} catch (e) {
  check('browser started', false, e.stack);
} finally {
  if (browser) await browser.close();
  clearTimeout(watchdog);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(exitCode);
