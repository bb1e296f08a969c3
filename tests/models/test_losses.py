"""Unit tests for the KGA-Net losses (paper sections 3.2-3.3).

Every expected value below is derived by hand in the comments next to it and
written as a literal; none is computed by calling the code under test.

Two identities keep the hand arithmetic short for the paper variant (eq. 3).
For a non-zero vector v, ``G_v = v v^T / ||v||^2 = u u^T`` with
``u = v / ||v||``, and for unit vectors u, v:

    ||u u^T - v v^T||_F^2 = 2 - 2 (u . v)^2

Several tests also spell out the full matrices, to check the identity.
"""
import math

import pytest
import torch
from torch.autograd import gradcheck
from torch.func import functional_call

from kga_mmaction.models.losses import (CenterLoss, CoherenceLoss,
                                        center_distances,
                                        coherence_loss_official,
                                        coherence_loss_paper, normalized_gram)


def _t(values, dtype=torch.float64, grad=False):
    return torch.tensor(values, dtype=dtype, requires_grad=grad)


def _close(actual, expected, rtol=1e-6, atol=1e-7):
    expected = torch.as_tensor(expected, dtype=actual.dtype)
    torch.testing.assert_close(actual.detach(), expected, rtol=rtol,
                               atol=atol)


def _generic_inputs(n=2, t=4, seed=0):
    """Weights in (0.1, 0.9) and distances in (0.5, 3.5), float64, generic
    (no two frames equal, no zero vector), both requiring grad."""
    gen = torch.Generator().manual_seed(seed)
    w = (0.1 + 0.8 * torch.rand(n, t, generator=gen, dtype=torch.float64))
    d = (0.5 + 3.0 * torch.rand(n, t, generator=gen, dtype=torch.float64))
    return w.requires_grad_(), d.requires_grad_()


# --------------------------------------------------------------------------
# normalized_gram
# --------------------------------------------------------------------------


def test_normalized_gram_hand_values():
    # v = [1, 2]: ||v||^2 = 5 -> v v^T = [[1, 2], [2, 4]] -> / 5
    #   = [[0.2, 0.4], [0.4, 0.8]]
    # v = [3, 4]: ||v||^2 = 25 -> [[9, 12], [12, 16]] / 25
    #   = [[0.36, 0.48], [0.48, 0.64]]
    gram = normalized_gram(_t([[1., 2.], [3., 4.]]))
    _close(gram, [[[0.2, 0.4], [0.4, 0.8]],
                  [[0.36, 0.48], [0.48, 0.64]]])


def test_normalized_gram_is_scale_invariant_and_zero_row_gives_zero():
    # [2, 4] is 2 * [1, 2] -> same normalised Gram matrix as above.
    # A zero row has no direction: the Gram matrix is all zeros (not NaN).
    v = _t([[2., 4.], [0., 0.]], grad=True)
    gram = normalized_gram(v)
    _close(gram, [[[0.2, 0.4], [0.4, 0.8]], [[0., 0.], [0., 0.]]])
    gram.sum().backward()
    assert torch.isfinite(v.grad).all()
    # the zero row's gram is identically zero around 0 up to first order
    _close(v.grad[1], [0., 0.])


# --------------------------------------------------------------------------
# coherence_loss_paper (eq. 3)
# --------------------------------------------------------------------------


def test_paper_hand_value_t2_3_4_5():
    # w = [0.5, 0.0] -> 1-w = [0.5, 1] -> ||.||^2 = 1.25
    #   -> G_w = [[0.25, 0.5], [0.5, 1]] / 1.25 = [[0.2, 0.4], [0.4, 0.8]]
    # d = [3, 4] -> ||d||^2 = 25 -> G_d = [[0.36, 0.48], [0.48, 0.64]]
    # G_w - G_d = [[-0.16, -0.08], [-0.08, 0.16]]
    # ||.||_F^2 = 0.0256 + 0.0064 + 0.0064 + 0.0256 = 0.064
    # (identity: u.v = (1*3 + 2*4) / (sqrt5 * 5) = 11 / (5 sqrt5),
    #  (u.v)^2 = 121/125, 2 - 242/125 = 8/125 = 0.064)
    # loss = sqrt(0.064) = 0.25298221281347033
    loss = coherence_loss_paper(_t([[0.5, 0.0]]), _t([[3., 4.]]))
    assert loss.dim() == 0
    _close(loss, 0.25298221281347033)


def test_paper_hand_value_t2_orthogonal_is_sqrt2():
    # w = [0, 1] -> 1-w = [1, 0] -> G_w = [[1, 0], [0, 0]]
    # d = [0, 5] -> G_d = [[0, 0], [0, 1]]
    # G_w - G_d = [[1, 0], [0, -1]] -> ||.||_F = sqrt(2) = 1.4142135623730951
    loss = coherence_loss_paper(_t([[0., 1.]]), _t([[0., 5.]]))
    _close(loss, 1.4142135623730951)


def test_paper_hand_value_t3():
    # w = [0.5, 0, 0] -> 1-w = [0.5, 1, 1] -> ||.||^2 = 2.25
    #   -> G_w = [[1, 2, 2], [2, 4, 4], [2, 4, 4]] / 9
    # d = [2, 1, 2] -> ||d||^2 = 9
    #   -> G_d = [[4, 2, 4], [2, 1, 2], [4, 2, 4]] / 9
    # 9 (G_w - G_d) = [[-3, 0, -2], [0, 3, 2], [-2, 2, 0]]
    # sum of squares = 9 + 0 + 4 + 0 + 9 + 4 + 4 + 4 + 0 = 34
    # loss = sqrt(34 / 81) = sqrt(34) / 9 = 0.6478835438717
    loss = coherence_loss_paper(_t([[0.5, 0., 0.]]), _t([[2., 1., 2.]]))
    _close(loss, 0.6478835438717)


def test_paper_averages_over_videos():
    # video 1: w = [0, 1], d = [2, 2]: 1-w = [1, 0] -> G_w = [[1, 0], [0, 0]],
    #   G_d = [[0.5, 0.5], [0.5, 0.5]] -> diff = [[0.5, -0.5], [-0.5, -0.5]]
    #   -> ||.||_F^2 = 4 * 0.25 = 1 -> loss 1
    # video 2: w = [0.5, 0], d = [1, 2]: 1-w = [0.5, 1] = 0.5 * d -> loss 0
    # mean over the two videos = (1 + 0) / 2 = 0.5
    loss = coherence_loss_paper(_t([[0., 1.], [0.5, 0.]]),
                                _t([[2., 2.], [1., 2.]]))
    _close(loss, 0.5)


def test_paper_intent_proportional_is_zero_anti_correlated_is_large():
    d = _t([[1., 2., 3.]])
    # 1-w = [0.1, 0.2, 0.3] = 0.1 * d -> identical Gram matrices -> 0
    aligned = coherence_loss_paper(_t([[0.9, 0.8, 0.7]]), d)
    _close(aligned, 0.)
    # 1-w = [0.3, 0.2, 0.1]: the frame nearest its center gets the lowest
    # attention. u = [3, 2, 1]/sqrt14, v = [1, 2, 3]/sqrt14, u.v = 10/14 = 5/7
    # loss = sqrt(2 - 2 * 25/49) = sqrt(48/49) = sqrt(48) / 7 = 0.98974331861
    anti = coherence_loss_paper(_t([[0.7, 0.8, 0.9]]), d)
    _close(anti, 0.98974331861)
    assert anti.item() > aligned.item() + 0.5


def test_paper_is_invariant_to_scaling_the_distances():
    # Gram matrices are normalised, so d and 10 d give the same loss (hand:
    # both equal the 3-4-5 value sqrt(0.064) = 0.25298221281347033).
    w = _t([[0.5, 0.0]])
    _close(coherence_loss_paper(w, _t([[30., 40.]])), 0.25298221281347033)


# --------------------------------------------------------------------------
# coherence_loss_official (released code)
# --------------------------------------------------------------------------


def test_official_hand_value_t2():
    # w = [0.5, 0] -> 1-w = [0.5, 1] -> mean 0.75 -> a = [-0.25, 0.25]
    #   -> a a^T = [[0.0625, -0.0625], [-0.0625, 0.0625]]
    # d = [1, 3] -> mean 2 -> [-1, 1] -> / sqrt2
    #   -> d d^T = [[.5, -.5], [-.5, .5]]
    # diff = +-0.4375 everywhere -> squares 0.19140625 -> mean over 4 pairs
    #   = 0.19140625 -> * 100 = 19.140625
    w, d = _t([[0.5, 0.]]), _t([[1., 3.]])
    _close(coherence_loss_official(w, d, eps=0.), 19.140625)
    # With the default eps = 1e-5 the centred distances are [-1+e, 1+e]; the
    # diagonal of d d^T moves by -e and +e and the two changes cancel to
    # first order (error ~ 2 e^2 / 4 * 100 = 5e-9).
    _close(coherence_loss_official(w, d), 19.140625, rtol=1e-8, atol=1e-8)


def test_official_hand_value_t3_and_scale():
    # w = [0, 0.5, 1] -> 1-w = [1, 0.5, 0] -> mean 0.5 -> a = [0.5, 0, -0.5]
    #   -> a a^T = [[.25, 0, -.25], [0, 0, 0], [-.25, 0, .25]]
    # d = [0, 1, 2] -> mean 1 -> [-1, 0, 1] -> / sqrt2
    #   -> d d^T = [[.5, 0, -.5], [0, 0, 0], [-.5, 0, .5]]
    # diff = [[-.25, 0, .25], [0, 0, 0], [.25, 0, -.25]] -> sum sq = 4/16 = .25
    # mean over 9 pairs = 1/36 -> * 100 = 25/9 = 2.7777777777777777
    w, d = _t([[0., 0.5, 1.]]), _t([[0., 1., 2.]])
    _close(coherence_loss_official(w, d, eps=0.), 2.7777777777777777)
    # scale = 36 -> 36 / 36 = 1
    _close(coherence_loss_official(w, d, scale=36., eps=0.), 1.0)


def test_official_is_not_normalised_in_the_attention():
    # Unlike eq. 3, a = 1-w is centred but NOT normalised: halving the spread
    # of 1-w changes the loss.  w = [0.25, 0.5, 0.75] -> 1-w = [.75, .5, .25]
    # -> a = [.25, 0, -.25] -> a a^T = [[1/16, 0, -1/16], 0, [-1/16, 0, 1/16]]
    # d d^T as above (corners +-0.5) -> diff corners: 1/16 - 8/16 = -7/16
    # sum sq = 4 * 49/256 = 49/64 -> / 9 * 100 = 4900/576 = 8.506944444444445
    w, d = _t([[0.25, 0.5, 0.75]]), _t([[0., 1., 2.]])
    _close(coherence_loss_official(w, d, eps=0.), 8.506944444444445)


def test_official_averages_over_videos_with_padding():
    # video 1: the t=3 example above (all frames valid) -> 25/9
    # video 2: the t=2 example above, padded with one frame -> 19.140625
    # mean = (25/9 + 19.140625) / 2 = 10.959201388888889
    w = _t([[0., 0.5, 1.], [0.5, 0., 0.3]])
    d = _t([[0., 1., 2.], [1., 3., 7.]])
    mask = _t([[1., 1., 1.], [1., 1., 0.]])
    _close(coherence_loss_official(w, d, mask, eps=0.), 10.959201388888889)


# --------------------------------------------------------------------------
# gradients (gradcheck, float64, generic points)
# --------------------------------------------------------------------------


@pytest.mark.parametrize('fn', [coherence_loss_paper, coherence_loss_official],
                         ids=['paper', 'official'])
@pytest.mark.parametrize('masked', [False, True], ids=['nomask', 'mask'])
def test_coherence_gradcheck(fn, masked):
    w, d = _generic_inputs(n=2, t=4, seed=1)
    mask = _t([[1., 1., 1., 0.], [1., 1., 1., 1.]]) if masked else None
    assert gradcheck(lambda w_, d_: fn(w_, d_, mask), (w, d), eps=1e-6,
                     atol=1e-6, rtol=1e-4)


def test_center_loss_gradcheck_features_and_centers():
    gen = torch.Generator().manual_seed(2)
    module = CenterLoss(num_classes=3, feat_dim=4, loss_weight=0.7).double()
    feats = torch.randn(5, 4, generator=gen, dtype=torch.float64,
                        requires_grad=True)
    centers = torch.randn(3, 4, generator=gen, dtype=torch.float64,
                          requires_grad=True)
    labels = torch.tensor([0, 2, 2, 1, 0])

    def fn(x, c):
        return functional_call(module, {'centers': c}, (x, labels))

    assert gradcheck(fn, (feats, centers), eps=1e-6, atol=1e-6, rtol=1e-4)


def test_center_distances_gradcheck():
    gen = torch.Generator().manual_seed(3)
    feats = torch.randn(2, 3, 4, generator=gen, dtype=torch.float64,
                        requires_grad=True)
    centers = torch.randn(2, 4, generator=gen, dtype=torch.float64,
                          requires_grad=True)
    for squared in (False, True):
        assert gradcheck(lambda x, c: center_distances(x, c, squared),
                         (feats, centers), eps=1e-6, atol=1e-6, rtol=1e-4)


# --------------------------------------------------------------------------
# the mask: padded frames take no part
# --------------------------------------------------------------------------

VARIANTS = [coherence_loss_paper, coherence_loss_official]
VARIANT_IDS = ['paper', 'official']


@pytest.mark.parametrize('fn', VARIANTS, ids=VARIANT_IDS)
def test_mask_values_at_padded_positions_do_not_matter(fn):
    w = _t([[0.2, 0.7, 0.4, 0.1, 0.9]])
    d = _t([[1.5, 0.3, 2.2, 4.0, 0.0]])
    mask = _t([[1., 1., 1., 0., 0.]])
    ref = fn(w, d, mask)
    w2, d2 = w.clone(), d.clone()
    w2[0, 3:] = torch.tensor([1.0, 0.0])  # extreme weights
    d2[0, 3:] = torch.tensor([1e3, 123.])  # far-away frames
    _close(fn(w2, d2, mask), ref.item(), rtol=1e-12, atol=1e-12)
    # and the mask really is used: without it the padded frames count
    assert abs(fn(w, d).item() - ref.item()) > 1e-3


@pytest.mark.parametrize('fn', VARIANTS, ids=VARIANT_IDS)
def test_mask_padded_video_equals_unpadded(fn):
    w = _t([[0.2, 0.7, 0.4]])
    d = _t([[1.5, 0.3, 2.2]])
    w_pad = _t([[0.2, 0.7, 0.4, 0.5, 0.5]])
    d_pad = _t([[1.5, 0.3, 2.2, 9.0, 0.1]])
    mask = _t([[1., 1., 1., 0., 0.]])
    _close(fn(w_pad, d_pad, mask), fn(w, d).item(), rtol=1e-12, atol=1e-12)


def test_mask_padded_video_equals_hand_values():
    # Same as above with hand values: the paper t=3 example, padded.
    # sqrt(34)/9 = 0.6478835438717 (see test_paper_hand_value_t3)
    loss = coherence_loss_paper(_t([[0.5, 0., 0., 0.3]]),
                                _t([[2., 1., 2., 5.]]),
                                _t([[1., 1., 1., 0.]]))
    _close(loss, 0.6478835438717)
    # official t=2 example padded to t=4: 19.140625
    loss = coherence_loss_official(_t([[0.5, 0., 0.9, 0.2]]),
                                   _t([[1., 3., 0.5, 8.]]),
                                   _t([[1., 1., 0., 0.]]), eps=0.)
    _close(loss, 19.140625)


@pytest.mark.parametrize('fn', VARIANTS, ids=VARIANT_IDS)
def test_mask_gradients_at_padded_positions_are_zero(fn):
    w, d = _generic_inputs(n=2, t=5, seed=4)
    mask = _t([[1., 1., 1., 0., 0.], [1., 1., 1., 1., 0.]])
    fn(w, d, mask).backward()
    padded = mask == 0
    assert torch.equal(w.grad[padded], torch.zeros(3, dtype=torch.float64))
    assert torch.equal(d.grad[padded], torch.zeros(3, dtype=torch.float64))
    # the valid positions do get a gradient
    assert (w.grad[~padded].abs() > 0).all()
    assert (d.grad[~padded].abs() > 0).all()


@pytest.mark.parametrize('fn', VARIANTS, ids=VARIANT_IDS)
def test_mask_wrong_shape_raises(fn):
    with pytest.raises(ValueError):
        fn(_t([[0.2, 0.5]]), _t([[1., 2.]]), _t([[1., 1., 0.]]))


# --------------------------------------------------------------------------
# degenerate cases: finite value equal to the hand value, finite gradients
# --------------------------------------------------------------------------


def _value_and_grads(fn, w, d, mask=None, **kwargs):
    w = _t(w, dtype=torch.float32, grad=True)
    d = _t(d, dtype=torch.float32, grad=True)
    if mask is not None:
        mask = _t(mask, dtype=torch.float32)
    loss = fn(w, d, mask, **kwargs)
    loss.backward()
    assert torch.isfinite(loss)
    assert w.grad is not None and torch.isfinite(w.grad).all()
    assert d.grad is not None and torch.isfinite(d.grad).all()
    return loss, w.grad, d.grad


def test_paper_degenerate_all_weights_one():
    # 1-w = [0, 0] -> G_w = 0 (zero vector); d = [3, 4] -> G_d unit-rank,
    # ||G_d||_F = ||u||^2 = 1 -> loss = 1
    loss, gw, _ = _value_and_grads(coherence_loss_paper, [[1., 1.]],
                                   [[3., 4.]])
    _close(loss, 1.0, rtol=1e-6, atol=1e-6)


def test_paper_degenerate_equal_distances():
    # d = [2, 2, 2] -> G_d = ones / 3.
    # w = [0, 1, 1] -> 1-w = [1, 0, 0] -> G_w = e1 e1^T
    # diff = [[2/3, -1/3, -1/3], [-1/3, -1/3, -1/3], [-1/3, -1/3, -1/3]]
    # sum sq = 4/9 + 8/9 = 12/9 -> loss = sqrt(4/3) = 1.1547005383792517
    loss, _, _ = _value_and_grads(coherence_loss_paper, [[0., 1., 1.]],
                                  [[2., 2., 2.]])
    _close(loss, 1.1547005383792517, rtol=1e-6, atol=1e-6)
    # w = [0.5, 0.5, 0.5] -> 1-w also constant -> G_w = G_d -> loss 0, at the
    # kink of the Frobenius norm: gradient must stay finite (not NaN)
    loss, _, _ = _value_and_grads(coherence_loss_paper, [[.5, .5, .5]],
                                  [[2., 2., 2.]])
    _close(loss, 0.0, atol=1e-6)


def test_paper_degenerate_zero_distances():
    # d = 0 -> G_d = 0; 1-w = [0.5, 1] -> ||G_w||_F = 1 -> loss 1
    loss, _, gd = _value_and_grads(coherence_loss_paper, [[0.5, 0.]],
                                   [[0., 0.]])
    _close(loss, 1.0, rtol=1e-6, atol=1e-6)
    # both zero: G_w = G_d = 0 -> loss 0
    loss, _, _ = _value_and_grads(coherence_loss_paper, [[1., 1.]],
                                  [[0., 0.]])
    _close(loss, 0.0, atol=1e-7)


def test_paper_degenerate_single_frame():
    # T = 1: any non-zero scalar normalises to 1 -> G_w = G_d = [[1]] -> 0
    loss, gw, gd = _value_and_grads(coherence_loss_paper, [[0.25]], [[2.]])
    _close(loss, 0.0, atol=1e-7)
    # w = 1 -> G_w = [[0]], G_d = [[1]] -> loss 1
    loss, _, _ = _value_and_grads(coherence_loss_paper, [[1.]], [[2.]])
    _close(loss, 1.0, rtol=1e-6, atol=1e-6)


def test_official_degenerate_all_weights_one():
    # 1-w = [1, 1] - 1 = 0 -> a = 0 -> a a^T = 0; d = [1, 3] -> d' unit, so
    # ||d' d'^T||_F^2 = ||d'||^4 = 1 whatever eps is.
    # loss = 1 / 4 pairs * 100 = 25
    loss, _, _ = _value_and_grads(coherence_loss_official, [[1., 1.]],
                                  [[1., 3.]])
    _close(loss, 25.0, rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize('dist', [[2., 2., 2.], [0., 0., 0.]],
                         ids=['equal', 'zero'])
def test_official_degenerate_equal_or_zero_distances(dist):
    # centred d = [0, 0, 0] -> + eps -> [e, e, e] -> / (e sqrt3)
    #   -> d' = [1, 1, 1] / sqrt3 -> d' d'^T = ones / 3
    # w = [0, 0.5, 1] -> a = [0.5, 0, -0.5] (see the t=3 example)
    # a a^T - 1/3: corners on the diagonal .25 - 1/3 = -1/12 (x2),
    #   centre -1/3 (x1), the 4 zero entries -1/3 (x4),
    #   anti-diagonal corners -.25 - 1/3 = -7/12 (x2)
    # sum sq = 2/144 + 1/9 + 4/9 + 98/144 = 100/144 + 80/144 = 1.25
    # mean over 9 = 1.25 / 9 -> * 100 = 125/9 = 13.88888888888889
    loss, _, _ = _value_and_grads(coherence_loss_official, [[0., .5, 1.]],
                                  [dist])
    _close(loss, 13.88888888888889, rtol=1e-5, atol=1e-5)


def test_official_degenerate_equal_distances_without_eps():
    # eps = 0: centred d = 0 stays 0 -> d' d'^T = 0 -> only a a^T remains:
    # sum sq = 4 * 0.0625 = 0.25 -> / 9 * 100 = 25/9 = 2.7777777777777777
    loss, _, _ = _value_and_grads(coherence_loss_official, [[0., .5, 1.]],
                                  [[2., 2., 2.]], eps=0.)
    _close(loss, 2.7777777777777777, rtol=1e-6, atol=1e-6)


def test_official_degenerate_single_frame():
    # T = 1: a = (1-w) - mean = 0; centred d = 0 -> + eps -> / eps = 1
    # -> d' d'^T = [[1]] -> MSE = (0 - 1)^2 = 1 -> * 100 = 100
    loss, gw, gd = _value_and_grads(coherence_loss_official, [[0.3]], [[4.]])
    _close(loss, 100.0, rtol=1e-6, atol=1e-5)
    # nothing depends on the inputs: gradients are exactly 0
    _close(gw, [[0.]])
    _close(gd, [[0.]])


def test_degenerate_single_valid_frame_in_padded_video():
    # a padded video with one valid frame behaves like T = 1
    # paper: w = 0.25, d = 2 -> 0; official: 100 (see above)
    w, d, mask = [[0.25, 0.6]], [[2., 7.]], [[1., 0.]]
    loss, gw, gd = _value_and_grads(coherence_loss_paper, w, d, mask)
    _close(loss, 0.0, atol=1e-7)
    loss, gw, gd = _value_and_grads(coherence_loss_official, w, d, mask)
    _close(loss, 100.0, rtol=1e-6, atol=1e-5)


# --------------------------------------------------------------------------
# CoherenceLoss module
# --------------------------------------------------------------------------


def test_coherence_module_default_is_paper_and_loss_weight_scales():
    # w = [0, 1], d = [2, 2] -> paper loss 1 (see test_paper_averages...)
    w, d = _t([[0., 1.]]), _t([[2., 2.]])
    assert CoherenceLoss().variant == 'paper'
    _close(CoherenceLoss()(w, d), 1.0)
    _close(CoherenceLoss(loss_weight=2.5)(w, d), 2.5)
    _close(CoherenceLoss(loss_weight=0.)(w, d), 0.)


def test_coherence_module_variant_dispatch():
    # w = [1, 1], d = [1, 3]:
    #   paper:    G_w = 0, ||G_d||_F = 1            -> 1
    #   official: a = 0, ||d' d'^T||_F^2 = 1 -> 1/4 * 100 -> 25
    w, d = _t([[1., 1.]]), _t([[1., 3.]])
    _close(CoherenceLoss(variant='paper')(w, d), 1.0)
    _close(CoherenceLoss(variant='official')(w, d), 25.0)
    _close(CoherenceLoss(loss_weight=0.5, variant='official')(w, d), 12.5)
    # official t=2 example, with the module's default scale and eps: 19.140625
    _close(CoherenceLoss(variant='official')(_t([[0.5, 0.]]), d), 19.140625,
           rtol=1e-8, atol=1e-8)
    assert CoherenceLoss(variant='paper').squared_distances is False
    assert CoherenceLoss(variant='official').squared_distances is True


def test_coherence_module_passes_the_mask():
    # paper t=3 example padded to 4 frames -> sqrt(34)/9 = 0.6478835438717
    loss = CoherenceLoss(loss_weight=2.)(_t([[0.5, 0., 0., 0.3]]),
                                         _t([[2., 1., 2., 5.]]),
                                         _t([[1., 1., 1., 0.]]))
    _close(loss, 2 * 0.6478835438717)


def test_coherence_module_errors():
    with pytest.raises(ValueError):
        CoherenceLoss(variant='mse')
    module = CoherenceLoss()
    with pytest.raises(ValueError):  # T differs
        module(_t([[0.5, 0.2]]), _t([[1., 2., 3.]]))
    with pytest.raises(ValueError):  # N differs
        module(_t([[0.5, 0.2]]), _t([[1., 2.], [3., 4.]]))
    with pytest.raises(ValueError):  # not [N, T]
        module(_t([0.5, 0.2]), _t([1., 2.]))
    with pytest.raises(ValueError):  # mask shape
        module(_t([[0.5, 0.2]]), _t([[1., 2.]]), _t([[1., 1., 0.]]))


def test_losses_are_registered():
    from mmaction.registry import MODELS
    loss = MODELS.build(dict(type='CoherenceLoss', loss_weight=3.,
                             variant='official'))
    assert isinstance(loss, CoherenceLoss)
    assert loss.loss_weight == 3. and loss.variant == 'official'
    center = MODELS.build(dict(type='CenterLoss', num_classes=2, feat_dim=8))
    assert isinstance(center, CenterLoss)
    assert tuple(center.centers.shape) == (2, 8)


def test_center_loss_default_state_dict_is_the_released_one():
    # only the options add a counter; old checkpoints keep loading strictly
    assert list(CenterLoss(2, 3).state_dict()) == ['centers']
    assert list(CenterLoss(2, 3, warmup_iters=5).state_dict()) == [
        'centers', 'num_updates'
    ]


def test_center_loss_feature_init_takes_the_class_means_of_the_first_batch():
    loss = CenterLoss(3, 2, init='features')
    random_center_2 = loss.centers[2].detach().clone()
    feats = _t([[1., 2.], [3., 6.], [10., 0.]], dtype=torch.float32)
    labels = torch.tensor([0, 0, 1])
    value = loss(feats, labels)
    # class 0: mean of [1, 2] and [3, 6] = [2, 4]; class 1: [10, 0];
    # class 2 is absent and keeps its random center
    _close(loss.centers[:2], [[2., 4.], [10., 0.]])
    _close(loss.centers[2], random_center_2)
    # 1/2 mean(||[-1, -2]||^2, ||[1, 2]||^2, 0) = 1/2 * 10/3
    _close(value, 5. / 3.)
    # later batches do not move the centers by hand any more
    loss(feats + 5., labels)
    _close(loss.centers[:2], [[2., 4.], [10., 0.]])


def test_center_loss_feature_init_skips_eval_and_resumed_checkpoints():
    feats = _t([[1., 2.], [3., 6.]], dtype=torch.float32)
    labels = torch.tensor([0, 1])
    loss = CenterLoss(2, 2, init='features').eval()
    before = loss.centers.detach().clone()
    loss(feats, labels)  # a test forward counts nothing
    _close(loss.centers, before)
    trained = CenterLoss(2, 2, init='features')
    trained(feats, labels)
    resumed = CenterLoss(2, 2, init='features')
    resumed.load_state_dict(trained.state_dict())
    with torch.no_grad():
        resumed.centers.fill_(7.)  # as if trained on since
    resumed(feats + 1., labels)
    _close(resumed.centers, torch.full((2, 2), 7.))
    assert int(resumed.num_updates) == 2


def test_center_loss_warmup_ramps_the_weight_linearly():
    loss = CenterLoss(1, 1, loss_weight=2., warmup_iters=4)
    with torch.no_grad():
        loss.centers.zero_()
    feats, labels = _t([[1.]], dtype=torch.float32), torch.tensor([0])
    # unweighted 1/2 * 1^2 = 0.5; weight 2 * min(k, 4) / 4 at forward k
    values = [float(loss(feats, labels).detach()) for _ in range(6)]
    assert values == pytest.approx([0.25, 0.5, 0.75, 1., 1., 1.])


@pytest.mark.parametrize('kwargs,match', [(dict(init='zeros'), 'init'),
                                          (dict(warmup_iters=-1), 'warmup')])
def test_center_loss_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CenterLoss(2, 2, **kwargs)


# --------------------------------------------------------------------------
# center_distances (eq. 2)
# --------------------------------------------------------------------------


def test_center_distances_hand_values_3_4_5():
    # x0 = [3, 4]: to [0, 0] -> 5; to [3, 0] -> [0, 4] -> 4;
    #              to [6, 8] -> [-3, -4] -> 5
    # x1 = [0, 0]: to [0, 0] -> 0; to [3, 0] -> 3; to [6, 8] -> 10
    feats = _t([[3., 4.], [0., 0.]])
    centers = _t([[0., 0.], [3., 0.], [6., 8.]])
    _close(center_distances(feats, centers), [[5., 4., 5.], [0., 3., 10.]])
    _close(center_distances(feats, centers, squared=True),
           [[25., 16., 25.], [0., 9., 100.]])


def test_center_distances_keeps_leading_dims():
    # [N=2, T=1, C=2] features -> [2, 1, K=3]
    feats = _t([[[3., 4.]], [[0., 0.]]])
    centers = _t([[0., 0.], [3., 0.], [6., 8.]])
    out = center_distances(feats, centers)
    assert tuple(out.shape) == (2, 1, 3)
    _close(out, [[[5., 4., 5.]], [[0., 3., 10.]]])


def test_center_distances_zero_distance_has_zero_gradient():
    # x = [3, 4] sits on c0 = [3, 4]; c1 = [0, 0] is 5 away.
    # d/dx ||x - c0|| -> 0 by convention (not NaN);
    # d/dx ||x - c1|| = (x - c1) / 5 = [0.6, 0.8]
    x = _t([[3., 4.]], grad=True)
    c = _t([[3., 4.], [0., 0.]], grad=True)
    dist = center_distances(x, c)
    _close(dist, [[0., 5.]])
    dist.sum().backward()
    _close(x.grad, [[0.6, 0.8]])
    _close(c.grad, [[0., 0.], [-0.6, -0.8]])


def test_center_distances_squared_gradient():
    # d/dx ||x - c||^2 = 2 (x - c): x = [3, 4], c0 = [3, 4] -> [0, 0],
    # c1 = [0, 0] -> [6, 8]; summed -> [6, 8]
    x = _t([[3., 4.]], grad=True)
    c = _t([[3., 4.], [0., 0.]])
    center_distances(x, c, squared=True).sum().backward()
    _close(x.grad, [[6., 8.]])


# --------------------------------------------------------------------------
# CenterLoss
# --------------------------------------------------------------------------


def _center_loss(loss_weight=1.0):
    module = CenterLoss(num_classes=3, feat_dim=2, loss_weight=loss_weight)
    with torch.no_grad():
        module.centers.copy_(torch.tensor([[0., 0.], [1., 1.], [5., 5.]]))
    return module


def test_center_loss_hand_value_and_gradients():
    # centers c0 = [0, 0], c1 = [1, 1], c2 = [5, 5] (c2 unused)
    # x = [[3, 4], [1, 1], [0, 0]], y = [0, 1, 1]
    # ||x_i - c_yi||^2 = 25, 0, 2 -> mean = 27/3 = 9 -> * 0.5 = 4.5
    module = _center_loss()
    feats = torch.tensor([[3., 4.], [1., 1.], [0., 0.]], requires_grad=True)
    labels = torch.tensor([0, 1, 1])
    loss = module(feats, labels)
    _close(loss, 4.5)
    loss.backward()
    # dL/dc_k = (1/B) sum_{i: y_i = k} (c_k - x_i), B = 3
    #   c0: ([0, 0] - [3, 4]) / 3 = [-1, -4/3]
    #   c1: (([1, 1] - [1, 1]) + ([1, 1] - [0, 0])) / 3 = [1/3, 1/3]
    #   c2: no sample -> [0, 0]
    _close(module.centers.grad,
           [[-1., -4. / 3.], [1. / 3., 1. / 3.], [0., 0.]])
    # dL/dx_i = (x_i - c_yi) / B = [1, 4/3], [0, 0], [-1/3, -1/3]
    _close(feats.grad, [[1., 4. / 3.], [0., 0.], [-1. / 3., -1. / 3.]])


def test_center_loss_weight_scales():
    # 3 * 4.5 = 13.5
    module = _center_loss(loss_weight=3.)
    loss = module(torch.tensor([[3., 4.], [1., 1.], [0., 0.]]),
                  torch.tensor([0, 1, 1]))
    _close(loss, 13.5)


def test_center_loss_is_zero_on_its_center():
    # every feature on its own center -> 0
    module = _center_loss()
    _close(module(torch.tensor([[5., 5.], [0., 0.]]), torch.tensor([2, 0])),
           0.)


def test_center_loss_empty_batch_keeps_centers_in_graph():
    module = _center_loss()
    loss = module(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long))
    _close(loss, 0.)
    assert loss.requires_grad
    loss.backward()
    assert module.centers.grad is not None
    _close(module.centers.grad, torch.zeros(3, 2))


def test_center_loss_wrong_feature_dim_raises():
    module = _center_loss()
    with pytest.raises(ValueError):
        module(torch.zeros(4, 3), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError):
        module(torch.zeros(2), torch.zeros(1, dtype=torch.long))


def test_center_loss_has_learnable_centers():
    module = CenterLoss(num_classes=4, feat_dim=6)
    names = [name for name, _ in module.named_parameters()]
    assert names == ['centers']
    assert tuple(module.centers.shape) == (4, 6)
    assert math.isfinite(module.centers.sum().item())
