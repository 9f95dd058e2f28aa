// The gpuqueue queue panel (SPEC §13). Plain ES module, no build step, no CDN: everything it loads
// comes from this server. Every read and every action goes through the public HTTP API with the
// user's token; views are refreshed when an event arrives on /api/events (read with fetch, because
// EventSource cannot send an Authorization header), never by polling.
import uPlot from '/panel/uplot/uPlot.esm.js';

const TOKEN_KEY = 'gpuqueue.token';
const REFRESH_DELAY_MS = 250;
const CHART_WINDOW_S = 3600;
const MAX_BACKOFF_MS = 30000;
const MAX_EVENTS_SHOWN = 30;
const MAX_MESSAGES = 6;

/** The settings form, in the order shown; only the fields the server returns are rendered. */
const SETTINGS = [
  { key: 'max_concurrent', label: 'Running jobs at most', min: 1, max: 100 },
  { key: 'user_max_concurrent', label: 'Per user', min: 1, max: 20 },
  { key: 'team_max_concurrent', label: 'Per team (with fair share)', min: 1, max: 50 },
  { key: 'enable_fair_share', label: 'Fair share (team limits)', bool: true },
  { key: 'local_job_max_concurrent', label: 'Local jobs at once', min: 1, max: 10 },
  { key: 'local_gpu_max_concurrent', label: 'Local GPUs at once', min: 1, nullable: 'unlimited' },
  { key: 'starvation_threshold_minutes', label: 'Aging step (minutes)', min: 1, max: 10080 },
  { key: 'starvation_boost', label: 'Aging boost per step', min: 0, max: 50 },
  { key: 'starvation_max_boost', label: 'Aging boost at most', min: 0, max: 100 },
  { key: 'approval_cost_threshold', label: 'Approval above cost', min: 0, nullable: 'off', decimal: true },
  { key: 'user_max_pending', label: 'Waiting jobs per user', min: 1, max: 100000, nullable: 'unlimited' },
];

const state = {
  token: readToken(),
  settings: null,
  settingsDirty: false,
  lastEventId: null,
  stats: null,
  samples: [[], [], []],
};

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------
// The API

class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail);
    this.status = status;
    this.code = code;
  }
}

function authHeaders() {
  return state.token ? { Authorization: 'Bearer ' + state.token } : {};
}

/** One API call; the answer's JSON, or an ApiError carrying the API's own words (its `detail`). */
async function api(method, path, body) {
  const headers = { Accept: 'application/json', ...authHeaders() };
  const init = { method, headers, cache: 'no-store', credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', 'the server cannot be reached (' + e.message + ')');
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const detail = json && typeof json.detail === 'string' ? json.detail : (text || response.statusText || 'no answer');
    throw new ApiError(response.status, json && json.error ? json.error : 'http_' + response.status, detail);
  }
  return json;
}

function describe(error) {
  if (!(error instanceof ApiError)) {
    return String(error && error.message ? error.message : error);
  }
  let words = error.detail ?? error.message;
  if (error.status === 401) {
    words += state.token ? ' (the token above was not accepted)' : ' (enter your token above)';
  }
  return error.status ? words + ' (HTTP ' + error.status + ')' : words;
}

const enc = encodeURIComponent;

// ---------------------------------------------------------------------------------------------
// Messages

function say(text, kind = 'ok', key = null) {
  const box = $('messages');
  if (key) {
    const old = box.querySelector('[data-key="' + key + '"]');
    if (old) old.remove();
  }
  const item = document.createElement('div');
  item.className = 'message ' + kind;
  item.dataset.testid = 'message';
  item.dataset.kind = kind;
  if (key) item.dataset.key = key;
  item.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  const words = document.createElement('span');
  words.textContent = text;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'close';
  close.title = 'dismiss';
  close.setAttribute('aria-label', 'dismiss');
  close.textContent = '×';
  close.addEventListener('click', () => item.remove());
  item.append(words, close);
  box.prepend(item);
  while (box.children.length > MAX_MESSAGES) box.lastElementChild.remove();
  if (kind !== 'error') setTimeout(() => item.remove(), 8000);
}

function unsay(key) {
  const old = $('messages').querySelector('[data-key="' + key + '"]');
  if (old) old.remove();
}

/** Runs an action from a button: disables it meanwhile, reports the outcome in words, refreshes. */
async function act(button, what, call, done) {
  if (button) button.disabled = true;
  try {
    const answer = await call();
    say(done(answer), 'ok');
    return true;
  } catch (e) {
    say(what + ': ' + describe(e), 'error');
    return false;
  } finally {
    if (button) button.disabled = false;
    scheduleRefresh(true);
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting and DOM helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return s + 's';
  const m = Math.floor(s / 60);
  if (m < 60) return m + 'm ' + (s % 60) + 's';
  const h = Math.floor(m / 60);
  if (h < 24) return h + 'h ' + (m % 60) + 'm';
  return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
}

function since(iso) {
  return iso ? (Date.now() - Date.parse(iso)) / 1000 : null;
}

function between(fromIso, toIso) {
  return fromIso && toIso ? (Date.parse(toIso) - Date.parse(fromIso)) / 1000 : null;
}

/** A duration that keeps counting on the page (from `iso` to now), without asking the server. */
function ticking(iso) {
  return el('span', { class: 'ticking', 'data-since': iso, title: iso, text: duration(since(iso)) });
}

function tick() {
  for (const node of document.querySelectorAll('[data-since]')) {
    node.textContent = duration(since(node.dataset.since));
  }
}

function time(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function jobCell(id) {
  return el('td', { class: 'mono', title: id }, id);
}

function statusBadge(status) {
  return el('span', { class: 'badge ' + status, 'data-testid': 'status', text: status });
}

function gpuList(gpus) {
  return gpus && gpus.length ? 'GPU ' + gpus.join(', ') : null;
}

/**
 * Replaces a table's rows, keeping what the user is typing: inputs they edited (by job and field)
 * keep their value, and the one with the focus keeps it, whatever the refresh brought.
 */
function fillTable(bodyId, emptyId, rows) {
  const body = $(bodyId);
  const typed = new Map();
  let focused = null;
  for (const input of body.querySelectorAll('tr[data-job-id] input[data-field]')) {
    const key = input.closest('tr').dataset.jobId + '|' + input.dataset.field;
    if (input.dataset.edited) typed.set(key, input.value);
    if (input === document.activeElement) focused = { key, start: input.selectionStart, end: input.selectionEnd };
  }
  body.replaceChildren(...rows);
  for (const input of body.querySelectorAll('tr[data-job-id] input[data-field]')) {
    const key = input.closest('tr').dataset.jobId + '|' + input.dataset.field;
    input.addEventListener('input', () => { input.dataset.edited = '1'; });
    if (typed.has(key)) {
      input.value = typed.get(key);
      input.dataset.edited = '1';
    }
    if (focused && focused.key === key && !input.disabled) {
      input.focus();
      try {
        input.setSelectionRange(focused.start, focused.end);
      } catch {
        // number inputs have no selection
      }
    }
  }
  $(emptyId).hidden = rows.length > 0;
  body.closest('table').hidden = rows.length === 0;
}

// ---------------------------------------------------------------------------------------------
// Views

function renderQueue(page, runningJobs, blockedPage) {
  const where = new Map(runningJobs.map((j) => [j.job_id, j]));
  const rows = page.entries.map((e) => {
    const active = e.status === 'pending' || e.status === 'blocked';
    const override = el('input', {
      type: 'number', min: 0, max: 50, step: 1, class: 'priority', 'data-field': 'priority',
      'aria-label': 'priority override of ' + e.job_id, placeholder: 'none',
      value: e.priority_override ?? '', disabled: !active,
    });
    const setPriority = el('button', {
      type: 'button', 'data-action': 'priority', disabled: !active, title: 'set the override (empty clears it)',
      text: 'Set',
    });
    setPriority.addEventListener('click', async () => {
      const raw = override.value.trim();
      const priority = raw === '' ? null : Number(raw);
      const done = await act(setPriority, 'Priority of ' + e.job_id,
        () => api('POST', '/api/queue/' + enc(e.job_id) + '/priority', { priority }),
        (a) => 'Priority of ' + a.job_id + ': ' + a.previous_effective_priority + ' → ' + a.new_effective_priority
          + (a.priority_override === null ? ' (override cleared)' : ' (override ' + a.priority_override + ')'));
      if (done) {
        // the server has it now: the next refresh shows its value, not what was typed
        const input = document.querySelector('#queue-body tr[data-job-id="' + CSS.escape(e.job_id) + '"] input[data-field="priority"]');
        if (input) delete input.dataset.edited;
      }
    });
    const cancel = el('button', { type: 'button', class: 'danger', 'data-action': 'cancel', text: 'Cancel' });
    cancel.addEventListener('click', () => cancelJob(cancel, e.job_id));
    let why = e.pending_reason;
    if (e.status === 'blocked') why = why ?? 'awaiting approval';
    if (e.status === 'running') {
      const job = where.get(e.job_id);
      why = job && job.allocated_worker_id ? 'worker ' + job.allocated_worker_id : (gpuList(e.allocated_gpus) ?? 'running');
    }
    const waited = e.status === 'running' ? duration(between(e.queued_at, e.started_at)) : ticking(e.queued_at);
    const priority = el('td', { class: 'num', title: 'base ' + e.priority + (e.priority_override === null ? '' : ', override ' + e.priority_override) },
      String(e.effective_priority), e.priority_override === null ? null : el('span', { class: 'note', text: ' (override)' }));
    return el('tr', { 'data-job-id': e.job_id, 'data-status': e.status, 'data-user': e.user_name },
      el('td', { class: 'num', 'data-testid': 'position' }, e.position ?? ''),
      jobCell(e.job_id),
      el('td', { 'data-testid': 'user' }, e.user_name),
      el('td', {}, e.team_id ?? ''),
      configCell(e),
      priority,
      el('td', {}, statusBadge(e.status)),
      el('td', { class: 'reason', 'data-testid': 'reason' }, why ?? ''),
      el('td', { class: 'num' }, waited),
      el('td', { class: 'inline' }, override, setPriority),
      el('td', {}, cancel));
  });
  fillTable('queue-body', 'queue-empty', rows);
  const shown = page.entries.length;
  // Blocked jobs come after every pending one in the queue's order: read on their own, so a long
  // queue never hides the approvals.
  const awaiting = blockedPage ? blockedPage.entries : page.entries.filter((e) => e.status === 'blocked');
  const blocked = awaiting.length;
  $('queue-summary').textContent = page.total_pending + ' pending, ' + blocked + ' awaiting approval, '
    + page.total_running + ' running' + (shown < page.total_pending + page.total_running + blocked ? ' (first ' + shown + ' shown)' : '');

  const approvals = awaiting.map((e) => {
    const reason = el('input', { type: 'text', class: 'reason-input', 'data-field': 'reason', maxlength: 500,
      placeholder: 'reason', 'aria-label': 'reason to reject ' + e.job_id });
    const approve = el('button', { type: 'button', class: 'good', 'data-action': 'approve', text: 'Approve' });
    const reject = el('button', { type: 'button', class: 'danger', 'data-action': 'reject', text: 'Reject' });
    approve.addEventListener('click', () => act(approve, 'Approving ' + e.job_id,
      () => api('POST', '/api/queue/' + enc(e.job_id) + '/approve'),
      (a) => 'Approved ' + a.job_id + ' (now ' + a.status + ', by ' + a.approved_by + ')'));
    reject.addEventListener('click', () => act(reject, 'Rejecting ' + e.job_id,
      () => api('POST', '/api/queue/' + enc(e.job_id) + '/reject?reason=' + enc(reason.value.trim())),
      (a) => 'Rejected ' + a.job_id + ': ' + a.reason));
    reason.addEventListener('keydown', (k) => {
      if (k.key === 'Enter') reject.click();
    });
    return el('tr', { 'data-job-id': e.job_id, 'data-status': e.status },
      jobCell(e.job_id),
      el('td', {}, e.user_name),
      el('td', {}, e.config_name),
      el('td', { class: 'num' }, e.estimated_cost ?? ''),
      el('td', { class: 'num' }, ticking(e.queued_at)),
      el('td', {}, reason),
      el('td', { class: 'inline' }, approve, reject));
  });
  fillTable('approvals-body', 'approvals-empty', approvals);
  $('approvals-count').textContent = approvals.length ? String(approvals.length) : '';
}

/** The config's name, and for a job of an array (a sweep) the array and the job's index in it. */
function configCell(job) {
  return el('td', {}, job.config_name, job.array_id == null ? null
    : el('span', { class: 'note', 'data-testid': 'array', title: 'array ' + job.array_id, text: ' · array #' + job.array_index }));
}

function cancelJob(button, id) {
  act(button, 'Cancelling ' + id, () => api('POST', '/api/jobs/' + enc(id) + '/cancel'),
    (a) => 'Job ' + a.job_id + ' ' + a.status);
}

function renderRunning(jobs, total) {
  const rows = jobs.map((j) => {
    const cancel = el('button', { type: 'button', class: 'danger', 'data-action': 'cancel', text: 'Cancel' });
    cancel.addEventListener('click', () => cancelJob(cancel, j.job_id));
    const on = j.allocated_worker_id
      ? 'worker ' + j.allocated_worker_id + (gpuList(j.allocated_gpus) ? ' · ' + gpuList(j.allocated_gpus) : '')
      : (gpuList(j.allocated_gpus) ?? (j.job_type === 'cloud' ? 'cloud ' + (j.provider ?? '') : 'local'));
    return el('tr', { 'data-job-id': j.job_id, 'data-status': j.status },
      jobCell(j.job_id),
      el('td', {}, j.user_name),
      configCell(j),
      el('td', { 'data-testid': 'placement' }, on),
      el('td', { class: 'num' }, ticking(j.started_at)),
      el('td', { class: 'num' }, j.attempt + '/' + j.max_attempts),
      el('td', {}, cancel));
  });
  fillTable('running-body', 'running-empty', rows);
  $('running-count').textContent = total ? String(total) : '';
}

function renderGpus(system) {
  const holders = new Map();
  for (const d of (system.gpu_allocation && system.gpu_allocation.devices) || []) holders.set(d.index, d);
  const tiles = (system.gpus || []).map((g) => {
    const held = holders.get(g.index);
    const job = held && held.job_id;
    const util = g.utilization_percent;
    const bar = el('div', { class: 'bar' });
    bar.style.width = Math.max(0, Math.min(100, util ?? 0)) + '%';
    return el('div', { class: 'gpu' + (job ? ' busy' : ''), 'data-gpu-index': g.index, 'data-job-id': job || null,
      title: g.name + (g.uuid ? ' · ' + g.uuid : '') },
      el('div', { class: 'gpu-head' }, el('strong', { text: 'GPU ' + g.index }), el('span', { class: 'note', text: g.name })),
      el('div', { class: 'gpu-job', 'data-testid': 'gpu-job' }, job ? job : 'free'),
      el('div', { class: 'meter', title: 'utilization' }, bar),
      el('div', { class: 'note' }, (util === null || util === undefined ? 'utilization —' : util + '% busy')
        + ' · ' + Math.round(g.memory_used_mb / 1024 * 10) / 10 + '/' + Math.round(g.memory_total_mb / 1024 * 10) / 10 + ' GiB'));
  });
  $('gpu-map').replaceChildren(...tiles);
  $('gpus-empty').hidden = tiles.length > 0;
  const inv = system.gpu_inventory || {};
  const alloc = system.gpu_allocation;
  $('gpu-summary').textContent = (alloc ? alloc.allocated_gpus.length + '/' : '') + (inv.count ?? tiles.length)
    + ' in use · ' + (inv.backend ?? '?');

  const workers = (system.workers || []).map((w) => el('tr', { 'data-worker-id': w.worker_id, 'data-status': w.status },
    el('td', { class: 'mono' }, w.worker_id),
    el('td', {}, statusBadge(w.status)),
    el('td', { class: 'num' }, w.gpu_count),
    el('td', { class: 'mono' }, w.current_job_id ?? ''),
    el('td', { class: 'labels' }, Object.entries(w.labels || {}).map(([k, v]) => k + '=' + v).join(' ')),
    el('td', {}, w.last_seen_at ? el('span', {}, ticking(w.last_seen_at), ' ago') : 'never')));
  fillTable('workers-body', 'workers-empty', workers);
  $('workers-count').textContent = workers.length ? String(workers.length) : '';
}

function renderStats(s) {
  const items = [
    ['Queue depth', s.queue_depth, 'queue-depth'],
    ['Running', s.running + ' / ' + s.max_concurrent, 'running'],
    ['Per user / team', s.user_max_concurrent + ' / ' + s.team_max_concurrent, 'limits'],
    ['Fair share', s.enable_fair_share ? 'on' : 'off', 'fair-share'],
    ['Average wait (24 h)', s.avg_wait_seconds === null ? '—' : duration(s.avg_wait_seconds), 'avg-wait'],
  ];
  if (s.local) {
    items.push(['Local GPUs in use', s.local.allocated_gpus.length + ' / ' + s.local.total_gpus, 'local-gpus']);
    items.push(['Local jobs', s.local.running_jobs + ' / ' + s.local.max_concurrent_jobs, 'local-jobs']);
  }
  if (s.workers) {
    items.push(['Workers', s.workers.total + ' (' + s.workers.idle + ' idle, ' + s.workers.busy + ' busy)', 'workers']);
  }
  const byStatus = Object.entries(s.by_status || {}).filter(([, n]) => n > 0).map(([k, n]) => k + ' ' + n).join(' · ');
  items.push(['Jobs by status', byStatus || '—', 'by-status']);
  $('stats').replaceChildren(...items.flatMap(([label, value, id]) => [
    el('dt', { text: label }),
    el('dd', { 'data-testid': 'stat-' + id, text: String(value) }),
  ]));
}

// ---------------------------------------------------------------------------------------------
// The settings form

function renderSettingsForm(settings) {
  const fields = SETTINGS.filter((f) => Object.prototype.hasOwnProperty.call(settings, f.key)).map((f) => {
    const id = 'setting-' + f.key;
    if (f.bool) {
      return el('label', { class: 'field check', for: id },
        el('input', { type: 'checkbox', id, name: f.key, 'data-testid': id }), el('span', { text: f.label }));
    }
    return el('label', { class: 'field', for: id }, el('span', { text: f.label }),
      el('input', { type: 'number', id, name: f.key, 'data-testid': id, min: f.min, max: f.max, step: f.decimal ? 'any' : 1,
        placeholder: f.nullable ?? '', inputmode: f.decimal ? 'decimal' : 'numeric' }));
  });
  $('settings-fields').replaceChildren(...fields);
  fillSettings(settings);
}

function fillSettings(settings) {
  const form = $('settings-form');
  for (const f of SETTINGS) {
    const input = form.elements.namedItem(f.key);
    if (!input) continue;
    if (f.bool) input.checked = Boolean(settings[f.key]);
    else input.value = settings[f.key] === null || settings[f.key] === undefined ? '' : String(settings[f.key]);
  }
  state.settingsDirty = false;
  $('settings-note').textContent = '';
}

function showSettings(settings) {
  const first = state.settings === null;
  const keysChanged = !first && Object.keys(settings).join() !== Object.keys(state.settings).join();
  state.settings = settings;
  if (first || keysChanged) {
    renderSettingsForm(settings);
  } else if (!state.settingsDirty) {
    fillSettings(settings);
  } else {
    $('settings-note').textContent = 'The settings changed on the server while you edited them; Reset shows them.';
  }
}

/** The fields that differ from the settings last read, or an error naming the first bad one. */
function changedSettings() {
  const form = $('settings-form');
  const changes = {};
  for (const f of SETTINGS) {
    const input = form.elements.namedItem(f.key);
    if (!input) continue;
    let value;
    if (f.bool) {
      value = input.checked;
    } else {
      const raw = input.value.trim();
      if (raw === '') {
        if (!f.nullable) {
          if (input.validity && input.validity.badInput) throw new Error(f.label + ': not a number');
          throw new Error(f.label + ' needs a value');
        }
        value = null;
      } else {
        value = Number(raw);
        if (!Number.isFinite(value)) throw new Error(f.label + ': "' + raw + '" is not a number');
      }
    }
    if (value !== state.settings[f.key]) changes[f.key] = value;
  }
  return changes;
}

async function saveSettings(event) {
  event.preventDefault();
  if (!state.settings) {
    say('Settings: not loaded yet', 'error');
    return;
  }
  let changes;
  try {
    changes = changedSettings();
  } catch (e) {
    say('Settings: ' + e.message, 'error');
    return;
  }
  const keys = Object.keys(changes);
  if (keys.length === 0) {
    say('Settings: nothing changed', 'ok');
    return;
  }
  const button = $('settings-save');
  button.disabled = true;
  try {
    const now = await api('POST', '/api/queue/concurrency', changes);
    state.settings = null;
    showSettings(now);
    say('Settings saved: ' + keys.map((k) => k + ' = ' + (now[k] === null ? 'none' : now[k])).join(', '), 'ok');
  } catch (e) {
    say('Saving settings: ' + describe(e), 'error');
  } finally {
    button.disabled = false;
    scheduleRefresh(true);
  }
}

// ---------------------------------------------------------------------------------------------
// The chart: queue depth and running jobs over the last hour, sampled when the views refresh
// (that is, when events arrive) and once a minute from what is already known.

let chart = null;

function addSample(stats) {
  const now = Date.now() / 1000;
  const [t, depth, running] = state.samples;
  t.push(now);
  depth.push(stats.queue_depth);
  running.push(stats.running);
  while (t.length > 2 && t[1] < now - CHART_WINDOW_S) {
    t.shift();
    depth.shift();
    running.shift();
  }
  drawChart();
}

function drawChart() {
  const box = $('chart');
  const width = Math.max(240, box.clientWidth || 480);
  if (!chart) {
    const stepped = uPlot.paths && uPlot.paths.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined;
    chart = new uPlot({
      width,
      height: 170,
      scales: {
        x: { time: true, range: () => { const n = Date.now() / 1000; return [n - CHART_WINDOW_S, n]; } },
        y: { range: (u, min, max) => [0, Math.max(2, Math.ceil((max ?? 0) * 1.2))] },
      },
      series: [
        {},
        { label: 'queue depth', stroke: '#d97706', width: 2, fill: 'rgba(217,119,6,0.08)', paths: stepped },
        { label: 'running', stroke: '#2563eb', width: 2, paths: stepped },
      ],
      axes: [{}, { size: 40 }],
      cursor: { drag: { x: false, y: false } },
    }, state.samples, box);
    new ResizeObserver(() => {
      const w = Math.max(240, box.clientWidth);
      if (Math.abs(w - chart.width) > 1) chart.setSize({ width: w, height: 170 });
    }).observe(box);
  } else {
    chart.setData(state.samples);
  }
}

// ---------------------------------------------------------------------------------------------
// Loading the views

let refreshTimer = null;
let refreshing = false;
let refreshAgain = false;

/** Refreshes every view soon; many events in a burst make one refresh. */
function scheduleRefresh(soon = false) {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  if (refreshTimer) {
    if (!soon) return;
    clearTimeout(refreshTimer);
  }
  refreshTimer = setTimeout(refreshAll, soon ? 0 : REFRESH_DELAY_MS);
}

async function refreshAll() {
  refreshTimer = null;
  refreshing = true;
  refreshAgain = false;
  try {
    const [queue, running, stats, system, settings, blocked] = await Promise.allSettled([
      api('GET', '/api/queue?limit=200'),
      api('GET', '/api/jobs?status=running&limit=200'),
      api('GET', '/api/queue/stats'),
      api('GET', '/api/system/status?include_allocation=true'),
      api('GET', '/api/queue/concurrency'),
      api('GET', '/api/queue?status=blocked&limit=200'),
    ]);
    const failures = [queue, running, stats, system, settings, blocked].filter((r) => r.status === 'rejected');
    if (failures.length) {
      say('Loading the panel: ' + describe(failures[0].reason), 'error', 'load');
    } else {
      unsay('load');
    }
    try {
      if (queue.status === 'fulfilled') {
        renderQueue(queue.value, running.status === 'fulfilled' ? running.value.jobs : [],
          blocked.status === 'fulfilled' ? blocked.value : null);
      }
      if (running.status === 'fulfilled') renderRunning(running.value.jobs, running.value.total);
      if (stats.status === 'fulfilled') {
        state.stats = stats.value;
        renderStats(stats.value);
        addSample(stats.value);
      }
      if (system.status === 'fulfilled') renderGpus(system.value);
      if (settings.status === 'fulfilled') showSettings(settings.value);
    } catch (e) {
      say('Showing the panel: ' + describe(e), 'error', 'render');
    }
    document.body.dataset.refreshed = String((Number(document.body.dataset.refreshed) || 0) + 1);
  } finally {
    refreshing = false;
    if (refreshAgain) scheduleRefresh();
  }
}

// ---------------------------------------------------------------------------------------------
// The live event stream: GET /api/events read as a stream of Server-Sent Events.

let streamGeneration = 0;
let streamAbort = null;
let afterNow = true;

function setLive(stateName, text) {
  const badge = $('live-status');
  badge.dataset.state = stateName;
  badge.textContent = text;
}

function wait(ms, signal) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** (Re)starts the stream: from the last event seen, with the current token; reconnects with backoff. */
function startStream() {
  const generation = ++streamGeneration;
  if (streamAbort) streamAbort.abort();
  const abort = new AbortController();
  streamAbort = abort;
  runStream(generation, abort.signal);
}

async function runStream(generation, signal) {
  let backoff = 1000;
  while (generation === streamGeneration && !signal.aborted) {
    let lagged = false;
    try {
      // The first connection asks for live events only (the views are loaded whole on connecting);
      // later ones resume after the last event seen. A server without ?after=now sends its history.
      const from = state.lastEventId !== null ? state.lastEventId : (afterNow ? 'now' : null);
      const url = '/api/events' + (from !== null ? '?after=' + enc(from) : '');
      setLive('connecting', 'connecting…');
      const response = await fetch(url, {
        headers: { Accept: 'text/event-stream', ...authHeaders() },
        cache: 'no-store',
        signal,
      });
      if (!response.ok) {
        let detail = response.statusText;
        try {
          const body = await response.json();
          detail = body.detail ?? detail;
        } catch {
          // not JSON: the status says enough
        }
        if (response.status === 400 && from === 'now') {
          afterNow = false;
          continue;
        }
        throw new ApiError(response.status, 'http_' + response.status, detail);
      }
      if (!(response.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
        throw new Error('/api/events did not answer with an event stream');
      }
      setLive('live', 'live');
      backoff = 1000;
      scheduleRefresh(true); // catch up with whatever happened while not connected
      lagged = await readEvents(response.body, signal);
      if (!lagged) setLive('connecting', 'stream ended; reconnecting…');
    } catch (e) {
      if (signal.aborted || generation !== streamGeneration) return;
      setLive('down', 'live updates unavailable: ' + describe(e) + '; retrying');
    }
    if (lagged) {
      continue; // too slow for the server: resume at once from the last event seen
    }
    await wait(backoff * (0.75 + Math.random() / 2), signal);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}

/** Reads SSE frames until the stream ends; true when the server said `lagged` (resume from the last id). */
async function readEvents(body, signal) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  signal.addEventListener('abort', () => reader.cancel().catch(() => {}), { once: true });
  let buffer = '';
  let frame = { id: null, type: 'message', data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += value;
    for (;;) {
      const end = buffer.search(/[\r\n]/);
      if (end < 0) break;
      if (buffer[end] === '\r' && end === buffer.length - 1) break; // maybe \r\n split across chunks
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer[end] === '\r' && buffer[end + 1] === '\n' ? 2 : 1));
      if (line === '') {
        if (frame.data.length && dispatch(frame)) return true;
        frame = { id: null, type: 'message', data: [] };
        continue;
      }
      if (line.startsWith(':')) {
        // ": changed": something this token may not see moved the queue (positions, stats): refresh.
        if (line.slice(1).trim() === 'changed') scheduleRefresh();
        continue; // else a heartbeat
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let fieldValue = colon < 0 ? '' : line.slice(colon + 1);
      if (fieldValue.startsWith(' ')) fieldValue = fieldValue.slice(1);
      if (field === 'id' && !fieldValue.includes('\0')) frame.id = fieldValue;
      else if (field === 'event') frame.type = fieldValue;
      else if (field === 'data') frame.data.push(fieldValue);
    }
  }
}

/** Handles one event; true when it tells the client to reconnect. */
function dispatch(frame) {
  if (frame.type === 'lagged') {
    // Too slow for the server: it names the last event it delivered; resume right after it.
    try {
      const lagged = JSON.parse(frame.data.join('\n'));
      if (lagged && lagged.last_event_id !== undefined && lagged.last_event_id !== null) {
        state.lastEventId = String(lagged.last_event_id);
      }
    } catch {
      // keep the last id seen
    }
    setLive('connecting', 'catching up…');
    return true;
  }
  if (frame.id !== null && frame.id !== '') state.lastEventId = frame.id;
  let event = null;
  try {
    event = JSON.parse(frame.data.join('\n'));
  } catch {
    event = { type: frame.type };
  }
  showEvent(event, frame.type);
  scheduleRefresh();
  return false;
}

function showEvent(e, type) {
  const list = $('events');
  const change = e.from || e.to ? (e.from ?? 'new') + ' → ' + (e.to ?? '?') : '';
  list.prepend(el('li', { 'data-event-id': e.id ?? '', 'data-type': e.type ?? type, 'data-job-id': e.job_id ?? null },
    el('time', { datetime: e.at ?? '', text: time(e.at) }),
    el('span', { class: 'badge event', text: e.type ?? type }),
    e.job_id ? el('span', { class: 'mono', text: e.job_id }) : null,
    change ? el('span', { text: change }) : null,
    e.actor ? el('span', { class: 'note', text: 'by ' + e.actor }) : null,
    e.detail ? el('span', { class: 'note', text: e.detail }) : null));
  while (list.children.length > MAX_EVENTS_SHOWN) list.lastElementChild.remove();
  $('events-empty').hidden = true;
}

// ---------------------------------------------------------------------------------------------
// The token

function readToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

function useToken(event) {
  event.preventDefault();
  const token = $('token').value.trim();
  state.token = token;
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    say('This browser does not keep the token (storage is off); it is used until the page closes', 'error');
  }
  // Another token may see other jobs and other events: start over.
  state.lastEventId = null;
  state.settings = null;
  $('events').replaceChildren();
  $('events-empty').hidden = false;
  say(token ? 'Token saved in this browser' : 'No token: acting as the single user (works only while no users exist)', 'ok');
  startStream();
  scheduleRefresh(true);
}

function forgetToken() {
  $('token').value = '';
  $('token-form').requestSubmit();
}

// ---------------------------------------------------------------------------------------------

function main() {
  $('token').value = state.token;
  $('token-form').addEventListener('submit', useToken);
  $('token-forget').addEventListener('click', forgetToken);
  $('settings-form').addEventListener('submit', saveSettings);
  $('settings-form').addEventListener('input', () => {
    state.settingsDirty = true;
  });
  $('settings-reset').addEventListener('click', () => {
    if (state.settings) fillSettings(state.settings);
  });
  setInterval(tick, 5000);
  setInterval(() => {
    if (state.stats) addSample(state.stats); // a point a minute from what is known, without asking
  }, 60000);
  startStream();
  scheduleRefresh(true);
}

main();
