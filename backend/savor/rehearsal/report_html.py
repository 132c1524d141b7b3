"""report.html: one plain page a study team can paste from, with inline SVG charts and no
external assets (no script, no fonts, no images from anywhere)."""

import html as escape
from typing import Any

STYLE = " ".join(
    [
        "body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}",
        "table{border-collapse:collapse;margin:.5rem 0 1.5rem}",
        "td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}",
        ".ok{color:#17662c}.bad{color:#a11}svg text{font-size:11px}",
    ]
)


def _e(value: Any) -> str:
    return escape.escape(str(value))


def _table(rows: list[tuple[Any, ...]], head: tuple[str, ...]) -> str:
    top = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{top}</tr>{body}</table>"


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.0%}"


def _or_dash(value: float | None) -> str:
    return "n/a" if value is None else str(value)


def bars(values: dict[Any, float], label: str, scale_max: float | None = None) -> str:
    """A bar chart as inline SVG."""
    if not values:
        return "<p>(nothing to show)</p>"
    width, height, pad = 560, 160, 28
    top = scale_max or max(values.values()) or 1
    step = min(60.0, (width - pad) / len(values))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 30}" '
        f'role="img" aria-label="{_e(label)}">'
    ]
    for i, (key, value) in enumerate(values.items()):
        h = (height - 20) * (value / top)
        x = pad + i * step
        parts.append(
            f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{step * 0.8:.1f}" '
            f'height="{h:.1f}" fill="#4a7fb5"/>'
        )
        parts.append(f'<text x="{x:.1f}" y="{height + 14}">{_e(key)}</text>')
        parts.append(f'<text x="{x:.1f}" y="{height - h - 3:.1f}">{value:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def html(report: dict[str, Any]) -> str:
    run, burden = report["run"], report["prompts_per_participant_per_day"]
    practice, completion = report["practice"], report["expected_completion"]
    holds = all(i["holds"] for i in report["invariants"].values())
    out = [
        "<!doctype html><html lang=en><meta charset=utf-8><title>Savor rehearsal</title>",
        f"<style>{STYLE}</style>",
        "<h1>Rehearsal of the protocol</h1>",
        f"<p>{run['participants']} synthetic participants over {run['weeks']} week(s) from "
        f"{_e(run['start'])} ({_e(run['database'])}, seed {run['seed']}), through the service's "
        "public API; figures below come from the study's own exports.</p>",
        f"<p class={'ok' if holds else 'bad'}><b>Invariants: "
        f"{'all hold' if holds else 'VIOLATED'}</b></p>",
        "<h2>Burden on participants</h2>",
        f"<p>Check-in notifications per participant per day: mean {burden['mean']}, "
        f"max {burden['max']} (over {burden['participant_days']} participant-days).</p>",
        bars(
            {str(k): v for k, v in burden["distribution"].items()},
            "participant-days by prompts sent",
        ),
        "<p>Participant-days by number of prompts sent.</p>",
        _table(
            [
                (w, practice["minutes_asked_per_week"].get(w, ""), m)
                for w, m in practice["minutes_done_per_week_mean"].items()
            ],
            ("week", "practice minutes asked", "minutes done (mean)"),
        ),
        "<p>Questionnaire waves:</p>"
        + _table(
            [
                (
                    w["wave"],
                    w["instrument"],
                    w["asked"],
                    w.get("completed", 0),
                    w.get("expired", 0),
                    w.get("one_sitting", 0),
                    w.get("two_sittings", 0),
                    _or_dash(w.get("median_days_push_to_sent")),
                    _percent(w.get("declined_item_share")),
                )
                for w in report["questionnaire_burden_per_wave"]
            ],
            (
                "wave",
                "instrument",
                "asked",
                "answered",
                "expired",
                "in one sitting",
                "in two",
                "median days to send",
                "items declined",
            ),
        )
        if report["questionnaire_burden_per_wave"]
        else "<p>Questionnaire waves: none in this protocol.</p>",
        "<h2>Expected completion</h2>",
        f"<p>Check-ins answered on time: {_percent(completion['rate'])}; answered at all "
        f"(late included): {_percent(completion['rate_with_late'])}.</p>",
        bars({f"w{w}": r for w, r in completion["by_week"].items()}, "completion by week", 1.0),
        decisions_section(report.get("decisions") or []),
        reconsent_section(report.get("reconsent")),
        "<h2>Data volume</h2>",
        _table(
            [
                (d, w, n)
                for d, weeks in report["data_volume"]["rows_per_week"].items()
                for w, n in weeks.items()
            ],
            ("dataset", "week", "rows"),
        ),
        "<h2>Protocol warnings</h2>",
        "<ul>" + "".join(f"<li>{_e(w)}</li>" for w in report["protocol_warnings"]) + "</ul>"
        if report["protocol_warnings"]
        else "<p>None.</p>",
        "<h2>Invariants</h2>",
        _table(
            [
                (n, "holds" if i["holds"] else "VIOLATED", i["violations"])
                for n, i in report["invariants"].items()
            ],
            ("invariant", "result", "violations"),
        ),
        "<h2>Behaviour model</h2>",
        _table([(k, v) for k, v in report["model"].items()], ("parameter", "value")),
        "</html>",
    ]
    return "\n".join(out)


def decisions_section(summary: list[dict[str, Any]]) -> str:
    if not summary:
        return ""
    rows = [
        (
            r["rule"],
            r["point_kind"],
            r["points"],
            r["available"],
            r["offered"],
            r["offered_share"],
            r["declared_p_offer"],
            r["uptake"],
            r.get("practice_started", ""),
            ", ".join(f"{k} {v}" for k, v in r["outcomes"].items()),
        )
        for r in summary
    ]
    head = ("rule", "kind", "points", "available", "offered", "offered share")
    head += ("declared p_offer", "uptake", "practice begun", "outcomes")
    return (
        "<h2>Micro-randomized offers</h2><p>Decision points by rule (decisions export): the "
        "share of available points offered a practice against the declared probability, and "
        "what she did with the offers (uptake: taken up, of those offered).</p>"
        + _table(rows, head)
        + "".join(
            f"<p>{_e(r['rule'])} not randomized: "
            + _e(", ".join(f"{k} {n}" for k, n in r["unavailable_reasons"].items()))
            + "</p>"
            for r in summary
            if r["unavailable_reasons"]
        )
    )


def reconsent_section(uptake: dict[str, Any] | None) -> str:
    if uptake is None:
        return ""
    days = ", ".join(f"day {d}: {n}" for d, n in uptake["agreed_by_days_after"].items())
    return (
        "<h2>Re-consent</h2>"
        f"<p>Consent version {uptake['version']} published {_e(uptake['published_at'])} to "
        f"{uptake['asked']} participants: {uptake['agreed']} agreed again, "
        f"{uptake['not_yet']} not yet. Agreed by days after publication: {_e(days or 'none')}."
        "</p>"
    )
