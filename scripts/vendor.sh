#!/usr/bin/env bash
# Reproduce static/vendor/: Leaflet, Leaflet.markercluster, jQuery and Kyrgyzstan's outline, from npm only
# (no CDN at run time).
# Not run by CI: the results are committed. Needs node + npm and the npm registry.
#   scripts/vendor.sh            (RESOLUTION=50m by default; 110m is coarser, 10m is larger)
set -euo pipefail

LEAFLET_VERSION=1.9.4
MARKERCLUSTER_VERSION=1.5.3
JQUERY_VERSION=3.7.1
WORLD_ATLAS_VERSION=2.0.2
TOPOJSON_CLIENT_VERSION=3.1.0
RESOLUTION="${RESOLUTION:-50m}"

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "leaflet@$LEAFLET_VERSION" "leaflet.markercluster@$MARKERCLUSTER_VERSION" "jquery@$JQUERY_VERSION" \
  "world-atlas@$WORLD_ATLAS_VERSION" "topojson-client@$TOPOJSON_CLIENT_VERSION" >/dev/null
for tgz in *.tgz; do
  mkdir -p "${tgz%.tgz}"
  tar xzf "$tgz" -C "${tgz%.tgz}"
done

# Leaflet: the minified script, its stylesheet, images and licence.
leaflet="$work/leaflet-$LEAFLET_VERSION/package"
rm -rf "$vendor/leaflet"
mkdir -p "$vendor/leaflet/images"
cp "$leaflet/dist/leaflet.js" "$leaflet/dist/leaflet.css" "$leaflet/LICENSE" "$vendor/leaflet/"
cp "$leaflet/dist/images/"* "$vendor/leaflet/images/"
# leaflet.js ends with a sourceMappingURL comment; the map is not vendored, so drop the reference.
sed -i '/^\/\/# sourceMappingURL=/d' "$vendor/leaflet/leaflet.js"

# Leaflet.markercluster: the minified script (its source map reference dropped too), both stylesheets, licence.
cluster="$work/leaflet.markercluster-$MARKERCLUSTER_VERSION/package"
rm -rf "$vendor/leaflet.markercluster"
mkdir -p "$vendor/leaflet.markercluster"
cp "$cluster/dist/leaflet.markercluster.js" "$cluster/dist/MarkerCluster.css" "$cluster/dist/MarkerCluster.Default.css" \
  "$vendor/leaflet.markercluster/"
cp "$cluster/MIT-LICENCE.txt" "$vendor/leaflet.markercluster/LICENSE"
chmod 644 "$vendor/leaflet.markercluster/"*
sed -i '/^\/\/# sourceMappingURL=/d' "$vendor/leaflet.markercluster/leaflet.markercluster.js"

# jQuery: served locally should anything need it; no page of ours loads it.
rm -rf "$vendor/jquery"
mkdir -p "$vendor/jquery"
cp "$work/jquery-$JQUERY_VERSION/package/dist/jquery.min.js" "$vendor/jquery/"
cp "$work/jquery-$JQUERY_VERSION/package/LICENSE.txt" "$vendor/jquery/LICENSE"

# Kyrgyzstan (ISO 3166-1 numeric 417) from Natural Earth via world-atlas, as GeoJSON with 3 decimals.
cp "$work/world-atlas-$WORLD_ATLAS_VERSION/package/LICENSE" "$vendor/world-atlas.LICENSE"
TOPOJSON_CLIENT="$work/topojson-client-$TOPOJSON_CLIENT_VERSION/package/dist/topojson-client.js" \
ATLAS="$work/world-atlas-$WORLD_ATLAS_VERSION/package/countries-$RESOLUTION.json" \
OUT="$vendor/kyrgyzstan.geojson" RESOLUTION="$RESOLUTION" node <<'JS'
const fs = require("fs");
const topojson = require(process.env.TOPOJSON_CLIENT);
const atlas = JSON.parse(fs.readFileSync(process.env.ATLAS, "utf8"));
const geometry = atlas.objects.countries.geometries.find((g) => String(g.id) === "417");
if (!geometry) throw new Error("Kyrgyzstan (417) not found");
const feature = topojson.feature(atlas, geometry);
const round = (c) => (typeof c[0] === "number"
  ? [Math.round(c[0] * 1000) / 1000, Math.round(c[1] * 1000) / 1000]
  : c.map(round));
const out = {
  type: "FeatureCollection",
  features: [{
    type: "Feature",
    id: "417",
    properties: { name: "Kyrgyzstan", source: `Natural Earth ${process.env.RESOLUTION} via world-atlas` },
    geometry: { type: feature.geometry.type, coordinates: round(feature.geometry.coordinates) },
  }],
};
fs.writeFileSync(process.env.OUT, JSON.stringify(out) + "\n");
JS

cat > "$vendor/LICENSES.md" <<MD
# Vendored third-party files

Reproduce with \`scripts/vendor.sh\` (npm registry only). Everything here is served from
\`static/\`; nothing is loaded from a CDN. Map tiles are the one third-party request an operator
may configure (\`CPPLAN_TILES_URL\`: OpenStreetMap's by default, empty for none); the Kyrgyzstan
outline below is drawn under them and shows when they cannot load.

| File | npm package | Version | Licence |
|---|---|---|---|
| \`leaflet/leaflet.js\` | leaflet | $LEAFLET_VERSION | BSD-2-Clause (\`leaflet/LICENSE\`) |
| \`leaflet/leaflet.css\` | leaflet | $LEAFLET_VERSION | BSD-2-Clause (\`leaflet/LICENSE\`) |
| \`leaflet/images/*.png\` | leaflet | $LEAFLET_VERSION | BSD-2-Clause (\`leaflet/LICENSE\`) |
| \`leaflet/LICENSE\` | leaflet | $LEAFLET_VERSION | the licence text |
| \`leaflet.markercluster/leaflet.markercluster.js\` | leaflet.markercluster | $MARKERCLUSTER_VERSION | MIT (\`leaflet.markercluster/LICENSE\`) |
| \`leaflet.markercluster/MarkerCluster.css\` | leaflet.markercluster | $MARKERCLUSTER_VERSION | MIT (\`leaflet.markercluster/LICENSE\`) |
| \`leaflet.markercluster/MarkerCluster.Default.css\` | leaflet.markercluster | $MARKERCLUSTER_VERSION | MIT (\`leaflet.markercluster/LICENSE\`) |
| \`leaflet.markercluster/LICENSE\` | leaflet.markercluster | $MARKERCLUSTER_VERSION | the licence text (\`MIT-LICENCE.txt\`) |
| \`jquery/jquery.min.js\` | jquery | $JQUERY_VERSION | MIT (\`jquery/LICENSE\`); vendored, loaded by no page |
| \`jquery/LICENSE\` | jquery | $JQUERY_VERSION | the licence text (\`LICENSE.txt\`) |
| \`kyrgyzstan.geojson\` | world-atlas (\`countries-$RESOLUTION.json\`), converted with topojson-client $TOPOJSON_CLIENT_VERSION (ISC) at vendoring time | $WORLD_ATLAS_VERSION | data: Natural Earth, public domain; packaging: ISC (\`world-atlas.LICENSE\`) |
| \`world-atlas.LICENSE\` | world-atlas | $WORLD_ATLAS_VERSION | the licence text |

\`leaflet.js\` is the package's \`dist/leaflet.js\` with its \`//# sourceMappingURL\` line removed
(the source map is not vendored). \`kyrgyzstan.geojson\` keeps only Kyrgyzstan (ISO 3166-1
numeric 417), with coordinates rounded to 3 decimals.
\`leaflet.markercluster.js\` is the package's \`dist/leaflet.markercluster.js\`, its
\`//# sourceMappingURL\` line removed as well.

## Natural Earth

Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com.

Natural Earth data are in the public domain: "All versions of Natural Earth raster + vector map
data found on this website are in the public domain. You may use the maps in any manner,
including modifying the content and design, electronic dissemination, and offset printing. The
primary authors, Tom Patterson and Nathaniel Vaughn Kelso, and all other contributors renounce
all financial interest in the maps." (https://www.naturalearthdata.com/about/terms-of-use/)

The outline follows Natural Earth's de-facto boundaries at this scale; it is a backdrop for
orientation, not an authoritative border.

## world-atlas (ISC)

$(cat "$vendor/world-atlas.LICENSE")

## Leaflet (BSD-2-Clause)

$(cat "$vendor/leaflet/LICENSE")

## Leaflet.markercluster (MIT)

$(cat "$vendor/leaflet.markercluster/LICENSE")

## jQuery (MIT)

$(cat "$vendor/jquery/LICENSE")
MD

echo "vendored into $vendor:"
(cd "$vendor" && for f in leaflet/leaflet.js leaflet/leaflet.css leaflet.markercluster/leaflet.markercluster.js \
    kyrgyzstan.geojson; do
  printf '  %-46s %7d bytes, %6d gzipped\n' "$f" "$(wc -c <"$f")" "$(gzip -6 -c "$f" | wc -c)"
done)
