// chart.js — a time-series line chart drawn on a <canvas>: x is wall time over a
// fixed window ending now, y starts at 0 and ends at a round number above the
// largest value. Points further apart than `gapMs` are not joined (the tab was
// hidden, or the head did not answer).

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

// The smallest 1, 2 or 5 × 10^k at or above v (at least 1).
function niceMax(v) {
  if (!(v > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const axisNum = new Intl.NumberFormat(undefined, {notation: 'compact', maximumFractionDigits: 2});

// points: [{t (ms), v}] in time order; window: [from, to] ms.
export function drawLineChart(canvas, points, {from, to, gapMs = 5000}) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const hgt = canvas.clientHeight;
  if (!w || !hgt) return;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(hgt * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(hgt * dpr);
  }
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, hgt);

  const left = 48, right = 8, top = 8, bottom = 20;
  const pw = w - left - right, ph = hgt - top - bottom;
  const ymax = niceMax(Math.max(0, ...points.map((p) => p.v)));
  const x = (t) => left + ((t - from) / (to - from)) * pw;
  const y = (v) => top + ph - (v / ymax) * ph;

  g.font = `11px ${css('--font') || 'sans-serif'}`;
  g.lineWidth = 1;
  g.strokeStyle = css('--grid');
  g.fillStyle = css('--muted');
  g.textBaseline = 'middle';
  g.textAlign = 'right';
  for (let i = 0; i <= 4; i++) {
    const v = (ymax * i) / 4;
    g.beginPath();
    g.moveTo(left, Math.round(y(v)) + 0.5);
    g.lineTo(left + pw, Math.round(y(v)) + 0.5);
    g.stroke();
    g.fillText(axisNum.format(v), left - 6, y(v));
  }
  g.textBaseline = 'top';
  for (let s = 0; s <= (to - from) / 1000; s += 30) {
    const t = to - s * 1000;
    g.textAlign = s === 0 ? 'right' : 'center';
    g.fillText(s === 0 ? 'now' : `-${s}s`, x(t), top + ph + 5);
  }

  // Runs of points close enough in time to be joined.
  const runs = [];
  let run = [];
  for (const p of points) {
    if (p.t < from) continue;
    if (run.length && p.t - run[run.length - 1].t > gapMs) {
      runs.push(run);
      run = [];
    }
    run.push(p);
  }
  if (run.length) runs.push(run);

  const line = css('--accent');
  for (const r of runs) {
    g.beginPath();
    r.forEach((p, i) => (i ? g.lineTo(x(p.t), y(p.v)) : g.moveTo(x(p.t), y(p.v))));
    g.strokeStyle = line;
    g.lineWidth = 2;
    g.stroke();
    g.lineTo(x(r[r.length - 1].t), y(0));
    g.lineTo(x(r[0].t), y(0));
    g.closePath();
    g.globalAlpha = 0.15;
    g.fillStyle = line;
    g.fill();
    g.globalAlpha = 1;
  }
}
