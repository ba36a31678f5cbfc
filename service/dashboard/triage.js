// The "Triage quality" page (#/triage): for each classifier and model, from GET
// /v1/insights' `classifiers` (intelligence.md §1): how many texts it classified, the
// share it labelled on its own (coverage), how often people chose what it said
// (agreement), and per label what it predicted, what people chose and where they met.
// Like every page, {mount, refresh}; names from the service go in as text, never HTML.
'use strict';

const TriagePage = (() => {
  const { h, clear } = Pages;
  const fmtInt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString());
  const pct = (r) => (r === null || r === undefined ? '–' : (r * 100).toFixed(1) + '%');
  const share = (part, whole) => (whole > 0 ? part / whole : null);
  // Qualified names and hex hashes hold neither a space nor a comma.
  const key = (q) => `${q.classifier} ${q.model || ''}`;

  function tile(label, value, sub, field) {
    return h('div', { class: 'card kpi', 'data-field': field },
      h('div', { class: 'label', text: label }), h('div', { class: 'value', text: value }), h('div', { class: 'sub', text: sub }));
  }

  // Per-label agreement is of the examples people labelled after this model classified
  // the same text; a model-less entry compared nothing, so it has none.
  function labelTable(q) {
    const names = Object.keys(q.labels);
    if (!names.length) return h('div', { class: 'empty', text: 'No labels yet' });
    return h('table', { class: 'triage-labels' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Label' }), ['Predicted', 'Learned', 'Agreed', 'Agreement'].map((t) => h('th', { class: 'num', text: t })))),
      h('tbody', {}, names.map((n) => {
        const l = q.labels[n];
        return h('tr', { 'data-label': n },
          h('td', { text: n }),
          h('td', { class: 'num', text: fmtInt(l.predicted) }),
          h('td', { class: 'num', text: fmtInt(l.learned) }),
          h('td', { class: 'num', text: fmtInt(l.agreed) }),
          h('td', { class: 'num', text: q.model ? pct(share(l.agreed, l.learned)) : '–' }));
      })));
  }

  // One card per classifier and model, built once: refresh fills in its figures and
  // table, and the chart on canvas c-triage-<index> is updated in place.
  function card(q, index) {
    return h('section', { class: 'card panel section triage', 'data-classifier': q.classifier, 'data-model': q.model || '' },
      h('div', { class: 'panel-head' },
        h('h2', { text: Charts.shortName(q.classifier) }),
        h('span', { class: 'faint mono', text: `${q.classifier} · ${q.model ? 'model ' + q.model : 'no model'}` })),
      h('div', { class: 'kpis' }),
      h('div', { class: 'grid grid-2' },
        h('div', { class: 'triage-table' }),
        h('div', { class: 'chart-box' }, h('canvas', { id: 'c-triage-' + index, role: 'img', 'aria-label': `${q.classifier}: predicted, learned and agreed per label` }))));
  }

  function fill(el, q) {
    clear(el.querySelector('.kpis')).append(
      tile('Classifications', fmtInt(q.classifications),
        `${fmtInt(q.labelled)} labelled · ${fmtInt(q.below_threshold)} below threshold · ${fmtInt(q.no_model)} no model`, 'classifications'),
      tile('Coverage', pct(q.coverage), 'labelled without a person', 'coverage'),
      tile('Agreement', pct(q.agreement), `${fmtInt(q.agreed)} of ${fmtInt(q.compared)} compared · ${fmtInt(q.learned)} learned`, 'agreement'));
    clear(el.querySelector('.triage-table')).append(labelTable(q));
  }

  function page() {
    const body = h('div');
    return {
      title: 'Triage quality',
      mount(root) {
        root.append(
          h('div', { class: 'page-head' },
            h('div', {}, h('h1', { text: 'Triage quality' }),
              h('p', { class: 'muted', text: 'How each classifier model labels texts on its own, and how often the people who decide the rest agree with it. Counted since the service’s store began.' }))),
          body);
      },
      async refresh() {
        const data = await Api.get('/v1/insights');
        Api.syncClock(data.now);
        const list = data.classifiers || [];
        const failed = Object.values(data.failed_backlog).reduce((a, b) => a + b, 0);
        if (!list.some((q) => q.classifications > 0)) {
          delete body.dataset.signature;
          clear(body).append(h('div', { class: 'empty card', id: 'triage-empty', text: 'No classifier has classified anything yet. When a workflow runs `classify`, its figures show here.' }));
          return { failed };
        }
        // Cards are rebuilt only when the set of classifiers and models changes.
        const signature = list.map(key).join(',');
        if (body.dataset.signature !== signature) {
          clear(body).append(...list.map(card));
          body.dataset.signature = signature;
        }
        list.forEach((q, i) => {
          fill(body.children[i], q);
          Charts.triageLabels('c-triage-' + i, q.labels);
        });
        return { failed };
      },
    };
  }

  return { page };
})();
