#!/usr/bin/env bash
# Validates the built (translated) desktop entry: desktop-file-validate must
# report no error and no warning, and the entry must launch the installed
# command with the app's icon.
#   usage: validate-desktop.sh DESKTOP_FILE APP_ID COMMAND
set -uo pipefail
file=${1:?usage: validate-desktop.sh DESKTOP_FILE APP_ID COMMAND}
app_id=${2:?}
command=${3:?}
status=0

out=$(desktop-file-validate "$file" 2>&1) || status=1
# Accepted hint: desktop-file-validate suggests adding Education or Science
# next to MedicalSoftware.  PharmaTrack is a pharmacy's business tool, not
# science or teaching software; Office is its main category.
unexpected=$(grep -v -E 'hint: value item "MedicalSoftware" in key "Categories" .*(Education|Science)' <<<"$out" | sed '/^$/d')
if [[ -n "$unexpected" ]]; then
  echo "desktop-file-validate:" >&2
  echo "$unexpected" >&2
  status=1
fi

expect() {  # KEY VALUE
  local got
  got=$(grep -m1 -E "^$1=" "$file" | cut -d= -f2-)
  if [[ "$got" != "$2" ]]; then
    echo "$(basename "$file"): $1 is '$got', expected '$2'" >&2
    status=1
  fi
}
expect Name PharmaTrack
expect GenericName "Pharmacy Management"
expect Exec "$command"
expect Icon "$app_id"
expect Categories "Office;MedicalSoftware;"
expect StartupNotify true
expect Type Application

if [[ "$(basename "$file")" != "$app_id.desktop" ]]; then
  echo "desktop file is named $(basename "$file"), expected $app_id.desktop" >&2
  status=1
fi
keywords=$(grep -m1 '^Keywords=' "$file")
for k in pharmacy dispensing inventory prescription; do
  [[ "$keywords" == *"$k;"* ]] || { echo "Keywords lack '$k'" >&2; status=1; }
done

((status == 0)) && echo "$(basename "$file") is valid"
exit $status
