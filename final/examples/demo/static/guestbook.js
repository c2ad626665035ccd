// The guestbook's small script, served as a static file at /static/guestbook.js.
// The page works without it: it only adds a character counter under the
// message box, shows each entry's time in the reader's own time zone, and
// adds entries signed in other windows as they come (server-sent events,
// app/live.rs), where without it a reload shows them.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // A live "123 / 500" under the textarea; the server checks the limit anyway.
  const message = document.querySelector("textarea[name=message]");
  const count = document.querySelector(".count");
  if (message && count) {
    const max = Number(message.getAttribute("maxlength")) || 500;
    const update = () => {
      const used = [...message.value].length;
      count.textContent = `${used} / ${max}`;
      count.classList.toggle("over", used > max);
    };
    message.addEventListener("input", update);
    update();
  }

  // The server writes UTC times (ISO 8601 in `datetime`); show them locally.
  const localTime = (time) => {
    const when = new Date(time.getAttribute("datetime"));
    if (!Number.isNaN(when.getTime())) {
      time.textContent = when.toLocaleString();
      time.title = time.getAttribute("datetime");
    }
  };
  document.querySelectorAll("time[datetime]").forEach(localTime);

  // Live: each entry signed anywhere arrives on the list's event stream and
  // goes on top. Visitors' text goes in with `textContent`, which never
  // parses it as HTML, so an entry cannot inject markup or script.
  const list = document.querySelector("ol.entries[data-events]");
  if (list && window.EventSource) {
    const after = encodeURIComponent(list.dataset.after || "0");
    // After a drop, EventSource reconnects by itself, with Last-Event-ID.
    const source = new EventSource(`${list.dataset.events}?after=${after}`);
    const shown = (id) => list.querySelector(`li[data-id="${CSS.escape(String(id))}"]`);
    source.addEventListener("entry", (event) => {
      const entry = JSON.parse(event.data);
      if (shown(entry.id)) {
        return; // signed between the render and the connect: already here
      }
      const item = document.createElement("li");
      item.dataset.id = entry.id;
      if (entry.picture_url) {
        const picture = document.createElement("img");
        picture.className = "picture";
        picture.src = entry.picture_url;
        picture.alt = `${entry.name}'s picture`;
        item.append(picture);
      }
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = entry.name;
      const time = document.createElement("time");
      time.setAttribute("datetime", entry.created_at);
      time.textContent = entry.created_at;
      localTime(time);
      const message = document.createElement("p");
      message.textContent = entry.message;
      item.append(who, " ", time, message);
      list.prepend(item);
      document.querySelector("p.empty")?.remove();
    });
    source.addEventListener("deleted", (event) => shown(event.data)?.remove());
  }
});
