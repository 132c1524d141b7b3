"""Micro-randomized offers: decision points, their seeded draws, availability, the follow-up
prompt that measures each one, stored before anything is shown (see the README's
"Micro-randomized offers")."""
