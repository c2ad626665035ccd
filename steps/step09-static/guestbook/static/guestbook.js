// The guestbook's script, served by step09 at /static/guestbook.js.
// The page works without it: it adds a character counter under the message
// box and shows each entry's time in the reader's own time zone.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // A live "12 / 500" under the textarea (the server will check the limit too).
  const message = document.querySelector("textarea[name=message]");
  const count = document.querySelector(".count");
  if (message && count) {
    const max = Number(message.getAttribute("maxlength")) || 500;
    const update = () => {
      count.textContent = `${[...message.value].length} / ${max}`;
    };
    message.addEventListener("input", update);
    update();
  }

  // The page says times in UTC (ISO 8601 in `datetime`); show them locally.
  for (const time of document.querySelectorAll("time[datetime]")) {
    const when = new Date(time.getAttribute("datetime"));
    if (!Number.isNaN(when.getTime())) {
      time.textContent = when.toLocaleString();
      time.title = time.getAttribute("datetime");
    }
  }
});
