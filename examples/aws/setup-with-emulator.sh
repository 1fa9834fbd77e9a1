#!/usr/bin/env bash
# docs/aws.md "Set up Roles Anywhere, step by step" as a script, against the local emulator:
# CA → register → enroll → credentials → revoke → refused. Run from a checkout after `npm run build`.
# Ports: RA_PORT (default 8088) and CA_PORT (default 8443). Everything lives in a temp dir.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
rapki() { node "$ROOT/bin/rapki.cjs" "$@"; }
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
cd "$WORK"
# wait_for_line FILE TEXT PID: returns once FILE has a line with TEXT; if process PID ends first
# (a taken port, say), or 30 s pass, it prints FILE and fails. (As in README.md and docs/aws.md.)
wait_for_line() {
  for _ in $(seq 150); do
    if grep -q -- "$2" "$1" 2> /dev/null; then return 0; fi
    if ! kill -0 "$3" 2> /dev/null; then echo "process $3 ended before printing '$2':" >&2; cat "$1" >&2; return 1; fi
    sleep 0.2
  done
  echo "no '$2' in $1 after 30 s:" >&2; cat "$1" >&2; return 1
}

# 0. Roles Anywhere + STS stand-in; fake AWS keys (the emulator accepts any).
node "$ROOT/bin/rapki.cjs" emulator --listen "127.0.0.1:${RA_PORT:-8088}" --state "$WORK/emulator.json" --quiet > emulator.out 2>&1 &
PIDS+=($!)
wait_for_line emulator.out 'listening on' "$!"
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=example-secret AWS_REGION=us-east-1
export RA_ENDPOINT="http://127.0.0.1:${RA_PORT:-8088}"

# 1. The CA.
export RAPKI_CA_PASSPHRASE=change-me
rapki ca init --dir ./my-ca --json > ca-init.json
export RAPKI_ADMIN_TOKEN=$(node -pe 'require("./ca-init.json").adminToken')
export RAPKI_CA_FINGERPRINT=$(node -pe 'require("./ca-init.json").fingerprint')
export RAPKI_CA_URL="https://127.0.0.1:${CA_PORT:-8443}"
node "$ROOT/bin/rapki.cjs" ca serve --dir ./my-ca --listen "127.0.0.1:${CA_PORT:-8443}" > ca-serve.out 2>&1 &
PIDS+=($!)
wait_for_line ca-serve.out 'listening on' "$!"

# 2. Register with Roles Anywhere (and keep the CRL in sync).
ROLE=arn:aws:iam::123456789012:role/web
rapki aws register --endpoint "$RA_ENDPOINT" --role-arn "$ROLE" --cert-dir "$WORK/host" --json > register.json
TA=$(node -pe 'require("./register.json").trustAnchorArn')
PROFILE=$(node -pe 'require("./register.json").profileArn')
echo "trust anchor: $TA"
echo "profile:      $PROFILE"

# 3. A host enrolls.
RAPKI_ENROLL_TOKEN=$(rapki token create --subject web-1 2>/dev/null) \
  rapki enroll --ca-url "$RAPKI_CA_URL" --ca-fingerprint "$RAPKI_CA_FINGERPRINT" --out ./host

# 4. Credentials, as the credential_process line of the printed ~/.aws/config snippet runs them.
creds() {
  rapki credential-process --no-cache --certificate host/certificate.pem --private-key host/private-key.pem \
    --trust-anchor-arn "$TA" --profile-arn "$PROFILE" --role-arn "$ROLE" --region us-east-1 --endpoint "$RA_ENDPOINT"
}
creds | node -pe '"credentials until " + JSON.parse(require("fs").readFileSync(0)).Expiration'

# 5. Revoke; no manual push. Within a few seconds CreateSession refuses the certificate.
rapki cert revoke "$(openssl x509 -in host/certificate.pem -noout -serial | cut -d= -f2)"
for i in $(seq 25); do
  if ! creds > /dev/null 2> refused.txt; then echo "refused after revocation: $(cat refused.txt)"; break; fi
  sleep 0.2
done
rapki aws status --endpoint "$RA_ENDPOINT"
