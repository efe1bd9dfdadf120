#!/usr/bin/env bash
# The README's test command (after `npm ci`): installs the Debian packages the tests drive for
# real (GnuPG, poppler, qpdf, Dovecot, PostgreSQL, Chromium), then typechecks and runs every test. Nothing is skipped:
# a missing package is installed, or the run fails loudly.
set -euo pipefail
cd "$(dirname "$0")/.."

# command -> Debian package
declare -A NEEDED=(
  [gpg]=gnupg
  [pdftotext]=poppler-utils
  [pdfinfo]=poppler-utils
  [qpdf]=qpdf
  [xmllint]=libxml2-utils # the dispatching digests checked against their XSD
  [dovecot]=dovecot-imapd
  [/usr/lib/dovecot/lmtp]=dovecot-lmtpd
  [openssl]=openssl   # the IMAPS test's self-signed certificate
  [faketime]=faketime # npm run check:dates: the suite at a month's and a year's end
  [/usr/lib/postgresql/15/bin/initdb]=postgresql # the registry on PostgreSQL (a throw-away cluster per test file)
  [/usr/bin/chromium]=chromium # the web console's browser test (puppeteer-core drives it)
)
missing=()
for cmd in "${!NEEDED[@]}"; do
  if [[ "$cmd" == /* ]]; then [[ -e "$cmd" ]] || missing+=("${NEEDED[$cmd]}")
  else command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEEDED[$cmd]}"); fi
done
if ((${#missing[@]} > 0)); then
  packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [[ $(id -u) -ne 0 ]]; then
    echo "check: missing Debian packages: $packages— run this script as root (it installs them with apt-get)" >&2
    exit 1
  fi
  echo "check: installing $packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $packages >/dev/null
fi

npx tsc -p tsconfig.json --noEmit
npm run build --silent   # CLI tests drive bin/sne-gateway, which runs dist/
npx vitest run "$@"
