"""The result stage: result folders on disk, their manifest, the job life cycle, and one reader.

Every command writes its result set through :func:`afsim.results.job.job` and a manifest from
:mod:`afsim.results.manifest`; every reader (plots, the report, ``afsim analyze``) reads it
with :meth:`afsim.results.resultset.ResultSet.load`.
"""
