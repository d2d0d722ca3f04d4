// The measure form's point picker (markup from cpplan.maps.picker_map). Leaflet is loaded only when the
// user presses "Pick on the map" (42 KiB over 2G is not spent on every visit). A tap on the map, or Enter
// on the focused map (at its centre), fills the latitude and longitude inputs, rounded to 6 decimals;
// typing in the inputs moves the marker; "Clear the point" empties them. Without this script the buttons
// and the map stay hidden and the inputs work alone. No inline script or style: the CSP allows neither.
(function () {
  'use strict';

  var DECIMALS = 6;
  var NUMBER = /^-?\d+(\.\d+)?$/;

  function json(box, name) {
    return JSON.parse(box.getAttribute('data-' + name));
  }

  function degrees(input) {
    var text = input.value.trim().replace(',', '.');
    return NUMBER.test(text) ? Number(text) : null;
  }

  function rounded(value) {
    return value.toFixed(DECIMALS).replace(/\.?0+$/, '');
  }

  // Add Leaflet's stylesheet and script once; call done() when both are loaded, failed() if one is not.
  function loadLeaflet(box, done, failed) {
    if (window.L) { done(); return; }
    var waiting = 2;
    function loaded() { waiting -= 1; if (waiting === 0) done(); }
    var css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = box.getAttribute('data-leaflet-css');
    css.onload = loaded;
    css.onerror = failed;
    var js = document.createElement('script');
    js.src = box.getAttribute('data-leaflet-js');
    js.onload = loaded;
    js.onerror = failed;
    document.head.appendChild(css);
    document.head.appendChild(js);
  }

  function picker(box) {
    var part = function (name) { return box.querySelector('[data-picker="' + name + '"]'); };
    var latInput = document.getElementById(box.getAttribute('data-lat-input'));
    var lonInput = document.getElementById(box.getAttribute('data-lon-input'));
    var openButton = part('open'), clearButton = part('clear'), panel = part('panel'), failure = part('failed');
    var element = box.querySelector('.picker-map');
    var map = null, marker = null;
    if (!latInput || !lonInput || !element) return;

    function typedPoint() {
      var lat = degrees(latInput), lon = degrees(lonInput);
      return lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180 ? null : [lat, lon];
    }

    // Put the marker where the inputs say (or remove it); bring it into view when it is outside.
    function showTyped() {
      if (!map) return;
      var point = typedPoint();
      if (point === null) {
        if (marker) { map.removeLayer(marker); marker = null; }
        return;
      }
      if (marker) marker.setLatLng(point);
      else marker = window.L.circleMarker(point, json(box, 'point-style')).addTo(map);
      if (!map.getBounds().contains(point)) map.panTo(point);
    }

    function choose(latlng) {
      var wrapped = latlng.wrap();
      latInput.value = rounded(wrapped.lat);
      lonInput.value = rounded(wrapped.lng);
      showTyped();
    }

    function drawOutline() {
      var url = box.getAttribute('data-outline');
      if (!url || !window.fetch) return;
      window.fetch(url, {credentials: 'same-origin'})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data) window.L.geoJSON(data, json(box, 'outline-style')).addTo(map).bringToBack();
        })
        .catch(function () {});
    }

    function start() {
      var L = window.L, typed = typedPoint();
      panel.hidden = false;
      map = L.map(element, {center: typed || json(box, 'center'), zoom: Number(box.getAttribute('data-zoom')),
                            keyboard: true, scrollWheelZoom: true, touchZoom: true});
      drawOutline();
      json(box, 'places').forEach(function (place) {
        L.circleMarker([place[0], place[1]], json(box, 'place-style'))
          .bindTooltip(place[2], {permanent: true, direction: 'right', className: 'picker-place'})
          .addTo(map);
      });
      map.on('click', function (event) { choose(event.latlng); });
      element.addEventListener('keydown', function (event) {
        if (event.target === element && (event.key === 'Enter' || event.key === ' ')) {
          event.preventDefault();
          choose(map.getCenter());
        }
      });
      showTyped();
      openButton.hidden = true;
      element.focus();
    }

    openButton.addEventListener('click', function () {
      openButton.disabled = true;
      loadLeaflet(box, start, function () {
        openButton.hidden = true;
        failure.hidden = false;
      });
    });
    clearButton.addEventListener('click', function () {
      latInput.value = '';
      lonInput.value = '';
      showTyped();
    });
    latInput.addEventListener('input', showTyped);
    lonInput.addEventListener('input', showTyped);
    openButton.hidden = false;
    clearButton.hidden = false;
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('.point-picker'), picker);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
}());
