// The issue builder: a live page count, drag and drop to reorder the
// stories, and up/down moves in place (focus stays on the moved story's
// button; a polite live region says where it went). Without JavaScript the
// up/down buttons are plain forms that post and reload.
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

  function headlineOf(item) {
    var headline = item.querySelector(".story-headline");
    return headline ? headline.textContent.trim() : "The story";
  }

  function moveInPlace(moveForm, submitter) {
    var item = moveForm.closest("li[data-story-id]");
    var direction = moveForm.elements.direction.value;
    fetch(moveForm.action, {
      method: "POST",
      body: new FormData(moveForm),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.json(); })
      .then(function (outcome) {
        if (!outcome.ok) {
          status.textContent = outcome.error;
          window.alert(outcome.error);
          return;
        }
        var sibling = direction === "up" ? item.previousElementSibling : item.nextElementSibling;
        if (sibling) {
          if (direction === "up") sibling.before(item); else sibling.after(item);
        }
        refreshButtons();
        if (list.dataset.saved !== undefined) list.dataset.saved = currentOrder().join(",");
        // At either end the pressed button is disabled: keep focus on the story.
        var other = item.querySelector("input[value=" + (direction === "up" ? "down" : "up") + "]");
        var target = submitter && !submitter.disabled ? submitter : other && other.form.querySelector("button");
        if (target) target.focus();
        status.textContent = "“" + headlineOf(item) + "” moved to position " + outcome.position +
          " of " + outcome.count + ".";
        refreshPageCount();
      })
      .catch(function () { window.location.reload(); });
  }

  function enableMoves() {
    list.addEventListener("submit", function (event) {
      var moveForm = event.target;
      if (!moveForm.elements.direction) return;
      event.preventDefault();
      moveInPlace(moveForm, event.submitter || moveForm.querySelector("button"));
    });
  }

  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
  refreshPageCount();
  if (list && form && list.dataset.orderUrl) {
    enableDragAndDrop();
    enableMoves();
  }
})();
