// The "Where time goes" page (#/stages): for one workflow, from GET /v1/insights/stages
// (intelligence.md §2, docs/insights.md): every stage (each wait: an approval, a task, a
// connector call, an await, a sleep, a child) ranked by the total time instances spent
// in it, so the bottleneck is the first bar. Like every page, {mount, refresh}; names
// from the service go in as text, never HTML.
'use strict';

const StagesPage = (() => {
  const { h, clear } = Pages;
  const fmtInt = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString());
  const pct = (r) => (r === null || r === undefined ? '–' : (r * 100).toFixed(1) + '%');
  const age = (t, now) => (t ? Charts.duration(now - Date.parse(t)) : '–');

  function table(stages, now) {
    const heads = ['Entered', 'Open now', 'Oldest open', 'p50', 'p95', 'Max', 'Total', 'Share'];
    return h('table', { class: 'stages' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Stage' }), heads.map((t) => h('th', { class: 'num', text: t })))),
      h('tbody', {}, stages.map((s) => h('tr', { 'data-stage': s.stage, 'data-total': String(s.total_ms) },
        h('td', { text: s.stage }),
        h('td', { class: 'num', text: fmtInt(s.entered) }),
        h('td', { class: 'num', text: fmtInt(s.open) }),
        h('td', { class: 'num', 'data-field': 'oldest-open', title: s.oldest_open_calendar ? Pages.openTime(s.oldest_open_business_age_ms / 1000, s.oldest_open_calendar) : null },
          age(s.oldest_open, now),
          s.oldest_open_calendar ? h('div', { class: 'faint business-age', text: Pages.openTime(s.oldest_open_business_age_ms / 1000, s.oldest_open_calendar) }) : null),
        h('td', { class: 'num', text: Charts.duration(s.time_in_stage_ms.p50) }),
        h('td', { class: 'num', text: Charts.duration(s.time_in_stage_ms.p95) }),
        h('td', { class: 'num', text: Charts.duration(s.time_in_stage_ms.max) }),
        h('td', { class: 'num', 'data-field': 'total', text: Charts.duration(s.total_ms) }),
        h('td', { class: 'num', 'data-field': 'share', text: pct(s.share) })))));
  }

  // `route`: [workflow, dimension, value] from #/stages/W/D/V (the By dimension page's
  // links): the stages of that workflow's instances with that tracked value.
  function page(route = []) {
    let workflow = route[0] || '';
    const [dimension, value] = route.length >= 3 ? [route[1], route.slice(2).join('/')] : [null, null];
    const select = h('select', { 'aria-label': 'Workflow', id: 'stages-workflow', onchange: () => { workflow = select.value; self.refresh(); } });
    const body = h('div');
    const self = {
      title: 'Where time goes',
      mount(root) {
        root.append(
          h('div', { class: 'page-head' },
            h('div', {}, h('h1', { text: 'Where time goes' }),
              h('p', { class: 'muted', text: 'Every wait is a stage. Stages ranked by the total time instances spent in them (open waits count until now): the bottleneck first. Counted since the store began.' }),
              dimension ? h('p', { class: 'filter-note', id: 'stages-filter' }, `Only instances with ${dimension} = ${value} · `, h('a', { href: '#/stages', text: 'all instances' })) : ''),
            h('div', { class: 'filters' }, select)),
          h('div', { class: 'grid' }, h('section', { class: 'card panel' },
            h('div', { class: 'panel-head' }, h('h2', { text: 'Total time per stage' })),
            h('div', { class: 'chart-box' }, h('canvas', { id: 'c-stages', role: 'img', 'aria-label': 'Total time per stage' })))),
          h('div', { class: 'section' }, body));
      },
      async refresh() {
        const insights = await Api.get('/v1/insights');
        Api.syncClock(insights.now);
        const names = insights.workflows.map((w) => w.workflow).sort();
        if (select.dataset.names !== names.join(',')) {
          clear(select).append(...names.map((n) => h('option', { value: n, selected: n === workflow }, Charts.shortName(n))));
          select.dataset.names = names.join(',');
        }
        if (!workflow || !names.includes(workflow)) workflow = names[0] || '';
        select.value = workflow;
        if (!workflow) {
          clear(body).append(h('div', { class: 'empty card', id: 'stages-empty', text: 'No workflow has run yet.' }));
          Charts.stageTimes('c-stages', []);
          return {};
        }
        const filter = dimension ? '&by=' + encodeURIComponent(dimension) + '&value=' + encodeURIComponent(value) : '';
        const data = await Api.get('/v1/insights/stages?workflow=' + encodeURIComponent(workflow) + filter);
        const now = Date.parse(data.now);
        Charts.stageTimes('c-stages', data.stages);
        clear(body).append(data.stages.length
          ? h('section', { class: 'card panel' }, table(data.stages, now))
          : h('div', { class: 'empty card', id: 'stages-empty', text: 'No instance of this workflow has waited yet.' }));
        return {};
      },
    };
    return self;
  }

  return { page };
})();
