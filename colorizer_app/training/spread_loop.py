"""The spread along edges (models/hint_spread.py) inside the training loss, so that a network with
hint inputs learns what the spread after it leaves undone, instead of what the spread does anyway.

The spread is linear in the network's colours: out = ab + A^-1 H (t - ab), with A the edge-aware
system of the spread (its Laplacian, the fade and the held cells' weights H) and t the hints'
colours on the held cells; so its gradient is g - H A^-1 g (A is symmetric), one more solve with
the same factors. Training hints come as planes (training/hint_sampling.py): a cell is held as
firmly as its share of hinted pixels, to the mean hinted colour over it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..models.hint_spread import LAMBDA, factor_system, fade


def held_from_planes(planes: torch.Tensor, out_stride: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, 3, H, W) hint planes -> (B, h, w) holding weights and (B, 2, h, w) held colours."""
    mask = F.avg_pool2d(planes[:, 2:3].float(), out_stride)
    colour = F.avg_pool2d(planes[:, :2].float() * planes[:, 2:3].float(), out_stride) / mask.clamp_min(1e-6)
    return LAMBDA * mask[:, 0], colour


class _Spread(torch.autograd.Function):
    @staticmethod
    def forward(ctx, ab, guide, held, target):
        B, _, h, w = ab.shape
        out = ab.detach().clone()
        mu = fade((h, w))
        factors = []
        for i in range(B):
            hw = held[i].double().numpy().ravel()
            if not hw.any():
                factors.append(None)
                continue
            lu = factor_system(guide[i].double().numpy(), mu + hw)
            rhs = hw[:, None] * (target[i] - ab[i].detach()).double().reshape(2, -1).numpy().T
            out[i] += torch.from_numpy(lu.solve(rhs).T.reshape(2, h, w)).to(out.dtype)
            factors.append(lu)
        ctx.factors = factors
        ctx.save_for_backward(held)
        return out

    @staticmethod
    def backward(ctx, grad):
        (held,) = ctx.saved_tensors
        B, _, h, w = grad.shape
        out = grad.clone()
        for i, lu in enumerate(ctx.factors):
            if lu is None:
                continue
            y = lu.solve(grad[i].double().reshape(2, -1).numpy().T)
            out[i] -= held[i][None] * torch.from_numpy(y.T.reshape(2, h, w)).to(out.dtype)
        return out, None, None, None


def spread_in_loop(pred: torch.Tensor, L: torch.Tensor, planes: torch.Tensor) -> torch.Tensor:
    """(B, 2, h, w) predicted ab, (B, 1, H, W) L* and (B, 3, H, W) hint planes -> the ab the
    spread makes of them (solved on the CPU), differentiable in `pred`."""
    stride = L.shape[-1] // pred.shape[-1]
    guide = F.avg_pool2d(L.float(), stride)[:, 0]
    held, target = held_from_planes(planes, stride)
    return _Spread.apply(pred.float().cpu(), guide.cpu(), held.cpu(), target.cpu()).to(pred.device)
