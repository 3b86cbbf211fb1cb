// Times in the browser's time zone (UTC on hover), durations in words an operator reads at a glance.
import { h } from './dom.js';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const withMilliseconds = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 1 });
const shortTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const shortDateTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const STYLES = { time: timeOnly, ms: withMilliseconds, hm: shortTime, short: shortDateTime, full: dateTime };

/** Milliseconds since the epoch; the API writes 7 fractional digits, which Date.parse does not promise to read. */
export function parseTime(text) {
  if (!text) {
    return null;
  }
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? null : ms;
}

export function utcText(ms) {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** A <time> in local time with the UTC time in its title. */
export function timeElement(text, style = 'full') {
  const ms = parseTime(text);
  if (ms === null) {
    return h('span', { class: 'muted' }, '—');
  }
  return h('time', { datetime: new Date(ms).toISOString(), title: utcText(ms) }, localTime(ms, style));
}

/** Local time of `ms`: 'full' date and time, 'short' date and time, 'time', 'hm' (hours, minutes), 'ms' (with tenths). */
export function localTime(ms, style = 'full') {
  return (STYLES[style] ?? dateTime).format(new Date(ms));
}

/** "in 12 minutes", "3 hours ago". */
export function fromNow(ms, now = Date.now()) {
  const seconds = (ms - now) / 1000;
  const units = [['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return relative.format(Math.round(seconds / size), unit);
    }
  }
  return '';
}

/** 850 ms, 4.2 s, 3 min 05 s, 2 h 07 min, 3 d 4 h. */
export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) {
    return '—';
  }
  const abs = Math.max(0, ms);
  if (abs < 1000) {
    return `${Math.round(abs)} ms`;
  }
  const seconds = abs / 1000;
  if (seconds < 60) {
    return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  }
  const total = Math.round(seconds);
  const [d, hr, min, s] = [Math.floor(total / 86400), Math.floor(total / 3600) % 24, Math.floor(total / 60) % 60, total % 60];
  if (d > 0) {
    return `${d} d ${hr} h`;
  }
  if (hr > 0) {
    return `${hr} h ${String(min).padStart(2, '0')} min`;
  }
  return `${min} min ${String(s).padStart(2, '0')} s`;
}

/** Duration from start to end, or to now while it is still going. */
export function span(startText, endText, now = Date.now()) {
  const start = parseTime(startText);
  if (start === null) {
    return null;
  }
  return (parseTime(endText) ?? now) - start;
}

export function count(n) {
  return n === null || n === undefined ? '—' : n.toLocaleString();
}

/** A cost total as "$0.34 · 0.77 DPU-h", "≈" in front when any part is an estimate; "—" when nothing is known. */
export function costText(cost) {
  if (!cost || (cost.dpuSeconds === 0 && !cost.unknown)) {
    return '—';
  }
  const money = `$${cost.cost.toFixed(cost.cost < 1 ? 3 : 2)}`;
  return `${cost.estimated ? '≈' : ''}${money} · ${cost.dpuHours.toFixed(2)} DPU-h`;
}
