/* The offline survey form (/s/<token>/app): draws the questionnaire from the API, page by page,
   with the rules of the server form (consent first, every question skippable, show-if, progress,
   referral at the end). A completed questionnaire is kept in IndexedDB with its own uuid4 and sent
   to the API when the phone is online. Answers in progress stay in memory only, so the quick exit
   leaves nothing behind. Every text comes from the page (#strings), translated by the server. */
(function () {
  'use strict';
  var root = document.getElementById('survey-app');
  if (!root) return;
  var S = JSON.parse(document.getElementById('strings').textContent);
  var L = JSON.parse(document.getElementById('limits').textContent);
  var lang = document.documentElement.lang || 'ky';
  var statusBox = document.getElementById('survey-status');
  var api = root.getAttribute('data-api');
  var Q, pages, answers, index, errors;

  /* ---- helpers ---- */
  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }
  function tr(texts) {
    if (!texts) return '';
    return texts[lang] || texts.ky || texts.ru || texts.en || '';
  }
  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] === true) node.setAttribute(k, '');
      else if (attrs[k] !== false && attrs[k] != null) node.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (kid) {
      if (kid != null) node.appendChild(typeof kid === 'string' ? document.createTextNode(kid) : kid);
    });
    return node;
  }
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)), h = [];
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) h.push((b[i] + 256).toString(16).slice(1));
    h = h.join('');
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join('-');
  }

  /* ---- the waiting answers (IndexedDB) ---- */
  var STORE = 'pending';
  function store(mode, work) {
    return new Promise(function (ok, fail) {
      var open = indexedDB.open('cpplan-survey', 1);
      open.onupgradeneeded = function () { open.result.createObjectStore(STORE, {keyPath: 'uuid'}); };
      open.onerror = function () { fail(open.error); };
      open.onsuccess = function () {
        var db = open.result, tx = db.transaction(STORE, mode), req = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); ok(req && req.result); };
        tx.onerror = tx.onabort = function () { db.close(); fail(tx.error); };
      };
    });
  }
  function rejected(add) {
    var n = 0;
    try {
      n = parseInt(localStorage.getItem('cpplan-survey-rejected') || '0', 10) + (add || 0);
      if (add) localStorage.setItem('cpplan-survey-rejected', String(n));
    } catch (e) { /* private mode: the count is not kept */ }
    return n;
  }
  var everWaited = false;
  function showStatus() {
    return store('readonly', function (s) { return s.count(); }).then(function (n) {
      var parts = [], bad = rejected();
      if (n) { everWaited = true; parts.push(fmt(S.waiting, {n: n}) + ' ' + S.kept); }
      else if (everWaited) parts.push(S.sent);
      if (bad) parts.push(fmt(S.rejected, {n: bad}));
      statusBox.setAttribute('data-waiting', String(n));
      statusBox.textContent = parts.join(' ');
      return n;
    });
  }

  var busy = false, delay = 5000, timer = null;
  function retryLater() {
    clearTimeout(timer);
    timer = setTimeout(sync, delay);
    delay = Math.min(delay * 2, 300000);
  }
  /* Send every waiting answer, oldest first; stop at the first network or server failure. */
  function sync() {
    if (busy) return Promise.resolve();
    busy = true;
    clearTimeout(timer);
    return store('readonly', function (s) { return s.getAll(); }).then(function (items) {
      items.sort(function (a, b) { return a.at - b.at; });
      var retry = false;
      return items.reduce(function (chain, item) {
        return chain.then(function () {
          if (retry) return;
          if (navigator.onLine === false) { retry = items.length > 0; return; }
          return fetch(item.url, {
            method: 'POST', credentials: 'omit', headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({uuid: item.uuid, answers: item.answers, channel: 'offline'})
          }).then(function (r) {
            if (r.status >= 500 || r.status === 408 || r.status === 429) { retry = true; return; }
            if (r.status >= 300) rejected(1);  /* 409 conflict, 422 invalid, 410 closed: never storable */
            return store('readwrite', function (s) { return s.delete(item.uuid); });
          }, function () { retry = true; });
        });
      }, Promise.resolve()).then(function () {
        if (retry) retryLater(); else delay = 5000;
      });
    }).catch(function () { retryLater(); }).then(function () {
      busy = false;
      return showStatus();
    });
  }
  window.addEventListener('online', function () { delay = 5000; sync(); });

  /* ---- the questionnaire ---- */
  function shown(q) {
    var c = q.show_if, given;
    if (!c) return true;
    given = answers[c.code];
    return given === c.option || (Array.isArray(given) && given.indexOf(c.option) >= 0);
  }
  function prune() {  /* drop answers an earlier (changed) answer no longer asks */
    Q.questions.forEach(function (q) { if (!shown(q)) delete answers[q.code]; });
  }

  function choice(type, name, value, label, checked) {
    return el('label', {'class': 'check'}, [
      el('input', {type: type, name: name, value: value, checked: !!checked}), ' ' + label]);
  }
  function rating(name, current) {
    var box = el('div', {'class': 'scale'});
    for (var n = L.scale[0]; n <= L.scale[1]; n++) box.appendChild(choice('radio', name, n, String(n), current === n));
    box.appendChild(choice('radio', name, '', S.no_answer, false));
    return box;
  }
  function number(id, name, value, attrs) {
    return el('input', Object.assign({type: 'number', id: id, name: name, value: value == null ? '' : value}, attrs));
  }

  function question(q) {
    var id = 'q-' + q.code, name = 'a.' + q.code, value = answers[q.code], help = tr(q.help),
        error = errors[q.code], described = [], notes = [], box, group = ['single', 'multiple', 'scale',
          'location', 'issue_rating'].indexOf(q.kind) >= 0;
    if (help) { described.push(id + '-help'); notes.push(el('p', {'class': 'help', id: id + '-help'}, [help])); }
    if (error) { described.push(id + '-error'); notes.push(el('p', {'class': 'error', id: id + '-error'}, [error])); }
    var by = described.length ? described.join(' ') : null;
    var wrap = el('div', {'class': 'field question' + (error ? ' has-error' : ''), id: id});
    if (group) {
      box = el('fieldset', {'aria-describedby': by}, [el('legend', {}, [tr(q.text)])].concat(notes));
      if (q.kind === 'single') {
        q.options.forEach(function (o) { box.appendChild(choice('radio', name, o.code, tr(o.label), value === o.code)); });
        if (q.code !== 'consent') box.appendChild(choice('radio', name, '', S.no_answer, false));
      } else if (q.kind === 'multiple') {
        q.options.forEach(function (o) {
          box.appendChild(choice('checkbox', name, o.code, tr(o.label), value && value.indexOf(o.code) >= 0));
        });
      } else if (q.kind === 'scale') {
        box.appendChild(rating(name, value));
      } else if (q.kind === 'location') {
        var p = value || {};
        box.appendChild(el('div', {'class': 'pair'}, [
          el('label', {'for': id + '-lat'}, [S.lat]),
          number(id + '-lat', name + '.lat', p.lat, {step: 'any', inputmode: 'decimal', min: L.lat[0], max: L.lat[1]}),
          el('label', {'for': id + '-lon'}, [S.lon]),
          number(id + '-lon', name + '.lon', p.lon, {step: 'any', inputmode: 'decimal', min: L.lon[0], max: L.lon[1]})]));
      } else {
        q.options.forEach(function (o) {
          box.appendChild(el('fieldset', {'class': 'rating'}, [el('legend', {}, [tr(o.label)]),
            rating(name + '.' + o.code, (value || {})[o.code])]));
        });
      }
      wrap.appendChild(box);
      return wrap;
    }
    wrap.appendChild(el('label', {'for': id + '-input'}, [tr(q.text)]));
    notes.forEach(function (n) { wrap.appendChild(n); });
    if (q.kind === 'text') {
      box = el('textarea', {id: id + '-input', name: name, rows: 4, maxlength: L.text, 'aria-describedby': by});
      box.value = value || '';
    } else if (q.kind === 'number') {
      box = number(id + '-input', name, value, {step: 1, inputmode: 'numeric', min: q.min, max: q.max, 'aria-describedby': by});
    } else {
      box = el('select', {id: id + '-input', name: name, 'aria-describedby': by}, [el('option', {value: ''}, [S.no_answer])]);
      q.options.forEach(function (o) { box.appendChild(el('option', {value: o.code, selected: value === o.code}, [tr(o.label)])); });
    }
    wrap.appendChild(box);
    return wrap;
  }

  /* Read and check the answers of the shown questions on this page; return {code: message} errors. */
  function read(form, list) {
    var found = {};
    function field(n) { return form.elements[n]; }
    function picked(n) {
      return Array.prototype.filter.call(form.querySelectorAll('input[name="' + n + '"]'), function (i) {
        return i.checked && i.value;
      }).map(function (i) { return i.value; });
    }
    function whole(raw, low, high, code) {
      if (!/^-?\d+$/.test(raw)) { found[code] = S.whole; return null; }
      var n = parseInt(raw, 10);
      if ((low != null && n < low) || (high != null && n > high)) {
        found[code] = fmt(S.range, {min: low, max: high});
        return null;
      }
      return n;
    }
    list.forEach(function (q) {
      var name = 'a.' + q.code, v = null, raw;
      if (q.kind === 'single') v = picked(name)[0] || null;
      else if (q.kind === 'multiple') v = picked(name);
      else if (q.kind === 'scale') v = picked(name).length ? parseInt(picked(name)[0], 10) : null;
      else if (q.kind === 'number') { raw = field(name).value.trim(); v = raw ? whole(raw, q.min, q.max, q.code) : null; }
      else if (q.kind === 'text' || q.kind === 'area') {
        v = field(name).value;
        if (v.length > L.text) found[q.code] = S.too_long;
      } else if (q.kind === 'location') {
        var lat = field(name + '.lat').value.trim(), lon = field(name + '.lon').value.trim();
        if (lat || lon) {
          v = {lat: parseFloat(lat), lon: parseFloat(lon)};
          if (!lat || !lon || !isFinite(lat) || !isFinite(lon)) { found[q.code] = S.pair; v = null; }
          else if (v.lat < L.lat[0] || v.lat > L.lat[1] || v.lon < L.lon[0] || v.lon > L.lon[1]) { found[q.code] = S.outside; v = null; }
        }
      } else if (q.kind === 'issue_rating') {
        v = {};
        q.options.forEach(function (o) {
          var r = picked(name + '.' + o.code);
          if (r.length) v[o.code] = parseInt(r[0], 10);
        });
      }
      if (v === null || v === '' || (Array.isArray(v) && !v.length) || (typeof v === 'object' && !Object.keys(v).length)) {
        if (!found[q.code]) delete answers[q.code];
      } else {
        answers[q.code] = v;
      }
    });
    if (index === 0 && Q.questions.some(function (q) { return q.code === 'consent'; }) && !answers.consent) {
      found.consent = S.consent;
    }
    return found;
  }

  function referral() {
    return el('section', {'class': 'referral', 'aria-labelledby': 'referral-title'}, [
      el('h2', {id: 'referral-title'}, [S.help_title]),
      el('p', {'class': 'referral-text'}, [tr(Q.referral) || S.referral])]);
  }

  function focusTop(node) {
    node.setAttribute('tabindex', '-1');
    node.focus();
    window.scrollTo(0, 0);
  }

  function render() {
    var total = pages.length, last = index === total - 1, progress = fmt(S.progress, {n: index + 1, m: total});
    var list = Q.questions.filter(function (q) { return q.page === pages[index] && shown(q); });
    var form = el('form', {novalidate: true});
    var head = el('p', {'class': 'progress'}, [el('span', {id: 'progress-text'}, [progress]),
      ' ', el('progress', {max: total, value: index + 1, 'aria-labelledby': 'progress-text'}, [(index + 1) + '/' + total])]);
    var codes = Object.keys(errors), alert = null;
    if (codes.length) {
      alert = el('div', {'class': 'alert', role: 'alert'}, [el('p', {}, [S.check]), el('ul', {}, codes.map(function (c) {
        var q = Q.questions.filter(function (x) { return x.code === c; })[0];
        return el('li', {}, [el('a', {href: '#q-' + c}, [q ? tr(q.text) : c]), ': ' + errors[c]]);
      }))]);
    }
    list.forEach(function (q) { form.appendChild(question(q)); });
    if (last) form.appendChild(referral());
    var pager = el('div', {'class': 'pager'}, [
      el('button', {type: 'submit', 'class': 'button', value: last ? 'send' : 'next'}, [last ? S.send : S.next])]);
    if (index > 0) {
      var back = el('button', {type: 'button', 'class': 'button secondary'}, [S.back]);
      back.addEventListener('click', function () {
        read(form, list);  /* keep what was typed; checks run again on the way forward */
        errors = {};
        index -= 1;
        render();
      });
      pager.appendChild(back);
    }
    form.appendChild(pager);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      errors = read(form, list);
      if (index === 0 && answers.consent && answers.consent !== 'yes') { answers = {}; return done(false); }
      prune();
      if (Object.keys(errors).length) return render();
      if (last) return finish();
      index += 1;
      render();
    });
    root.textContent = '';
    [head, alert, form].forEach(function (n) { if (n) root.appendChild(n); });
    document.title = progress + ' · cpplan';
    focusTop(alert || head);
  }

  function start() {
    answers = {};
    errors = {};
    index = 0;
    render();
  }

  function done(kept) {
    var again = el('button', {type: 'button', 'class': 'button again'}, [S.again]);
    again.addEventListener('click', start);
    var h = el('h2', {}, [S.thanks_title]);
    root.textContent = '';
    [h, el('p', {}, [S.thanks]), kept ? el('p', {}, [S.kept]) : null, referral(), el('p', {}, [again])]
      .forEach(function (n) { if (n) root.appendChild(n); });
    document.title = S.thanks_title + ' · cpplan';
    focusTop(h);
  }

  function finish() {
    var item = {uuid: uuid4(), url: api + '/responses', answers: answers, at: Date.now()};
    answers = {};
    store('readwrite', function (s) { return s.put(item); }).then(function () {
      done(true);
      return showStatus();
    }).then(sync);
  }

  /* ---- start ---- */
  var quick = document.querySelector('.quick-exit');
  if (quick) quick.addEventListener('click', function (event) { event.preventDefault(); location.replace(quick.href); });
  root.textContent = S.loading;
  fetch(api, {credentials: 'same-origin'}).then(function (r) {
    if (r.status === 404 || r.status === 410) throw new Error('closed');
    if (!r.ok) throw new Error('failed');
    return r.json();
  }).then(function (data) {
    Q = data;
    pages = Q.questions.map(function (q) { return q.page; })
      .filter(function (p, i, all) { return all.indexOf(p) === i; }).sort(function (a, b) { return a - b; });
    start();
  }).catch(function (e) {
    root.textContent = e.message === 'closed' ? S.closed : S.no_form;
  });
  showStatus().then(sync).catch(function () {});
})();
