// The "By dimension" page (#/by): for one workflow and one dimension it tracks, from GET
// /v1/insights?workflow=W&by=NAME&period=D (intelligence.md §2, docs/insights.md): each
// value (a region, a store, a category) with what started, ended and breached, its cycle
// time, outcomes and measures, against the period before, with a trend arrow. Each value
// links to where its time goes. Like every page, {mount, refresh}; names and values from
// the service go in as text, never HTML.
'use strict';

const DimensionsPage = (() => {
  const { h, clear } = Pages;
  const fmtInt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString());
  const ARROWS = { rising: '▲ rising', falling: '▼ falling', steady: '▬ steady' };

  function measuresText(measures) {
    return Object.entries(measures || {}).map(([name, m]) =>
      `${name}: Σ ${m.sum}${m.currency ? ' ' + m.currency : ''} · mean ${m.mean ?? '–'}`).join('; ') || '–';
  }
  function outcomesText(outcomes) {
    return Object.entries(outcomes || {}).map(([member, n]) => `${member} ${fmtInt(n)}`).join(' · ') || '–';
  }

  function table(by) {
    const heads = ['Started', 'Before', 'Trend', 'Completed', 'Failed', 'SLA breaches', 'Escalations', 'Cycle p50', 'Cycle p95'];
    return h('table', { class: 'dimensions' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Value' }), heads.map((t) => h('th', { class: 'num', text: t })),
        h('th', { text: 'Outcomes' }), h('th', { text: 'Measures' }), h('th', { text: '' }))),
      h('tbody', {}, by.values.map((v) => h('tr', { 'data-value': v.value, 'data-started': String(v.started), 'data-trend': v.trend || '' },
        h('td', { text: v.value }),
        h('td', { class: 'num', text: fmtInt(v.started) }),
        h('td', { class: 'num', text: v.previous ? fmtInt(v.previous.started) : '–' }),
        h('td', { class: 'num trend-' + (v.trend || 'none'), 'data-field': 'trend', text: v.trend ? ARROWS[v.trend] : '–' }),
        h('td', { class: 'num', text: fmtInt(v.completed) }),
        h('td', { class: 'num', text: fmtInt(v.failed) }),
        h('td', { class: 'num', text: fmtInt(v.sla_breaches) }),
        h('td', { class: 'num', text: fmtInt(v.escalations) }),
        h('td', { class: 'num', text: Charts.duration(v.cycle_time_ms.p50) }),
        h('td', { class: 'num', text: Charts.duration(v.cycle_time_ms.p95) }),
        h('td', { text: outcomesText(v.outcomes) }),
        h('td', { text: measuresText(v.measures) }),
        h('td', {}, v.value === '(other)' ? '' : h('a', {
          href: '#/stages/' + [by.workflow, by.dimension, v.value].map(encodeURIComponent).join('/'),
          text: 'where time goes →',
        }))))));
  }

  function page() {
    let workflow = '';
    let dimension = '';
    let period = '7d';
    const wfSelect = h('select', { 'aria-label': 'Workflow', id: 'by-workflow', onchange: () => { workflow = wfSelect.value; dimension = ''; self.refresh(); } });
    const dimSelect = h('select', { 'aria-label': 'Dimension', id: 'by-dimension', onchange: () => { dimension = dimSelect.value; self.refresh(); } });
    const periodSelect = h('select', { 'aria-label': 'Period', id: 'by-period', onchange: () => { period = periodSelect.value; self.refresh(); } },
      ['1d', '7d', '28d'].map((p) => h('option', { value: p, selected: p === period }, p === '1d' ? 'today vs yesterday' : `last ${p} vs the ${p} before`)));
    const body = h('div');
    const note = h('p', { class: 'muted', id: 'by-text' });
    const fill = (select, names, current, label) => {
      if (select.dataset.names !== names.join(',')) {
        clear(select).append(...names.map((n) => h('option', { value: n, selected: n === current }, label(n))));
        select.dataset.names = names.join(',');
      }
    };
    const self = {
      title: 'By dimension',
      mount(root) {
        root.append(
          h('div', { class: 'page-head' },
            h('div', {}, h('h1', { text: 'By dimension' }), note),
            h('div', { class: 'filters' }, wfSelect, dimSelect, periodSelect)),
          h('div', { class: 'grid' }, h('section', { class: 'card panel' },
            h('div', { class: 'panel-head' }, h('h2', { text: 'Started: this period and the one before' })),
            h('div', { class: 'chart-box' }, h('canvas', { id: 'c-by', role: 'img', 'aria-label': 'Instances started per value' })))),
          h('div', { class: 'section' }, body));
      },
      async refresh() {
        const deployed = await Api.get('/v1/workflows');
        const tracking = deployed.items.filter((w) => (w.tracks || []).length > 0);
        const names = tracking.map((w) => w.qualified_name).sort();
        fill(wfSelect, names, workflow, Charts.shortName);
        if (!workflow || !names.includes(workflow)) workflow = names[0] || '';
        wfSelect.value = workflow;
        if (!workflow) {
          clear(body).append(h('div', { class: 'empty card', id: 'by-empty', text: 'No deployed workflow tracks a dimension: add `track region = …` to a workflow.' }));
          Charts.byDimension('c-by', []);
          return {};
        }
        const dims = tracking.find((w) => w.qualified_name === workflow).tracks.map((t) => t.name);
        fill(dimSelect, dims, dimension, (n) => n);
        if (!dimension || !dims.includes(dimension)) dimension = dims[0];
        dimSelect.value = dimension;
        const data = await Api.get('/v1/insights?workflow=' + encodeURIComponent(workflow) +
          '&by=' + encodeURIComponent(dimension) + '&period=' + encodeURIComponent(period));
        Api.syncClock(data.now);
        const by = data.by;
        note.textContent = `Per ${dimension}, counted by UTC day from ${new Date(by.from).toLocaleDateString()} (today so far included), against the ${period} before. ` +
          `Rising: at least 25 % and 10 more instances started than before; falling likewise. The ${by.max_values} values with the most instances are listed, the rest as (other).`;
        Charts.byDimension('c-by', by.values);
        clear(body).append(by.values.length
          ? h('section', { class: 'card panel' }, table(by))
          : h('div', { class: 'empty card', id: 'by-empty', text: 'No instance started in this period or the one before.' }));
        return {};
      },
    };
    return self;
  }

  return { page };
})();
