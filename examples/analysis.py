"""A study's analysis from its mirror: pull, load with the data package's types, fit two models.

    pip install 'savor[analysis]'
    python examples/analysis.py --url https://savor.example.org --token-file token \\
        --study pilot mirror/

1. Craving (item C1) on stress (S1) in the same check-in, with a random intercept per
   participant (a linear mixed model).
2. Before and after practice: the change in craving (post_C1 - pre_C1) over practice sessions,
   its mean with standard errors clustered by participant (a paired comparison).

The types of every column come from `datapackage.json` alone: nothing here knows the columns.
"""

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import statsmodels.formula.api as smf

from savor import mirror

BOOLEANS = {"true": True, "false": False}


def pull(url: str, token_file: Path, study: str, directory: Path) -> None:
    token = token_file.read_text(encoding="utf-8").strip()
    mirror.pull(url=url, token=token, study=study, directory=directory, now=datetime.now(UTC))


def typed(column: pd.Series, field: dict[str, Any]) -> pd.Series:
    """A column of CSV text as the Table Schema field says it is."""
    kind = field.get("type", "string")
    if kind == "integer":
        return pd.to_numeric(column).astype("Int64")
    if kind == "number":
        return pd.to_numeric(column).astype("Float64")
    if kind == "boolean":
        truths = dict.fromkeys(field.get("trueValues", ["true"]), True)
        falses = dict.fromkeys(field.get("falseValues", ["false"]), False)
        return column.map(truths | falses).astype("boolean")
    if kind == "datetime":
        return pd.to_datetime(column, format="ISO8601", utc=True)
    if kind == "date":
        return pd.to_datetime(column, format="%Y-%m-%d")
    if kind == "list":
        return column.str.split(field.get("delimiter", ","))
    return column.astype("string")


def load(directory: Path) -> dict[str, pd.DataFrame]:
    """Every resource of the mirror's data package, typed by its schema."""
    package = json.loads((directory / "datapackage.json").read_text(encoding="utf-8"))
    frames = {}
    for resource in package["resources"]:
        fields = resource["schema"]["fields"]
        missing = resource["schema"].get("missingValues", [""])
        text = pd.read_csv(
            directory / resource["path"],
            dtype=str,
            keep_default_na=False,
            na_values=missing,
        )
        frames[resource["name"]] = pd.DataFrame(
            {f["name"]: typed(text[f["name"]], f) for f in fields}, index=text.index
        )
    return frames


def checkins(responses: pd.DataFrame) -> pd.DataFrame:
    """One row per check-in with its stress and craving ratings (answered items only)."""
    rated = responses[responses["item_id"].isin(["S1", "C1"]) & responses["value"].notna()]
    wide = rated.pivot_table(
        index=["pseudonym", "response_ref"], columns="item_id", values="value", aggfunc="first"
    )
    # `value` holds every item's answer, so its column type is loose; these two are ratings.
    wide = wide.apply(pd.to_numeric).dropna().astype(float)
    return wide.reset_index()


def craving_on_stress(responses: pd.DataFrame) -> Any:
    data = checkins(responses)
    model = smf.mixedlm("C1 ~ S1", data, groups=data["pseudonym"])
    return model.fit(reml=True)


def practice_change(sessions: pd.DataFrame) -> Any:
    data = sessions[sessions["completed"].fillna(False)].copy()
    data = data.dropna(subset=["pre_C1", "post_C1"])
    data["change"] = data["post_C1"].astype(float) - data["pre_C1"].astype(float)
    groups = data["pseudonym"].astype("category").cat.codes
    return smf.ols("change ~ 1", data).fit(cov_type="cluster", cov_kwds={"groups": groups})


def analyse(directory: Path) -> dict[str, Any]:
    frames = load(directory)
    craving = craving_on_stress(frames["responses"])
    change = practice_change(frames["practice_sessions"])
    return {
        "stress_slope": float(craving.params["S1"]),
        "stress_p": float(craving.pvalues["S1"]),
        "participant_variance": float(craving.cov_re.iloc[0, 0]),
        "checkins": int(craving.nobs),
        "participants": len(craving.random_effects),
        "practice_change": float(change.params["Intercept"]),
        "practice_p": float(change.pvalues["Intercept"]),
        "sessions": int(change.nobs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="the mirror's folder")
    parser.add_argument("--url", help="the server; without it the mirror is analysed as it is")
    parser.add_argument("--token-file", type=Path, help="a file holding a research token")
    parser.add_argument("--study", help="study slug")
    args = parser.parse_args(argv)
    if args.url:
        if not (args.token_file and args.study):
            parser.error("--url needs --token-file and --study")
        pull(args.url, args.token_file, args.study, args.directory)
    results = analyse(args.directory)
    print(
        f"Craving on stress: {results['stress_slope']:+.3f} per point "
        f"(p={results['stress_p']:.3g}; {results['checkins']} check-ins, "
        f"{results['participants']} participants)"
    )
    print(
        f"Craving after minus before practice: {results['practice_change']:+.2f} "
        f"(p={results['practice_p']:.3g}; {results['sessions']} sessions)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
