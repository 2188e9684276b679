/* ohti index: search the documents and sort the summary table. Everything it needs is in the
   page (the search data in #ohti-search-data), so it works from the file system. */
(function () {
  "use strict";
  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  var data = {};
  var element = document.getElementById("ohti-search-data");
  try { data = JSON.parse(element ? element.textContent : "{}"); } catch (error) { data = {}; }

  var form = document.getElementById("ohti-search");
  if (form) {
    var field = document.getElementById("ohti-q");
    var select = document.getElementById("ohti-language");
    var status = document.getElementById("ohti-status");
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-code]"));
    var sections = Array.prototype.slice.call(document.querySelectorAll("section.documents"));
    rows.forEach(function (row) {
      var info = data[row.getAttribute("data-code")] || {};
      var words = [row.textContent].concat(info.names || [], info.regions || []);
      row.ohtiText = fold(words.join(" "));
      row.ohtiMunicipalities = (info.municipalities || []).map(function (name) {
        return { name: name, folded: fold(name) };
      });
      row.ohtiHit = row.querySelector(".search-hit");
    });
    var update = function () {
      var query = fold(field.value.trim());
      var language = select ? select.value : "";
      var shown = 0;
      rows.forEach(function (row) {
        var hit = "";
        if (query) {
          for (var i = 0; i < row.ohtiMunicipalities.length; i += 1) {
            if (row.ohtiMunicipalities[i].folded.indexOf(query) === 0) { hit = row.ohtiMunicipalities[i].name; break; }
          }
        }
        var match = !query || hit !== "" || row.ohtiText.indexOf(query) >= 0;
        if (language && row.getAttribute("data-language") !== language) { match = false; }
        row.hidden = !match;
        if (row.ohtiHit) {
          row.ohtiHit.textContent = match && hit ? status.getAttribute("data-hit").replace("{municipality}", hit) : "";
        }
        if (match) { shown += 1; }
      });
      sections.forEach(function (section) {
        section.hidden = !section.querySelector("tr[data-code]:not([hidden])");
      });
      if (!query && !language) {
        status.textContent = "";
      } else if (shown) {
        status.textContent = status.getAttribute("data-found")
          .replace("{shown}", shown).replace("{total}", rows.length);
      } else {
        status.textContent = status.getAttribute("data-none");
      }
    };
    field.addEventListener("input", update);
    if (select) { select.addEventListener("change", update); }
    form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
    form.hidden = false;
  }

  var language = document.documentElement.getAttribute("lang") || "fi";
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    heads.forEach(function (head, column) {
      var button = head.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var ascending = head.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (other) { other.removeAttribute("aria-sort"); });
        head.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var list = Array.prototype.slice.call(body.rows);
        list.sort(function (a, b) {
          var x = a.cells[column].getAttribute("data-sort");
          var y = b.cells[column].getAttribute("data-sort");
          if (x === null || x === "") { return (y === null || y === "") ? 0 : 1; }  // missing last
          if (y === null || y === "") { return -1; }
          var nx = Number(x), ny = Number(y);
          var order = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y, language) : nx - ny;
          return ascending ? order : -order;
        });
        list.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
}());
