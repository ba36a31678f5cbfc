// Chart.js, configured once for the dashboard's look: one chart per canvas id, kept and
// updated in place on every refresh (no flicker, no animation replays).
'use strict';

const Charts = (() => {
  const STATUS_COLORS = {
    Running: '#3b82f6',
    Waiting: '#f59e0b',
    Completed: '#10b981',
    Failed: '#ef4444',
    Cancelled: '#9ca3af',
  };
  const SERIES = ['#4f46e5', '#06b6d4', '#f59e0b', '#ef4444', '#10b981', '#8b5cf6', '#ec4899', '#64748b'];
  const AGE_COLORS = ['#a5b4fc', '#6366f1', '#f59e0b', '#ef4444'];
  const live = new Map();

  function defaults() {
    if (typeof Chart === 'undefined') return false;
    Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
    Chart.defaults.font.size = 12;
    Chart.defaults.color = '#4b5563';
    Chart.defaults.borderColor = '#eef0f3';
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.animation = { duration: 250 };
    Chart.defaults.plugins.legend.labels.boxWidth = 10;
    Chart.defaults.plugins.legend.labels.boxHeight = 10;
    Chart.defaults.plugins.legend.labels.usePointStyle = true;
    Chart.defaults.plugins.tooltip.backgroundColor = '#111827';
    Chart.defaults.plugins.tooltip.padding = 10;
    Chart.defaults.plugins.tooltip.cornerRadius = 8;
    return true;
  }
  const ready = defaults();

  // Draws `config` on the canvas with `id`, or updates the chart already there.
  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas || !ready) return;
    const existing = live.get(id);
    if (existing && existing.canvas === canvas && existing.config.type === config.type) {
      existing.data.labels = config.data.labels;
      existing.data.datasets = config.data.datasets;
      existing.options = config.options;
      existing.update('none');
      return;
    }
    if (existing) existing.destroy();
    live.set(id, new Chart(canvas, config));
  }

  // Charts whose canvas left the page.
  function prune() {
    for (const [id, chart] of live) {
      if (!document.body.contains(chart.canvas)) {
        chart.destroy();
        live.delete(id);
      }
    }
  }

  const shortName = (w) => w.split('.').pop();

  function duration(ms) {
    if (ms === null || ms === undefined) return '–';
    if (ms < 1000) return Math.round(ms) + ' ms';
    const s = ms / 1000;
    if (s < 90) return s.toFixed(s < 10 ? 1 : 0) + ' s';
    const m = s / 60;
    if (m < 90) return m.toFixed(m < 10 ? 1 : 0) + ' min';
    const h = m / 60;
    if (h < 48) return h.toFixed(h < 10 ? 1 : 0) + ' h';
    return (h / 24).toFixed(1) + ' d';
  }

  function statusByWorkflow(id, workflows) {
    const labels = workflows.map((w) => shortName(w.workflow));
    const statuses = Object.keys(STATUS_COLORS);
    draw(id, {
      type: 'bar',
      data: {
        labels,
        datasets: statuses.map((s) => ({
          label: s,
          data: workflows.map((w) => w.instances[s] || 0),
          backgroundColor: STATUS_COLORS[s],
          borderRadius: 3,
          maxBarThickness: 26,
        })),
      },
      options: {
        indexAxis: 'y',
        scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true, grid: { display: false } } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }

  function cycleSeries(id, series) {
    const label = (iso) => {
      const d = new Date(iso);
      return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    };
    draw(id, {
      type: 'line',
      data: {
        labels: series.map((p) => label(p.hour)),
        datasets: [
          { label: 'p50', data: series.map((p) => p.p50_ms), borderColor: '#4f46e5', backgroundColor: 'rgba(79,70,229,.08)', fill: true, tension: .3, pointRadius: 2, spanGaps: true },
          { label: 'p95', data: series.map((p) => p.p95_ms), borderColor: '#f59e0b', backgroundColor: 'transparent', borderDash: [5, 4], tension: .3, pointRadius: 2, spanGaps: true },
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: { y: { beginAtZero: true, ticks: { callback: (v) => duration(v) } }, x: { grid: { display: false }, ticks: { maxTicksLimit: 8 } } },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${duration(c.raw)}`, afterBody: (items) => `${series[items[0].dataIndex].completed} completed that hour` } },
        },
      },
    });
  }

  function tasksByAge(id, workflows) {
    const ages = ['<1h', '1-4h', '4-24h', '>24h'];
    // The age that counts: in its calendar's open time for a task declared in one.
    const byAge = (w) => w.tasks.open_by_business_age || w.tasks.open_by_age;
    const shown = workflows.filter((w) => ages.some((a) => byAge(w)[a] > 0));
    draw(id, {
      type: 'bar',
      data: {
        labels: ages.map((a) => a.replace('-', '–')),
        datasets: shown.map((w, i) => ({
          label: shortName(w.workflow),
          data: ages.map((a) => byAge(w)[a] || 0),
          backgroundColor: SERIES[i % SERIES.length],
          borderRadius: 3,
          maxBarThickness: 48,
        })),
      },
      options: {
        scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    return shown.length;
  }

  function breaches(id, workflows) {
    draw(id, {
      type: 'bar',
      data: {
        labels: workflows.map((w) => shortName(w.workflow)),
        datasets: [
          { label: 'SLA breaches', data: workflows.map((w) => w.sla_breaches), backgroundColor: '#ef4444', borderRadius: 3, maxBarThickness: 22 },
          { label: 'Escalations', data: workflows.map((w) => w.escalations), backgroundColor: '#f59e0b', borderRadius: 3, maxBarThickness: 22 },
          { label: 'Policy refusals', data: workflows.map((w) => w.policy_refusals), backgroundColor: '#8b5cf6', borderRadius: 3, maxBarThickness: 22 },
        ],
      },
      options: {
        scales: { x: { grid: { display: false } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }

  function connectors(id, list) {
    draw(id, {
      type: 'bar',
      data: {
        labels: list.map((c) => c.op),
        datasets: [{
          label: 'Failure rate',
          data: list.map((c) => (c.failure_rate === null ? 0 : c.failure_rate * 100)),
          backgroundColor: list.map((c) => (c.failure_rate > 0.1 ? '#ef4444' : c.failure_rate > 0 ? '#f59e0b' : '#10b981')),
          borderRadius: 3,
          maxBarThickness: 18,
        }],
      },
      options: {
        indexAxis: 'y',
        scales: { x: { beginAtZero: true, suggestedMax: 10, ticks: { callback: (v) => v + '%' } }, y: { grid: { display: false } } },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (c) => {
                const op = list[c.dataIndex];
                return `${c.raw.toFixed(1)}% of ${op.calls} calls failed (p95 ${duration(op.latency_ms.p95)})`;
              },
            },
          },
        },
      },
    });
  }

  function backlog(id, byKind) {
    const kinds = Object.keys(byKind);
    draw(id, {
      type: 'doughnut',
      data: {
        labels: kinds,
        datasets: [{ data: kinds.map((k) => byKind[k]), backgroundColor: kinds.map((_, i) => SERIES[(i + 3) % SERIES.length]), borderWidth: 2, borderColor: '#fff' }],
      },
      options: { cutout: '62%', plugins: { legend: { position: 'right' } } },
    });
  }

  // One classifier model's labels: how often the model said each (predicted), how often
  // people chose it (learned) and how often both were the same (agreed). Side by side, a
  // label the model over- or under-predicts stands out.
  function triageLabels(id, labels) {
    const names = Object.keys(labels);
    const series = [['predicted', 'Predicted by the model', '#6366f1'], ['learned', 'Chosen by people', '#06b6d4'], ['agreed', 'Agreed', '#10b981']];
    draw(id, {
      type: 'bar',
      data: {
        labels: names,
        datasets: series.map(([key, label, color]) => ({
          label,
          data: names.map((n) => labels[n][key]),
          backgroundColor: color,
          borderRadius: 3,
          maxBarThickness: 22,
        })),
      },
      options: {
        scales: { x: { grid: { display: false } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }

  // One workflow's stages, ranked by total time (hours): the longest bar is the bottleneck.
  function stageTimes(id, stages) {
    draw(id, {
      type: 'bar',
      data: {
        labels: stages.map((s) => s.stage),
        datasets: [{
          label: 'Total time (h)',
          data: stages.map((s) => s.total_ms / 3600000),
          backgroundColor: stages.map((_, i) => (i === 0 ? '#ef4444' : '#6366f1')),
          borderRadius: 3,
          maxBarThickness: 18,
        }],
      },
      options: {
        indexAxis: 'y',
        scales: { x: { beginAtZero: true, ticks: { callback: (v) => v + ' h' } }, y: { grid: { display: false } } },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (c) => {
                const s = stages[c.dataIndex];
                return `${duration(s.total_ms)} in all (${(s.share * 100).toFixed(1)}%) · ${s.entered} entered · ${s.open} open`;
              },
            },
          },
        },
      },
    });
  }

  // Instances started per value of a dimension, this period beside the one before.
  function byDimension(id, values) {
    draw(id, {
      type: 'bar',
      data: {
        labels: values.map((v) => v.value),
        datasets: [
          { label: 'Before', data: values.map((v) => (v.previous ? v.previous.started : 0)), backgroundColor: '#cbd5e1', borderRadius: 3, maxBarThickness: 18 },
          { label: 'This period', data: values.map((v) => v.started), backgroundColor: values.map((v) => (v.trend === 'rising' ? '#ef4444' : v.trend === 'falling' ? '#22c55e' : '#6366f1')), borderRadius: 3, maxBarThickness: 18 },
        ],
      },
      options: {
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { grid: { display: false } } },
        plugins: { legend: { display: true, position: 'bottom' } },
      },
    });
  }

  return { ready, prune, duration, statusByWorkflow, cycleSeries, tasksByAge, breaches, connectors, backlog, triageLabels, stageTimes, byDimension, shortName, STATUS_COLORS };
})();
