/* Coach: small progressive enhancements. Every page works without this file;
   it only adds a faster quick exit, copy buttons, tap-to-explain highlights and a
   step timer. Loaded with `defer` from /static so a strict CSP can forbid inline
   scripts. It never sends anything anywhere and never stores what people type. */
(function () {
  "use strict";

  // ---- quick exit ----------------------------------------------------------
  // location.replace() swaps this page out of the tab's history, so Back does
  // not land on it. Escape pressed twice in quick succession does the same.
  var exitLink = document.querySelector("[data-quick-exit]");
  var exitUrl = exitLink ? exitLink.getAttribute("href") : "https://www.bbc.com/weather";

  function quickExit(event) {
    if (event) {
      event.preventDefault();
    }
    document.title = "Weather";
    document.body.hidden = true;
    window.location.replace(exitUrl);
  }

  if (exitLink) {
    exitLink.addEventListener("click", quickExit);
  }

  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var now = Date.now();
    if (now - lastEscape < 1500) {
      quickExit(event);
      return;
    }
    lastEscape = now;
    closeAllFindings();
  });

  // ---- copy buttons --------------------------------------------------------
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (err) {
        ok = false;
      }
      document.body.removeChild(area);
      if (ok) {
        resolve();
      } else {
        reject(new Error("copy failed"));
      }
    });
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!target) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(target.textContent.trim()).then(
        function () {
          if (status) {
            status.textContent = "Copied.";
          }
        },
        function () {
          if (status) {
            status.textContent = "Could not copy; select the text and copy it instead.";
          }
        }
      );
    });
  });

  // ---- tap-to-explain highlights -------------------------------------------
  // Without JS each highlight carries a numbered link to its explanation below.
  // Here that link becomes a disclosure button that opens the explanation in
  // place: on hover, on keyboard focus, and on tap (which pins it open).
  var findings = [];

  function closeAllFindings() {
    findings.forEach(function (f) {
      f.set(false, false);
    });
  }

  // A highlight near the right edge of a phone screen would push its note off
  // screen; shift the note left just enough (CSSOM, which a CSP allows).
  function keepOnScreen(pop) {
    pop.style.left = "0px";
    var rect = pop.getBoundingClientRect();
    var room = document.documentElement.clientWidth - 8;
    if (rect.right > room) {
      pop.style.left = Math.min(0, room - rect.right) + "px";
    }
  }

  document.querySelectorAll("mark[data-notes]").forEach(function (mark, index) {
    var notes = mark
      .getAttribute("data-notes")
      .split(" ")
      .map(function (id) {
        return document.getElementById(id);
      })
      .filter(Boolean);
    var refs = mark.querySelectorAll(".finding-ref");
    if (!notes.length || !refs.length) {
      return;
    }
    var popId = "pop-" + (index + 1);
    var pop = document.createElement("span");
    pop.className = "finding-pop";
    pop.id = popId;
    pop.setAttribute("role", "note");
    pop.hidden = true;
    notes.forEach(function (note) {
      var body = note.querySelector("[data-note-body]") || note;
      var line = document.createElement("span");
      line.className = "pop-line";
      line.textContent = body.textContent.replace(/\s+/g, " ").trim();
      pop.appendChild(line);
    });

    var button = document.createElement("button");
    button.type = "button";
    button.className = "finding-toggle";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", popId);
    var numbers = Array.prototype.map.call(refs, function (ref) {
      return ref.textContent;
    });
    button.textContent = numbers.join(",");
    button.setAttribute(
      "aria-label",
      "Why this is highlighted (note" + (numbers.length > 1 ? "s " : " ") + numbers.join(", ") + ")"
    );
    refs[0].replaceWith(button);
    for (var i = 1; i < refs.length; i += 1) {
      refs[i].remove();
    }
    mark.appendChild(pop);

    var pinned = false;
    var state = {
      set: function (open, pin) {
        pinned = open && pin;
        pop.hidden = !open;
        button.setAttribute("aria-expanded", open ? "true" : "false");
        if (open) {
          keepOnScreen(pop);
        }
      },
    };
    findings.push(state);

    button.addEventListener("click", function () {
      var willOpen = !pinned;
      closeAllFindings();
      state.set(willOpen, willOpen);
    });
    button.addEventListener("focus", function () {
      if (!pinned) {
        state.set(true, false);
      }
    });
    button.addEventListener("blur", function () {
      if (!pinned) {
        state.set(false, false);
      }
    });
    mark.addEventListener("mouseenter", function () {
      if (!pinned) {
        state.set(true, false);
      }
    });
    mark.addEventListener("mouseleave", function () {
      if (!pinned && document.activeElement !== button) {
        state.set(false, false);
      }
    });
  });

  // ---- step timer ----------------------------------------------------------
  function format(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  document.querySelectorAll("[data-timer]").forEach(function (box) {
    var total = parseInt(box.getAttribute("data-seconds"), 10) || 0;
    var start = box.querySelector("[data-timer-start]");
    var reset = box.querySelector("[data-timer-reset]");
    var display = box.querySelector("[data-timer-display]");
    var status = box.querySelector("[data-timer-status]");
    if (!total || !start || !display) {
      return;
    }
    var left = total;
    var handle = null;
    var startLabel = start.textContent;

    function stop() {
      if (handle !== null) {
        window.clearInterval(handle);
        handle = null;
      }
    }

    function render() {
      display.textContent = format(left);
    }

    start.hidden = false;
    if (reset) {
      reset.hidden = false;
    }
    display.hidden = false;
    render();

    start.addEventListener("click", function () {
      if (handle !== null) {
        stop();
        start.textContent = "Resume timer";
        start.setAttribute("aria-pressed", "false");
        if (status) {
          status.textContent = "Timer paused.";
        }
        return;
      }
      if (left <= 0) {
        left = total;
      }
      start.textContent = "Pause timer";
      start.setAttribute("aria-pressed", "true");
      if (status) {
        status.textContent = "Timer started.";
      }
      handle = window.setInterval(function () {
        left -= 1;
        render();
        if (left <= 0) {
          stop();
          start.textContent = startLabel;
          start.setAttribute("aria-pressed", "false");
          if (status) {
            status.textContent = "Time is up. Take a breath before you move on.";
          }
        }
      }, 1000);
    });

    if (reset) {
      reset.addEventListener("click", function () {
        stop();
        left = total;
        render();
        start.textContent = startLabel;
        start.setAttribute("aria-pressed", "false");
        if (status) {
          status.textContent = "Timer reset.";
        }
      });
    }
  });

  // ---- practice: keep the latest turn in view ---------------------------------
  var latest = document.querySelector("[data-latest-turn]");
  if (latest && latest.scrollIntoView) {
    latest.scrollIntoView({ block: "nearest" });
  }
})();
