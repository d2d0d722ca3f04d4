"""Marker maps: one marker per place, sized by an amount and coloured by a category, with a legend.

Generic (a plan's measures by allocation and status, or municipalities by allocation and plan status): the
caller passes plain `Marker`s, the colours and their legend labels, and plain-text names; everything that
reaches the page is escaped here. Markers are Leaflet markers drawn as SVG circles (keyboard-focusable, with
the title as their accessible name), clustered with Leaflet.markercluster. Their data travel as one compact
JSON array read by a short loop, not one folium element each, so that a thousand markers stay a small script.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import Decimal

import folium
from branca.element import MacroElement, Template
from flask import current_app
from folium.plugins import MarkerCluster

from . import (CIRCLE_STYLE, COUNTRY_VIEW, OUTLINE_STYLE, Assets, MapParts, _add_circles, _fit, _Outline, _radius,
               _render, escape)

MARKER_MIN_RADIUS = 10  # px: with its border (+2 px a side) the smallest marker is a 24 px target (WCAG 2.5.8)
MARKER_MAX_RADIUS = 24  # px, for the largest amount on the map
OUTLINE_PANE = "outline"  # below the tiles
# px: markers closer than this are grouped. Smaller than Leaflet.markercluster's 80, so that the villages of a
# municipality stay apart at the fitted zoom and mostly the measures of one village are grouped.
CLUSTER_RADIUS = 40
MAX_ZOOM = 18  # without tiles: street level, where the markers of one village come apart
BOUNDARY_STYLE = {"color": "#073763", "weight": 2, "dashArray": "6 4", "fill": False, "interactive": False}
BOUNDARY_TYPES = {"Polygon", "MultiPolygon", "LineString", "MultiLineString"}
# JSON inside an inline <script>: nothing the HTML parser could read as markup or an entity.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                              "\u2029": "\\u2029"})


@dataclass(frozen=True)
class Marker:
    """One place on a marker map, all texts plain (escaped by the builder).

    size_value: the amount the marker's area grows with (0 or less: the smallest marker); colour_key: a key of
    marker_map's colours; title, lines and link: the popup (title in bold, one line each, then the link);
    key: an id kept in the Leaflet marker's options (marker_map's key_option) for scripts and tests.
    """

    lat: float | Decimal
    lon: float | Decimal
    size_value: Decimal | float
    colour_key: str
    title: str
    lines: tuple[str, ...] | list[str] = ()
    link_url: str | None = None
    link_text: str = ""
    key: int | str | None = None


@dataclass(frozen=True)
class Tiles:
    """A tile layer: its {z}/{x}/{y} URL template and its attribution (HTML from the settings, trusted)."""

    url: str
    attribution: str
    subdomains: str = "abc"
    max_zoom: int = 19


def configured_tiles() -> Tiles | None:
    """Return the tiles of the settings (CPPLAN_TILES_URL, CPPLAN_TILES_ATTRIBUTION), or None when there are none."""
    url = current_app.config.get("CPPLAN_TILES_URL", "")
    return Tiles(url, current_app.config.get("CPPLAN_TILES_ATTRIBUTION", "")) if url else None


def script_json(value) -> str:
    """Return value as compact JSON that is safe inside an inline <script>."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_SAFE)


class _Markers(MacroElement):
    """The markers, added to their parent layer (a cluster group or a feature group) from one JSON array.

    Each row: [lat, lon, radius, colour index, title, [lines], link URL or "", link text, key], texts escaped.
    The title is the marker's accessible name (visually hidden text; Leaflet makes the marker a focusable
    button that Enter opens) and, in bold, the popup's first line. The radius and the key stay in the marker's
    options (`radius`, and the key option's name).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (layer, colours, rows) {
            rows.forEach(function (r) {
                var d = 2 * r[2] + 4, c = d / 2, options = {keyboard: true, radius: r[2], zIndexOffset: -10 * d,
                    icon: L.divIcon({className: "map-marker", iconSize: [d, d], html:
                        '<svg width="' + d + '" height="' + d + '" aria-hidden="true" focusable="false"><circle cx="'
                        + c + '" cy="' + c + '" r="' + r[2] + '" fill="' + colours[r[3]] + '"/></svg>'
                        + '<span class="visually-hidden">' + r[4] + "</span>"})};
                options[{{ this.key_option|tojson }}] = r[8];
                L.marker([r[0], r[1]], options).bindPopup("<strong>" + r[4] + "</strong>"
                    + r[5].map(function (line) { return "<br>" + line; }).join("")
                    + (r[6] ? '<br><a href="' + r[6] + '">' + r[7] + "</a>" : "")).addTo(layer);
            });
        })({{ this._parent.get_name() }}, {{ this.colours }}, {{ this.rows }});
        {% endmacro %}
    """)

    def __init__(self, colours: list[str], rows: list[list], key_option: str):
        super().__init__()
        self._name = "Markers"
        self.colours = script_json(colours)
        self.rows = script_json(rows)
        self.key_option = key_option


class _Boundary(MacroElement):
    """A boundary drawn from inline GeoJSON geometries (checked and stripped of properties by the builder)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.geoJSON({{ this.data }}, {{ this.style|tojson }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, geometries: list[dict], style: dict):
        super().__init__()
        self._name = "Boundary"
        self.data = script_json(geometries)
        self.style = style


def _positions(coordinates) -> list[tuple[float, float]]:
    """Return the (lat, lon) of every position in nested GeoJSON coordinates; raise ValueError if malformed."""
    if isinstance(coordinates, list) and len(coordinates) >= 2 and all(
            isinstance(c, (int, float)) and not isinstance(c, bool) for c in coordinates[:2]):
        lon, lat = float(coordinates[0]), float(coordinates[1])
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError("position out of range")
        return [(lat, lon)]
    if not isinstance(coordinates, list) or not coordinates:
        raise ValueError("not a list of positions")
    return [point for item in coordinates for point in _positions(item)]


def boundary_geometries(text: str | None) -> tuple[list[dict], list[tuple[float, float]]]:
    """Return the line and polygon geometries of a GeoJSON text (geometry, Feature or FeatureCollection),
    without properties, and their positions; ([], []) when the text is empty or not such GeoJSON."""
    if not text or not text.strip():
        return [], []
    try:
        data = json.loads(text)
        if isinstance(data, dict) and data.get("type") == "FeatureCollection":
            found = [f.get("geometry") for f in data.get("features") or [] if isinstance(f, dict)]
        elif isinstance(data, dict) and data.get("type") == "Feature":
            found = [data.get("geometry")]
        else:
            found = [data]
        geometries = [{"type": g["type"], "coordinates": g["coordinates"]} for g in found
                      if isinstance(g, dict) and g.get("type") in BOUNDARY_TYPES]
        points = [p for g in geometries for p in _positions(g["coordinates"])]
    except (ValueError, TypeError, KeyError, RecursionError):
        return [], []
    return (geometries, points) if points else ([], [])


def _legend(colours: dict[str, tuple[str, str]], circles_name: str | None, notes) -> str:
    """Return the legend as HTML: a swatch and label per colour, the circles' layer, then plain notes."""
    def swatch(fill: str, stroke: str = "#ffffff") -> str:
        return ('<svg class="swatch" width="18" height="18" viewBox="0 0 18 18" aria-hidden="true" focusable="false">'
                f'<circle cx="9" cy="9" r="7" fill="{escape(fill)}" stroke="{escape(stroke)}" stroke-width="2"/></svg>')

    items = [f"<li>{swatch(hex_colour)} {escape(label)}</li>" for hex_colour, label in colours.values()]
    if circles_name:
        items.append(f"<li>{swatch(CIRCLE_STYLE['fill_color'], CIRCLE_STYLE['color'])} {escape(circles_name)}</li>")
    items += [f'<li class="note">{escape(note)}</li>' for note in notes if note]
    return f'<ul class="map-legend">{"".join(items)}</ul>'


def marker_map(markers, *, colours: dict[str, tuple[str, str]], assets: Assets, title: str,
               markers_name: str, circles=(), circles_name: str = "", boundary_geojson: str | None = None,
               tiles: Tiles | None = None, center: tuple[float, float] | None = None, zoom: int = 11,
               notes=(), cluster: bool = True, key_option: str = "key") -> MapParts:
    """Return the parts of a map of sized, coloured markers with its legend.

    colours: {colour key: (hex colour, legend label)}, in legend order; every marker's colour_key must be
    one of them (KeyError otherwise). Marker areas grow with size_value (MARKER_MIN_RADIUS..MARKER_MAX_RADIUS).
    markers_name / circles_name: the layers' names in the layer control and legend; circles (Circle, e.g.
    survey hotspots) are a second layer when given. boundary_geojson: a GeoJSON text drawn as a dashed line
    (ignored when it is not usable GeoJSON). tiles: a tile layer over the country outline, which shows when
    the tiles cannot load. The view fits markers, circles and boundary; without any it is center at zoom
    (the whole country when center is None). notes: plain lines added to the legend. cluster: group nearby
    markers at the same place or nearly (CLUSTER_RADIUS) with Leaflet.markercluster (assets.cluster_js and
    cluster_css needed). key_option: the Leaflet option each marker's key is kept in.
    Every text is escaped here; no third-party URL is used but the tiles'.
    """
    markers, circles = list(markers), list(circles)
    unknown = {marker.colour_key for marker in markers} - set(colours)
    if unknown:
        raise KeyError(f"marker colours {sorted(unknown)} are not among the map's colours")
    index = {key: n for n, key in enumerate(colours)}
    view, zoom = (center, zoom) if center is not None else COUNTRY_VIEW
    # Leaflet.markercluster needs the map's maxZoom (a tile layer would give its own).
    m = folium.Map(location=list(view), zoom_start=zoom, tiles=None, zoom_control=True, scrollWheelZoom=True,
                   touchZoom=True, maxZoom=tiles.max_zoom if tiles is not None else MAX_ZOOM)
    m.default_js = [("leaflet", assets.leaflet_js)]  # instance attributes: see circle_map
    m.default_css = [("leaflet_css", assets.leaflet_css)]
    js, css = [assets.leaflet_js], [assets.leaflet_css]

    if tiles is not None:
        folium.TileLayer(tiles=tiles.url, attr=tiles.attribution, name="tiles", control=False,
                         max_zoom=tiles.max_zoom, subdomains=tiles.subdomains,
                         referrerPolicy="strict-origin-when-cross-origin").add_to(m)
    if assets.outline:
        _Outline(assets.outline, OUTLINE_STYLE, pane=OUTLINE_PANE if tiles is not None else None).add_to(m)
    geometries, points = boundary_geometries(boundary_geojson)
    if geometries:
        _Boundary(geometries, BOUNDARY_STYLE).add_to(m)

    if cluster:
        if not assets.cluster_js:
            raise ValueError("a clustered marker map needs assets.cluster_js")
        layer = MarkerCluster(name=escape(markers_name), showCoverageOnHover=False, maxClusterRadius=CLUSTER_RADIUS)
        layer.default_js = [("markerclusterjs", assets.cluster_js)]  # not folium's CDN copies
        layer.default_css = [(f"markerclustercss{n}", url) for n, url in enumerate(assets.cluster_css)]
        js.append(assets.cluster_js)
        css += list(assets.cluster_css)
    else:
        layer = folium.FeatureGroup(name=escape(markers_name))
    layer.add_to(m)
    largest = max((float(marker.size_value) for marker in markers), default=0.0)
    rows = [[round(float(marker.lat), 6), round(float(marker.lon), 6),
             _radius(float(marker.size_value), largest, MARKER_MIN_RADIUS, MARKER_MAX_RADIUS),
             index[marker.colour_key],
             escape(marker.title), [escape(line) for line in marker.lines], escape(marker.link_url or ""),
             escape(marker.link_text or marker.title), marker.key] for marker in markers]
    _Markers([hex_colour for hex_colour, _label in colours.values()], rows, key_option).add_to(layer)
    points += [(float(marker.lat), float(marker.lon)) for marker in markers]

    if circles:
        group = folium.FeatureGroup(name=escape(circles_name))
        points += _add_circles(group, circles)
        group.add_to(m)
        folium.LayerControl(collapsed=True).add_to(m)  # a phone-sized map keeps its room; the toggle is 44 px
    _fit(m, points)
    caption = f"{escape(title)}{_legend(colours, circles_name if circles else None, notes)}"
    return _render(m, caption, css, js)
