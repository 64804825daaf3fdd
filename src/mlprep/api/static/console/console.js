// The mlprep console: one page, no framework, no build step. Everything it shows comes from
// the API with the signed-in user's token; it updates from the event stream (the audit trail,
// part of which no event announces, is also read again now and then while it is shown).
import { ApiError, LiveEvents, Session, request } from "/console/api.js";

const $ = (selector) => document.querySelector(selector);
const session = new Session();
const state = {
  procedures: [], run: null, shownView: null, dismissedView: null, starting: false,
  lastRunId: null, clockOffsetMs: 0, uvInterval: null,
  historyLimit: 20, actionTimer: null, refreshTimer: null, dueTimer: null,
};
const ERROR_LABELS = { Yes: "Retry", Ok: "Continue", Abort: "Abort" };
const ERROR_HELP = "Retry repeats the failed action, Continue skips it and goes on with the next step, Abort ends the run.";
// A run in progress, in words (the API's names are for programs).
const STATE_LABELS = {
  WaitingForView: "Waiting for an answer", ErrorPending: "Stopped at an error", Aborting: "Aborting…",
};
// What an ended run's state means, where a badge alone would leave the operator guessing.
const STATE_HELP = {
  Interrupted: "The server stopped while the run was in progress, so the run could not finish. The procedure's last execution is unchanged: run it again.",
  Aborted: "The run was aborted before its end. The procedure's last execution is unchanged.",
  Failed: "An unexpected problem in the server ended the run (its log says which). The procedure's last execution is unchanged.",
};

// The runs whose dialogs this tab shows by itself: those it started and those its operator
// chose to open. Every other console only says that a run is waiting (a lab manager reading the
// counters is not taken over by a technician's run). Kept for this tab only, as the token is,
// so that a reload of the technician's page keeps the dialog coming.
const ATTENDED_KEY = "mlprep.attendedRuns";
const attended = new Set(JSON.parse(sessionStorage.getItem(ATTENDED_KEY) ?? "[]"));

function attend(runId) {
  attended.add(runId);
  sessionStorage.setItem(ATTENDED_KEY, JSON.stringify([...attended].slice(-20)));
}
const live = new LiveEvents(session, onEvent, onLiveState);

const api = (method, path, body) => request(session, method, path, body);

// -- helpers -----------------------------------------------------------------------------------

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, "");
    else if (value !== false && value != null) node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child != null) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Lists are drawn again whenever the instrument changes. A control that had the keyboard's focus
// is found again in the new list (same item, same kind of control, same label) and keeps it, so a
// keyboard user's next key does what they aimed it at rather than landing on the page.
function replaceKeepingFocus(container, children) {
  const active = document.activeElement;
  const item = active && active !== container && container.contains(active)
    ? [...container.children].find((child) => child.contains(active)) : null;
  container.replaceChildren(...children);
  if (!item) return;
  const label = (node) => node.getAttribute("aria-label") ?? node.textContent;
  const sameItem = [...container.children].find((child) => child.tagName === item.tagName
    && [...item.attributes].filter((a) => a.name.startsWith("data-"))
      .every((a) => child.getAttribute(a.name) === a.value));
  const again = [...(sameItem?.querySelectorAll(active.tagName) ?? [])]
    .find((node) => label(node) === label(active));
  again?.focus();
}

function instrumentNow() { return new Date(Date.now() + state.clockOffsetMs); }

function relative(date) {
  const seconds = (date - instrumentNow()) / 1000;
  const ahead = seconds >= 0;
  const size = Math.abs(seconds);
  // Rounded in the largest unit that leaves two or more of it: a procedure done a moment ago
  // is due "in 24 hours", not "in 23 hours"; under two minutes, the nearest minute.
  for (const [unit, length] of [["day", 86400], ["hour", 3600], ["minute", 60]]) {
    if (size >= 2 * length || (unit === "minute" && size >= 60)) {
      const count = Math.round(size / length);
      const text = `${count} ${unit}${count === 1 ? "" : "s"}`;
      return ahead ? `in ${text}` : `${text} ago`;
    }
  }
  return ahead ? "in less than a minute" : "just now";
}

function absolute(text, timeStyle = "short") {
  const date = new Date(text);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle });
}

// The platform's empty date (year 1) and dates computed from it: "never".
function isEmptyDate(text) { return /^0001-/.test(text); }

// The platform's largest date: nothing makes the procedure due (the UV routine set to Never,
// or to EveryProtocolRun before a protocol run has ended).
function isLargestDate(text) { return /^9999-/.test(text); }

function when(text, empty = "never") {
  if (!text || isEmptyDate(text)) return empty;
  return `${relative(new Date(text))} (${absolute(text)})`;
}

function dueText(procedure) {
  const due = procedure.dueDateTime;
  if (isEmptyDate(due)) return "now"; // never executed: "Last executed" says so
  if (isLargestDate(due)) {
    return state.uvInterval === "EveryProtocolRun" ? "at the end of the next protocol run" : "never (the UV routine is off)";
  }
  return when(due);
}

function say(selector, text, ok = false) {
  const node = $(selector);
  node.textContent = text;
  node.classList.toggle("ok", ok);
}

function problemText(error) {
  if (error instanceof ApiError) return error.message;
  return String(error);
}

async function attempt(selector, action, success) {
  try {
    await action();
    if (selector) say(selector, success ?? "", true);
  } catch (error) {
    if (selector) say(selector, problemText(error));
    else throw error;
  }
}

function confirmDialog(text, yesLabel = "Yes", withInput = null) {
  const dialog = $("#confirm-dialog");
  $("#confirm-text").textContent = text;
  $("#confirm-yes").textContent = yesLabel;
  const old = dialog.querySelector(".confirm-input");
  if (old) old.remove();
  let input = null;
  if (withInput) {
    input = element("input", { id: "confirm-input", type: withInput.type ?? "text", "aria-label": withInput.label });
    const wrap = element("div", { class: "confirm-input" }, element("label", { for: "confirm-input" }, withInput.label), input);
    $("#confirm-text").after(wrap);
  }
  dialog.returnValue = "";
  dialog.showModal();
  (input ?? $("#confirm-yes")).focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "yes" ? (input ? input.value : true) : null);
    }, { once: true });
  });
}

// -- signing in and out ------------------------------------------------------------------------

function showSignIn(message = "") {
  live.close();
  $("#app").hidden = true;
  $("#session").hidden = true;
  $("#sign-in").hidden = false;
  say("#sign-in-message", message);
  $("#user-name").focus();
}

async function showApp() {
  $("#sign-in").hidden = true;
  $("#app").hidden = false;
  $("#session").hidden = false;
  $("#who").textContent = `Signed in as ${session.userName}`;
  for (const item of document.querySelectorAll("[data-needs]")) {
    item.hidden = !session.can(item.dataset.needs);
  }
  showTab();
  document.querySelector("[data-tab][aria-current]")?.focus(); // keyboard users start at the tabs
  live.open();
  await refreshAll();
}

$("#sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  say("#sign-in-message", "");
  const userName = $("#user-name").value.trim();
  const password = $("#password").value;
  try {
    await session.signIn(userName, password);
    $("#password").value = "";
    await showApp();
  } catch (error) {
    say("#sign-in-message", signInProblem(error));
  }
});

function signInProblem(error) {
  if (!(error instanceof ApiError)) return String(error);
  if (error.status === 429) {
    const minutes = Math.max(1, Math.ceil((error.retryAfter ?? 60) / 60));
    return `This account is locked after too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}, or ask an administrator to unlock it.`;
  }
  if (error.status === 401) return "The user name or password is wrong.";
  if (error.status === 503) return `The server is busy checking other sign-ins. Try again in ${error.retryAfter ?? 1} seconds.`;
  return error.message;
}

$("#sign-out").addEventListener("click", async () => {
  try { await session.signOut(); } catch { /* signed out locally either way */ }
  showSignIn("You have signed out.");
});

session.onEnd = (reason) => showSignIn(reason);
session.onRenew = () => live.open();

// -- tabs --------------------------------------------------------------------------------------

function showTab() {
  const wanted = (location.hash || "#procedures").slice(1);
  const tabs = [...document.querySelectorAll(".tab")];
  const target = tabs.find((tab) => tab.id === wanted && !tabHidden(tab.id)) ?? $("#procedures");
  for (const tab of tabs) tab.hidden = tab !== target;
  for (const link of document.querySelectorAll("[data-tab]")) {
    if (link.dataset.tab === target.id) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (target.id === "audit") refreshAuditSoon();
}

function tabHidden(id) {
  const link = document.querySelector(`[data-tab="${id}"]`);
  return Boolean(link?.closest("[data-needs]")?.hidden);
}

addEventListener("hashchange", showTab);

// -- data --------------------------------------------------------------------------------------

async function refreshAll() {
  await Promise.allSettled([
    refreshHealth(), refreshRun(), refreshProcedures(), refreshHistory(), refreshCounters(),
    refreshUv(), session.can("ControlSimulator") ? refreshSimulator() : null,
    session.can("ModifyUsers") ? refreshUsers() : null,
    session.can("ViewAudit") ? refreshAudit() : null,
  ]);
}

async function refreshHealth() {
  const health = await api("GET", "/mlprep/v1/health");
  $("#serial").textContent = `· ${health.serialNumber}`;
  state.clockOffsetMs = new Date(health.now) - Date.now();
}

async function refreshProcedures() {
  const procedures = await api("GET", "/api/v1/maintenance");
  procedures.sort((a, b) => (a.status === "Expired" ? 0 : 1) - (b.status === "Expired" ? 0 : 1)
    || new Date(a.dueDateTime) - new Date(b.dueDateTime));
  state.procedures = procedures;
  renderProcedures();
  scheduleDueCheck();
}

function renderProcedures() {
  const running = state.run;
  const blocked = running ? `A run is in progress: ${running.procedureName}. Wait for it to end, or abort it on the Run page.` : "";
  const mayRun = session.can("ExecuteMaintenance");
  $("#run-blocked").hidden = !blocked;
  $("#run-blocked").textContent = blocked;
  const list = $("#procedure-list");
  replaceKeepingFocus(list, state.procedures.map((procedure) => {
    const reason = !mayRun ? "Your role may not run maintenance." : blocked;
    const button = element("button", {
      type: "button", disabled: Boolean(reason), title: reason || null,
      "aria-describedby": reason ? "run-blocked" : null,
      onclick: () => startProcedure(procedure),
    }, `Run ${procedure.name}`);
    return element("li", { class: "card", "data-procedure": procedure.name },
      element("h3", {}, procedure.name, element("span", { class: `badge ${procedure.status}` }, procedure.status)),
      element("p", {}, procedure.info),
      element("dl", {},
        element("dt", {}, "Last executed"), element("dd", {}, when(procedure.lastExecutionTime)),
        element("dt", {}, "Due"), element("dd", {}, dueText(procedure)),
      ),
      button);
  }));
  renderUvDue();
}

// The UV routine's tab says what its setting does to the procedure it schedules.
function renderUvDue() {
  const uv = state.procedures.find((procedure) => procedure.name === "UV Decontamination");
  $("#uv-due").hidden = !uv;
  if (uv) $("#uv-due").textContent = `${uv.name} — due: ${dueText(uv)} · last executed: ${when(uv.lastExecutionTime)}`;
}

function scheduleDueCheck() {
  // Time passing can turn a procedure Expired: look again when the next due date passes.
  clearTimeout(state.dueTimer);
  const next = state.procedures
    .filter((p) => p.status !== "Expired" && !isEmptyDate(p.dueDateTime) && !isLargestDate(p.dueDateTime))
    .map((p) => new Date(p.dueDateTime) - instrumentNow())
    .filter((ms) => ms > 0)
    .sort((a, b) => a - b)[0];
  if (next !== undefined && next < 2 ** 31 - 1) {
    state.dueTimer = setTimeout(() => refreshProcedures().catch(() => {}), next + 1000);
  }
}

setInterval(() => { if (!$("#app").hidden) renderProcedures(); }, 30000); // relative times

async function startProcedure(procedure) {
  // The run's first view may be announced before the answer arrives: until then it is not
  // yet known to be this console's, and no banner should flash for it.
  state.starting = true;
  try {
    const started = await api("POST", `/api/v1/maintenance/${procedure.id}`);
    attend(started.runId);
    $("#run-outcome").replaceChildren();
    location.hash = "#run";
  } catch (error) {
    say("#run-blocked", problemText(error));
    $("#run-blocked").hidden = false;
  } finally {
    state.starting = false;
  }
  await refreshRun().catch(() => {});
}

// -- the run -----------------------------------------------------------------------------------

async function refreshRun() {
  const run = await api("GET", "/mlprep/v1/runs/current");
  const ended = state.run && (!run || run.id !== state.run.id) ? state.run : null;
  state.run = run;
  if (run) state.lastRunId = run.id;
  renderRun();
  renderProcedures();
  if (ended) await showOutcome(ended.id);
}

async function showOutcome(runId) {
  const run = await api("GET", `/mlprep/v1/runs/${runId}`);
  const errors = run.errors.length ? `${run.errors.length} error${run.errors.length === 1 ? "" : "s"}: ${run.errors.map((e) => errorLine(run, e)).join("; ")}.` : "";
  $("#run-outcome").replaceChildren(
    element("p", {}, element("strong", {}, run.procedureName), " ended ",
      element("span", { class: `badge ${run.state}` }, run.state), "."),
    ...(STATE_HELP[run.state] ? [element("p", { class: "note" }, STATE_HELP[run.state])] : []),
    element("p", {}, errors || "No errors."),
  );
  $("#run-outcome").hidden = Boolean(state.run); // a run started meanwhile: it is the news
  await Promise.allSettled([refreshProcedures(), refreshHistory(), refreshCounters()]);
}

function renderRun() {
  const run = state.run;
  $("#run-idle").hidden = Boolean(run);
  $("#run-active").hidden = !run;
  $("#run-outcome").hidden = Boolean(run); // the last run's outcome is old news under a new run
  clearInterval(state.actionTimer);
  if (!run) {
    closeViewDialog();
    renderWaiting();
    return;
  }
  $("#run-name").textContent = run.procedureName;
  $("#run-state").textContent = STATE_LABELS[run.state] ?? run.state;
  $("#run-state").className = `badge ${run.state}`;
  const progress = run.progress;
  $("#run-step").textContent = `Step ${progress.step} of ${progress.stepCount}: ${progress.stepTitle ?? ""}`;
  $("#run-progress").max = progress.stepCount;
  $("#run-progress").value = progress.step - 1;
  $("#run-steps").replaceChildren(...(run.steps ?? []).map((step, index) => element("li", {
    class: index + 1 < progress.step ? "done" : index + 1 === progress.step ? "current" : "",
    "aria-current": index + 1 === progress.step ? "step" : null,
  }, step.title, step.kind === "Action" && step.seconds ? ` (${formatSeconds(step.seconds)})` : "")));
  $("#abort").disabled = run.state === "Aborting" || !session.can("ExecuteMaintenance");
  showAction(progress);
  const view = run.openView;
  if (!view || state.shownView !== view.viewId) closeViewDialog();
  if (view && attended.has(run.id) && state.dismissedView !== view.viewId
    && state.shownView !== view.viewId) {
    openViewDialog(view);
  }
  renderWaiting();
}

// Says, on every tab and without taking over the page, that a run waits for an answer that
// this console is not showing (someone else's run, or a dialog closed with Escape).
function renderWaiting() {
  const run = state.run;
  const view = run?.openView;
  const waiting = Boolean(view) && !state.starting && state.shownView !== view.viewId;
  $("#waiting").hidden = !waiting;
  if (!waiting) return;
  const what = view.kind === "Error"
    ? `stopped at an error and is waiting for an answer: “${errorText(view)}”`
    : `is waiting for an answer: “${view.title}”`;
  const who = run.startedBy && run.startedBy !== session.userName ? ` (started by ${run.startedBy})` : "";
  $("#waiting-text").replaceChildren(element("strong", {}, run.procedureName), who, " ", what);
}

$("#waiting-open").addEventListener("click", () => {
  const run = state.run;
  if (!run?.openView) return;
  attend(run.id); // the operator has taken the run on: its next views open here too
  state.dismissedView = null;
  openViewDialog(run.openView);
  renderWaiting();
});

function formatSeconds(seconds) {
  if (seconds >= 90) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds)} s`;
}

function showAction(progress) {
  const running = progress.actionSeconds != null;
  $("#action").hidden = !running;
  if (!running) return;
  $("#action-title").textContent = progress.stepTitle ?? "Action";
  const total = Math.max(progress.actionSeconds, 0.001);
  const endsAt = Date.now() + progress.actionRemainingSeconds * 1000;
  const tick = () => {
    const left = Math.max(0, (endsAt - Date.now()) / 1000);
    $("#action-progress").max = total;
    $("#action-progress").value = total - left;
    $("#action-left").textContent = left > 0 ? `About ${formatSeconds(left)} left` : "Finishing…";
  };
  tick();
  state.actionTimer = setInterval(tick, 500);
}

$("#abort").addEventListener("click", () => abortRun("#run-message"));

async function abortRun(messageSelector) {
  const yes = await confirmDialog("Abort the run? It stops at its next safe point.", "Abort run");
  if (!yes) return;
  await attempt(messageSelector, () => api("POST", "/api/v1/maintenance/abort"), "Aborting…");
}

function openViewDialog(view) {
  state.shownView = view.viewId;
  const dialog = $("#view-dialog");
  $("#view-title").textContent = view.title;
  $("#view-message").textContent = view.kind === "Error" ? errorText(view) : view.message;
  const image = $("#view-image");
  image.hidden = !view.imageName;
  if (view.imageName) {
    image.src = `/api/v1/maintenance/images/${encodeURIComponent(view.imageName)}`;
    image.alt = `Illustration: ${view.title}`;
  }
  const isError = view.kind === "Error";
  $("#view-help").hidden = !isError;
  $("#view-help").textContent = isError ? ERROR_HELP : "";
  $("#view-input-row").hidden = !view.inputRequired;
  $("#view-input-label").textContent = view.title;
  $("#view-input").value = "";
  say("#view-error", "");
  const buttons = view.results.map((result) => element("button", {
    type: "button", class: result === "Abort" || result === "Cancel" ? "danger" : "",
    onclick: () => answerView(view, result),
  }, isError ? ERROR_LABELS[result] ?? result : result));
  if (!view.results.includes("Abort")) {
    buttons.push(element("button", { type: "button", class: "secondary", onclick: () => abortRun("#view-error") }, "Abort run"));
  }
  const mayAnswer = session.can("ExecuteMaintenance");
  for (const button of buttons) button.disabled = !mayAnswer;
  if (!mayAnswer) say("#view-error", "Your role may not answer views.");
  $("#view-buttons").replaceChildren(...buttons);
  if (!dialog.open) dialog.showModal();
  (view.inputRequired ? $("#view-input") : buttons[0]).focus();
}

// An error view says what failed in the console's own words: its message names the answers as
// the API does (Yes, Ok), where the console's buttons say Retry and Continue.
function errorText(view) {
  const error = state.run?.errors.find((e) => e.message === "Pending");
  if (!error) return view.message;
  const step = state.run.steps?.[error.step - 1]?.title;
  const what = /[.!?]$/.test(error.response) ? error.response : `${error.response}.`;
  return step ? `${step} failed: ${what}` : what;
}

// An answered error, said as what the operator did about it (the API's `message` field holds
// the recovery, `response` the error's text).
const RECOVERIES = { Retry: "retried", Continue: "skipped", Abort: "the run was aborted", Pending: "not answered" };

function errorLine(run, error) {
  const step = run.steps?.[error.step - 1]?.title;
  const text = error.response.replace(/[.!]$/, "");
  return `${step ? `${step}: ` : ""}${text} (${RECOVERIES[error.message] ?? error.message})`;
}

function closeViewDialog() {
  state.shownView = null;
  if ($("#view-dialog").open) $("#view-dialog").close();
}

// Escape closes the dialog without answering: the run goes on waiting, the banner says so and
// opens it again.
$("#view-dialog").addEventListener("cancel", () => {
  state.dismissedView = state.shownView;
  state.shownView = null;
});
$("#view-dialog").addEventListener("close", () => renderWaiting());

async function answerView(view, result) {
  const body = { viewId: view.viewId, viewResult: result };
  if (view.inputRequired) {
    const text = $("#view-input").value.trim();
    if (!text && result === "Ok") {
      say("#view-error", `Enter the ${view.title.toLowerCase()} first.`);
      $("#view-input").focus();
      return;
    }
    body.viewInput = text;
  }
  try {
    await api("POST", "/api/v1/maintenance/close-view", body);
    if (state.run?.openView?.viewId === view.viewId) state.run.openView = null; // answered
    closeViewDialog();
    await refreshRun();
  } catch (error) {
    if (error.status === 404) { closeViewDialog(); await refreshRun(); return; } // answered elsewhere
    say("#view-error", problemText(error));
  }
}

// -- history -----------------------------------------------------------------------------------

async function refreshHistory() {
  const page = await api("GET", `/mlprep/v1/runs?limit=${state.historyLimit}`);
  replaceKeepingFocus($("#history-list"), page.items.map((run) => {
    const details = element("details", {
      ontoggle: async (event) => { if (event.target.open) await fillRun(event.target, run.id); },
    }, element("summary", {}, `${run.procedureName} · `, stateBadge(run.state),
      ` · ${absolute(run.startedAt)}${run.startedBy ? ` · ${run.startedBy}` : ""}`));
    return element("li", { "data-run": run.id }, details);
  }));
  $("#history-more").hidden = page.total <= page.items.length;
  // The states a reader may not know, explained once below the list when it shows them.
  const unusual = ["Interrupted", "Failed"].filter((name) => page.items.some((run) => run.state === name));
  $("#history-legend").hidden = !unusual.length;
  $("#history-legend").replaceChildren(...unusual.flatMap((name) => [
    element("dt", {}, element("span", { class: `badge ${name}` }, name)),
    element("dd", { id: `legend-${name}` }, STATE_HELP[name]),
  ]));
}

function stateBadge(name) {
  const unusual = name === "Interrupted" || name === "Failed";
  return element("span", {
    class: `badge ${name}`, title: STATE_HELP[name] ?? null, "aria-describedby": unusual ? `legend-${name}` : null,
  }, name);
}

$("#history-more").addEventListener("click", () => { state.historyLimit += 20; refreshHistory(); });

async function fillRun(details, runId) {
  if (details.querySelector(".run-details")) return;
  const run = await api("GET", `/mlprep/v1/runs/${runId}`);
  const inputs = Object.entries(run.inputs);
  details.append(element("div", { class: "run-details" },
    element("h3", {}, "Views"),
    element("ol", {}, run.views.map((view) => element("li", {},
      `${view.title}${/[?:]$/.test(view.title) ? "" : ":"} ${view.result ?? "(unanswered)"}${view.input ? ` — “${view.input}”` : ""}`))),
    inputs.length ? element("h3", {}, "Entered and measured") : null,
    inputs.length ? element("ul", {}, inputs.map(([name, value]) => element("li", {}, `${name}: ${value}`))) : null,
    run.errors.length ? element("h3", {}, "Errors") : null,
    run.errors.length ? element("ul", {}, run.errors.map((e) => element("li", {}, errorLine(run, e)))) : null,
  ));
}

// -- counters ----------------------------------------------------------------------------------

const COUNTER_NAMES = [
  ["tipPickUpCounter", "Tip pick-ups"], ["tipEjectCounter", "Tip ejects"],
  ["aspirateCounter", "Aspirates"], ["dispenseCounter", "Dispenses"],
];

async function refreshCounters() {
  const [channels, usage] = await Promise.all([
    api("GET", "/mlprep/v1/counters"), api("GET", "/mlprep/v1/counters/usage?limit=12"),
  ]);
  const mayReset = session.can("ModifyMaintenanceSettings");
  replaceKeepingFocus($("#counter-cards"), channels.map((channel) => element("div", { class: "card", "data-channel": channel.name },
    element("h3", {}, `Channel ${channel.name}`),
    element("table", { class: "table" },
      element("caption", { class: "visually-hidden" }, `Counters of channel ${channel.name}`),
      element("thead", {}, element("tr", {}, element("th", { scope: "col" }, "Counter"), element("th", { scope: "col" }, "Since reset"), element("th", { scope: "col" }, "Lifetime"))),
      element("tbody", {}, COUNTER_NAMES.map(([key, label]) => element("tr", {},
        element("th", { scope: "row" }, label),
        element("td", { "data-counter": key }, String(channel[key])),
        element("td", {}, String(channel.lifetime[key])))))),
    element("button", {
      type: "button", class: "danger", disabled: !mayReset,
      title: mayReset ? null : "Your role may not reset counters.",
      onclick: () => resetCounters(channel.name),
    }, `Reset ${channel.name}…`),
  )));
  renderUsage(usage);
}

async function resetCounters(channel) {
  const yes = await confirmDialog(`Reset the four counters of channel ${channel} to zero? Lifetime totals stay.`, `Reset ${channel}`);
  if (!yes) return;
  await api("POST", `/api/v1/maintenance/reset-channel-counters/${channel}`);
  await refreshCounters();
}

function renderUsage(usage) {
  const chart = $("#usage-chart");
  if (!usage.length) { chart.textContent = "No runs have used the channels yet."; return; }
  const width = 480, height = 160, left = 30, bottom = 30;
  const max = Math.max(1, ...usage.flatMap((run) => run.channels.map((c) => c.tipPickUpCounter)));
  const slot = (width - left) / Math.max(usage.length, 8);
  const bars = [];
  usage.forEach((run, index) => {
    run.channels.forEach((channel, position) => {
      const barHeight = ((height - bottom) * channel.tipPickUpCounter) / max;
      const x = left + index * slot + position * (slot / 2.5) + 2;
      bars.push(`<rect class="${channel.name.toLowerCase()}" x="${x}" y="${height - bottom - barHeight}" width="${slot / 2.5 - 2}" height="${barHeight}"><title>${run.kind} ${absolute(run.at)}: ${channel.name} ${channel.tipPickUpCounter} tips</title></rect>`);
    });
    bars.push(`<text x="${left + index * slot + 2}" y="${height - bottom + 12}">${index + 1}</text>`);
  });
  const description = usage.map((run, index) => `${index + 1}: ${run.kind} at ${absolute(run.at)}, ${run.channels.map((c) => `${c.name} ${c.tipPickUpCounter}`).join(", ")} tips`).join("; ");
  chart.innerHTML = `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Tip pick-ups per run, oldest first: ${escapeAttribute(description)}">
    <text x="0" y="12">${max}</text><text x="0" y="${height - bottom}">0</text>${bars.join("")}</svg>
    <p class="note">Tip pick-ups per run, oldest first: <span class="key front">Front</span> <span class="key rear">Rear</span></p>`;
}

function escapeAttribute(text) {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

// -- UV routine --------------------------------------------------------------------------------

async function refreshUv() {
  const [options, settings] = await Promise.all([
    api("GET", "/api/v1/maintenance/uv-routine-interval-options"),
    api("GET", "/api/v1/maintenance/uv-routine-settings"),
  ]);
  state.uvInterval = settings.interval;
  renderProcedures(); // the UV procedure's due date reads after the setting
  const select = $("#uv-interval");
  select.replaceChildren(...options.map((option) => element("option", { value: option.name, selected: option.name === settings.interval }, option.description)));
  const mayChange = session.can("ModifyMaintenanceSettings");
  select.disabled = !mayChange;
  $("#uv-form button").disabled = !mayChange;
}

$("#uv-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const interval = $("#uv-interval").value;
  await attempt("#uv-message", async () => {
    await api("PUT", "/api/v1/maintenance/uv-routine-settings", { interval });
    state.uvInterval = interval;
    await refreshProcedures();
  }, `Saved: ${$("#uv-interval").selectedOptions[0].textContent}.`);
});

// -- simulator ---------------------------------------------------------------------------------

async function refreshSimulator() {
  const sim = await api("GET", "/mlprep/v1/simulator");
  $("#sim-clock").textContent = `Instrument clock: ${absolute(sim.now)} · speed ${sim.speed} · ${aheadText(sim.offsetSeconds)}`;
  if (document.activeElement !== $("#speed")) $("#speed").value = sim.speed;
  if (document.activeElement !== $("#hepa")) $("#hepa").value = sim.hepaPressureDropPa;
  const operation = (name) => $(`#fault-operation option[value="${name}"]`)?.textContent ?? name;
  const planned = sim.plannedFaults.map((f) => `${operation(f.operation)} (${f.channel ?? "any channel"})`);
  const rate = sim.faultRate ? `${+(sim.faultRate * 100).toPrecision(3)} % of actions` : "none";
  $("#faults").textContent = `Planned: ${planned.join(", ") || "none"}. Random faults: ${rate}.`;
  state.clockOffsetMs = new Date(sim.now) - Date.now();
}

function aheadText(seconds) {
  const hours = Math.round(Math.abs(seconds) / 3600);
  if (!hours) return "in step with real time";
  const days = Math.floor(hours / 24);
  const parts = [days ? `${days} day${days === 1 ? "" : "s"}` : null, hours % 24 ? `${hours % 24} h` : null];
  return `${parts.filter(Boolean).join(" ")} ${seconds > 0 ? "ahead of" : "behind"} real time`;
}

// Each form says how it went below its own button, where the eye is (on a phone the others are
// a screen away).
function simulatorForm(selector, action, success) {
  $(selector).addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(event.target));
    await attempt(`${selector.replace("-form", "-message")}`, async () => {
      await action(data);
      await Promise.allSettled([refreshSimulator(), refreshProcedures(), refreshCounters()]);
    }, success);
  });
}

simulatorForm("#speed-form", (d) => api("PUT", "/mlprep/v1/simulator/clock/speed", { speed: Number(d.speed) }), "Speed set.");
simulatorForm("#advance-form", (d) => api("POST", "/mlprep/v1/simulator/clock/advance", { days: Number(d.days || 0), hours: Number(d.hours || 0) }), "Clock advanced.");
simulatorForm("#fault-form", (d) => api("POST", "/mlprep/v1/simulator/faults/next", d.channel ? { operation: d.operation, channel: d.channel } : { operation: d.operation }), "Fault planned.");
simulatorForm("#protocol-form", (d) => api("POST", "/mlprep/v1/simulator/protocol-runs", { tips: Number(d.tips), transfers: Number(d.tips) * 3 }), "Protocol run simulated.");
simulatorForm("#hepa-form", (d) => api("PUT", "/mlprep/v1/simulator/hepa", { pressureDropPa: Number(d.pressureDropPa) }), "HEPA reading set.");
$("#reset-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const yes = await confirmDialog("Factory reset: forget every run, protocol run, counter and execution?", "Factory reset");
  if (!yes) return;
  await attempt("#reset-message", async () => {
    await api("POST", "/mlprep/v1/simulator/factory-reset");
    await refreshAll();
  }, "The simulated instrument is back to its factory state.");
});

// -- users -------------------------------------------------------------------------------------

async function refreshUsers() {
  const users = await api("GET", "/mlprep/v1/users");
  replaceKeepingFocus($("#user-rows"), users.map((user) => {
    const role = element("select", {
      "aria-label": `Role of ${user.userName}`,
      onchange: (event) => userAction(() => api("PUT", `/mlprep/v1/users/${encodeURIComponent(user.userName)}/role`, { role: event.target.value }), `${user.userName} is now ${event.target.value}.`),
    }, ["Operator", "Service", "Administrator"].map((name) => element("option", { selected: name === user.role }, name)));
    return element("tr", { "data-user": user.userName },
      element("td", { "data-label": "User" }, user.userName),
      element("td", { "data-label": "Role" }, role),
      element("td", { "data-label": "Locked until" }, user.lockedUntil ? absolute(user.lockedUntil) : "—"),
      element("td", { "data-label": "Actions" }, element("div", { class: "buttons" },
        element("button", { type: "button", class: "secondary", disabled: !user.lockedUntil, onclick: () => userAction(() => api("POST", `/mlprep/v1/users/${encodeURIComponent(user.userName)}/unlock`), `Unlocked ${user.userName}.`) }, `Unlock ${user.userName}`),
        element("button", { type: "button", class: "secondary", onclick: () => setPassword(user.userName) }, `Set password of ${user.userName}`),
        element("button", { type: "button", class: "danger", onclick: () => removeUser(user.userName) }, `Remove ${user.userName}`))));
  }));
}

async function userAction(action, success) {
  await attempt("#users-message", async () => { await action(); await refreshUsers(); }, success);
}

async function setPassword(userName) {
  const password = await confirmDialog(`A new password for ${userName} (at least 8 characters). Their current sessions end.`, "Set password", { label: "New password", type: "password" });
  if (password === null) return;
  await userAction(() => api("PUT", `/mlprep/v1/users/${encodeURIComponent(userName)}/password`, { password }), `Changed the password of ${userName}.`);
}

async function removeUser(userName) {
  const yes = await confirmDialog(`Remove ${userName}? Their sessions end at once.`, `Remove ${userName}`);
  if (!yes) return;
  await userAction(() => api("DELETE", `/mlprep/v1/users/${encodeURIComponent(userName)}`), `Removed ${userName}.`);
}

$("#add-user-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = Object.fromEntries(new FormData(event.target));
  await userAction(() => api("POST", "/mlprep/v1/users", data), `Added ${data.userName}.`);
  if ($("#users-message").classList.contains("ok")) event.target.reset();
});

// -- audit -------------------------------------------------------------------------------------

// The trail is read when its tab opens, again after each event while it is shown (most audited
// actions announce one), and every AUDIT_POLL_MS while it is shown and the page is visible, for
// those that announce none (sign-ins, user changes). At most one read every AUDIT_MIN_GAP_MS.
const AUDIT_POLL_MS = 15000;
const AUDIT_MIN_GAP_MS = 2000;
const audit = { reading: null, last: 0, again: null };

function auditShown() {
  return session.can("ViewAudit") && !$("#app").hidden && !$("#audit").hidden
    && document.visibilityState === "visible";
}

function refreshAuditSoon() {
  if (!auditShown() || audit.again) return;
  const wait = Math.max(0, audit.last + AUDIT_MIN_GAP_MS - Date.now());
  audit.again = setTimeout(() => { audit.again = null; if (auditShown()) refreshAudit().catch(() => {}); }, wait);
}

async function refreshAudit() {
  if (audit.reading) return audit.reading;
  audit.last = Date.now();
  audit.reading = readAudit().finally(() => { audit.reading = null; });
  return audit.reading;
}

async function readAudit() {
  const action = $("#audit-action").value;
  const query = new URLSearchParams({ limit: "50" });
  if (action) query.set("action", action);
  const page = await api("GET", `/mlprep/v1/audit?${query}`);
  const cell = (label, text) => element("td", { "data-label": label }, text ?? "—");
  $("#audit-rows").replaceChildren(...page.items.map((entry) => element("tr", { "data-entry": entry.id },
    cell("When", absolute(entry.at, "medium")), cell("Who", entry.actor), cell("Action", entry.action),
    cell("Target", entry.target), cell("Outcome", entry.outcome), cell("Details", auditDetails(entry)))));
  $("#audit-count").textContent = `${auditCount(page.items.length, page.total, action)} The list updates while this tab is open.`;
}

function auditCount(shown, total, action) {
  const of = action ? ` for ${action}` : "";
  if (!total) return `No entries${of} yet.`;
  if (shown === total) return `${total === 1 ? "The one entry" : `All ${total} entries`}${of}.`;
  return `The newest ${shown} of ${total} entries${of}.`;
}

function auditDetails(entry) {
  const parts = [entry.detail, entry.client ? `from ${entry.client}` : null].filter(Boolean);
  return parts.length ? parts.join(", ") : null;
}

$("#audit-form").addEventListener("submit", (event) => { event.preventDefault(); refreshAudit(); });
$("#audit-action").addEventListener("change", () => refreshAudit());
setInterval(() => { if (auditShown() && Date.now() - audit.last >= AUDIT_POLL_MS) refreshAudit().catch(() => {}); }, 1000);
document.addEventListener("visibilitychange", () => refreshAuditSoon());

// -- live updates ------------------------------------------------------------------------------

function onLiveState(status) {
  const node = $("#live");
  node.textContent = status === "live" ? "Live" : "Reconnecting…";
  node.classList.toggle("down", status !== "live");
}

function onEvent(code, data) {
  if (code !== "logoutcountdown") refreshAuditSoon(); // what happened was likely audited
  switch (code) {
    case "open": // (re)connected: what happened meanwhile is read back
      refreshSoon(["run", "procedures", "counters"]);
      break;
    case "maintenancedata": case "viewclosed": case "maintenancestatus": case "error":
      refreshSoon(["run"]);
      break;
    case "finished":
      refreshSoon(["run", "procedures", "history", "counters"]);
      break;
    case "counters":
      refreshSoon(["counters"]);
      break;
    case "clock": case "uvroutine": case "reset":
      refreshSoon(["health", "uv", "procedures", "counters", "simulator"]);
      break;
    case "logoutcountdown":
      say("#run-message", "You will be signed out soon for inactivity.");
      break;
    default:
      break;
  }
}

const pending = new Set();
function refreshSoon(parts) {
  for (const part of parts) pending.add(part);
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(async () => {
    const parts = [...pending];
    pending.clear();
    const work = {
      run: refreshRun, procedures: refreshProcedures, history: refreshHistory,
      counters: refreshCounters, health: refreshHealth, uv: refreshUv,
      simulator: session.can("ControlSimulator") ? refreshSimulator : null,
    };
    await Promise.allSettled(parts.map((part) => work[part]?.()));
  }, 100);
}

// -- start -------------------------------------------------------------------------------------

refreshHealth().catch(() => {}); // the serial number, on the sign-in screen too (no token needed)
if (session.valid) showApp(); else showSignIn();
