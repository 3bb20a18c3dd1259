#!/usr/bin/env bash
# An external check in bash: scores the `plant` service of every team at once, from one poll of
# the plant controller (a SCADA master that knows every team's plant), through the scanner's
# command line. Services with `external: true` are skipped by rounds; a script like this one scores
# them, as often as the organisers run it (cron, a loop, or by hand), while `scanner run` runs
# rounds beside it.
#
#     SCANNER_DB=./scanner.db examples/external/score-plants.sh
#
# Needs `scanner` on the PATH, curl and jq. Environment: SCANNER_DB (default ./scanner.db),
# PLANT_SERVICE (the service name, default plant), PLANT_POINTS (points of a running plant,
# default 10), PLANT_CONTROLLER (default: http://HOST:PORT/plants, the service's address).
# Exit 0 when the teams were scored, 1 when the controller could not be read (then nobody is
# scored: the controller is the organisers', its outage not the teams' fault).
set -euo pipefail

db=${SCANNER_DB:-./scanner.db}
service=${PLANT_SERVICE:-plant}
points=${PLANT_POINTS:-10}

# The external services of that name, one per team: [{"id": 7, "team": 1, "host": ..., ...}, ...]
plants=$(scanner services --db "$db" --json |
  jq -c --arg name "$service" '[.[] | select(.service == $name and .external)]')
if [ "$(jq length <<<"$plants")" -eq 0 ]; then
  echo "score-plants: no external service named \"$service\" in $db" >&2
  exit 2
fi
url=${PLANT_CONTROLLER:-$(jq -r '.[0] | "http://\(.host):\(.port)/plants"' <<<"$plants")}
ids=$(jq -r '.[].id' <<<"$plants")

# The spinner on the status pages while the controller is read; gone however the script ends.
for id in $ids; do scanner external start "$id" --db "$db"; done
trap 'for id in $ids; do scanner external done "$id" --db "$db"; done' EXIT

if ! reports=$(curl --silent --show-error --fail --max-time 5 "$url"); then
  echo "score-plants: cannot read the plant controller $url; nobody scored" >&2
  exit 1
fi

jq -r '.[] | "\(.id) \(.team)"' <<<"$plants" | while read -r id team; do
  report=$(jq -c --arg team "$team" '.[$team] // null' <<<"$reports")
  state=$(jq -r 'if type == "object" and (.state | type) == "string" then .state else "offline" end' <<<"$report")
  if [ "$state" = running ]; then
    scanner external score "$id" "$points" --db "$db" >/dev/null
  else
    score_id=$(scanner external score "$id" 0 --error "the controller reports the plant $state" --db "$db")
    # What the controller said, alarms included, for the white team only.
    scanner external error "$score_id" "controller answer for team $team: $report" --db "$db"
  fi
done
echo "score-plants: scored $(jq length <<<"$plants") teams from $url"
