"""The figures, one module per kind of result set; :func:`afsim.present.plots.plot_result_sets` draws them.

``style`` holds what every figure shares; ``run`` draws paired runs (and several side by side),
``sweep`` sweeps and their sensitivity indices, ``tornado`` tornado analyses, ``verdicts`` the
verdict matrix of ``afsim argue``.  Each function returns a matplotlib Figure (tests and the HTML
report use them in memory) and reads only a loaded result set: no figure runs a simulation.
"""
