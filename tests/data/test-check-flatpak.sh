#!/usr/bin/env bash
# The manifest checker itself must catch what it is there for: each case
# copies the real manifests into a temporary tree, breaks one thing, and
# expects check-flatpak.py to fail naming it.
#   usage: test-check-flatpak.sh CHECKER SOURCE_ROOT DESKTOP_FILE
set -uo pipefail
checker=${1:?usage: test-check-flatpak.sh CHECKER SOURCE_ROOT DESKTOP_FILE}
top=${2:?}
desktop=${3:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "TAP version 13"
echo "1..9"
n=0 failed=0
rel=io.github.pharmatrack.Desktop.json
dev=io.github.pharmatrack.Desktop.Devel.json

fresh() {
  rm -rf "$tmp/t"
  mkdir -p "$tmp/t/flatpak"
  cp "$top"/flatpak/*.json "$top/flatpak/installed-files.txt" "$tmp/t/flatpak/"
  cp "$top/meson_options.txt" "$tmp/t/"
}

# edit PYTHON_STATEMENTS — runs them on both manifests, as `m`
edit() {
  /usr/bin/python3 - "$1" "$tmp/t/flatpak/$rel" "$tmp/t/flatpak/$dev" <<'EOF'
import json, sys
code = sys.argv[1]
for path in sys.argv[2:]:
    with open(path) as f:
        m = json.load(f)
    mod = {x['name']: x for x in m['modules']}
    exec(code)
    with open(path, 'w') as f:
        json.dump(m, f, indent=2)
EOF
}

# case NAME EXPECTED_STATUS EXPECTED_MESSAGE
case_() {
  local name=$1 want=$2 msg=$3 out status
  n=$((n + 1))
  out=$(/usr/bin/python3 "$checker" "$tmp/t" io.github.pharmatrack.Desktop pharmatrack "$desktop" 2>&1)
  status=$?
  if [[ $status -eq $want && "$out" == *"$msg"* ]]; then
    echo "ok $n - /data/flatpak-checker/$name"
  else
    echo "not ok $n - /data/flatpak-checker/$name (status $status, wanted $want and '$msg')"
    sed 's/^/# /' <<<"$out"
    failed=1
  fi
}

fresh
case_ the-real-manifests-pass 0 "ok 8 - /data/flatpak/libmongocrypt-before-mongo-c-driver"

fresh
edit "o = mod['mongo-c-driver']['config-opts']; o[o.index('-DENABLE_CLIENT_SIDE_ENCRYPTION=ON')] = '-DENABLE_CLIENT_SIDE_ENCRYPTION=OFF'"
case_ csfle-off-fails 1 "mongo-c-driver lacks -DENABLE_CLIENT_SIDE_ENCRYPTION=ON"

fresh
edit "m['modules'].remove(mod['libmongocrypt']); m['modules'].insert(-1, mod['libmongocrypt'])"
case_ libmongocrypt-after-mongo-c-driver-fails 1 "libbson, libmongocrypt, mongo-c-driver needed"

fresh
edit "del mod['libmongocrypt']['sources'][0]['sha256']"
case_ archive-without-sha256-fails 1 "libmongocrypt: archive source without a sha256"

fresh
edit "mod['libmongocrypt']['config-opts'].remove('-DBUILD_TESTING=OFF')"
case_ libmongocrypt-tests-on-fails 1 "libmongocrypt lacks -DBUILD_TESTING=OFF"

fresh
edit "s = mod['libmongocrypt']['sources'][0]; s['url'] = s['url'].replace('1.7.4', '1.8.0')"
case_ libmongocrypt-version-mismatch-fails 1 "libmongocrypt lacks -DBUILD_VERSION=1.8.0"

fresh
edit "mod['libbson']['sources'][0]['url'] = mod['libbson']['sources'][0]['url'].replace('1.23.3', '1.23.2')"
case_ libbson-of-another-release-fails 1 "libbson is not built from the same release archive"

fresh
edit "mod['pharmatrack']['sources'][0].pop('commit', None)"
case_ git-source-without-commit-fails 1 "git source without a full commit id"

# A checkout whose history lacks the pinned commit.
fresh
git -C "$tmp/t" init -q && git -C "$tmp/t" add -A &&
  git -C "$tmp/t" -c user.name=t -c user.email=t@example.org commit -qm t
case_ commit-not-in-history-fails 1 "is not in this repository"

exit $failed
