// The sandbox page: a small stand-in for the Slack client. It shows what the server's state
// says (the compliance channel with threads, the person's DM with the app, the app's Home
// tab, the person's open modal, ephemeral messages) and sends what the person does to the
// server, which turns it into signed Slack requests to the bot. Plain DOM, no framework.
import { h, plain, readForm, renderBlocks, renderMrkdwn, renderText, showErrors } from "./blocks.js";

const COMMAND_HINT = "/screening [new | resume | list | status DD-2026-0007 | help]: start, resume or look up an export human-rights screening";

const TIPS = {
  requester: "Screen a deal: press New screening on the app's Home tab, or type /screening in its Messages tab. Then switch to an approver.",
  approver: "Escalations arrive in #export-compliance. Decide there with the buttons; discuss in the thread.",
  outsider: "Not an approver: a click on a decision button is refused, privately, and nothing changes.",
};

const ui = {
  as: null,
  /** per person: "home" | "dm" | "channel" */
  panes: {},
  /** { channel, ts } of the open thread */
  thread: null,
  state: null,
  modalKey: null,
  modalErrors: "",
  showTraffic: false,
  composers: new Map(),
  rendered: { paneKey: null },
};

const $ = (selector) => document.querySelector(selector);

// ---- talking to the server --------------------------------------------------------------

let inflight = null;
let again = false;

async function refresh() {
  if (inflight) {
    again = true;
    return inflight;
  }
  inflight = (async () => {
    do {
      again = false;
      const as = ui.as;
      const res = await fetch(`/api/state?as=${encodeURIComponent(as ?? "U0REQUESTER")}`);
      if (!res.ok) {
        toast(`The sandbox did not answer (HTTP ${res.status}).`);
        return;
      }
      const state = await res.json();
      if (ui.as === null) ui.as = state.me.id;
      if (state.me.id === ui.as) {
        ui.state = state;
        render();
      } else {
        again = true;
      }
    } while (again);
  })().finally(() => {
    inflight = null;
  });
  return inflight;
}

async function post(path, body) {
  let result;
  try {
    const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ as: ui.as, ...body }) });
    result = await res.json().catch(() => ({ ok: false, message: `HTTP ${res.status}` }));
  } catch (err) {
    result = { ok: false, message: `The sandbox is not reachable: ${err.message}` };
  }
  if (!result.ok && result.message) toast(result.message);
  await refresh();
  return result;
}

function listen() {
  const events = new EventSource("/api/events");
  events.onmessage = () => void refresh();
  events.onerror = () => $("#connection").classList.add("lost");
  events.onopen = () => $("#connection").classList.remove("lost");
}

// ---- navigation --------------------------------------------------------------------------

function pane() {
  return ui.panes[ui.as] ?? "home";
}

function go(next) {
  ui.panes[ui.as] = next;
  ui.thread = null;
  saveLocation();
  if (next === "home") void post("/api/home", {});
  else render();
}

function switchPerson(id) {
  if (id === ui.as) return;
  ui.as = id;
  ui.thread = null;
  ui.modalKey = null;
  ui.state = null;
  saveLocation();
  if (pane() === "home") void post("/api/home", {});
  else void refresh();
}

function saveLocation() {
  history.replaceState(null, "", `#${ui.as}/${pane()}`);
}

function readLocation() {
  const [as, where] = location.hash.slice(1).split("/");
  if (as && /^[UW][A-Z0-9]+$/.test(as)) {
    ui.as = as;
    if (where === "home" || where === "dm" || where === "channel") ui.panes[as] = where;
  }
}

// ---- rendering ---------------------------------------------------------------------------

function render() {
  const s = ui.state;
  if (!s) return;
  // The composers survive re-rendering, but moving a node loses focus: give it back.
  const active = document.activeElement instanceof HTMLTextAreaElement ? document.activeElement : null;
  const selection = active ? [active.selectionStart, active.selectionEnd] : null;
  renderPeople(s);
  renderSidebar(s);
  renderPane(s);
  renderThread(s);
  renderModal(s);
  renderTraffic(s);
  if (active && active.isConnected && document.activeElement !== active && !s.modal) {
    active.focus();
    if (selection) active.setSelectionRange(selection[0], selection[1]);
  }
}

function initials(name) {
  return name
    .split(/\s+/)
    .map((w) => w[0] ?? "")
    .join("")
    .slice(0, 2)
    .toUpperCase();
}

function avatar(userId, s) {
  if (userId === s.bot.id) return h("span", { class: "avatar bot", "aria-hidden": "true" }, "DD");
  const index = s.people.findIndex((p) => p.id === userId);
  const name = s.names[userId] ?? userId;
  return h("span", { class: `avatar p${index < 0 ? "x" : index}`, "aria-hidden": "true" }, initials(name));
}

function renderPeople(s) {
  $("#people").replaceChildren(
    ...s.people.map((p) =>
      h(
        "button",
        { type: "button", class: "person", "aria-pressed": String(p.id === ui.as), dataset: { user: p.id }, title: p.title, onclick: () => switchPerson(p.id) },
        avatar(p.id, s),
        h("span", { class: "person-name" }, p.realName),
        h("span", { class: `role ${p.role}` }, p.role),
      ),
    ),
  );
}

// ---- the sandbox clock --------------------------------------------------------------------

const CLOCK_STEPS = [
  ["hour", "+1 h", "Move the sandbox's clock one hour forward"],
  ["day", "+1 day", "Move the sandbox's clock one day forward: drafts and escalations left waiting get their reminders"],
  ["week", "+1 week", "Move the sandbox's clock one week forward"],
];

function formatClock(iso) {
  const d = new Date(iso);
  const day = d.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  const time = d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
  return `${day} ${time} UTC`;
}

function formatAhead(ms) {
  const hours = Math.floor(ms / 3_600_000);
  if (hours < 1) return "";
  const days = Math.floor(hours / 24);
  return days >= 1 ? `+${days} day${days === 1 ? "" : "s"}${hours % 24 ? ` ${hours % 24} h` : ""} ahead` : `+${hours} h ahead`;
}

/** The time in the workspace: the sandbox's clock, running on from the offset the server gave. */
function workspaceNow(s) {
  return new Date(Date.now() + (s.clock?.offsetMs ?? 0));
}

/** The sandbox's clock, in the sidebar: the time as the bot sees it, and steps forward. */
function clockBox(s) {
  if (!s.clock) return null;
  const ahead = formatAhead(s.clock.offsetMs);
  return h(
    "section",
    { id: "clock", class: "clock", "aria-label": "Sandbox clock" },
    h("h4", {}, "Sandbox clock"),
    h("div", {}, h("span", { class: "clock-time", title: "The time as the bot sees it", dataset: { now: s.clock.now } }, formatClock(s.clock.now)), ahead ? h("span", { class: "clock-ahead" }, ahead) : null),
    h(
      "div",
      { class: "clock-steps" },
      ...CLOCK_STEPS.map(([step, label, title]) =>
        h("button", { type: "button", class: "btn small clock-step", title, dataset: { step }, onclick: (event) => advanceClock(event.currentTarget, step) }, label),
      ),
    ),
  );
}

async function advanceClock(button, step) {
  button.disabled = true;
  button.classList.add("busy");
  try {
    const result = await post("/api/clock", { step });
    if (result.ok) toast(`The clock is now ${formatClock(result.clock.now)}: whatever came due was sent.`);
  } finally {
    button.disabled = false;
    button.classList.remove("busy");
  }
}

function renderSidebar(s) {
  const current = pane();
  const link = (key, label, extra) =>
    h("button", { type: "button", class: "nav", "aria-current": String(current === key || (key === "home" && current === "dm")), dataset: { pane: key }, onclick: () => go(key) }, label, extra);
  $("#sidebar").replaceChildren(
    h("div", { class: "me" }, avatar(s.me.id, s), h("div", {}, h("strong", {}, s.me.realName), h("div", { class: "me-title" }, s.me.title))),
    h("p", { class: "tip" }, TIPS[s.me.role] ?? ""),
    clockBox(s),
    h("h4", {}, "Channels"),
    link("channel", `# ${s.channel.name}`),
    h("h4", {}, "Apps"),
    link("home", s.bot.name),
    h("p", { class: "sidebar-foot" }, "Local sandbox: nothing here reaches Slack. Every click reaches the bot as a signed Slack request."),
  );
}

function renderPane(s) {
  const current = pane();
  const main = $("#pane");
  const list = main.querySelector(".messages");
  const wasAtBottom = !list || list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const paneKey = `${ui.as}/${current}`;
  const changedPane = ui.rendered.paneKey !== paneKey;
  ui.rendered.paneKey = paneKey;

  const banners = s.banners.map((e) => ephemeral(e, null, s));
  if (current === "channel") {
    main.replaceChildren(
      h("header", { class: "pane-head" }, h("h2", {}, `# ${s.channel.name}`), h("p", {}, "Escalations from the app. Discuss each one in its thread.")),
      ...banners,
      conversation(s, s.channel.id),
      composer(s, s.channel.id, `Message #${s.channel.name}, or type /screening`),
    );
  } else {
    const tabs = h(
      "nav",
      { class: "tabs", "aria-label": "App tabs" },
      h("button", { type: "button", class: "tab", "aria-selected": String(current === "home"), onclick: () => go("home") }, "Home"),
      h("button", { type: "button", class: "tab", "aria-selected": String(current === "dm"), onclick: () => go("dm") }, "Messages"),
    );
    const head = h("header", { class: "pane-head app" }, avatar(s.bot.id, s), h("h2", {}, s.bot.name), h("span", { class: "badge" }, "APP"), tabs);
    if (current === "home") {
      main.replaceChildren(head, ...banners, homeTab(s));
    } else {
      main.replaceChildren(head, ...banners, conversation(s, s.dmChannel), composer(s, s.dmChannel, "Type /screening to use the app"));
    }
  }
  const after = main.querySelector(".messages");
  if (after && (wasAtBottom || changedPane)) after.scrollTop = after.scrollHeight;
}

function homeTab(s) {
  if (!s.home) return h("div", { class: "home loading" }, "Opening the app's Home tab…");
  return h(
    "div",
    { class: "home", dataset: { viewId: s.home.id } },
    renderBlocks(s.home.blocks, {
      names: s.names,
      now: workspaceNow(s),
      confirm: confirmDialog,
      idPrefix: "home",
      onButton: (blockIndex, block, el, button) => press(button, "/api/view-action", { viewId: s.home.id, blockIndex, blockId: block.block_id, actionId: el.action_id }),
    }),
  );
}

async function press(button, path, body) {
  button.disabled = true;
  button.classList.add("busy");
  try {
    await post(path, body);
  } finally {
    button.disabled = false;
    button.classList.remove("busy");
  }
}

function conversation(s, channel) {
  const conv = s.conversations[channel] ?? { messages: [], ephemerals: [] };
  const items = [
    ...conv.messages.map((m) => ({ ts: m.ts, node: () => message(m, channel, s, false) })),
    ...conv.ephemerals.map((e) => ({ ts: e.ts, node: () => ephemeral(e, channel, s) })),
  ].sort((a, b) => Number(a.ts) - Number(b.ts));
  const list = h("div", { class: "messages", role: "log", "aria-live": "polite", dataset: { channel } });
  if (items.length === 0) list.append(h("p", { class: "empty" }, channel === s.channel.id ? "No messages yet. Escalated screenings appear here." : "No messages yet."));
  for (const item of items) list.append(item.node());
  return list;
}

function time(ts) {
  const d = new Date(Number(ts) * 1000);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function messageBody(m, ctx) {
  return Array.isArray(m.blocks) && m.blocks.length > 0 ? renderBlocks(m.blocks, ctx) : renderMrkdwn(m.text, ctx);
}

function message(m, channel, s, inThread) {
  const isBot = m.user === s.bot.id;
  const ctx = {
    names: s.names,
    now: workspaceNow(s),
    confirm: confirmDialog,
    idPrefix: `m${m.ts.replace(".", "")}`,
    onButton: (blockIndex, block, el, button) => press(button, "/api/message-action", { channel, ts: m.ts, blockIndex, blockId: block.block_id, actionId: el.action_id }),
  };
  const replies = m.replies ?? [];
  const footer =
    inThread || channel !== s.channel.id
      ? null
      : h(
          "button",
          { type: "button", class: "thread-link", onclick: () => openThread(channel, m.ts) },
          replies.length > 0 ? `${replies.length} ${replies.length === 1 ? "reply" : "replies"}` : "Reply in thread",
        );
  return h(
    "article",
    { class: `message${isBot ? " from-bot" : ""}`, dataset: { ts: m.ts } },
    avatar(m.user, s),
    h(
      "div",
      { class: "msg-main" },
      h("div", { class: "msg-head" }, h("strong", {}, s.names[m.user] ?? m.user), isBot ? h("span", { class: "badge" }, "APP") : null, h("time", {}, time(m.ts)), m.edited ? h("span", { class: "edited" }, "(edited)") : null),
      messageBody(m, ctx),
      footer,
    ),
  );
}

function ephemeral(e, channel, s) {
  const fromBot = e.from === "bot";
  const ctx = {
    names: s.names,
    now: workspaceNow(s),
    confirm: confirmDialog,
    idPrefix: `e${e.ts.replace(".", "")}`,
    onButton: (blockIndex, block, el, button) => press(button, "/api/message-action", { channel, ts: e.ts, ephemeral: true, blockIndex, blockId: block.block_id, actionId: el.action_id }),
  };
  return h(
    "article",
    { class: "message ephemeral", dataset: { key: e.key } },
    fromBot ? avatar(s.bot.id, s) : h("span", { class: "avatar slackbot", "aria-hidden": "true" }, "S"),
    h(
      "div",
      { class: "msg-main" },
      h(
        "div",
        { class: "msg-head" },
        h("strong", {}, fromBot ? s.bot.name : "Slackbot"),
        fromBot ? h("span", { class: "badge" }, "APP") : null,
        h("time", {}, time(e.ts)),
        h("span", { class: "only-you" }, "Only visible to you"),
        h("button", { type: "button", class: "dismiss", onclick: () => post("/api/dismiss", { key: e.key }) }, "Dismiss"),
      ),
      messageBody(e, ctx),
    ),
  );
}

function composer(s, channel, placeholder, threadTs) {
  const key = `${ui.as}/${channel}/${threadTs ?? ""}`;
  let form = ui.composers.get(key);
  if (!form) {
    const input = h("textarea", { class: "composer-input", rows: "1", placeholder, "aria-label": placeholder });
    const hint = h("div", { class: "composer-hint", hidden: true }, COMMAND_HINT);
    const send = async () => {
      const text = input.value;
      if (!text.trim()) return;
      input.value = "";
      hint.hidden = true;
      await post("/api/message", { channel, text, ...(threadTs ? { threadTs } : {}) });
    };
    input.addEventListener("input", () => {
      hint.hidden = threadTs !== undefined || !input.value.startsWith("/");
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        void send();
      }
    });
    form = h(
      "form",
      { class: "composer", onsubmit: (event) => (event.preventDefault(), void send()) },
      hint,
      h("div", { class: "composer-row" }, input, h("button", { type: "submit", class: "btn primary" }, "Send")),
    );
    ui.composers.set(key, form);
  }
  return form;
}

function openThread(channel, ts) {
  ui.thread = { channel, ts };
  render();
}

function renderThread(s) {
  const aside = $("#thread");
  const t = ui.thread;
  const parent = t ? (s.conversations[t.channel]?.messages ?? []).find((m) => m.ts === t.ts) : undefined;
  if (!t || !parent) {
    aside.hidden = true;
    aside.replaceChildren();
    return;
  }
  aside.hidden = false;
  const before = aside.querySelector(".thread-messages");
  const threadKey = `${ui.as}/${t.channel}/${t.ts}`;
  const keepBottom = !before || aside.dataset.key !== threadKey || before.scrollHeight - before.scrollTop - before.clientHeight < 40;
  aside.dataset.key = threadKey;
  const list = h("div", { class: "messages thread-messages" }, message(parent, t.channel, s, true), h("div", { class: "replies-count" }, `${parent.replies.length} ${parent.replies.length === 1 ? "reply" : "replies"}`), ...parent.replies.map((r) => message(r, t.channel, s, true)));
  aside.replaceChildren(
    h("header", { class: "pane-head" }, h("h2", {}, "Thread"), h("p", {}, `# ${s.channel.name}`), h("button", { type: "button", class: "close-thread", "aria-label": "Close thread", onclick: () => ((ui.thread = null), render()) }, "\u00D7")),
    list,
    composer(s, t.channel, "Reply…", t.ts),
  );
  if (keepBottom) list.scrollTop = list.scrollHeight;
}

// ---- modals ------------------------------------------------------------------------------

function renderModal(s) {
  const root = $("#modal-root");
  const m = s.modal;
  if (!m) {
    root.replaceChildren();
    ui.modalKey = null;
    return;
  }
  const key = `${ui.as}/${m.view.id}/${m.view.hash}`;
  if (key !== ui.modalKey) {
    root.replaceChildren(buildModal(m, s));
    ui.modalKey = key;
    ui.modalErrors = "";
  }
  const form = root.querySelector("form.modal-body");
  const errors = JSON.stringify(m.errors ?? {});
  const first = showErrors(form, m.errors);
  if (errors !== ui.modalErrors) {
    ui.modalErrors = errors;
    if (first) first.scrollIntoView({ block: "center" });
  }
  const problem = root.querySelector(".modal-problem");
  problem.textContent = m.problem ?? "";
  problem.hidden = !m.problem;
}

function buildModal(m, s) {
  const view = m.view;
  const form = h("form", { class: "modal-body", novalidate: true });
  const values = () => readForm(form);
  form.append(
    renderBlocks(view.blocks, {
      names: s.names,
      now: workspaceNow(s),
      errors: m.errors,
      confirm: confirmDialog,
      idPrefix: `v${view.id}`,
      onButton: (blockIndex, block, el, button) => press(button, "/api/view-action", { viewId: view.id, blockIndex, blockId: block.block_id, actionId: el.action_id, values: values() }),
    }),
  );
  const submitButton = view.submit ? h("button", { type: "button", class: "btn primary modal-submit", onclick: () => form.requestSubmit() }, plain(view.submit)) : null;
  const close = () => post("/api/close", { viewId: view.id, values: values() });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!submitButton || submitButton.disabled) return;
    submitButton.disabled = true;
    submitButton.classList.add("busy");
    try {
      await post("/api/submit", { viewId: view.id, values: values() });
    } finally {
      submitButton.disabled = false;
      submitButton.classList.remove("busy");
    }
  });
  // Enter in a single-line field submits, as in Slack.
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target instanceof HTMLInputElement && event.target.type === "text") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  const titleId = `title-${view.id}`;
  return h(
    "div",
    { class: "overlay", onkeydown: (event) => event.key === "Escape" && void close() },
    h(
      "div",
      { class: "modal", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId, dataset: { viewId: view.id, hash: view.hash, callbackId: view.callback_id } },
      h("header", { class: "modal-head" }, avatar(s.bot.id, s), h("h2", { id: titleId, class: "modal-title" }, plain(view.title)), m.depth > 1 ? h("span", { class: "depth" }, `${m.depth} of 3`) : null, h("button", { type: "button", class: "modal-x", "aria-label": "Close", onclick: close }, "\u00D7")),
      h("div", { class: "modal-problem", role: "alert", hidden: true }),
      form,
      h(
        "footer",
        { class: "modal-foot" },
        h("button", { type: "button", class: "btn modal-close", onclick: close }, view.close ? plain(view.close) : "Cancel"),
        submitButton,
      ),
    ),
  );
}

function confirmDialog(c) {
  const root = $("#confirm-root");
  return new Promise((resolve) => {
    const done = (value) => {
      root.replaceChildren();
      resolve(value);
    };
    const yes = h("button", { type: "button", class: `btn ${c.style === "danger" ? "danger" : "primary"}`, onclick: () => done(true) }, plain(c.confirm) || "Yes");
    root.replaceChildren(
      h(
        "div",
        { class: "overlay confirm-overlay", onkeydown: (event) => event.key === "Escape" && done(false) },
        h(
          "div",
          { class: "confirm", role: "alertdialog", "aria-modal": "true" },
          h("h2", {}, plain(c.title) || "Are you sure?"),
          renderText(c.text, { names: ui.state?.names ?? {}, now: ui.state ? workspaceNow(ui.state) : undefined }),
          h("div", { class: "confirm-actions" }, h("button", { type: "button", class: "btn", onclick: () => done(false) }, plain(c.deny) || "Cancel"), yes),
        ),
      ),
    );
    yes.focus();
  });
}

// ---- traffic and toasts ------------------------------------------------------------------

function renderTraffic(s) {
  const panel = $("#traffic");
  panel.hidden = !ui.showTraffic;
  $("#traffic-toggle").setAttribute("aria-pressed", String(ui.showTraffic));
  if (!ui.showTraffic) return;
  panel.replaceChildren(
    h("h3", {}, "Traffic: signed requests to the bot, and the bot's calls to Slack's Web API (newest first)"),
    h(
      "ol",
      {},
      s.traffic.map((t) =>
        h(
          "li",
          { class: t.ok ? "ok" : "failed" },
          h("time", {}, new Date(t.at).toLocaleTimeString()),
          h("span", { class: "direction" }, t.direction === "to-bot" ? "Slack \u2192 bot" : "bot \u2192 Slack"),
          h("strong", {}, t.label),
          h("span", { class: "detail" }, t.detail),
        ),
      ),
    ),
  );
}

let toastTimer;
function toast(text) {
  const box = $("#toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (box.hidden = true), 6000);
}

// ---- start -------------------------------------------------------------------------------

$("#traffic-toggle").addEventListener("click", () => {
  ui.showTraffic = !ui.showTraffic;
  if (ui.state) renderTraffic(ui.state);
});

readLocation();
listen();
await refresh();
saveLocation();
if (pane() === "home") await post("/api/home", {});
