#!/bin/sh
# The command line's walk (README.md, "The command line"): a provider, a client and a KTT
# voucher from registration to the financial system's e-invoice files, against a started
# platform (`make run`). Dates are relative to today (GNU date), the codes made up fresh, so it
# runs again on the same platform. SETELI names the binary; SETELI_*_URL and SETELI_DEV_KEYS,
# when set, where the services listen and the dev key (`seteli --help`).
set -eu
S=${SETELI:-target/debug/seteli}
OUT=${WALK_OUT:-data/walk}
TZ=Europe/Helsinki; export TZ                       # the services' today is Finland's
FROM=$(date -d "$(date +%Y-%m-01) -1 month" +%F)    # the first day of last month
MONTH=$(date -d "$FROM" +%Y-%m)                     # last month: closed, so it can be invoiced
day() { date -d "$FROM +$1 days" +%F; }             # a day of last month
mkdir -p "$OUT"

$S health                                           # every service's grpc.health

# A provider: its details from a file (flags work too: seteli provider register --help).
BID=$($S example business-id)                       # a made-up Y-tunnus, check digit and all
cat > "$OUT/provider.toml" <<EOF
name = "Esimerkki ry"
business_id = "$BID"
legal_form = "association"
iban = "FI21 1234 5600 0007 85"
bic = "NDEAFIHH"
soteri_classes = [2903]
contact = { name = "Maija Meikäläinen", email = "maija@esimerkki.fi", phone = "+358 40 123 4567" }
sites = [{ name = "Kuopion toimipiste", street_address = "Kauppakatu 1", postal_code = "70100", municipality = "Kuopio", at = [62.8924, 27.6770] }]
offerings = [{ service = "KTT_INDIVIDUAL", price = "60.00" }, { service = "SK_GROUP", price = "30.00", max_group_size = 8 }]
staff = [
  { name = "Sanna Sosionomi", qualification = "sosionomi", register_number = "JS-123456" },
  { name = "Olli Ohjaaja", qualification = "uas-social-or-health" },
]
documents = [
  { kind = "service-description", issued_on = "$(day 0)", file = "docs/palvelukuvaus.pdf" },
  { kind = "staff-form", issued_on = "$(day 0)", file = "docs/henkilostolomake.pdf" },
  { kind = "self-monitoring-plan", issued_on = "$(day 0)", file = "docs/omavalvonta.pdf" },
  { kind = "liability-insurance", issued_on = "$(day 0)", expires_on = "$(date -d '+1 year' +%F)", file = "docs/vastuuvakuutus.pdf" },
  { kind = "group-insurance", issued_on = "$(day 0)", expires_on = "$(date -d '+1 year' +%F)", file = "docs/ryhmavakuutus.pdf" },
  { kind = "tax-certificate", issued_on = "$(day 0)", expires_on = "$(date -d '+3 months' +%F)", file = "docs/verovelkatodistus.pdf" },
  { kind = "pension-insurance-certificate", issued_on = "$(day 0)", expires_on = "$(date -d '+3 months' +%F)", file = "docs/tyel.pdf" },
  { kind = "avi-licence-or-registration", issued_on = "$(day 0)", file = "docs/avi.pdf" },
]
EOF
P=$($S --id provider register --from-file "$OUT/provider.toml")  # registered and submitted
$S provider approve "$P"

# A client and a KTT voucher from the first day of last month, with the facts KTT asks for.
HETU=$($S example identity-code --born 1990-05-05)
C=$($S --id client add --name "Aino Asiakas" --identity-code "$HETU" \
   --municipality Kuopio --at 62.8924,27.6770 --phone "+358 40 765 4321")
V=$($S --id voucher issue --client "$C" --service KTT_INDIVIDUAL --units 30 --from "$FROM" \
   --activation-plan AS-2026-0042 --job-search-in-force --benefit labour-market-subsidy)
$S voucher choose "$V" --provider "$P"
$S voucher decline "$V" --provider "$P" --reason-kind no-place --reason "Ei vapaita aikoja."
$S voucher choose "$V" --provider "$P"              # chosen again: a place came free
$S voucher accept "$V" --provider "$P" --coach "Olli Ohjaaja"

# Last month's sessions: one held, one the client did not come to, a day of illness.
$S session record "$V" --provider "$P" --date "$(day 1)" --start 9:00 --end 11:00 \
   --modality on-site
N=$($S --id session record "$V" --provider "$P" --date "$(day 8)" --start 9:00 --end 11:00 \
   --modality on-site)
$S session cancel "$N" --provider "$P" --by client  # a no-show: the client did not come
$S absence record "$V" --provider "$P" --date "$(day 9)" --reason own-illness
$S session list "$V"                                # with the voucher number and the client
$S alert list --voucher "$V"                        # what attendance asks the provider to do

# Reports: the interim report written and submitted to the social worker.
$S report list --provider "$P" --wait 10            # once reporting follows the voucher
$S report write "$V/REP-INTERIM" --provider "$P" --goals "Arjen rytmi vahvistui." \
   --changes "Osallistuu säännöllisesti." --means "Yksilövalmennus kahdesti viikossa." \
   --follow-up "Jatketaan työkokeiluun."
$S report submit "$V/REP-INTERIM" --provider "$P"

# Kela's absence notices (ABS-KELA), once reporting knows the service started; the one of the
# illness as its TT3 PDF, then marked sent.
$S kela list --voucher "$V" --wait 10               # voucher number, client, overdue marked !
$S kela pdf "$V" --day "$(day 9)" --provider "$P" --out "$OUT"
$S kela mark-sent "$V" --day "$(day 9)" --provider "$P"

# Last month invoiced, approved, and pulled by the financial system as Finvoice and UBL files.
I=$($S --id invoice generate --provider "$P" --month "$MONTH")
$S invoice submit "$I" --provider "$P"
$S invoice approve "$I"
$S invoice pull --out "$OUT/invoices"

# The service ends: the client found work. A voucher decided for later is cancelled instead.
$S voucher interrupt "$V" --reason-kind client-employed-or-studying --reason "Sai työpaikan."
$S notice list --voucher "$V" --wait 10             # the social worker is told of it
W=$($S --id voucher issue --client "$C" --service KTT_INDIVIDUAL --units 30 \
   --from "$(date -d '+14 days' +%F)" --activation-plan AS-2026-0042 --job-search-in-force \
   --benefit labour-market-subsidy)
$S voucher cancel "$W" --reason-kind client-withdrew --reason "Asiakas perui."
$S voucher list --client "$C"
echo "walked: provider $P, voucher $V, invoice $I; files in $OUT"
