"""The Qt-free side of colour hints: the store in the user data folder (round trip, atomic
writes, a changed photo is not given stale hints, a damaged store is ignored with a warning),
undo and redo per photo, and hints in the params and the network cache key."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from colorizer_app.models.hints import Hint
from colorizer_app.session import jobs
from colorizer_app.session.export import ExportOptions, plan_export
from colorizer_app.session.hints import HintBook, HintStore, store_path
from colorizer_app.session.params import Params
from colorizer_app.session.photos import Opened, Session

from gui_helpers import TINY, gray_photo, save_tiny_models

BLUE = Hint.from_hex(0.25, 0.5, "#2a4fc0")
RED = Hint.from_hex(0.75, 0.125, "#e03020")


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    from colorizer_app.models.checkpoint import new_model, save_model

    folder = tmp_path_factory.mktemp("hint_models")
    save_tiny_models(folder)
    m = new_model("regression", {**TINY, "hint_channels": 3})
    save_model(folder / "tiny-hints.safetensors", m.net, {"name": "tiny-hints"})
    return folder


def test_the_store_lives_in_the_user_data_folder(tmp_path):
    # conftest points XDG_DATA_HOME at a temporary folder: the real user's store is never touched
    assert str(store_path()).startswith(os.environ["XDG_DATA_HOME"])
    assert store_path().name == "hints.json"


def test_round_trip_through_the_file(tmp_path):
    photo = gray_photo(tmp_path / "a.png", 40, 30)
    other = gray_photo(tmp_path / "b.png", 40, 30, seed=1)
    f = tmp_path / "data" / "hints.json"
    store = HintStore(f)
    assert store.get(photo) == ()
    assert store.set(photo, (BLUE, RED)) and store.set(other, (RED,))
    again = HintStore(f)
    assert again.get(photo) == (BLUE, RED) and again.get(other) == (RED,)
    assert again.get(tmp_path / "." / "a.png") == (BLUE, RED)  # by the resolved path
    data = json.loads(f.read_text())
    assert data["version"] == 1 and len(data["photos"]) == 2
    assert again.set(photo, ()) and HintStore(f).get(photo) == () and len(HintStore(f)) == 1
    assert not list(tmp_path.glob("*.json"))  # nothing beside the photos


def test_writes_are_atomic(tmp_path, monkeypatch):
    photo = gray_photo(tmp_path / "a.png", 40, 30)
    f = tmp_path / "hints.json"
    store = HintStore(f)
    store.set(photo, (BLUE,))
    good = f.read_bytes()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    warnings = []
    store.on_warning = warnings.append
    assert store.set(photo, (BLUE, RED)) is False  # it says so ...
    assert warnings and "could not be saved" in warnings[0]
    assert f.read_bytes() == good  # ... and the file on disk is the whole previous one
    assert [p.name for p in tmp_path.iterdir() if "tmp" in p.name] == []  # no half-written file left
    monkeypatch.undo()
    assert HintStore(f).get(photo) == (BLUE,)
    assert store.set(photo, (RED,)) and HintStore(f).get(photo) == (RED,)
    assert [p.name for p in tmp_path.iterdir() if "tmp" in p.name] == []  # no temporary file left


def test_a_changed_photo_is_not_given_stale_hints(tmp_path):
    photo = gray_photo(tmp_path / "a.png", 40, 30)
    f = tmp_path / "hints.json"
    HintStore(f).set(photo, (BLUE,))
    assert HintStore(f).get(photo) == (BLUE,)
    gray_photo(photo, 41, 30, seed=3)  # edited: another size and time
    assert HintStore(f).get(photo) == ()
    HintStore(f).set(photo, (RED,))
    st = photo.stat()
    os.utime(photo, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # touched: same size, new time
    assert HintStore(f).get(photo) == ()
    photo.unlink()
    assert HintStore(f).get(photo) == ()


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b'{"photos": 3}', b"\xff\xfe\x00"])
def test_a_damaged_store_is_ignored_with_a_warning(tmp_path, caplog, content):
    photo = gray_photo(tmp_path / "a.png", 40, 30)
    f = tmp_path / "hints.json"
    f.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        store = HintStore(f)
    assert store.get(photo) == ()
    assert store.problem and "ignored" in store.problem
    assert any("hints" in r.getMessage() for r in caplog.records)
    assert store.set(photo, (BLUE,))  # the next write starts afresh and keeps the damaged file aside
    assert HintStore(f).get(photo) == (BLUE,) and HintStore(f).problem is None
    assert (tmp_path / "hints.json.corrupt").read_bytes() == content


def test_a_damaged_entry_is_skipped_and_the_others_kept(tmp_path, caplog):
    a = gray_photo(tmp_path / "a.png", 40, 30)
    b = gray_photo(tmp_path / "b.png", 40, 30, seed=1)
    f = tmp_path / "hints.json"
    HintStore(f).set(a, (BLUE,))
    data = json.loads(f.read_text())
    st = b.stat()
    data["photos"]["junk"] = "not an entry"
    data["photos"][str(b.resolve())] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns,
                                        "hints": [{"x": 7, "y": 0.5, "color": "#ffffff"}]}
    f.write_text(json.dumps(data))
    with caplog.at_level(logging.WARNING):
        store = HintStore(f)
        assert store.get(a) == (BLUE,)
        assert store.get(b) == ()  # x outside 0 to 1: not given, and said
    assert any("outside 0 to 1" in r.getMessage() for r in caplog.records)


def test_undo_and_redo_per_photo(tmp_path):
    s = Session(hint_store=HintStore(tmp_path / "hints.json"))
    a, b = s.add_paths([gray_photo(tmp_path / "a.png", 40, 30), gray_photo(tmp_path / "b.png", 40, 30, seed=1)])
    book = s.hints
    assert not book.can_undo(a) and not book.undo(a)
    assert book.set(a, (BLUE,)) and book.set(a, (BLUE, RED)) and book.set(b, (RED,))
    assert not book.set(a, (BLUE, RED))  # no change: no step
    assert book.undo(a) and book.get(a) == (BLUE,) and book.get(b) == (RED,)
    assert book.can_redo(a) and not book.can_redo(b)
    assert book.redo(a) and book.get(a) == (BLUE, RED)
    assert book.undo(a) and book.undo(a) and book.get(a) == () and not book.can_undo(a)
    assert book.redo(a) and book.get(a) == (BLUE,)
    book.set(a, (RED,))  # a new step drops what could be redone
    assert not book.can_redo(a)
    assert HintStore(tmp_path / "hints.json").get(a.path) == (RED,)  # every step is saved
    assert HintBook(HintStore(tmp_path / "hints.json")).get(b) == (RED,)


def test_params_carry_a_photos_hints_for_every_model(tmp_path, models):
    s = Session(hint_store=HintStore(tmp_path / "hints.json"))
    (photo,) = s.add_paths([gray_photo(tmp_path / "a.png", 64, 48)])
    hinted = Params(str(models / "tiny-hints.safetensors"), device="cpu")
    plain = Params(str(models / "tiny-const.safetensors"), device="cpu")
    assert s.params_for(photo, hinted) == hinted  # no hints yet
    s.hints.set(photo, (BLUE,))
    assert s.params_for(photo, hinted).hints == (BLUE,)
    assert s.params_for(photo, plain).hints == (BLUE,)  # a model without hint inputs follows them too
    assert s.params_for(photo, None) is None
    # a changed set of hints is a new network output, never a stale one
    keys = {s.params_for(photo, hinted).network_key()}
    s.hints.set(photo, (BLUE, RED))
    keys.add(s.params_for(photo, hinted).network_key())
    s.hints.set(photo, (BLUE.moved(0.3, 0.5), RED))
    keys.add(s.params_for(photo, hinted).network_key())
    assert len(keys) == 3 and hinted.network_key() not in keys
    assert s.params_for(photo, hinted).settings().hints == (BLUE.moved(0.3, 0.5), RED)


def open_all(session, paths):
    for e in jobs.load_photos(session.renderer, paths):
        if isinstance(e, jobs.Found):
            session.add_paths(e.files)
        elif isinstance(e, Opened):
            session.opened(e)


def test_colourise_and_export_use_each_photos_hints(tmp_path, models):
    s = Session(hint_store=HintStore(tmp_path / "hints.json"))
    a, b = gray_photo(tmp_path / "a.png", 64, 48), gray_photo(tmp_path / "b.png", 64, 48, seed=1)
    open_all(s, [a, b])
    pa, pb = s.photos
    s.hints.set(pa, (BLUE,))
    params = Params(str(models / "tiny-hints.safetensors"), device="cpu")
    per_photo = {p.id: s.params_for(p, params) for p in s.photos}
    events = [e for e in jobs.colourise(s.renderer, [p.ref for p in s.photos], params, per_photo=per_photo)
              if isinstance(e, jobs.Coloured)]
    assert [e.params.hints for e in events] == [(BLUE,), ()]
    for e in events:
        s.deliver(s.find(e.photo_id), None, e.params, e.thumbnail, e.seconds, e.device)
    todo, done, _ = s.to_colourise(s.photos, params)
    assert todo == [] and len(done) == 2  # each with its own hints: nothing to do again

    # the hints changed after the result was made: the export makes it again, with them
    s.hints.set(pa, (BLUE, RED))
    options = ExportOptions("all", tmp_path / "out", "png", 95, "{stem}_c")
    plan = plan_export(s.photos, s.photos, options, params, s.params_for)
    by_name = {i.out.name: i for i in plan.items}
    assert by_name["a_c.png"].params.hints == (BLUE, RED) and by_name["a_c.png"].colourise
    assert by_name["b_c.png"].params.hints == () and not by_name["b_c.png"].colourise
    assert len(plan.settings_used()) == 1  # photos' own hints do not make a "mixed" export
    assert s.to_colourise(s.photos, params)[0] == [pa]


def test_saved_hints_are_read_without_loading_torch(tmp_path):
    """The window shows a photo's saved hints before torch has loaded (it takes about a second on
    a small CPU, on another thread): reading them must not import it on the GUI thread."""
    import subprocess
    import sys

    photo = gray_photo(tmp_path / "a.png", 40, 30)
    f = tmp_path / "hints.json"
    HintStore(f).set(photo, (BLUE, RED))
    code = ("import sys; from colorizer_app.session.hints import HintStore; "
            f"h = HintStore({str(f)!r}).get({str(photo)!r}); "
            "assert [x.color for x in h] == ['#2a4fc0', '#e03020'], h; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
