# KGA-Net, full model (Table 1, last row; Table 2, last row).
_base_ = [
    '../_base_/models/kga_net_r50.py', '../_base_/datasets/busv_busi_mixed.py',
    '../_base_/schedules/sgd_8k_iters.py', '../_base_/default_runtime.py'
]

# The diagnosis metrics, whether the attention follows the class centers
# (mean per-video correlation of frame weight and center distance; negative
# when the coherence loss works), and whether it picks the frames where the
# lesion is (correlation with the annotated lesion area, and the share of the
# 4 most attended frames among the 4 with the largest lesion).
val_evaluator = [
    dict(type='BinaryDiagnosisMetric', positive_class=1),
    dict(type='AttentionDistanceMetric'),
    dict(type='KeyframeLocalisationMetric', k=4)
]
test_evaluator = val_evaluator
