// overview.js — the Overview page, drawn from /api/cluster_status alone (one
// request, so the first paint waits on nothing else): nodes per group and
// state, resource bars, task counts by state, jobs by status, and the task
// throughput of the last two minutes. Sets document.body.dataset.ready =
// "overview" once real data is on screen (the load benchmark waits for it).
import {drawLineChart} from './chart.js';
import {
  JOB_STATUSES, NODE_STATES, TASK_STATES, fetchJSON, fmtAmount, fmtNum, h, sortResources,
} from './util.js';

const WINDOW_MS = 120 * 1000;

// Samples of (head time, finished + failed + cancelled) and the rates between
// them; kept across visits to the page so the chart does not start empty.
const history = {last: null, rates: []};

function sample(time, tasks) {
  const done = (tasks.FINISHED || 0) + (tasks.FAILED || 0) + (tasks.CANCELLED || 0);
  const prev = history.last;
  history.last = {t: time, done};
  // A gap (hidden tab) or a head restart (counts went down) starts a new series.
  if (prev && time > prev.t && time - prev.t < 10000 && done >= prev.done) {
    history.rates.push({t: time, v: ((done - prev.done) * 1000) / (time - prev.t)});
  }
  while (history.rates.length && history.rates[0].t < time - WINDOW_MS - 5000) history.rates.shift();
}

const stat = (key, n, label, href) =>
  h(href ? 'a.stat' : 'div.stat', {href, dataset: {stat: key}}, h('span.n', fmtNum(n)), h('span.l', label));

function nodesCard(c) {
  const nodes = c.nodes || {};
  const groups = Object.entries(c.groups || {});
  return [
    h('h2', {}, 'Nodes'),
    h('div.stats', {}, NODE_STATES.map((s) => stat(`nodes-${s}`, nodes[s.toLowerCase()] || 0, s, '#/nodes'))),
    groups.length
      ? h('table.compact', {},
          h('thead', {}, h('tr', {}, h('th', {}, 'group'), NODE_STATES.map((s) => h('th.num', {}, s)))),
          h('tbody', {}, groups.map(([g, n]) =>
            h('tr', {dataset: {group: g}}, h('td', {}, g),
              NODE_STATES.map((s) => h('td.num', {}, fmtNum(n[s.toLowerCase()] || 0)))))))
      : h('p.muted', {}, 'No node has registered yet.'),
  ];
}

function resourcesCard(c) {
  const total = c.resources_total || {};
  const avail = c.resources_available || {};
  const names = sortResources(Object.keys(total));
  return [
    h('h2', {}, 'Resources'),
    names.length
      ? h('div.bars', {}, names.map((r) => {
          const t = total[r] || 0;
          const used = Math.max(0, t - (avail[r] ?? t));
          const pct = t > 0 ? Math.min(100, (used / t) * 100) : 0;
          return h('div.bar-row', {dataset: {resource: r}},
            h('span.bar-name', {}, r),
            h('div.bar', {role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': t, 'aria-valuenow': used},
              h(`div.fill${pct >= 90 ? '.hot' : ''}`, {style: {width: `${pct}%`}})),
            h('span.bar-val', {}, `${fmtAmount(r, used)} / ${fmtAmount(r, t)} used`));
        }))
      : h('p.muted', {}, 'No resources: no node is alive.'),
    pendingNote(c),
  ];
}

function pendingNote(c) {
  const count = (l) => (Array.isArray(l) ? l.reduce((a, d) => a + (d.count || 0), 0) : 0);
  const infeasible = count(c.infeasible_demand);
  const pending = count(c.pending_demand);
  if (!infeasible && !pending) return null;
  return h('p.note', {dataset: {stat: 'demand'}},
    pending ? `${fmtNum(pending)} tasks wait for resources. ` : '',
    infeasible ? `${fmtNum(infeasible)} tasks fit no node (infeasible).` : '');
}

function tasksCard(t) {
  return [
    h('h2', {}, 'Tasks'),
    h('div.stats', {}, TASK_STATES.map((s) =>
      stat(`tasks-${s}`, t[s] || 0, s.replaceAll('_', ' '), `#/tasks?state=${s}`))),
    t.submitted !== undefined
      ? h('p.muted', {}, `${fmtNum(t.submitted)} submitted since the head started` +
          (t.retries ? `, ${fmtNum(t.retries)} retries` : ''))
      : null,
  ];
}

function jobsCard(j) {
  return [
    h('h2', {}, 'Jobs'),
    h('div.stats', {}, JOB_STATUSES.map((s) => stat(`jobs-${s}`, j[s] || 0, s, '#/jobs'))),
  ];
}

export function overviewPage() {
  const cards = {
    nodes: h('section.card', {id: 'ov-nodes'}, h('h2', {}, 'Nodes'), h('p.muted', {}, 'Loading…')),
    resources: h('section.card', {id: 'ov-resources'}),
    tasks: h('section.card', {id: 'ov-tasks'}),
    jobs: h('section.card', {id: 'ov-jobs'}),
  };
  const rate = h('span.rate', {dataset: {stat: 'throughput'}}, '');
  const canvas = h('canvas.chart', {'aria-label': 'tasks per second, last two minutes'});
  const chart = h('section.card.wide', {id: 'ov-throughput'},
    h('h2', {}, 'Throughput ', h('span.muted', {}, '(finished + failed + cancelled tasks/s, last 2 min)'), rate),
    canvas);
  const el = h('div.grid', {}, cards.nodes, cards.resources, cards.tasks, cards.jobs, chart);

  const draw = () => {
    const to = history.last ? history.last.t : Date.now();
    drawLineChart(canvas, history.rates, {from: to - WINDOW_MS, to});
  };
  const ro = new ResizeObserver(draw);
  ro.observe(canvas);

  return {
    el,
    interval: 1000,
    async refresh() {
      const {data} = await fetchJSON('api/cluster_status');
      const c = data.cluster || {};
      const tasks = data.tasks || {};
      sample(data.time_ms || Date.now(), tasks);
      cards.nodes.replaceChildren(...nodesCard(c));
      cards.resources.replaceChildren(...resourcesCard(c).filter(Boolean));
      cards.tasks.replaceChildren(...tasksCard(tasks).filter(Boolean));
      cards.jobs.replaceChildren(...jobsCard(data.jobs || {}));
      const last = history.rates[history.rates.length - 1];
      rate.textContent = last ? `${fmtNum(last.v)} tasks/s` : '';
      draw();
      document.body.dataset.ready = 'overview';
    },
    destroy() {
      ro.disconnect();
    },
  };
}
