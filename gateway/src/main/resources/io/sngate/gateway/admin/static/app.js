'use strict';
// The status page: polls the admin API and renders it. No framework and no build step, so the
// jar serves it as it is; with admin.token-file the API asks for the token, kept for this tab only.

const REFRESH_MS = 2000;
let selected = null;

function token() { return sessionStorage.getItem('sngate-token'); }

async function api(path, options) {
  const headers = {};
  if (token()) headers['Authorization'] = 'Bearer ' + token();
  const response = await fetch(path, Object.assign({ headers: headers }, options || {}));
  if (response.status === 401) {
    const given = window.prompt('This gateway asks for its admin token (admin.token-file):');
    if (given) { sessionStorage.setItem('sngate-token', given.trim()); return api(path, options); }
  }
  const body = await response.json();
  if (!response.ok) throw new Error(path + ': ' + (body.error || response.status));
  return body;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function facts(dl, pairs) {
  dl.replaceChildren();
  for (const [name, value] of pairs) {
    dl.append(el('dt', name), el('dd', value === null || value === undefined ? '–' : value));
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
    const row = el('tr', null, 'client');
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
  if (!selected) { section.hidden = true; return; }
  let c;
  try {
    c = await api('api/clients/' + encodeURIComponent(selected));
  } catch (e) {
    section.hidden = false;
    document.getElementById('detail-id').textContent = selected + ' (gone)';
    return;
  }
  section.hidden = false;
  document.getElementById('detail-id').textContent = c.clientId;
  facts(document.getElementById('detail-facts'), [
    ['State', c.state], ['Link', c.link], ['Address', c.address], ['Protocol', c.protocol],
    ['Clean session', c.cleanSession], ['Keep-alive', c.keepAliveSeconds + ' s'],
    ['Sleep duration', c.sleepSeconds ? c.sleepSeconds + ' s' : null],
    ['Connected for', c.connectedSeconds === null ? null : duration(c.connectedSeconds) + ' (since ' + c.connectedAt + ')'],
    ['Last seen', ago(c.lastSeenSecondsAgo)], ['Queued', c.queued], ['In flight to device', c.inFlightToDevice],
    ['In flight to broker', c.inFlightToBroker], ['Broker side', c.upstream],
  ]);
  const topics = document.querySelector('#detail-topics tbody');
  topics.replaceChildren();
  for (const t of c.topics) {
    const row = el('tr');
    row.append(el('td', t.id), el('td', t.name), el('td', t.knownToDevice ? 'yes' : 'no'));
    topics.append(row);
  }
  const subscriptions = document.querySelector('#detail-subscriptions tbody');
  subscriptions.replaceChildren();
  for (const s of c.subscriptions) {
    const row = el('tr');
    row.append(el('td', s.filter), el('td', s.qos));
    subscriptions.append(row);
  }
  facts(document.getElementById('detail-counters'), Object.entries(c.counters));
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

document.getElementById('kick').addEventListener('click', async () => {
  if (!selected || !window.confirm('Disconnect ' + selected + '? Its will is published.')) return;
  try { await api('api/clients/' + encodeURIComponent(selected), { method: 'DELETE' }); } catch (e) { /* shown at refresh */ }
  refresh();
});
document.getElementById('detail-close').addEventListener('click', (e) => { e.preventDefault(); location.hash = ''; });
document.getElementById('filters').addEventListener('input', refresh);
document.getElementById('filters').addEventListener('submit', (e) => e.preventDefault());
window.addEventListener('hashchange', () => { readHash(); refresh(); });
readHash();
refresh();
setInterval(refresh, REFRESH_MS);
