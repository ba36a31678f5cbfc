// The API client: the token (sessionStorage, this tab only), JSON calls with it, errors
// as ApiError with the service's message, and the service's clock (which may run faster
// than the wall clock under `rflow serve --time-scale`), so that "5 min ago" means the
// service's minutes.
'use strict';

const Api = (() => {
  const KEY = 'rflow.token';
  let token = sessionStorage.getItem(KEY) || '';
  let clock = { server: Date.now(), local: Date.now(), scale: 1 };

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    const init = { method, headers, cache: 'no-store', credentials: 'omit' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, 'unreachable', 'the service does not answer: is rflow serve running?');
    }
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok) {
      const err = (data && data.error) || {};
      throw new ApiError(res.status, err.code || 'http_' + res.status, err.message || res.statusText);
    }
    return data;
  }

  return {
    ApiError,
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    hasToken: () => token !== '',
    setToken(value) {
      token = value.trim();
      sessionStorage.setItem(KEY, token);
    },
    clearToken() {
      token = '';
      sessionStorage.removeItem(KEY);
    },
    // Records the service's time `iso` as seen now; two readings give the clock's rate.
    syncClock(iso) {
      const server = Date.parse(iso);
      const local = Date.now();
      if (Number.isNaN(server)) return;
      const dl = local - clock.local;
      if (dl > 1500) clock.scale = Math.max(1, Math.round(((server - clock.server) / dl) * 10) / 10);
      clock = { server, local, scale: clock.scale };
    },
    // The service's time now, in milliseconds.
    now: () => clock.server + (Date.now() - clock.local) * clock.scale,
    scale: () => clock.scale,
  };
})();
