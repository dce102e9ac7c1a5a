"""Training loops of the zoo: next-token pretraining / fine-tuning, logit distillation, and LoRA.

Data are fixed-length windows cut from a token stream; the order of windows comes from a seeded
generator (the "data seed"), so two runs differing only in data seed see the same windows in a
different order. Training is deterministic on CPU for a given seed, data seed and thread count.
"""
import math

import torch
import torch.nn.functional as F

EVAL_WINDOWS = 32


def windows(ids, seq_len):
    """(N, seq_len) tensor of consecutive, non-overlapping windows; the last EVAL_WINDOWS are the
    held-out set."""
    n = len(ids) // seq_len
    t = torch.tensor(ids[: n * seq_len], dtype=torch.long).view(n, seq_len)
    return t[:-EVAL_WINDOWS], t[-EVAL_WINDOWS:]


class Batches:
    """Endless seeded shuffles of the training windows."""

    def __init__(self, data, batch, data_seed):
        self.data, self.batch = data, batch
        self.gen = torch.Generator().manual_seed(data_seed)
        self.order, self.pos = torch.randperm(len(data), generator=self.gen), 0
        self.epochs = 0

    def next(self):
        if self.pos + self.batch > len(self.order):
            self.order, self.pos = torch.randperm(len(self.data), generator=self.gen), 0
            self.epochs += 1
        idx = self.order[self.pos: self.pos + self.batch]
        self.pos += self.batch
        return self.data[idx]


def lr_at(step, steps, lr, warmup):
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


@torch.no_grad()
def eval_loss(model, held_out):
    model.eval()
    losses = [model(input_ids=held_out[i:i + 8], labels=held_out[i:i + 8]).loss.item()
              for i in range(0, len(held_out), 8)]
    return sum(losses) / len(losses)


def run(model, data, steps, batch, lr, seed, data_seed, warmup=20, params=None, teacher=None,
        checkpoint_steps=(), on_checkpoint=None, log=print, tag=""):
    """Trains `model` in place for `steps` AdamW steps. With `teacher`, the loss is
    KL(teacher || student) on next-token distributions (pure distillation, no labels).
    `params` restricts what is trained (default: everything). Calls on_checkpoint(step) at
    every step in checkpoint_steps (0 = before any update). Returns a summary dict."""
    torch.manual_seed(seed)
    batches = Batches(data, batch, data_seed)
    params = [p for p in (params if params is not None else model.parameters()) if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.95), weight_decay=0.1, eps=1e-8)
    if 0 in checkpoint_steps and on_checkpoint:
        on_checkpoint(0)
    losses = []
    for step in range(steps):
        model.train()
        for g in opt.param_groups:
            g["lr"] = lr_at(step, steps, lr, warmup)
        x = batches.next()
        if teacher is None:
            loss = model(input_ids=x, labels=x).loss
        else:
            with torch.no_grad():
                t_logp = F.log_softmax(teacher(input_ids=x).logits.float(), dim=-1)
            s_logp = F.log_softmax(model(input_ids=x).logits.float(), dim=-1)
            loss = F.kl_div(s_logp.flatten(0, 1), t_logp.flatten(0, 1), log_target=True,
                            reduction="batchmean")
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())
        if (step + 1) % 50 == 0 or step + 1 == steps:
            log(f"  [{tag}] step {step + 1}/{steps} loss {sum(losses[-50:]) / len(losses[-50:]):.3f}")
        if (step + 1) in checkpoint_steps and on_checkpoint:
            on_checkpoint(step + 1)
    model.eval()
    tail = losses[-20:]
    return {"steps": steps, "batch": batch, "seq_len": data.shape[1], "lr": lr,
            "tokens": steps * batch * data.shape[1], "epochs": round(
                steps * batch / len(data), 3), "final_train_loss": round(sum(tail) / len(tail), 4)}


class LoRALinear(torch.nn.Module):
    """y = x Wᵀ + (alpha/r) x Aᵀ Bᵀ with W frozen; B starts at zero so training starts at W."""

    def __init__(self, base, rank, alpha, gen):
        super().__init__()
        self.base = base
        base.weight.requires_grad_(False)
        self.scale = alpha / rank
        self.a = torch.nn.Parameter(torch.randn(rank, base.in_features, generator=gen)
                                    / math.sqrt(base.in_features))
        self.b = torch.nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x):
        return self.base(x) + (x @ self.a.t() @ self.b.t()) * self.scale

    def merged(self):
        with torch.no_grad():
            self.base.weight += (self.b @ self.a) * self.scale
        self.base.weight.requires_grad_(True)
        return self.base


LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def attach_lora(model, rank, alpha, seed):
    for p in model.parameters():
        p.requires_grad_(False)
    gen = torch.Generator().manual_seed(seed)
    adapters = []
    for _name, module in list(model.named_modules()):
        for child_name in LORA_TARGETS:
            child = getattr(module, child_name, None)
            if isinstance(child, torch.nn.Linear):
                lora = LoRALinear(child, rank, alpha, gen)
                setattr(module, child_name, lora)
                adapters.append((module, child_name, lora))
    params = [p for _, _, lora in adapters for p in (lora.a, lora.b)]
    return adapters, params


def merge_lora(model, adapters):
    for module, child_name, lora in adapters:
        setattr(module, child_name, lora.merged())
    for p in model.parameters():
        p.requires_grad_(True)
