#!/usr/bin/env bash
# The suite again at a month's and a year's end, in Paris summer and winter time (issue 15): no
# test may depend on today's date, the time of day or the time zone. faketime moves every
# process's clock by a relative offset (an absolute one would restart the fake clock in each
# child process, and gpg would see keys made "later" by Node as made in the future).
# Run after `npm run check` (it installed faketime and built dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "check-dates: faketime missing: run npm run check first (as root)" >&2; exit 1; }
instants=("$@")
((${#instants[@]} > 0)) || instants=('2027-03-31 23:30:00' '2027-12-31 23:59:00')
for instant in "${instants[@]}"; do
  offset=$(( $(TZ=Europe/Paris date -d "$instant" +%s) - $(date +%s) ))
  shift=$(printf '%+ds' "$offset")
  echo "check-dates: the suite at $instant Europe/Paris (faketime $shift)"
  TZ=Europe/Paris faketime -f "$shift" npx vitest run
done
