// app.js — the dashboard's shell: hash routes, the top nav, and one polling loop
// for the page on screen. A page is an object {el, refresh(), destroy?(),
// interval}: the loop calls refresh() (which fetches and re-renders), waits for
// it, then sleeps `interval` ms; it stops while the tab is hidden and on a route
// change. A refresh that throws shows its message in the banner; the page keeps
// its last data until a later refresh succeeds.
import {clearError, showError} from './util.js';
import {overviewPage} from './overview.js';
import {jobsPage, jobPage} from './jobs.js';
import {nodesPage} from './nodes.js';
import {tasksPage} from './tasks.js';

const ROUTES = [
  [/^$|^overview$/, 'overview', () => overviewPage()],
  [/^jobs$/, 'jobs', () => jobsPage()],
  [/^jobs\/(.+)$/, 'jobs', (m) => jobPage(decodeURIComponent(m[1]))],
  [/^nodes$/, 'nodes', () => nodesPage()],
  [/^tasks$/, 'tasks', () => tasksPage()],
];

let page = null;
let loop = 0; // the running loop's number; a loop whose number is stale stops
let timer = 0;

function route() {
  const path = location.hash.replace(/^#\/?/, '').split('?')[0];
  for (const [re, nav, make] of ROUTES) {
    const m = path.match(re);
    if (m) return {nav, make: () => make(m)};
  }
  return null;
}

function show() {
  stop();
  if (page && page.destroy) page.destroy();
  page = null;
  clearError();
  delete document.body.dataset.ready;
  const main = document.getElementById('main');
  const r = route();
  for (const a of document.querySelectorAll('header nav a')) {
    a.classList.toggle('active', !!r && a.dataset.route === r.nav);
  }
  if (!r) {
    main.replaceChildren();
    showError(`No page at ${location.hash}; see the links above.`);
    return;
  }
  page = r.make();
  main.replaceChildren(page.el);
  start();
}

function stop() {
  loop++;
  clearTimeout(timer);
}

function start() {
  stop();
  if (!document.hidden && page) tick(loop, page);
}

async function tick(me, p) {
  try {
    await p.refresh();
    if (me === loop) clearError();
  } catch (e) {
    if (me === loop) showError(e.message);
  }
  if (me === loop) timer = setTimeout(() => tick(me, p), p.interval || 2000);
}

// A page can ask for an immediate refresh (after a filter change or an action).
addEventListener('rc-refresh', start);
// Pages that keep their filters in the URL change it with history.replaceState,
// which fires no hashchange: every hashchange is a new page.
addEventListener('hashchange', show);
document.addEventListener('visibilitychange', () => (document.hidden ? stop() : start()));
show();
