// The capture page with no network (issue 17). A capture saved while the browser is offline, or
// whose sending failed for want of a network, is kept in a queue in this browser, stamped with
// the device's time and time zone when it was saved; the page lists what is waiting; the queue
// is sent, oldest first, when the network is back (the online event, the page opening, or "Send
// now"), each item with a fresh CSRF token, to POST /capture/queued, which records the device's
// time beside the time it received the item. An item the server refuses (4xx) stays in the queue
// with the reason beside it, to be put back in the form and corrected: nothing is dropped.
//
// The queue is in IndexedDB, not localStorage: it keeps the attached files (Blobs) as well as
// the text, and survives a reload, a closed tab and a restarted phone.

const DB_NAME = "commsgov-offline";
const STORE = "captures";
const LOCK = "commsgov-capture-queue";

const root = document.getElementById("offline-capture");
const status = document.getElementById("offline-status");
const queue = document.getElementById("offline-queue");
const count = document.getElementById("offline-count");
const items = document.getElementById("offline-items");
const sendNow = document.getElementById("offline-send");
const sent = document.getElementById("offline-sent");
const sentItems = document.getElementById("offline-sent-items");
const { queueUrl, pageUrl, workerUrl, user } = root.dataset;

// -- the queue in IndexedDB ------------------------------------------------------------------
function openDb() {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(DB_NAME, 1);
    opening.onupgradeneeded = () => {
      opening.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
    };
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
}

async function inStore(mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const asked = work(tx.objectStore(STORE));
    tx.oncomplete = () => {
      db.close();
      resolve(asked.result);
    };
    tx.onerror = tx.onabort = () => {
      db.close();
      reject(tx.error);
    };
  });
}

// in the order they were saved (the keys count up)
const waiting = () => inStore("readonly", (s) => s.getAll());
const one = (id) => inStore("readonly", (s) => s.get(id));
const keep = (item) => inStore("readwrite", (s) => s.add(item));
const update = (item) => inStore("readwrite", (s) => s.put(item));
const drop = (id) => inStore("readwrite", (s) => s.delete(id));

// -- the device's clock ------------------------------------------------------------------------
function pad(n, width = 2) {
  return String(Math.abs(n)).padStart(width, "0");
}

// now on this device, ISO 8601 with its offset from UTC (toISOString would lose the offset)
function deviceNow() {
  const now = new Date();
  const offset = -now.getTimezoneOffset();
  const day = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
  const ms = pad(now.getMilliseconds(), 3);
  const sign = offset < 0 ? "-" : "+";
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  return {
    at: `${day}T${time}.${ms}${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`,
    zone,
  };
}

// the item's own key: sent with it, so that an item sent again (its answer lost on the way)
// is stored once
function newKey() {
  if (crypto.randomUUID) {
    return crypto.randomUUID();
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// -- what the page shows ---------------------------------------------------------------------
function say(message) {
  status.textContent = message;
}

function plural(n, one, many) {
  return n === 1 ? `1 ${one}` : `${n} ${many}`;
}

function valueOf(item, name) {
  const found = item.entries.find(([key]) => key === name);
  return found && typeof found[1] === "string" ? found[1] : "";
}

function paragraph(text, className) {
  const p = document.createElement("p");
  p.textContent = text;
  if (className) {
    p.className = className;
  }
  return p;
}

function itemView(item) {
  const li = document.createElement("li");
  li.className = "cg-offline__item";
  li.id = `offline-item-${item.id}`;
  const said = valueOf(item, "subject") || valueOf(item, "summary") || valueOf(item, "content");
  const title = document.createElement("p");
  title.className = "ds_!_margin-bottom--1";
  const method = document.createElement("strong");
  method.textContent = valueOf(item, "method") || "No channel given";
  title.append(method, `, ${valueOf(item, "at") || "no time given"}: ${said.slice(0, 120)}`);
  li.append(title);
  const files = item.entries.filter(([, value]) => typeof value !== "string").length;
  let made = `Saved on this device at ${item.made_at} (${item.made_zone})`;
  if (files) {
    made += `, with ${plural(files, "file", "files")}`;
  }
  if (item.user !== user) {
    made += `. Saved by ${item.user}: sign in as them to send it`;
  }
  li.append(paragraph(made, "ds_hint-text ds_!_margin-bottom--1"));
  if (item.error) {
    const error = paragraph(`Not sent: ${item.error}`, "ds_question__error-message");
    error.id = `offline-error-${item.id}`;
    const back = document.createElement("button");
    back.type = "button";
    back.className = "ds_button ds_button--secondary ds_button--small";
    back.textContent = "Put it back in the form to correct it";
    back.setAttribute("aria-describedby", error.id);
    back.addEventListener("click", () => putBack(item));
    li.append(error, back);
  }
  return li;
}

async function render() {
  const all = await waiting();
  items.replaceChildren(...all.map(itemView));
  queue.hidden = all.length === 0;
  count.textContent = `${plural(all.length, "capture", "captures")} waiting to be sent`;
  return all;
}

function listSent(item, answer) {
  const li = document.createElement("li");
  const link = document.createElement("a");
  link.href = answer.receipt;
  link.textContent = `${valueOf(item, "method")}, ${valueOf(item, "at")}: receipt ${answer.uid}`;
  li.append(link);
  sentItems.append(li);
  sent.hidden = false;
}

// -- keeping a capture -------------------------------------------------------------------------
function captureForm(target) {
  return target instanceof HTMLFormElement && target.closest("#capture-form") ? target : null;
}

function entriesOf(form) {
  const entries = [];
  for (const [name, value] of new FormData(form)) {
    // the token is the session's at the time; a fresh one is fetched when the item is sent
    if (name === "csrf_token" || (typeof value !== "string" && !value.name)) {
      continue;
    }
    entries.push([name, value]);
  }
  return entries;
}

async function keepForm(form, why) {
  const entries = entriesOf(form);
  const made = deviceNow();
  try {
    const item = { user, entries, made_at: made.at, made_zone: made.zone, made_id: newKey() };
    await keep({ ...item, error: null });
  } catch {
    // (a private window may refuse storage): the form keeps what was typed
    say(`${why} This browser could not keep it either: keep what you typed somewhere else.`);
    return;
  }
  form.reset();
  const all = await render();
  say(
    `${why} Saved on this device at ${made.at}: ` +
      `${plural(all.length, "capture", "captures")} waiting to be sent when the network is back.`,
  );
}

// a refused item put back in the form and corrected: it takes its place in the queue again,
// keeping the time it was first saved on the device
async function requeue(form, id) {
  const item = await one(id);
  delete form.dataset.fromQueue;
  if (!item) {
    return;
  }
  Object.assign(item, { entries: entriesOf(form), error: null, field: null });
  await update(item);
  form.reset();
  const all = await render();
  say(`Corrected. ${plural(all.length, "capture", "captures")} waiting to be sent.`);
  await flush();
}

// offline (or correcting a queued item): keep it here, before HTMX or the browser sends it
document.addEventListener(
  "submit",
  (event) => {
    const form = captureForm(event.target);
    if (form && (form.dataset.fromQueue || !navigator.onLine)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      if (form.dataset.fromQueue) {
        requeue(form, Number(form.dataset.fromQueue));
      } else {
        keepForm(form, "There is no network.");
      }
    }
  },
  true,
);

// "online" but the service cannot be reached: HTMX's request failed without an answer
document.body.addEventListener("htmx:sendError", (event) => {
  const form = captureForm(event.detail.elt);
  if (form) {
    keepForm(form, "The service could not be reached.");
  }
});

function putBack(item) {
  const form = document.querySelector("#capture-form form");
  const files = new DataTransfer();
  form.reset();
  const texts = {};
  for (const [name, value] of item.entries) {
    if (typeof value === "string") {
      texts[name] = name in texts ? `${texts[name]}\n${value}` : value;
    } else {
      files.items.add(value);
    }
  }
  for (const [name, value] of Object.entries(texts)) {
    const control = form.elements.namedItem(name);
    if (control) {
      control.value = value;
    }
  }
  form.elements.namedItem("attach").files = files.files;
  // it stays in the queue (nothing is lost if the page is left) until it is saved again
  form.dataset.fromQueue = String(item.id);
  say(
    "Put back in the form: correct it and save it again. It keeps the time it was first " +
      "saved on this device.",
  );
  const field = form.elements.namedItem(item.field || "method");
  (field instanceof RadioNodeList ? field[0] : field || form.elements.namedItem("method")).focus();
}

// -- sending the queue -------------------------------------------------------------------------
// the capture page as the server shows it now: this session's CSRF token and who is signed in;
// null when the session has ended (the page sends the browser to sign in)
async function freshPage() {
  const answer = await fetch(pageUrl, { credentials: "same-origin", cache: "no-store" });
  if (!answer.ok) {
    throw new Error(`the capture page answered ${answer.status}`);
  }
  if (new URL(answer.url).pathname !== pageUrl) {
    return null;
  }
  const page = new DOMParser().parseFromString(await answer.text(), "text/html");
  const token = page.querySelector("input[name=csrf_token]");
  const who = page.getElementById("offline-capture");
  return token && who ? { token: token.value, user: who.dataset.user } : null;
}

async function why(answer) {
  try {
    const problem = await answer.json();
    return `${problem.field}: ${problem.reason}`;
  } catch {
    return `the service refused it (${answer.status})`;
  }
}

async function sendAll() {
  const all = await waiting();
  if (!all.some((item) => item.user === user)) {
    return;
  }
  let fresh;
  try {
    fresh = await freshPage();
  } catch {
    say("The service cannot be reached yet: what you saved stays on this device.");
    return;
  }
  if (!fresh || fresh.user !== user) {
    say("Your session has ended: sign in again to send what is waiting (it stays on this device).");
    return;
  }
  let done = 0;
  let refused = 0;
  let unreachable = false;
  for (const item of all) {
    if (item.user !== fresh.user) {
      continue;
    }
    const body = new FormData();
    for (const [name, value] of item.entries) {
      body.append(name, value);
    }
    body.append("made_at", item.made_at);
    body.append("made_zone", item.made_zone);
    body.append("made_id", item.made_id);
    let answer;
    try {
      answer = await fetch(queueUrl, {
        method: "POST",
        body,
        headers: { "X-CSRF-Token": fresh.token },
        credentials: "same-origin",
      });
    } catch {
      unreachable = true; // the network went again: the rest waits, in order
      break;
    }
    // 200: it was stored already (sent before, its answer lost)
    if ((answer.status === 201 || answer.status === 200) && !answer.redirected) {
      listSent(item, await answer.json());
      await drop(item.id);
      done += 1;
    } else if (answer.status >= 400 && answer.status < 500 && !answer.redirected) {
      const problem = answer.headers.get("content-type")?.includes("json");
      item.error = await why(answer);
      item.field = problem ? item.error.split(":")[0] : null;
      await update(item);
      refused += 1;
    } else {
      break; // the service is not well, or the session ended: try again later
    }
  }
  const left = await render();
  let message = unreachable && !done ? "The service cannot be reached yet." : "";
  if (done) {
    message = `${plural(done, "capture", "captures")} sent to the record.`;
  }
  if (refused) {
    message += ` ${plural(refused, "capture was", "captures were")} refused: see why below.`;
  }
  if (left.length) {
    message += ` ${plural(left.length, "capture", "captures")} waiting to be sent.`;
  }
  say(message.trim());
}

// one sender at a time: in this page, and with the page open in two tabs
let sending = false;

async function flush() {
  if (sending || !navigator.onLine) {
    return;
  }
  sending = true;
  try {
    if (navigator.locks) {
      await navigator.locks.request(LOCK, { ifAvailable: true }, (lock) => lock && sendAll());
    } else {
      await sendAll();
    }
  } finally {
    sending = false;
  }
}

window.addEventListener("online", flush);
// "online" can be true while the service cannot be reached: try again now and then
window.setInterval(flush, 60_000);
window.addEventListener("offline", () =>
  say("There is no network: what you save is kept on this device and sent when it is back."),
);
sendNow.addEventListener("click", flush);

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register(workerUrl, { scope: pageUrl }).catch(() => {
    // without it the page still works online, and still keeps a capture while it is open
  });
}

render().then(() => {
  if (!navigator.onLine) {
    say("There is no network: what you save is kept on this device and sent when it is back.");
  }
  return flush();
});
