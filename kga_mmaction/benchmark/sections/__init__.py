"""One module per benchmark section, each with a ``run(ctx) -> dict``.

The modules are not imported here (see :mod:`kga_mmaction.benchmark`);
:data:`kga_mmaction.benchmark.runner.SECTIONS` lists them in report order.
"""
