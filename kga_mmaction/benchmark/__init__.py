"""The benchmark behind ``tools/benchmark.py``: KGA-Net's speed, memory and
FLOP/s next to MMAction2's TSN and the baselines.

Layout:

* :mod:`.settings` -- input sizes (full and ``--quick``), targets, and the
  :class:`~.settings.BenchmarkContext` every section reads.
* :mod:`.timing` -- interleaved repetitions and their statistics.
* :mod:`.host` -- what machine this is, and this process's memory.
* :mod:`.flops` -- FLOPs of the backbone, and the measured matmul peak.
* :mod:`.projection` -- dataloader workers a GPU needs, from FLOPs and a
  stated (or measured) GPU step.
* :mod:`.builders` -- configs without pretrained weights, models, batches.
* :mod:`.clips` -- frames of the synthetic videos through a config's test
  pipeline, and the synthetic data root.
* :mod:`.sections` -- one module per report section.
* :mod:`.runner` -- runs the chosen sections into one report dict.
* :mod:`.report` -- writes that dict as JSON and Markdown.

Nothing is imported here: ``python -m
kga_mmaction.benchmark.sections.memory`` (one memory probe in a fresh
process) must find its module unimported.
"""
