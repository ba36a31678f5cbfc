// The dashboard's pages. Each page is {mount(root, params), refresh()}: mount builds the
// skeleton once, refresh fetches and fills it in place (the app calls it every few
// seconds), so charts update smoothly and half-typed decisions are never wiped.
// Everything the service sends is put in the page as text, never as HTML.
'use strict';

const Pages = (() => {
  // ---- small DOM helpers ----
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  const clear = (el) => { while (el.firstChild) el.removeChild(el.firstChild); return el; };
  const fmtInt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString());
  const pct = (r) => (r === null || r === undefined ? '–' : (r * 100).toFixed(r < 0.1 ? 1 : 0) + '%');
  const short = (w) => (w || '').split('.').pop();
  const sum = (xs) => xs.reduce((a, b) => a + (b || 0), 0);

  function ago(iso) {
    if (!iso) return '–';
    const ms = Api.now() - Date.parse(iso);
    if (ms < 0) return 'in ' + Charts.duration(-ms);
    if (ms < 45000) return 'just now';
    return Charts.duration(ms) + ' ago';
  }
  function when(iso) {
    return h('span', { title: iso ? new Date(iso).toLocaleString() : '' }, ago(iso));
  }
  // An amount of a calendar's open time, as a person reads it: "3h 10m of StoreHours open
  // time" (docs/insights.md "Business time").
  function openTime(seconds, calendar) {
    const minutes = Math.floor(Math.abs(seconds) / 60);
    const hours = Math.floor(minutes / 60);
    const text = hours ? `${hours}h ${minutes % 60}m` : `${minutes}m`;
    return `${text} of ${calendar} open time`;
  }
  function money(m) {
    if (!m || typeof m !== 'object' || !('amount' in m)) return null;
    const n = Number(m.amount);
    try {
      return new Intl.NumberFormat(undefined, { style: 'currency', currency: m.currency }).format(n);
    } catch (e) {
      return `${m.amount} ${m.currency}`;
    }
  }
  function valueText(v) {
    if (v === null || v === undefined || v === '') return '–';
    if (typeof v === 'object') return money(v) || JSON.stringify(v);
    return String(v);
  }
  const badge = (status, text) => h('span', { class: 'badge ' + status }, text || status);
  const instanceLink = (id) => h('a', { href: '#/instances/' + encodeURIComponent(id), class: 'mono' }, id);
  function panel(title, sub, ...body) {
    return h('section', { class: 'card panel' },
      h('div', { class: 'panel-head' }, h('h2', { text: title }), sub instanceof Node ? sub : sub ? h('span', { class: 'faint', text: sub }) : null),
      ...body);
  }
  function chartBox(id) {
    return h('div', { class: 'chart-box' }, h('canvas', { id, role: 'img', 'aria-label': id }));
  }
  function showEmpty(box, empty, text) {
    let note = box.querySelector('.empty');
    if (empty && !note) box.append(note = h('div', { class: 'empty', text }));
    if (!empty && note) note.remove();
    const canvas = box.querySelector('canvas');
    if (canvas) canvas.hidden = empty;
  }
  function query(params) {
    const q = Object.entries(params).filter(([, v]) => v !== '' && v !== null && v !== undefined);
    return q.length ? '?' + q.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&') : '';
  }

  // Who is signed in (set by the app from GET /v1/me).
  let me = { name: '', roles: [], admin: false };
  const setMe = (m) => { me = m; };
  function holdsRole(role) {
    const want = short(role);
    return me.roles.some((r) => r === role || short(r) === want);
  }
  function canAct(task) {
    if (task.status !== 'open') return false;
    if (task.assignee.user) return task.assignee.user === me.name;
    return holdsRole(task.assignee.role);
  }
  const assigneeText = (a) => (a.user ? a.user : short(a.role));

  // The workflows seen so far (for the filters), by qualified name.
  const knownWorkflows = new Set();
  function workflowSelect(value, onchange) {
    const select = h('select', { 'aria-label': 'Workflow', onchange: () => onchange(select.value) });
    const fill = () => {
      const current = select.value || value;
      clear(select).append(h('option', { value: '' }, 'All workflows'));
      for (const w of [...knownWorkflows].sort((a, b) => short(a).localeCompare(short(b))))
        select.append(h('option', { value: w, selected: w === current }, short(w)));
    };
    fill();
    select.refill = fill;
    return select;
  }
  function seg(options, value, onchange) {
    const box = h('div', { class: 'seg', role: 'group' });
    for (const [v, label] of options) {
      const b = h('button', { type: 'button', class: v === value ? 'on' : '', 'data-value': v }, label);
      b.addEventListener('click', () => {
        box.querySelectorAll('button').forEach((x) => x.classList.toggle('on', x === b));
        onchange(v);
      });
      box.append(b);
    }
    return box;
  }

  // ---- a task: its facts and, for whoever may act, the decision ----
  function fieldInput(field) {
    const type = field.type;
    const optional = type.endsWith('?');
    const base = optional ? type.slice(0, -1) : type;
    const name = 'f-' + field.name;
    if (base === 'bool') {
      const input = h('input', { type: 'checkbox', name });
      return { el: h('label', { class: 'field check' }, input, h('span', { text: field.name })), read: () => input.checked };
    }
    if (base === 'money') {
      const amount = h('input', { type: 'text', name, inputmode: 'decimal', placeholder: '0.00' });
      const currency = h('input', { type: 'text', name: name + '-currency', value: 'USD', size: 4, maxlength: 3 });
      return {
        el: h('label', { class: 'field' }, h('span', { text: `${field.name} (money)` }), h('div', { class: 'row' }, amount, currency)),
        read: () => (amount.value.trim() === '' && optional ? null : { amount: amount.value.trim(), currency: currency.value.trim().toUpperCase() }),
      };
    }
    const structured = /^(list|map)<|^\{/.test(base);
    const input = structured
      ? h('textarea', { name, rows: 3, placeholder: 'JSON' })
      : h('input', { type: base === 'int' ? 'number' : 'text', name, step: base === 'int' ? '1' : null, inputmode: base === 'decimal' ? 'decimal' : null });
    const read = () => {
      const raw = input.value.trim();
      if (raw === '' && optional) return null;
      if (base === 'int') return raw === '' ? NaN : Number(raw);
      if (base === 'duration') return Number(raw);
      if (structured) return JSON.parse(raw || 'null');
      return input.value;
    };
    return { el: h('label', { class: 'field' }, h('span', { text: `${field.name} (${type})` }), input), read };
  }

  function taskCard(task, onDecided) {
    const card = h('article', { class: 'card task', 'data-task': task.id });
    const amount = money(task.amount);
    const facts = h('dl', { class: 'kv' });
    if (task.data && typeof task.data === 'object') {
      for (const [k, v] of Object.entries(task.data)) facts.append(h('dt', { text: k }), h('dd', { text: valueText(v) }));
    }
    // A task declared in a calendar shows its ages in the calendar's open time as well.
    const inCalendar = task.calendar && task.age_business_seconds !== null;
    const businessAge = inCalendar && task.status === 'open'
      ? h('span', { class: 'business-age', 'data-field': 'business-age' }, openTime(task.age_business_seconds, task.calendar))
      : null;
    let due = task.due ? h('span', {}, 'due ', when(task.due)) : null;
    if (due && inCalendar && task.due_in_business_seconds !== null) {
      due = task.due_in_business_seconds >= 0
        ? h('span', { title: new Date(task.due).toLocaleString() }, 'due in ' + openTime(task.due_in_business_seconds, task.calendar))
        : h('span', { title: new Date(task.due).toLocaleString() }, 'due ' + openTime(task.due_in_business_seconds, task.calendar) + ' ago');
    }
    card.append(
      h('div', { class: 'task-head' },
        h('div', {},
          h('div', { class: 'task-title', text: task.title }),
          h('div', { class: 'task-meta' },
            h('span', {}, short(task.workflow)),
            h('span', {}, 'for ', h('b', { text: assigneeText(task.assignee) })),
            h('span', {}, 'opened ', when(task.created_at)),
            businessAge,
            due,
            task.requested_by ? h('span', {}, 'requested by ' + task.requested_by) : null)),
        amount ? h('div', { class: 'amount', text: amount }) : badge('open plain', task.kind)),
      h('div', { class: 'chips' },
        task.status !== 'open' ? badge(task.status) : null,
        task.overdue ? h('span', { class: 'badge warn' }, 'overdue') : null,
        task.escalated ? h('span', { class: 'badge warn' }, 'escalated') : null,
        task.approvers > 1 ? h('span', { class: 'badge plain' }, `${task.approved_by.length} of ${task.approvers} approvals`) : null),
      facts.childElementCount ? facts : null,
      h('a', { href: '#/instances/' + encodeURIComponent(task.instance), class: 'note' }, 'Instance ' + task.instance + ' →'));

    if (task.status !== 'open') {
      if (task.decided_by) card.append(h('p', { class: 'note' }, `Decided by ${task.decided_by} `, when(task.decided_at), task.comment ? ` — “${task.comment}”` : ''));
      return card;
    }
    if (!canAct(task)) {
      card.append(h('p', { class: 'note' }, `Waiting for ${assigneeText(task.assignee)}; you (${me.name}) do not hold that ${task.assignee.user ? 'identity' : 'role'}.`));
      return card;
    }
    if (task.approved_by.includes(me.name)) {
      card.append(h('p', { class: 'note' }, 'You approved this; it waits for another approver.'));
      return card;
    }
    const error = h('p', { class: 'error', role: 'alert' });
    const comment = h('input', { type: 'text', name: 'comment', placeholder: 'Comment (optional)', maxlength: 2000 });
    const decide = h('form', { class: 'decide' });
    const send = async (body, button) => {
      error.textContent = '';
      decide.querySelectorAll('button').forEach((b) => { b.disabled = true; });
      try {
        const done = await Api.post(`/v1/tasks/${encodeURIComponent(task.id)}/decision`, body);
        clear(decide).append(h('p', { class: 'ok', role: 'status' }, `${button}: ${done.status || 'done'}.`));
        card.classList.add('gone');
        if (onDecided) onDecided(done);
      } catch (e) {
        error.textContent = e.message;
        decide.querySelectorAll('button').forEach((b) => { b.disabled = false; });
      }
    };
    if (task.kind === 'approval') {
      decide.append(h('div', { class: 'row' }, comment),
        h('div', { class: 'row' },
          h('button', { type: 'button', class: 'approve', onclick: () => send({ approve: true, comment: comment.value }, 'Approved') }, 'Approve'),
          h('button', { type: 'button', class: 'reject', onclick: () => send({ approve: false, comment: comment.value }, 'Rejected') }, 'Reject')),
        error);
    } else {
      const inputs = (task.form || []).map((f) => ({ f, ...fieldInput(f) }));
      decide.append(...inputs.map((i) => i.el), h('div', { class: 'row' }, comment),
        h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Complete')), error);
      decide.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const form = {};
        try {
          for (const i of inputs) {
            const v = i.read();
            if (typeof v === 'number' && Number.isNaN(v)) throw new Error(`${i.f.name}: enter a number`);
            form[i.f.name] = v;
          }
        } catch (e) {
          error.textContent = e.message;
          return;
        }
        send({ form, comment: comment.value }, 'Completed');
      });
    }
    decide.addEventListener('submit', (ev) => ev.preventDefault());
    card.append(decide);
    return card;
  }

  // ---- Overview ----
  function overview() {
    let workflow = '';
    let since = '7d';
    const select = workflowSelect('', (v) => { workflow = v; page.refresh(); });
    const kpis = h('div', { class: 'kpis' });
    const recent = h('div');
    const versions = h('div', { 'data-field': 'versions' });
    const page = {
      title: 'Overview',
      mount(root) {
        root.append(
          h('div', { class: 'page-head' },
            h('div', {}, h('h1', { text: 'Operations overview' }), h('p', { class: 'muted', id: 'window-text' })),
            h('div', { class: 'filters' }, select,
              seg([['1h', '1 h'], ['24h', '24 h'], ['7d', '7 days'], ['30d', '30 days']], since, (v) => { since = v; page.refresh(); }))),
          kpis,
          h('div', { class: 'grid grid-2' },
            panel('Instances by status', 'per workflow, now', chartBox('c-status')),
            panel('Cycle time', 'p50 and p95 of completed instances, by hour', chartBox('c-cycle')),
            panel('Open tasks by age', h('span', { class: 'faint', id: 'ages-sub' }, 'approvals and tasks waiting for people'), chartBox('c-ages')),
            panel('SLA breaches and escalations', 'in the window', chartBox('c-breaches')),
            panel('Connector failure rate', 'failed attempts, retries included', chartBox('c-connectors')),
            panel('Failed-instance backlog', 'by error kind', chartBox('c-backlog'))),
          h('div', { class: 'section' }, panel('Latest failures', null, recent)),
          h('div', { class: 'section' }, panel('Versions', 'live instances per deployed version; POST /v1/migrations moves waiting ones', versions)));
      },
      async refresh() {
        const data = await Api.get('/v1/insights' + query({ workflow, since }));
        Api.syncClock(data.now);
        if (!workflow) {
          let grew = false;
          for (const w of data.workflows) if (!knownWorkflows.has(w.workflow)) { knownWorkflows.add(w.workflow); grew = true; }
          if (grew) select.refill();
        }
        const ws = data.workflows;
        const w = document.getElementById('window-text');
        if (w) w.textContent = `Since ${new Date(data.since).toLocaleString()} · ${ws.length} workflows`;
        const started = sum(ws.map((x) => x.started));
        const inFlight = sum(ws.map((x) => (x.instances.Running || 0) + (x.instances.Waiting || 0)));
        const openTasks = sum(ws.map((x) => sum(Object.values(x.tasks.open_by_age))));
        const stale = sum(ws.map((x) => x.tasks.open_by_age['>24h'] || 0));
        const created = sum(ws.map((x) => x.tasks.created));
        const escalations = sum(ws.map((x) => x.escalations));
        const breaches = sum(ws.map((x) => x.sla_breaches));
        const backlog = sum(Object.values(data.failed_backlog));
        const decisions = ws.map((x) => x.time_to_decision_ms).filter((d) => d.count > 0);
        const p50s = decisions.map((d) => d.p50).sort((a, b) => a - b);
        const tile = (label, value, sub, tone) => h('div', { class: 'card kpi ' + (tone || '') },
          h('div', { class: 'label', text: label }), h('div', { class: 'value', text: value }), h('div', { class: 'sub', text: sub || '' }));
        clear(kpis).append(
          tile('Started', fmtInt(started), `${fmtInt(sum(ws.map((x) => x.completed)))} completed`),
          tile('In flight', fmtInt(inFlight), 'running or waiting'),
          tile('Open tasks', fmtInt(openTasks), `${fmtInt(stale)} older than 24 h`, stale > 0 ? 'warn' : ''),
          tile('Escalation rate', pct(created ? escalations / created : null), `${fmtInt(escalations)} of ${fmtInt(created)} tasks`),
          tile('SLA breaches', fmtInt(breaches), 'in the window', breaches > 0 ? 'bad' : ''),
          tile('Failed backlog', fmtInt(backlog), 'instances to look at', backlog > 0 ? 'bad' : ''),
          tile('Time to decision', p50s.length ? Charts.duration(p50s[Math.floor(p50s.length / 2)]) : '–', 'median of workflow p50s'));
        // Classifiers are counted since the store began, whatever the window; the tile
        // leads to their page once any has classified.
        const classifiers = data.classifiers || [];
        const classified = sum(classifiers.map((q) => q.classifications));
        if (classified > 0) {
          kpis.append(h('a', { href: '#/triage', class: 'card kpi kpi-link', 'data-field': 'triage' },
            h('div', { class: 'label', text: 'Triage coverage' }),
            h('div', { class: 'value', text: pct(sum(classifiers.map((q) => q.labelled)) / classified) }),
            h('div', { class: 'sub', text: `${fmtInt(classified)} classified · triage quality →` })));
        }
        // The early warning and the bottlenecks have their own pages; the tiles lead there.
        const risk = await Api.get('/v1/insights/at-risk' + query({ workflow }));
        kpis.append(
          h('a', { href: '#/at-risk', class: 'card kpi kpi-link ' + (risk.instances.length > 0 ? 'warn' : ''), 'data-field': 'at-risk' },
            h('div', { class: 'label', text: 'At risk' }),
            h('div', { class: 'value', text: fmtInt(risk.instances.length) }),
            h('div', { class: 'sub', text: 'predicted to breach their SLA →' })),
          h('a', { href: '#/stages', class: 'card kpi kpi-link', 'data-field': 'stages' },
            h('div', { class: 'label', text: 'Where time goes' }),
            h('div', { class: 'value', text: '⏱' }),
            h('div', { class: 'sub', text: 'stages ranked by time →' })),
          h('a', { href: '#/by', class: 'card kpi kpi-link', 'data-field': 'by' },
            h('div', { class: 'label', text: 'By dimension' }),
            h('div', { class: 'value', text: '▲▼' }),
            h('div', { class: 'sub', text: 'regions, stores, categories: trends →' })));
        Charts.statusByWorkflow('c-status', ws);
        showEmpty(document.getElementById('c-status').parentNode, ws.length === 0, 'No instances yet');
        Charts.cycleSeries('c-cycle', data.cycle_time_series);
        showEmpty(document.getElementById('c-cycle').parentNode, data.cycle_time_series.length === 0, 'Nothing completed in the window');
        // Tasks declared in a calendar are aged in its open time (open_by_business_age).
        const inCalendar = sum(ws.map((x) => x.tasks.open_in_calendar || 0));
        const agesSub = document.getElementById('ages-sub');
        if (agesSub) agesSub.textContent = inCalendar
          ? `approvals and tasks waiting for people; ${fmtInt(inCalendar)} aged in their calendar's open time`
          : 'approvals and tasks waiting for people';
        const withTasks = Charts.tasksByAge('c-ages', ws);
        showEmpty(document.getElementById('c-ages').parentNode, withTasks === 0, 'No open tasks: the inbox is clear');
        Charts.breaches('c-breaches', ws.filter((x) => x.sla || x.sla_breaches || x.escalations || x.policy_refusals || x.tasks.created));
        Charts.connectors('c-connectors', data.connectors);
        showEmpty(document.getElementById('c-connectors').parentNode, data.connectors.length === 0, 'No connector calls in the window');
        Charts.backlog('c-backlog', data.failed_backlog);
        showEmpty(document.getElementById('c-backlog').parentNode, backlog === 0, 'No failed instances');
        const failed = await Api.get('/v1/instances' + query({ status: 'Failed', workflow, limit: 8 }));
        clear(recent).append(failedTable(failed.items, 'No failed instances. Good.'));
        const vs = await Api.get('/v1/versions');
        clear(versions).append(versionsTable(vs.items));
        return { failed: backlog };
      },
    };
    return page;
  }

  // The versions stored with their live (running or waiting) instances, current first.
  function versionsTable(items) {
    if (!items.length) return h('div', { class: 'empty', text: 'Nothing deployed yet' });
    const sorted = [...items].sort((a, b) => (b.current - a.current) || (b.live - a.live));
    return h('table', {},
      h('thead', {}, h('tr', {}, h('th', { text: 'Version' }), h('th', { text: 'Live instances' }), h('th', { text: '' }))),
      h('tbody', {}, sorted.map((v) => h('tr', {},
        h('td', { class: 'mono', title: v.version, text: v.version.slice(0, 12) }),
        h('td', { text: fmtInt(v.live) }),
        h('td', {}, v.current ? badge('Completed plain', 'current') : null)))));
  }

  function failedTable(items, emptyText) {
    if (!items.length) return h('div', { class: 'empty', text: emptyText });
    return h('table', {},
      h('thead', {}, h('tr', {}, h('th', { text: 'Instance' }), h('th', { text: 'Workflow' }), h('th', { text: 'Kind' }), h('th', { text: 'Error' }), h('th', { text: 'Failed' }))),
      h('tbody', {}, items.map((i) => h('tr', {},
        h('td', {}, instanceLink(i.id)),
        h('td', {}, short(i.workflow), i.key ? h('div', { class: 'faint mono', text: i.key }) : null),
        h('td', {}, badge('Failed plain', i.error_kind || 'error')),
        h('td', { class: 'clip', title: i.error || '' }, i.error || ''),
        h('td', {}, when(i.ended_at || i.updated_at))))));
  }

  // ---- Failed-instance backlog ----
  function failedPage() {
    let workflow = '';
    let kind = '';
    let items = [];
    let next = null;
    const chips = h('div', { class: 'chips' });
    const table = h('div');
    const more = h('div', { class: 'more' });
    const select = workflowSelect('', (v) => { workflow = v; page.refresh(); });
    const render = () => {
      const shown = kind ? items.filter((i) => (i.error_kind || 'error') === kind) : items;
      clear(table).append(failedTable(shown, 'No failed instances.'));
      clear(more);
      if (next) more.append(h('button', { type: 'button', onclick: loadMore }, 'Load more'));
    };
    const loadMore = async () => {
      const pageData = await Api.get('/v1/instances' + query({ status: 'Failed', workflow, limit: 100, after: next }));
      items = items.concat(pageData.items);
      next = pageData.next;
      render();
    };
    const page = {
      title: 'Failed',
      mount(root) {
        root.append(
          h('div', { class: 'page-head' },
            h('div', {}, h('h1', { text: 'Failed-instance backlog' }), h('p', { class: 'muted', text: 'Instances that ended in an error, newest first by id; open one for its audit trail.' })),
            h('div', { class: 'filters' }, select)),
          h('div', { class: 'card panel' }, chips, h('div', { class: 'section' }, table), more));
      },
      async refresh() {
        const [insights, first] = await Promise.all([
          Api.get('/v1/insights' + query({ workflow, since: '3650d' })),
          Api.get('/v1/instances' + query({ status: 'Failed', workflow, limit: 100 })),
        ]);
        Api.syncClock(insights.now);
        for (const w of insights.workflows) knownWorkflows.add(w.workflow);
        const kinds = Object.entries(insights.failed_backlog);
        clear(chips).append(
          h('button', { type: 'button', class: 'chip' + (kind ? '' : ' on'), onclick: () => { kind = ''; page.refresh(); } }, 'All', h('b', { text: fmtInt(sum(kinds.map(([, n]) => n))) })),
          kinds.map(([k, n]) => h('button', { type: 'button', class: 'chip' + (k === kind ? ' on' : ''), onclick: () => { kind = k; page.refresh(); } }, k, h('b', { text: fmtInt(n) }))));
        if (items.length <= 100) {
          items = first.items;
          next = first.next;
        }
        render();
        return { failed: sum(kinds.map(([, n]) => n)) };
      },
    };
    return page;
  }

  // ---- Instances ----
  function instancesPage() {
    let workflow = '';
    let status = '';
    let key = '';
    const table = h('div');
    const more = h('div', { class: 'more' });
    let items = [];
    let next = null;
    const select = workflowSelect('', (v) => { workflow = v; page.refresh(); });
    const keyInput = h('input', { type: 'text', placeholder: 'Business key', 'aria-label': 'Business key', onchange: () => { key = keyInput.value.trim(); page.refresh(); } });
    const render = () => {
      clear(table);
      if (!items.length) table.append(h('div', { class: 'empty', text: 'No instances match.' }));
      else {
        table.append(h('table', {},
          h('thead', {}, h('tr', {}, ['Instance', 'Workflow', 'Status', 'Waiting for', 'Started', 'Updated'].map((t) => h('th', { text: t })))),
          h('tbody', {}, items.map((i) => h('tr', {},
            h('td', {}, instanceLink(i.id)),
            h('td', {}, short(i.workflow), i.key ? h('div', { class: 'faint mono', text: i.key }) : null),
            h('td', {}, badge(i.status), i.breached ? h('span', { class: 'badge warn', title: 'past its SLA' }, 'SLA') : null),
            h('td', { class: 'clip' }, i.waiting_for.map((w) => `${w.kind}: ${w.detail}`).join(', ')),
            h('td', {}, when(i.created_at)),
            h('td', {}, when(i.updated_at)))))));
      }
      clear(more);
      if (next) more.append(h('button', { type: 'button', onclick: loadMore }, 'Load more'));
    };
    const loadMore = async () => {
      const p = await Api.get('/v1/instances' + query({ workflow, status, key, limit: 100, after: next }));
      items = items.concat(p.items);
      next = p.next;
      render();
    };
    const page = {
      title: 'Instances',
      mount(root) {
        root.append(
          h('div', { class: 'page-head' },
            h('div', {}, h('h1', { text: 'Instances' }), h('p', { class: 'muted', text: 'Every run of every workflow; filter by workflow, status or business key.' })),
            h('div', { class: 'filters' }, keyInput, select,
              seg([['', 'All'], ['Running', 'Running'], ['Waiting', 'Waiting'], ['Completed', 'Completed'], ['Failed', 'Failed'], ['Cancelled', 'Cancelled']], status, (v) => { status = v; page.refresh(); }))),
          h('div', { class: 'card panel' }, table, more));
      },
      async refresh() {
        if (items.length > 100) return {};
        const p = await Api.get('/v1/instances' + query({ workflow, status, key, limit: 100 }));
        items = p.items;
        next = p.next;
        render();
        return {};
      },
    };
    return page;
  }

  // ---- One instance and its audit timeline ----
  const TONES = {
    started: 'info', called: 'info', answered: 'good', completed: 'good', signal: 'info', note: 'info',
    failed: 'bad', 'call failed': 'bad', refused: 'bad', 'sla breached': 'bad', cancelled: 'bad', 'breach handler failed': 'bad',
    approved: 'good', rejected: 'bad', 'task completed': 'good',
    escalated: 'warn', overdue: 'warn', expired: 'warn', retry: 'warn', 'timed out': 'warn', notify: 'warn',
  };
  // What the workflow tracks (`track`, fixed at start) and the latest value of each
  // measure (`measure`), as GET /v1/instances/{id} shows them; nothing for a workflow that
  // declares neither.
  function figuresPanel(inst) {
    const tracked = Object.entries(inst.tracked || {});
    const measures = Object.entries(inst.measures || {});
    if (!tracked.length && !measures.length) return null;
    const list = (rows, attr) => h('dl', { class: 'kv' }, rows.flatMap(([name, text]) =>
      [h('dt', { text: name }), h('dd', { [attr]: name, text })]));
    return panel('Figures', 'tracked at start · latest measures',
      h('div', { id: 'instance-figures', class: 'figures' },
        tracked.length ? h('h3', { text: 'Tracked' }) : null,
        tracked.length ? list(tracked, 'data-tracked') : null,
        measures.length ? h('h3', { text: 'Measures' }) : null,
        measures.length ? list(measures.map(([name, m]) => [name, m.text]), 'data-measure') : null));
  }

  function instancePage(id) {
    const head = h('div');
    const body = h('div');
    return {
      title: id,
      mount(root) {
        root.append(head, body);
      },
      async refresh() {
        let inst;
        try {
          inst = await Api.get('/v1/instances/' + encodeURIComponent(id));
        } catch (e) {
          if (e.status !== 404) throw e;
          clear(head).append(h('div', { class: 'empty' }, `There is no instance ${id}.`));
          return {};
        }
        let entries = [];
        let after = null;
        for (let i = 0; i < 20; i++) {
          const p = await Api.get(`/v1/instances/${encodeURIComponent(id)}/history` + query({ limit: 500, after }));
          entries = entries.concat(p.items);
          if (!p.next) break;
          after = p.next;
        }
        const taskIds = inst.waiting_for.filter((w) => w.task).map((w) => w.task);
        const tasks = await Promise.all(taskIds.map((t) => Api.get('/v1/tasks/' + encodeURIComponent(t)).catch(() => null)));
        const fact = (label, value) => h('div', {}, h('div', { class: 'label', text: label }), h('div', { class: 'val' }, value));
        clear(head).append(
          h('div', { class: 'page-head' },
            h('div', {},
              h('p', { class: 'faint' }, h('a', { href: '#/instances' }, 'Instances'), ' / ', short(inst.workflow)),
              h('h1', { class: 'mono', id: 'instance-id' }, inst.id, ' ', badge(inst.status), inst.breached ? h('span', { class: 'badge warn' }, 'past SLA') : null)),
            null),
          h('div', { class: 'card panel' },
            h('div', { class: 'summary' },
              fact('Workflow', inst.workflow),
              fact('Version', h('span', { class: 'mono', text: inst.version.slice(0, 12) })),
              fact('Business key', inst.key || '–'),
              fact('Started', when(inst.created_at)),
              fact(inst.ended_at ? 'Ended' : 'Updated', when(inst.ended_at || inst.updated_at)),
              inst.spawned_by
                ? fact('Spawned by', instanceLink(inst.spawned_by))
                : fact('Parent', inst.parent ? instanceLink(inst.parent) : '–'))));
        const waits = inst.waiting_for.filter((w) => !w.task);
        const sections = [];
        if (inst.error) sections.push(h('div', { class: 'failure' }, h('b', { text: (inst.error_kind || 'error') + ': ' }), inst.error));
        if (tasks.some((t) => t)) {
          sections.push(h('div', { class: 'section' }, h('h2', { text: 'Waiting for people' }),
            h('div', { class: 'inbox section' }, tasks.filter((t) => t).map((t) => taskCard(t, () => App.refreshSoon())))));
        }
        if (waits.length) {
          sections.push(h('div', { class: 'section' }, panel('Waiting for', null,
            h('ul', {}, waits.map((w) => h('li', {}, h('b', { text: w.kind }), ` ${w.detail} · since `, when(w.since),
              w.calendar && w.age_business_seconds !== null ? h('span', { class: 'business-age' }, ' · ' + openTime(w.age_business_seconds, w.calendar)) : null,
              w.until ? h('span', {}, ' · until ', when(w.until)) : null))))));
        }
        const timeline = h('ol', { class: 'timeline' }, entries.map((e) => h('li', { class: 't-' + (TONES[e.kind] || 'info') },
          h('div', { class: 'when' }, new Date(e.at).toLocaleString(), ' · ', ago(e.at)),
          h('div', { class: 'what' }, h('span', { class: 'kind', text: e.kind }), e.text),
          e.by ? h('div', { class: 'faint', text: 'by ' + e.by }) : null)));
        sections.push(h('div', { class: 'grid grid-2 section' },
          panel('Audit timeline', `${entries.length} entries`, entries.length ? timeline : h('div', { class: 'empty', text: 'Nothing recorded yet' })),
          h('div', { class: 'grid' },
            figuresPanel(inst),
            panel('Arguments', null, h('pre', { class: 'json', text: JSON.stringify(inst.arguments, null, 2) })),
            panel('Result', null, h('pre', { class: 'json', text: JSON.stringify(inst.result, null, 2) })))));
        // Keep what the user is typing in an open decision.
        const typing = body.contains(document.activeElement) && document.activeElement.closest('.decide');
        if (!typing) clear(body).append(...sections);
        return {};
      },
    };
  }

  // ---- Inbox ----
  function inboxPage() {
    // An admin who decides nothing sees everyone's open work first.
    let mine = !me.roles.every((r) => r === 'admin');
    const list = h('div', { class: 'inbox' });
    const summary = h('p', { class: 'muted' });
    const cards = new Map();
    const page = {
      title: 'Inbox',
      mount(root) {
        root.append(
          h('div', { class: 'page-head' },
            h('div', {}, h('h1', { text: 'Task inbox' }), summary),
            h('div', { class: 'filters' }, seg([['mine', 'For me'], ['all', 'All open']], mine ? 'mine' : 'all', (v) => { mine = v === 'mine'; cards.clear(); clear(list); page.refresh(); }))),
          list);
      },
      async refresh() {
        let items = [];
        let after = null;
        for (let i = 0; i < 4; i++) {
          const p = await Api.get('/v1/tasks' + query({ status: 'open', limit: 500, after }));
          items = items.concat(p.items);
          if (!p.next) break;
          after = p.next;
        }
        const forMe = items.filter(canAct);
        const shown = mine ? forMe : items;
        summary.textContent = `${forMe.length} waiting for you (${me.name}) · ${items.length} open in all`;
        // Cards are kept by task id: a refresh adds new tasks and drops decided ones, and
        // never rebuilds a card someone is typing in.
        const ids = new Set(shown.map((t) => t.id));
        for (const [tid, card] of cards) {
          if (!ids.has(tid) && !card.classList.contains('gone')) { card.remove(); cards.delete(tid); }
          else if (!ids.has(tid)) setTimeout(() => { card.remove(); cards.delete(tid); }, 4000);
        }
        let previous = null;
        for (const t of shown) {
          let card = cards.get(t.id);
          const busy = card && card.contains(document.activeElement);
          if (!card || (!busy && card.dataset.stamp !== stamp(t))) {
            const fresh = taskCard(t, () => App.refreshSoon());
            fresh.dataset.stamp = stamp(t);
            if (card) card.replaceWith(fresh); else list.append(fresh);
            cards.set(t.id, card = fresh);
          }
          if (previous && previous.nextSibling !== card) previous.after(card);
          previous = card;
        }
        let empty = list.querySelector(':scope > .empty');
        if (!shown.length && !empty) list.append(h('div', { class: 'empty card', text: mine ? 'Nothing waits for you. Switch to “All open” to see everyone’s.' : 'No open tasks.' }));
        if (shown.length && empty) empty.remove();
        return { inbox: forMe.length };
      },
    };
    return page;
  }
  const stamp = (t) => [t.status, t.assignee.role || t.assignee.user, t.overdue, t.escalated, t.approved_by.length].join('|');

  return { overview, failedPage, instancesPage, instancePage, inboxPage, setMe, h, clear, openTime };
})();
