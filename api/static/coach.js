/* Coach: small progressive enhancements. Every page works without this file;
   it only adds a faster quick exit, copy buttons, tap-to-explain highlights, a
   step timer and, when a model is configured, rewrites streamed into the draft
   page as the model writes them. Loaded with `defer` from /static so a strict
   CSP can forbid inline scripts. It sends nothing anywhere except the draft being
   checked, to this same server, for those rewrites; it never stores what people
   type. */
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

  // A function, not a one-off loop: streamed rewrites add copy buttons later.
  function bindCopy(button) {
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
  }

  document.querySelectorAll("[data-copy-target]").forEach(bindCopy);

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

  // ---- working state ---------------------------------------------------------
  // A form marked data-busy says it is working when its answer takes over 300 ms
  // (a restarted server loading its models, a long draft): the text appears in
  // its role=status live region, so screen readers hear it too, and the button
  // is marked busy. The page that comes back replaces all of it.
  var BUSY_AFTER_MS = 300;
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var text = form.querySelector("[data-busy-status] .busy-text");
      var button = form.querySelector("button[type='submit']");
      window.setTimeout(function () {
        form.setAttribute("aria-busy", "true");
        form.classList.add("is-busy");
        if (button) {
          button.setAttribute("aria-disabled", "true");
        }
        if (text) {
          text.hidden = false;
        }
      }, BUSY_AFTER_MS);
    });
  });

  // ---- streamed rewrites ---------------------------------------------------
  // With a model configured the draft form carries data-stream. Submitting it
  // adds stream=1, so the server answers at once with its own checked analysis
  // (highlights, notes and offline rewrites, or only the crisis resources when
  // the draft is urgent) and leaves the model's turn to this script, which
  // streams it from /v1/drafts/rewrite/stream into the rewrites section.
  // Why this shape rather than intercepting the submit and drawing the whole
  // result here: the highlights come from the same server template as with
  // JavaScript off, the model runs once, and the only text that enters the
  // rewrite list is the `done` payload (which passed every check), always set
  // with textContent. Tokens are provisional and stay in the labelled live box.
  // Should anything fail, Coach's own rewrites, already in the page, are shown.
  var canStream = Boolean(window.fetch && window.TextDecoder && window.ReadableStream);

  document.querySelectorAll("form[data-stream]").forEach(function (form) {
    form.addEventListener("submit", function () {
      if (!canStream || form.querySelector("input[name='stream']")) {
        return;
      }
      var flag = document.createElement("input");
      flag.type = "hidden";
      flag.name = "stream";
      flag.value = "1";
      form.appendChild(flag);
    });
  });

  // text/event-stream framing, as much of it as Coach's server uses: lines end
  // in CRLF, LF or CR; "event:" names the event; "data:" lines are joined with
  // "\n"; lines starting with ":" are comments (keep-alive pings); a blank line
  // ends the event. Returns a function to feed decoded text in chunks of any
  // size, so an event or a CRLF split across network reads still parses.
  function sseParser(onEvent) {
    var buffer = "";
    var name = "";
    var data = [];

    function takeLine(line) {
      if (line === "") {
        if (data.length) {
          onEvent(name || "message", data.join("\n"));
        }
        name = "";
        data = [];
        return;
      }
      if (line.charAt(0) === ":") {
        return;
      }
      var colon = line.indexOf(":");
      var field = colon < 0 ? line : line.slice(0, colon);
      var value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.charAt(0) === " ") {
        value = value.slice(1);
      }
      if (field === "event") {
        name = value;
      } else if (field === "data") {
        data.push(value);
      }
    }

    return function feed(text) {
      buffer += text;
      var start = 0;
      for (var i = 0; i < buffer.length; i += 1) {
        var c = buffer.charAt(i);
        if (c !== "\n" && c !== "\r") {
          continue;
        }
        if (c === "\r" && i === buffer.length - 1) {
          break; // maybe the first half of a CRLF: wait for the next chunk
        }
        takeLine(buffer.slice(start, i));
        if (c === "\r" && buffer.charAt(i + 1) === "\n") {
          i += 1;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    };
  }

  // The model writes JSON ({"rewrites": [{"style": ..., "text": "..."}]}), so
  // show the "text" values written so far rather than raw JSON; any other
  // output is shown as it is. A value cut inside an escape waits for the rest.
  function provisionalTexts(raw) {
    if (raw.replace(/^\s+/, "").charAt(0) !== "{") {
      return raw ? [raw] : [];
    }
    var texts = [];
    var field = /"text"\s*:\s*"((?:[^"\\]|\\.)*)/g;
    var match;
    while ((match = field.exec(raw)) !== null) {
      try {
        texts.push(JSON.parse('"' + match[1].replace(/\\u[0-9a-fA-F]{0,3}$/, "") + '"'));
      } catch (err) {
        texts.push(match[1]);
      }
    }
    return texts;
  }

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = String(text);
    }
    return node;
  }

  // The same markup as the server's rewrite list in draft.html, built with DOM
  // methods so model text can never become markup.
  function rewriteItem(rewrite, number, styleNames) {
    var item = make("li", "card");
    item.appendChild(make("h3", "", styleNames[rewrite.style] || rewrite.style));
    var text = make("p", "rewrite-text", rewrite.text);
    text.id = "rewrite-" + number;
    item.appendChild(text);
    var notes = Array.isArray(rewrite.why) ? rewrite.why : [];
    if (notes.length) {
      var details = make("details");
      details.appendChild(make("summary", "", "What changed and why"));
      var list = make("ul");
      notes.forEach(function (note) {
        list.appendChild(make("li", "", note.change));
      });
      details.appendChild(list);
      item.appendChild(details);
    }
    var problems = rewrite.lint && Array.isArray(rewrite.lint.problems) ? rewrite.lint.problems : [];
    if (problems.length) {
      item.appendChild(make("p", "meta", "Before you send it: " + problems.join(" ")));
    }
    var actions = make("div", "actions");
    var copy = make("button", "secondary", "Copy");
    copy.type = "button";
    copy.setAttribute("data-copy-target", text.id);
    copy.setAttribute("data-copy-status", "copy-status-" + number);
    var copied = make("span", "copy-status");
    copied.id = "copy-status-" + number;
    copied.setAttribute("role", "status");
    actions.appendChild(copy);
    actions.appendChild(copied);
    item.appendChild(actions);
    return item;
  }

  function readStyleNames(section) {
    try {
      return JSON.parse(section.getAttribute("data-style-names") || "{}");
    } catch (err) {
      return {};
    }
  }

  function streamRewrites(section) {
    var form = document.querySelector("form[data-stream]");
    var source = form ? form.elements.namedItem("text") : null;
    var list = section.querySelector(".rewrites");
    var live = section.querySelector("[data-stream-live]");
    var liveText = section.querySelector("[data-stream-text]");
    var status = section.querySelector("[data-stream-status]");
    var heading = section.querySelector("h2");
    if (!source || !list || !live || !liveText || !status || !heading) {
      return;
    }
    var raw = "";
    var finished = false;

    // Paragraphs are updated in place, so assistive technology hears additions
    // rather than the whole draft again on every token.
    function showTokens() {
      var texts = provisionalTexts(raw);
      while (liveText.children.length > texts.length) {
        liveText.removeChild(liveText.lastChild);
      }
      texts.forEach(function (text, index) {
        var line = liveText.children[index];
        if (!line) {
          line = liveText.appendChild(make("p"));
        }
        if (line.textContent !== text) {
          line.textContent = text;
        }
      });
    }

    function finish(payload) {
      var rewrites = payload && payload.result ? payload.result.rewrites : null;
      if (!Array.isArray(rewrites) || !rewrites.length) {
        throw new Error("done without rewrites");
      }
      var styleNames = readStyleNames(section);
      var items = document.createDocumentFragment();
      rewrites.forEach(function (rewrite, index) {
        items.appendChild(rewriteItem(rewrite, index + 1, styleNames));
      });
      finished = true;
      while (list.firstChild) {
        list.removeChild(list.firstChild);
      }
      list.appendChild(items);
      list.querySelectorAll("[data-copy-target]").forEach(bindCopy);
      raw = "";
      showTokens();
      live.hidden = true;
      list.hidden = false;
      status.textContent =
        String(payload.engine || "").indexOf("llm:") === 0
          ? "Done: these versions passed Coach's checks."
          : "The model's versions did not pass Coach's checks, so these are Coach's own.";
      // Move focus to the result, unless the person has already moved it themselves.
      if (!document.activeElement || document.activeElement === document.body) {
        heading.focus();
      }
    }

    function fallBack() {
      if (finished) {
        return;
      }
      finished = true;
      raw = "";
      showTokens();
      live.hidden = true;
      list.hidden = false;
      status.textContent = "The model's versions could not be loaded, so these are Coach's own.";
    }

    function handle(name, data) {
      if (finished) {
        return;
      }
      var payload = JSON.parse(data);
      if (name === "token") {
        // Only text the server has screened is ever shown.
        if (payload.screened !== true) {
          return;
        }
        raw += String(payload.text || "");
        showTokens();
      } else if (name === "retract") {
        raw = "";
        showTokens();
        // Check failures are retried (more tokens may follow); a broken call is not.
        status.textContent =
          ["unsafe", "failed_checks", "malformed"].indexOf(payload.reason) >= 0
            ? "The model's draft did not pass Coach's checks and was removed."
            : "The model stopped before it finished, so its draft was removed.";
      } else if (name === "done") {
        finish(payload);
      } else if (name === "safety") {
        // The server renders the crisis resources alone for a plain post.
        finished = true;
        section.hidden = true;
        form.submit();
      }
    }

    list.hidden = true;
    live.hidden = false;
    status.textContent = "Writing other ways to say it\u2026";

    // JSON from our own origin is what /v1 accepts from a browser session; no form token.
    window
      .fetch(section.getAttribute("data-stream"), {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        credentials: "same-origin",
        cache: "no-store",
        body: JSON.stringify({
          text: source.value,
          locale: section.getAttribute("data-locale") || null,
        }),
      })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || !response.body || type.indexOf("text/event-stream") !== 0) {
          throw new Error("no event stream");
        }
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var feed = sseParser(handle);
        function pump() {
          return reader.read().then(function (step) {
            feed(step.done ? decoder.decode() : decoder.decode(step.value, { stream: true }));
            if (finished) {
              return reader.cancel();
            }
            if (step.done) {
              throw new Error("the stream ended before done");
            }
            return pump();
          });
        }
        return pump();
      })
      .catch(fallBack);
  }

  var streamSection = document.querySelector("section[data-stream]");
  if (streamSection && canStream) {
    streamRewrites(streamSection);
  }

  // ---- practice: keep the latest turn in view ---------------------------------
  var latest = document.querySelector("[data-latest-turn]");
  if (latest && latest.scrollIntoView) {
    latest.scrollIntoView({ block: "nearest" });
  }
})();
