"""Pseudonyms: stable within a study, unlinkable across studies, never the internal id."""

import uuid

from savor.studies.pseudonym import planning_seed, pseudonym

ID = uuid.UUID("6f1c2a8e-3b7d-4e0a-9c5f-1a2b3c4d5e6f")


def test_same_participant_same_study_same_pseudonym():
    assert pseudonym(study_secret="a" * 64, participant_id=ID) == pseudonym(
        study_secret="a" * 64, participant_id=ID
    )


def test_another_study_secret_gives_an_unrelated_pseudonym():
    assert pseudonym(study_secret="a" * 64, participant_id=ID) != pseudonym(
        study_secret="b" * 64, participant_id=ID
    )


def test_pseudonym_does_not_contain_the_id():
    name = pseudonym(study_secret="a" * 64, participant_id=ID)
    assert name.startswith("P") and len(name) == 11
    assert ID.hex[:8].upper() not in name


def test_planning_seed_differs_from_what_the_pseudonym_reveals():
    assert (
        planning_seed(study_secret="a" * 64, participant_id=ID)
        != pseudonym(study_secret="a" * 64, participant_id=ID).encode()
    )
