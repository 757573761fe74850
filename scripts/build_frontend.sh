#!/usr/bin/env bash
# Build the front end: GOV.UK Frontend's Sass compiled with Arial (never GDS
# Transport) into static/css/app.css, GOV.UK Frontend's JavaScript, and
# axe-core for the browser tests. The output is committed, so running the
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

# --- axe-core for the browser tests ----------------------------------------------
mkdir -p tests/e2e/vendor
cp node_modules/axe-core/axe.min.js tests/e2e/vendor/axe.min.js

echo "Built static/css/app.css ($(wc -c < static/css/app.css) bytes)," \
  "$vendor/govuk-frontend.min.js and tests/e2e/vendor/axe.min.js"
