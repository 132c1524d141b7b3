"""`savor rehearse`: a whole trial run before it starts, through the real service.

Synthetic phones (phone.py, one behaviour per module under behaviours/) use only the public
participant API; a simulated clock (driver.py) moves the service through the weeks and runs
its own jobs at their cadence; the research API's exports are then checked against what the
phones know happened (invariants.py) and summed up for an IRB application (report.py).
"""
