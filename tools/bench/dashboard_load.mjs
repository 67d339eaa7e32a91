// dashboard_load.mjs — how long the dashboard's pages take to show real data in
// Debian's Chromium (driven by playwright-core from tests/browser/node_modules).
//
//   node tools/bench/dashboard_load.mjs http://127.0.0.1:8265 [runs]
//
// Each run opens a fresh browser context (empty cache) and measures, inside the
// page, the time from navigation start until the page marks itself ready
// (document.body.dataset.ready, set by dashboard/web once real data is shown).
// Prints one JSON object: {"overview_ms": [...], "nodes_ms": [...], "tasks_ms": [...]}.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../tests/browser/package.json'));
const { chromium } = require('playwright-core');

const base = process.argv[2];
const runs = Number(process.argv[3] || 5);
if (!base) {
  console.error('usage: node dashboard_load.mjs DASHBOARD_URL [runs]');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const pages = { overview_ms: ['#/', 'overview'], nodes_ms: ['#/nodes', 'nodes'],
                tasks_ms: ['#/tasks', 'tasks'] };
const out = {};
try {
  for (const [key, [hash, mark]] of Object.entries(pages)) {
    out[key] = [];
    for (let i = 0; i < runs; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await ctx.newPage();
      await page.goto(`${base}/${hash}`);
      const ms = await page.waitForFunction(
        (m) => document.body.dataset.ready === m && performance.now(), mark, { timeout: 30000 });
      out[key].push(Math.round(await ms.jsonValue()));
      await ctx.close();
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
