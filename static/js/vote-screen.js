// Dot-votes. On the ballot: +/- buttons change the number in place and a live "dots left" counter
// (the form works without this script: the buttons then post and the server counts).
// On the projector view: poll the totals every 3 seconds and update the list in place.
(function () {
  'use strict';

  function ballot(form) {
    var allowed = parseInt(form.getAttribute('data-allowed'), 10);
    var leftText = form.getAttribute('data-left');
    var overText = form.getAttribute('data-over');
    var status = document.getElementById('dots-left');
    var inputs = Array.prototype.slice.call(form.querySelectorAll('input[type=number]'));

    function value(input) {
      var n = parseInt(input.value, 10);
      return isNaN(n) || n < 0 ? 0 : n;
    }
    function used() {
      return inputs.reduce(function (sum, input) { return sum + value(input); }, 0);
    }
    function show() {
      var n = used();
      status.textContent = n > allowed ? overText.replace('{n}', n - allowed)
                                       : leftText.replace('{n}', allowed - n);
      status.classList.toggle('over', n > allowed);
    }
    form.addEventListener('click', function (event) {
      var button = event.target.closest('button[name=step]');
      if (!button) return;
      event.preventDefault();
      var step = button.value, sign = step.charAt(0), code = step.slice(1);
      var input = document.getElementById('d-' + code);
      if (!input) return;
      var current = value(input);
      if (sign === '+' && used() < allowed) input.value = current + 1;
      else if (sign === '-' && current > 0) input.value = current - 1;
      show();
    });
    form.addEventListener('input', show);
    show();
  }

  function screen(list) {
    var url = list.getAttribute('data-url');
    var ballots = document.getElementById('ballots');
    var state = document.querySelector('.screen-state');
    var join = document.getElementById('join');
    var busy = false;

    function update(data) {
      var top = data.issues.reduce(function (max, row) { return Math.max(max, row.total); }, 1);
      data.issues.forEach(function (row) {
        var item = list.querySelector('li[data-code="' + row.code + '"]');
        if (!item) return;
        item.querySelector('.t-total').textContent = row.total;
        item.querySelector('.t-dots').textContent = row.dots;
        item.querySelector('.t-hands').textContent = row.hands;
        item.querySelector('rect').setAttribute('width', (100 * row.total / top).toFixed(1));
        list.appendChild(item);  // moves it: the list ends up in the server's order, most support first
      });
      ballots.textContent = data.ballots;
      if (data.status !== 'open') {
        state.textContent = state.getAttribute('data-closed');
        if (join) join.hidden = true;
      }
      list.setAttribute('data-status', data.status);
      list.setAttribute('data-updated', String(Date.now()));
    }
    function poll() {
      if (busy) return;
      busy = true;
      fetch(url, {cache: 'no-store', credentials: 'same-origin', headers: {'Accept': 'application/json'}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data) update(data);
          busy = false;
          if (!data || data.status === 'open') window.setTimeout(poll, 3000);
        })
        .catch(function () { busy = false; window.setTimeout(poll, 3000); });
    }
    if (list.getAttribute('data-status') === 'open') window.setTimeout(poll, 3000);
  }

  var form = document.querySelector('form.ballot');
  if (form) ballot(form);
  var list = document.getElementById('totals');
  if (list && list.getAttribute('data-url')) screen(list);
}());
