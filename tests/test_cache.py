"""The model cache cannot run planted code, go stale or change an answer in silence (issue 27): planted
and damaged files, same-named and edited user files, odd files (a FIFO, a symlink to /dev/zero, a file
cut short while in use), odd places (relative or empty locations, folders others can write) and
zonemap's own stale temporaries."""

import hashlib
import io
import json
import os
import pickle
import threading
import time
import warnings

import numpy as np
import pandas as pd
import pytest
import shapely

import zonemap
from zonemap import classify, cli
from zonemap.errors import ZonemapWarning
from zonemap.model import cache, cache_format, compiled, data

EVENTS = zonemap.synthetic_incidents(400, seed=27)


@pytest.fixture(scope="module")
def model():
    return zonemap.zone_model()


@pytest.fixture(scope="module")
def answers(model):
    return classify(EVENTS, model)


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A cache folder of this test's own (mode 700), with the shipped data's model in it."""
    place = tmp_path / "cache"
    place.mkdir(mode=0o700)
    monkeypatch.setenv("ZONEMAP_CACHE_DIR", str(place))
    return place


def _cached(folder, **options):
    cache.cached_zone_model(**options)
    (path,) = folder.glob("zone-model-*.zmc")
    return path


def _arrays(path):
    """Where each array's stored bytes lie in a cache file: (start, length) in the file, largest first."""
    data = path.read_bytes()
    _, size, _ = cache_format._PREFIX.unpack_from(data)
    table = json.loads(data[cache_format._PREFIX.size : cache_format._PREFIX.size + size])["arrays"]
    start = cache_format._aligned(cache_format._PREFIX.size + size)
    return sorted(((start + e["offset"], e["length"]) for e in table), key=lambda a: -a[1])


class _Planted:
    """Unpickling this runs code: it writes ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').write('planted code ran')",)


def test_a_planted_pickle_never_runs(folder, tmp_path, answers):
    marker = tmp_path / "marker"
    planted = pickle.dumps(_Planted(marker))
    key = cache._model_key({})
    for name in (f"zone-model-{key}.zmc", f"zone-model-{key}.pickle"):  # this format's name, the old format's
        (folder / name).write_bytes(planted)
    with pytest.warns(ZonemapWarning, match="was damaged \\(not a zonemap model file"):
        loaded = cache.cached_zone_model()
    assert not marker.exists()
    pd.testing.assert_frame_equal(classify(EVENTS, loaded), answers)
    assert sorted(p.name for p in folder.iterdir()) == [f"zone-model-{key}.zmc"]  # rebuilt; the old pickle pruned
    with pytest.raises(cache_format.DamagedFile):
        cache_format.read_model(planted, key)
    assert not marker.exists()


def test_a_file_naming_a_class_zonemap_does_not_store_is_refused(folder):
    """A file of the format itself, well formed and with its digests, can name nothing but zonemap's
    data classes: a header naming a function (here ``os.system``) is refused, nothing called."""
    key = cache._model_key({})
    header = json.dumps({"key": key, "arrays": [], "tree": {"t": "object", "class": "os.system", "fields": {}}})
    prefix = cache_format._PREFIX.pack(cache_format.MAGIC, len(header), hashlib.sha256(header.encode()).digest())
    with pytest.raises(cache_format.DamagedFile, match="unreadable content .*os.system"):
        cache_format.read_model(prefix + header.encode(), key)


@pytest.mark.parametrize("fill", [0x00, 0xFF])
def test_flipped_bytes_are_caught_and_the_model_built_again(folder, answers, fill):
    path = _cached(folder)
    for start, length in _arrays(path)[:3]:  # the three largest arrays (grids and distance indexes)
        with open(path, "r+b") as handle:
            handle.seek(start)
            handle.write(bytes([fill]) * length)
    with pytest.warns(ZonemapWarning, match="was damaged \\(an array .* does not match its digest\\)"):
        loaded = cache.cached_zone_model()
    pd.testing.assert_frame_equal(classify(EVENTS, loaded), answers)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ZonemapWarning)
        cache.cached_zone_model()  # the file replaced: read again without a word
    with open(path, "r+b") as handle:  # a byte of the header (its JSON) changed
        handle.seek(cache_format._PREFIX.size + 20)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0x01]))
    with pytest.warns(ZonemapWarning, match="its header does not match its digest"):
        pd.testing.assert_frame_equal(classify(EVENTS, cache.cached_zone_model()), answers)


def test_a_damaged_cache_never_fails_a_run_or_its_output(folder, tmp_path, capsys):
    """Through the CLI: the damaged file is rebuilt, the run's output is right, one more line says so."""
    sample = str(data.geodata_dir() / "incidents_sample.csv")
    assert cli.main(["incidents", sample, "-o", str(tmp_path / "before.csv")]) == 0
    said = capsys.readouterr().err.splitlines()
    (path,) = folder.glob("zone-model-*.zmc")
    start, length = _arrays(path)[0]
    with open(path, "r+b") as handle:
        handle.seek(start)
        handle.write(bytes(length))
    assert cli.main(["incidents", sample, "-o", str(tmp_path / "after.csv")]) == 0
    more = [line for line in capsys.readouterr().err.splitlines() if line not in said]
    assert len(more) == 1 and more[0].startswith(f"zonemap: warning: the cache file {path} was damaged")
    assert (tmp_path / "after.csv").read_bytes() == (tmp_path / "before.csv").read_bytes()
    assert type(cache_format.read_model(path.read_bytes(), path.stem.removeprefix("zone-model-"))) is compiled.ZoneModel


def test_a_foreign_object_in_the_models_place_is_rebuilt(folder, answers):
    key = cache._model_key({})
    grid = compiled.PolygonGrid.build([shapely.box(0, 0, 1, 1)], cell=0.5)
    with open(folder / f"zone-model-{key}.zmc", "wb") as handle:
        cache_format.write_model(grid, handle, key)  # whole, with its digests: but no model
    with pytest.warns(ZonemapWarning, match="it holds a PolygonGrid, not a ZoneModel"):
        loaded = cache.cached_zone_model()
    pd.testing.assert_frame_equal(classify(EVENTS, loaded), answers)


def _line_file(path, shift_deg=0.0):
    """The 2018 contact line as GeoJSON, shifted east by ``shift_deg``: fixed-width numbers, so every
    shift below 1° writes a file of the same size."""
    coordinates = shapely.get_coordinates(zonemap.contact_line("2018").geometry.iloc[0])
    text = ",".join(f"[{x + shift_deg:.6f},{y:.6f}]" for x, y in coordinates)
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        f'"geometry":{{"type":"LineString","coordinates":[{text}]}}}}]}}'
    )
    return path


def _dmz_answers(model):
    return classify(EVENTS, model)[["in_dmz_15km_user_line", "in_dmz_20km_user_line"]]


def test_same_named_files_in_two_folders_get_their_own_models(folder, tmp_path, monkeypatch):
    for name, shift in (("a", 0.0), ("b", 0.08)):
        (tmp_path / name).mkdir()
        _line_file(tmp_path / name / "front.geojson", shift)
    answers = {}
    for name in ("a", "b"):
        monkeypatch.chdir(tmp_path / name)
        answers[name] = _dmz_answers(cache.cached_zone_model(contact_line="front.geojson"))
        pd.testing.assert_frame_equal(answers[name], _dmz_answers(zonemap.zone_model(contact_line="front.geojson")))
    assert not answers["a"].equals(answers["b"])
    assert len(list(folder.glob("zone-model-*.zmc"))) == 2


def test_a_file_edited_with_its_size_and_time_kept_is_read_again(folder, tmp_path):
    path = _line_file(tmp_path / "front.geojson")
    before = _dmz_answers(cache.cached_zone_model(contact_line=str(path)))
    stamp = path.stat()
    _line_file(path, 0.08)  # cp -p, rsync, a checkout: same size, same modification time
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stamp.st_size, stamp.st_mtime_ns)
    after = _dmz_answers(cache.cached_zone_model(contact_line=str(path)))
    pd.testing.assert_frame_equal(after, _dmz_answers(zonemap.zone_model(contact_line=str(path))))
    assert not after.equals(before)


def _within(seconds, call):
    """``call()``'s result, or a failure when it has not returned within ``seconds`` (e.g. waits on a FIFO)."""
    done = {}
    thread = threading.Thread(target=lambda: done.update(value=call()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert "value" in done, f"still running after {seconds} s"
    return done["value"]


def test_a_fifo_in_the_models_place_is_never_opened_for_reading(folder, answers):
    fifo = folder / f"zone-model-{cache._model_key({})}.zmc"
    os.mkfifo(fifo, 0o600)
    with pytest.warns(ZonemapWarning, match="is not a regular file \\(not read\\): running without the model cache"):
        loaded = _within(120, cache.cached_zone_model)
    pd.testing.assert_frame_equal(classify(EVENTS, loaded), answers)
    assert fifo.is_fifo() and len(list(folder.iterdir())) == 1  # left alone, nothing written


def test_a_symlink_to_dev_zero_in_the_models_place_is_never_followed(folder, answers):
    link = folder / f"zone-model-{cache._model_key({})}.zmc"
    link.symlink_to("/dev/zero")
    with pytest.warns(ZonemapWarning, match="is a symbolic link \\(not read\\): running without the model cache"):
        loaded = _within(120, cache.cached_zone_model)
    pd.testing.assert_frame_equal(classify(EVENTS, loaded), answers)
    assert os.readlink(link) == "/dev/zero" and len(list(folder.iterdir())) == 1


def test_a_file_cut_short_while_its_model_is_in_use(folder, answers):
    path = _cached(folder)
    loaded = cache.cached_zone_model()
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.truncate(size // 2)  # another run, a full disk, a user: the model in use is unharmed
    pd.testing.assert_frame_equal(classify(EVENTS, loaded), answers)
    with pytest.warns(ZonemapWarning, match="was damaged \\(cut short\\)"):
        pd.testing.assert_frame_equal(classify(EVENTS, cache.cached_zone_model()), answers)
    assert path.stat().st_size == size


@pytest.mark.parametrize(
    "env, place, warning",
    [
        ({"XDG_CACHE_HOME": "relative/cache"}, "home/.cache/zonemap", None),  # ignored, as the XDG spec says
        ({"XDG_CACHE_HOME": ""}, "home/.cache/zonemap", None),
        ({"XDG_CACHE_HOME": "{tmp}/xdg"}, "xdg/zonemap", None),
        ({"HOME": ""}, None, "no place for the model cache \\(HOME='', XDG_CACHE_HOME=''"),
        ({"HOME": "", "XDG_CACHE_HOME": "cache"}, None, "neither is an absolute path"),
        ({"ZONEMAP_CACHE_DIR": "my-cache"}, None, "ZONEMAP_CACHE_DIR='my-cache' is not an absolute path"),
        ({"ZONEMAP_CACHE_DIR": "off"}, None, None),
    ],
)
def test_relative_and_empty_cache_locations(tmp_path, monkeypatch, env, place, warning):
    monkeypatch.delenv("ZONEMAP_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    if warning:
        with pytest.warns(ZonemapWarning, match=warning) as said:
            cache.cached_zone_model(corridor_km=7.0)
        assert len(said) == 1
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ZonemapWarning)
            cache.cached_zone_model(corridor_km=7.0)
    assert list(work.iterdir()) == []  # never a cache in the working folder
    made = sorted(p.relative_to(tmp_path).parent.as_posix() for p in tmp_path.rglob("zone-model-*.zmc"))
    assert made == ([place] if place else [])


def test_a_cache_folder_others_can_write_is_not_used(folder, model):
    folder.chmod(0o777)
    with pytest.warns(ZonemapWarning, match=f"the cache folder {folder} is writable by others \\(mode 777\\)"):
        cache.cached_zone_model(corridor_km=7.0)
    assert list(folder.iterdir()) == []
    folder.chmod(0o770)
    with pytest.warns(ZonemapWarning, match="writable by others \\(mode 770\\): running without the model cache"):
        cache.cached_zone_model(corridor_km=7.0)
    assert list(folder.iterdir()) == []


def test_a_cache_file_others_can_write_is_not_read(folder, monkeypatch, model):
    path = _cached(folder, corridor_km=7.0)
    path.chmod(0o666)
    builds = []
    monkeypatch.setattr(cache, "zone_model", lambda **o: builds.append(o) or compiled.zone_model(**o))
    with pytest.warns(ZonemapWarning, match=f"the cache file {path} is writable by others \\(mode 666\\)"):
        cache.cached_zone_model(corridor_km=7.0)
    assert builds == [{"corridor_km": 7.0}] and path.stat().st_mode & 0o777 == 0o666  # built; the file left alone


def test_a_cache_folder_or_file_of_another_user_is_not_used(folder, monkeypatch):
    path = _cached(folder, corridor_km=7.0)
    someone_else = os.geteuid() + 1
    monkeypatch.setattr(cache.os, "geteuid", lambda: someone_else)
    belongs = f"the cache folder {folder} belongs to another user \\(uid {someone_else - 1}\\)"
    with pytest.warns(ZonemapWarning, match=belongs):
        cache.cached_zone_model(corridor_km=7.0)
    assert [p.name for p in folder.iterdir()] == [path.name]


def test_stale_temporaries_are_pruned_and_nothing_else(folder):
    key = "0123456789abcdef0123456789abcdef"
    old = time.time() - 2 * cache.STALE_TEMPORARY_SECONDS
    names = {
        f".zone-model-{key}.zmc.4242.tmp": "pruned",  # kill -9 during a write, two hours ago
        f".zone-model-{key}.pickle.4243.tmp": "pruned",  # the same, by zonemap < 0.2
        f"zone-model-{key}.pickle": "pruned",  # a model of zonemap < 0.2: never read again
        f".zone-model-{key}.zmc.4244.tmp.fresh": "kept",
        f".zone-model-{key}.zmc.4244.tmp~": "kept",
        f".zone-model-{key[:-1]}.zmc.4244.tmp": "kept",  # 31 hex digits: not zonemap's name
        "zone-model-notes.zmc": "kept",
        "my.zone-model-{key}.zmc.1.tmp": "kept",
        "notes.txt": "kept",
    }
    for name in names:
        (folder / name).write_text("a user's words")
        os.utime(folder / name, (old, old))
    fresh = folder / f".zone-model-{key}.zmc.4245.tmp"  # another run writing now
    fresh.write_text("being written")
    link = folder / f".zone-model-{key}.zmc.4246.tmp"  # not a regular file
    link.symlink_to(folder / "notes.txt")
    os.utime(link, (old, old), follow_symlinks=False)
    cache.cached_zone_model(corridor_km=7.0)
    left = {p.name for p in folder.iterdir()}
    assert left >= {n for n, fate in names.items() if fate == "kept"} | {fresh.name, link.name}
    assert not left & {n for n, fate in names.items() if fate == "pruned"}
    assert all((folder / n).read_text() == "a user's words" for n, fate in names.items() if fate == "kept")


def test_only_the_most_recently_used_models_are_kept(folder, monkeypatch):
    monkeypatch.setattr(cache, "CACHED_MODELS", 2)
    first = _cached(folder, corridor_km=7.0)
    os.utime(first, (time.time() - 60, time.time() - 60))
    for km in (8.0, 9.0):
        cache.cached_zone_model(corridor_km=km)
    assert len(list(folder.glob("zone-model-*.zmc"))) == 2 and not first.exists()


@pytest.fixture(scope="module")
def hand_model():
    """The model over the hand-digitised timeline: two of its lines are the fixed lines (twins)."""
    return zonemap.zone_model(timeline="hand")


@pytest.mark.parametrize("which", ["model", "hand_model"])
def test_a_model_file_holds_data_only_and_reads_back_exactly(which, request):
    model = request.getfixturevalue(which)
    handle = io.BytesIO()
    cache_format.write_model(model, handle, "k")
    again = cache_format.read_model(handle.getvalue(), "k")
    assert handle.getvalue().startswith(cache_format.MAGIC)
    for name in ("zones", "opposition"):
        shapes, originals = getattr(again, name), getattr(model, name)
        assert list(shapes) == list(originals) and all(shapely.equals_exact(shapes[k], originals[k], 0) for k in shapes)
    assert np.array_equal(again.grid.cells, model.grid.cells) and again.grid.origin == model.grid.origin
    level, original = again.places.grid.levels[0], model.places.grid.levels[0]
    assert all(np.array_equal(getattr(level, f), getattr(original, f)) for f in ("offsets", "members", "one", "two"))
    assert again.dated.twins == model.dated.twins
    assert repr(again.dated.validity) == repr(model.dated.validity)  # NaT included (NaT != NaT)
    assert bool(again.dated.twins) == (which == "hand_model")  # the evidence lines are none of the fixed lines
    assert all(again.lines[k] is again.dated.targets[i] for i, k in again.dated.twins.items())
    pd.testing.assert_frame_equal(classify(EVENTS, again), classify(EVENTS, model))
