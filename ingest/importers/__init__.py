"""Importers of public data sets into fact records of the curated format.

Each importer reads one data set (:mod:`ingest.importers.eto`,
:mod:`ingest.importers.us_lists`, :mod:`ingest.importers.opensanctions`) into a
:class:`~ingest.importers.common.SourceImport` and declares itself to the registry
(:mod:`ingest.importers.registry`) with an ``IMPORTER``; :mod:`ingest.importers.staging` keeps every
imported version so a newer one ends the facts it no longer states, and
:mod:`ingest.resolve` merges entities across the curated set and all imports.
"""
