# Runtime of the CPU demos (`configs/demo/`): one checkpoint, at the end of
# the 600 iterations of `schedules/demo_600it.py`, and a log line every 50.
# (Hooks live here, not in the schedule: mmengine refuses a key that two
# `_base_` files both define.)
_base_ = './default_runtime.py'

default_hooks = dict(checkpoint=dict(interval=600), logger=dict(interval=50))
