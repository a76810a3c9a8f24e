#!/usr/bin/env bash
# Build the collection's docs site (antsibull-docs + Sphinx with the Ansible theme), fail on any Sphinx
# warning but an unreachable intersphinx inventory, then open every module page and guide page in
# headless Chromium and check what they show (scripts/docs_site.py check). Run scripts/setup.sh first.
#
#   bash scripts/docs.sh          build, check, and refresh docs/screenshot-softlayer_cert_order.png
#   bash scripts/docs.sh --test   the same, with the screenshot kept in the work dir (scripts/test.sh)
#
# The site lands in $WORK/docsite/build/html (open collections/certops/orders/index.html).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
SHOT="$ROOT/docs/screenshot-softlayer_cert_order.png"
case "${1:-}" in
  '') ;;
  --test) SHOT="$WORK/docsite/screenshot-softlayer_cert_order.png" ;;
  *) echo "usage: bash scripts/docs.sh [--test]" >&2; exit 2 ;;
esac
[ -x .venv/bin/sphinx-build ] || { echo "docs: no sphinx-build in .venv: run scripts/setup.sh first" >&2; exit 1; }
source .venv/bin/activate
ansible_env
# a staged copy of its own, so that the site never sees what other steps put into $COLL
STAGE="$WORK/docs-stage"
COLL="$STAGE/ansible_collections/certops/orders"
export ANSIBLE_COLLECTIONS_PATH="$STAGE"
SITE="$WORK/docsite"

phase() { echo "--- $1 ($(( $(date +%s) - T0 ))s so far)"; }
T0=$(date +%s)

build() {
  stage_collection || return 1
  rm -rf "$SITE" && mkdir -p -m 700 "$SITE" || return 1   # antsibull-docs wants it writable by its owner only
  antsibull-docs sphinx-init --use-current --dest-dir "$SITE" --fail-on-error \
    --project certops.orders --title "certops.orders" --html-short-title "certops.orders" \
    certops.orders >"$SITE/init.log" 2>&1 || { cat "$SITE/init.log"; return 1; }
  # offline, the generated conf.py falls back to ../ansible_devel.inv for the Ansible docs' labels
  python scripts/docs_site.py inventory "$SITE/ansible_devel.inv" || return 1
  (cd "$SITE" && mkdir -p -m 700 rst &&
    antsibull-docs --config-file antsibull-docs.cfg collection --cleanup everything --use-current \
      --fail-on-error --dest-dir rst certops.orders) >"$SITE/collection.log" 2>&1 ||
    { cat "$SITE/collection.log"; return 1; }
  # without -W, so that the warnings are listed whole and filtered below
  (cd "$SITE" && sphinx-build -M html rst build -c . -q -w warnings.log) >"$SITE/sphinx.log" 2>&1 ||
    { cat "$SITE/sphinx.log"; return 1; }
  python scripts/docs_site.py warnings "$SITE/warnings.log"
}

phase "build the site in $SITE"
build || { echo "docs: the site did not build cleanly"; exit 1; }
phase "look at the pages in headless Chromium"
python scripts/docs_site.py check "$SITE/build/html" --screenshot "$SHOT" || { echo "docs: the pages did not show what they document"; exit 1; }
phase "done: $SITE/build/html/collections/certops/orders/index.html"
