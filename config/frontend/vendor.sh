#!/bin/sh
# Rebuild leadpath's copy of the NHS.UK design system (lti_tool/static/nhsuk/) from npm.
#
#   config/frontend/vendor.sh
#
# Installs the versions pinned in config/frontend/package-lock.json (nhsuk-frontend and the
# Sass compiler) into config/frontend/node_modules, compiles the stylesheet without the
# Frutiger @font-face rules (those fonts come from assets.nhs.uk, a CDN we do not use), and
# copies the JavaScript and the icons. The NHS logo, favicons and touch icons are not copied:
# the NHS identity is reserved for NHS organisations. Keep nhsuk-frontend-jinja (pyproject.toml)
# at the release matching this nhsuk-frontend version.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../lti_tool/static/nhsuk"
npm ci --silent --no-audit --no-fund --prefix "$here"
dist="$here/node_modules/nhsuk-frontend/dist/nhsuk"
version=$(node -p "require('$here/node_modules/nhsuk-frontend/package.json').version")
rm -rf "$out"
mkdir -p "$out/images"
"$here/node_modules/.bin/sass" --no-source-map --style=compressed \
  --load-path="$here/node_modules" "$here/leadpath-nhsuk.scss" "$out/nhsuk-frontend.min.css"
# The module build without its source map comment (the map is not shipped).
sed 's|//# sourceMappingURL=.*$||' "$dist/nhsuk-frontend.min.js" > "$out/nhsuk-frontend.min.js"
for icon in "$dist"/assets/images/nhsuk-icon-*.svg; do
  case "$(basename "$icon")" in nhsuk-icon-mask.svg) continue ;; esac
  cp "$icon" "$out/images/"
done
licence=$(node -p "require('$here/node_modules/nhsuk-frontend/package.json').license")
printf 'nhsuk-frontend %s (npm, %s licence, https://github.com/nhsuk/nhsuk-frontend),\ncompiled by config/frontend/vendor.sh\n' "$version" "$licence" > "$out/VERSION"
if grep -q "assets.nhs.uk\|https://" "$out/nhsuk-frontend.min.css"; then
  echo "the compiled stylesheet still refers to another site" >&2
  exit 1
fi
echo "vendored nhsuk-frontend $version into $out"
