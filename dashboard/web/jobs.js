// jobs.js — the Jobs list (GET /api/jobs/) and a job's page: its fields, a live
// tail of its driver log over the WebSocket /api/jobs/<id>/logs/tail, and a
// Stop button (POST /api/jobs/<id>/stop) while the job has not finished.
import {apiURL, badge, fetchJSON, fmtDuration, fmtTime, h, showError} from './util.js';

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'STOPPED']);
const jobKey = (j) => j.submission_id || j.job_id;
const jobHref = (j) => `#/jobs/${encodeURIComponent(jobKey(j))}`;
const duration = (j) =>
  j.start_time ? fmtDuration((FINAL.has(j.status) ? j.end_time : Date.now()) - j.start_time) : '—';

export function jobsPage() {
  const count = h('span.muted', {}, '');
  const tbody = h('tbody');
  const empty = h('p.muted', {hidden: true}, 'No jobs yet. Submit one with `rayc job submit -- <command>`.');
  const el = h('section.card', {},
    h('h2', {}, 'Jobs ', count),
    h('div.table-wrap', {}, h('table.list', {id: 'jobs-table'},
      h('thead', {}, h('tr', {},
        ['Submission ID', 'Job ID', 'Status', 'Entrypoint', 'Start', 'End', 'Duration'].map((c) => h('th', {}, c)))),
      tbody)),
    empty);

  return {
    el,
    interval: 2000,
    async refresh() {
      const jobs = await fetchJSON('api/jobs/');
      jobs.sort((a, b) => (b.start_time || 0) - (a.start_time || 0));
      count.textContent = `(${jobs.length})`;
      empty.hidden = jobs.length > 0;
      tbody.replaceChildren(...jobs.map((j) =>
        h('tr.link', {dataset: {id: jobKey(j)}, onclick: (e) => e.target.closest('a') || (location.hash = jobHref(j))},
          h('td.mono', {}, h('a', {href: jobHref(j)}, j.submission_id || '—')),
          h('td.mono', {}, j.job_id || '—'),
          h('td', {}, badge(j.status)),
          h('td.mono.clip', {title: j.entrypoint || ''}, j.entrypoint || ''),
          h('td', {}, fmtTime(j.start_time)),
          h('td', {}, fmtTime(j.end_time)),
          h('td.num', {}, duration(j)))));
      document.body.dataset.ready = 'jobs';
    },
  };
}

// Keeps the log pane below ~2 MB of text by dropping its oldest chunks.
const LOG_CAP = 2 << 20;

export function jobPage(id) {
  const title = h('span.mono', {}, id);
  const status = h('span');
  const stopBtn = h('button.danger', {id: 'job-stop', hidden: true, onclick: stop}, 'Stop');
  const fields = h('dl.fields');
  const logState = h('span.muted', {id: 'log-state'}, 'connecting…');
  const log = h('pre.log', {id: 'job-log', tabindex: 0});
  const el = h('div', {},
    h('p', {}, h('a', {href: '#/jobs'}, '← all jobs')),
    h('section.card', {},
      h('div.title-row', {}, h('h2', {}, 'Job ', title, ' ', status), stopBtn),
      fields),
    h('section.card', {}, h('h2', {}, 'Driver log ', logState), log));

  let job = null;
  let ws = null;
  let tail = 'idle'; // idle → open → done, or open → waiting (to reconnect) → open
  let retry = 0;
  let logBytes = 0;
  let gone = false;

  function appendLog(text) {
    // Follow the tail only when the reader has not scrolled up.
    const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.append(text);
    logBytes += text.length;
    while (logBytes > LOG_CAP && log.firstChild) {
      logBytes -= log.firstChild.textContent.length;
      log.firstChild.remove();
    }
    if (atEnd) log.scrollTop = log.scrollHeight;
  }

  // The server sends the whole log from the start, then what is appended, and
  // closes with 1000 once the job has finished and the log is read to its end.
  function connect() {
    const u = new URL(apiURL(`api/jobs/${encodeURIComponent(id)}/logs/tail`));
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    log.replaceChildren();
    logBytes = 0;
    tail = 'open';
    logState.textContent = 'streaming';
    ws = new WebSocket(u);
    ws.binaryType = 'arraybuffer';
    const utf8 = new TextDecoder();
    ws.onmessage = (e) => appendLog(typeof e.data === 'string' ? e.data : utf8.decode(e.data, {stream: true}));
    ws.onclose = (e) => {
      ws = null;
      if (gone) return;
      if (e.code === 1000) {
        tail = 'done';
        logState.textContent = '(complete)';
      } else if (!job || !FINAL.has(job.status)) {
        // Dropped while the job runs (head restart, network): start again.
        tail = 'waiting';
        logState.textContent = `(disconnected, code ${e.code}; reconnecting)`;
        retry = setTimeout(connect, 2000);
      } else {
        tail = 'done';
        logState.textContent = `(closed, code ${e.code})`;
      }
    };
  }

  async function stop() {
    stopBtn.disabled = true;
    try {
      await fetchJSON(`api/jobs/${encodeURIComponent(id)}/stop`, {method: 'POST'});
      dispatchEvent(new Event('rc-refresh'));
    } catch (e) {
      showError(`Stop failed: ${e.message}`);
      stopBtn.disabled = false;
    }
  }

  function render(j) {
    status.replaceChildren(badge(j.status));
    stopBtn.hidden = FINAL.has(j.status);
    if (stopBtn.hidden) stopBtn.disabled = false;
    const res = {
      CPU: j.entrypoint_num_cpus, GPU: j.entrypoint_num_gpus, memory: j.entrypoint_memory,
      ...(j.entrypoint_resources || {}),
    };
    const resText = Object.entries(res).filter(([, v]) => v).map(([k, v]) => `${k}: ${v}`).join(', ');
    const rows = [
      ['Submission ID', j.submission_id],
      ['Job ID', j.job_id],
      ['Type', j.type],
      ['Status', j.status],
      ['Message', j.message],
      ['Error type', j.error_type],
      ['Entrypoint', j.entrypoint],
      ['Entrypoint resources', resText],
      ['Start', fmtTime(j.start_time)],
      ['End', fmtTime(j.end_time)],
      ['Duration', duration(j)],
      ['Driver exit code', j.driver_exit_code],
      ['Driver node', j.driver_node_id],
      ['Metadata', j.metadata && Object.keys(j.metadata).length ? JSON.stringify(j.metadata) : ''],
      ['Runtime env', j.runtime_env && Object.keys(j.runtime_env).length ? JSON.stringify(j.runtime_env) : ''],
    ];
    fields.replaceChildren(...rows
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => [h('dt', {}, k), h('dd', {dataset: {field: k}}, String(v))])
      .flat());
  }

  return {
    el,
    interval: 1000,
    async refresh() {
      job = await fetchJSON(`api/jobs/${encodeURIComponent(id)}`);
      render(job);
      if (tail === 'idle') connect();
      document.body.dataset.ready = 'job';
    },
    destroy() {
      gone = true;
      clearTimeout(retry);
      if (ws) ws.close(1000);
    },
  };
}
