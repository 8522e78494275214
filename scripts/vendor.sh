#!/usr/bin/env bash
# Reproduces static/vendor/ from the npm registry: pinned versions, nothing else fetched.
# Run through `make vendor`.
set -euo pipefail
HTMX=2.0.11
HTMX_WS=2.0.4
PICO=2.1.1
dest=static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@$HTMX" "htmx-ext-ws@$HTMX_WS" "@picocss/pico@$PICO" >/dev/null)
mkdir -p "$dest"
for tgz in "$work"/*.tgz; do tar -xzf "$tgz" -C "$work" && mv "$work/package" "$work/$(basename "$tgz" .tgz)"; done
cp "$work/htmx.org-$HTMX/dist/htmx.min.js" "$dest/htmx.min.js"
cp "$work/htmx-ext-ws-$HTMX_WS/dist/ws.min.js" "$dest/htmx-ext-ws.min.js" 2>/dev/null \
  || cp "$work/htmx-ext-ws-$HTMX_WS/ws.js" "$dest/htmx-ext-ws.js"
cp "$work/picocss-pico-$PICO/css/pico.min.css" "$dest/pico.min.css"
cat > "$dest/VERSIONS" <<VERSIONS
htmx.org $HTMX
htmx-ext-ws $HTMX_WS
@picocss/pico $PICO
(made by scripts/vendor.sh, run with \`make vendor\`)
VERSIONS
echo "vendored into $dest:"; ls -1 "$dest"
