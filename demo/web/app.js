// The sandbox page: one Telegram-like phone per person, redrawn from the
// state the sandbox streams (server-sent events). Everything the bot sent
// arrives as HTML the sandbox already made safe; everything a person types
// is sent as text.
"use strict";

const T = {
  fr: {
    subtitle: "bac à sable : le vrai bot, un faux Telegram",
    note: "Tout reste sur cet ordinateur : rien n'est envoyé à Telegram. Chaque colonne est le téléphone d'une personne.",
    checkin: "Point d'étape suivant",
    checkinHelp: "Avance l'horloge du bot jusqu'au prochain point d'étape : il le publie dans les groupes, comme il le ferait à cette heure-là.",
    addPerson: "+ Personne",
    add: "Ajouter",
    name: "Prénom ou pseudo",
    "role.newcomer": "nouvelle personne",
    "role.member": "membre",
    "role.moderator": "modérateur·ice",
    private: "privé",
    start: "Démarrer",
    emptyPrivate: "Ta conversation privée avec le bot. Appuie sur Démarrer ou écris /aide.",
    emptyGroup: "Pas encore de message.",
    notIn: "Tu n'es pas (encore) dans ce groupe.",
    askJoin: "Demander à rejoindre",
    joinGroup: "Rejoindre le groupe",
    asked: "Demande envoyée : le bot t'a écrit en privé.",
    restricted: "Tu ne peux pas encore écrire ici.",
    kicked: "Tu as été retiré·e de ce groupe.",
    placeholder: "Message",
    send: "Envoyer",
    reply: "Répondre",
    replyTo: "Réponse à",
    edited: "modifié",
    protected: "🔒 protégé",
    download: "Télécharger",
    ok: "OK",
    hintReport: "Astuce : réponds à un message avec /signaler pour le signaler.",
    members: "membres",
    checkinPosted: "Point d'étape publié",
    noAccess: "Tu n'as pas accès à ce groupe.",
    goneMessage: "Ce message n'est plus là (supprimé).",
    offline: "Connexion au bac à sable perdue : relance `entrepairs demo` puis recharge la page.",
  },
  en: {
    subtitle: "sandbox: the real bot, a fake Telegram",
    note: "Everything stays on this computer: nothing is sent to Telegram. Each column is one person's phone.",
    checkin: "Next check-in",
    checkinHelp: "Moves the bot's clock to the next check-in: it posts it in the groups, as it would at that time.",
    addPerson: "+ Person",
    add: "Add",
    name: "First name or nickname",
    "role.newcomer": "newcomer",
    "role.member": "member",
    "role.moderator": "moderator",
    private: "private",
    start: "Start",
    emptyPrivate: "Your private chat with the bot. Tap Start or write /help.",
    emptyGroup: "No messages yet.",
    notIn: "You are not in this group (yet).",
    askJoin: "Ask to join",
    joinGroup: "Join group",
    asked: "Request sent: the bot wrote to you in private.",
    restricted: "You can't write here yet.",
    kicked: "You were removed from this group.",
    placeholder: "Message",
    send: "Send",
    reply: "Reply",
    replyTo: "Reply to",
    edited: "edited",
    protected: "🔒 protected",
    download: "Download",
    ok: "OK",
    hintReport: "Tip: reply to a message with /report to report it.",
    members: "members",
    checkinPosted: "Check-in posted",
    noAccess: "You can't open this group.",
    goneMessage: "This message is gone (deleted).",
    offline: "Lost the sandbox: run `entrepairs demo` again, then reload the page.",
  },
};
const pageLang = (navigator.language || "fr").toLowerCase().startsWith("fr") ? "fr" : "en";
const t = (lang, key) => (T[lang] && T[lang][key]) || T.fr[key] || key;
const colors = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

let state = null;
const phones = new Map(); // person id -> phone
let activePerson = null;  // on a narrow screen, the phone shown

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

async function api(path, body) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  let data = {};
  try { data = await res.json(); } catch (_) { /* no body */ }
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}

// ---------------------------------------------------------------- phones

class Phone {
  constructor(person) {
    this.id = person.id;
    this.chat = String(person.id); // the private chat first
    this.replyTo = null;
    this.seen = new Map(); // chat -> last message id seen
    this.newest = new Map(); // chat -> newest message id at the last drawing (for the pop-in)
    this.root = el("section", "phone");
    this.root.dataset.person = person.id;
    this.who = el("div", "who");
    this.tabs = el("div", "tabs");
    this.head = el("div", "chat-head");
    this.msgs = el("div", "msgs");
    this.foot = el("div", "foot");
    this.replybar = el("div", "replybar");
    this.composer = el("form", "composer");
    this.input = el("textarea");
    this.input.rows = 1;
    this.input.maxLength = 4096;
    this.sendBtn = el("button", "send");
    this.sendBtn.type = "submit";
    this.composer.append(this.input, this.sendBtn);
    this.blocked = el("div", "blocked");
    this.foot.append(this.replybar, this.composer, this.blocked);
    this.root.append(this.who, this.tabs, this.head, this.msgs, this.foot);
    this.composer.addEventListener("submit", (e) => { e.preventDefault(); this.send(); });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); this.send(); }
    });
    this.msgs.addEventListener("click", (e) => this.onClick(e));
  }

  get person() { return state.people.find((p) => p.id === this.id); }
  get lang() { return this.person ? this.person.lang : "fr"; }

  access(chat) { return this.person.chats.find((c) => c.chat === chat); }

  async send(text) {
    const typed = text === undefined;
    const body = typed ? this.input.value : text;
    if (!body.trim()) return;
    try {
      await api("/api/send", { person: this.id, chat: Number(this.chat), text: body, replyTo: typed && this.replyTo ? this.replyTo.id : 0 });
      if (typed) { this.input.value = ""; this.replyTo = null; this.render(); }
    } catch (err) { this.toast(err.message, true); }
  }

  async onClick(e) {
    const a = e.target.closest("a");
    if (a && a.dataset.start !== undefined) {
      e.preventDefault();
      this.follow(a.dataset.start);
      return;
    }
    if (a && a.dataset.gotoChat) {
      e.preventDefault();
      this.goto(a.dataset.gotoChat, Number(a.dataset.gotoMessage));
      return;
    }
    if (a && a.dataset.cmd) {
      e.preventDefault();
      const acc = this.access(this.chat);
      if (acc && acc.canWrite) this.send(a.dataset.cmd);
      return;
    }
    const sp = e.target.closest(".spoiler");
    if (sp) { sp.classList.add("shown"); return; }
    const rb = e.target.closest("button.reply");
    if (rb) {
      const m = rb.closest(".msg");
      this.replyTo = { id: Number(m.dataset.id), from: m.dataset.from };
      this.render();
      this.input.focus();
      return;
    }
    const b = e.target.closest(".kb button");
    if (!b) return;
    const m = b.closest(".msg");
    if (b.dataset.kind === "start") { this.follow(b.dataset.start); return; }
    if (b.dataset.kind === "url") { if (b.dataset.url) window.open(b.dataset.url, "_blank", "noopener"); return; }
    b.disabled = true;
    try {
      const res = await api("/api/press", { person: this.id, chat: Number(this.chat), message: Number(m.dataset.id), row: Number(b.dataset.row), col: Number(b.dataset.col) });
      if (res.toast) res.alert ? this.alert(res.toast) : this.toast(res.toast);
    } catch (err) { this.toast(err.message, true); }
    b.disabled = false;
  }

  // goto opens a message of a group (a card's link), if this person can
  // see that group, and shows it.
  goto(chat, id) {
    const acc = this.access(chat);
    if (!acc || ["left", "asked", "kicked"].includes(acc.status)) { this.toast(t(this.lang, "noAccess"), true); return; }
    this.chat = chat;
    this.replyTo = null;
    this.render();
    const m = this.msgs.querySelector('.msg[data-id="' + id + '"]');
    if (!m) { this.toast(t(this.lang, "goneMessage")); return; }
    m.scrollIntoView({ block: "center" });
    m.classList.add("flash");
    setTimeout(() => m.classList.remove("flash"), 1600);
  }

  async follow(payload) {
    this.chat = String(this.id);
    this.render();
    try { await api("/api/start", { person: this.id, payload }); } catch (err) { this.toast(err.message, true); }
  }

  toast(text, error) {
    const n = el("div", "toast" + (error ? " error" : ""), text);
    this.root.append(n);
    setTimeout(() => n.remove(), error ? 5000 : 3500);
  }

  alert(text) {
    const box = el("div", "alert");
    const inner = el("div");
    const ok = el("button", "wide", t(this.lang, "ok"));
    inner.append(el("div", "", text), ok);
    box.append(inner);
    ok.addEventListener("click", () => box.remove());
    this.root.append(box);
  }

  chatTitle(chat) {
    if (chat.kind === "private") return chat.title + " · " + t(this.lang, "private");
    return chat.title;
  }

  render() {
    const p = this.person;
    if (!p) return;
    const L = this.lang;
    // Who
    this.who.replaceChildren();
    const av = el("div", "avatar", p.name.slice(0, 1).toUpperCase());
    av.style.background = colors[p.id % colors.length];
    const id = el("div");
    id.append(el("div", "name", p.name), el("div", "role", t(L, "role." + p.role) + " · " + (L === "fr" ? "Français" : "English")));
    this.who.append(av, id);
    // Tabs
    if (!this.access(this.chat)) this.chat = String(this.id);
    this.tabs.replaceChildren();
    for (const acc of p.chats) {
      const chat = state.chats[acc.chat];
      const b = el("button", "chat-tab" + (acc.chat === this.chat ? " on" : ""), this.chatTitle(chat));
      b.type = "button";
      b.dataset.chat = acc.chat;
      const visible = acc.status !== "left" && acc.status !== "asked" && acc.status !== "kicked";
      const unread = visible && acc.chat !== this.chat ? chat.messages.filter((m) => m.id > (this.seen.get(acc.chat) || 0) && m.senderId !== this.id).length : 0;
      if (unread) b.append(el("span", "badge", String(unread)));
      b.addEventListener("click", () => { this.chat = acc.chat; this.replyTo = null; this.render(); });
      this.tabs.append(b);
    }
    // Chat
    const acc = this.access(this.chat);
    const chat = state.chats[this.chat];
    this.head.replaceChildren(el("span", "", this.chatTitle(chat)), el("span", "state", this.stateLine(chat, acc)));
    const sameChat = this.lastChat === this.chat;
    const atBottom = this.msgs.scrollHeight - this.msgs.scrollTop - this.msgs.clientHeight < 40 || !sameChat;
    this.lastChat = this.chat;
    this.msgs.replaceChildren();
    const inside = !["left", "asked", "kicked"].includes(acc.status);
    const shown = inside ? chat.messages : [];
    if (shown.length === 0) {
      this.msgs.append(el("div", "empty", chat.kind === "private" ? t(L, "emptyPrivate") : inside ? t(L, "emptyGroup") : t(L, "notIn")));
    }
    // Messages newer than the last drawing of this chat pop in.
    const before = this.newest.get(this.chat);
    for (const m of shown) this.msgs.append(this.drawMessage(chat, m, sameChat && before !== undefined && m.id > before));
    if (chat.messages.length) this.newest.set(this.chat, chat.messages[chat.messages.length - 1].id);
    else if (before === undefined) this.newest.set(this.chat, 0);
    if (shown.length) this.seen.set(this.chat, Math.max(this.seen.get(this.chat) || 0, shown[shown.length - 1].id));
    if (atBottom) this.msgs.scrollTop = this.msgs.scrollHeight;
    // Footer
    this.sendBtn.textContent = t(L, "send");
    this.input.placeholder = t(L, "placeholder");
    this.replybar.replaceChildren();
    this.replybar.hidden = !this.replyTo;
    if (this.replyTo) {
      const x = el("button", "", "✕");
      x.type = "button";
      x.setAttribute("aria-label", "cancel");
      x.addEventListener("click", () => { this.replyTo = null; this.render(); });
      this.replybar.append(el("span", "", t(L, "replyTo") + " " + this.replyTo.from + " · " + t(L, "hintReport")), x);
    }
    this.blocked.replaceChildren();
    let blockedText = "";
    let action = null;
    if (chat.kind === "private" && chat.messages.length === 0) {
      action = [t(L, "start"), () => this.send("/start")];
    } else if (acc.status === "left") {
      blockedText = t(L, "notIn");
      action = [chat.join === "request" ? t(L, "askJoin") : t(L, "joinGroup"), () => this.join()];
    } else if (acc.status === "asked") {
      blockedText = t(L, "asked");
    } else if (acc.status === "kicked") {
      blockedText = t(L, "kicked");
    } else if (!acc.canWrite) {
      blockedText = t(L, "restricted");
    }
    const canType = acc.canWrite && !action;
    this.composer.hidden = !canType;
    this.blocked.hidden = canType;
    if (blockedText) this.blocked.append(el("div", "", blockedText));
    if (action) {
      const b = el("button", "wide join", action[0]);
      b.type = "button";
      b.addEventListener("click", action[1]);
      this.blocked.append(b);
    }
  }

  stateLine(chat, acc) {
    if (chat.kind !== "group") return "";
    const names = state.people.map((p) => {
      const a = p.chats.find((c) => c.chat === chat.id);
      if (!a || ["left", "asked", "kicked"].includes(a.status)) return null;
      return p.name + (a.status === "restricted" ? " 🔇" : a.status === "administrator" ? " ★" : "");
    }).filter(Boolean);
    return names.join(", ");
  }

  // drawMessage draws one message; fresh: it arrived while its chat was on
  // screen, and pops in.
  drawMessage(chat, m, fresh) {
    const mine = m.senderId === this.id;
    const box = el("div", "msg" + (mine ? " mine" : "") + (m.protected ? " protected" : ""));
    box.dataset.id = m.id;
    box.dataset.from = m.from;
    if (fresh) box.classList.add("fresh");
    const bubble = el("div", "bubble");
    if (!mine && chat.kind !== "private") bubble.append(el("div", "from" + (m.fromBot ? " bot" : ""), m.from));
    if (m.replyTo) {
      const q = el("div", "quote");
      q.append(el("b", "", m.replyTo.from || ""), document.createTextNode(m.replyTo.text || "…"));
      bubble.append(q);
    }
    if (m.file) {
      const f = el("div", "file");
      const a = el("a", "", "📄 " + m.file.name);
      if (m.file.url) { a.href = m.file.url; a.download = m.file.name; }
      f.append(a);
      if (m.file.preview) f.append(el("pre", "", m.file.preview));
      bubble.append(f);
    }
    if (m.html) {
      const text = el("div", "text");
      text.innerHTML = m.html; // built by the sandbox from escaped text and known tags only
      bubble.append(text);
    }
    const meta = el("div", "meta");
    if (m.protected) meta.append(el("span", "lock", t(this.lang, "protected")));
    if (m.edited) meta.append(el("span", "", t(this.lang, "edited")));
    meta.append(el("span", "", m.time));
    if (chat.kind !== "private" && !mine) {
      const r = el("button", "reply", "↩ " + t(this.lang, "reply"));
      r.type = "button";
      meta.prepend(r);
    }
    bubble.append(meta);
    box.append(bubble);
    if (m.buttons && m.buttons.length) {
      const kb = el("div", "kb");
      m.buttons.forEach((row, r) => {
        const rowEl = el("div", "row");
        row.forEach((btn, c) => {
          const b = el("button", btn.kind === "url" ? "link" : btn.kind === "start" ? "deep" : "", btn.text);
          b.type = "button";
          b.dataset.row = r;
          b.dataset.col = c;
          b.dataset.kind = btn.kind;
          if (btn.start !== undefined) b.dataset.start = btn.start || "";
          if (btn.url) b.dataset.url = btn.url;
          rowEl.append(b);
        });
        kb.append(rowEl);
      });
      box.append(kb);
    }
    return box;
  }

  async join() {
    try { await api("/api/join", { person: this.id, chat: Number(this.chat) }); } catch (err) { this.toast(err.message, true); }
  }
}

// ---------------------------------------------------------------- page

function render() {
  const main = document.getElementById("phones");
  const nav = document.getElementById("people");
  for (const p of state.people) {
    if (!phones.has(p.id)) {
      const ph = new Phone(p);
      phones.set(p.id, ph);
      main.append(ph.root);
    }
  }
  if (activePerson === null && state.people.length) activePerson = state.people[0].id;
  nav.replaceChildren();
  for (const p of state.people) {
    const b = el("button", p.id === activePerson ? "on" : "", p.name);
    b.type = "button";
    b.dataset.person = p.id;
    b.addEventListener("click", () => { activePerson = p.id; render(); });
    nav.append(b);
  }
  for (const ph of phones.values()) {
    ph.root.classList.toggle("active", ph.id === activePerson);
    ph.render();
  }
  const ci = document.getElementById("checkin");
  ci.replaceChildren(document.createTextNode(t(pageLang, "checkin")));
  if (state.nextCheckIn) ci.append(el("span", "when", " (" + state.nextCheckIn + ")"));
  ci.disabled = !state.nextCheckIn;
  ci.title = t(pageLang, "checkinHelp");
}

function translatePage() {
  document.documentElement.lang = pageLang;
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(pageLang, e.dataset.t);
  for (const e of document.querySelectorAll("[data-tp]")) e.placeholder = t(pageLang, e.dataset.tp);
  document.querySelector("#addForm select[name=lang]").value = pageLang;
}

function connect() {
  const banner = document.getElementById("banner");
  const es = new EventSource("/api/events");
  es.addEventListener("state", (e) => {
    state = JSON.parse(e.data);
    banner.hidden = true;
    render();
  });
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED) {
      banner.textContent = t(pageLang, "offline");
      banner.hidden = false;
    }
  };
}

document.addEventListener("DOMContentLoaded", () => {
  translatePage();
  document.getElementById("checkin").addEventListener("click", async (e) => {
    e.target.disabled = true;
    try { await api("/api/checkin", {}); } catch (err) { showBanner(err.message); }
    e.target.disabled = false;
  });
  document.getElementById("addForm").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    try {
      const res = await api("/api/people", { name: f.get("name"), lang: f.get("lang"), role: f.get("role") });
      activePerson = res.id;
      e.target.reset();
      translatePage();
      document.getElementById("add").open = false;
    } catch (err) { showBanner(err.message); }
  });
  connect();
});

function showBanner(text) {
  const banner = document.getElementById("banner");
  banner.textContent = text;
  banner.hidden = false;
  setTimeout(() => { banner.hidden = true; }, 5000);
}
