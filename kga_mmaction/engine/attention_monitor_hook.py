"""Log what drives KGA-Net's frame attention weights during training."""
import contextlib
import json
import os.path as osp
import random
from typing import Dict, Iterator, List, Optional

import numpy as np
import torch
import torch.nn as nn
from mmaction.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

#: File in ``runner.log_dir`` that gets one JSON line per monitored iteration.
JSONL_NAME = 'attention_monitor.jsonl'


def grad_norm(term: torch.Tensor, params: List[nn.Parameter]) -> float:
    """L2 norm of ``d term / d params``, all parameters concatenated.

    Uses :func:`torch.autograd.grad` (retaining the graph), so no ``.grad``
    is written. Parameters that ``term`` does not reach count as 0.

    Args:
        term (torch.Tensor): A scalar loss term.
        params (list[nn.Parameter]): The parameters.

    Returns:
        float: The norm; 0 when ``term`` reaches none of ``params``.
    """
    if not params or not term.requires_grad:
        return 0.
    grads = torch.autograd.grad(
        term, params, retain_graph=True, allow_unused=True)
    flat = [g.flatten() for g in grads if g is not None]
    return float(torch.cat(flat).norm()) if flat else 0.


def level_gradient(term: torch.Tensor, fc_attention: nn.Linear) -> float:
    """Signed gradient of ``term`` with respect to the attention bias.

    The bias shifts every frame's logit alike, so this says which way the
    term pushes the level of all weights: a positive value makes a gradient
    step lower every logit (towards ``w = 0``), a negative one raise it.

    Args:
        term (torch.Tensor): A scalar loss term.
        fc_attention (nn.Linear): The attention layer (with a bias).

    Returns:
        float: ``d term / d bias``; 0 when ``term`` does not reach it.
    """
    if fc_attention.bias is None or not term.requires_grad:
        return 0.
    grad, = torch.autograd.grad(term, [fc_attention.bias], retain_graph=True,
                                allow_unused=True)
    return 0. if grad is None else float(grad.sum())


@contextlib.contextmanager
def preserved_state(model: nn.Module) -> Iterator[None]:
    """Undo what a training-mode forward changes in ``model`` and the RNGs.

    Restores every buffer (BatchNorm running statistics,
    ``num_batches_tracked``...), every module's ``training`` flag and the
    torch (CPU and CUDA), ``random`` and NumPy random states on exit.

    Args:
        model (nn.Module): The model.
    """
    buffers = {name: buf.detach().clone()
               for name, buf in model.named_buffers()}
    modes = {module: module.training for module in model.modules()}
    py_state, np_state = random.getstate(), np.random.get_state()
    cuda = (list(range(torch.cuda.device_count()))
            if torch.cuda.is_initialized() else [])
    try:
        with torch.random.fork_rng(devices=cuda):
            yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        with torch.no_grad():
            for name, buf in model.named_buffers():
                buf.copy_(buffers[name])
        for module, training in modes.items():
            module.training = training


@HOOKS.register_module()
class AttentionMonitorHook(Hook):
    """Measures, every ``interval`` training iterations, how the frame
    attention ``w_i = sigmoid(FC(F_i))`` behaves and which loss term pushes
    it.

    Written to diagnose attention weights that collapse towards 0 within a
    few dozen SGD iterations. On a monitored iteration the hook runs the
    model once more on that iteration's batch in training mode (data
    preprocessor, ``extract_feat``, ``cls_head.loss``) and takes one
    gradient pass per ``loss_*`` term with :func:`torch.autograd.grad`. It
    changes no state: buffers (BatchNorm statistics), module modes and RNG
    states are restored, and no ``.grad`` is written. It runs after the
    optimizer step of that iteration (as every ``after_train_iter`` hook
    does), so it measures the updated weights on the batch they were just
    trained on; and before the ``LoggerHook``, so the log line of that
    iteration shows its values.

    Scalars put in the message hub (``train/<key>``, so they reach the log
    line and ``vis_data/scalars.json``), over the real (unpadded) video
    frames of the batch:

    * ``attn/logit_mean``, ``attn/logit_std``: mean and population std of
      the attention logits before the sigmoid (``FrameAttentionHead.
      attention_logits``: ``FC(F_i)``, centred with ``center_logits``);
    * ``attn/weight_mean``: mean weight ``w_i``;
    * ``attn/saturated``: share of weights with ``w_i < eps`` or
      ``w_i > 1 - eps`` (where the sigmoid passes almost no gradient);
    * ``attn/grad_<term>``: L2 norm of the gradient of each loss term
      (``loss_cls``, ``loss_frame``, ``loss_center``...) with respect to
      the attention layer's weight and bias together (0 for a term that
      does not reach it);
    * ``attn/level_grad_<term>``: the signed gradient of each term with
      respect to the attention bias (:func:`level_gradient`): positive
      pushes every weight towards 0, negative towards 1;
    * ``backbone/grad_<term>``: the same with respect to the backbone's
      last stage (or ``backbone_stage``), which shows losses such as the
      center loss acting on the features through the backbone.

    A head without ``fc_attention`` (``aggregation='frame_mean'``) gets the
    backbone gradients only. The logger's ``LogProcessor`` shows each key's
    mean over its last ``window_size`` recorded values (monitored
    iterations only) unless its ``custom_cfg`` asks for ``'current'``; the
    main process also appends every monitored iteration's exact values as
    one JSON line (``iter`` and the keys above) to
    ``{log_dir}/attention_monitor.jsonl``.

    Cost per monitored iteration: one extra forward pass and one gradient
    pass per loss term (the backbone passes go back to the measured stage
    only), at the model's default precision (no autocast).

    Args:
        interval (int): Monitor every ``interval`` training iterations,
            and at the first one. Defaults to 20.
        eps (float): Saturation margin of ``attn/saturated``, in (0, 0.5).
            Defaults to 1e-3.
        backbone_stage (str, optional): Name of the backbone submodule
            whose parameters ``backbone/grad_*`` measures (``'layer4'``).
            Defaults to None: the last of MMAction2's ResNet ``res_layers``,
            else the backbone's last child module with trainable
            parameters.
    """

    priority = 'NORMAL'

    def __init__(self,
                 interval: int = 20,
                 eps: float = 1e-3,
                 backbone_stage: Optional[str] = None) -> None:
        if interval < 1:
            raise ValueError(f'AttentionMonitorHook interval must be >= 1, '
                             f'got {interval}')
        if not 0 < eps < 0.5:
            raise ValueError(f'AttentionMonitorHook eps must lie in (0, '
                             f'0.5), got {eps}')
        self.interval = interval
        self.eps = eps
        self.backbone_stage = backbone_stage
        self._announced = False

    def stage_parameters(self, backbone: nn.Module) -> List[nn.Parameter]:
        """Trainable parameters of the backbone stage that is measured.

        Args:
            backbone (nn.Module): The model's backbone.

        Returns:
            list[nn.Parameter]: The parameters of ``backbone_stage``, of the
            last ResNet stage or of the last child with trainable
            parameters; all trainable backbone parameters if it has no
            child module.

        Raises:
            ValueError: If ``backbone_stage`` names no submodule.
        """
        modules = dict(backbone.named_modules())
        if self.backbone_stage is not None:
            if self.backbone_stage not in modules:
                children = [name for name, _ in backbone.named_children()]
                raise ValueError(
                    f'AttentionMonitorHook backbone_stage '
                    f'{self.backbone_stage!r} is not a submodule of '
                    f'{type(backbone).__name__}; its children are {children}')
            stage = modules[self.backbone_stage]
        elif getattr(backbone, 'res_layers', None):
            stage = modules[backbone.res_layers[-1]]
        else:
            stages = [child for child in backbone.children() if any(
                p.requires_grad for p in child.parameters())]
            stage = stages[-1] if stages else backbone
        return [p for p in stage.parameters() if p.requires_grad]

    def measure(self, model: nn.Module, data_batch: dict) -> Dict[str, float]:
        """Attention statistics and gradient norms on one batch.

        Args:
            model (nn.Module): The unwrapped recognizer.
            data_batch (dict): The batch as the dataloader yields it.

        Returns:
            dict[str, float]: The ``attn/*`` and ``backbone/*`` values (see
            the class docstring).
        """
        head = model.cls_head
        fc_attention = getattr(head, 'fc_attention', None)
        values: Dict[str, float] = {}
        with preserved_state(model), torch.enable_grad():
            model.train()
            data = model.data_preprocessor(data_batch, training=True)
            feats, kwargs = model.extract_feat(
                data['inputs'], data_samples=data['data_samples'])
            losses = head.loss(feats, data['data_samples'], **kwargs)
            if fc_attention is not None:
                frames, valid_mask = head.frame_features(
                    feats, kwargs.get('num_segs'), kwargs.get('valid_mask'))
                # [N, T] -> [N_valid]: what the sigmoid sees
                logits = head.attention_logits(
                    frames.float(), valid_mask)[valid_mask.bool()].detach()
                weights = torch.sigmoid(logits)
                saturated = (weights < self.eps) | (weights > 1 - self.eps)
                values.update({
                    'attn/logit_mean': float(logits.mean()),
                    'attn/logit_std': float(logits.std(unbiased=False)),
                    'attn/weight_mean': float(weights.mean()),
                    'attn/saturated': float(saturated.float().mean()),
                })
            attn_params = ([p for p in fc_attention.parameters()]
                           if fc_attention is not None else [])
            stage_params = self.stage_parameters(model.backbone)
            for key, term in losses.items():
                if not key.startswith('loss'):
                    continue  # top1_acc and other log-only values
                if isinstance(term, (list, tuple)):
                    term = sum(term)
                if fc_attention is not None:
                    values[f'attn/grad_{key}'] = grad_norm(term, attn_params)
                    values[f'attn/level_grad_{key}'] = level_gradient(
                        term, fc_attention)
                values[f'backbone/grad_{key}'] = grad_norm(term, stage_params)
        return values

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Measure and log every ``interval`` iterations.

        Args:
            runner (Runner): The runner.
            batch_idx (int): Index of the batch in the epoch.
            data_batch (dict, optional): This iteration's batch.
            outputs (dict, optional): The log variables (unused).
        """
        # the first iteration too: the starting point of the curves
        if data_batch is None or not (runner.iter == 0
                                      or self.every_n_train_iters(
                                          runner, self.interval)):
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if not self._announced:
            self._announced = True
            if getattr(model.cls_head, 'fc_attention', None) is None:
                runner.logger.warning(
                    f'AttentionMonitorHook: {type(model.cls_head).__name__} '
                    'has no fc_attention (no attention to monitor); logging '
                    'the backbone gradients of the loss terms only')
        values = self.measure(model, data_batch)
        for key, value in values.items():
            runner.message_hub.update_scalar(f'train/{key}', value)
        if is_main_process():
            line = json.dumps(dict(iter=runner.iter + 1, **values)) + '\n'
            with open(osp.join(runner.log_dir, JSONL_NAME), 'a') as f:
                f.write(line)  # one write per line: readers never see half
