// The guestbook's small script, served as a static file at /static/guestbook.js.
// The page works without it: it only adds a character counter under the
// message box and shows each entry's time in the reader's own time zone.
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
  for (const time of document.querySelectorAll("time[datetime]")) {
    const when = new Date(time.getAttribute("datetime"));
    if (!Number.isNaN(when.getTime())) {
      time.textContent = when.toLocaleString();
      time.title = time.getAttribute("datetime");
    }
  }
});
