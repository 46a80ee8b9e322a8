#!/usr/bin/env bash
# Vendor htmx from the npm registry's htmx.org package into static/, pinned. Run to upgrade, then
# update the script tag in templates/base.html and the checksum below.
#   2.0.11  sha256 d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717
set -euo pipefail
version="${1:-2.0.11}"
work=$(mktemp -d)
(cd "$work" && npm pack "htmx.org@${version}" --silent >/dev/null && tar xzf "htmx.org-${version}.tgz")
cp "$work/package/dist/htmx.min.js" "$(dirname "$0")/../static/htmx-${version}.min.js"
sha256sum "$(dirname "$0")/../static/htmx-${version}.min.js"
rm -rf "$work"
