/*
 * Names for the controls that Django admin's scripts build and leave without one: the
 * select2 boxes of autocomplete fields and the icons of the "selected items" filter
 * (filter_horizontal). Loaded on every admin page (templates/admin/base_site.html).
 *
 * The scripts build their markup when the page is ready, when it has loaded and when a row
 * is added to an inline, so every change to the page is looked at.
 */
(function () {
  "use strict";

  function labelId(control) {
    const label = control.id && document.querySelector('label[for="' + CSS.escape(control.id) + '"]');
    if (!label) {
      return null;
    }
    if (!label.id) {
      label.id = control.id + "-label";
    }
    return label.id;
  }

  function nameAutocomplete(select) {
    const box = select.nextElementSibling;
    const name = labelId(select);
    if (!name || !box || !box.classList.contains("select2")) {
      return;
    }
    const selection = box.querySelector(".select2-selection");
    const rendered = box.querySelector(".select2-selection__rendered");
    if (selection && selection.classList.contains("select2-selection--single") && rendered) {
      // The field's label, then the chosen item.
      selection.setAttribute("aria-labelledby", name + " " + rendered.id);
      rendered.setAttribute("aria-labelledby", name);
    } else if (selection) {
      selection.setAttribute("aria-labelledby", name);
    }
    const search = box.querySelector(".select2-search__field");
    if (search) {
      search.setAttribute("aria-labelledby", name);
    }
  }

  function fix(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(nameAutocomplete);
    // The magnifier beside a filter's search box has a label but no role that allows one.
    root.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  fix(document);
  new MutationObserver(function () {
    fix(document);
  }).observe(document.body, { childList: true, subtree: true });
})();
