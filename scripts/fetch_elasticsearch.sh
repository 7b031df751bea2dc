#!/usr/bin/env bash
# Fetch the Elasticsearch integ-test-zip distribution (what Elastic's own plugin tests run) from
# Maven Central with `mvn dependency:copy`, unpack it once into the user's cache, print its home.
#
#   scripts/fetch_elasticsearch.sh            # -> prints .../elasticsearch-<ver> on stdout
#   GROUNDSWELL_ES_VERSION=9.2.0 scripts/fetch_elasticsearch.sh
#
# Idempotent: a second run finds the unpacked tree and returns at once, with no network.
# The version is pinned to match the `elasticsearch` 9.x Python client in requirements.txt;
# the integ-test-zip has no bundled JDK, so tests run it with a JDK >= 21 (see tests/es_node.py).
set -euo pipefail

VERSION="${GROUNDSWELL_ES_VERSION:-9.5.4}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/groundswell/elasticsearch"
HOME_DIR="$CACHE/elasticsearch-$VERSION"
ZIP="$CACHE/elasticsearch-$VERSION.zip"

if [[ -x "$HOME_DIR/bin/elasticsearch" && -f "$HOME_DIR/.groundswell-unpacked" ]]; then
  echo "$HOME_DIR"
  exit 0
fi

mkdir -p "$CACHE"
# A zip cut short (an interrupted download, a full disk) would fail every later run: check it, fetch again.
if [[ -s "$ZIP" ]] && ! python3 -c 'import sys, zipfile; sys.exit(zipfile.ZipFile(sys.argv[1]).testzip() is not None)' "$ZIP" 2>/dev/null; then
  echo "the cached $ZIP is damaged; fetching it again" >&2
  rm -f "$ZIP"
fi
if [[ ! -s "$ZIP" ]]; then
  command -v mvn >/dev/null || { echo "mvn is not installed: apt-get install maven (or set GROUNDSWELL_ES_URL)" >&2; exit 1; }
  # -B: batch mode, -q: quiet; output goes to stderr so stdout stays just the path.
  mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$VERSION:zip" \
    -DoutputDirectory="$CACHE" -Dmdep.overWriteIfNewer=true >&2
fi

# Unpack into a temp dir and rename, so an interrupted unzip never looks like a finished one.
TMP="$(mktemp -d "$CACHE/.unpack.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
if command -v unzip >/dev/null; then
  unzip -q "$ZIP" -d "$TMP"
else
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$ZIP" "$TMP"
fi
chmod +x "$TMP/elasticsearch-$VERSION"/bin/* 2>/dev/null || true
rm -rf "$HOME_DIR"
mv "$TMP/elasticsearch-$VERSION" "$HOME_DIR"
touch "$HOME_DIR/.groundswell-unpacked"
echo "$HOME_DIR"
