/* The console's progressive enhancement, served from /static under the strict CSP (no inline
   script anywhere). Without it every page works as it is: SIDs and tokens can be selected by hand,
   and the account switcher has its own button. With it:
   - each value marked .copyable gets a Copy button that puts it on the clipboard;
   - choosing another account in the switcher shows it at once. */
(function () {
  "use strict";

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } finally {
      document.body.removeChild(area);
    }
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function say(button, words) {
    button.textContent = words;
    window.setTimeout(function () { button.textContent = "Copy"; }, 1500);
  }

  document.querySelectorAll(".copyable > button.copy").forEach(function (button) {
    var source = button.previousElementSibling;
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(source.textContent.trim()).then(
        function () { say(button, "Copied"); },
        function () { say(button, "Select and copy"); }
      );
    });
  });

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
