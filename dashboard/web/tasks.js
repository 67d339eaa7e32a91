// tasks.js — the Tasks page: per-state counts (/api/v0/tasks/summarize), filters
// (state, name, job id, kept in the URL) and a virtualised list of the matching
// tasks. Only the rows in view (plus a margin) exist in the DOM, placed
// absolutely over a spacer as tall as all `num_filtered` rows; their data comes
// in pages of 100 fetched with limit/offset when scrolled into view. A poll
// refetches the pages in view and forgets the others (the list moves as tasks
// arrive: newest first).
import {TASK_STATES, badge, fmtNum, h, hashParams, shortId, stateList, fetchJSON} from './util.js';

const ROW_H = 28; // px; the same as --row-h in style.css
const PAGE = 100;
const OVERSCAN = 10; // rows rendered above and below the view

const COLUMNS = ['Task ID', 'Name', 'State', 'Job ID', 'Node', 'Attempt', 'Error'];

function cells(t) {
  return [
    h('div.mono', {title: t.task_id}, shortId(t.task_id, 16)),
    h('div.clip', {title: t.func_or_class_name || t.name || ''}, t.name || t.func_or_class_name || ''),
    h('div', {}, badge(t.state)),
    h('div.mono', {}, t.job_id || '—'),
    h('div.mono', {title: t.node_id || ''}, shortId(t.node_id, 12)),
    h('div.num', {}, String(t.attempt_number ?? 0)),
    h('div.clip', {title: t.error_type || ''}, t.error_type || ''),
  ];
}

export function tasksPage() {
  const q = hashParams();
  const filters = {state: (q.get('state') || '').toUpperCase(), name: q.get('name') || '', job_id: q.get('job_id') || ''};

  const chips = h('div.chips', {id: 'task-states'});
  const stateSel = h('select', {id: 'f-state', onchange: () => setFilter('state', stateSel.value)},
    h('option', {value: ''}, 'any'), TASK_STATES.map((s) => h('option', {value: s}, s)));
  stateSel.value = filters.state;
  const textInput = (id, key, placeholder) => {
    const inp = h('input', {id, type: 'search', placeholder, value: filters[key], spellcheck: 'false'});
    let t = 0;
    inp.addEventListener('input', () => {
      clearTimeout(t);
      t = setTimeout(() => setFilter(key, inp.value.trim()), 300);
    });
    inp.addEventListener('change', () => {
      clearTimeout(t);
      setFilter(key, inp.value.trim());
    });
    return inp;
  };
  const nameIn = textInput('f-name', 'name', 'exact name');
  const jobIn = textInput('f-job', 'job_id', 'hex job id');
  const clearBtn = h('button', {type: 'button', onclick: () => {
    stateSel.value = nameIn.value = jobIn.value = '';
    Object.assign(filters, {state: '', name: '', job_id: ''});
    filtersChanged();
  }}, 'Clear');
  const form = h('form.filters', {onsubmit: (e) => e.preventDefault()},
    h('label', {}, 'State ', stateSel), h('label', {}, 'Name ', nameIn), h('label', {}, 'Job ID ', jobIn), clearBtn);

  const countLine = h('p.muted', {id: 'tasks-count'}, 'Loading…');
  const warn = h('p.note', {hidden: true});
  const spacer = h('div.vspacer');
  const rowsLayer = h('div.vrows');
  const scroller = h('div.vscroll', {id: 'tasks-scroll', onscroll: () => schedule()}, spacer, rowsLayer);
  const empty = h('p.muted.empty', {hidden: true}, 'No task matches these filters.');
  const el = h('section.card', {},
    h('h2', {}, 'Tasks'), chips, form, countLine, warn,
    h('div.vtable', {id: 'tasks-table', role: 'table'},
      h('div.vrow.vhead', {role: 'row'}, COLUMNS.map((c) => h('div', {role: 'columnheader'}, c))),
      scroller, empty));

  let gen = 0; // bumped when the filters change: answers for older filters are dropped
  let count = null; // num_filtered, once known
  let pages = new Map(); // page number → rows
  const inflight = new Set();
  let frame = 0;

  const filterList = () => [
    filters.state && ['state', '=', filters.state],
    filters.name && ['name', '=', filters.name],
    filters.job_id && ['job_id', '=', filters.job_id],
  ].filter(Boolean);

  const fetchPage = (p) => stateList('tasks', {limit: PAGE, offset: p * PAGE}, filterList());

  function setFilter(key, value) {
    if (filters[key] === value) return;
    filters[key] = value;
    filtersChanged();
  }

  function filtersChanged() {
    const p = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
    history.replaceState(null, '', `#/tasks${p.size ? `?${p}` : ''}`);
    gen++;
    pages = new Map();
    count = null;
    scroller.scrollTop = 0;
    countLine.textContent = 'Loading…';
    delete countLine.dataset.count;
    render();
    dispatchEvent(new Event('rc-refresh'));
  }

  function visibleRange() {
    const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_H) - OVERSCAN);
    const last = Math.floor((scroller.scrollTop + scroller.clientHeight) / ROW_H) + OVERSCAN;
    return [first, count === null ? last : Math.min(last, count)];
  }

  function visiblePages() {
    const [first, last] = visibleRange();
    const out = [];
    for (let p = Math.floor(first / PAGE); p <= Math.floor(Math.max(first, last - 1) / PAGE); p++) out.push(p);
    return out;
  }

  function setMeta(r) {
    count = r.num_filtered;
    const f = filterList().length;
    countLine.textContent = `${fmtNum(count)} ${f ? 'matching' : ''} tasks` +
      ` (the head holds ${fmtNum(r.num_after_truncation)} records; ${fmtNum(r.total)} tasks since it started)`;
    countLine.dataset.count = String(count);
    warn.textContent = (r.warnings || []).join(' ');
    warn.hidden = !warn.textContent;
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(render);
  }

  function render() {
    frame = 0;
    spacer.style.height = `${(count || 0) * ROW_H}px`;
    empty.hidden = count !== 0;
    if (!count) {
      rowsLayer.replaceChildren();
      return;
    }
    const [first, last] = visibleRange();
    const out = [];
    for (let i = first; i < last; i++) {
      const t = (pages.get(Math.floor(i / PAGE)) || [])[i % PAGE];
      out.push(h('div.vrow', {role: 'row', style: {top: `${i * ROW_H}px`}, dataset: t ? {taskId: t.task_id, state: t.state} : {}},
        t ? cells(t) : h('div.muted', {}, '…')));
      if (!t) load(Math.floor(i / PAGE));
    }
    rowsLayer.replaceChildren(...out);
  }

  async function load(p) {
    if (inflight.has(p) || pages.has(p)) return;
    inflight.add(p);
    const g = gen;
    try {
      const r = await fetchPage(p);
      if (g !== gen) return;
      pages.set(p, r.result);
      setMeta(r);
      schedule();
    } catch {
      // The next poll shows the error and refetches what is in view.
    } finally {
      inflight.delete(p);
    }
  }

  function renderChips(sum) {
    const byState = Object.fromEntries(TASK_STATES.map((s) => [s, 0]));
    const cluster = sum.node_id_to_summary && sum.node_id_to_summary.cluster;
    for (const f of Object.values((cluster && cluster.summary) || {})) {
      for (const [s, n] of Object.entries(f.state_counts || {})) byState[s] = (byState[s] || 0) + n;
    }
    chips.replaceChildren(...Object.entries(byState).map(([s, n]) =>
      h(`button.chip${filters.state === s ? '.on' : ''}`, {
        type: 'button',
        dataset: {stateCount: s},
        title: filters.state === s ? 'show every state' : `show only ${s}`,
        onclick: () => {
          stateSel.value = filters.state === s ? '' : s;
          setFilter('state', stateSel.value);
        },
      }, badge(s), ` ${fmtNum(n)}`)));
  }

  return {
    el,
    interval: 2000,
    async refresh() {
      const g = gen;
      const want = visiblePages();
      const [sum, ...lists] = await Promise.all([fetchJSON('api/v0/tasks/summarize'), ...want.map(fetchPage)]);
      if (g !== gen) return;
      pages = new Map(want.map((p, i) => [p, lists[i].result]));
      setMeta(lists[0]);
      renderChips(sum.data.result);
      render();
      document.body.dataset.ready = 'tasks';
    },
    destroy() {
      cancelAnimationFrame(frame);
      gen++;
    },
  };
}
