"""`savor pull` against a live server: the mirror equals a fresh full export after any pull."""

import threading
from pathlib import Path

import httpx
import pytest

from savor import mirror
from savor.clock import utcnow
from savor.mirror import files
from savor.mirror.pull import DATASETS
from tests.mirror.conftest import Live, newest_participant, planned_checkin
from tests.mirror.phones import Phone, fresh_export, mirrored
from tests.mirror.through import CutAfterFirstChunk, Through


def _pull(live: Live, directory: Path, transport=None) -> mirror.PullReport:
    return live.pull(directory, transport)


def _assert_mirrors(live: Live, directory: Path) -> None:
    token = live.token_file.read_text().strip()
    for dataset in DATASETS:
        assert mirrored(directory, dataset) == fresh_export(live.url, token, dataset), dataset


def _new(report: mirror.PullReport) -> dict[str, int]:
    return {d.name: d.new_rows for d in report.datasets}


def test_a_second_pull_brings_answers_prompt_changes_practices_and_withdrawals(live, tmp_path):
    ana, bea = live.phone(), live.phone("Europe/Madrid")
    bea_prompt = planned_checkin(live.engine, newest_participant(live.engine))
    ana.checkin(stress=3, craving=2)
    bea.practice(pre=6, post=3)
    first = _pull(live, tmp_path)
    _assert_mirrors(live, tmp_path)
    assert _new(first)["responses"] == 2 and _new(first)["participants"] == 2

    ana.checkin(stress=7, craving=6)
    bea.open(bea_prompt)
    bea.checkin(stress=5, craving=4, prompt_id=bea_prompt)
    ana.practice(pre=5, post=2)
    ana.withdraw()  # her row changes, her planned prompts are cancelled
    live.phone("America/Los_Angeles")
    second = _pull(live, tmp_path)

    _assert_mirrors(live, tmp_path)
    assert _new(second)["responses"] == 4  # two check-ins of two items, and nothing again
    assert _new(second)["practice_sessions"] == 1
    assert _new(second)["participants"] == 2  # ana withdrawn, the newcomer
    assert mirrored(tmp_path, "prompts")[(bea_prompt_ref(live, bea_prompt),)]["status"] == (
        "completed"
    )


def bea_prompt_ref(live: Live, prompt_id: str) -> str:
    """The export's ref of a prompt: the one whose opened and completed times are set."""
    rows = fresh_export(live.url, live.token_file.read_text().strip(), "prompts")
    [ref] = [k[0] for k, r in rows.items() if r["opened_at_utc"] and r["completed_at_utc"]]
    return ref


def test_a_pull_with_nothing_new_changes_no_file(live, tmp_path):
    live.phone().checkin(stress=2, craving=1)
    _pull(live, tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.csv")}
    report = _pull(live, tmp_path)
    assert set(_new(report).values()) == {0}
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("*.csv")} == before


def test_pulls_while_phones_keep_answering_end_equal_to_a_fresh_export(live, tmp_path):
    phones = [live.phone() for _ in range(3)]
    stop, answered = threading.Event(), threading.Semaphore(0)

    def answer(phone: Phone) -> None:
        n = 0
        while not stop.is_set():
            phone.checkin(stress=n % 11, craving=(n * 3) % 11)
            if n % 5 == 0:
                phone.practice(pre=7, post=4)
            answered.release()
            n += 1

    writers = [threading.Thread(target=answer, args=(phone,)) for phone in phones]
    for writer in writers:
        writer.start()
    sizes = []
    try:
        for _ in range(3):
            assert answered.acquire(timeout=30)  # an answer stored since the last pull ended
            _pull(live, tmp_path)
            sizes.append(len(mirrored(tmp_path, "responses")))
            while answered.acquire(blocking=False):
                pass  # answers stored during this pull may or may not be in it
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    _pull(live, tmp_path)
    _assert_mirrors(live, tmp_path)
    assert sizes == sorted(set(sizes)), "a pull during the answers brought nothing new"


def test_a_pull_cut_off_in_its_second_dataset_is_completed_by_the_next(live, tmp_path):
    phone = live.phone()
    phone.checkin(stress=4, craving=3)
    real = httpx.HTTPTransport()

    def cut_prompts(request: httpx.Request) -> httpx.Response | None:
        if not request.url.path.endswith("/export/prompts"):
            return None
        whole = real.handle_request(request)
        return httpx.Response(
            whole.status_code, headers=whole.headers, stream=CutAfterFirstChunk(whole.stream)
        )

    with pytest.raises(mirror.MirrorError, match="pull again to continue"):
        _pull(live, tmp_path, transport=Through(cut_prompts))
    state = files.read_state(tmp_path, url=live.url, study="pilot")
    assert list(state["datasets"]) == ["responses"]
    assert not (tmp_path / "prompts.csv").exists()
    assert [p.name for p in tmp_path.glob(".*.tmp-*")] == []

    phone.checkin(stress=8, craving=7)
    _pull(live, tmp_path)
    _assert_mirrors(live, tmp_path)


def test_a_pull_killed_after_a_file_but_before_its_state_doubles_nothing(
    live, tmp_path, monkeypatch
):
    phone = live.phone()
    phone.checkin(stress=4, craving=3)
    _pull(live, tmp_path)
    phone.checkin(stress=6, craving=5)
    write_state = files.write_state

    def killed(directory: Path, state: dict) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files, "write_state", killed)
    with pytest.raises(KeyboardInterrupt):
        _pull(live, tmp_path)  # responses.csv is new, its state is not
    monkeypatch.setattr(files, "write_state", write_state)

    report = _pull(live, tmp_path)
    assert _new(report)["responses"] == 2  # fetched again, and replaced by key
    _assert_mirrors(live, tmp_path)


def test_a_second_pull_on_the_same_folder_refuses_while_the_first_runs(live, tmp_path):
    live.phone().checkin(stress=4, craving=3)
    inside, release = threading.Event(), threading.Event()

    def hold(request: httpx.Request) -> None:
        inside.set()
        assert release.wait(30)

    first = threading.Thread(target=_pull, args=(live, tmp_path, Through(hold)))
    first.start()
    assert inside.wait(30)
    try:
        with pytest.raises(mirror.MirrorError, match="Another pull is already running"):
            _pull(live, tmp_path)
    finally:
        release.set()
        first.join(30)
    _assert_mirrors(live, tmp_path)


def test_a_folder_mirroring_another_study_is_refused(live, tmp_path):
    _pull(live, tmp_path)
    token = live.token_file.read_text().strip()
    with pytest.raises(mirror.MirrorError, match="mirrors study 'pilot'"):
        mirror.pull(url=live.url, token=token, study="other", directory=tmp_path, now=utcnow())


def test_a_refused_token_says_so_and_writes_nothing(live, tmp_path):
    with pytest.raises(mirror.MirrorError, match="refused the token"):
        mirror.pull(
            url=live.url, token="svr_wrong", study="pilot", directory=tmp_path, now=utcnow()
        )
    assert not list(tmp_path.glob("*.csv"))


def test_every_resource_of_the_servers_data_package_is_mirrored_the_wide_shape_too(live, tmp_path):
    ana = live.phone()
    ana.checkin(stress=3, craving=2)
    first = _pull(live, tmp_path)
    ana.checkin(stress=6, craving=5)
    second = _pull(live, tmp_path)

    notes = {d.name: d.note for d in second.datasets}
    assert {"offers", "participant_states", "responses-wide"} <= set(notes)
    assert not any("not offered" in note for note in notes.values()), notes
    wide = (tmp_path / "responses-wide.csv").read_text(encoding="utf-8").splitlines()
    assert len(wide) == 1 + 2  # a header and one row per check-in, each once
    assert {d.name: d.new_rows for d in first.datasets}["responses-wide"] == 1
