# Sourced by run-local.sh (`make run`): exports the settings of deploy/dev.env that are not set
# already, so a setting given on the command line wins
# (`SETELI_CORS_ALLOWED_ORIGINS=http://127.0.0.1:8080 make run`). Blank and `#` lines are skipped.
while IFS= read -r line || [[ -n "$line" ]]; do
  [[ -z "$line" || "$line" == \#* || "$line" != *=* ]] && continue
  key="${line%%=*}"
  if [[ -z "${!key+set}" ]]; then
    export "$key=${line#*=}"
  fi
done < "${SETELI_DEV_ENV:-deploy/dev.env}"
