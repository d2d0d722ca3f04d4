"""cpplan.maps: one escaping function, local assets only, parts for our own pages."""
from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import pytest
from flask import render_template_string

from cpplan.maps import Assets, Circle, MapParts, circle_map, escape

ROOT = Path(__file__).resolve().parent.parent
ASSETS = Assets(leaflet_js="/static/vendor/leaflet/leaflet.js",
                leaflet_css="/static/vendor/leaflet/leaflet.css",
                outline="/static/vendor/kyrgyzstan.geojson")
CENTER = (41.5, 74.5)
EVIL = "</script><script>alert(1)</script> ${alert(1)} `x` \\u0060"


def build(circles=(), **kw) -> MapParts:
    options = dict(center=CENTER, zoom=6, assets=ASSETS, title="Карта")
    options.update(kw)
    return circle_map(list(circles), **options)


def everything(parts: MapParts) -> str:
    return "\n".join([*parts.css, *parts.js, str(parts.html), parts.script])


@pytest.mark.parametrize("char, entity", [
    ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;"),
    ("`", "&#96;"), ("$", "&#36;"), ("\\", "&#92;"),
])
def test_escape_each_character(char, entity):
    assert escape(f"a{char}b") == f"a{entity}b"


def test_escape_script_and_template_literal_attempts():
    assert escape("</script><script>alert(1)</script>") == "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape("${alert(1)}") == "&#36;{alert(1)}"
    assert escape("`;alert(1);`") == "&#96;;alert(1);&#96;"
    assert escape("a\\`b") == "a&#92;&#96;b"


def test_escape_leaves_plain_text_and_kyrgyz_letters():
    assert escape("Борбор: 12 — ң ө ү") == "Борбор: 12 — ң ө ү"
    assert escape(None) == ""
    assert escape(7) == "7"
    assert escape("&amp;") == "&amp;amp;"  # escaped once more, never trusted


def test_parts_have_no_remote_url_and_only_local_leaflet():
    parts = build([Circle(42.87, 74.59, 12, "Борбор: 12"), Circle(40.53, 72.8, 3, "Ош: 3")])
    text = everything(parts)
    assert "http://" not in text and "https://" not in text
    assert parts.css == [ASSETS.leaflet_css]
    assert parts.js == [ASSETS.leaflet_js]
    lowered = text.lower()
    for name in ("jquery", "bootstrap", "awesome", "fontawesome", "glyphicons", "cdn", "tile", "$("):
        assert name not in lowered, name
    assert f'fetch("{ASSETS.outline}"' in parts.script
    assert "<script" not in parts.script and "<style" not in parts.script
    assert "L.circleMarker" in parts.script and "fitBounds" in parts.script


def test_map_is_zoomable_and_labelled():
    parts = build([Circle(42.87, 74.59, 12, "Борбор: 12")], title='Reports <by> "area"')
    assert '"zoomControl": true' in parts.script
    assert '"scrollWheelZoom": true' in parts.script and '"touchZoom": true' in parts.script
    for locked in ('"zoomControl": false', '"scrollWheelZoom": false', '"dragging": false', "user-scalable"):
        assert locked not in parts.script
    html = str(parts.html)
    assert re.fullmatch(r'<figure class="map-figure"><div class="map" id="map_[0-9a-f]+"></div>'
                        r'<figcaption>Reports &lt;by&gt; &quot;area&quot;</figcaption></figure>', html)
    map_id = re.search(r'id="(map_[0-9a-f]+)"', html).group(1)
    assert re.search(rf'L\.map\(\s*"{map_id}"', parts.script)
    assert "style=" not in html


def test_malicious_label_appears_only_escaped():
    parts = build([Circle(42.87, 74.59, 5, EVIL)], title=EVIL)
    text = everything(parts)
    assert "</script>" not in text and "<script>" not in text
    assert "${" not in text and "`x`" not in text and "\\u0060" not in text
    assert "alert(1)" in text  # still there, as text
    escaped = escape(EVIL)
    assert parts.script.count(escaped) == 2  # tooltip and popup
    assert escaped in str(parts.html)
    # Every backtick left in the script is one of the template literals' own delimiters.
    assert parts.script.count("`") == 4


def test_radius_grows_with_the_square_root_of_count():
    parts = build([Circle(42.0, 74.0, 100, "a"), Circle(41.0, 73.0, 25, "b"), Circle(40.6, 72.9, 0, "c")])
    radii = [float(r) for r in re.findall(r'"radius": ([0-9.]+)', parts.script)]
    assert radii == [30.0, 18.0, 6.0]


def test_second_map_still_uses_only_local_assets():
    defaults = (list(folium.Map.default_js), list(folium.Map.default_css))
    first = build([Circle(42.87, 74.59, 1, "a")])
    other = Assets("/static/other/leaflet.js", "/static/other/leaflet.css", None)
    second = build([Circle(42.87, 74.59, 1, "a")], assets=other)
    third = build()
    assert (list(folium.Map.default_js), list(folium.Map.default_css)) == defaults
    assert first.js == [ASSETS.leaflet_js] and third.js == [ASSETS.leaflet_js]
    assert second.js == [other.leaflet_js] and second.css == [other.leaflet_css]
    assert "fetch(" not in second.script  # no outline asked for
    for parts in (first, second, third):
        assert "http://" not in everything(parts) and "https://" not in everything(parts)
    # A plain folium map rendered afterwards is folium's own business, but ours did not leak into it.
    assert ASSETS.leaflet_js not in folium.Map(tiles=None).get_root().render()


def test_zero_circles_renders_a_map_centred_at_center():
    parts = build([], center=(42.1, 75.2), zoom=7)
    assert "center: [42.1, 75.2]" in parts.script
    assert '"zoom": 7' in parts.script
    assert "circleMarker" not in parts.script and "fitBounds" not in parts.script
    assert 'class="map"' in str(parts.html)


def test_macro_renders_links_div_and_nonced_script(app):
    parts = build([Circle(42.87, 74.59, 12, EVIL)])
    with app.test_request_context("/"):
        from cpplan.web import csp_nonce

        html = render_template_string('{% from "_macros/map.html" import map %}{{ map(parts) }}', parts=parts)
        nonce = csp_nonce()
    assert f'<link rel="stylesheet" href="{ASSETS.leaflet_css}">' in html
    assert f'<script src="{ASSETS.leaflet_js}"></script>' in html
    assert f'<script nonce="{nonce}">' in html
    assert html.index(ASSETS.leaflet_js) < html.index(f'nonce="{nonce}"')
    assert html.count("<script") == 2 and html.count("</script>") == 2
    assert "https://" not in html and "http://" not in html


def test_vendored_files_exist_and_outline_is_small():
    vendor = ROOT / "static" / "vendor"
    for name in ("leaflet/leaflet.js", "leaflet/leaflet.css", "leaflet/LICENSE", "leaflet/images/layers.png",
                 "leaflet/images/marker-icon.png", "LICENSES.md"):
        assert (vendor / name).is_file(), name
    outline = vendor / "kyrgyzstan.geojson"
    assert outline.stat().st_size < 15_000
    data = json.loads(outline.read_text())
    assert [f["id"] for f in data["features"]] == ["417"]
    assert "sourceMappingURL" not in (vendor / "leaflet/leaflet.js").read_text()
