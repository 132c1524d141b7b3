"""A deletion at her request reaches every researcher's copy at its next `savor pull`."""

from savor.mirror.pull import DATASETS
from tests.mirror.phones import mirrored


def test_a_pull_after_her_deletion_removes_her_rows_from_every_file(live, tmp_path):
    ana, bea = live.phone(), live.phone()
    ana.checkin(stress=3, craving=2)
    ana.practice(pre=6, post=3)
    bea.checkin(stress=5, craving=4)
    first = live.pull(tmp_path)
    assert first.deleted == 0
    name = ana.delete()
    assert name in {row["pseudonym"] for row in mirrored(tmp_path, "participants").values()}

    second = live.pull(tmp_path)

    assert second.deleted == 1
    for dataset in [*DATASETS, "consents"]:
        text = (tmp_path / f"{dataset}.csv").read_text(encoding="utf-8")
        assert name not in text, dataset
    assert len(mirrored(tmp_path, "responses")) == 2  # bea's two items stay
    assert live.pull(tmp_path).deleted == 0  # listed once: the next pull starts after it
