"""Folium builders from plain data: local assets only, one escaping function, parts for our own pages.

Ground floor: imports flask/folium/branca only, never a cpplan domain package. Callers pass plain
data (points, counts, labels) and the static URLs of the vendored assets (see static/vendor/).

Folium puts popup and tooltip text unescaped inside JavaScript template literals, so every text that
reaches a map passes `escape()` here, in this module; callers pass plain text.

Three builders: `circle_map` (folium, drawn as the page loads), `marker_map` (markers.py: sized, coloured,
clustered markers with a legend, optional tiles, hotspot circles and a boundary) and `picker_map` (markup and
data-* attributes for static/js/point-picker.js, which loads Leaflet only when the user asks for the map).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

import folium
from branca.element import MacroElement, Template
from flask import url_for
from markupsafe import Markup

__all__ = ["Assets", "Circle", "MapParts", "Marker", "PickerText", "Place", "Tiles", "circle_map",
           "configured_tiles", "escape", "marker_map", "picker_map", "vendored_assets"]

_ENTITIES = {
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
    "`": "&#96;", "$": "&#36;", "\\": "&#92;",
}
_SPECIAL = re.compile("[&<>\"'`$\\\\]")

MIN_RADIUS = 6   # px, for the smallest count
MAX_RADIUS = 30  # px, for the largest count on the map
FIT_MAX_ZOOM = 12  # fitting to a single circle must not zoom to street level
PICKER_ZOOM = 12  # a municipality and its villages fill a phone-sized map
COUNTRY_VIEW = ((41.2, 74.7), 6)  # all of Kyrgyzstan, when there is nothing nearer to centre on

CIRCLE_STYLE = {"color": "#073763", "weight": 2, "fill_color": "#0b5394", "fill_opacity": 0.45}
# Leaflet path options of the picker's point and of the village labels it shows for orientation.
POINT_STYLE = {"radius": 9, "color": "#073763", "weight": 3, "fillColor": "#f1b400", "fillOpacity": 0.9,
               "interactive": False}
PLACE_STYLE = {"radius": 4, "color": "#4d4d4d", "weight": 1, "fillColor": "#4d4d4d", "fillOpacity": 1,
               "interactive": False}
OUTLINE_STYLE = {"color": "#6b7280", "weight": 1.5, "fill": True, "fillColor": "#f3f5f7", "fillOpacity": 1,
                 "interactive": False, "attribution": "Natural Earth"}


def escape(text) -> str:
    """Return text safe inside HTML and inside a JS template literal or string.

    HTML-escapes & < > " ' and writes backtick, $ and backslash as numeric entities, so the text can
    neither close the literal, open a ${...} substitution, nor escape a quote. None becomes "".
    """
    if text is None:
        return ""
    return _SPECIAL.sub(lambda match: _ENTITIES[match.group(0)], str(text))


@dataclass(frozen=True)
class Circle:
    """One proportional circle: where, how many, and its plain-text label (tooltip and popup)."""

    lat: float
    lon: float
    count: int
    label: str


@dataclass(frozen=True)
class Assets:
    """Same-origin URLs of the vendored assets (from url_for('static', ...)); outline may be None, and the
    marker clustering script and stylesheets are needed only by a clustered marker_map."""

    leaflet_js: str
    leaflet_css: str
    outline: str | None = None
    cluster_js: str | None = None
    cluster_css: tuple[str, ...] = ()


def vendored_assets() -> Assets:
    """Return the app's own copies of Leaflet, Leaflet.markercluster and the country outline (static/vendor/),
    in a request or app context."""
    return Assets(url_for("static", filename="vendor/leaflet/leaflet.js"),
                  url_for("static", filename="vendor/leaflet/leaflet.css"),
                  url_for("static", filename="vendor/kyrgyzstan.geojson"),
                  url_for("static", filename="vendor/leaflet.markercluster/leaflet.markercluster.js"),
                  (url_for("static", filename="vendor/leaflet.markercluster/MarkerCluster.css"),
                   url_for("static", filename="vendor/leaflet.markercluster/MarkerCluster.Default.css")))


@dataclass(frozen=True)
class MapParts:
    """What a page needs to show a map: stylesheet URLs, the markup, the text of one inline script,
    and the script URLs (Leaflet only) to load before that script."""

    css: list[str]
    html: Markup
    script: str
    js: list[str] = field(default_factory=list)


class _Outline(MacroElement):
    """The country outline, fetched from a same-origin URL (folium.GeoJson would use jQuery's $.ajax).

    With a pane, the outline goes into a pane of its own below the tiles' (z-index 200): tiles that load cover
    it, and where they cannot load (offline, 2G) the country's shape still shows.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        {%- if this.pane %}
        {{ this._parent.get_name() }}.createPane({{ this.pane|tojson }}).style.zIndex = 150;
        {%- endif %}
        fetch({{ this.url|tojson }}, {credentials: "same-origin"})
            .then(function (response) { return response.ok ? response.json() : null; })
            .then(function (data) {
                if (data) {
                    L.geoJSON(data, {{ this.style|tojson }}).addTo({{ this._parent.get_name() }}).bringToBack();
                }
            })
            .catch(function () {});
        {% endmacro %}
    """)

    def __init__(self, url: str, style: dict, pane: str | None = None):
        super().__init__()
        self._name = "Outline"
        self.url = url
        self.pane = pane
        self.style = {**style, "pane": pane} if pane else style


class _Popup(MacroElement):
    """A popup of already escaped text bound to its parent layer (folium.Popup would use jQuery's $())."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup(`{{ this.html }}`);
        {% endmacro %}
    """)

    def __init__(self, html: str):
        super().__init__()
        self._name = "TextPopup"
        self.html = html


def _radius(value: float, largest: float, smallest: float = MIN_RADIUS, biggest: float = MAX_RADIUS) -> float:
    """Return the circle radius in px: area proportional to value, smallest..biggest (the largest value's)."""
    if largest <= 0 or value <= 0:
        return float(smallest)
    return round(smallest + (biggest - smallest) * math.sqrt(min(value, largest) / largest), 1)


def _add_circles(parent, circles: list[Circle]) -> list[tuple[float, float]]:
    """Add proportional circles, each with its escaped label as tooltip and popup, to parent; return their points."""
    largest = max((c.count for c in circles), default=0)
    for circle in circles:
        label = escape(circle.label)
        marker = folium.CircleMarker(location=[circle.lat, circle.lon], radius=_radius(circle.count, largest),
                                     **CIRCLE_STYLE)
        folium.Tooltip(label).add_to(marker)
        _Popup(label).add_to(marker)
        marker.add_to(parent)
    return [(c.lat, c.lon) for c in circles]


def _fit(m: folium.Map, points: list[tuple[float, float]]) -> None:
    """Fit the map's view to the points (no closer than FIT_MAX_ZOOM); leave it as it is without points."""
    if points:
        lats = [lat for lat, _lon in points]
        lons = [lon for _lat, lon in points]
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(40, 40), max_zoom=FIT_MAX_ZOOM)


def _render(m: folium.Map, caption: str, css: list[str], js: list[str]) -> MapParts:
    """Render the map into parts: its div in a figure with the caption (HTML, already escaped), one script."""
    figure = m.get_root()
    figure.render()
    script = figure.script.render()
    html = figure.html.render()
    map_id = m.get_name()
    if f'id="{map_id}"' not in html:  # folium changed its markup: fail loudly rather than draw nothing
        raise RuntimeError("folium did not render the map div")
    markup = Markup(f'<figure class="map-figure"><div class="map" id="{map_id}"></div>'
                    f"<figcaption>{caption}</figcaption></figure>")
    return MapParts(css=css, html=markup, script=script.strip(), js=js)


def circle_map(circles, *, center: tuple[float, float], zoom: int, assets: Assets, title: str) -> MapParts:
    """Return the parts of a zoomable map of proportional circles over Kyrgyzstan's outline.

    No tiles and no third-party URL: Leaflet comes from `assets`, the outline from `assets.outline`.
    Labels and the title are escaped here. With circles the view fits them; without, it is `center`
    at `zoom`.
    """
    circles = list(circles)
    m = folium.Map(location=list(center), zoom_start=zoom, tiles=None, zoom_control=True,
                   scrollWheelZoom=True, touchZoom=True)
    # Instance attributes: the class defaults (CDN Leaflet, jQuery, Bootstrap, awesome-markers) stay
    # untouched for every other map in the process, and none of them is loaded here.
    m.default_js = [("leaflet", assets.leaflet_js)]
    m.default_css = [("leaflet_css", assets.leaflet_css)]

    if assets.outline:
        _Outline(assets.outline, OUTLINE_STYLE).add_to(m)
    _fit(m, _add_circles(m, circles))
    return _render(m, escape(title), [url for _, url in m.default_css], [url for _, url in m.default_js])


@dataclass(frozen=True)
class Place:
    """A named place shown on a picker map for orientation (a village or ward), with its plain-text name."""

    lat: float
    lon: float
    label: str


@dataclass(frozen=True)
class PickerText:
    """The picker's plain texts, already translated: two buttons, the map's accessible name, the hint shown
    with the map, and what to say when Leaflet cannot be loaded."""

    pick: str
    clear: str
    label: str
    hint: str
    failed: str


def _attribute(value) -> str:
    """Return a value for a data-* attribute: JSON for lists and dicts, escaped for HTML."""
    return escape(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def picker_map(*, inputs: tuple[str, str], script: str, assets: Assets, text: PickerText,
               center: tuple[float, float] | None, places=(), zoom: int = PICKER_ZOOM) -> MapParts:
    """Return the parts of a point picker that fills the latitude and longitude inputs `inputs` (their ids).

    Nothing of Leaflet is loaded with the page: `script` (static/js/point-picker.js) shows a "pick" button,
    and pressing it loads Leaflet and the outline from `assets`, then shows the map at `center` (the country
    when None) with the `places` named. A tap, or Enter on the focused map (at its centre), fills the inputs;
    typing in them moves the marker; the clear button empties them. Without JavaScript the buttons and the
    map stay hidden and the inputs work alone. Texts are escaped here; no inline script or style is needed.
    """
    view, zoom = (center, zoom) if center is not None else COUNTRY_VIEW
    data = {
        "lat-input": inputs[0], "lon-input": inputs[1],
        "leaflet-js": assets.leaflet_js, "leaflet-css": assets.leaflet_css, "outline": assets.outline or "",
        "outline-style": OUTLINE_STYLE, "point-style": POINT_STYLE, "place-style": PLACE_STYLE,
        "center": [round(view[0], 6), round(view[1], 6)], "zoom": zoom,
        # Leaflet shows a tooltip's text as HTML: the names go in escaped (and the JSON once more, as an attribute).
        "places": [[round(p.lat, 6), round(p.lon, 6), escape(p.label)] for p in places],
    }
    attributes = " ".join(f'data-{name}="{_attribute(value)}"' for name, value in data.items())
    markup = Markup(
        f'<div class="point-picker" {attributes}>'
        '<p class="picker-buttons">'
        f'<button type="button" class="button secondary" data-picker="open" hidden>{escape(text.pick)}</button> '
        f'<button type="button" class="button secondary" data-picker="clear" hidden>{escape(text.clear)}</button>'
        "</p>"
        f'<p class="error" data-picker="failed" role="alert" hidden>{escape(text.failed)}</p>'
        '<div data-picker="panel" hidden>'
        f'<p class="help" id="point-map-hint">{escape(text.hint)}</p>'
        f'<div class="map picker-map" id="point-map" role="region" aria-label="{escape(text.label)}" '
        'aria-describedby="point-map-hint"></div>'
        "</div>"
        "</div>"
    )
    return MapParts(css=[], html=markup, script="", js=[script])


from .markers import Marker, Tiles, configured_tiles, marker_map  # noqa: E402  (markers.py builds on the above)
