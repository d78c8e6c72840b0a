'use strict';
// The status page: polls the admin API and renders it. No framework and no build step, so the
// jar serves it as it is; with admin.token-file the API asks for the token, kept for this tab only.

const DEFAULT_REFRESH_SECONDS = 2;
// Below 0.2 s the page would keep the admin server's two threads busy; above an hour the
// browser's timer overflows and fires at once.
const MIN_REFRESH_SECONDS = 0.2;
const MAX_REFRESH_SECONDS = 3600;
const refreshSeconds = readRefreshSeconds();
let selected = null;

/** ?refresh=SECONDS in the address: a slow link or a busy Pi may want fewer requests, a test more. */
function readRefreshSeconds() {
  const given = new URLSearchParams(location.search).get('refresh');
  let seconds = DEFAULT_REFRESH_SECONDS;
  if (given !== null) {
    const asked = Number(given);
    if (given.trim() !== '' && Number.isFinite(asked) && asked >= MIN_REFRESH_SECONDS && asked <= MAX_REFRESH_SECONDS) {
      seconds = asked;
    } else {
      const notice = document.getElementById('refresh-notice');
      notice.textContent = 'refresh=' + given + ' in the address is not a number of seconds from ' + MIN_REFRESH_SECONDS
        + ' to ' + MAX_REFRESH_SECONDS + '; the page refreshes every ' + DEFAULT_REFRESH_SECONDS + ' s instead.';
      notice.hidden = false;
    }
  }
  document.getElementById('refresh-period').textContent = seconds + ' s';
  return seconds;
}

/** A request the admin API answered with an error: status tells a gone client (404) from a failure. */
class ApiError extends Error {
  constructor(path, status, message) {
    super(path + ': ' + message);
    this.status = status;
  }
}

function token() { return sessionStorage.getItem('sngate-token'); }

async function api(path, options) {
  const headers = {};
  if (token()) headers['Authorization'] = 'Bearer ' + token();
  const response = await fetch(path, Object.assign({ headers: headers }, options || {}));
  if (response.status === 401) {
    const given = window.prompt('This gateway asks for its admin token (admin.token-file):');
    if (given) { sessionStorage.setItem('sngate-token', given.trim()); return api(path, options); }
  }
  let body;
  try {
    body = await response.json();
  } catch (e) {
    throw new ApiError(path, response.status, 'answered ' + response.status + ' without JSON');
  }
  if (!response.ok) throw new ApiError(path, response.status, body.error || String(response.status));
  return body;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

/** Fills a list of name-value pairs; with key, each value carries its name as data-KEY. */
function facts(dl, pairs, key) {
  dl.replaceChildren();
  for (const [name, value] of pairs) {
    const dd = el('dd', value === null || value === undefined ? '–' : value);
    if (key) dd.dataset[key] = name;
    dl.append(el('dt', name), dd);
  }
}

// Ages come from the gateway's own monotonic clock: the browser's clock and a Pi's may disagree.
function ago(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 60) return seconds + ' s ago';
  if (seconds < 3600) return Math.floor(seconds / 60) + ' min ago';
  return Math.floor(seconds / 3600) + ' h ago';
}

function duration(seconds) {
  const h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
  return (h ? h + ' h ' : '') + (h || m ? m + ' min ' : '') + s + ' s';
}

function stateBadge(state) {
  return el('span', state === 'asleep' ? 'asleep' : state, 'state state-' + state);
}

async function refreshGateway() {
  const g = await api('api/gateway');
  document.getElementById('version').textContent = 'version ' + g.version + ', ' + g.mode + ' mode';
  const broker = document.getElementById('broker');
  broker.textContent = 'broker ' + g.broker.uri + (g.broker.reachable ? ' reachable' : ' unreachable: ' + g.broker.detail);
  broker.className = 'pill ' + (g.broker.reachable ? 'up' : 'down');
  facts(document.getElementById('gateway-facts'), [
    ['Up for', duration(g.uptimeSeconds)],
    ['Sessions', g.sessions],
    ...Object.entries(g.sessionsByState).map(([state, n]) => ['  ' + state, n]),
    ['UDP port', g.udpPort],
    ['DTLS port', g.dtlsPort],
    ['Transports', g.transports.join('; ')],
    ['Embedded broker', g.broker.embedded ? 'yes' : 'no'],
    ['Max clients', g.limits['limits.max-clients']],
  ]);
  const tbody = document.querySelector('#counters tbody');
  tbody.replaceChildren();
  for (const [name, value] of Object.entries(g.counters)) {
    const row = el('tr');
    row.dataset.counter = name;
    row.append(el('td', name), el('td', value));
    tbody.append(row);
  }
}

async function refreshClients() {
  const params = new URLSearchParams({ limit: '200' });
  const state = document.getElementById('filter-state').value;
  const prefix = document.getElementById('filter-prefix').value;
  if (state) params.set('state', state);
  if (prefix) params.set('prefix', prefix);
  const page = await api('api/clients?' + params);
  document.getElementById('client-count').textContent = '(' + page.total + ')';
  const tbody = document.querySelector('#clients tbody');
  tbody.replaceChildren();
  for (const c of page.clients) {
    const row = el('tr', null, c.clientId === selected ? 'client selected' : 'client');
    row.dataset.clientId = c.clientId;
    row.dataset.state = c.state;
    const state = el('td');
    state.append(stateBadge(c.state));
    row.append(el('td', c.clientId), state, el('td', c.link), el('td', c.address), el('td', ago(c.lastSeenSecondsAgo)),
      el('td', c.queued), el('td', c.topics), el('td', c.upstream));
    row.addEventListener('click', () => { location.hash = 'client=' + encodeURIComponent(c.clientId); });
    tbody.append(row);
  }
}

async function refreshDetail() {
  const section = document.getElementById('client-detail');
  const wanted = selected;
  if (!wanted) { section.hidden = true; return; }
  let c = null;
  try {
    c = await api('api/clients/' + encodeURIComponent(wanted));
  } catch (e) {
    // Only a 404 means the session ended; any other failure is the refresh's error.
    if (e.status !== 404) throw e;
  }
  section.hidden = false;
  document.getElementById('detail-id').textContent = wanted;
  document.getElementById('detail-gone').hidden = c !== null;
  document.getElementById('kick').hidden = c === null;
  const topics = document.querySelector('#detail-topics tbody');
  const subscriptions = document.querySelector('#detail-subscriptions tbody');
  if (c === null) {
    // What the ended session last showed would read as if it still held.
    facts(document.getElementById('detail-facts'), []);
    facts(document.getElementById('detail-counters'), []);
    topics.replaceChildren();
    subscriptions.replaceChildren();
    return;
  }
  facts(document.getElementById('detail-facts'), [
    ['State', c.state], ['Link', c.link], ['Address', c.address], ['Protocol', c.protocol],
    ['Clean session', c.cleanSession], ['Keep-alive', c.keepAliveSeconds + ' s'],
    ['Sleep duration', c.sleepSeconds ? c.sleepSeconds + ' s' : null],
    ['Connected for', c.connectedSeconds === null ? null : duration(c.connectedSeconds) + ' (since ' + c.connectedAt + ')'],
    ['Last seen', ago(c.lastSeenSecondsAgo)], ['Queued', c.queued], ['In flight to device', c.inFlightToDevice],
    ['In flight to broker', c.inFlightToBroker], ['Broker side', c.upstream],
  ]);
  topics.replaceChildren();
  for (const t of c.topics) {
    const row = el('tr');
    row.append(el('td', t.id), el('td', t.name), el('td', t.knownToDevice ? 'yes' : 'no'));
    topics.append(row);
  }
  subscriptions.replaceChildren();
  for (const s of c.subscriptions) {
    const row = el('tr');
    row.append(el('td', s.filter), el('td', s.qos));
    subscriptions.append(row);
  }
  facts(document.getElementById('detail-counters'), Object.entries(c.counters), 'counter');
}

function readHash() {
  const match = /^#client=(.+)$/.exec(location.hash);
  selected = match ? decodeURIComponent(match[1]) : null;
}

async function refresh() {
  const error = document.getElementById('error');
  try {
    await Promise.all([refreshGateway(), refreshClients(), refreshDetail()]);
    error.hidden = true;
    document.body.dataset.loaded = 'true';
  } catch (e) {
    error.textContent = String(e.message || e);
    error.hidden = false;
  }
}

// One refresh at a time: the answers of two overlapping ones could arrive out of order and
// leave the older on screen (rows of before a change, or the client selected before a click).
// One asked for while another runs follows it at once; otherwise the next waits a period.
let refreshing = false;
let refreshAgain = false;
let nextRefresh = null;

function requestRefresh() {
  if (refreshing) { refreshAgain = true; return; }
  refreshing = true;
  clearTimeout(nextRefresh);
  refresh().finally(() => {
    refreshing = false;
    if (refreshAgain) {
      refreshAgain = false;
      requestRefresh();
    } else {
      nextRefresh = setTimeout(requestRefresh, refreshSeconds * 1000);
    }
  });
}

document.getElementById('kick').addEventListener('click', async () => {
  const who = selected;
  if (!who || !window.confirm('Disconnect ' + who + '? Its will is published.')) return;
  const result = document.getElementById('kick-result');
  try {
    await api('api/clients/' + encodeURIComponent(who), { method: 'DELETE' });
    result.hidden = true;
  } catch (e) {
    result.textContent = 'Not disconnected: ' + e.message;
    result.hidden = false;
  }
  requestRefresh();
});
document.getElementById('detail-close').addEventListener('click', (e) => { e.preventDefault(); location.hash = ''; });
document.getElementById('filters').addEventListener('input', requestRefresh);
document.getElementById('filters').addEventListener('submit', (e) => e.preventDefault());
window.addEventListener('hashchange', () => {
  readHash();
  document.getElementById('kick-result').hidden = true;
  requestRefresh();
});
readHash();
requestRefresh();
