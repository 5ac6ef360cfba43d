// The demo's timeline as a self-contained HTML page: an SVG picture (one lane per session,
// background periods shaded, launches and the kill marked, every step a mark on its session)
// and the table the demo prints. No scripts, no external files.
'use strict';
const { completeness } = require('./timeline');

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const STYLE = {
  event: { shape: 'circle', color: '#2563eb' },
  error: { shape: 'diamond', color: '#dc2626' },
  span: { shape: 'square', color: '#ea580c' },
  attribute: { shape: 'square', color: '#7c3aed' },
  user: { shape: 'square', color: '#7c3aed' },
  end: { shape: 'diamond', color: '#111827' },
};

/** A step's mark; `lost` draws it hollow (recorded, but gone with the killed process). */
function mark(kind, x, y, title, lost = false) {
  const style = STYLE[kind] ?? { shape: 'circle', color: '#6b7280' };
  const t = `<title>${esc(title)}</title>`;
  const paint = lost ? `fill="white" stroke="${style.color}"` : `fill="${style.color}"`;
  if (style.shape === 'circle') return `<circle cx="${x}" cy="${y}" r="4" ${paint}>${t}</circle>`;
  if (style.shape === 'square') return `<rect x="${x - 4}" y="${y - 4}" width="8" height="8" ${paint}>${t}</rect>`;
  return `<path d="M${x} ${y - 6} L${x + 6} ${y} L${x} ${y + 6} L${x - 6} ${y} Z" ${paint}>${t}</path>`;
}

function svg(t) {
  const left = 150, right = 340, width = 1300, lane = 54, top = 48;
  const height = top + t.sessions.length * lane + 40;
  const span = Math.max(t.duration, 1);
  const x = (ms) => left + ((width - left - right) * ms) / span;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="Session timeline">`];
  for (const [a, b] of t.background) {
    out.push(`<rect x="${x(a)}" y="${top - 14}" width="${Math.max(x(b) - x(a), 1)}" height="${height - top - 12}" fill="#f3f4f6"><title>app in the background</title></rect>`);
    out.push(`<text x="${x(a) + 4}" y="${top - 18}" class="small">background</text>`);
  }
  for (let s = 0; s <= span / 1000; s += 1) {
    out.push(`<line x1="${x(s * 1000)}" y1="${height - 30}" x2="${x(s * 1000)}" y2="${height - 24}" stroke="#9ca3af"/>`);
    out.push(`<text x="${x(s * 1000)}" y="${height - 10}" class="small" text-anchor="middle">${s} s</text>`);
  }
  for (const m of t.marks) {
    const color = m.kind === 'kill' ? '#dc2626' : '#2563eb';
    out.push(`<line x1="${x(m.t)}" y1="${top - 24}" x2="${x(m.t)}" y2="${height - 30}" stroke="${color}" stroke-dasharray="4 3"><title>${esc(m.label)}</title></line>`);
    const anchor = m.kind === 'kill' ? 'end' : 'start';
    const dx = m.kind === 'kill' ? -3 : 3;
    out.push(`<text x="${x(m.t) + dx}" y="${top - 30}" class="small" fill="${color}" text-anchor="${anchor}">${m.kind === 'kill' ? 'SIGKILL' : 'launch'}</text>`);
  }
  t.sessions.forEach((s, i) => {
    const y = top + i * lane + lane / 2;
    const end = s.end ?? t.duration;
    const fill = s.exported === false ? '#e5e7eb' : '#99f6e4';
    const stroke = s.exported === false ? '#9ca3af' : '#0f766e';
    out.push(`<text x="8" y="${y - 4}" class="label">#${s.index} ${esc(s.id.slice(0, 8))}</text>`);
    out.push(`<text x="8" y="${y + 12}" class="small">${s.exported === false ? 'not sampled' : s.exported ? 'exported' : ''}</text>`);
    out.push(`<rect x="${x(s.start)}" y="${y - 11}" width="${Math.max(x(end) - x(s.start), 2)}" height="22" rx="4" fill="${fill}" stroke="${stroke}"><title>${esc(`session ${s.id}\nprevious ${s.previousId ?? '-'}\n${completeness(s)}`)}</title></rect>`);
    for (const step of s.steps) {
      if (step.kind === 'rotation') continue; // the bar's start says it
      const lost = s.endReason === 'abnormal_termination' && s.end !== null && step.t > s.end + 5;
      const title = `${(step.t / 1000).toFixed(2)} s: ${step.label}${lost ? ' (lost: in memory at the kill)' : ''}`;
      out.push(mark(step.kind, x(step.t), y, title, lost));
    }
    const why = s.endReason ?? 'current';
    const labelX = x(Math.max(end, ...s.steps.map((st) => st.t))) + 10;
    out.push(`<text x="${labelX}" y="${y - 2}" class="label">${esc(why)}</text>`);
    out.push(`<text x="${labelX}" y="${y + 12}" class="small">${esc(completeness(s))}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** The whole page. */
function renderHtml(t, endpoint) {
  const rows = t.sessions
    .map(
      (s) =>
        `<tr><td>${s.index}</td><td><code>${esc(s.id)}</code></td><td><code>${esc(s.previousId ?? '-')}</code></td>` +
        `<td>${(s.start / 1000).toFixed(2)}</td><td>${s.end === null ? 'now' : (s.end / 1000).toFixed(2)}</td>` +
        `<td>${esc(s.endReason ?? '(current)')}</td><td>${s.recorded}</td><td>${s.recordCount ?? '-'}</td><td>${esc(completeness(s))}</td></tr>`,
    )
    .join('\n');
  const legend = [
    ['event', 'event'],
    ['error', 'error (upsamples)'],
    ['span', 'JS span (OpenTelemetry JS bridge)'],
    ['attribute', 'attribute or user'],
    ['end', 'Sessions.end()'],
    ['event', 'hollow: recorded, lost at the kill (not yet on disk)', true],
  ]
    .map(([kind, label, lost]) => `<svg width="14" height="14" viewBox="-7 -7 14 14">${mark(kind, 0, 0, label, lost)}</svg> ${esc(label)}`)
    .join(' &nbsp; ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>react-native-otel-sessions: demo session timeline</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #111827; }
h1 { font-size: 20px; } table { border-collapse: collapse; margin-top: 16px; }
td, th { border-bottom: 1px solid #e5e7eb; padding: 4px 10px; text-align: left; } code { font-size: 12px; }
svg .label { font: 12px system-ui, sans-serif; fill: #111827; } svg .small { font: 11px system-ui, sans-serif; fill: #4b5563; }
</style></head><body>
<h1>Session timeline of the demo app day</h1>
<p>Two launches of one app through the public TypeScript API in a real <code>jsi::Runtime</code>; the first was
killed with SIGKILL mid-session. Exported over OTLP/HTTP to <code>${esc(endpoint)}</code>. Hover a mark for details.</p>
<p>${legend}</p>
${svg(t)}
<table><thead><tr><th>#</th><th>session.id</th><th>previous</th><th>start s</th><th>end s</th><th>ended by</th><th>recorded</th><th>counted</th><th>at the backend</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}

module.exports = { renderHtml };
