// The console's link to the server: the session (token kept for this tab only), requests that
// turn problem+json answers into ApiError, silent renewal while the operator is active, and
// the live event stream (Server-Sent Events) that reconnects by itself.

const TOKEN_KEY = "mlprep.token";
const RENEW_BEFORE_SECONDS = 60;
const ACTIVE_WITHIN_MS = 10 * 60 * 1000;
const EVENT_CODES = [
  "maintenancedata", "viewclosed", "maintenancestatus", "finished", "counters", "error",
  "logoutcountdown", "clock", "uvroutine", "reset",
];

export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

function claimsOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
  } catch {
    return null;
  }
}

export class Session {
  constructor() {
    this.token = sessionStorage.getItem(TOKEN_KEY);
    this.lastActivity = Date.now();
    this.onEnd = () => {};
    this.onRenew = () => {};
    for (const kind of ["pointerdown", "keydown"]) {
      addEventListener(kind, () => { this.lastActivity = Date.now(); }, { passive: true });
    }
    setInterval(() => this.renewIfDue(), 5000);
  }

  get claims() { return this.token ? claimsOf(this.token) : null; }
  get userName() { return this.claims?.given_name ?? ""; }
  get permissions() {
    const role = this.claims?.role ?? [];
    return new Set(Array.isArray(role) ? role : [role]);
  }
  get expiresAt() { return (this.claims?.exp ?? 0) * 1000; }
  get valid() { return Boolean(this.token) && Date.now() < this.expiresAt; }
  can(permission) { return this.permissions.has(permission); }

  keep(token) {
    this.token = token;
    sessionStorage.setItem(TOKEN_KEY, token);
  }

  forget() {
    this.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
  }

  async signIn(userName, password) {
    const answer = await request(this, "POST", "/api/v1/authenticate", { userName, password }, false);
    this.keep(answer.token);
    this.lastActivity = Date.now();
    return answer;
  }

  async signOut() {
    try {
      await request(this, "DELETE", "/api/v1/authenticate");
    } finally {
      this.forget();
    }
  }

  async renewIfDue() {
    if (!this.token || this.renewing) return;
    const left = this.expiresAt - Date.now();
    if (left <= 0) {
      this.end("Your session has expired. Sign in again.");
      return;
    }
    const active = Date.now() - this.lastActivity < ACTIVE_WITHIN_MS;
    if (left > RENEW_BEFORE_SECONDS * 1000 || !active) return;
    this.renewing = true;
    try {
      const answer = await request(this, "POST", "/api/v1/authenticate/renew-token");
      this.keep(answer.token);
      this.onRenew();
    } catch (error) {
      if (error.status === 401) this.end("Your session has ended. Sign in again.");
    } finally {
      this.renewing = false;
    }
  }

  end(reason) {
    this.forget();
    this.onEnd(reason);
  }
}

export async function request(session, method, path, body, authenticated = true) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (authenticated && session.token) headers.Authorization = `Bearer ${session.token}`;
  let response;
  try {
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { title: "Server unreachable", detail: "The server did not answer. Check that it is running." });
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const retryAfter = Number(response.headers.get("Retry-After")) || null;
    const error = new ApiError(response.status, data ?? { title: response.statusText }, retryAfter);
    if (response.status === 401 && authenticated && session.token) {
      session.end("Your session has ended (expired or signed out elsewhere). Sign in again.");
    }
    throw error;
  }
  return data;
}

// Follows /mlprep/v1/events. `onEvent(code, data)` for each event; `onState("live" |
// "reconnecting")` as the connection comes and goes. A dropped stream is reopened with the
// session's current token (the browser's own retry would reuse an expired one).
export class LiveEvents {
  constructor(session, onEvent, onState) {
    this.session = session;
    this.onEvent = onEvent;
    this.onState = onState;
    this.source = null;
    this.retry = null;
    this.delay = 1000;
  }

  open() {
    this.close();
    if (!this.session.token) return;
    const url = `/mlprep/v1/events?streams=events,errors,simulator&access_token=${encodeURIComponent(this.session.token)}`;
    const source = new EventSource(url);
    this.source = source;
    source.onopen = () => { this.delay = 1000; this.onState("live"); this.onEvent("open", {}); };
    for (const code of EVENT_CODES) {
      source.addEventListener(code, (event) => {
        if (!(event instanceof MessageEvent) || !event.data) return; // the connection's own errors
        let message;
        try { message = JSON.parse(event.data); } catch { return; }
        this.onEvent(code, message.data ?? {});
      });
    }
    source.onerror = (event) => {
      // The instrument's "error" events arrive as named events of that type: not a lost line.
      if (event instanceof MessageEvent && event.data) return;
      if (this.source !== source) return;
      this.onState("reconnecting");
      source.close();
      this.retry = setTimeout(() => this.open(), this.delay);
      this.delay = Math.min(this.delay * 2, 10000);
    };
  }

  close() {
    clearTimeout(this.retry);
    if (this.source) this.source.close();
    this.source = null;
  }
}
