/*
 * Subprocessor Registry embed: renders the public subprocessor list into the page.
 *
 *   <script src="https://registry.example/public/embed.js" defer></script>
 *   <div data-subprocessor-list data-lang="nl" data-service="voice"></div>
 *
 * Optional attributes: data-lang, data-service, data-regime, and data-subscribe="false"
 * to leave out the closing "follow changes" part (e-mail sign-up and feed links).
 * Containers added later: window.SubprocessorList.render(el).
 *
 * Styles come from embed.css next to this script, linked once into document.head (no
 * <style> element, no style attributes), so a strict Content-Security-Policy only has to
 * allow the registry's origin:
 *
 *   script-src <registry>; connect-src <registry>; style-src 'self' <registry>
 *
 * Theme with CSS custom properties on the container, set in the page's own stylesheet:
 *
 *   [data-subprocessor-list] { --spl-header-bg: #eef3f8; --spl-border: #c8d1dc; }
 *
 * The properties: --spl-font, --spl-text, --spl-border, --spl-header-bg, --spl-stripe-bg,
 * --spl-link.
 *
 * Everything from the list is set as text (textContent, attributes), never parsed as HTML.
 */
(function () {
  "use strict";

  if (window.SubprocessorList) {
    return; // included twice: the first copy already serves the page
  }

  var CONTAINER = "[data-subprocessor-list]";
  var STYLE_MARK = "data-spl-style";
  var STYLESHEET_WAIT = 3000; // ms a render waits at most for embed.css before showing
  var FAILED = {
    en: "The list of subprocessors could not be loaded.",
    nl: "De lijst van subverwerkers kon niet worden geladen.",
    sv: "Listan över underbiträden kunde inte läsas in.",
    de: "Die Liste der Unterauftragsverarbeiter konnte nicht geladen werden.",
    fr: "La liste des sous-traitants ultérieurs n'a pas pu être chargée."
  };
  var SUBSCRIBE_FAILED = "The subscription could not be sent. Please try again later.";
  var FEEDS = [["feed.atom", "Atom"], ["feed.rss", "RSS"], ["feed.json", "JSON Feed"]];

  // document.currentScript is only set while this file first runs.
  var script = document.currentScript || findScript();
  var listUrl = script && script.src ? new URL("subprocessors", script.src) : null;
  var styleUrl = script && script.src ? new URL("embed.css", script.src) : null;
  var styled = null; // a promise: settled once embed.css has loaded (or failed to)
  var pending = typeof WeakMap === "function" ? new WeakMap() : null;
  var formCount = 0;

  function findScript() {
    var scripts = document.querySelectorAll("script[src]");
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/public\/embed\.js(\?|#|$)/.test(scripts[i].src)) {
        return scripts[i];
      }
    }
    return null;
  }

  // What registry/public/text.py keeps out of every rendering: bidi controls and
  // invisible characters (they make a name read as another), control characters and
  // non-characters; the controls that separate lines or fields stand for a space. Lone
  // surrogates are left out of the pattern: the registry's UTF-8 JSON cannot carry them.
  var UNPUBLISHABLE = new RegExp(
    "[\\u061c\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f\\ufeff\\ufff9-\\ufffb" +
    "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u2028\\u2029\\ufdd0-\\ufdef\\ufffe\\uffff]", "g");
  var SEPARATORS = "\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029";

  function text(value) {
    if (value === null || value === undefined) {
      return "";
    }
    return String(value).replace(UNPUBLISHABLE, function (character) {
      return SEPARATORS.indexOf(character) >= 0 ? " " : "";
    });
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (content !== undefined && content !== null) {
      node.textContent = text(content);
    }
    return node;
  }

  function sheetSettled(link) {
    return new Promise(function (resolve) {
      if (link.sheet) {
        resolve();
        return;
      }
      link.addEventListener("load", resolve);
      link.addEventListener("error", resolve);
      setTimeout(resolve, STYLESHEET_WAIT);
    });
  }

  /* Link embed.css once per page (a page may already link it itself); resolves once it
     has loaded, failed, or kept the list waiting long enough. */
  function linkStylesheet() {
    if (styled) {
      return styled;
    }
    if (!styleUrl) {
      styled = Promise.resolve();
      return styled;
    }
    var links = document.querySelectorAll("link[rel~=stylesheet]");
    for (var i = 0; i < links.length; i++) {
      if (links[i].hasAttribute(STYLE_MARK) || links[i].href === styleUrl.href) {
        styled = sheetSettled(links[i]);
        return styled;
      }
    }
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = styleUrl.href;
    link.setAttribute(STYLE_MARK, "");
    styled = sheetSettled(link);
    (document.head || document.documentElement).appendChild(link);
    return styled;
  }

  function safeHref(value) {
    if (typeof value !== "string" || !value) {
      return null;
    }
    try {
      var url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function formatDate(value, lang, withTime) {
    var raw = text(value);
    // A bare date means that calendar day; read it as UTC so no zone shifts it.
    var moment = new Date(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? raw + "T00:00:00Z" : raw);
    if (!raw || isNaN(moment.getTime()) || typeof Intl !== "object") {
      return raw;
    }
    var options = {year: "numeric", month: "long", day: "numeric", timeZone: "UTC"};
    if (withTime) {
      options.hour = "2-digit";
      options.minute = "2-digit";
      options.timeZoneName = "short";
    }
    try {
      return new Intl.DateTimeFormat(lang || undefined, options).format(moment);
    } catch (e) {
      return raw;
    }
  }

  // Only a link into the registry that served this script (the list's own links).
  function registryHref(value) {
    var href = safeHref(value);
    return href && listUrl && new URL(href).origin === listUrl.origin ? href : null;
  }

  function timeCell(value, lang, withTime) {
    var cell = el("td");
    if (value) {
      var time = el("time", null, formatDate(value, lang, withTime));
      time.setAttribute("datetime", text(value));
      cell.appendChild(time);
    }
    return cell;
  }

  function objectionCell(row, lang, labels) {
    var cell = timeCell(row.objection_deadline, lang, true);
    var href = registryHref(row.objection_url);
    if (href) {
      var link = el("a", "spl-object", labels.object);
      link.href = href;
      cell.appendChild(link);
    }
    return cell;
  }

  function nameCell(row) {
    var cell = el("td", "spl-processor");
    var href = safeHref(row.website);
    var name = el(href ? "a" : "span", "spl-name", row.name);
    if (href) {
      name.href = href;
      name.rel = "nofollow noopener noreferrer";
    }
    cell.appendChild(name);
    if (row.legal_name && row.legal_name !== row.name) {
      cell.appendChild(el("span", "spl-legal", row.legal_name));
    }
    return cell;
  }

  function locationsCell(row) {
    var cell = el("td");
    var locations = Array.isArray(row.locations) ? row.locations : [];
    if (!locations.length) {
      return cell;
    }
    var list = el("ul", "spl-locations");
    locations.forEach(function (location) {
      var item = el("li", null, location.country ? location.country.name : "");
      // The ground the transfer relies on; the country's status only from older lists.
      var basis = location.transfer_basis_label || location.adequacy_label;
      var detail = [location.role_label, basis].filter(Boolean).join(" · ");
      if (detail) {
        item.appendChild(el("span", "spl-detail", detail));
      }
      list.appendChild(item);
    });
    cell.appendChild(list);
    return cell;
  }

  function table(className, caption, headings, rows, cells, emptyText) {
    var tableEl = el("table", "spl-table " + className);
    tableEl.appendChild(el("caption", null, caption));
    var head = el("thead");
    var headRow = el("tr");
    headings.forEach(function (heading) {
      var th = el("th", null, heading);
      th.setAttribute("scope", "col");
      headRow.appendChild(th);
    });
    head.appendChild(headRow);
    tableEl.appendChild(head);
    var body = el("tbody");
    rows.forEach(function (row) {
      var tr = el("tr");
      cells(row).forEach(function (cell) {
        tr.appendChild(cell);
      });
      body.appendChild(tr);
    });
    if (!rows.length) {
      var empty = el("td", "spl-empty", emptyText);
      empty.colSpan = headings.length;
      body.appendChild(el("tr")).appendChild(empty);
    }
    tableEl.appendChild(body);
    var scroll = el("div", "spl-scroll");
    scroll.appendChild(tableEl);
    return scroll;
  }

  function build(data, withFollow) {
    var labels = data.labels || {};
    var lang = text(data.lang);
    var root = el("div", "spl-root");
    if (lang) {
      root.setAttribute("lang", lang);
    }
    root.appendChild(table(
      "spl-current",
      labels.title,
      [labels.name, labels.country, labels.purpose, labels.locations, labels.since],
      data.subprocessors,
      function (row) {
        return [
          nameCell(row),
          el("td", null, row.country ? row.country.name : ""),
          el("td", null, row.purpose),
          locationsCell(row),
          timeCell(row.since, lang, false)
        ];
      },
      labels.none
    ));
    if (data.upcoming.length) {
      root.appendChild(table(
        "spl-upcoming",
        labels.upcoming,
        [labels.name, labels.change, labels.country, labels.purpose, labels.locations,
          labels.effective_at, labels.objection_deadline],
        data.upcoming,
        function (row) {
          return [
            nameCell(row),
            el("td", null, row.change_label),
            el("td", null, row.country ? row.country.name : ""),
            el("td", null, row.purpose),
            locationsCell(row),
            timeCell(row.effective_at, lang, true),
            objectionCell(row, lang, labels)
          ];
        },
        labels.none
      ));
    }
    if (withFollow) {
      root.appendChild(follow(data, labels, lang));
    }
    return root;
  }

  /* The closing part: an e-mail sign-up (double opt-in) and the feeds, in the list's
     language and for its service. */
  function follow(data, labels, lang) {
    var section = el("div", "spl-follow");
    section.appendChild(el("p", "spl-follow-title", labels.follow));
    var form = el("form", "spl-subscribe");
    var id = "spl-email-" + (++formCount);
    var label = el("label", null, labels.email);
    label.htmlFor = id;
    var input = el("input");
    input.id = id;
    input.type = "email";
    input.name = "email";
    input.required = true;
    input.autocomplete = "email";
    input.maxLength = 320;
    var button = el("button", null, labels.subscribe);
    button.type = "submit";
    var status = el("p", "spl-subscribe-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(button);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {email: input.value.trim(), lang: lang || "en"};
      if (data.service) {
        body.services = [text(data.service)];
      }
      button.disabled = true;
      status.textContent = "";
      section.setAttribute("data-spl-subscribe", "sending");
      subscribe(body)
        .then(function (message) {
          status.textContent = text(message);
          section.setAttribute("data-spl-subscribe", "sent");
          form.reset();
        }, function (error) {
          status.textContent = text(labels.subscribe_failed || SUBSCRIBE_FAILED);
          section.setAttribute("data-spl-subscribe", "failed");
          if (window.console && console.warn) {
            console.warn("SubprocessorList:", error && error.message ? error.message : error);
          }
        })
        .then(function () {
          button.disabled = false;
        });
    });
    section.appendChild(form);
    section.appendChild(status);
    var feeds = el("ul", "spl-feeds");
    feeds.setAttribute("aria-label", text(labels.feeds));
    FEEDS.forEach(function (feed) {
      var url = new URL(feed[0], listUrl.href);
      if (lang) {
        url.searchParams.set("lang", lang);
      }
      var link = el("a", null, feed[1]);
      link.href = url.href;
      feeds.appendChild(el("li")).appendChild(link);
    });
    section.appendChild(feeds);
    return section;
  }

  /* POST the sign-up to the registry; resolves to its (localised) message. */
  function subscribe(body) {
    return fetch(new URL("subscriptions", script.src).href, {
      method: "POST",
      credentials: "omit",
      headers: {"Content-Type": "application/json", Accept: "application/json"},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () {
        return null;
      }).then(function (answer) {
        if (!response.ok || !answer || typeof answer.message !== "string") {
          throw new Error("the registry answered " + response.status);
        }
        return answer.message;
      });
    });
  }

  function showFailure(container, lang, error) {
    var old = container.querySelector(".spl-error");
    if (old) {
      old.parentNode.removeChild(old);
    }
    var message = el("p", "spl-error", FAILED[lang] || FAILED.en);
    message.setAttribute("role", "status");
    container.insertBefore(message, container.firstChild);
    if (window.console && console.warn) {
      console.warn("SubprocessorList:", error && error.message ? error.message : error);
    }
  }

  function wantsFollow(container) {
    return (container.getAttribute("data-subscribe") || "").trim().toLowerCase() !== "false";
  }

  function query(container) {
    var url = new URL(listUrl.href);
    ["lang", "service", "regime"].forEach(function (name) {
      var value = (container.getAttribute("data-" + name) || "").trim();
      if (value) {
        url.searchParams.set(name, value);
      }
    });
    return url;
  }

  /* Fetch and render the list into `container`; resolves to true once shown. */
  function render(container) {
    if (!container || container.nodeType !== 1) {
      return Promise.resolve(false);
    }
    var lang = (container.getAttribute("data-lang") || "").trim().toLowerCase();
    var ticket = {};
    if (pending) {
      pending.set(container, ticket);
    }
    container.setAttribute("data-spl-state", "loading");
    container.setAttribute("aria-busy", "true");
    var stylesheet = linkStylesheet();
    return Promise.resolve()
      .then(function () {
        if (!listUrl) {
          throw new Error("cannot tell where embed.js was loaded from");
        }
        return fetch(query(container).href, {
          credentials: "omit",
          headers: {Accept: "application/json"}
        });
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("the registry answered " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        return stylesheet.then(function () {
          return data; // shown styled, not restyled after a flash
        });
      })
      .then(function (data) {
        if (!data || !Array.isArray(data.subprocessors) || !Array.isArray(data.upcoming)) {
          throw new Error("unexpected answer from the registry");
        }
        if (pending && pending.get(container) !== ticket) {
          return false; // a newer render of this container won
        }
        var content = build(data, wantsFollow(container));
        while (container.firstChild) {
          container.removeChild(container.firstChild);
        }
        container.appendChild(content);
        container.setAttribute("data-spl-state", "ready");
        return true;
      })
      .catch(function (error) {
        if (pending && pending.get(container) !== ticket) {
          return false;
        }
        container.setAttribute("data-spl-state", "failed");
        showFailure(container, lang, error);
        return false;
      })
      .then(function (shown) {
        if (!pending || pending.get(container) === ticket) {
          container.removeAttribute("aria-busy");
        }
        return shown;
      });
  }

  function renderAll() {
    var containers = document.querySelectorAll(CONTAINER);
    for (var i = 0; i < containers.length; i++) {
      if (!containers[i].hasAttribute("data-spl-state")) {
        render(containers[i]);
      }
    }
  }

  window.SubprocessorList = Object.freeze({render: render});

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderAll);
  } else {
    renderAll();
  }
})();
