#!/usr/bin/env bash
# rapki end to end against the local Roles Anywhere + STS emulator (`npm run demo` runs this):
#
#   emulator → ca init → ca serve → aws register → token create → enroll → credential-process
#   → STS GetCallerIdentity with those credentials → cert revoke → credential-process refused
#
# Nothing touches AWS or your ~/.aws files: everything lives in a temporary directory that is
# removed at the end (KEEP=1 keeps it and prints where), and both servers listen on 127.0.0.1 on
# ports the kernel picks. Needs a checkout with `npm ci && npm run build` done.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RAPKI_JS="$ROOT/bin/rapki.cjs"
ROLE_ARN=${ROLE_ARN:-arn:aws:iam::123456789012:role/rapki-demo}
HOST_NAME=${HOST_NAME:-web-1}
WAIT_SECONDS=${WAIT_SECONDS:-30}

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'end-to-end: %s\n' "$*" >&2; exit 1; }
rapki() { node "$RAPKI_JS" "$@"; }
# json FILE EXPR: evaluates EXPR on the parsed JSON in FILE (as `j`), prints the result.
json() { node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); process.stdout.write(String(eval(process.argv[2])));' "$1" "$2"; }

[ -f "$ROOT/dist/cli.mjs" ] || die "dist/cli.mjs is missing: run \`npm run build\` first (or \`npm run demo\`)."
command -v node > /dev/null || die "node is not on PATH."

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rapki-demo.XXXXXX")
PIDS=()
cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2> /dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then
    echo "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  if [ "$status" -ne 0 ]; then echo "end-to-end: FAILED (exit $status)" >&2; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for_line FILE REGEX PID: waits (bounded) until FILE has a line matching REGEX; fails if PID died.
wait_for_line() {
  local file=$1 regex=$2 pid=$3 i
  for ((i = 0; i < WAIT_SECONDS * 10; i++)); do
    if grep -Eq "$regex" "$file" 2> /dev/null; then return 0; fi
    kill -0 "$pid" 2> /dev/null || { cat "$file" "${file%.out}.log" >&2 2> /dev/null || true; die "process $pid exited before printing /$regex/"; }
    sleep 0.1
  done
  die "timed out after ${WAIT_SECONDS}s waiting for /$regex/ in $file"
}

# Keep the demo away from the user's AWS configuration, IMDS and credential cache.
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
export XDG_RUNTIME_DIR="$WORK/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
# Control-plane credentials for `aws register` and the CA's CRL sync: the emulator accepts any key.
export AWS_ACCESS_KEY_ID=AKIDRAPKIDEMO0000000 AWS_SECRET_ACCESS_KEY=demo-only-secret-access-key AWS_REGION=us-east-1
cd "$WORK"

step "1. Start the Roles Anywhere + STS emulator"
# Servers run as direct children (not through the rapki function) so that $! is their own pid.
node "$RAPKI_JS" emulator --listen 127.0.0.1:0 --state "$WORK/emulator.json" > emulator.out 2> emulator.log &
PIDS+=($!)
wait_for_line emulator.out 'listening on http://' "$!"
RA_ENDPOINT=$(sed -nE 's/.*listening on (http:\/\/[^ ]+).*/\1/p' emulator.out | head -n1)
echo "emulator: $RA_ENDPOINT"

step "2. Create the CA (keys encrypted with a passphrase from the environment)"
RAPKI_CA_PASSPHRASE=$(node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))')
export RAPKI_CA_PASSPHRASE
(umask 077 && rapki ca init --dir "$WORK/ca" --json > ca-init.json)
RAPKI_ADMIN_TOKEN=$(json ca-init.json j.adminToken)
RAPKI_CA_FINGERPRINT=$(json ca-init.json j.fingerprint)
export RAPKI_ADMIN_TOKEN RAPKI_CA_FINGERPRINT
echo "root fingerprint: $RAPKI_CA_FINGERPRINT"

step "3. Serve the CA over HTTPS"
node "$RAPKI_JS" ca serve --dir "$WORK/ca" --listen 127.0.0.1:0 > ca.out 2> ca.log &
PIDS+=($!)
wait_for_line ca.out '^rapki ca listening on https://' "$!"
RAPKI_CA_URL=$(sed -nE 's/^rapki ca listening on (https:\/\/[^ ]+) .*/\1/p' ca.out | head -n1)
export RAPKI_CA_URL
echo "CA: $RAPKI_CA_URL"

step "4. Register the CA with Roles Anywhere (trust anchor, profile, CRL, CRL sync)"
rapki aws register --endpoint "$RA_ENDPOINT" --role-arn "$ROLE_ARN" --cert-dir "$WORK/host" --json > register.json
TRUST_ANCHOR_ARN=$(json register.json j.trustAnchorArn)
PROFILE_ARN=$(json register.json j.profileArn)
echo "trust anchor: $TRUST_ANCHOR_ARN"
echo "profile:      $PROFILE_ARN"
echo "role trust policy to attach to $ROLE_ARN:"
json register.json 'JSON.stringify(j.trustPolicy, null, 2)'
echo

step "5. Mint a one-time enrollment token for $HOST_NAME (kept in a 0600 file, not on a command line)"
(umask 077 && rapki token create --subject "$HOST_NAME" --ttl 15m > "$WORK/enroll-token")

step "6. Enroll the host: key made locally, CSR + token, certificate back"
rapki enroll --ca-url "$RAPKI_CA_URL" --ca-fingerprint "$RAPKI_CA_FINGERPRINT" --token-file "$WORK/enroll-token" --out "$WORK/host" --json > enroll.json
SERIAL=$(json enroll.json j.serial)
rm -f "$WORK/enroll-token"
ls -ld "$WORK/host" "$WORK/host"/*
echo "certificate serial: $SERIAL"

CREDS_ARGS=(--certificate "$WORK/host/certificate.pem" --private-key "$WORK/host/private-key.pem"
  --trust-anchor-arn "$TRUST_ANCHOR_ARN" --profile-arn "$PROFILE_ARN" --role-arn "$ROLE_ARN"
  --region us-east-1 --endpoint "$RA_ENDPOINT")

step "7. Get credentials, as credential_process in ~/.aws/config would"
(umask 077 && rapki credential-process "${CREDS_ARGS[@]}" > creds.json)
echo "AccessKeyId $(json creds.json j.AccessKeyId), expires $(json creds.json j.Expiration)"

step "8. Use them: STS GetCallerIdentity (AWS SDK for JavaScript v3)"
(cd "$ROOT" && node --no-warnings -e '
  const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
  const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const sts = new STSClient({ region: "us-east-1", endpoint: process.argv[2], maxAttempts: 1,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken } });
  sts.send(new GetCallerIdentityCommand({})).then((r) => console.log(`Account ${r.Account}\nArn     ${r.Arn}\nUserId  ${r.UserId}`))
    .catch((e) => { console.error(`GetCallerIdentity failed: ${e.name}: ${e.message}`); process.exit(1); });
' "$WORK/creds.json" "$RA_ENDPOINT") || die "STS refused the credentials (is @aws-sdk/client-sts installed? run npm ci)"
rm -f creds.json

step "9. Revoke the certificate: the CA rebuilds its CRL and pushes it to Roles Anywhere"
rapki cert revoke "$SERIAL" --reason keyCompromise

step "10. credential-process is now refused"
refused=""
for ((i = 0; i < WAIT_SECONDS * 5; i++)); do
  if ! rapki credential-process --no-cache "${CREDS_ARGS[@]}" > /dev/null 2> refused.txt; then
    refused=$(cat refused.txt)
    break
  fi
  sleep 0.2
done
[ -n "$refused" ] || die "credential-process still succeeded ${WAIT_SECONDS}s after the revocation"
echo "refused after $(awk "BEGIN { printf \"%.1f\", $i * 0.2 }") s: $refused"
grep -qi revoked refused.txt || die "refused, but not because of the revocation: $refused"

step "Done: enrolled, got credentials, used them, revoked, refused."
