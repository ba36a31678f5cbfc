// The app: sign-in, the hash router (#/, #/inbox, #/failed, #/instances, #/instances/ID,
// #/triage, #/stages[/WORKFLOW/DIMENSION/VALUE], #/at-risk, #/by)
// and the refresh loop that keeps the current page live.
'use strict';

const App = (() => {
  const REFRESH_MS = 5000;
  const { h, clear } = Pages;
  const view = document.getElementById('view');
  let page = null;
  let timer = null;
  let running = false;
  let me = null;

  function route() {
    const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
    const [first, ...rest] = hash.split('/');
    if (first === 'inbox') return ['inbox', () => Pages.inboxPage()];
    if (first === 'failed') return ['failed', () => Pages.failedPage()];
    if (first === 'instances' && rest.length && rest[0]) return ['instances', () => Pages.instancePage(rest.join('/'))];
    if (first === 'instances') return ['instances', () => Pages.instancesPage()];
    if (first === 'triage') return ['triage', () => TriagePage.page()];
    if (first === 'stages') return ['stages', () => StagesPage.page(rest)];
    if (first === 'by') return ['by', () => DimensionsPage.page()];
    if (first === 'at-risk') return ['at-risk', () => AtRiskPage.page()];
    return ['overview', () => Pages.overview()];
  }

  function showSignIn(message) {
    document.getElementById('signin').hidden = false;
    document.getElementById('signin-error').textContent = message || '';
    document.getElementById('token').focus();
  }

  async function signIn() {
    try {
      me = await Api.get('/v1/me');
    } catch (e) {
      if (e.status === 401) {
        Api.clearToken();
        showSignIn(Api.hasToken() ? 'That token is not valid here.' : '');
        return false;
      }
      view.replaceChildren(h('div', { class: 'banner', text: e.message }));
      return false;
    }
    Api.syncClock(me.now);
    Pages.setMe(me);
    document.getElementById('signin').hidden = true;
    document.getElementById('who').textContent = me.name + (me.admin ? ' · admin' : '');
    document.getElementById('sign-out').hidden = false;
    return true;
  }

  function navigate() {
    if (!me) return;
    const [section, make] = route();
    document.querySelectorAll('[data-nav]').forEach((a) => a.classList.toggle('active', a.dataset.nav === section));
    page = make();
    clear(view);
    page.mount(view);
    document.title = `${page.title} · rflow`;
    tick();
  }

  function setCount(id, n) {
    const el = document.getElementById(id);
    if (n === undefined) return;
    el.hidden = !n;
    el.textContent = n > 999 ? '999+' : String(n);
  }

  // One refresh of the current page, the clock and the nav counts; never two at once.
  async function tick() {
    clearTimeout(timer);
    if (!me || running) return;
    running = true;
    const live = document.getElementById('live');
    live.classList.add('busy');
    const current = page;
    try {
      const now = await Api.get('/v1/me');
      Api.syncClock(now.now);
      const counts = (await current.refresh()) || {};
      setCount('inbox-count', counts.inbox);
      setCount('failed-count', counts.failed);
      live.classList.remove('stale');
      live.title = 'Refreshed ' + new Date().toLocaleTimeString();
      const banner = view.querySelector(':scope > .banner');
      if (banner) banner.remove();
    } catch (e) {
      live.classList.add('stale');
      if (e.status === 401) {
        me = null;
        Api.clearToken();
        showSignIn('The token is no longer accepted; sign in again.');
      } else if (!view.querySelector(':scope > .banner')) {
        view.prepend(h('div', { class: 'banner', role: 'alert', text: e.message }));
      }
      Charts.prune();
    } finally {
      running = false;
      live.classList.remove('busy');
      Charts.prune();
      if (me) timer = setTimeout(tick, document.hidden ? REFRESH_MS * 4 : REFRESH_MS);
    }
  }

  function refreshSoon() {
    clearTimeout(timer);
    timer = setTimeout(tick, 300);
  }

  function clockTick() {
    const el = document.getElementById('clock');
    if (!me) { el.textContent = ''; return; }
    const scale = Api.scale();
    el.textContent = new Date(Api.now()).toLocaleString(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit', second: scale > 1 ? undefined : '2-digit' }) +
      (scale > 1 ? ` · ×${scale}` : '');
  }

  async function start() {
    document.getElementById('signin-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const input = document.getElementById('token');
      Api.setToken(input.value);
      input.value = '';
      if (await signIn()) navigate();
      else if (!me) showSignIn('That token is not valid here.');
    });
    document.getElementById('sign-out').addEventListener('click', () => {
      Api.clearToken();
      me = null;
      page = null;
      clear(view);
      document.getElementById('who').textContent = '';
      document.getElementById('sign-out').hidden = true;
      showSignIn();
    });
    window.addEventListener('hashchange', navigate);
    document.addEventListener('visibilitychange', () => { if (!document.hidden) refreshSoon(); });
    setInterval(clockTick, 1000);
    if (!Api.hasToken()) { showSignIn(); return; }
    if (await signIn()) navigate();
  }

  start();
  return { refreshSoon };
})();
