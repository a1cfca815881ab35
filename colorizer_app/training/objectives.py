"""One objective per family: its networks, optimisers and loss. The Trainer knows none of this.

An objective exposes `train_step(L, ab, labels, hints) -> losses`, `predict_ab(L)` for validation, and its
state for checkpoints. The GAN follows pix2pix (L1 x 100 + LSGAN loss, PatchGAN on (L, ab)) and
DeOldify's NoGAN recipe: the generator starts from a trained L1/L2 model and the discriminator
is warmed up alone before the short adversarial phase.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..defaults import DEFAULT_TEMPERATURE
from ..imaging.metrics import WRONG_AB_ERROR
from ..models import bins as B
from ..models.checkpoint import LoadedModel
from ..models.networks import HINT_PREFIX, DiscSpec, PatchDiscriminator
from .imagenet_memory import ImagenetMemory, encoder_variant
from .perceptual import FeatureLoss
from .spread_loop import spread_in_loop


@dataclass
class LossConfig:
    regression_loss: str = "l2"  # or "smooth_l1"
    rarity_weighted: bool = False  # regression: weight pixels by rarity of their colour
    rebalance_lambda: float = B.REBALANCE_LAMBDA
    l1_weight: float = 100.0  # gan
    d_warmup: int = 0  # gan: steps training only the discriminator
    temperature: float = DEFAULT_TEMPERATURE  # classification: decoding for validation
    aux_weight: float = 0.01  # the auxiliary "what is this photo" head, where the net has one
    hint_spread: bool = False  # regression with hints: the loss is taken after the spread along edges
    chroma_weight: float = 0.0  # regression: also pull each pixel's chroma toward the truth's
    false_colour_weight: float = 0.0  # regression: also fade the colour of pixels that are far off
    encoder_lr: float = 1.0  # the pretrained encoder's learning rate, as a share of the rest's
    perceptual_weight: float = 0.0  # regression, gan: weight of the ImageNet feature loss (perceptual.py)
    decoded_weight: float = 0.0  # classification: weight of a term on how far off the decoded colours are
    decoded_margin: float = 0.0  # ...counting only the distance beyond this many ab units (0: all of it)
    imagenet_weight: float = 0.0  # weight of the term that keeps the encoder's ImageNet classes (imagenet_memory.py)


def recorded_loss(model: LoadedModel) -> LossConfig:
    """The loss a model file records it was trained with; LossConfig's defaults for the rest."""
    recorded = model.meta.get("loss") or {}
    return LossConfig(**{k: v for k, v in recorded.items() if k in LossConfig.__dataclass_fields__})


CHROMA_EPS = 1e-4  # in the loss's scaled ab units: keeps the gradient finite at gray
HINT_LR_GAIN = 10.0  # the hint inputs start at zero beside a trained net: they learn this much faster


ENCODER_PREFIX = "encoder."  # the pretrained encoder's parameters (lite_unet.py)


def param_groups(net: nn.Module, encoder_gain: float = 1.0) -> list[dict]:
    """The parameters by learning rate: hint inputs get the rate x HINT_LR_GAIN, a pretrained
    encoder x `encoder_gain` (it already sees; the decoder starts from nothing), the rest x 1.
    The trainer's schedule multiplies each group's `lr_gain`; empty groups are left out."""
    groups: dict[float, list] = {}
    for n, p in net.named_parameters():
        gain = HINT_LR_GAIN if n.startswith(HINT_PREFIX) else encoder_gain if n.startswith(ENCODER_PREFIX) else 1.0
        groups.setdefault(gain, []).append(p)
    return [{"params": ps, **({"lr_gain": g} if g != 1.0 else {})} for g, ps in groups.items()]


def chroma(ab: torch.Tensor) -> torch.Tensor:
    """(N, 2, H, W) -> (N, H, W) colour strength sqrt(a^2 + b^2), smooth at gray."""
    return (ab.square().sum(1) + CHROMA_EPS).sqrt()


def set_requires_grad(module: nn.Module, flag: bool) -> None:
    for p in module.parameters():
        p.requires_grad_(flag)


def downsample_ab(ab: torch.Tensor, factor: int) -> torch.Tensor:
    return F.avg_pool2d(ab, factor)


def class_weights_from(sample_ab: torch.Tensor, centres: torch.Tensor, lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Smoothed empirical prior over the bins and its rebalancing weights (E[w] = 1)."""
    prior = B.smooth_prior(B.bin_histogram(sample_ab, centres), centres)
    return prior, B.rebalance_weights(prior, lam)


class Objective:
    name = "base"

    def __init__(self, model: LoadedModel, cfg: LossConfig, lr: float, wrap=lambda m: m):
        self.model = model
        self.cfg = cfg
        self.net = wrap(model.net)
        self.opt = self.optimizer(param_groups(model.net, cfg.encoder_lr), lr)
        self.extra_meta: dict = {}
        self.feature_loss = FeatureLoss() if cfg.perceptual_weight else None
        self.memory = ImagenetMemory(encoder_variant(model.net.spec.arch)) if cfg.imagenet_weight else None

    def with_features(self, loss: torch.Tensor, L: torch.Tensor, pred: torch.Tensor, target: torch.Tensor,
                      losses: dict) -> torch.Tensor:
        """`loss` plus the weighted feature loss of the prediction, where it is asked for;
        L and the true ab at the crop's size, pred at the net's."""
        if self.feature_loss is None:
            return loss
        term = self.feature_loss(L, pred, target)
        losses["features"] = term.item()
        return loss + self.cfg.perceptual_weight * term

    def optimizer(self, params, lr: float) -> torch.optim.Optimizer:
        """The generator's optimiser (built once, here)."""
        return torch.optim.AdamW(params, lr=lr, weight_decay=1e-4, betas=(0.9, 0.99))

    @property
    def optimizers(self) -> list[torch.optim.Optimizer]:
        return [self.opt]

    def modules(self) -> dict[str, nn.Module]:
        return {"net": self.model.net}

    def train(self, mode: bool = True) -> None:
        for m in self.modules().values():
            m.train(mode)

    def predict_ab(self, L: torch.Tensor) -> torch.Tensor:
        return self.model.net(L)

    def buffers(self) -> dict[str, torch.Tensor]:
        return {}

    def load_buffers(self, buffers: dict[str, torch.Tensor]) -> None:
        pass

    def val_loss(self, L: torch.Tensor, ab: torch.Tensor) -> float:
        """The training loss (the generator's L1 for the gan) on held-out photos, without learning."""
        raise NotImplementedError

    def forward_train(self, L: torch.Tensor, ab: torch.Tensor, labels: torch.Tensor | None,
                      hints: torch.Tensor | None = None) -> tuple[torch.Tensor, dict]:
        """The net's output and the terms that teach its encoder beside the colour loss, by name,
        unweighted: the auxiliary head's classification (with head and labels), the ImageNet memory
        (with `imagenet_weight`)."""
        if self.memory is None:
            out, aux = self.net(L, hints, with_aux=True)
        else:
            out, aux, deepest = self.net(L, hints, with_aux=True, with_deepest=True)
        terms = {}
        if aux is not None and labels is not None and bool((labels >= 0).any()):
            terms["aux"] = F.cross_entropy(aux.float(), labels.to(aux.device), ignore_index=-1)
        if self.memory is not None:
            terms["imagenet"] = self.memory(deepest, L, ab)
        return out, terms

    def with_side_terms(self, loss: torch.Tensor, terms: dict, losses: dict) -> torch.Tensor:
        """`loss` plus the weighted terms of `forward_train`, each logged under its name."""
        weights = {"aux": self.cfg.aux_weight, "imagenet": self.cfg.imagenet_weight}
        for name, term in terms.items():
            losses[name] = term.item()
            loss = loss + weights[name] * term
        return loss

    def _step(self, loss: torch.Tensor, opt: torch.optim.Optimizer) -> None:
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


class RegressionObjective(Objective):
    name = "regression"

    def __init__(self, model, cfg, lr, wrap=lambda m: m, prior_sample: torch.Tensor | None = None):
        super().__init__(model, cfg, lr, wrap)
        self.weights = None
        if cfg.rarity_weighted:
            self.centres = B.gamut_bins()
            _, self.weights = class_weights_from(prior_sample, self.centres, cfg.rebalance_lambda)

    def buffers(self):
        return {"rarity_weights": self.weights} if self.weights is not None else {}

    def load_buffers(self, buffers):
        if "rarity_weights" in buffers:
            self.centres = B.gamut_bins()
            self.weights = buffers["rarity_weights"]

    def loss(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        scale = self.model.net.spec.ab_scale
        p, t = pred.float() / scale, target / scale
        if self.cfg.regression_loss == "smooth_l1":
            per_px = F.smooth_l1_loss(p, t, reduction="none", beta=0.1).sum(1)
        else:
            per_px = (p - t).square().sum(1)
        if self.cfg.chroma_weight:
            # L2 alone predicts the mean colour, which fades where the hue is uncertain; this pulls
            # the strength of the colour (not its hue) toward the truth's strength.
            per_px = per_px + self.cfg.chroma_weight * (chroma(p) - chroma(t)).square()
        if self.cfg.false_colour_weight:
            # a confident false colour costs a user more than a faded one: where the colour is
            # further off than the wrong-colour threshold, its strength is charged as well (the
            # gate carries no gradient, so only the strength is pushed down). Where a pixel is far
            # off in one photo of a kind and right in another, its colour settles fainter.
            far = (chroma(p - t) > WRONG_AB_ERROR / scale).detach()
            per_px = per_px + self.cfg.false_colour_weight * far * chroma(p)
        if self.weights is not None:
            flat = target.permute(0, 2, 3, 1).reshape(-1, 2)
            # the bins and weights are made on the CPU; the batch may be on CUDA
            _, idx = B.nearest_bins(flat, self.centres.to(flat.device), 1)
            per_px = per_px * self.weights.to(flat.device)[idx[:, 0]].reshape(per_px.shape)
        return per_px.mean()

    def train_step(self, L, ab, labels=None, hints=None):
        pred, terms = self.forward_train(L, ab, labels, hints)
        if hints is not None and self.cfg.hint_spread:
            pred = spread_in_loop(pred, L, hints)
        target = downsample_ab(ab, L.shape[-1] // pred.shape[-1])
        loss = self.loss(pred, target)
        out = {"loss": loss.item()}
        loss = self.with_features(loss, L, pred, ab, out)
        self._step(self.with_side_terms(loss, terms, out), self.opt)
        return out

    def val_loss(self, L, ab):
        pred = self.model.net(L)
        return self.loss(pred, downsample_ab(ab, L.shape[-1] // pred.shape[-1])).item()


class ClassificationObjective(Objective):
    name = "classification"

    def __init__(self, model, cfg, lr, wrap=lambda m: m, prior_sample: torch.Tensor | None = None):
        super().__init__(model, cfg, lr, wrap)
        self.centres = model.bins
        if prior_sample is not None:
            self.prior, self.weights = class_weights_from(prior_sample, self.centres, cfg.rebalance_lambda)
        else:
            self.prior = torch.full((self.centres.shape[0],), 1.0 / self.centres.shape[0])
            self.weights = torch.ones_like(self.prior)

    def buffers(self):
        return {"prior": self.prior, "class_weights": self.weights}

    def load_buffers(self, buffers):
        self.prior, self.weights = buffers["prior"], buffers["class_weights"]

    def loss(self, logits: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
        target_ab = downsample_ab(ab, ab.shape[-1] // logits.shape[-1])
        # the bins and weights are made on the CPU; the batch may be on CUDA
        soft, nearest = B.soft_encode(target_ab, self.centres.to(logits.device))
        logp = F.log_softmax(logits.float(), dim=1)
        ce = -(soft * logp).sum(1)
        return (ce * self.weights.to(logits.device)[nearest]).mean()

    def decoded_loss(self, logits: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
        """Distance of the annealed-mean colours from the truth's beyond `decoded_margin`, in the
        networks' ab units.

        Cross-entropy charges a wrong bin the same whether the decoded colour lands near the truth
        or far from it; this term charges a false colour by how far off it is. With a margin, near
        misses cost nothing, so the term does not pull uncertain colours toward their median (gray)
        and acts only on the far ones: confident false colour, and strong colour left out."""
        scale = self.model.net.spec.ab_scale
        target_ab = downsample_ab(ab, ab.shape[-1] // logits.shape[-1])
        miss = (B.annealed_mean(logits, self.centres, self.cfg.temperature) - target_ab) / scale
        if not self.cfg.decoded_margin:
            return miss.abs().sum(1).mean()
        return F.relu(chroma(miss) - self.cfg.decoded_margin / scale).mean()

    def train_step(self, L, ab, labels=None, hints=None):
        logits, terms = self.forward_train(L, ab, labels, hints)
        loss = self.loss(logits, ab)
        out = {"loss": loss.item()}
        if self.cfg.decoded_weight:
            term = self.decoded_loss(logits, ab)
            out["decoded"] = term.item()
            loss = loss + self.cfg.decoded_weight * term
        self._step(self.with_side_terms(loss, terms, out), self.opt)
        return out

    def val_loss(self, L, ab):
        return self.loss(self.model.net(L), ab).item()

    def predict_ab(self, L):
        return B.annealed_mean(self.model.net(L), self.centres, self.cfg.temperature)


class GanObjective(Objective):
    name = "gan"

    def __init__(self, model, cfg, lr, wrap=lambda m: m, prior_sample=None):
        super().__init__(model, cfg, lr, wrap)
        spec = model.net.spec
        self.disc = PatchDiscriminator(DiscSpec(l_center=spec.l_center, l_scale=spec.l_scale,
                                                ab_scale=spec.ab_scale))
        self.disc_wrapped = wrap(self.disc)
        self.opt_d = torch.optim.Adam(self.disc.parameters(), lr=lr, betas=(0.5, 0.999))
        self.step_count = 0

    def optimizer(self, params, lr):
        return torch.optim.Adam(params, lr=lr, betas=(0.5, 0.999))  # pix2pix

    @property
    def optimizers(self):
        return [self.opt, self.opt_d]

    def modules(self):
        return {"net": self.model.net, "disc": self.disc}

    def buffers(self):
        return {"step_count": torch.tensor(self.step_count)}

    def load_buffers(self, buffers):
        self.step_count = int(buffers["step_count"])

    def train_step(self, L, ab, labels=None, hints=None):
        scale = self.model.net.spec.ab_scale
        warm = self.step_count < self.cfg.d_warmup
        self.step_count += 1
        if warm:  # the critic learns alone: the generator's own terms would go unused
            with torch.no_grad():
                fake, terms = self.net(L, hints), {}
        else:
            fake, terms = self.forward_train(L, ab, labels, hints)
        f = L.shape[-1] // fake.shape[-1]
        L4, real = F.avg_pool2d(L, f), downsample_ab(ab, f)

        set_requires_grad(self.disc, True)
        # one forward over real and fake together: DistributedDataParallel expects one per backward
        d_out = self.disc_wrapped(torch.cat((L4, L4)), torch.cat((real, fake.detach().to(real.dtype)))).float()
        d_real, d_fake = d_out.chunk(2)
        loss_d = 0.5 * ((d_real - 1).square().mean() + d_fake.square().mean())
        self._step(loss_d, self.opt_d)
        acc = 0.5 * ((d_real > 0.5).float().mean() + (d_fake < 0.5).float().mean()).item()
        out = {"d": loss_d.item(), "d_acc": acc}
        if warm:
            return out

        set_requires_grad(self.disc, False)
        # D sees real and fake together here too: its batch norm then normalises as it did when it
        # learnt, so a shift shared by the whole fake batch (too little colour everywhere) still
        # reaches the generator instead of being normalised away. Unwrapped: D is frozen here.
        d_both = self.disc(torch.cat((L4, L4)), torch.cat((real, fake.to(real.dtype)))).float()
        adv = (d_both.chunk(2)[1] - 1).square().mean()
        l1 = (fake.float() / scale - real / scale).abs().mean()
        loss_g = self.cfg.l1_weight * l1 + adv
        out.update({"loss": l1.item(), "g_adv": adv.item()})
        loss_g = self.with_features(loss_g, L, fake, ab, out)
        self._step(self.with_side_terms(loss_g, terms, out), self.opt)
        return out

    def val_loss(self, L, ab):
        fake = self.model.net(L)
        real = downsample_ab(ab, L.shape[-1] // fake.shape[-1])
        scale = self.model.net.spec.ab_scale
        return (fake.float() / scale - real / scale).abs().mean().item()


OBJECTIVES = {c.name: c for c in (RegressionObjective, ClassificationObjective, GanObjective)}
