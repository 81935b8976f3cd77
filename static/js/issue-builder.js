// The issue builder: a live page count, and drag and drop to reorder the
// stories. Without JavaScript the up/down buttons (plain forms) still work.
(function () {
  "use strict";

  var pageCount = document.getElementById("page-count");

  function refreshPageCount() {
    if (!pageCount) return;
    fetch(pageCount.dataset.url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.statusText);
        return response.text();
      })
      .then(function (html) { pageCount.innerHTML = html; })
      .catch(function () { pageCount.textContent = "The page count is unavailable."; });
  }

  var list = document.getElementById("issue-stories");
  var form = document.getElementById("order-form");
  var status = document.getElementById("order-status");

  function currentOrder() {
    return Array.prototype.map.call(list.querySelectorAll("li[data-story-id]"), function (item) {
      return item.dataset.storyId;
    });
  }

  function refreshButtons() {
    var items = list.querySelectorAll("li[data-story-id]");
    items.forEach(function (item, index) {
      var up = item.querySelector("input[value=up]");
      var down = item.querySelector("input[value=down]");
      if (up) up.form.querySelector("button").disabled = index === 0;
      if (down) down.form.querySelector("button").disabled = index === items.length - 1;
    });
  }

  function saveOrder() {
    form.elements.order.value = currentOrder().join(",");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.json(); })
      .then(function (outcome) {
        if (!outcome.ok) {
          window.alert(outcome.error);
          window.location.reload();
          return;
        }
        status.textContent = "Order saved.";
        refreshButtons();
        list.dataset.saved = currentOrder().join(",");
        refreshPageCount();
      })
      .catch(function () { window.location.reload(); });
  }

  function enableDragAndDrop() {
    var dragged = null;
    list.dataset.saved = currentOrder().join(",");

    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest("li[data-story-id]");
      if (!dragged) return;
      dragged.classList.add("opacity-50");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.storyId);
    });

    list.addEventListener("dragover", function (event) {
      var target = event.target.closest("li[data-story-id]");
      if (!dragged || !target || target === dragged) return;
      event.preventDefault();
      var items = Array.prototype.slice.call(list.children);
      // Moving down puts the story after the one under the pointer; moving up, before.
      if (items.indexOf(dragged) < items.indexOf(target)) {
        target.after(dragged);
      } else {
        target.before(dragged);
      }
    });

    list.addEventListener("drop", function (event) { event.preventDefault(); });

    list.addEventListener("dragend", function () {
      if (!dragged) return;
      dragged.classList.remove("opacity-50");
      dragged = null;
      if (currentOrder().join(",") !== list.dataset.saved) saveOrder();
    });
  }

  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
  refreshPageCount();
  if (list && form && list.dataset.orderUrl) enableDragAndDrop();
})();
