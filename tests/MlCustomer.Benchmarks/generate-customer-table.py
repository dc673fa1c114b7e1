#!/usr/bin/env python3
"""A large subscriber table in the format of the public telecom churn table (churn-bigml-80.csv), for timing
`train --table` at scale (RESULTS.md, "Training a 1,000,000-row customer table").

The columns are churn-bigml's 19 attributes and its TRUE/FALSE `Churn` label, plus a `customerID` column and a
`Value` column (profit over the next 12 months, in currency units, negative for a few) so that `--id` and
`--value-column` are exercised too; about 2% of `Total intl minutes` are blank, as exports have gaps. Churn is drawn
from a logistic model with the interactions tree models find in the public table (heavy day use, the international
plan with long international calls, four or more service calls), so the churn rate is about 15%.

Standard library only, seeded, so the same arguments always write the same file:
    python3 generate-customer-table.py --rows 1000000 --seed 42 -o table-1m.csv
"""

import argparse
import csv
import math
import random

STATES = ("AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE NH NJ NM NV "
          "NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY").split()

# Price per minute by time of day, as in the public table (charge = minutes × rate).
RATES = {"day": 0.17, "eve": 0.085, "night": 0.045, "intl": 0.27}


def row(number, rng):
    international = rng.random() < 0.10
    voice_mail = rng.random() < 0.27
    minutes = {
        "day": max(0.0, rng.gauss(180, 54)),
        "eve": max(0.0, rng.gauss(200, 50)),
        "night": max(0.0, rng.gauss(200, 50)),
        "intl": max(0.0, rng.gauss(10, 2.8)),
    }
    calls = {k: max(0, int(rng.gauss(100, 20))) for k in ("day", "eve", "night")}
    calls["intl"] = max(0, int(rng.gauss(4.5, 2.4)))
    service_calls = min(9, int(rng.expovariate(1 / 1.6)))
    logit = (-2.8 + 0.028 * max(0.0, minutes["day"] - 220) + 0.006 * (minutes["eve"] - 200)
             + (1.6 if international else 0.0)
             + (1.8 if international and (minutes["intl"] > 13 or calls["intl"] < 3) else 0.0)
             + (2.4 if service_calls >= 4 else 0.25 * service_calls)
             - (0.9 if voice_mail else 0.0))
    churned = rng.random() < 1 / (1 + math.exp(-logit))
    monthly_charge = sum(minutes[k] * RATES[k] for k in RATES)
    months_kept = rng.uniform(0, 6) if churned else 12
    value = monthly_charge * months_kept * 0.35 - 6.0 * service_calls + rng.gauss(0, 8)
    intl_minutes = "" if rng.random() < 0.02 else f"{minutes['intl']:.1f}"
    return [
        f"C{number:07d}", rng.choice(STATES), max(1, int(rng.gauss(101, 40))), rng.choice((408, 415, 510)),
        "Yes" if international else "No", "Yes" if voice_mail else "No",
        max(0, int(rng.gauss(29, 8))) if voice_mail else 0,
        f"{minutes['day']:.1f}", calls["day"], f"{minutes['day'] * RATES['day']:.2f}",
        f"{minutes['eve']:.1f}", calls["eve"], f"{minutes['eve'] * RATES['eve']:.2f}",
        f"{minutes['night']:.1f}", calls["night"], f"{minutes['night'] * RATES['night']:.2f}",
        intl_minutes, calls["intl"], f"{minutes['intl'] * RATES['intl']:.2f}",
        service_calls, "TRUE" if churned else "FALSE", f"{value:.2f}",
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with open(args.output, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["customerID", "State", "Account length", "Area code", "International plan", "Voice mail plan",
                         "Number vmail messages", "Total day minutes", "Total day calls", "Total day charge",
                         "Total eve minutes", "Total eve calls", "Total eve charge", "Total night minutes",
                         "Total night calls", "Total night charge", "Total intl minutes", "Total intl calls",
                         "Total intl charge", "Customer service calls", "Churn", "Value"])
        for number in range(1, args.rows + 1):
            writer.writerow(row(number, rng))


if __name__ == "__main__":
    main()
