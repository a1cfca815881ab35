"""The Qt-free session: photos and states, the supersede rule, the results cache and its budget,
the jobs run as plain generators on real files with tiny real models, and export plans."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from colorizer_app.session import jobs
from colorizer_app.session.cache import ResultsCache
from colorizer_app.session.export import ExportOptions, plan_export
from colorizer_app.session.params import Params
from colorizer_app.session.photos import Opened, Session, State

from gui_helpers import gray_photo, save_tiny_models


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("session_models")
    save_tiny_models(folder)
    return folder


def params_for(models: Path, **kw) -> Params:
    return Params(str(models / "tiny-const.safetensors"), device="cpu", **kw)


def open_all(session: Session, paths) -> list:
    events = list(jobs.load_photos(session.renderer, paths))
    for e in events:
        if isinstance(e, jobs.Found):
            session.add_paths(e.files)
        elif isinstance(e, Opened):
            session.opened(e)
        elif isinstance(e, jobs.OpenFailed):
            session.open_failed(e.path, e.reason)
    return events



# --- the cache ----------------------------------------------------------------------------------

def test_cache_keeps_within_its_budget_least_recently_used_out():
    c = ResultsCache(budget=1000)
    for i in range(5):
        c.put(("a", i), np.zeros(300, np.uint8))
    assert c.total <= 1000 and len(c) == 3
    assert c.get(("a", 0)) is None and c.get(("a", 4)) is not None
    c.get(("a", 2))  # used: stays
    c.put(("a", 5), np.zeros(300, np.uint8))
    assert c.get(("a", 2)) is not None and c.get(("a", 3)) is None
    big = np.zeros(2000, np.uint8)
    assert c.put(("big",), big) is big and ("big",) not in c  # larger than the budget: not kept
    c.put(("t",), torch.zeros(50))  # tensors count too (200 bytes)
    from colorizer_app.imaging.io import LoadedImage
    photo = LoadedImage(Path("x.png"), np.zeros((10, 30), np.uint8), False, None, None, "L")
    c.put(("p",), photo)  # and decoded photos, by their pixels
    assert c.total >= 300
    assert c.total <= 1000
    assert c.discard(lambda k: k[0] == "a") >= 1 and all(k[0] != "a" for k in c._items)
    c.set_budget(100)
    assert c.total <= 100


# --- photos, states and the supersede rule ------------------------------------------------------

def test_photos_are_added_once_and_removed_with_their_cache(tmp_path):
    s = Session()
    a = gray_photo(tmp_path / "a.png", 40, 30)
    new = s.add_paths([a, a, tmp_path / "b.png"])
    assert [p.name for p in new] == ["a.png", "b.png"] and s.add_paths([a]) == []
    assert s.find_path(a) is new[0] and s.find(new[1].id) is new[1]
    s.cache.put(("pixels", new[0].key), np.zeros(10, np.uint8))
    s.remove([new[0]])
    assert s.find_path(a) is None and len(s.cache) == 0 and [p.name for p in s.photos] == ["b.png"]


def test_only_the_newest_request_delivers(tmp_path, models):
    s = Session()
    (photo,) = s.add_paths([tmp_path / "p.png"])
    s.opened(Opened(photo.path, (4, 3), False, None, None, np.zeros((3, 4), np.uint8)))
    p1, p2 = params_for(models, vibrance=0.5), params_for(models, vibrance=1.5)
    s.expect(photo, 1, running=True)
    s.expect(photo, 2, running=True)  # supersedes request 1
    assert not s.deliver(photo, 1, p1, None, 0.1, "CPU") and photo.params is None
    assert not s.fail(photo, 1, "late failure") and photo.state is State.RUNNING
    assert s.deliver(photo, 2, p2, np.zeros((2, 2, 3), np.uint8), 0.2, "CPU")
    assert photo.params == p2 and photo.state is State.DONE and photo.pending is None
    s.expect(photo, 3)
    assert s.request_ended(3) == [photo] and photo.state is State.DONE  # cancelled: back to its result
    s.expect(photo, 4)
    assert s.fail(photo, 4, "boom") and photo.state is State.FAILED and photo.error == "boom"


def test_unreadable_photos_are_skipped_by_colourise_and_export(tmp_path, models):
    s = Session()
    good = gray_photo(tmp_path / "good.png", 48, 32)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    events = open_all(s, [good, bad])
    assert [type(e).__name__ for e in events] == ["Found", "Opened", "OpenFailed"]
    g, b = s.photos
    assert g.loaded and b.unreadable and b.state is State.FAILED and b.error
    todo, done, unreadable = s.to_colourise(s.photos, params_for(models))
    assert todo == [g] and done == [] and unreadable == [b]
    assert s.exportable(s.photos) == [g]
    plan = plan_export(s.photos, s.photos, ExportOptions("all", tmp_path / "out", "png", 95, "{stem}_c"),
                       params_for(models))
    assert [i.ref.id for i in plan.items] == [g.id]
    assert plan.report.failed[0][0] == "bad.jpg" and "could not be opened" in plan.report.failed[0][1]


def test_export_plan_protects_originals_and_refuses_clashes(tmp_path, models):
    s = Session()
    a = gray_photo(tmp_path / "a.png", 30, 20)
    sub = tmp_path / "sub"
    sub.mkdir()
    a2 = gray_photo(sub / "a.png", 30, 20)
    open_all(s, [a, a2])
    same_place = ExportOptions("all", tmp_path, "png", 95, "{stem}")  # a.png over itself
    plan = plan_export(s.photos, s.photos, same_place, params_for(models))
    assert plan.items == [] or all(i.out != a for i in plan.items)
    assert any("original" in why for _, why in plan.report.failed)
    elsewhere = ExportOptions("all", tmp_path / "out", "png", 95, "{stem}_c")
    plan = plan_export(s.photos, s.photos, elsewhere, params_for(models))
    assert len(plan.items) == 1 and "would also be written by" in plan.report.failed[0][1]
    assert plan_export(s.photos, s.photos, elsewhere, None).items == []  # no model, no result


# --- jobs ---------------------------------------------------------------------------------------

def count_network_runs(session: Session, params: Params) -> list:
    c = session.models.colorizer(params.model, params.device)
    calls = []
    c.model.net.register_forward_hook(lambda *a: calls.append(1))
    return calls


def test_show_is_at_screen_resolution_and_a_slider_reuses_the_network(tmp_path, models):
    s = Session()
    path = gray_photo(tmp_path / "big.png", 600, 400)
    open_all(s, [path])
    (photo,) = s.photos
    p = params_for(models)
    calls = count_network_runs(s, p)
    events = list(jobs.show(s.renderer, photo.ref, p, long_side=300))
    before, after, coloured = events
    assert before.kind == "before" and before.image.shape == (200, 300) and not before.full
    assert after.kind == "after" and after.image.shape == (200, 300, 3) and after.params == p
    assert isinstance(coloured, jobs.Coloured) and coloured.thumbnail.shape[2] == 3
    assert len(calls) == 1
    brighter = params_for(models, vibrance=1.8)
    events = list(jobs.show(s.renderer, photo.ref, brighter, long_side=300))
    assert len(calls) == 1  # vibrance: decoding and merging only
    a0 = after.image.astype(int)
    a1 = events[1].image.astype(int)
    assert np.abs(a1[..., 0] - a1[..., 2]).mean() > np.abs(a0[..., 0] - a0[..., 2]).mean()
    full = list(jobs.show(s.renderer, photo.ref, p, long_side=300, full=True))
    assert full[0].image.shape == (400, 600) and full[1].image.shape == (400, 600, 3)
    assert len(calls) == 1  # the full-resolution result reuses it too
    bigger = params_for(models, size=128)
    list(jobs.show(s.renderer, photo.ref, bigger, long_side=300))
    assert len(calls) == 2  # another working size: another network run


def test_a_small_budget_bounds_memory_and_evicted_photos_come_back(tmp_path, models):
    paths = [gray_photo(tmp_path / f"p{i:02d}.png", 160, 120, seed=i) for i in range(12)]
    s = Session(cache_budget=60_000)  # the pixels of three of these photos
    open_all(s, paths)
    p = params_for(models)
    refs = [ph.ref for ph in s.photos]
    events = list(jobs.colourise(s.renderer, refs, p))
    assert sum(isinstance(e, jobs.Coloured) for e in events) == 12
    assert s.cache.total <= 60_000
    assert all(ph.thumbnail is not None for ph in s.photos)  # thumbnails stay
    first = s.photos[0]
    assert ("pixels", first.key) not in s.cache  # evicted long ago ...
    again = list(jobs.show(s.renderer, first.ref, p, long_side=1024))
    assert again[1].image.shape == (120, 160, 3)  # ... and read again from its file


def test_colourise_reports_a_vanished_file_and_goes_on(tmp_path, models):
    s = Session(cache_budget=0)  # nothing kept: every step reads the file
    a, b = gray_photo(tmp_path / "a.png", 40, 30), gray_photo(tmp_path / "b.png", 40, 30, seed=1)
    open_all(s, [a, b])
    a.unlink()
    events = list(jobs.colourise(s.renderer, [ph.ref for ph in s.photos], params_for(models)))
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["Started", "Failed", "Started", "Coloured"]
    assert "not found" in events[1].reason


def test_export_writes_full_size_and_stops_when_asked(tmp_path, models):
    s = Session()
    paths = [gray_photo(tmp_path / f"e{i}.png", 90, 60, seed=i) for i in range(3)]
    open_all(s, paths)
    options = ExportOptions("all", tmp_path / "out", "jpg", 90, "{stem}_c")
    plan = plan_export(s.photos, s.photos, options, params_for(models))
    saved = [e for e in jobs.export(s.renderer, plan) if isinstance(e, jobs.Saved)]
    assert len(saved) == 3
    with Image.open(saved[0].path) as im:
        assert im.size == (90, 60) and im.mode == "RGB"
    plan = plan_export(s.photos, s.photos, options, params_for(models))
    plan.overwrite = True
    done = []
    for e in jobs.export(s.renderer, plan, should_stop=lambda: len(done) >= 1):
        if isinstance(e, jobs.Saved):
            done.append(e)
    assert len(done) == 1
