"""Incident (event) data: reading and validating ACLED exports and other tables, classifying them
against the zone model, summaries, streaming and dask ingest, and writing the results. Uses
:mod:`zonemap.model` and :mod:`zonemap.geodesy`.
"""
