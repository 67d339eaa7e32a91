// nodes.js — the Nodes page: every node the head knows (/api/v0/nodes,
// detail, up to 10,000) in registration order. With 1,000 nodes a refresh
// rebuilds only the rows whose data changed: each row is kept with a signature
// of its fields and reused when the signature is the same.
import {NODE_STATES, badge, fmtAmount, fmtNum, fmtTime, h, sortResources, stateList} from './util.js';

const avTot = (name, n) => {
  const t = (n.resources_total || {})[name];
  if (t === undefined) return '—';
  const a = (n.resources_available || {})[name];
  return `${fmtAmount(name, a ?? 0)} / ${fmtAmount(name, t)}`;
};

function otherResources(n) {
  const names = sortResources(Object.keys(n.resources_total || {}))
    .filter((r) => r !== 'CPU' && r !== 'memory');
  return names.map((r) => `${r} ${avTot(r, n)}`).join(', ');
}

function row(n) {
  return h('tr', {dataset: {nodeId: n.node_id}},
    h('td.mono', {title: n.node_id}, n.node_id ? n.node_id.slice(0, 12) : '—',
      n.is_head_node ? h('span.tag', {}, 'head') : null),
    h('td.mono', {}, n.node_ip || '—'),
    h('td', {}, n.node_name || n.hostname || '—'),
    h('td', {}, n.group || '—'),
    h('td', {title: n.state_message || ''}, badge(n.state)),
    h('td.num', {}, avTot('CPU', n)),
    h('td.num', {}, avTot('memory', n)),
    h('td.clip', {title: otherResources(n)}, otherResources(n)),
    h('td', {}, fmtTime(n.start_time_ms)));
}

export function nodesPage() {
  const summary = h('span.muted', {}, '');
  const tbody = h('tbody');
  const warn = h('p.note', {hidden: true});
  const el = h('section.card', {},
    h('h2', {}, 'Nodes ', summary),
    warn,
    h('div.table-wrap', {}, h('table.list', {id: 'nodes-table'},
      h('thead', {}, h('tr', {},
        ['Node ID', 'IP', 'Host', 'Group', 'State', 'CPU (avail / total)', 'Memory (avail / total)',
          'Other resources', 'Started'].map((c) => h('th', {}, c)))),
      tbody)));
  let rows = new Map(); // node_id → {sig, tr}

  return {
    el,
    interval: 2000,
    async refresh() {
      const r = await stateList('nodes', {detail: 'true', limit: 10000});
      const counts = Object.fromEntries(NODE_STATES.map((s) => [s, 0]));
      const next = new Map();
      const trs = r.result.map((n) => {
        counts[n.state] = (counts[n.state] || 0) + 1;
        const sig = JSON.stringify([n.state, n.state_message, n.resources_available, n.resources_total,
          n.node_ip, n.node_name, n.group, n.start_time_ms]);
        const old = rows.get(n.node_id);
        const tr = old && old.sig === sig ? old.tr : row(n);
        next.set(n.node_id, {sig, tr});
        return tr;
      });
      rows = next;
      summary.textContent = `(${fmtNum(r.result.length)}: ` +
        NODE_STATES.map((s) => `${fmtNum(counts[s])} ${s.toLowerCase()}`).join(', ') + ')';
      const extra = r.total > r.result.length ? `Showing ${fmtNum(r.result.length)} of ${fmtNum(r.total)} nodes.` : '';
      warn.textContent = [extra, ...(r.warnings || [])].filter(Boolean).join(' ');
      warn.hidden = !warn.textContent;
      // Skip the DOM work when nothing changed (the usual case between two polls).
      const same = trs.length === tbody.children.length && trs.every((tr, i) => tbody.children[i] === tr);
      if (!same) tbody.replaceChildren(...trs);
      document.body.dataset.ready = 'nodes';
    },
  };
}
