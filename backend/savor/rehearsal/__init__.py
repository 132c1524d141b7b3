"""`savor rehearse`: a whole trial run before it starts, through the real service.

Synthetic phones (phone.py, one behaviour per module under behaviours/) use only the public
participant API; a simulated clock (driver.py) moves the service through the weeks and runs
its own jobs at their cadence; the research API's exports are then checked against what the
phones know happened (invariants.py) and summed up for an IRB application (report.py).

A new participant-facing feature joins in three small places: a behaviour module (what her
phone does with it, listed in `behaviours.everyday()`), a line in `invariants.RECORDS` for
each kind of record it sends (the dataset, key and moment column that must hold it exactly
once), and, when it adds burden, its figures in report.py (as `questionnaire_burden_per_wave`
does for waves).
"""
