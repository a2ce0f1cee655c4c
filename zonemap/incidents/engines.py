"""The engine that classifies incidents: in memory (numpy, this process) or on dask (partition by
partition). The choice is made here, above both, so the classifier never imports the dask wing:
imports run one way, ``engines`` → ``scale`` → ``classification``.
"""

from __future__ import annotations

from ..errors import ArgumentError
from ..model import compiled
from .classification import classify as classify_in_memory

ENGINES = ("memory", "dask")


def classify(
    incidents, model=None, *, engine: str = "memory", as_of="event", nearest_place: bool = True, **model_options
):
    """:func:`zonemap.incidents.classification.classify` in memory, or with ``engine="dask"`` lazily on dask.

    With ``engine="dask"``, ``incidents`` is a folder or file path (one partition per file, read
    and validated on the workers) or a dask-geopandas GeoDataFrame; the result is a lazy
    dask-geopandas frame (see :func:`zonemap.incidents.scale.classify_dask`). ``model_options`` build the
    zone model when ``model`` is not given. See :func:`zonemap.incidents.classification.classify` for the
    columns (each incident judged as of its own date unless ``as_of`` says otherwise).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> events = gpd.GeoDataFrame(geometry=[shapely.Point(36.63, 35.93)], crs="EPSG:4326")
    >>> classify(events)["in_idlib_area"].tolist()
    [True]
    """
    if engine not in ENGINES:
        raise ArgumentError(f"engine must be 'memory' or 'dask', not {engine!r}")
    if engine == "memory":
        return classify_in_memory(incidents, model, as_of=as_of, nearest_place=nearest_place, **model_options)
    from .scale import classify_dask

    if model is None:
        model = compiled.zone_model(**model_options) if model_options else compiled._default_model()
    if as_of != "event":
        raise ArgumentError("the dask engine judges each incident as of its own date (as_of='event')")
    return classify_dask(incidents, model, nearest_place=nearest_place)
