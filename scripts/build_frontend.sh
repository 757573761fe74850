#!/usr/bin/env bash
# Build the front end: GOV.UK Frontend's Sass compiled with Arial (never GDS
# Transport) into static/css/app.css, GOV.UK Frontend's JavaScript, the
# barcode-detector ponyfill with its ZXing WebAssembly (camera scanning on the
# check-in desk), and axe-core for the browser tests. The output is committed, so running the
# service never needs Node. Run from anywhere: bash scripts/build_frontend.sh
set -euo pipefail

cd "$(dirname "$0")/.."

if [[ -f package-lock.json ]]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

govuk=node_modules/govuk-frontend/dist/govuk
vendor=static/vendor/govuk-frontend

# --- CSS ------------------------------------------------------------------------
mkdir -p static/css
npx --no-install sass \
  --style=compressed \
  --no-source-map \
  --load-path=node_modules \
  --quiet-deps \
  static/scss/app.scss static/css/app.css

fail() {
  echo "build_frontend: $*" >&2
  exit 1
}
if grep -q "GDS Transport" static/css/app.css; then
  fail "static/css/app.css mentions GDS Transport: it must use Arial only"
fi
if grep -q "@font-face" static/css/app.css; then
  fail "static/css/app.css has an @font-face rule: no web fonts are served"
fi
# Every url() must name a file under static/ (Django's
# ManifestStaticFilesStorage fails collectstatic on a missing one), and the
# crest and crown images are never shipped: see static/scss/_url-handlers.scss.
for ref in $(grep -o 'url("\?[^")]*' static/css/app.css | sed 's#^url("\?##' | sort -u); do
  case "$ref" in
    data:*) ;;
    /static/*) [[ -f "${ref#/}" ]] || fail "app.css refers to $ref, which is not in static/" ;;
    *) fail "app.css refers to $ref, outside /static/" ;;
  esac
done

# --- JavaScript -------------------------------------------------------------------
# No images or fonts are copied: the CSS needs none (see the check above).
rm -rf "$vendor"
mkdir -p "$vendor"
# The source map is not shipped (216 kB), so drop the comment that points to it.
sed 's#//\# sourceMappingURL=[^ ]*$##' "$govuk/govuk-frontend.min.js" \
  > "$vendor/govuk-frontend.min.js"
node -e '
  const p = require("./node_modules/govuk-frontend/package.json");
  console.log(`govuk-frontend ${p.version} (${p.license} licence), copied from npm by scripts/build_frontend.sh. Do not edit.`);
' > "$vendor/README.txt"

# --- barcode-detector: camera scanning on the check-in desk -----------------------
# The ES module build and the reader's WebAssembly, served by us: the package
# fetches the .wasm from a CDN unless told otherwise (static/js/checkin-desk.js
# points it here with prepareZXingModule). The files are copied unchanged.
bd=static/js/vendor/barcode-detector
rm -rf "$bd"
mkdir -p "$bd"
cp node_modules/barcode-detector/dist/es/ponyfill.js \
   node_modules/barcode-detector/dist/es/zxing-exported.js "$bd/"
cp node_modules/zxing-wasm/dist/reader/zxing_reader.wasm "$bd/"
cp node_modules/barcode-detector/LICENSE "$bd/LICENSE-barcode-detector.txt"
cp node_modules/zxing-wasm/LICENSE "$bd/LICENSE-zxing-wasm.txt"
# The glue code and the .wasm must come from the same zxing-wasm release: the
# bundle names the hash of the .wasm it was built for.
node -e '
  const fs = require("fs");
  const crypto = require("crypto");
  const bundle = fs.readFileSync(process.argv[1], "utf8");
  const wasm = fs.readFileSync(process.argv[2]);
  const hash = crypto.createHash("sha256").update(wasm).digest("hex");
  if (!bundle.includes(`"${hash}"`)) {
    console.error(`build_frontend: zxing_reader.wasm (sha256 ${hash}) is not the one barcode-detector was built for`);
    process.exit(1);
  }
  const bd = require("./node_modules/barcode-detector/package.json");
  const zw = require("./node_modules/zxing-wasm/package.json");
  console.log(`barcode-detector ${bd.version} (${bd.license} licence) and zxing-wasm ${zw.version} (${zw.license} licence; ZXing C++ inside the .wasm is Apache-2.0), copied from npm by scripts/build_frontend.sh. Do not edit.`);
' "$bd/zxing-exported.js" "$bd/zxing_reader.wasm" > "$bd/README.txt"

# --- axe-core for the browser tests ----------------------------------------------
mkdir -p tests/e2e/vendor
cp node_modules/axe-core/axe.min.js tests/e2e/vendor/axe.min.js

echo "Built static/css/app.css ($(wc -c < static/css/app.css) bytes)," \
  "$vendor/govuk-frontend.min.js, $bd/ and tests/e2e/vendor/axe.min.js"
