// The "At risk" page (#/at-risk): from GET /v1/insights/at-risk (intelligence.md §2,
// docs/insights.md), the waiting instances predicted to breach their SLA: now plus the
// p80 of how long completed instances took from the stage this one is in to their end is
// past its SLA end. The early warning, before the breach; each links to its instance.
'use strict';

const AtRiskPage = (() => {
  const { h, clear } = Pages;
  const when = (t) => new Date(t).toLocaleString();

  function table(list, now) {
    const heads = ['Workflow', 'Stage', 'Elapsed', 'Predicted end', 'SLA end', 'SLA in'];
    return h('table', { class: 'at-risk' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Instance' }), heads.map((t) => h('th', { text: t })))),
      h('tbody', {}, list.map((r) => h('tr', { 'data-instance': r.id },
        h('td', {}, h('a', { href: '#/instances/' + encodeURIComponent(r.id), class: 'mono', text: r.id })),
        h('td', { text: Charts.shortName(r.workflow) }),
        h('td', { text: r.stage }),
        h('td', {}, Charts.duration(r.elapsed_ms),
          r.calendar ? h('div', { class: 'faint business-age', text: Pages.openTime(r.elapsed_business_ms / 1000, r.calendar) }) : null),
        h('td', { text: when(r.predicted_end) }),
        h('td', { text: when(r.sla_end) }),
        h('td', { text: Charts.duration(Date.parse(r.sla_end) - now) })))));
  }

  function page() {
    const body = h('div');
    return {
      title: 'At risk',
      mount(root) {
        root.append(
          h('div', { class: 'page-head' },
            h('div', {}, h('h1', { text: 'At risk' }),
              h('p', { class: 'muted', id: 'at-risk-text' }))),
          body);
      },
      async refresh() {
        const data = await Api.get('/v1/insights/at-risk');
        Api.syncClock(data.now);
        const text = document.getElementById('at-risk-text');
        if (text) text.textContent = `Waiting instances predicted to breach their SLA: now plus the time 80 % of completed instances needed from the same stage to their end is past the SLA. A stage predicts once ${data.min_history} completed instances were in it.`;
        clear(body).append(data.instances.length
          ? h('section', { class: 'card panel' }, table(data.instances, Date.parse(data.now)))
          : h('div', { class: 'empty card', id: 'at-risk-empty', text: 'No instance is predicted to breach its SLA.' }));
        return { atRisk: data.instances.length };
      },
    };
  }

  return { page };
})();
