#!/usr/bin/python3
"""PyTorch reference of StyleGrpc's `seed` algorithm, for side-by-side timing in bench/.

Two variants of the same algorithm (Gatys et al., content conv2_2, style conv1_1..conv3_1 as the
write-up's in-place ReLUs left them, Gram = F F^T / (b c h w), MSE losses, image optimised):

  fair   the network cut after the deepest loss layer, weights frozen, targets computed once;
  naive  what the original write-up did: every layer of VGG19 `features` kept after the loss
         layers, weights left requiring grad.

Usage:
  pytorch_reference.py make-weights OUT.pth
  pytorch_reference.py run --mode fair|naive --optimizer rmsprop|adam|lbfgs --weights W.pth
                           --content C.png --style S.png --steps N --warmup K [--threads T]
Prints one JSON object: median ms per step (one loss evaluation), the losses, the settings.
Images are read as RGB/255 with no resizing: the caller passes them at the size to measure.
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from PIL import Image

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
CONTENT_LAYER = 7          # conv2_2 in torchvision's features
STYLE_LAYERS = [0, 2, 5, 7, 10]  # conv1_1, conv1_2, conv2_1, conv2_2, conv3_1
STYLE_WEIGHT = 1e6
CONTENT_WEIGHT = 1.0


def load_image(path):
    image = Image.open(path).convert("RGB")
    data = torch.ByteTensor(torch.ByteStorage.from_buffer(image.tobytes()))
    return data.view(image.size[1], image.size[0], 3).permute(2, 0, 1).float().div(255).unsqueeze(0).contiguous()


def gram(features):
    b, c, h, w = features.shape
    flat = features.reshape(b * c, h * w)
    return flat.mm(flat.t()) / (b * c * h * w)


def build_features(weights_path, mode):
    vgg = torchvision.models.vgg19()
    state = torch.load(weights_path)
    vgg.features.load_state_dict({k[len("features."):]: v for k, v in state.items() if k.startswith("features.")})
    layers = list(vgg.features.children())
    if mode == "fair":
        layers = layers[: max(STYLE_LAYERS + [CONTENT_LAYER]) + 1]
        for p in vgg.parameters():
            p.requires_grad_(False)
    # The write-up's behaviour: ReLUs in place, so a tap a ReLU follows reads the post-ReLU values.
    return nn.Sequential(*layers).eval()


class Objective:
    def __init__(self, features, content, style):
        self.features = features
        with torch.no_grad():
            taps = self.taps(content)
            self.content_target = taps[CONTENT_LAYER].clone()
            taps = self.taps(style)
            self.style_targets = {i: gram(taps[i]).clone() for i in STYLE_LAYERS}

    def taps(self, image):
        x = (image - MEAN) / STD
        out = {}
        wanted = set(STYLE_LAYERS + [CONTENT_LAYER])
        for index, layer in enumerate(self.features):
            x = layer(x)
            if index in wanted:
                out[index] = x
        # In-place ReLUs have overwritten the conv outputs they follow; clone so later in-place ops don't touch them.
        return out

    def losses(self, image):
        taps = self.taps(image)
        content = F.mse_loss(taps[CONTENT_LAYER], self.content_target)
        style = sum(F.mse_loss(gram(taps[i]), self.style_targets[i]) for i in STYLE_LAYERS)
        return content, style, CONTENT_WEIGHT * content + STYLE_WEIGHT * style


def run(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    features = build_features(args.weights, args.mode)
    content = load_image(args.content)
    style = load_image(args.style)
    objective = Objective(features, content, style)
    image = content.clone().requires_grad_(True)
    if args.optimizer == "rmsprop":
        optimizer = torch.optim.RMSprop([image])
    elif args.optimizer == "adam":
        optimizer = torch.optim.Adam([image], lr=0.02)
    else:
        optimizer = torch.optim.LBFGS([image], lr=1, max_iter=1, history_size=100)
    times = []
    last = {}

    def closure():
        if args.optimizer != "lbfgs":
            with torch.no_grad():
                image.clamp_(0, 1)
        optimizer.zero_grad()
        c, s, total = objective.losses(image)
        total.backward()
        last.update(content=c.item(), style=s.item(), total=total.item())
        return total

    for step in range(args.warmup + args.steps):
        start = time.perf_counter()
        optimizer.step(closure)
        elapsed = (time.perf_counter() - start) * 1000
        if step >= args.warmup:
            times.append(elapsed)
    print(json.dumps({
        "implementation": "pytorch-" + args.mode,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "optimizer": args.optimizer,
        "width": content.shape[3],
        "height": content.shape[2],
        "steps": args.steps,
        "ms_per_step": statistics.median(times),
        "losses": last,
    }))


def make_weights(out):
    torch.manual_seed(0)
    vgg = torchvision.models.vgg19()
    torch.save({"features." + k: v for k, v in vgg.features.state_dict().items()}, out)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    mk = sub.add_parser("make-weights")
    mk.add_argument("out")
    r = sub.add_parser("run")
    r.add_argument("--mode", choices=["fair", "naive"], required=True)
    r.add_argument("--optimizer", choices=["rmsprop", "adam", "lbfgs"], default="rmsprop")
    r.add_argument("--weights", required=True)
    r.add_argument("--content", required=True)
    r.add_argument("--style", required=True)
    r.add_argument("--steps", type=int, default=10)
    r.add_argument("--warmup", type=int, default=3)
    r.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if args.command == "make-weights":
        make_weights(args.out)
    else:
        run(args)


if __name__ == "__main__":
    sys.exit(main())
