// Shows how far a file upload has got (a large export over 2G takes minutes), then the server's page.
// Without JavaScript the form posts as usual.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-progress]");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      event.preventDefault();
      var box = document.getElementById(form.getAttribute("data-progress"));
      var bar = box.querySelector("progress");
      var text = box.querySelector("[data-text]");
      var button = form.querySelector("button[type=submit]");
      box.hidden = false;
      button.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || window.location.href);
      xhr.upload.onprogress = function (e) {
        if (!e.lengthComputable) { return; }
        bar.max = e.total;
        bar.value = e.loaded;
        text.textContent = box.getAttribute("data-sending").replace("{percent}", Math.round(100 * e.loaded / e.total));
      };
      xhr.upload.onload = function () {
        bar.removeAttribute("value");
        text.textContent = box.getAttribute("data-checking");
      };
      xhr.onload = function () {
        if (xhr.responseURL) { window.history.replaceState(null, "", xhr.responseURL); }
        document.open();
        document.write(xhr.responseText);
        document.close();
      };
      xhr.onerror = function () {
        box.hidden = true;
        button.disabled = false;
        text.textContent = "";
        form.submit();
      };
      xhr.send(new FormData(form));
    });
  });
}());
